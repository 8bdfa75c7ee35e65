/** An in-memory Backend for component unit tests: answers from a table, records calls. */
import type { Backend } from "../backend";
import type { OpName, Ops } from "../backend/generated/api";

type Handler<K extends OpName> = (req: Ops[K]["req"]) => Ops[K]["res"] | Promise<Ops[K]["res"]>;

export function stubBackend(handlers: { [K in OpName]?: Handler<K> }) {
  const calls: { op: OpName; req: unknown }[] = [];
  const backend: Backend = {
    transport: "http",
    async call(op, req) {
      calls.push({ op, req });
      const h = handlers[op] as Handler<typeof op> | undefined;
      if (!h) throw { code: "internal", message: `no stub for ${op}` };
      return h(req as never) as never;
    },
    onProgress: () => () => {},
    onNativeDrop: () => () => {},
    upload: async () => [],
  };
  return { backend, calls };
}
