/// <reference lib="webworker" />
/** Runs ELK off the main thread for big views (see layout.ts). */
import ELK from "elkjs/lib/elk.bundled.js";
import { elkGraph, positionsOf, type LayoutInput } from "./elk";
import { fastLayered } from "./fast";

const FAST_LAYOUT_ABOVE = 150; // keep in step with layout.ts (importing it would pull React-free but worker-unsafe code)

const elk = new ELK();

self.onmessage = async (ev: MessageEvent<{ id: number; input: LayoutInput }>) => {
  const { id, input } = ev.data;
  try {
    const positions = input.nodes.length > FAST_LAYOUT_ABOVE ? fastLayered(input) : positionsOf(await elk.layout(elkGraph(input)));
    (self as unknown as Worker).postMessage({ id, positions });
  } catch (e) {
    (self as unknown as Worker).postMessage({ id, error: String(e) });
  }
};
