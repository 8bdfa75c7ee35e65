/**
 * Positions for a lineage view with elkjs (layered, left to right, upstream on the left). Views
 * above `WORKER_ABOVE` nodes are laid out in a Web Worker so the UI stays responsive; smaller
 * ones (and environments without workers, like unit tests) inline.
 */
import type { ElkNode } from "elkjs/lib/elk-api";
import { elkGraph, positionsOf, type LayoutInput, type Positions } from "./elk";
import { fastLayered } from "./fast";

export type { LayoutEdge, LayoutInput, LayoutNode, Positions } from "./elk";

export const WORKER_ABOVE = 50;

type ElkLike = { layout(g: ElkNode): Promise<ElkNode> };
let inlineElk: Promise<ElkLike> | null = null;

function getInlineElk(): Promise<ElkLike> {
  if (!inlineElk) {
    inlineElk = import("elkjs/lib/elk.bundled.js").then((m) => {
      const Ctor = (m.default ?? m) as unknown as new () => ElkLike;
      return new Ctor();
    });
  }
  return inlineElk;
}

/** Above this many nodes the fast layered layout (./fast) replaces elkjs. */
export const FAST_LAYOUT_ABOVE = 150;

export async function layoutInline(input: LayoutInput): Promise<Positions> {
  if (input.nodes.length === 0) return {};
  if (input.nodes.length > FAST_LAYOUT_ABOVE) return fastLayered(input);
  const elk = await getInlineElk();
  return positionsOf(await elk.layout(elkGraph(input)));
}

// One worker, reused; requests are matched by id.
let worker: Worker | null = null;
let workerBroken = false;
let seq = 0;
const pending = new Map<number, { resolve: (p: Positions) => void; reject: (e: Error) => void }>();

function getWorker(): Worker | null {
  if (workerBroken || typeof Worker === "undefined") return null;
  if (!worker) {
    try {
      worker = new Worker(new URL("./layout.worker.ts", import.meta.url), { type: "module" });
    } catch {
      workerBroken = true;
      return null;
    }
    worker.onmessage = (ev: MessageEvent<{ id: number; positions?: Positions; error?: string }>) => {
      const p = pending.get(ev.data.id);
      if (!p) return;
      pending.delete(ev.data.id);
      if (ev.data.positions) p.resolve(ev.data.positions);
      else p.reject(new Error(ev.data.error ?? "layout failed"));
    };
    worker.onerror = (ev) => {
      // A worker that cannot start (CSP, old engine): fall back to inline layout for good.
      ev.preventDefault?.();
      workerBroken = true;
      worker?.terminate();
      worker = null;
      const waiting = [...pending.values()];
      pending.clear();
      waiting.forEach((p) => p.reject(new Error("layout worker failed")));
    };
  }
  return worker;
}

function layoutInWorker(w: Worker, input: LayoutInput): Promise<Positions> {
  const id = ++seq;
  return new Promise((resolve, reject) => {
    pending.set(id, { resolve, reject });
    w.postMessage({ id, input });
  });
}

/** Lays out a view; every node of `input` gets a position. */
export async function layoutGraph(input: LayoutInput): Promise<Positions> {
  const w = input.nodes.length > WORKER_ABOVE ? getWorker() : null;
  if (w) {
    try {
      return await layoutInWorker(w, input);
    } catch {
      /* fall through to inline */
    }
  }
  return layoutInline(input);
}

/**
 * Moves `next` so that `anchor` stays where it was in `prev` (expanding a node should not make
 * the graph jump under the pointer).
 */
export function keepAnchor(prev: Positions, next: Positions, anchor: string | null): Positions {
  if (!anchor || !prev[anchor] || !next[anchor]) return next;
  const dx = prev[anchor].x - next[anchor].x;
  const dy = prev[anchor].y - next[anchor].y;
  if (dx === 0 && dy === 0) return next;
  const out: Positions = {};
  for (const [id, p] of Object.entries(next)) out[id] = { x: p.x + dx, y: p.y + dy };
  return out;
}
