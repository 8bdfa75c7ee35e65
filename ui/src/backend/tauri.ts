/**
 * Backend inside the desktop shell: one Tauri command `call {op, request}`, progress as the
 * `progress` event, store changes as the `store` event, native file drops from the webview. The only module (with http.ts) that
 * knows about Tauri.
 */
import { invoke, isTauri } from "@tauri-apps/api/core";
import { listen } from "@tauri-apps/api/event";
import { getCurrentWebview } from "@tauri-apps/api/webview";
import type { Backend } from "./index";
import { asApiError } from "./errors";
import type { OpName, Ops, Progress, StoreEvent } from "./generated/api";

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

export function createTauriBackend(): Backend {
  return {
    transport: "tauri",
    async call<K extends OpName>(op: K, req: Ops[K]["req"]): Promise<Ops[K]["res"]> {
      try {
        return await invoke<Ops[K]["res"]>("call", { op, request: req ?? {} });
      } catch (e) {
        throw asApiError(e);
      }
    },
    onProgress(cb) {
      return subscribe(() => listen<Progress>("progress", (e) => cb(e.payload)));
    },
    onStoreEvent(cb) {
      return subscribe(() => listen<StoreEvent>("store", (e) => cb(e.payload)));
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
  };
}
