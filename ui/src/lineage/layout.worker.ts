/// <reference lib="webworker" />
/** Runs ELK off the main thread for big views (see layout.ts). */
import ELK from "elkjs/lib/elk.bundled.js";
import { elkGraph, positionsOf, type LayoutInput } from "./elk";

const elk = new ELK();

self.onmessage = async (ev: MessageEvent<{ id: number; input: LayoutInput }>) => {
  const { id, input } = ev.data;
  try {
    const laid = await elk.layout(elkGraph(input));
    (self as unknown as Worker).postMessage({ id, positions: positionsOf(laid) });
  } catch (e) {
    (self as unknown as Worker).postMessage({ id, error: String(e) });
  }
};
