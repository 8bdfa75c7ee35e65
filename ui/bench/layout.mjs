// Layout benchmark: a 2,000-node realistic lineage neighbourhood (src/lineage/synthetic.ts)
// laid out with the explorer's own elkjs graph and options (src/lineage/layout.ts), run 3
// times, median printed. A program, not a timed test: `npm run bench:layout [-- SIZE]`.
import { createServer } from "vite";

const size = Number(process.argv[2] ?? 2000);
const runs = Number(process.env.RUNS ?? 3);
const server = await createServer({ configFile: false, logLevel: "error", root: new URL("..", import.meta.url).pathname, server: { middlewareMode: true, hmr: false, ws: false }, appType: "custom" });
try {
  const { syntheticNeighbourhood } = await server.ssrLoadModule("/src/lineage/synthetic.ts");
  const { layoutInline, FAST_LAYOUT_ABOVE } = await server.ssrLoadModule("/src/lineage/layout.ts");
  const sub = syntheticNeighbourhood(size);
  const input = {
    nodes: sub.nodes.map((n) => ({ id: n.id, width: 220, height: 48 })),
    edges: sub.edges.map((e, i) => ({ id: `e${i}`, from: e.from, to: e.to })),
  };
  const times = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    const pos = await layoutInline(input);
    times.push(performance.now() - t0);
    if (Object.keys(pos).length !== input.nodes.length) throw new Error("layout lost nodes");
  }
  times.sort((a, b) => a - b);
  const median = times[Math.floor(times.length / 2)];
  console.log(`layout: ${input.nodes.length} nodes, ${input.edges.length} edges, ${input.nodes.length > FAST_LAYOUT_ABOVE ? "fast layered (src/lineage/fast.ts)" : "elkjs layered"} (inline, node ${process.version})`);
  console.log(`runs: ${times.map((t) => `${t.toFixed(0)} ms`).join(", ")}`);
  console.log(`median of ${runs}: ${median.toFixed(0)} ms`);
} finally {
  await server.close();
}
