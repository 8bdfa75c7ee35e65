/**
 * The app shell: navigation, workspace header, global progress bar, the empty state, and the
 * window-wide drop target (native paths in the desktop app, HTML5 drops staged on the server in
 * a browser). Views are chosen by the hash route.
 */
import { useCallback, useEffect, useMemo, useState } from "react";
import { errorMessage, useBackend } from "./backend";
import type { Progress, WorkspaceInfo } from "./backend/generated/api";
import { AppContext, type AppState, type PendingOrigin } from "./app-state";
import { filesFromDrop } from "./drop";
import { navigate, useRoute } from "./router";
import { EmptyState } from "./views/EmptyState";
import { LineageView } from "./views/Lineage";
import { ModelsView } from "./views/Models";
import { ModelView } from "./views/Model";
import { VersionView } from "./views/Version";
import { RegisterView } from "./views/Register";
import { AuditView } from "./views/Audit";
import { StoresView } from "./views/Stores";
import { DeploymentsView } from "./views/Deployments";
import { ReportsView } from "./views/Reports";
import { ProgressBar } from "./components/ProgressBar";

export function App() {
  const backend = useBackend();
  const route = useRoute();
  const [info, setInfo] = useState<WorkspaceInfo | null>(null);
  const [infoError, setInfoError] = useState<string | null>(null);
  const [progress, setProgress] = useState<Progress | null>(null);
  const [pending, setPendingPaths] = useState<string[] | null>(null);
  const [pendingOrigin, setPendingOrigin] = useState<PendingOrigin | null>(null);
  const setPending = useCallback((paths: string[] | null, origin?: PendingOrigin | null) => {
    setPendingPaths(paths);
    setPendingOrigin(paths ? origin ?? null : null);
  }, []);
  const [hovering, setHovering] = useState(false);
  const [dropError, setDropError] = useState<string | null>(null);
  const [uploading, setUploading] = useState<{ done: number; total: number } | null>(null);
  const [notice, setNotice] = useState<string | null>(null);

  const refreshInfo = useCallback(async () => {
    try {
      setInfo(await backend.call("workspace_info", {}));
      setInfoError(null);
    } catch (e) {
      setInfoError(errorMessage(e));
    }
  }, [backend]);

  useEffect(() => {
    void refreshInfo();
  }, [refreshInfo]);

  useEffect(() => {
    let clear: ReturnType<typeof setTimeout> | undefined;
    const off = backend.onProgress((p) => {
      setProgress(p);
      clearTimeout(clear);
      if (p.done >= p.total) clear = setTimeout(() => setProgress(null), 800);
    });
    return () => {
      off();
      clearTimeout(clear);
    };
  }, [backend]);

  const openRegister = useCallback((paths: string[]) => {
    setDropError(null);
    setNotice(null);
    setPending(paths);
    navigate("#/register");
  }, [setPending]);

  // Desktop: the shell hands over real paths.
  useEffect(() => backend.onNativeDrop(openRegister, setHovering), [backend, openRegister]);

  // Browser: HTML5 drag and drop anywhere on the window.
  useEffect(() => {
    if (backend.transport !== "http") return;
    let depth = 0;
    const hasFiles = (e: DragEvent) => Array.from(e.dataTransfer?.types ?? []).includes("Files") || (e.dataTransfer?.files?.length ?? 0) > 0;
    const enter = (e: DragEvent) => {
      if (!hasFiles(e)) return;
      e.preventDefault();
      depth++;
      setHovering(true);
    };
    const over = (e: DragEvent) => {
      if (hasFiles(e)) e.preventDefault();
    };
    const leave = () => {
      depth = Math.max(0, depth - 1);
      if (depth === 0) setHovering(false);
    };
    const drop = async (e: DragEvent) => {
      e.preventDefault();
      depth = 0;
      setHovering(false);
      if (!e.dataTransfer) return;
      try {
        const items = await filesFromDrop(e.dataTransfer);
        if (items.length === 0) return;
        setUploading({ done: 0, total: items.reduce((n, it) => n + it.file.size, 0) });
        const paths = await backend.upload(items, (done, total) => setUploading({ done, total }));
        openRegister(paths);
      } catch (err) {
        setDropError(errorMessage(err));
      } finally {
        setUploading(null);
      }
    };
    window.addEventListener("dragenter", enter);
    window.addEventListener("dragover", over);
    window.addEventListener("dragleave", leave);
    window.addEventListener("drop", drop);
    return () => {
      window.removeEventListener("dragenter", enter);
      window.removeEventListener("dragover", over);
      window.removeEventListener("dragleave", leave);
      window.removeEventListener("drop", drop);
    };
  }, [backend, openRegister]);

  const state: AppState = useMemo(
    () => ({ progress, info, refreshInfo, pending, setPending, pendingOrigin, notice, setNotice }),
    [progress, info, refreshInfo, pending, setPending, pendingOrigin, notice],
  );
  // The Stores view works on an empty workspace too: indexing a store is another way in.
  const empty = info !== null && info.models === 0 && route.page !== "register" && route.page !== "stores";

  let view: React.ReactNode;
  if (empty) view = <EmptyState />;
  else if (route.page === "models" && route.arg) view = <ModelView name={route.arg} />;
  else if (route.page === "models") view = <ModelsView />;
  else if (route.page === "versions") view = <VersionView reference={route.arg} />;
  else if (route.page === "audit") view = <AuditView />;
  else if (route.page === "register") view = <RegisterView />;
  else if (route.page === "stores") view = <StoresView store={route.arg || null} />;
  else if (route.page === "deployments") view = <DeploymentsView />;
  else if (route.page === "reports") view = <ReportsView reference={route.arg} />;
  else view = <LineageView query={route.query} />;

  const nav = (page: string, label: string, hash: string) => (
    <a data-testid={`nav-${page}`} className={route.page === page || (page === "models" && route.page === "versions") ? "active" : ""} href={hash}>
      {label}
    </a>
  );

  return (
    <AppContext.Provider value={state}>
      <div className="shell">
        <header className="topbar">
          <div className="brand">
            <img src="/icon.png" alt="" width={22} height={22} /> Pedigree
          </div>
          <nav>
            {nav("lineage", "Lineage", "#/lineage")}
            {nav("models", "Models", "#/models")}
            {nav("stores", "Stores", "#/stores")}
            {nav("deployments", "Deployments", "#/deployments")}
            {nav("reports", "Reports", "#/reports")}
            {nav("audit", "Audit", "#/audit")}
          </nav>
          <div className="workspace" data-testid="workspace-path" title="Workspace">
            {info ? `${info.workspace} · ${info.models} models · ${info.versions} versions` : infoError ?? "…"}
          </div>
        </header>
        <ProgressBar progress={progress} uploading={uploading} />
        {notice && (
          <div className="banner ok" data-testid="reg-success" role="status">
            {notice} <button onClick={() => setNotice(null)}>Dismiss</button>
          </div>
        )}
        {dropError && (
          <div className="banner error" role="alert">
            {dropError} <button onClick={() => setDropError(null)}>Dismiss</button>
          </div>
        )}
        <main className="content">{view}</main>
        {hovering && (
          <div className="drop-overlay" data-testid="drop-zone">
            <div>Drop model files or folders to register a new version</div>
          </div>
        )}
      </div>
    </AppContext.Provider>
  );
}
