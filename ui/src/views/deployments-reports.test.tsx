import { describe, expect, it } from "vitest";
import { act, fireEvent, screen, waitFor, within } from "@testing-library/react";
import { stubBackend } from "../test/stub-backend";
import { app, wrap } from "../test/render";
import { DeploymentsView, localToRfc3339 } from "./Deployments";
import { ReportsView } from "./Reports";
import type { Deployment, Erasure, ReportBundle, VersionSummary } from "../backend/generated/api";

const dep = (over: Partial<Deployment>): Deployment => ({
  id: 1, env: "staging", model: "resnet", version: "1.0.0", strategy: "full", role: "primary", traffic: 100,
  startedAt: "2026-11-27T10:00:00.000Z", endedAt: null, reason: "release", rollbackOf: null, createdBy: "alice", auditSeq: 1,
  carrier: null, recordedFrom: null, ...over,
});

// Newest first, as the engine answers: staging had 1.0.0, then a 20 % canary of 1.1.0, then a rollback.
const history: Deployment[] = [
  dep({ id: 4, startedAt: "2026-11-27T12:00:00.000Z", reason: "canary errors", rollbackOf: 3 }),
  dep({ id: 3, version: "1.1.0", strategy: "canary", role: "canary", traffic: 20, startedAt: "2026-11-27T11:00:00.000Z", endedAt: "2026-11-27T12:00:00.000Z" }),
  dep({ id: 2, traffic: 80, startedAt: "2026-11-27T11:00:00.000Z", endedAt: "2026-11-27T12:00:00.000Z" }),
  dep({ id: 1, endedAt: "2026-11-27T11:00:00.000Z" }),
  dep({ id: 5, env: "prod", version: "0.9.0", startedAt: "2026-11-26T09:00:00.000Z" }),
];

