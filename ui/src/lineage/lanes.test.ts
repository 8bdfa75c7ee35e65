import { describe, expect, it } from "vitest";
import { lineOf, withLanes } from "./lanes";

const W = 210;
const H = 46;
const overlap = (a: { x: number; y: number }, b: { x: number; y: number }) =>
  a.x < b.x + W && b.x < a.x + W && a.y < b.y + H && b.y < a.y + H;

describe("variant lanes", () => {
  it("reads the line of model and version nodes", () => {
    expect(lineOf("version:churn/edge@1.0.0")).toBe("churn/edge");
    expect(lineOf("model:churn")).toBe("churn");
    expect(lineOf("dataset:d@1")).toBeNull();
  });

  it("puts each line of a model in its own band, main first, and moves other nodes out of the way", () => {
    // As a layered layout might leave them: lines interleaved in one column, a dataset among them.
    const pos = {
      "version:churn@1.0.0": { x: 0, y: 0 },
      "version:churn/edge@1.0.0": { x: 300, y: 0 },
      "version:churn@1.1.0": { x: 300, y: 60 },
      "dataset:d@1": { x: 300, y: 120 },
      "version:churn/edge@2.0.0": { x: 600, y: 60 },
      "version:churn/quantized@1.0.0": { x: 300, y: 180 },
      "version:other@1.0.0": { x: 900, y: 400 },
    };
    const { positions, lanes } = withLanes(Object.keys(pos), pos, W, H);
    expect(lanes.map((l) => l.label)).toEqual(["churn · main", "churn · edge", "churn · quantized"]);
    for (let i = 1; i < lanes.length; i++) expect(lanes[i].y).toBeGreaterThanOrEqual(lanes[i - 1].y + lanes[i - 1].height);
    const inLane = (id: string, lane: number) =>
      positions[id].y >= lanes[lane].y && positions[id].y + H <= lanes[lane].y + lanes[lane].height;
    expect(inLane("version:churn@1.0.0", 0) && inLane("version:churn@1.1.0", 0)).toBe(true);
    expect(inLane("version:churn/edge@1.0.0", 1) && inLane("version:churn/edge@2.0.0", 1)).toBe(true);
    expect(inLane("version:churn/quantized@1.0.0", 2)).toBe(true);
    // Columns kept.
    for (const id of Object.keys(pos)) expect(positions[id].x).toBe(pos[id as keyof typeof pos].x);
    // Nothing overlaps.
    const ids = Object.keys(positions);
    for (const a of ids) for (const b of ids) if (a < b) expect(overlap(positions[a], positions[b]), `${a} / ${b}`).toBe(false);
    expect(positions["dataset:d@1"].y).toBeGreaterThan(lanes[2].y + lanes[2].height);
  });

  it("draws no lanes for a model with one line", () => {
    const pos = { "version:churn@1.0.0": { x: 0, y: 0 }, "model:churn": { x: 300, y: 0 } };
    const { positions, lanes } = withLanes(Object.keys(pos), pos, W, H);
    expect(lanes).toEqual([]);
    expect(positions).toEqual(pos);
  });
});
