/**
 * The explorer's graph model, pure and transport-free: merge the subgraphs the backend returns,
 * decide what "expand one hop" asks for, fold wide fan-outs into "N more" nodes, mark path and
 * impact highlights, and round-trip the view state through the URL.
 *
 * Edges point the PROV way, from the thing made to what it was made from, so UPSTREAM of a node
 * is the targets of its outgoing edges and DOWNSTREAM the sources of its incoming edges.
 */
import type { Impact, LineageEdge, LineageNode, LineageRequest, NodeKind, Subgraph } from "../backend/generated/api";

export type Dir = "up" | "down";

/** A node as the model knows it: how many neighbours it has in total, per direction. */
export interface ModelNode {
  id: string;
  kind: NodeKind;
  label: string;
  /** Distinct upstream neighbours in the catalog (from the latest observation). */
  totalUp: number;
  /** Distinct downstream neighbours in the catalog. */
  totalDown: number;
}

export interface GraphModel {
  focus: string;
  nodes: ReadonlyMap<string, ModelNode>;
  edges: ReadonlyMap<string, LineageEdge>;
}

export const edgeKey = (e: LineageEdge): string => `${e.from}|${e.kind}|${e.to}`;

export function emptyModel(focus: string): GraphModel {
  return { focus, nodes: new Map(), edges: new Map() };
}

// ---------------------------------------------------------------------------------------------
// Adjacency (memoised per model object; models are immutable)

interface Adjacency {
  up: Map<string, Set<string>>;
  down: Map<string, Set<string>>;
}

const adjCache = new WeakMap<GraphModel, Adjacency>();

function buildAdjacency(edges: Iterable<LineageEdge>): Adjacency {
  const up = new Map<string, Set<string>>();
  const down = new Map<string, Set<string>>();
  const add = (m: Map<string, Set<string>>, k: string, v: string) => {
    let s = m.get(k);
    if (!s) m.set(k, (s = new Set()));
    s.add(v);
  };
  for (const e of edges) {
    if (e.from === e.to) continue;
    add(up, e.from, e.to);
    add(down, e.to, e.from);
  }
  return { up, down };
}

function adjacency(model: GraphModel): Adjacency {
  let a = adjCache.get(model);
  if (!a) {
    a = buildAdjacency(model.edges.values());
    adjCache.set(model, a);
  }
  return a;
}

const EMPTY: ReadonlySet<string> = new Set();

/** Distinct neighbours of `id` in the model, one way. */
export function neighbours(model: GraphModel, id: string, dir: Dir): ReadonlySet<string> {
  const a = adjacency(model);
  return (dir === "up" ? a.up : a.down).get(id) ?? EMPTY;
}

/** Neighbours of `id` in the catalog that the model has not loaded yet. */
export function hiddenCount(model: GraphModel, id: string, dir: Dir): number {
  const n = model.nodes.get(id);
  if (!n) return 0;
  const total = dir === "up" ? n.totalUp : n.totalDown;
  return Math.max(0, total - neighbours(model, id, dir).size);
}

// ---------------------------------------------------------------------------------------------
// Merging

/**
 * Adds a subgraph to the model (a new model is returned). A subgraph is induced (it has every
 * edge between its nodes) and says per node how many neighbours it left out, so a node's total
 * neighbour count is the neighbours it shows plus the hidden ones.
 */
export function mergeSubgraph(model: GraphModel, sub: Subgraph): GraphModel {
  const subAdj = buildAdjacency(sub.edges);
  const nodes = new Map(model.nodes);
  const edges = new Map(model.edges);
  for (const e of sub.edges) edges.set(edgeKey(e), e);
  for (const n of sub.nodes) {
    nodes.set(n.id, observe(n, subAdj));
  }
  return { focus: model.focus, nodes, edges };
}