describe("deployments view", () => {
  it("explains deployments when there are none", async () => {
    const { backend } = stubBackend({ deployments: () => ({ environments: [], deployments: [] }) });
    wrap(backend, <DeploymentsView />);
    expect((await screen.findByTestId("deployments-empty")).textContent).toContain("Nothing deployed yet");
    expect(screen.queryByTestId("env-card")).toBeNull();
  });

  it("lists environments with a timeline and history, and rolls back with a reason", async () => {
    let rows = history;
    const { backend, calls } = stubBackend({
      deployments: () => ({ environments: [{ name: "prod", production: true }, { name: "staging", production: false }], deployments: rows }),
      rollback_env: (req) => {
        const back = dep({ id: 6, version: "0.8.0", startedAt: "2026-11-27T13:00:00.000Z", reason: req.reason, rollbackOf: 5, env: "prod" });
        rows = [back, ...rows.map((d) => (d.id === 5 ? { ...d, endedAt: back.startedAt } : d))];
        return [back];
      },
    });
    wrap(backend, <DeploymentsView />);
    const cards = await screen.findAllByTestId("env-card");
    // Production first.
    expect(cards.map((c) => c.getAttribute("data-env"))).toEqual(["prod", "staging"]);
    expect(within(cards[0]).getByTestId("env-production")).toBeTruthy();
    expect(within(cards[1]).queryByTestId("env-production")).toBeNull();
    expect(within(cards[1]).getByTestId("env-current").textContent).toBe("now: resnet@1.0.0 100 %");

    const staging = cards[1];
    const lanes = within(staging).getAllByTestId("timeline-lane").map((l) => l.getAttribute("data-version"));
    expect(lanes).toEqual(["resnet@1.0.0", "resnet@1.1.0"]);
    const bars = within(staging).getAllByTestId("timeline-bar").map((b) => b.textContent);
    expect(bars).toEqual(expect.arrayContaining(["100%", "80%", "20%", "↺ 100%"]));
    const list = within(staging).getAllByTestId("deploy-row");
    expect(list).toHaveLength(4);
    expect(within(list[0]).getByTestId("deploy-rollback-mark")).toBeTruthy();
    expect(list[0].getAttribute("data-active")).toBe("true");
    expect(list[1].textContent).toContain("canary");
    expect(list[1].textContent).toContain("20 %");

    // Rollback: a reason is required, then rollback_env and a reload.
    fireEvent.click(within(cards[0]).getByTestId("env-rollback"));
    fireEvent.click(within(cards[0]).getByTestId("env-rollback-submit"));
    expect((await within(cards[0]).findByTestId("env-rollback-error")).textContent).toContain("reason is required");
    expect(calls.some((c) => c.op === "rollback_env")).toBe(false);
    fireEvent.change(within(cards[0]).getByTestId("env-rollback-reason"), { target: { value: "latency regression" } });
    fireEvent.click(within(cards[0]).getByTestId("env-rollback-submit"));
    await waitFor(() => expect(calls.some((c) => c.op === "rollback_env")).toBe(true));
    expect(calls.find((c) => c.op === "rollback_env")!.req).toEqual({ env: "prod", reason: "latency regression" });
    await waitFor(() => expect(within(screen.getAllByTestId("env-card")[0]).getByTestId("env-current").textContent).toBe("now: resnet@0.8.0 100 %"));
    expect(within(screen.getAllByTestId("env-card")[0]).getAllByTestId("deploy-rollback-mark")).toHaveLength(1);
  });

  it("answers what served at a given time", async () => {
    const { backend, calls } = stubBackend({
      deployments: () => ({ environments: [{ name: "staging", production: false }], deployments: history.filter((d) => d.env === "staging") }),
      serving_at: (req) => ({
        env: req.env,
        at: req.at ?? "2026-11-27T13:00:00.000Z",
        deployments: req.at ? [history[2], history[1]] : [history[0]],
      }),
    });
    wrap(backend, <DeploymentsView />);
    const card = await screen.findByTestId("env-card");
    fireEvent.click(within(card).getByTestId("serving-at-submit"));
    expect((await within(card).findByTestId("serving-at-result")).textContent).toContain("resnet@1.0.0 100 %");
    expect(calls.find((c) => c.op === "serving_at")!.req).toEqual({ env: "staging", at: null });

    fireEvent.change(within(card).getByTestId("serving-at-input"), { target: { value: "2026-11-27T11:30:00" } });
    fireEvent.click(within(card).getByTestId("serving-at-submit"));
    await waitFor(() => expect(within(card).getByTestId("serving-at-result").textContent).toContain("resnet@1.1.0 20 % canary"));
    expect(calls.filter((c) => c.op === "serving_at").at(-1)!.req).toEqual({ env: "staging", at: new Date("2026-11-27T11:30:00").toISOString() });
    expect(localToRfc3339("")).toBeNull();
  });
  it("marks an environment as production after confirming, and shows a refusal inline", async () => {
    let envs = [{ name: "staging", production: false }];
    let refuse = false;
    const { backend, calls } = stubBackend({
      deployments: () => ({ environments: envs, deployments: history.filter((d) => d.env === "staging") }),
      set_environment: (req) => {
        if (refuse) throw { code: "conflict", message: "only an admin may change environments" };
        envs = [{ name: req.name, production: req.production }];
        return envs[0];
      },
    });
    wrap(backend, <DeploymentsView />);
    const card = await screen.findByTestId("env-card");
    expect(within(card).queryByTestId("env-production")).toBeNull();
    expect(within(card).queryByTestId("env-production-save")).toBeNull();
    fireEvent.click(within(card).getByTestId("env-production-toggle"));
    fireEvent.click(within(card).getByTestId("env-production-save"));
    await waitFor(() => expect(calls.find((c) => c.op === "set_environment")?.req).toEqual({ name: "staging", production: true }));
    expect(await within(screen.getByTestId("env-card")).findByTestId("env-production")).toBeTruthy();
    expect(calls.filter((c) => c.op === "deployments").length).toBeGreaterThanOrEqual(2);
    expect((within(screen.getByTestId("env-card")).getByTestId("env-production-toggle") as HTMLInputElement).checked).toBe(true);
    expect(within(screen.getByTestId("env-card")).queryByTestId("env-production-save")).toBeNull();

    refuse = true;
    fireEvent.click(within(screen.getByTestId("env-card")).getByTestId("env-production-toggle"));
    fireEvent.click(within(screen.getByTestId("env-card")).getByTestId("env-production-save"));
    expect((await screen.findByTestId("env-production-error")).textContent).toContain("only an admin");
    expect(calls.filter((c) => c.op === "set_environment").at(-1)!.req).toEqual({ name: "staging", production: false });
    expect(screen.getByTestId("env-production")).toBeTruthy();
  });
});

