import { describe, expect, it } from "vitest";
import { fireEvent, screen, waitFor, within } from "@testing-library/react";
import { stubBackend } from "../test/stub-backend";
import { renderWithBackend } from "../test/render";
import { GovernancePanel } from "./Governance";
import { TaintedBanner } from "./governance/TaintedBanner";
import { baselineText, gateText } from "./governance/rules";
import { useGovernance } from "./governance/useGovernance";
import { VersionView } from "./Version";
import type { Approval, Deployment, Erasure, Evaluation, VersionGovernance } from "../backend/generated/api";

function Gov({ reference }: { reference: string }) {
  const g = useGovernance(reference);
  return (
    <>
      <TaintedBanner gov={g.gov} />
      <GovernancePanel reference={reference} model="resnet" datasets={["imagenet-mini@2"]} governance={g} />
    </>
  );
}

function wrap(backend: ReturnType<typeof stubBackend>["backend"], reference = "resnet@1.1.0") {
  return renderWithBackend(backend, <Gov reference={reference} />);
}

const approval = (over: Partial<Approval> = {}): Approval => ({
  actor: "checker@acme", role: "validator", decision: "approved", justification: "holdout ok", createdAt: "2026-11-27T10:00:00Z", auditSeq: 40, ...over,
});

const evaluation = (over: Partial<Evaluation> = {}): Evaluation => ({
  dataset: "dataset:imagenet-mini@2", metric: "accuracy", slice: "", value: 0.85, threshold: ">= 0.9", passed: false,
  baselineVersion: "resnet@1.0.0", baseline: 0.8, vsBaseline: "better", createdBy: "alice", createdAt: "2026-11-27T10:00:00Z", auditSeq: 41, ...over,
});

const deployment = (over: Partial<Deployment> = {}): Deployment => ({
  id: 1, env: "staging", model: "resnet", version: "1.1.0", strategy: "full", role: "primary", traffic: 100,
  startedAt: "2026-11-27T10:00:00Z", endedAt: null, reason: "release", rollbackOf: null, createdBy: "alice", auditSeq: 42,
  carrier: null, recordedFrom: null, ...over,
});

const erasure = (over: Partial<Erasure> = {}): Erasure => ({
  id: 3, dataset: "dataset:imagenet-mini@2", subjectHash: "ab".repeat(32), reason: "GDPR art. 17 request", status: "open",
  createdBy: "dpo@acme", createdAt: "2026-11-27T11:00:00Z", auditSeq: 50,
  impacts: [{ node: "version:resnet@1.1.0", kind: "version", resolution: null, resolutionRef: null, resolvedBy: null, resolvedAt: null }], ...over,
});

const governance = (over: Partial<VersionGovernance> = {}): VersionGovernance => ({
  reference: "resnet@1.1.0", status: "draft", createdBy: "maker@acme",
  gate: { required: ["validator"], approved: [], missing: ["validator"], rejected: [], ok: false },
  approvals: [], evaluations: [], deployments: [], taintedBy: [], ...over,
});

const timeline = { environments: [{ name: "staging", production: false }, { name: "live", production: true }], deployments: [] };

