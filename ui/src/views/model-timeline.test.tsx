import { describe, expect, it } from "vitest";
import { fireEvent, screen, waitFor, within } from "@testing-library/react";
import { stubBackend } from "../test/stub-backend";
import { renderWithBackend, wrap } from "../test/render";
import { ModelTimeline } from "./ModelTimeline";
import { ModelView } from "./Model";
import { MAX_POINTS, thin } from "./model/timeline";
import type { Deployment, ModelTimeline as Timeline, TimelinePoint } from "../backend/generated/api";

const HOUR = 3_600_000;
const START = Date.parse("2024-01-01T00:00:00Z");
const N = 5000;

/** 5,000 versions four hours apart (≈ 2.3 years); every 100th (50, 150…) lacks `auc`; new data every 250. */
function synthetic(): Timeline {
  const points = Array.from({ length: N }, (_, i): TimelinePoint => ({
    version: `1.${i}.0`,
    createdAt: new Date(START + i * 4 * HOUR).toISOString(),
    status: "draft",
    bump: "minor",
    metrics: i % 100 === 50 ? { loss: 0.3 } : { auc: 0.8 + 0.1 * Math.sin(i / 50), loss: 0.3 },
    data: [`customers@${Math.floor(i / 250) + 1}`],
  }));
  const dep = (id: number, env: string, i: number, end: number | null, role = "primary"): Deployment => ({
    id, env, model: "churn", version: `1.${i}.0`, strategy: "full", role, traffic: role === "canary" ? 10 : 100,
    startedAt: new Date(START + i * 4 * HOUR + HOUR).toISOString(), endedAt: end === null ? null : new Date(START + end * 4 * HOUR).toISOString(),
    reason: "release", rollbackOf: null, createdBy: "alice", auditSeq: id, carrier: null, recordedFrom: null,
  });
  return {
    model: "churn",
    points,
    metrics: ["auc", "loss"],
    // 1.10.0 (long ago, must survive thinning) and 1.4001.0 served in prod; 1.4990.0 serves in staging.
    deployments: [dep(1, "prod", 10, 4001), dep(2, "prod", 4001, null), dep(3, "staging", 4990, null), dep(4, "staging", 4995, null, "canary")],
  };
}

const count = () => screen.getAllByTestId("timeline-point").length;