function observe(n: LineageNode, subAdj: Adjacency): ModelNode {
  return {
    id: n.id,
    kind: n.kind,
    label: n.label,
    totalUp: n.hiddenUp + (subAdj.up.get(n.id)?.size ?? 0),
    totalDown: n.hiddenDown + (subAdj.down.get(n.id)?.size ?? 0),
  };
}

/** A model holding exactly one subgraph, focused where the subgraph is. */
export function fromSubgraph(sub: Subgraph): GraphModel {
  return mergeSubgraph(emptyModel(sub.focus), sub);
}

// ---------------------------------------------------------------------------------------------
// Expanding

/**
 * What to ask the backend to show one more hop `dir` of `id`: the nearest loaded node that way
 * with unloaded neighbours sits `d` hops away, so ask for `d + 1` hops. `null` when everything
 * that way is already loaded.
 */
export function expandRequest(model: GraphModel, id: string, dir: Dir): LineageRequest | null {
  if (!model.nodes.has(id)) return null;
  const seen = new Set([id]);
  let frontier = [id];
  for (let d = 0; frontier.length > 0; d++) {
    if (frontier.some((n) => hiddenCount(model, n, dir) > 0)) {
      return { node: id, up: dir === "up" ? d + 1 : 0, down: dir === "down" ? d + 1 : 0 };
    }
    const next: string[] = [];
    for (const n of frontier) {
      for (const m of neighbours(model, n, dir)) {
        if (!seen.has(m)) {
          seen.add(m);
          next.push(m);
        }
      }
    }
    frontier = next;
  }
  return null;
}

// ---------------------------------------------------------------------------------------------
// Highlights

export type Highlight = "path" | "impact";

export interface Highlights {
  nodes: Map<string, Highlight>;
  edges: Map<string, Highlight>;
}

/** Path nodes and the edges between them (the path wins over impact). */
export function highlights(opts: { path?: Subgraph | null; impact?: Impact | null }): Highlights {
  const nodes = new Map<string, Highlight>();
  const edges = new Map<string, Highlight>();
  const impact = opts.impact;
  if (impact) {
    const set = new Set([impact.dataset, ...impact.versions, ...impact.deployments]);
    for (const id of set) nodes.set(id, "impact");
    // Edges between impacted nodes are marked when the view is built (see `buildView`).
  }
  const path = opts.path;
  if (path) {
    for (const n of path.nodes) nodes.set(n.id, "path");
    for (const e of path.edges) edges.set(edgeKey(e), "path");
  }
  return { nodes, edges };
}

// ---------------------------------------------------------------------------------------------
// The view: what is drawn, with wide fan-outs folded

export const DEFAULT_FOLD_LIMIT = 8;

export interface ViewNode {
  id: string;
  kind: NodeKind | "more";
  label: string;
  /** Unloaded upstream / downstream neighbours (expand buttons). */
  hiddenUp: number;
  hiddenDown: number;
  highlight?: Highlight;
  /** Set on synthetic "N more" nodes. */
  more?: { owner: string; dir: Dir; count: number };
}

export interface ViewEdge {
  id: string;
  from: string;
  to: string;
  kind: string;
  relation: string | null;
  highlight?: Highlight;
}

export interface View {
  nodes: ViewNode[];
  edges: ViewEdge[];
}

export interface ViewOptions {
  /** Show at most this many neighbours per node and direction before folding the rest. */
  foldLimit?: number;
  /** `foldKey(owner, dir)` of fan-outs the user opened. */
  unfolded?: ReadonlySet<string>;
  /** Nodes that are always shown (focus, selection, path ends…). */
  pinned?: Iterable<string>;
  highlights?: Highlights;
}

export const foldKey = (owner: string, dir: Dir): string => `${owner}|${dir}`;
export const moreNodeId = (owner: string, dir: Dir): string => `more:${dir}:${owner}`;
export const isMoreId = (id: string): boolean => id.startsWith("more:");

