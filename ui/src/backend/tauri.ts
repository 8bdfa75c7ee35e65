/**
 * Backend inside the desktop shell: the Tauri command `call {op, request}` for operations,
 * progress as the `progress` event, store changes as the `store` event, native file drops from
 * the webview, and the shell's own commands (`pick`, `save_as`, `open_workspace`, `recent_workspaces`) and
 * events (`menu`, `workspace`). The only module (with http.ts) that knows about Tauri.
 */
import { invoke, isTauri } from "@tauri-apps/api/core";
import { listen } from "@tauri-apps/api/event";
import { getCurrentWebview } from "@tauri-apps/api/webview";
import type { Backend, DesktopShell } from "./index";
import { asApiError } from "./errors";
import type * as Api from "./generated/api";

export function runningInTauri(): boolean {
  try {
    return isTauri();
  } catch {
    return false;
  }
}

/** Subscribes with an async Tauri API and returns a synchronous unsubscribe. */
function subscribe(start: () => Promise<() => void>): () => void {
  let stop: (() => void) | null = null;
  let cancelled = false;
  start()
    .then((un) => {
      if (cancelled) un();
      else stop = un;
    })
    .catch(() => {});
  return () => {
    cancelled = true;
    stop?.();
  };
}

/** Invokes a shell command; rejects with an `ApiError`. */
async function command<T>(name: string, args: Record<string, unknown> = {}): Promise<T> {
  try {
    return await invoke<T>(name, args);
  } catch (e) {
    throw asApiError(e);
  }
}

function createShell(): DesktopShell {
  return {
    pick: (purpose: Api.PickPurpose) => command<string[]>("pick", { purpose }),
    saveAs: (name: string, text: string) => command<string | null>("save_as", { name, text }),
    openWorkspace: (path: string, create: boolean) => command<Api.OpenWorkspaceResponse>("open_workspace", { path, create }),
    recentWorkspaces: () => command<Api.RecentWorkspace[]>("recent_workspaces"),
    onWorkspaceChanged: (cb) => subscribe(() => listen<Api.WorkspaceChanged>("workspace", (e) => cb(e.payload))),
    onMenu: (cb) => subscribe(() => listen<Api.MenuAction>("menu", (e) => cb(e.payload))),
  };
}

export function createTauriBackend(): Backend {
  return {
    transport: "tauri",
    async call<K extends Api.OpName>(op: K, req: Api.Ops[K]["req"]): Promise<Api.Ops[K]["res"]> {
      try {
        return await invoke<Api.Ops[K]["res"]>("call", { op, request: req ?? {} });
      } catch (e) {
        throw asApiError(e);
      }
    },
    onProgress(cb) {
      return subscribe(() => listen<Api.Progress>("progress", (e) => cb(e.payload)));
    },
    onStoreEvent(cb) {
      return subscribe(() => listen<Api.StoreEvent>("store", (e) => cb(e.payload)));
    },
    onSync(cb) {
      return subscribe(() => listen<Api.ScheduledSync>("sync", (e) => cb(e.payload)));
    },
    onNativeDrop(cb, onHover) {
      return subscribe(() =>
        getCurrentWebview().onDragDropEvent((e) => {
          const p = e.payload;
          if (p.type === "enter" || p.type === "over") onHover?.(true);
          else if (p.type === "leave") onHover?.(false);
          else if (p.type === "drop") {
            onHover?.(false);
            if (p.paths.length > 0) cb(p.paths);
          }
        }),
      );
    },
    async upload() {
      throw { code: "invalid_input", message: "The desktop app registers dropped files from their own paths; no upload needed." };
    },
    reportFileUrl() {
      return null; // the bundle is a local folder: the view shows its path
    },
    shell: createShell(),
  };
}
