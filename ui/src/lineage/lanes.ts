/**
 * Variant lanes: when a view holds two or more lines of one model (the main line `MODEL` and
 * variants `MODEL/VARIANT`, each its own semver line), their nodes are moved into parallel
 * horizontal bands after the layout — main line first, then variants by name — keeping each
 * node's column (its place in the lineage order). Other nodes inside the bands move below
 * them so nothing overlaps.
 */
import type { Positions } from "./elk";

export interface Lane {
  /** The line: `MODEL` or `MODEL/VARIANT`. */
  line: string;
  /** `main` or the variant's name. */
  label: string;
  x: number;
  y: number;
  width: number;
  height: number;
}

const GAP = 28;
const PAD = 10;

/** The line (`MODEL` or `MODEL/VARIANT`) of a model or version node id; null for others. */
export function lineOf(id: string): string | null {
  if (id.startsWith("model:")) return id.slice(6);
  if (id.startsWith("version:")) {
    const ref = id.slice(8);
    const at = ref.lastIndexOf("@");
    return at > 0 ? ref.slice(0, at) : null;
  }
  return null;
}

const mainOf = (line: string) => line.split("/")[0];

/** Positions with lanes applied, and the lanes to draw behind the nodes. */
export function withLanes(ids: string[], pos: Positions, w: number, h: number): { positions: Positions; lanes: Lane[] } {
  const byMain = new Map<string, Map<string, string[]>>();
  for (const id of ids) {
    const line = lineOf(id);
    if (!line || !pos[id]) continue;
    const lines = byMain.get(mainOf(line)) ?? new Map<string, string[]>();
    byMain.set(mainOf(line), lines);
    lines.set(line, [...(lines.get(line) ?? []), id]);
  }
  const out: Positions = { ...pos };
  const lanes: Lane[] = [];
  for (const [main, lines] of [...byMain].sort(([a], [b]) => a.localeCompare(b))) {
    if (lines.size < 2) continue;
    const order = [...lines.keys()].sort((a, b) => (a === main ? -1 : b === main ? 1 : a.localeCompare(b)));
    const members = new Set(order.flatMap((l) => lines.get(l)!));
    const ys = [...members].map((id) => out[id].y);
    const top = Math.min(...ys);
    const oldBottom = Math.max(...ys) + h;
    let y = top;
    for (const line of order) {
      const nodes = lines.get(line)!;
      const minY = Math.min(...nodes.map((id) => out[id].y));
      const maxY = Math.max(...nodes.map((id) => out[id].y));
      const xs = nodes.map((id) => out[id].x);
      for (const id of nodes) out[id] = { x: out[id].x, y: out[id].y - minY + y + PAD };
      const height = maxY - minY + h + 2 * PAD;
      lanes.push({
        line,
        label: line === main ? `${main} · main` : `${main} · ${line.slice(main.length + 1)}`,
        x: Math.min(...xs) - PAD,
        y,
        width: Math.max(...xs) - Math.min(...xs) + w + 2 * PAD,
        height,
      });
      y += height + GAP;
    }
    const bottom = y - GAP;
    // Everything else that sat in or below the old band moves below the new one.
    const shift = bottom - oldBottom;
    for (const id of Object.keys(out)) {
      if (members.has(id)) continue;
      const p = out[id];
      if (p.y + h > top && p.y < oldBottom) out[id] = { x: p.x, y: bottom + GAP + (p.y - top) };
      else if (p.y >= oldBottom && shift > 0) out[id] = { x: p.x, y: p.y + shift + GAP };
    }
  }
  return { positions: out, lanes };
}
