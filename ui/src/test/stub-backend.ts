/** An in-memory Backend for component unit tests: answers from a table, records calls. */
import type { Backend } from "../backend";
import type { Ops, Progress, StoreEvent } from "../backend/generated/api";
import type { ReportOps } from "../backend/reports";

/** The generated operations plus the report ones (declared locally until they are generated). */
type AllOps = Ops & ReportOps;
type AllOpName = keyof AllOps;
type Handler<K extends AllOpName> = (req: AllOps[K]["req"]) => AllOps[K]["res"] | Promise<AllOps[K]["res"]>;

export function stubBackend(handlers: { [K in AllOpName]?: Handler<K> }) {
  const calls: { op: AllOpName; req: unknown }[] = [];
  const progressListeners = new Set<(p: Progress) => void>();
  const storeListeners = new Set<(e: StoreEvent) => void>();
  const backend: Backend = {
    transport: "http",
    async call(op, req) {
      calls.push({ op, req });
      const h = handlers[op as AllOpName] as ((req: unknown) => unknown) | undefined;
      if (!h) throw { code: "internal", message: `no stub for ${op}` };
      return h(req) as never;
    },
    onProgress: (cb) => {
      progressListeners.add(cb);
      return () => void progressListeners.delete(cb);
    },
    onStoreEvent: (cb) => {
      storeListeners.add(cb);
      return () => void storeListeners.delete(cb);
    },
    onNativeDrop: () => () => {},
    upload: async () => [],
    reportFileUrl: (bundle, path) => `/api/reports/${bundle}/${path}`,
  };
  /** Delivers events as the transport would. */
  const emitProgress = (p: Progress) => progressListeners.forEach((cb) => cb(p));
  const emitStore = (e: StoreEvent) => storeListeners.forEach((cb) => cb(e));
  return { backend, calls, emitProgress, emitStore };
}