const KIND_ORDER: Record<string, number> = { version: 0, model: 1, dataset: 2, run: 3, deployment: 4, code: 5, env: 6, source: 7 };

/**
 * The drawable view: a breadth-first walk from the focus (and pinned nodes) over the model,
 * both ways, where a node with more than `foldLimit` neighbours one way shows the first ones
 * (pinned first, then by kind and label) and one "N more" node for the rest. Nodes reachable
 * only through folded ones are left out.
 */
export function buildView(model: GraphModel, opts: ViewOptions = {}): View {
  const limit = Math.max(1, opts.foldLimit ?? DEFAULT_FOLD_LIMIT);
  const unfolded = opts.unfolded ?? EMPTY;
  const pinned = new Set<string>();
  for (const p of opts.pinned ?? []) if (model.nodes.has(p)) pinned.add(p);
  const hl = opts.highlights;

  const visible = new Set<string>();
  const queue: string[] = [];
  const visit = (id: string) => {
    if (!visible.has(id) && model.nodes.has(id)) {
      visible.add(id);
      queue.push(id);
    }
  };
  if (model.nodes.has(model.focus)) visit(model.focus);
  for (const p of pinned) visit(p);
  if (queue.length === 0) {
    const first = model.nodes.keys().next();
    if (!first.done) visit(first.value);
  }

  const folded: { owner: string; dir: Dir }[] = [];
  const rank = (id: string) => {
    const n = model.nodes.get(id)!;
    return [pinned.has(id) || hl?.nodes.get(id) === "path" ? 0 : 1, KIND_ORDER[n.kind] ?? 9, n.label] as const;
  };
  const byRank = (a: string, b: string) => {
    const ra = rank(a);
    const rb = rank(b);
    return ra[0] - rb[0] || ra[1] - rb[1] || (ra[2] < rb[2] ? -1 : ra[2] > rb[2] ? 1 : 0);
  };

  for (let i = 0; i < queue.length; i++) {
    const id = queue[i];
    for (const dir of ["up", "down"] as const) {
      const nbrs = [...neighbours(model, id, dir)];
      if (nbrs.length > limit && !unfolded.has(foldKey(id, dir))) {
        nbrs.sort(byRank);
        nbrs.slice(0, limit).forEach(visit);
        // Pinned and path nodes beyond the limit are still shown.
        nbrs.slice(limit).forEach((n) => {
          if (pinned.has(n) || hl?.nodes.get(n) === "path") visit(n);
        });
        folded.push({ owner: id, dir });
      } else {
        nbrs.forEach(visit);
      }
    }
  }

  const nodes: ViewNode[] = [];
  for (const id of visible) {
    const n = model.nodes.get(id)!;
    nodes.push({
      id,
      kind: n.kind,
      label: n.label,
      hiddenUp: hiddenCount(model, id, "up"),
      hiddenDown: hiddenCount(model, id, "down"),
      highlight: hl?.nodes.get(id),
    });
  }
  const edges: ViewEdge[] = [];
  for (const [key, e] of model.edges) {
    if (!visible.has(e.from) || !visible.has(e.to)) continue;
    let highlight = hl?.edges.get(key);
    if (!highlight && hl?.nodes.get(e.from) === "impact" && hl?.nodes.get(e.to) === "impact") highlight = "impact";
    edges.push({ id: key, from: e.from, to: e.to, kind: e.kind, relation: e.relation, highlight });
  }
  // "N more" nodes count what a fold left out and nothing else showed.
  for (const { owner, dir } of folded) {
    const count = [...neighbours(model, owner, dir)].filter((n) => !visible.has(n)).length;
    if (count === 0) continue;
    const id = moreNodeId(owner, dir);
    nodes.push({ id, kind: "more", label: `${count} more`, hiddenUp: 0, hiddenDown: 0, more: { owner, dir, count } });
    edges.push(
      dir === "up"
        ? { id: `${owner}|more|${id}`, from: owner, to: id, kind: "more", relation: null }
        : { id: `${id}|more|${owner}`, from: id, to: owner, kind: "more", relation: null },
    );
  }
  return { nodes, edges };
}

