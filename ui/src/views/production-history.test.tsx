import { describe, expect, it } from "vitest";
import { fireEvent, screen, waitFor, within } from "@testing-library/react";
import { stubBackend } from "../test/stub-backend";
import { wrap } from "../test/render";
import { DeploymentsView } from "./Deployments";
import type { Decider, Deployment, Drill, MonitorOverview, Proposal } from "../backend/generated/api";

const dep = (over: Partial<Deployment>): Deployment => ({
  id: 1, env: "staging", model: "resnet", version: "1.0.0", strategy: "full", role: "primary", traffic: 100,
  startedAt: "2026-11-27T10:00:00.000Z", endedAt: null, reason: "release", rollbackOf: null, createdBy: "alice", auditSeq: 1,
  carrier: null, recordedFrom: null, ...over,
});

const timeline = {
  environments: [{ name: "staging", production: false }, { name: "prod", production: true }],
  deployments: [dep({ id: 2, env: "prod", version: "0.9.0", startedAt: "2026-11-26T09:00:00.000Z" }), dep({ id: 1 })],
};

const decider = (over: Partial<Decider>): Decider => ({
  deployment: dep({}), rootDigest: "ab".repeat(32), status: "approved",
  approvals: [{ actor: "checker@acme", role: "validator", decision: "approved", justification: "ok", createdAt: "2026-11-27T09:00:00Z", auditSeq: 3 }],
  gate: { required: ["validator"], approved: ["validator"], missing: [], rejected: [], ok: true },
  evaluations: [
    { dataset: "dataset:holdout@2", metric: "auc", slice: "", value: 0.91, threshold: ">= 0.9", passed: true, baselineVersion: null, baseline: null, vsBaseline: null, createdBy: "alice", createdAt: "2026-11-27T09:00:00Z", auditSeq: 4 },
    { dataset: "dataset:holdout@2", metric: "auc", slice: "age=65+", value: 0.71, threshold: ">= 0.8", passed: false, baselineVersion: null, baseline: null, vsBaseline: null, createdBy: "alice", createdAt: "2026-11-27T09:00:00Z", auditSeq: 5 },
  ],
  attachments: [{ model: "resnet", version: "1.0.0", kind: "fairness", name: "fairness.pdf", sha256: "cd".repeat(32), size: 2048, createdBy: "alice", createdAt: "2026-11-27T09:00:00Z", auditSeq: 6 }],
  ...over,
});

const snapshot = (at: string, value: number) => ({ env: "prod", at, metric: "auc", value });

const proposal = (over: Partial<Proposal> = {}): Proposal => ({
  id: 7, env: "prod", rule: "auc < 0.7 for 2", from: "resnet@0.9.0", to: "resnet@0.8.0",
  evidence: [snapshot("2026-11-27T12:00:00Z", 0.62), snapshot("2026-11-27T11:00:00Z", 0.65)],
  status: "open", createdAt: "2026-11-27T12:00:01Z", event: "ef".repeat(32), resolution: null, ...over,
});

const overview = (proposals: Proposal[]): MonitorOverview => ({
  env: "prod",
  metrics: [{ metric: "auc", snapshots: 3 }, { metric: "drift_psi", snapshots: 3 }],
  metric: "auc",
  series: [snapshot("2026-11-26T10:00:00Z", 0.9), snapshot("2026-11-27T11:00:00Z", 0.65), snapshot("2026-11-27T12:00:00Z", 0.62)],
  deployments: [dep({ id: 2, env: "prod", version: "0.9.0", startedAt: "2026-11-26T09:00:00.000Z" }), dep({ id: 3, env: "prod", version: "0.9.1", startedAt: "2026-11-27T10:30:00.000Z" })],
  rules: [
    { id: 1, env: "prod", expr: "auc < 0.7 for 2", metric: "auc", op: "<", threshold: 0.7, consecutive: 2, auto: false, createdBy: "alice", createdAt: "2026-11-26T00:00:00Z" },
    { id: 2, env: "prod", expr: "drift_psi > 0.2", metric: "drift_psi", op: ">", threshold: 0.2, consecutive: 1, auto: true, createdBy: "alice", createdAt: "2026-11-26T00:00:00Z" },
  ],
  proposals,
});

const drill = (over: Partial<Drill> = {}): Drill => ({
  env: "prod", at: "2026-11-27T13:00:00Z", production: true, current: "resnet@0.9.0", restore: "resnet@0.8.0", ok: false, by: "alice",
  checks: [
    { name: "bytes", ok: true, detail: "3 files re-hash" },
    { name: "approvals", ok: false, detail: "resnet@0.8.0 lacks a validator approval" },
  ],
  ...over,
});