const versionSummary = (version: string): VersionSummary => ({
  model: "resnet", version, status: "draft", format: "safetensors", rootDigest: "cd".repeat(32), fileCount: 2, totalSize: 4096,
  bump: "minor", metrics: {}, message: "", createdBy: "alice", createdAt: "2026-11-27T10:00:00Z",
});

const bundle: ReportBundle = {
  dir: "/ws/reports/resnet-1.1.0-20261127T100000Z",
  name: "resnet-1.1.0-20261127T100000Z",
  pdfA: true,
  files: [
    { path: "report.pdf", size: 48213, sha256: "0123456789abcdef".repeat(4) },
    { path: "report.json", size: 5120, sha256: "fedcba9876543210".repeat(4) },
    { path: "evidence/audit.jsonl", size: 900, sha256: "aa".repeat(32) },
  ],
};

const reportHandlers = {
  list_models: () => ({
    models: [{ name: "resnet", description: "", owner: null, versionCount: 2, latestVersion: "1.1.0", latestAt: null, createdBy: "alice", createdAt: "2026-11-27T10:00:00Z" }],
    nextAfter: null,
  }),
  list_versions: () => ({ model: "resnet", total: 2, versions: [versionSummary("1.1.0"), versionSummary("1.0.0")], lines: [] }),
  erasures: () => ({ requests: [] as Erasure[] }),
};