describe("governance on the version page", () => {
  it("shows the status, the gate, evaluations with pass/FAIL and the baseline, and deployments", async () => {
    const { backend } = stubBackend({
      version_governance: () =>
        governance({
          evaluations: [evaluation(), evaluation({ slice: "age=65+", value: 0.7, threshold: null, passed: null, baseline: null, baselineVersion: null, vsBaseline: null })],
          deployments: [deployment(), deployment({ id: 2, env: "canary-env", role: "canary", traffic: 20, endedAt: "2026-11-27T12:00:00Z", rollbackOf: null })],
        }),
      deployments: () => timeline,
    });
    wrap(backend);
    expect((await screen.findByTestId("gov-status")).textContent).toBe("draft");
    expect(screen.getByTestId("gov-gate").textContent).toContain("needs validator approval");
    const rows = screen.getAllByTestId("gov-eval-row");
    expect(rows).toHaveLength(2);
    expect(within(rows[0]).getByTestId("gov-eval-result").textContent).toBe("FAIL");
    expect(within(rows[0]).getByTestId("gov-eval-baseline").textContent).toBe("better than 1.0.0 (0.8)");
    expect(rows[0].textContent).toContain("imagenet-mini@2");
    expect(rows[0].textContent).toContain("all");
    expect(rows[1].textContent).toContain("age=65+");
    expect(within(rows[1]).getByTestId("gov-eval-result").textContent).toBe("–");
    const deps = screen.getAllByTestId("gov-deploy-row");
    expect(deps.map((d) => d.getAttribute("data-env"))).toEqual(["staging", "canary-env"]);
    expect(deps[0].textContent).toContain("100 %");
    expect(deps[0].textContent).toContain("serving");
    expect(deps[1].textContent).toContain("20 %");
    expect(screen.queryByTestId("gov-tainted")).toBeNull();
  });

  it("sends the approve request and shows the maker ≠ checker refusal in the form", async () => {
    const refusal = "maker@acme registered resnet@1.1.0 and cannot also approve it (maker ≠ checker): another person must decide";
    const { backend, calls } = stubBackend({
      version_governance: () => governance(),
      deployments: () => timeline,
      approve_version: () => Promise.reject({ code: "conflict", message: refusal }),
    });
    wrap(backend);
    await screen.findByTestId("gov-approve-form");
    // A justification is required: nothing is sent without one.
    fireEvent.click(screen.getByTestId("gov-approve-submit"));
    expect((await screen.findByTestId("gov-approve-error")).textContent).toContain("justification is required");
    expect(calls.some((c) => c.op === "approve_version")).toBe(false);

    fireEvent.change(screen.getByTestId("gov-approve-role"), { target: { value: "risk" } });
    fireEvent.change(screen.getByTestId("gov-approve-decision"), { target: { value: "rejected" } });
    expect(screen.getByTestId("gov-approve-submit").textContent).toBe("Reject");
    fireEvent.change(screen.getByTestId("gov-approve-justification"), { target: { value: "  bias on age=65+  " } });
    fireEvent.click(screen.getByTestId("gov-approve-submit"));
    await waitFor(() => expect(screen.getByTestId("gov-approve-error").textContent).toBe(refusal));
    expect(calls.find((c) => c.op === "approve_version")!.req).toEqual({
      reference: "resnet@1.1.0", decision: "rejected", role: "risk", justification: "bias on age=65+",
    });
  });

  it("reloads after an approval and names who approved", async () => {
    let approvals: Approval[] = [];
    const { backend, calls } = stubBackend({
      version_governance: () =>
        governance({
          approvals,
          gate: approvals.length
            ? { required: ["validator"], approved: ["validator"], missing: [], rejected: [], ok: true }
            : { required: ["validator"], approved: [], missing: ["validator"], rejected: [], ok: false },
        }),
      deployments: () => timeline,
      approve_version: (req) => {
        approvals = [approval({ role: req.role, justification: req.justification })];
        return { required: ["validator"], approved: ["validator"], missing: [], rejected: [], ok: true };
      },
    });
    wrap(backend);
    fireEvent.change(await screen.findByTestId("gov-approve-justification"), { target: { value: "holdout ok" } });
    fireEvent.click(screen.getByTestId("gov-approve-submit"));
    await waitFor(() => expect(screen.getByTestId("gov-gate").textContent).toContain("approved by checker@acme (validator)"));
    const row = screen.getByTestId("gov-approval-row");
    expect(row.textContent).toContain("checker@acme");
    expect(row.textContent).toContain("holdout ok");
    expect(calls.filter((c) => c.op === "version_governance")).toHaveLength(2);
    expect((screen.getByTestId("gov-approve-justification") as HTMLInputElement).value).toBe("");
  });

  it("promotes with a reason and shows the gate's refusal", async () => {
    const { backend, calls } = stubBackend({
      version_governance: () => governance({ status: "candidate" }),
      deployments: () => timeline,
      promote_version: () => Promise.reject({ code: "conflict", message: "resnet@1.1.0 lacks approvals from validator (policy: validator)" }),
    });
    wrap(backend);
    await screen.findByTestId("gov-promote-form");
    expect((screen.getByTestId("gov-promote-status") as HTMLSelectElement).value).toBe("approved");
    fireEvent.change(screen.getByTestId("gov-promote-reason"), { target: { value: "passed validation" } });
    fireEvent.click(screen.getByTestId("gov-promote-submit"));
    expect((await screen.findByTestId("gov-promote-error")).textContent).toContain("lacks approvals from validator");
    expect(calls.find((c) => c.op === "promote_version")!.req).toEqual({ reference: "resnet@1.1.0", status: "approved", reason: "passed validation" });
  });

  it("adds an evaluation with optional slice and threshold", async () => {
    const { backend, calls } = stubBackend({
      version_governance: () => governance(),
      deployments: () => timeline,
      evaluate_version: () => ({ evaluations: [evaluation()], passed: false }),
    });
    wrap(backend);
    expect(((await screen.findByTestId("gov-eval-dataset")) as HTMLInputElement).value).toBe("imagenet-mini@2");
    fireEvent.change(screen.getByTestId("gov-eval-metric"), { target: { value: "accuracy" } });
    fireEvent.change(screen.getByTestId("gov-eval-value"), { target: { value: "abc" } });
    fireEvent.click(screen.getByTestId("gov-eval-submit"));
    expect((await screen.findByTestId("gov-eval-error")).textContent).toContain("a number");
    fireEvent.change(screen.getByTestId("gov-eval-value"), { target: { value: "0.85" } });
    fireEvent.change(screen.getByTestId("gov-eval-threshold"), { target: { value: ">= 0.9" } });
    fireEvent.click(screen.getByTestId("gov-eval-submit"));
    await waitFor(() => expect(calls.some((c) => c.op === "evaluate_version")).toBe(true));
    expect(calls.find((c) => c.op === "evaluate_version")!.req).toEqual({
      reference: "resnet@1.1.0", dataset: "imagenet-mini@2", metrics: [{ metric: "accuracy", value: 0.85, slice: null, threshold: ">= 0.9" }],
    });
  });

  it("a canary needs a traffic share; deploy errors show in the form", async () => {
    const { backend, calls } = stubBackend({
      version_governance: () => governance(),
      deployments: () => timeline,
      deploy_version: (req) =>
        req.env === "live"
          ? Promise.reject({ code: "conflict", message: "live is a production environment: resnet@1.1.0 lacks approvals from validator" })
          : [deployment({ id: 5, version: "1.0.0", traffic: 80 }), deployment({ id: 6, role: "canary", strategy: "canary", traffic: 20 })],
    });
    wrap(backend);
    fireEvent.change(await screen.findByTestId("gov-deploy-env"), { target: { value: "staging" } });
    expect(screen.queryByTestId("gov-deploy-traffic")).toBeNull();
    fireEvent.change(screen.getByTestId("gov-deploy-strategy"), { target: { value: "canary" } });
    fireEvent.change(screen.getByTestId("gov-deploy-reason"), { target: { value: "try 1.1.0 on a share" } });
    fireEvent.click(screen.getByTestId("gov-deploy-submit"));
    expect((await screen.findByTestId("gov-deploy-error")).textContent).toContain("A canary needs a traffic share");
    expect(calls.some((c) => c.op === "deploy_version")).toBe(false);
    fireEvent.change(screen.getByTestId("gov-deploy-traffic"), { target: { value: "120" } });
    fireEvent.click(screen.getByTestId("gov-deploy-submit"));
    expect(calls.some((c) => c.op === "deploy_version")).toBe(false);

    fireEvent.change(screen.getByTestId("gov-deploy-traffic"), { target: { value: "20" } });
    fireEvent.click(screen.getByTestId("gov-deploy-submit"));
    expect((await screen.findByTestId("gov-deploy-ok")).textContent).toBe("staging now serves resnet@1.0.0 80 %, resnet@1.1.0 20 %");
    expect(calls.find((c) => c.op === "deploy_version")!.req).toEqual({
      reference: "resnet@1.1.0", env: "staging", strategy: "canary", traffic: 20, reason: "try 1.1.0 on a share",
    });

    // A production environment (marked so): a hint before, the engine's refusal after.
    fireEvent.change(screen.getByTestId("gov-deploy-env"), { target: { value: "live" } });
    fireEvent.change(screen.getByTestId("gov-deploy-strategy"), { target: { value: "full" } });
    expect(screen.getByTestId("gov-deploy-prod-hint").textContent).toContain("live is a production environment");
    fireEvent.change(screen.getByTestId("gov-deploy-reason"), { target: { value: "release" } });
    fireEvent.click(screen.getByTestId("gov-deploy-submit"));
    expect((await screen.findByTestId("gov-deploy-error")).textContent).toContain("lacks approvals from validator");
    expect((calls.filter((c) => c.op === "deploy_version").at(-1)!.req as { traffic: number | null }).traffic).toBeNull();
  });

  it("warns when an open erasure request taints the version", async () => {
    const { backend } = stubBackend({
      version_governance: () => governance({ taintedBy: [erasure()] }),
      deployments: () => timeline,
    });
    wrap(backend);
    const banner = await screen.findByTestId("gov-tainted");
    expect(banner.textContent).toContain("Tainted by erasure request #3 on dataset imagenet-mini@2");
    expect(banner.textContent).toContain("GDPR art. 17 request");
  });
});

