/**
 * The desktop window's own controls, over `backend.shell` (absent in a browser, where none of
 * this renders): registering from the native file chooser, opening another workspace (the
 * chooser, the recent list, or a native menu item), offering to create a workspace in a folder
 * that is not one, and the native menu's actions. One hook, `useDesktop`, owns these flows, so
 * the menu, the top bar and the empty state all run the same code.
 */
import { useCallback, useEffect, useRef, useState } from "react";
import { errorMessage, useBackend, type DesktopShell, type PickPurpose, type RecentWorkspace } from "./backend";
import { navigate } from "./router";

export interface Desktop {
  shell: DesktopShell;
  /** Native chooser → the registration form with the chosen paths. */
  pickToRegister: (purpose: Exclude<PickPurpose, "workspace">) => Promise<void>;
  /** Native folder chooser → open it as the workspace. */
  chooseWorkspace: () => Promise<void>;
  /** Opens `path` as the workspace; a folder that is not one becomes an offer to create one. */
  openPath: (path: string, create?: boolean) => Promise<void>;
  /** A folder that is not a workspace yet, waiting for the user's answer. */
  offer: string | null;
  dismissOffer: () => void;
  error: string | null;
  dismissError: () => void;
}

/**
 * The desktop flows; null in a browser. `onPaths` opens the registration form, `onNotice`
 * shows a success message. Menu actions are handled here too.
 */
export function useDesktop(onPaths: (paths: string[]) => void, onNotice: (text: string) => void): Desktop | null {
  const shell = useBackend().shell ?? null;
  const [offer, setOffer] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);

  const guard = useCallback(async (work: () => Promise<void>) => {
    setError(null);
    try {
      await work();
    } catch (e) {
      setError(errorMessage(e));
    }
  }, []);

  const pickToRegister = useCallback(
    (purpose: Exclude<PickPurpose, "workspace">) =>
      guard(async () => {
        const paths = (await shell?.pick(purpose)) ?? [];
        if (paths.length > 0) onPaths(paths);
      }),
    [shell, guard, onPaths],
  );

  const openPath = useCallback(
    (path: string, create = false) =>
      guard(async () => {
        if (!shell) return;
        setOffer(null);
        const r = await shell.openWorkspace(path, create);
        if (r.status === "notAWorkspace") setOffer(r.path);
        else onNotice(r.created ? `Created a new workspace in ${r.workspace}` : `Opened workspace ${r.workspace}`);
      }),
    [shell, guard, onNotice],
  );

  const chooseWorkspace = useCallback(
    () =>
      guard(async () => {
        const [path] = (await shell?.pick("workspace")) ?? [];
        if (path) await openPath(path);
      }),
    [shell, guard, openPath],
  );

  useEffect(() => {
    if (!shell) return;
    return shell.onMenu((a) => {
      if (a.action === "registerFiles") void pickToRegister("registerFiles");
      else if (a.action === "registerFolder") void pickToRegister("registerFolder");
      else if (a.action === "openWorkspace") void chooseWorkspace();
      else if (a.action === "openRecent") void openPath(a.path);
      else if (a.action === "navigate") navigate(a.hash);
    });
  }, [shell, pickToRegister, chooseWorkspace, openPath]);

  if (!shell) return null;
  return { shell, pickToRegister, chooseWorkspace, openPath, offer, dismissOffer: () => setOffer(null), error, dismissError: () => setError(null) };
}

/**
 * Counts workspace switches (from the menu, the top bar or any other caller of the shell):
 * the shell keys its views on it so they reload, and shows the lineage of the new workspace.
 */
export function useWorkspaceGeneration(onChange: () => void): number {
  const shell = useBackend().shell;
  const [generation, setGeneration] = useState(0);
  useEffect(() => {
    if (!shell) return;
    return shell.onWorkspaceChanged(() => {
      navigate("#/lineage");
      setGeneration((g) => g + 1);
      onChange();
    });
  }, [shell, onChange]);
  return generation;
}