describe("reports view", () => {
  it("picks a version with the model and version selects", async () => {
    window.location.hash = "#/reports";
    const { backend } = stubBackend(reportHandlers);
    wrap(backend, <ReportsView reference="" />);
    expect(await screen.findByTestId("reports-pick")).toBeTruthy();
    await screen.findByRole("option", { name: "resnet" });
    fireEvent.change(screen.getByTestId("reports-model"), { target: { value: "resnet" } });
    await screen.findByRole("option", { name: "1.0.0 · draft" });
    fireEvent.change(screen.getByTestId("reports-version"), { target: { value: "1.0.0" } });
    expect(window.location.hash).toBe("#/reports/resnet@1.0.0");
  });

  it("previews the report in a sandboxed iframe (srcDoc, no scripts)", async () => {
    const html = "<!doctype html><html><body><h1>Identity and version</h1><p>cdcd</p><script>alert(1)</script></body></html>";
    const { backend, calls } = stubBackend({ ...reportHandlers, report_preview: () => ({ html }) });
    wrap(backend, <ReportsView reference="resnet@1.1.0" />);
    fireEvent.click(await screen.findByTestId("report-preview-button"));
    const frame = (await screen.findByTestId("report-preview")) as HTMLIFrameElement;
    expect(frame.tagName).toBe("IFRAME");
    expect(frame.getAttribute("sandbox")).toBe("");
    expect(frame.getAttribute("srcdoc")).toBe(html);
    expect(frame.getAttribute("src")).toBeNull();
    expect(calls.find((c) => c.op === "report_preview")!.req).toEqual({ reference: "resnet@1.1.0" });
  });

  it("exports the bundle with progress, lists its files with download links, and shows a failing verification", async () => {
    let finish: (b: ReportBundle) => void = () => {};
    const { backend, calls } = stubBackend({
      ...reportHandlers,
      build_report: () => new Promise<ReportBundle>((res) => (finish = res)),
      verify_bundle: () => ({
        ok: false,
        fingerprint: "9f".repeat(32),
        checks: [
          { name: "manifest digests", ok: true, detail: "3 files match" },
          { name: "signature", ok: false, detail: "report.json was modified after signing" },
        ],
      }),
    });
    const state = app({ progress: { task: "report", done: 2, total: 5, unit: "files", detail: "rendering the PDF" } });
    wrap(backend, <ReportsView reference="resnet@1.1.0" />, state);
    fireEvent.click(await screen.findByTestId("report-export"));
    expect((await screen.findByTestId("report-progress")).textContent).toContain("rendering the PDF");
    expect(calls.find((c) => c.op === "build_report")!.req).toEqual({ reference: "resnet@1.1.0", outDir: null });
    await act(async () => finish(bundle));

    const files = await screen.findAllByTestId("report-file");
    expect(files.map((f) => f.getAttribute("data-path"))).toEqual(["report.pdf", "report.json", "evidence/audit.jsonl"]);
    expect(files[0].textContent).toContain("47.1 KiB");
    expect(files[0].textContent).toContain("0123456789abcdef…");
    const link = within(files[2]).getByTestId("report-download") as HTMLAnchorElement;
    expect(link.getAttribute("href")).toBe("/api/reports/resnet-1.1.0-20261127T100000Z/evidence/audit.jsonl");
    expect(link.getAttribute("download")).toBe("audit.jsonl");
    expect(screen.getByTestId("report-dir").textContent).toBe(bundle.dir);
    expect(screen.getByTestId("report-pdfa").textContent).toBe("PDF/A");
    expect(screen.queryByTestId("report-progress")).toBeNull();

    fireEvent.click(screen.getByTestId("report-verify"));
    const result = await screen.findByTestId("report-verify-result");
    expect(calls.find((c) => c.op === "verify_bundle")!.req).toEqual({ dir: bundle.dir, key: null });
    expect(within(result).getByTestId("report-fingerprint").textContent).toContain("9f".repeat(32));
    expect(result.textContent).toContain("1 check failed");
    const checks = within(result).getAllByTestId("report-check");
    expect(checks.map((c) => c.getAttribute("data-ok"))).toEqual(["true", "false"]);
    expect(checks[0].textContent).toContain("✓");
    expect(checks[1].textContent).toBe("✗ signature — report.json was modified after signing");
  });

  it("shows an unknown report op as an error, not a crash", async () => {
    const { backend } = stubBackend({ ...reportHandlers, build_report: () => Promise.reject({ code: "not_found", message: 'unknown operation "build_report"' }) });
    wrap(backend, <ReportsView reference="resnet@1.1.0" />);
    fireEvent.click(await screen.findByTestId("report-export"));
    expect((await screen.findByTestId("reports-error")).textContent).toContain("unknown operation");
    expect(screen.queryByTestId("report-bundle")).toBeNull();
  });

  it("lists erasure requests with open and resolved impacts", async () => {
    const request: Erasure = {
      id: 2, dataset: "dataset:imagenet-mini@2", subjectHash: "ab".repeat(32), reason: "GDPR art. 17", status: "open",
      createdBy: "dpo@acme", createdAt: "2026-11-27T10:00:00Z", auditSeq: 9,
      impacts: [
        { node: "version:resnet@1.1.0", kind: "version", resolution: null, resolutionRef: null, resolvedBy: null, resolvedAt: null },
        { node: "version:resnet@2.0.0", kind: "version", resolution: "retrained", resolutionRef: "resnet@2.1.0", resolvedBy: "alice", resolvedAt: "2026-11-27T12:00:00Z" },
        { node: "deployment:staging", kind: "deployment", resolution: null, resolutionRef: null, resolvedBy: null, resolvedAt: null },
      ],
    };
    const { backend } = stubBackend({ ...reportHandlers, erasures: () => ({ requests: [request] }) });
    wrap(backend, <ReportsView reference="" />);
    const row = await screen.findByTestId("erasure-row");
    expect(row.textContent).toContain("#2 on dataset imagenet-mini@2");
    expect(row.textContent).toContain("2 of 3 impacts open");
    const impacts = within(row).getAllByTestId("erasure-impact");
    expect(impacts.map((i) => i.getAttribute("data-state"))).toEqual(["open", "resolved", "open"]);
    expect(impacts[0].textContent).toContain("open — tainted");
    expect(impacts[1].textContent).toContain("retrained as resnet@2.1.0");
    expect(impacts[2].textContent).toContain("staging (deployment)");
  });
});