describe("governance text", () => {
  it("words the gate and the baseline", () => {
    const g = { required: ["risk", "validator"], approved: ["validator"], missing: ["risk"], rejected: [], ok: false };
    expect(gateText(g, [approval()])).toBe("needs risk approval (approved by checker@acme (validator))");
    expect(gateText({ ...g, rejected: ["risk"] }, [approval(), approval({ actor: "cro@acme", role: "risk", decision: "rejected" })])).toBe(
      "rejected by cro@acme (risk)",
    );
    expect(baselineText(evaluation({ vsBaseline: "worse", value: 0.7 }), "resnet")).toBe("worse than 1.0.0 (0.8)");
    expect(baselineText(evaluation({ vsBaseline: "same", value: 0.8 }), "resnet")).toBe("same as 1.0.0 (0.8)");
    expect(baselineText(evaluation({ vsBaseline: null, baseline: null }), "resnet")).toBe("");
  });
});

describe("version page", () => {
  it("shows governance, the taint warning, the live status and a link to the report", async () => {
    const record = {
      manifestDigest: "ef".repeat(32), weightsDigest: "ab".repeat(32), interface: { inputs: [], outputs: [], tensors: [], task: null }, sniffed: {},
      params: {}, environment: null, bumpReason: "new weights", auditSeq: 5, files: [], model: "resnet", version: "1.1.0", status: "draft",
      format: "onnx", rootDigest: "cd".repeat(32), fileCount: 0, totalSize: 0, bump: "minor", metrics: {}, message: "", createdBy: "maker@acme",
      createdAt: "2026-11-27T10:00:00Z", storage: "hardlink",
    };
    const { backend } = stubBackend({
      show_version: () => ({
        node: "version:resnet@1.1.0", version: record,
        upstream: [{ from: "version:resnet@1.1.0", to: "dataset:imagenet-mini@2", kind: "trained_on", relation: null }], downstream: [],
        aliases: ["champion"],
        bindings: [{ remote: "team", key: "resnet/4", state: "bound" }],
        annotations: { subject: "version:resnet@1.1.0", description: "", tags: { team: "vision" }, stage: "Production" },
        attachments: [],
      }),
      lineage: () => ({ focus: "version:resnet@1.1.0", nodes: [], edges: [] }),
      audit_log: () => ({ events: [], signedBy: [] }),
      team_list: () => ({ members: [], me: null }),
      version_governance: () => governance({ status: "approved", taintedBy: [erasure()] }),
      deployments: () => timeline,
    });
    renderWithBackend(backend, <VersionView reference="resnet@1.1.0" />);
    await screen.findByTestId("governance");
    expect(screen.getByTestId("version-status").textContent).toBe("approved");
    expect(screen.getByTestId("gov-tainted").textContent).toContain("Tainted by erasure request #3");
    expect(screen.getByTestId("version-report").getAttribute("href")).toBe("#/reports/resnet@1.1.0");
    expect((screen.getByTestId("gov-eval-dataset") as HTMLInputElement).value).toBe("imagenet-mini@2");
    expect(screen.getByTestId("version-storage").textContent).toContain("hard links to the registered files");
    expect(screen.getAllByTestId("alias").map((a) => a.getAttribute("data-alias"))).toEqual(["champion"]);
    expect(screen.getByTestId("version-bindings").textContent).toBe("team: resnet/4");
    expect(screen.getByTestId("tag").getAttribute("data-key")).toBe("team");
    expect((screen.getByTestId("stage") as HTMLSelectElement).value).toBe("Production");
  });
});

