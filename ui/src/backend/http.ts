/**
 * Backend over HTTP for a browser talking to `pedigree serve`: `POST /api/<op>`, progress and
 * store changes as Server-Sent Events (`progress` and `store` on one `/api/events` stream),
 * browser drops staged with `POST /api/upload`. The session is an HttpOnly cookie the server set
 * when the link it printed was opened; same-origin requests (fetch, EventSource, links) carry it,
 * so no secret is ever visible to this code.
 */
import type { Backend, UploadItem } from "./index";
import { topLevelPaths } from "./paths";
import { asApiError } from "./errors";
import type { OpName, Ops, Progress, ScheduledSync, StoreEvent } from "./generated/api";

function batchId(): string {
  const c = globalThis.crypto;
  if (c && typeof c.randomUUID === "function") return c.randomUUID();
  const b = new Uint8Array(16);
  if (c?.getRandomValues) c.getRandomValues(b);
  else for (let i = 0; i < b.length; i++) b[i] = Math.floor(Math.random() * 256);
  return Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
}

async function readError(res: Response): Promise<never> {
  let body: unknown = null;
  const text = await res.text().catch(() => "");
  try {
    body = JSON.parse(text);
  } catch {
    body = null;
  }
  const e = asApiError(body ?? text);
  if (body === null && !text) {
    throw { code: res.status === 404 ? "not_found" : "internal", message: `The server answered ${res.status} ${res.statusText}` };
  }
  throw e;
}

/** `GET /api/reports/<name>/<path>`, each path segment encoded. */
export function reportFileUrl(base: string, bundle: string, path: string): string {
  const segs = path.split("/").filter(Boolean).map(encodeURIComponent).join("/");
  return `${base}/api/reports/${encodeURIComponent(bundle)}/${segs}`;
}

export function createHttpBackend(base = ""): Backend {

  // One EventSource shared by every subscriber (progress, store and sync events), opened on first use.
  const progressListeners = new Set<(p: Progress) => void>();
  const storeListeners = new Set<(e: StoreEvent) => void>();
  const syncListeners = new Set<(e: ScheduledSync) => void>();
  let source: EventSource | null = null;
  const relay = <T>(listeners: Set<(x: T) => void>) => (ev: Event) => {
    let x: T;
    try {
      x = JSON.parse((ev as MessageEvent).data) as T;
    } catch {
      return; // ignore malformed events
    }
    listeners.forEach((cb) => cb(x));
  };
  const ensureSource = () => {
    if (source || typeof EventSource === "undefined") return;
    source = new EventSource(`${base}/api/events`);
    source.addEventListener("progress", relay(progressListeners));
    source.addEventListener("store", relay(storeListeners));
    source.addEventListener("sync", relay(syncListeners));
  };
  const subscribe = <T>(listeners: Set<(x: T) => void>, cb: (x: T) => void) => {
    listeners.add(cb);
    ensureSource();
    return () => {
      listeners.delete(cb);
    };
  };

  return {
    transport: "http",
    async call<K extends OpName>(op: K, req: Ops[K]["req"]): Promise<Ops[K]["res"]> {
      let res: Response;
      try {
        res = await fetch(`${base}/api/${op}`, {
          method: "POST",
          headers: { "Content-Type": "application/json" },
          body: JSON.stringify(req ?? {}),
        });
      } catch (e) {
        throw asApiError(e);
      }
      if (!res.ok) return readError(res);
      return (await res.json()) as Ops[K]["res"];
    },
    onProgress(cb) {
      return subscribe(progressListeners, cb);
    },
    onStoreEvent(cb) {
      return subscribe(storeListeners, cb);
    },
    onSync(cb) {
      return subscribe(syncListeners, cb);
    },
    onNativeDrop() {
      return () => {};
    },
    async upload(items: UploadItem[], onProgress) {
      if (items.length === 0) throw { code: "invalid_input", message: "Nothing to upload: the drop had no files." };
      const batch = batchId();
      let batchDir = "";
      let done = 0;
      const total = items.reduce((n, it) => n + it.file.size, 0);
      for (const it of items) {
        const q = `batch=${encodeURIComponent(batch)}&path=${encodeURIComponent(it.relPath)}`;
        let res: Response;
        try {
          res = await fetch(`${base}/api/upload?${q}`, {
            method: "POST",
            headers: { "Content-Type": "application/octet-stream" },
            body: it.file,
          });
        } catch (e) {
          throw asApiError(e);
        }
        if (!res.ok) await readError(res);
        const out = (await res.json()) as { path: string; batchDir: string };
        batchDir = out.batchDir;
        done += it.file.size;
        onProgress?.(done, total);
      }
      return topLevelPaths(batchDir, items.map((it) => it.relPath));
    },
    reportFileUrl(bundle: string, path: string) {
      return reportFileUrl(base, bundle, path);
    },
  };
}
