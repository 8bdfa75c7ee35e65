/**
 * A deterministic, realistic lineage neighbourhood of about `size` nodes, for tests and the
 * layout benchmark: a base LLM with three retrained versions, then fine-tuned children (each
 * with its own model node, run, dataset, code commit and a shared environment), some quantized
 * grandchildren and deployments serving them.
 */
import type { LineageEdge, LineageNode, NodeKind, Subgraph } from "../backend/generated/api";

export function syntheticNeighbourhood(size = 2000): Subgraph {
  let seed = 42;
  const rnd = () => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed / 0x7fffffff;
  };
  const nodes = new Map<string, LineageNode>();
  const edges: LineageEdge[] = [];
  const add = (id: string): string => {
    if (!nodes.has(id)) {
      const kind = id.slice(0, id.indexOf(":")) as NodeKind;
      nodes.set(id, { id, kind, label: id.slice(id.indexOf(":") + 1), hiddenUp: 0, hiddenDown: 0 });
    }
    return id;
  };
  const edge = (from: string, to: string, kind: string, relation: string | null = null) =>
    edges.push({ from, to, kind, relation });
  const envs = [0, 1, 2, 3].map((i) => add(`env:docker.io/acme/train@sha256:${i}f2e3d4c5b6a`));
  const repos = Array.from({ length: 12 }, (_, i) => `git+https://example.com/acme/train${i}`);
  let runs = 0;
  const version = (model: string, ver: string, datasets: string[], parent: string | null, rel: string) => {
    const v = add(`version:${model}@${ver}`);
    edge(v, add(`model:${model}`), "version_of");
    const r = add(`run:run-${runs++}`);
    edge(v, r, "produced_by");
    for (const d of datasets) {
      edge(v, add(d), "trained_on");
      edge(r, d, "used");
    }
    edge(r, add(`code:${repos[Math.floor(rnd() * repos.length)]}@${runs.toString(16).padStart(8, "0")}`), "built_from");
    edge(r, envs[Math.floor(rnd() * envs.length)], "ran_in");
    if (parent) edge(v, parent, "derived_from", rel);
    return v;
  };
  const web = [1, 2, 3].map((i) => `dataset:web-text@${i}`);
  let base: string | null = null;
  for (let i = 0; i < 3; i++) base = version("llm-base", `1.${i}.0`, [web[i]], base, "finetune");
  for (let m = 0; nodes.size < size; m++) {
    const name = `ft-${m}`;
    const data = `dataset:${name}-data@1`;
    let parent = base!;
    const count = 1 + Math.floor(rnd() * 3);
    for (let k = 0; k < count && nodes.size < size; k++) {
      parent = version(name, `1.${k}.0`, rnd() < 0.3 ? [data, web[2]] : [data], parent, "finetune");
      const kids = Math.floor(rnd() * 3);
      for (let q = 0; q < kids && nodes.size < size; q++) {
        const qv = version(`${name}-q${q}`, "1.0.0", [], parent, "quantized");
        if (rnd() < 0.3) edge(add(`deployment:${name}-q${q}-prod`), qv, "serves");
      }
    }
  }
  return { focus: base!, nodes: [...nodes.values()], edges };
}