describe("model retraining timeline", () => {
  it("draws 5,000 versions thinned to the budget, narrows by range, and marks data changes and deployments", async () => {
    const data = synthetic();
    const { backend, calls } = stubBackend({ model_timeline: () => data });
    const t = performance.now();
    renderWithBackend(backend, <ModelTimeline model="churn" />);
    await screen.findAllByTestId("timeline-point");
    const took = performance.now() - t;
    expect(calls[0].req).toEqual({ model: "churn" });

    expect(screen.getByTestId("timeline-count").textContent).toContain("5000 versions from");
    const all = count();
    expect(all).toBeLessThanOrEqual(MAX_POINTS);
    expect(all).toBeGreaterThan(1000);
    expect(screen.getByTestId("timeline-thinned").textContent).toMatch(/showing \d+ of 5000/);
    const versions = screen.getAllByTestId("timeline-point").map((c) => c.dataset.version);
    // Deployed versions, the first and the last are always kept.
    expect(versions).toEqual(expect.arrayContaining(["1.0.0", "1.10.0", "1.4001.0", "1.4990.0", "1.4999.0"]));
    // Versions without the metric are ticks on the baseline, not points.
    expect(versions).not.toContain("1.50.0");

    // Training data changed 19 times.
    const changes = screen.getAllByTestId("timeline-data-change");
    expect(changes).toHaveLength(19);
    expect(changes[0].dataset.version).toBe("1.250.0");
    expect(changes[0].querySelector("title")!.textContent).toContain("new data: customers@2");

    // A lane per environment; a bar per primary deployment (the canary is not one).
    const envs = screen.getAllByTestId("timeline-env");
    expect(envs.map((e) => e.dataset.env)).toEqual(["prod", "staging"]);
    const prodBars = within(envs[0]).getAllByTestId("timeline-deploy-bar");
    expect(prodBars.map((b) => b.dataset.version)).toEqual(["1.10.0", "1.4001.0"]);
    expect(prodBars[0].querySelector("title")!.textContent).toMatch(/^churn@1\.10\.0 in prod from .+ to .+/);
    expect(prodBars[1].querySelector("title")!.textContent).toMatch(/to now$/);
    expect(within(envs[1]).getAllByTestId("timeline-deploy-bar")).toHaveLength(1);

    // Ranges: 90 days back from the newest point is 540 versions, a few without auc; no thinning.
    fireEvent.click(screen.getAllByTestId("timeline-range").find((b) => b.dataset.range === "365")!);
    const year = count();
    expect(year).toBeLessThanOrEqual(MAX_POINTS);
    fireEvent.click(screen.getAllByTestId("timeline-range").find((b) => b.dataset.range === "90")!);
    expect(count()).toBeLessThan(year);
    expect(screen.getByTestId("timeline-count").textContent).toContain("541 versions");
    expect(screen.queryByTestId("timeline-thinned")).toBeNull();
    expect(count()).toBe(541 - 5);
    expect(screen.getAllByTestId("timeline-missing").map((t) => t.dataset.version)).toEqual(["1.4550.0", "1.4650.0", "1.4750.0", "1.4850.0", "1.4950.0"]);
    fireEvent.click(screen.getAllByTestId("timeline-range").find((b) => b.dataset.range === "30")!);
    expect(count()).toBe(181 - 2);
    // The old deployment of 1.10.0 is outside the range now.
    expect(within(screen.getAllByTestId("timeline-env")[0]).getAllByTestId("timeline-deploy-bar").map((b) => b.dataset.version)).toEqual(["1.4001.0"]);
    expect(screen.queryAllByTestId("timeline-data-change")).toHaveLength(0);

    // Hover: a tooltip; click: the version's page.
    const last = screen.getAllByTestId("timeline-point").at(-1)!;
    fireEvent.mouseOver(last);
    const tip = screen.getByTestId("timeline-tooltip");
    expect(tip.textContent).toContain("1.4999.0");
    expect(tip.textContent).toContain("auc 0.");
    expect(tip.textContent).toContain("data: customers@20");
    fireEvent.click(last);
    expect(window.location.hash).toBe("#/versions/churn@1.4999.0");

    // Another metric: every version has loss.
    fireEvent.change(screen.getByTestId("timeline-metric"), { target: { value: "loss" } });
    expect(count()).toBe(181);
    console.log(`5,000-version timeline rendered in ${Math.round(took)} ms (jsdom)`);
  });

  it("keeps the budget whatever the forced points", () => {
    const kept = thin(0, 5000, 1500, (i) => i % 97 === 0);
    expect(kept.length).toBeLessThanOrEqual(1500);
    expect(kept[0]).toBe(0);
    expect(kept.at(-1)).toBe(4999);
    expect(kept).toContain(97 * 40);
    expect(thin(10, 20, 1500, () => false)).toHaveLength(10);
  });

  it("is on the model page once a model has two versions", async () => {
    const data = synthetic();
    const version = (v: string) => ({
      model: "churn", version: v, status: "draft", format: "onnx", rootDigest: "ab".repeat(32), fileCount: 1, totalSize: 1, bump: "minor", metrics: {}, message: "",
      createdBy: "alice", createdAt: "2026-12-01T00:00:00Z",
    });
    let total = 2;
    const { backend } = stubBackend({
      list_versions: () => ({ model: "churn", total, versions: total === 2 ? [version("1.1.0"), version("1.0.0")] : [version("1.0.0")], lines: [] }),
      list_aliases: () => ({ model: "churn", aliases: [], moves: [] }),
      model_timeline: () => ({ ...data, points: data.points.slice(0, 2) }),
    });
    const { unmount } = wrap(backend, <ModelView name="churn" />);
    await waitFor(() => expect(screen.getAllByTestId("timeline-point")).toHaveLength(2));
    expect(screen.getByTestId("timeline-count").textContent).toContain("2 versions from");
    unmount();
    total = 1;
    wrap(backend, <ModelView name="churn" />);
    await screen.findAllByTestId("version-row");
    expect(screen.queryByTestId("model-timeline")).toBeNull();
  });
});