const openRequest = (over: Partial<Erasure> = {}): Erasure => ({
  id: 2, dataset: "dataset:imagenet-mini@2", subjectHash: "ab".repeat(32), reason: "GDPR art. 17", status: "open",
  createdBy: "dpo@acme", createdAt: "2026-11-27T10:00:00Z", auditSeq: 9,
  impacts: [
    { node: "version:resnet@1.1.0", kind: "version", resolution: null, resolutionRef: null, resolvedBy: null, resolvedAt: null },
    { node: "deployment:staging", kind: "deployment", resolution: null, resolutionRef: null, resolvedBy: null, resolvedAt: null },
  ],
  ...over,
});

describe("erasure requests", () => {
  it("records a request with dataset, subject hash and reason, shows its impacts and refreshes the list", async () => {
    let requests: Erasure[] = [];
    const { backend, calls } = stubBackend({
      ...reportHandlers,
      erasures: () => ({ requests }),
      erase_subject: (req) => {
        const r = openRequest({ dataset: `dataset:${req.dataset}`, subjectHash: req.subjectHash, reason: req.reason });
        requests = [r];
        return r;
      },
    });
    wrap(backend, <ReportsView reference="" />);
    const form = await screen.findByTestId("erasure-form");
    expect(form.textContent).toContain("never the identifier");
    await screen.findByTestId("erasures-empty");
    // Validation first: no call without a hex hash.
    fireEvent.change(screen.getByTestId("erasure-dataset"), { target: { value: "imagenet-mini@2" } });
    fireEvent.change(screen.getByTestId("erasure-subject"), { target: { value: "alice@example.com" } });
    fireEvent.change(screen.getByTestId("erasure-reason"), { target: { value: "GDPR art. 17" } });
    fireEvent.click(screen.getByTestId("erasure-submit"));
    expect((await screen.findByTestId("erasure-error")).textContent).toContain("hexadecimal");
    expect(calls.some((c) => c.op === "erase_subject")).toBe(false);

    fireEvent.change(screen.getByTestId("erasure-subject"), { target: { value: "AB".repeat(32) } });
    fireEvent.click(screen.getByTestId("erasure-submit"));
    expect((await screen.findByTestId("erasure-created")).textContent).toContain("Request #2 recorded on imagenet-mini@2: 2 impacts — resnet@1.1.0, staging (deployment)");
    expect(calls.find((c) => c.op === "erase_subject")!.req).toEqual({ dataset: "imagenet-mini@2", subjectHash: "ab".repeat(32), reason: "GDPR art. 17" });
    expect(screen.queryByTestId("erasure-error")).toBeNull();
    const row = await screen.findByTestId("erasure-row");
    expect(row.textContent).toContain("2 of 2 impacts open");
    // Only the open version impact can be resolved here.
    expect(within(row).getAllByTestId("erasure-resolve").map((r) => r.getAttribute("data-node"))).toEqual(["version:resnet@1.1.0"]);
  });

  it("shows the API's refusal of a request inline", async () => {
    const { backend } = stubBackend({
      ...reportHandlers,
      erase_subject: () => Promise.reject({ code: "not_found", message: 'dataset "nope@1" not found' }),
    });
    wrap(backend, <ReportsView reference="" />);
    await screen.findByTestId("erasures-empty");
    fireEvent.change(screen.getByTestId("erasure-dataset"), { target: { value: "nope@1" } });
    fireEvent.change(screen.getByTestId("erasure-subject"), { target: { value: "cd".repeat(32) } });
    fireEvent.change(screen.getByTestId("erasure-reason"), { target: { value: "request" } });
    fireEvent.click(screen.getByTestId("erasure-submit"));
    expect((await screen.findByTestId("erasure-error")).textContent).toContain('dataset "nope@1" not found');
    expect(screen.queryByTestId("erasure-created")).toBeNull();
  });

  it("resolves an impacted version as retrained, or under an exception, and shows a refusal", async () => {
    let request = openRequest();
    let refuse = false;
    const { backend, calls } = stubBackend({
      ...reportHandlers,
      erasures: () => ({ requests: [request] }),
      resolve_erasure: (req) => {
        if (refuse) throw { code: "invalid_input", message: "resnet@9.9.9 is not registered" };
        request = {
          ...request,
          impacts: request.impacts.map((i) =>
            i.node === `version:${req.reference}`
              ? { ...i, resolution: req.retrainedAs ? "retrained" : "exception", resolutionRef: req.retrainedAs ?? req.exception, resolvedBy: "dpo@acme", resolvedAt: "2026-11-27T12:00:00Z" }
              : i,
          ),
        };
        return request;
      },
    });
    wrap(backend, <ReportsView reference="" />);
    const resolve = await screen.findByTestId("erasure-resolve");
    expect(resolve.getAttribute("data-node")).toBe("version:resnet@1.1.0");

    // Retrained: a MODEL@VERSION is required, the API's refusal shows inline.
    fireEvent.click(within(resolve).getByTestId("erasure-resolve-submit"));
    expect((await within(resolve).findByTestId("erasure-resolve-error")).textContent).toContain("MODEL@VERSION");
    refuse = true;
    fireEvent.change(within(resolve).getByTestId("erasure-resolve-ref"), { target: { value: "resnet@9.9.9" } });
    fireEvent.click(within(resolve).getByTestId("erasure-resolve-submit"));
    await waitFor(() => expect(within(resolve).getByTestId("erasure-resolve-error").textContent).toContain("is not registered"));
    expect(calls.find((c) => c.op === "resolve_erasure")!.req).toEqual({ id: 2, reference: "resnet@1.1.0", retrainedAs: "resnet@9.9.9", exception: null });

    // Exception with a justification: sent, then the list is reloaded and the impact is resolved.
    refuse = false;
    fireEvent.change(within(resolve).getByTestId("erasure-resolve-mode"), { target: { value: "exception" } });
    fireEvent.change(within(resolve).getByTestId("erasure-resolve-ref"), { target: { value: "legal hold" } });
    fireEvent.click(within(resolve).getByTestId("erasure-resolve-submit"));
    await waitFor(() => expect(screen.queryByTestId("erasure-resolve")).toBeNull());
    expect(calls.filter((c) => c.op === "resolve_erasure").at(-1)!.req).toEqual({ id: 2, reference: "resnet@1.1.0", retrainedAs: null, exception: "legal hold" });
    const impacts = screen.getAllByTestId("erasure-impact");
    expect(impacts[0].getAttribute("data-state")).toBe("resolved");
    expect(impacts[0].textContent).toContain("exception (legal hold)");
  });

  it("sends retrainedAs for a retrained version", async () => {
    const { backend, calls } = stubBackend({
      ...reportHandlers,
      erasures: () => ({ requests: [openRequest()] }),
      resolve_erasure: () => openRequest({ status: "open" }),
    });
    wrap(backend, <ReportsView reference="" />);
    const resolve = await screen.findByTestId("erasure-resolve");
    fireEvent.change(within(resolve).getByTestId("erasure-resolve-ref"), { target: { value: " resnet@1.2.0 " } });
    fireEvent.click(within(resolve).getByTestId("erasure-resolve-submit"));
    await waitFor(() => expect(calls.some((c) => c.op === "resolve_erasure")).toBe(true));
    expect(calls.find((c) => c.op === "resolve_erasure")!.req).toEqual({ id: 2, reference: "resnet@1.1.0", retrainedAs: "resnet@1.2.0", exception: null });
    await waitFor(() => expect(calls.filter((c) => c.op === "erasures").length).toBeGreaterThanOrEqual(2));
  });
});
