/**
 * The one way components talk to Pedigree: a `Backend` from React context. The same bundle runs
 * in the desktop shell (Tauri `invoke`) and in a browser (`pedigree serve` over HTTP); only
 * `tauri.ts` and `http.ts` know which.
 */
import { createContext, useContext } from "react";
import type {
  MenuAction,
  OpName,
  OpenWorkspaceResponse,
  Ops,
  PickPurpose,
  Progress,
  RecentWorkspace,
  ScheduledSync,
  StoreEvent,
  WorkspaceChanged,
} from "./generated/api";
import { createHttpBackend } from "./http";
import { createTauriBackend, runningInTauri } from "./tauri";

export type * from "./generated/api";
export { asApiError, errorMessage } from "./errors";
export { topLevelPaths } from "./paths";

/** A file picked up from a browser drop, with its path relative to the drop. */
export interface UploadItem {
  relPath: string;
  file: File;
}

export type Unsubscribe = () => void;

/**
 * What only the desktop window has: the native file chooser, switching the workspace, the
 * recent list, and the native menu's actions.
 */
export interface DesktopShell {
  /** Shows the native file chooser for `purpose`; the chosen paths, empty when cancelled. */
  pick(purpose: PickPurpose): Promise<string[]>;
  /** Asks where to save `text` (native Save dialog, `name` suggested) and writes it; the path, null when cancelled. */
  saveAs(name: string, text: string): Promise<string | null>;
  /** Opens the folder as the workspace (creating one there only with `create`). */
  openWorkspace(path: string, create: boolean): Promise<OpenWorkspaceResponse>;
  recentWorkspaces(): Promise<RecentWorkspace[]>;
  /** The window switched workspace (from any caller): views reload. */
  onWorkspaceChanged(cb: (e: WorkspaceChanged) => void): Unsubscribe;
  /** A native menu item whose work the UI does. */
  onMenu(cb: (a: MenuAction) => void): Unsubscribe;
}

export interface Backend {
  transport: "tauri" | "http";
  /** Runs one operation. Rejects with an `ApiError`. */
  call<K extends OpName>(op: K, req: Ops[K]["req"]): Promise<Ops[K]["res"]>;
  /** Progress of long operations (hashing, copying, demo creation). */
  onProgress(cb: (p: Progress) => void): Unsubscribe;
  /**
   * Changes in watched artifact stores (files added/changed/removed, new artifacts, problems,
   * finished index runs), as the server or the desktop shell notices them.
   */
  onStoreEvent(cb: (e: StoreEvent) => void): Unsubscribe;
  /** A scheduled sync ran (`pedigree remote schedule`): its report, or why it failed. */
  onSync(cb: (e: ScheduledSync) => void): Unsubscribe;
  /**
   * Files dropped on the desktop window, as absolute local paths. `onHover` reports a drag
   * entering (true) or leaving (false) the window. A no-op in a browser.
   */
  onNativeDrop(cb: (paths: string[]) => void, onHover?: (hovering: boolean) => void): Unsubscribe;
  /**
   * Browser only: stages dropped files on the server and returns the paths to inspect and
   * register (one per top-level entry of the drop). The desktop app throws: it has real paths.
   */
  upload(items: UploadItem[], onProgress?: (done: number, total: number) => void): Promise<string[]>;
  /**
   * Browser only: where a file of a built report bundle downloads from
   * (`GET /api/reports/<name>/<path>`; the session cookie authenticates it). Null in the
   * desktop app, where the bundle is a local folder.
   */
  reportFileUrl(bundle: string, path: string): string | null;
  /** The desktop shell's own features; absent in a browser. */
  shell?: DesktopShell;
}

/** The backend for where the bundle runs. */
export function createBackend(): Backend {
  return runningInTauri() ? createTauriBackend() : createHttpBackend();
}

export const BackendContext = createContext<Backend | null>(null);

export function useBackend(): Backend {
  const b = useContext(BackendContext);
  if (!b) throw new Error("useBackend() outside <BackendContext.Provider>");
  return b;
}
