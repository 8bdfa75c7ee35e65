/**
 * The app shell: navigation, workspace header, global progress bar, the empty state, and the
 * window-wide drop target (native paths in the desktop app, HTML5 drops staged on the server in
 * a browser). In the desktop app also "Register…" (native file chooser), the workspace menu
 * (open another, recent ones) and the native menu's actions (desktop.tsx); views remount when
 * the workspace changes. Views are chosen by the hash route.
 */
import { CompareView } from "./views/Compare";
import { useCallback, useEffect, useMemo, useState } from "react";
import { useBackend } from "./backend";
import type { WorkspaceInfo } from "./backend/generated/api";
import { AppContext, type AppState, type PendingOrigin } from "./app-state";
import { navigate, useRoute, type Route } from "./router";
import { useWindowDrop } from "./window-drop";
import { RegisterButton, WorkspaceMenu, WorkspaceOffer, useDesktop, useWorkspaceGeneration, type Desktop } from "./desktop";
import { EmptyState } from "./views/EmptyState";
import { LineageView } from "./views/Lineage";
import { ModelsView } from "./views/Models";
import { ModelView } from "./views/Model";
import { VersionView } from "./views/Version";
import { RegisterView } from "./views/Register";
import { AuditView } from "./views/Audit";
import { StoresView } from "./views/Stores";
import { RemotesView } from "./views/Remotes";
import { DeploymentsView } from "./views/Deployments";
import { ReportsView } from "./views/Reports";
import { ErrorBanner } from "./components/ErrorBanner";
import { ProgressBar, useProgressEvents } from "./components/ProgressBar";
import { useLoad } from "./components/useLoad";

export function App() {
  const backend = useBackend();
  const route = useRoute();
  const { data: info, error: infoError, refresh: refreshInfo } = useLoad(() => backend.call("workspace_info", {}), [backend]);
  const progress = useProgressEvents();
  const [pending, setPendingPaths] = useState<string[] | null>(null);
  const [pendingOrigin, setPendingOrigin] = useState<PendingOrigin | null>(null);
  const setPending = useCallback((paths: string[] | null, origin?: PendingOrigin | null) => {
    setPendingPaths(paths);
    setPendingOrigin(paths ? origin ?? null : null);
  }, []);
  const [notice, setNotice] = useState<string | null>(null);

  // Dropped files go to the registration form.
  const openRegister = useCallback(
    (paths: string[]) => {
      setNotice(null);
      setPending(paths);
      navigate("#/register");
    },
    [setPending],
  );
  const drop = useWindowDrop(openRegister);
  const desktop = useDesktop(openRegister, setNotice);
  // Another workspace: nothing pending from the old one, fresh counts, every view remounts.
  const workspaceChanged = useCallback(() => {
    setPending(null);
    void refreshInfo();
  }, [setPending, refreshInfo]);
  const generation = useWorkspaceGeneration(workspaceChanged);
  useEffect(() => {
    if (info) document.title = `Pedigree — ${info.workspace}`;
  }, [info]);

  const pickToRegister = desktop?.pickToRegister;
  const state: AppState = useMemo(
    () => ({ progress, info, refreshInfo, pending, setPending, pendingOrigin, notice, setNotice, uploadPicked: drop.uploadPicked, pickToRegister }),
    [progress, info, refreshInfo, pending, setPending, pendingOrigin, notice, drop.uploadPicked, pickToRegister],
  );
  // The Stores and Remotes views work on an empty workspace too: indexing a store or pulling from
  // a team registry is another way in.
  const empty = info !== null && info.models === 0 && !["register", "stores", "remotes"].includes(route.page);

  return (
    <AppContext.Provider value={state}>
      <div className="shell">
        <TopBar route={route} info={info} infoError={infoError} desktop={desktop} />
        <ProgressBar progress={progress} uploading={drop.uploading} />
        {notice && (
          <div className="banner ok" data-testid="reg-success" role="status">
            {notice} <button onClick={() => setNotice(null)}>Dismiss</button>
          </div>
        )}
        <ErrorBanner error={drop.error} onDismiss={drop.dismissError} />
        {desktop && <ErrorBanner error={desktop.error} testId="desktop-error" onDismiss={desktop.dismissError} />}
        {desktop && <WorkspaceOffer desktop={desktop} />}
        <main className="content" key={generation}>{empty ? <EmptyState /> : <RouteView route={route} />}</main>
        {drop.hovering && (
          <div className="drop-overlay" data-testid="drop-zone">
            <div>Drop model files or folders to register a new version</div>
          </div>
        )}
      </div>
    </AppContext.Provider>
  );
}

function RouteView({ route }: { route: Route }) {
  if (route.page === "models" && route.arg) return <ModelView name={route.arg} />;
  if (route.page === "models") return <ModelsView />;
  if (route.page === "versions") return <VersionView reference={route.arg} />;
  if (route.page === "compare") return <CompareView query={route.query} />;
  if (route.page === "audit") return <AuditView />;
  if (route.page === "register") return <RegisterView />;
  if (route.page === "stores") return <StoresView store={route.arg || null} />;
  if (route.page === "remotes") return <RemotesView />;
  if (route.page === "deployments") return <DeploymentsView />;
  if (route.page === "reports") return <ReportsView reference={route.arg} />;
  return <LineageView query={route.query} />;
}

function TopBar({ route, info, infoError, desktop }: { route: Route; info: WorkspaceInfo | null; infoError: string | null; desktop: Desktop | null }) {
  const nav = (page: string, label: string, hash: string) => (
    <a data-testid={`nav-${page}`} className={route.page === page || (page === "models" && (route.page === "versions" || route.page === "compare")) ? "active" : ""} href={hash}>
      {label}
    </a>
  );
  const label = info ? `${info.workspace} · ${info.models} models · ${info.versions} versions` : infoError ?? "…";
  return (
    <header className="topbar">
      <div className="brand">
        <img src="/icon.png" alt="" width={22} height={22} /> Pedigree
      </div>
      <nav>
        {nav("lineage", "Lineage", "#/lineage")}
        {nav("models", "Models", "#/models")}
        {nav("stores", "Stores", "#/stores")}
        {nav("remotes", "Remotes", "#/remotes")}
        {nav("deployments", "Deployments", "#/deployments")}
        {nav("reports", "Reports", "#/reports")}
        {nav("audit", "Audit", "#/audit")}
      </nav>
      {desktop ? (
        <>
          <WorkspaceMenu desktop={desktop} label={label} />
          <RegisterButton desktop={desktop} />
        </>
      ) : (
        <div className="workspace" data-testid="workspace-path" title="Workspace">
          {label}
        </div>
      )}
    </header>
  );
}
