/**
 * The ELK graph and options for a lineage view, shared by the inline path and the worker.
 * Direction RIGHT with every edge given to ELK reversed (`to → from`), so what a node was made
 * from is laid out to its LEFT and data flows left to right.
 */
import type { ElkNode, LayoutOptions } from "elkjs/lib/elk-api";

export interface LayoutNode {
  id: string;
  width: number;
  height: number;
}

export interface LayoutEdge {
  id: string;
  /** The node made (lineage `from`). */
  from: string;
  /** What it was made from (lineage `to`): placed to the left. */
  to: string;
}

export interface LayoutInput {
  nodes: LayoutNode[];
  edges: LayoutEdge[];
}

export type Positions = Record<string, { x: number; y: number }>;

/** Above this many nodes the fast (lower-quality) options are used. */
export const FAST_ABOVE = 300;

const COMMON: LayoutOptions = {
  "elk.algorithm": "layered",
  "elk.direction": "RIGHT",
  "elk.spacing.nodeNode": "18",
  "elk.layered.spacing.nodeNodeBetweenLayers": "90",
  "elk.layered.spacing.edgeNodeBetweenLayers": "24",
  "elk.spacing.componentComponent": "60",
  "elk.layered.considerModelOrder.strategy": "NODES_AND_EDGES",
};

// Measured on a 2,000-node neighbourhood: defaults take ~12 s, these ~3 s (bench/layout.mjs).
const FAST: LayoutOptions = {
  "elk.layered.thoroughness": "1",
  "elk.edgeRouting": "POLYLINE",
  "elk.layered.nodePlacement.strategy": "SIMPLE",
  "elk.layered.greedySwitch.type": "OFF",
  "elk.layered.layering.strategy": "LONGEST_PATH",
};

const QUALITY: LayoutOptions = {
  "elk.edgeRouting": "POLYLINE",
  "elk.layered.nodePlacement.strategy": "BRANDES_KOEPF",
};

export function elkGraph(input: LayoutInput): ElkNode {
  const ids = new Set(input.nodes.map((n) => n.id));
  return {
    id: "root",
    layoutOptions: { ...COMMON, ...(input.nodes.length > FAST_ABOVE ? FAST : QUALITY) },
    children: input.nodes.map((n) => ({ id: n.id, width: n.width, height: n.height })),
    edges: input.edges
      .filter((e) => ids.has(e.from) && ids.has(e.to) && e.from !== e.to)
      .map((e) => ({ id: e.id, sources: [e.to], targets: [e.from] })),
  };
}

export function positionsOf(laid: ElkNode): Positions {
  const out: Positions = {};
  for (const c of laid.children ?? []) out[c.id] = { x: c.x ?? 0, y: c.y ?? 0 };
  return out;
}
