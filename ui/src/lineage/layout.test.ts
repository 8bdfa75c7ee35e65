import { describe, expect, it } from "vitest";
import { layoutInline, keepAnchor } from "./layout";
import { syntheticNeighbourhood } from "./synthetic";

describe("layout adapter", () => {
  it("puts what a node was made from to its left", async () => {
    const pos = await layoutInline({
      nodes: ["dataset:d@1", "version:base@1", "version:ft@1"].map((id) => ({ id, width: 200, height: 40 })),
      edges: [
        { id: "a", from: "version:base@1", to: "dataset:d@1" },
        { id: "b", from: "version:ft@1", to: "version:base@1" },
      ],
    });
    expect(pos["dataset:d@1"].x).toBeLessThan(pos["version:base@1"].x);
    expect(pos["version:base@1"].x).toBeLessThan(pos["version:ft@1"].x);
  });

  it("keeps the anchor node in place across layouts", () => {
    const next = keepAnchor({ a: { x: 10, y: 10 } }, { a: { x: 50, y: 0 }, b: { x: 0, y: 0 } }, "a");
    expect(next.a).toEqual({ x: 10, y: 10 });
    expect(next.b).toEqual({ x: -40, y: 10 });
  });

  it("lays out a 2,000-node neighbourhood with a position for every node", async () => {
    const sub = syntheticNeighbourhood(2000);
    const t0 = performance.now();
    const pos = await layoutInline({
      nodes: sub.nodes.map((n) => ({ id: n.id, width: 210, height: 46 })),
      edges: sub.edges.map((e, i) => ({ id: `e${i}`, from: e.from, to: e.to })),
    });
    const ms = performance.now() - t0;
    expect(Object.keys(pos)).toHaveLength(sub.nodes.length);
    // Still left to right: every edge goes from an earlier column to a later one.
    for (const e of sub.edges) expect(pos[e.to].x).toBeLessThan(pos[e.from].x);
    console.log(`2,000-node layout in vitest: ${ms.toFixed(0)} ms`);
  }, 30000);
});
