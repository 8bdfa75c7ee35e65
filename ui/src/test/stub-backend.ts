/** An in-memory Backend for component unit tests: answers from a table, records calls. */
import type { Backend } from "../backend";
import type { OpName, Ops, Progress, ScheduledSync, StoreEvent } from "../backend/generated/api";

type Handler<K extends OpName> = (req: Ops[K]["req"]) => Ops[K]["res"] | Promise<Ops[K]["res"]>;

export function stubBackend(handlers: { [K in OpName]?: Handler<K> }) {
  const calls: { op: OpName; req: unknown }[] = [];
  const progressListeners = new Set<(p: Progress) => void>();
  const storeListeners = new Set<(e: StoreEvent) => void>();
  const syncListeners = new Set<(e: ScheduledSync) => void>();
  const backend: Backend = {
    transport: "http",
    async call(op, req) {
      calls.push({ op, req });
      const h = handlers[op] as Handler<typeof op> | undefined;
      if (!h) throw { code: "internal", message: `no stub for ${op}` };
      return h(req as never) as never;
    },
    onProgress: (cb) => {
      progressListeners.add(cb);
      return () => void progressListeners.delete(cb);
    },
    onStoreEvent: (cb) => {
      storeListeners.add(cb);
      return () => void storeListeners.delete(cb);
    },
    onSync: (cb) => {
      syncListeners.add(cb);
      return () => void syncListeners.delete(cb);
    },
    onNativeDrop: () => () => {},
    upload: async () => [],
    reportFileUrl: (bundle, path) => `/api/reports/${bundle}/${path}`,
  };
  /** Delivers events as the transport would. */
  const emitProgress = (p: Progress) => progressListeners.forEach((cb) => cb(p));
  const emitStore = (e: StoreEvent) => storeListeners.forEach((cb) => cb(e));
  const emitSync = (e: ScheduledSync) => syncListeners.forEach((cb) => cb(e));
  return { backend, calls, emitProgress, emitStore, emitSync };
}
