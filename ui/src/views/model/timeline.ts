/**
 * The arithmetic behind a model's retraining timeline, kept out of React so it is computed once
 * per answer (or per range) and tested on its own: points in time order, where the training
 * data changed, the visible range (binary search), thinning to a point budget and the scales.
 */
import type { ModelTimeline, TimelinePoint } from "../../backend/generated/api";

export type Range = "all" | "365" | "90" | "30";
export const RANGES: Range[] = ["all", "365", "90", "30"];
/** Most points drawn at once; more in range are thinned. */
export const MAX_POINTS = 1500;
const DAY = 86_400_000;

export interface Prepared {
  points: TimelinePoint[];
  /** createdAt in ms, ascending. */
  times: number[];
  /** Indices i > 0 whose training data differs from point i - 1's. */
  dataChanges: number[];
  /** Versions that were ever deployed (kept when thinning). */
  deployed: Set<string>;
  /** Where the time axis ends: the newest point, or a later deployment's start or end. */
  until: number;
}

export function prepare(t: ModelTimeline): Prepared {
  const rows = t.points.map((p) => ({ p, t: Date.parse(p.createdAt) }));
  // Oldest first already; sorting a sorted array is cheap and keeps the binary search honest.
  rows.sort((a, b) => a.t - b.t);
  const points = rows.map((r) => r.p);
  const times = rows.map((r) => r.t);
  const keys = points.map((p) => [...p.data].sort().join("\n"));
  const dataChanges: number[] = [];
  for (let i = 1; i < keys.length; i++) if (keys[i] !== keys[i - 1]) dataChanges.push(i);
  const deployed = new Set(t.deployments.map((d) => d.version));
  // The axis runs to the last thing that happened: a version, or a deployment starting or
  // ending — a release or a rollback after the newest version shows (one still serving runs to
  // the axis's end).
  let until = times.length ? times[times.length - 1] : 0;
  for (const d of t.deployments) until = Math.max(until, Date.parse(d.startedAt), d.endedAt ? Date.parse(d.endedAt) : 0);
  return { points, times, dataChanges, deployed, until };
}

/** The first index whose time is at or after `t` (times ascending). */
export function firstAtOrAfter(times: number[], t: number): number {
  let lo = 0;
  let hi = times.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (times[mid] < t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * The visible points [lo, hi) and the time axis [t0, t1] for `range` days back from `until`
 * (default: the newest point).
 */
export function visible(times: number[], range: Range, until?: number): { lo: number; hi: number; t0: number; t1: number } {
  const hi = times.length;
  if (hi === 0) return { lo: 0, hi: 0, t0: 0, t1: 1 };
  const newest = Math.max(times[hi - 1], until ?? 0);
  const t0 = range === "all" ? times[0] : newest - Number(range) * DAY;
  const lo = firstAtOrAfter(times, t0);
  // A single instant still needs a width.
  return t0 === newest ? { lo, hi, t0: t0 - DAY, t1: newest + DAY } : { lo, hi, t0, t1: newest };
}

/**
 * The indices in [lo, hi) to draw: all of them when at most `max`, else every k-th one plus
 * the first, the last and every `keep` one, never more than `max` in all (unless the kept ones
 * alone are more).
 */
export function thin(lo: number, hi: number, max: number, keep: (i: number) => boolean): number[] {
  const n = hi - lo;
  const all: number[] = [];
  if (n <= max) {
    for (let i = lo; i < hi; i++) all.push(i);
    return all;
  }
  const forced = (i: number) => i === lo || i === hi - 1 || keep(i);
  let nForced = 0;
  for (let i = lo; i < hi; i++) if (forced(i)) nForced++;
  const k = Math.ceil(n / Math.max(1, max - nForced));
  for (let i = lo; i < hi; i++) if ((i - lo) % k === k - 1 || forced(i)) all.push(i);
  return all;
}

/** The lowest and highest value of `metric` among points [lo, hi); null when none has it. */
export function extent(points: TimelinePoint[], lo: number, hi: number, metric: string): [number, number] | null {
  let min = Infinity;
  let max = -Infinity;
  for (let i = lo; i < hi; i++) {
    const v = points[i].metrics[metric];
    if (v === undefined || !Number.isFinite(v)) continue;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  return min === Infinity ? null : [min, max];
}

/** A linear map from [d0, d1] onto [r0, r1]. */
export function linear(d0: number, d1: number, r0: number, r1: number): (v: number) => number {
  const span = d1 - d0 || 1;
  return (v) => r0 + ((v - d0) / span) * (r1 - r0);
}