const base = {
  deployments: () => timeline,
  monitor_overview: () => overview([]),
  drills: () => ({ drills: [] as Drill[], ok: true }),
};

describe("which model decided", () => {
  it("asks for the chosen environment at a UTC instant and shows each decider with its evidence", async () => {
    let empty = false;
    const { backend, calls } = stubBackend({
      ...base,
      decision: (req) => ({
        env: req.env, at: req.at ?? "2026-11-27T13:00:00Z", production: false,
        deciders: empty
          ? []
          : [
              decider({ deployment: dep({ traffic: 80, reason: "weekly retrain", carrier: "sha256:" + "9".repeat(64), recordedFrom: "kserve:resnet" }) }),
              decider({ deployment: dep({ id: 9, version: "1.1.0", role: "canary", traffic: 20 }), status: "candidate", approvals: [], evaluations: [], attachments: [], gate: { required: ["validator"], approved: [], missing: ["validator"], rejected: [], ok: false } }),
            ],
      }),
    });
    wrap(backend, <DeploymentsView />);
    const card = await screen.findByTestId("decision-card");
    const env = within(card).getByTestId("decision-env") as HTMLSelectElement;
    // Production first.
    expect([...env.options].map((o) => o.value)).toEqual(["prod", "staging"]);
    fireEvent.change(env, { target: { value: "staging" } });
    fireEvent.change(within(card).getByTestId("decision-at"), { target: { value: "2026-11-27T11:30:00" } });
    fireEvent.click(within(card).getByTestId("decision-lookup"));

    const deciders = await within(card).findAllByTestId("decider");
    const req = calls.find((c) => c.op === "decision")!.req as { env: string; at: string };
    expect(req).toEqual({ env: "staging", at: new Date("2026-11-27T11:30:00").toISOString() });
    expect(req.at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(deciders.map((d) => d.dataset.version)).toEqual(["resnet@1.0.0", "resnet@1.1.0"]);
    const first = deciders[0];
    expect(within(first).getByRole("link", { name: "resnet@1.0.0" }).getAttribute("href")).toBe("#/versions/resnet@1.0.0");
    expect(first.textContent).toContain("80 %");
    expect(first.textContent).toContain("weekly retrain");
    expect(first.textContent).toContain("deployed by alice");
    expect(first.textContent).toContain("kserve:resnet");
    expect(within(first).getByTestId("decider-approvals").textContent).toContain("approved by checker@acme");
    const evals = within(first).getByTestId("decider-evaluations").textContent!;
    expect(evals).toContain("auc=0.91");
    expect(evals).toContain("pass");
    expect(evals).toContain("[age=65+]");
    expect(evals).toContain("FAIL");
    expect(within(first).getByTestId("decider-attachments").textContent).toContain("fairness.pdf");
    expect(deciders[1].textContent).toContain("canary");
    expect(deciders[1].textContent).toContain("missing approvals: validator");

    // Empty = now; nothing served.
    empty = true;
    fireEvent.change(within(card).getByTestId("decision-at"), { target: { value: "" } });
    fireEvent.click(within(card).getByTestId("decision-lookup"));
    await waitFor(() => expect(within(card).getByTestId("decision-result").textContent).toContain("Nothing served staging at"));
    expect(calls.filter((c) => c.op === "decision").at(-1)!.req).toEqual({ env: "staging", at: null });
  });
});

describe("monitoring", () => {
  it("draws the metric with deployments and thresholds, and accepts a proposal only with a reason", async () => {
    let proposals = [proposal(), proposal({ id: 5, status: "dismissed", resolution: "dismissed by bob: a data glitch" })];
    const { backend, calls } = stubBackend({
      ...base,
      monitor_overview: () => overview(proposals),
      decide_proposal: (req) => {
        proposals = proposals.map((p) => (String(p.id) === req.proposal ? { ...p, status: "executed", resolution: `rolled back: ${req.reason}` } : p));
        return proposals[0];
      },
    });
    wrap(backend, <DeploymentsView />);
    const card = await screen.findByTestId("monitor-card");
    expect(card.dataset.env).toBe("prod");
    const chart = await within(card).findByTestId("monitor-chart");
    expect(within(chart).getAllByTestId("monitor-point")).toHaveLength(3);
    // Only the rule on the drawn metric.
    expect(within(chart).getAllByTestId("monitor-threshold").map((t) => t.dataset.rule)).toEqual(["auc < 0.7 for 2"]);
    expect(within(chart).getAllByTestId("monitor-deploy-mark").map((m) => m.dataset.version)).toEqual(["resnet@0.9.1"]);
    expect(within(chart).getByTestId("monitor-max").textContent).toBe("0.9");
    expect(within(chart).getByTestId("monitor-min").textContent).toBe("0.62");
    expect(within(card).getAllByTestId("monitor-rule").map((r) => r.textContent)).toEqual([
      expect.stringContaining("proposes a rollback"),
      expect.stringContaining("rolls back automatically"),
    ]);

    const items = within(card).getAllByTestId("proposal");
    expect(items.map((p) => p.dataset.status)).toEqual(["open", "dismissed"]);
    expect(items[0].textContent).toContain("resnet@0.9.0 → resnet@0.8.0");
    expect(within(items[0]).getByTestId("proposal-evidence").textContent).toContain("auc 0.62, auc 0.65");
    expect(within(items[1]).queryByTestId("proposal-accept")).toBeNull();

    fireEvent.click(within(items[0]).getByTestId("proposal-accept"));
    expect((await within(items[0]).findByTestId("proposal-error")).textContent).toContain("reason is required");
    expect(calls.some((c) => c.op === "decide_proposal")).toBe(false);

    const loads = calls.filter((c) => c.op === "deployments").length;
    fireEvent.change(within(items[0]).getByTestId("proposal-reason"), { target: { value: "auc dropped below 0.7" } });
    fireEvent.click(within(items[0]).getByTestId("proposal-accept"));
    await waitFor(() => expect(calls.some((c) => c.op === "decide_proposal")).toBe(true));
    expect(calls.find((c) => c.op === "decide_proposal")!.req).toEqual({ proposal: "7", accept: true, reason: "auc dropped below 0.7" });
    // The whole view reloads: the timeline and the monitoring.
    await waitFor(() => expect(screen.getAllByTestId("proposal")[0].dataset.status).toBe("executed"));
    expect(calls.filter((c) => c.op === "deployments").length).toBeGreaterThan(loads);
    expect(screen.getAllByTestId("proposal")[0].textContent).toContain("rolled back: auc dropped below 0.7");
  });

  it("tells how to import snapshots when there are none, and switches the metric", async () => {
    const { backend, calls } = stubBackend({
      ...base,
      monitor_overview: (req) => ({ ...overview([]), env: req.env, metric: req.metric ?? "auc", series: [] }),
    });
    wrap(backend, <DeploymentsView />);
    const card = await screen.findByTestId("monitor-card");
    expect((await within(card).findByTestId("monitor-empty")).textContent).toContain("pedigree monitor import FILE");
    expect(within(card).queryByTestId("monitor-chart")).toBeNull();
    fireEvent.change(within(card).getByTestId("monitor-metric"), { target: { value: "drift_psi" } });
    await waitFor(() => expect(calls.filter((c) => c.op === "monitor_overview").at(-1)!.req).toEqual({ env: "prod", metric: "drift_psi", limit: null }));
    fireEvent.change(within(card).getByTestId("monitor-env"), { target: { value: "staging" } });
    await waitFor(() => expect(calls.filter((c) => c.op === "monitor_overview").at(-1)!.req).toEqual({ env: "staging", metric: null, limit: null }));
  });
});

describe("recovery drill", () => {
  it("lists the latest drill per environment and runs one for all", async () => {
    let drilled = false;
    const { backend, calls } = stubBackend({
      ...base,
      drills: () => ({ drills: drilled ? [drill(), drill({ env: "staging", production: false, ok: true, checks: [] })] : [drill()], ok: false }),
      drill: () => {
        drilled = true;
        return { drills: [drill()], ok: false };
      },
    });
    wrap(backend, <DeploymentsView />);
    const card = await screen.findByTestId("drill-card");
    const latest = await within(card).findByTestId("drill-latest");
    expect(latest.textContent).toContain("FAILED");
    expect(latest.textContent).toContain("resnet@0.8.0");
    expect(latest.textContent).toContain("lacks a validator approval");
    fireEvent.click(within(card).getByTestId("drill-run"));
    const result = await within(card).findByTestId("drill-result");
    expect(calls.find((c) => c.op === "drill")!.req).toEqual({ env: null });
    expect(within(result).getAllByTestId("drill-check").map((c) => c.textContent)).toEqual([
      expect.stringContaining("bytes ok"),
      expect.stringContaining("approvals FAIL"),
    ]);
    await waitFor(() => expect(within(card).getAllByTestId("drill-latest")).toHaveLength(2));
  });
});