/** The top bar's "Register…" button: the native file chooser (Ctrl+N; folders: Ctrl+Shift+N). */
export function RegisterButton({ desktop }: { desktop: Desktop }) {
  return (
    <button
      type="button"
      className="primary register-button"
      data-testid="register-button"
      title="Register model files (Ctrl+N). A model folder: File → Register Folder… (Ctrl+Shift+N)"
      onClick={() => void desktop.pickToRegister("registerFiles")}
    >
      Register…
    </button>
  );
}

/**
 * The workspace in the top bar, as a menu button: the open workspace, "Open workspace…" and
 * the recent ones (missing folders shown as such). Escape or a click outside closes it.
 */
export function WorkspaceMenu({ desktop, label }: { desktop: Desktop; label: string }) {
  const [open, setOpen] = useState(false);
  const [recent, setRecent] = useState<RecentWorkspace[] | null>(null);
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (!open) return;
    let live = true;
    desktop.shell.recentWorkspaces().then((r) => live && setRecent(r), () => live && setRecent([]));
    const outside = (e: MouseEvent) => {
      if (box.current && !box.current.contains(e.target as Node)) setOpen(false);
    };
    const escape = (e: KeyboardEvent) => e.key === "Escape" && setOpen(false);
    window.addEventListener("mousedown", outside);
    window.addEventListener("keydown", escape);
    return () => {
      live = false;
      window.removeEventListener("mousedown", outside);
      window.removeEventListener("keydown", escape);
    };
  }, [open, desktop.shell]);
  const act = (work: () => Promise<void>) => {
    setOpen(false);
    void work();
  };
  return (
    <div className="workspace-menu" ref={box}>
      <button type="button" className="workspace" data-testid="workspace-switcher" aria-haspopup="menu" aria-expanded={open} aria-label="Workspace: switch or open another" onClick={() => setOpen(!open)}>
        <span data-testid="workspace-path">{label}</span> ▾
      </button>
      {open && (
        <div className="popover" role="menu" data-testid="workspace-menu">
          <button type="button" role="menuitem" data-testid="open-workspace" autoFocus onClick={() => act(desktop.chooseWorkspace)}>
            Open workspace… <kbd>Ctrl+O</kbd>
          </button>
          <div className="popover-head">Recent workspaces</div>
          {recent === null && <div className="muted pad-s">Loading…</div>}
          {recent?.length === 0 && <div className="muted pad-s">None yet: workspaces you open appear here.</div>}
          {recent?.map((w) => (
            <button
              type="button"
              role="menuitem"
              key={w.path}
              className={w.current ? "current" : ""}
              data-testid="recent-workspace"
              data-path={w.path}
              data-exists={String(w.exists)}
              disabled={!w.exists || w.current}
              title={w.exists ? w.path : `${w.path} no longer holds a workspace`}
              onClick={() => act(() => desktop.openPath(w.path))}
            >
              <span className="mono">{w.path}</span>
              {w.current && <span className="tag">open</span>}
              {!w.exists && <span className="tag missing">missing</span>}
            </button>
          ))}
        </div>
      )}
    </div>
  );
}

/** "FOLDER is not a workspace yet": create one there, choose another folder, or cancel. */
export function WorkspaceOffer({ desktop }: { desktop: Desktop }) {
  if (!desktop.offer) return null;
  const path = desktop.offer;
  return (
    <div className="banner warn-bar" role="alertdialog" aria-label="Not a workspace" data-testid="workspace-offer">
      <span className="mono">{path}</span> is not a Pedigree workspace yet.{" "}
      <button type="button" className="primary" data-testid="workspace-create" autoFocus onClick={() => void desktop.openPath(path, true)}>
        Create a workspace here
      </button>{" "}
      <button type="button" onClick={() => void desktop.chooseWorkspace()}>
        Choose another folder…
      </button>{" "}
      <button type="button" onClick={desktop.dismissOffer}>
        Cancel
      </button>
    </div>
  );
}