describe("approval policy on the version page", () => {
  it("lists the required roles, saves a new policy with set_policy and reloads the gate", async () => {
    let required = ["validator"];
    const { backend, calls } = stubBackend({
      version_governance: () => governance({ gate: { required, approved: [], missing: required, rejected: [], ok: false } }),
      deployments: () => timeline,
      set_policy: (req) => (required = req.requiredRoles),
    });
    wrap(backend);
    const policy = await screen.findByTestId("gov-policy");
    const boxes = within(policy).getAllByTestId("gov-policy-role") as HTMLInputElement[];
    expect(boxes.map((b) => [b.getAttribute("data-role"), b.checked])).toEqual([["validator", true], ["owner", false], ["risk", false]]);
    const save = within(policy).getByTestId("gov-policy-save") as HTMLButtonElement;
    expect(save.disabled).toBe(true);
    fireEvent.click(boxes[2]);
    expect(save.disabled).toBe(false);
    fireEvent.click(save);
    await waitFor(() => expect(calls.some((c) => c.op === "set_policy")).toBe(true));
    expect(calls.find((c) => c.op === "set_policy")!.req).toEqual({ model: "resnet", requiredRoles: ["validator", "risk"] });
    await waitFor(() => expect(screen.getByTestId("gov-gate").textContent).toContain("needs validator and risk approval"));
    expect(calls.filter((c) => c.op === "version_governance").length).toBe(2);
    expect((within(screen.getByTestId("gov-policy")).getByTestId("gov-policy-save") as HTMLButtonElement).disabled).toBe(true);
  });

  it("shows the API's refusal inline", async () => {
    const { backend, calls } = stubBackend({
      version_governance: () => governance(),
      deployments: () => timeline,
      set_policy: () => Promise.reject({ code: "invalid_input", message: "a policy needs at least one role" }),
    });
    wrap(backend);
    const policy = await screen.findByTestId("gov-policy");
    fireEvent.click(within(policy).getAllByTestId("gov-policy-role")[0]);
    fireEvent.click(within(policy).getByTestId("gov-policy-save"));
    expect((await within(policy).findByTestId("gov-policy-error")).textContent).toContain("at least one role");
    expect(calls.find((c) => c.op === "set_policy")!.req).toEqual({ model: "resnet", requiredRoles: [] });
  });
});
