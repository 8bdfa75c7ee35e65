import { describe, expect, it } from "vitest";
import type { Subgraph } from "../backend/generated/api";
import {
  buildView,
  expandRequest,
  foldKey,
  fromSubgraph,
  hiddenCount,
  highlights,
  lineageQuery,
  mergeSubgraph,
  parseLineageQuery,
} from "./model";

const n = (id: string, hiddenUp = 0, hiddenDown = 0) => ({ id, kind: id.split(":")[0] as never, label: id.split(":")[1], hiddenUp, hiddenDown });
const e = (from: string, to: string, kind = "derived_from") => ({ from, to, kind, relation: null });

// version:ft@1 was fine-tuned from version:base@1, which was trained on dataset:d@1.
const focusSub: Subgraph = {
  focus: "version:ft@1",
  nodes: [n("version:ft@1", 0, 2), n("version:base@1", 1, 0)],
  edges: [e("version:ft@1", "version:base@1")],
};

describe("graph model", () => {
  it("merges subgraphs and keeps neighbour totals", () => {
    const m = fromSubgraph(focusSub);
    expect(hiddenCount(m, "version:base@1", "up")).toBe(1);
    const more: Subgraph = { focus: "version:base@1", nodes: [n("version:base@1"), n("dataset:d@1")], edges: [e("version:base@1", "dataset:d@1", "trained_on")] };
    const m2 = mergeSubgraph(m, more);
    expect(m2.nodes.size).toBe(3);
    expect(hiddenCount(m2, "version:base@1", "up")).toBe(0);
    expect(m.nodes.size).toBe(2); // immutable
  });

  it("asks for one more hop past the nearest node with hidden neighbours", () => {
    const m = fromSubgraph(focusSub);
    expect(expandRequest(m, "version:ft@1", "up")).toEqual({ node: "version:ft@1", up: 2, down: 0 });
    expect(expandRequest(m, "version:ft@1", "down")).toEqual({ node: "version:ft@1", up: 0, down: 1 });
    // From base, the nearest node with unloaded downstream neighbours is ft (one hop).
    expect(expandRequest(m, "version:base@1", "down")).toEqual({ node: "version:base@1", up: 0, down: 2 });
    const loaded = mergeSubgraph(m, { focus: "version:base@1", nodes: [n("version:base@1"), n("dataset:d@1")], edges: [e("version:base@1", "dataset:d@1", "trained_on")] });
    expect(expandRequest(loaded, "version:ft@1", "up")).toBeNull();
  });

  it("folds wide fan-outs into an N more node and unfolds on request", () => {
    const kids = Array.from({ length: 12 }, (_, i) => `version:child${String(i).padStart(2, "0")}@1`);
    const sub: Subgraph = { focus: "dataset:d@1", nodes: [n("dataset:d@1"), ...kids.map((k) => n(k))], edges: kids.map((k) => e(k, "dataset:d@1", "trained_on")) };
    const m = fromSubgraph(sub);
    const folded = buildView(m, { foldLimit: 8 });
    const more = folded.nodes.find((x) => x.kind === "more");
    expect(more?.label).toBe("4 more");
    expect(folded.nodes.filter((x) => x.kind === "version")).toHaveLength(8);
    const open = buildView(m, { foldLimit: 8, unfolded: new Set([foldKey("dataset:d@1", "down")]) });
    expect(open.nodes.some((x) => x.kind === "more")).toBe(false);
    expect(open.nodes.filter((x) => x.kind === "version")).toHaveLength(12);
  });

  it("marks path and impact highlights on nodes and edges", () => {
    const m = fromSubgraph(focusSub);
    const hl = highlights({ path: focusSub, impact: { dataset: "dataset:d@1", versions: ["version:base@1"], deployments: [] } });
    const v = buildView(m, { highlights: hl });
    expect(v.nodes.find((x) => x.id === "version:ft@1")?.highlight).toBe("path");
    expect(v.edges[0].highlight).toBe("path");
  });

  it("round-trips view state through the URL", () => {
    const s = { focus: "version:llm@1.0.0", up: 2, down: 3, impact: "dataset:web-text@2", path: ["version:a@1", "dataset:b@2"] as [string, string], sel: "run:r,1" };
    const q = lineageQuery(s);
    expect(q).toContain("focus=version:llm@1.0.0");
    expect(parseLineageQuery(q)).toEqual(s);
  });
});