/** A key that changes only when the drawn structure changes (not highlights): re-layout on it. */
export function structureKey(view: View): string {
  const ids = view.nodes.map((n) => n.id).sort();
  const es = view.edges.map((e) => e.id).sort();
  return `${ids.join("\n")}\n--\n${es.join("\n")}`;
}

// ---------------------------------------------------------------------------------------------
// URL state: `#/lineage?focus=…&up=1&down=1&impact=…&path=a,b&sel=…`

export interface LineageUrlState {
  focus: string | null;
  up: number;
  down: number;
  /** Dataset whose downstream impact is highlighted. */
  impact: string | null;
  /** Two nodes whose connecting path is highlighted. */
  path: [string, string] | null;
  /** The node whose side panel is open. */
  sel: string | null;
}

export const DEFAULT_DEPTH = 1;
const MAX_DEPTH = 10;

export function defaultLineageState(focus: string | null = null): LineageUrlState {
  return { focus, up: DEFAULT_DEPTH, down: DEFAULT_DEPTH, impact: null, path: null, sel: null };
}

function depth(v: string | undefined): number {
  const n = v === undefined || v === "" ? NaN : Number(v);
  return Number.isInteger(n) ? Math.min(MAX_DEPTH, Math.max(0, n)) : DEFAULT_DEPTH;
}

/** Parses the query part of the hash (`focus=…&up=…`). Unknown keys are ignored. */
export function parseLineageQuery(query: string): LineageUrlState {
  const q = new Map<string, string>();
  for (const part of query.replace(/^\?/, "").split("&")) {
    if (!part) continue;
    const eq = part.indexOf("=");
    const k = eq < 0 ? part : part.slice(0, eq);
    const v = eq < 0 ? "" : part.slice(eq + 1);
    try {
      q.set(decodeURIComponent(k), decodeURIComponent(v));
    } catch {
      /* malformed escape: skip */
    }
  }
  const nonEmpty = (k: string) => {
    const v = q.get(k);
    return v ? v : null;
  };
  let path: [string, string] | null = null;
  const rawPath = nonEmpty("path");
  if (rawPath) {
    // Ids may contain commas only escaped; the separator is the first unescaped one.
    const raw = query.match(/(?:^|[?&])path=([^&]*)/)?.[1] ?? "";
    const parts = raw.split(",").map((p) => {
      try {
        return decodeURIComponent(p);
      } catch {
        return p;
      }
    });
    if (parts.length === 2 && parts[0] && parts[1]) path = [parts[0], parts[1]];
  }
  return {
    focus: nonEmpty("focus"),
    up: depth(q.get("up")),
    down: depth(q.get("down")),
    impact: nonEmpty("impact"),
    path,
    sel: nonEmpty("sel"),
  };
}

/** Escapes a node id for the URL but keeps it readable (`:`, `@`, `/` stay as they are). */
export function encodeId(id: string): string {
  return encodeURIComponent(id).replace(/%3A/gi, ":").replace(/%40/g, "@").replace(/%2F/gi, "/");
}

/** The query string for a state (without `?`), stable key order, defaults included. */
export function lineageQuery(s: LineageUrlState): string {
  const parts: string[] = [];
  if (s.focus) parts.push(`focus=${encodeId(s.focus)}`);
  parts.push(`up=${s.up}`, `down=${s.down}`);
  if (s.impact) parts.push(`impact=${encodeId(s.impact)}`);
  if (s.path) parts.push(`path=${encodeId(s.path[0])},${encodeId(s.path[1])}`);
  if (s.sel) parts.push(`sel=${encodeId(s.sel)}`);
  return parts.join("&");
}

export function lineageHash(s: LineageUrlState): string {
  return `#/lineage?${lineageQuery(s)}`;
}
