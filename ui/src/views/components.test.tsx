import { describe, expect, it } from "vitest";
import { fireEvent, screen, waitFor } from "@testing-library/react";
import { stubBackend } from "../test/stub-backend";
import { app, wrap } from "../test/render";
import { EmptyState } from "./EmptyState";
import { RegisterView } from "./Register";
import { AuditView } from "./Audit";
import type { InspectResponse } from "../backend/generated/api";

const inspected: InspectResponse = {
  files: [{ path: "model.safetensors", size: 120, sha256: "ab".repeat(32), format: "safetensors" }],
  totalSize: 120,
  format: "safetensors",
  interface: { inputs: [], outputs: [], tensors: [{ name: "w", dtype: "F32", shape: ["2", "3"] }], task: null },
  sniffed: {},
  model: "classifier",
  modelExists: true,
  latestVersion: "1.2.0",
  suggestedVersion: "1.3.0",
  bump: "minor",
  bumpReason: "same interface, new weights",
  rootDigest: "cd".repeat(32),
  candidateParents: [{ reference: "base@2.0.0", reason: "named as base_model in the model card", relation: "quantized" }],
};

describe("empty state", () => {
  it("opens the demo workspace and refreshes the summary", async () => {
    const { backend, calls } = stubBackend({ open_demo: () => ({ models: 7, versions: 12, datasetVersions: 6 }) });
    const state = app();
    wrap(backend, <EmptyState />, state);
    fireEvent.click(screen.getByTestId("open-demo"));
    await waitFor(() => expect(state.refreshInfo).toHaveBeenCalled());
    expect(calls.map((c) => c.op)).toEqual(["open_demo"]);
    expect(decodeURIComponent(window.location.hash)).toContain("focus=version:llm-legal@1.0.1");
  });

  it("shows why the demo could not be created", async () => {
    const { backend } = stubBackend({ open_demo: () => Promise.reject({ code: "conflict", message: "the demo needs an empty workspace" }) });
    wrap(backend, <EmptyState />, app());
    fireEvent.click(screen.getByTestId("open-demo"));
    expect(await screen.findByRole("alert")).toHaveProperty("textContent", "the demo needs an empty workspace");
  });
});

describe("registration form", () => {
  it("is pre-filled from inspect_paths and registers with the policy's suggestion", async () => {
    const { backend, calls } = stubBackend({
      inspect_paths: () => inspected,
      register_version: (req) => ({ ...inspected, model: req.model, version: "1.3.0", node: "version:classifier@1.3.0", createdModel: false, manifestDigest: "", weightsDigest: "", bump: "minor", fileCount: 1, newBytes: 120, datasets: [], storage: "copy", linkedFiles: 0, auditSeq: 9 }),
    });
    wrap(backend, <RegisterView />, app({ pending: ["/tmp/drop/model.safetensors"] }));
    await waitFor(() => expect((screen.getByTestId("reg-version") as HTMLInputElement).value).toBe("1.3.0"));
    expect((screen.getByTestId("reg-model") as HTMLInputElement).value).toBe("classifier");
    expect(screen.getByTestId("reg-format").textContent).toBe("safetensors");
    expect(screen.getByTestId("reg-bump-reason").textContent).toContain("same interface, new weights");
    expect((screen.getByTestId("reg-parent") as HTMLSelectElement).value).toBe("base@2.0.0");
    // The card's base_model_relation comes with the candidate.
    expect((screen.getByTestId("reg-relation") as HTMLSelectElement).value).toBe("quantized");
    fireEvent.change(screen.getByTestId("reg-message"), { target: { value: "retrained" } });
    fireEvent.click(screen.getByTestId("reg-submit"));
    await waitFor(() => expect(calls.some((c) => c.op === "register_version")).toBe(true));
    const req = calls.find((c) => c.op === "register_version")!.req as { version: string | null; parents: unknown[]; message: string };
    expect(req.version).toBeNull(); // the suggestion, not an override
    expect(req.parents).toEqual([{ parent: "base@2.0.0", relation: "quantized" }]);
    expect(req.message).toBe("retrained");
  });

  it("shows a corrupt file's error and offers nothing to register", async () => {
    const { backend } = stubBackend({
      inspect_paths: () => Promise.reject({ code: "bad_file", message: "/tmp/x.safetensors: corrupt safetensors file: header length 1152921504606846976" }),
    });
    wrap(backend, <RegisterView />, app({ pending: ["/tmp/x.safetensors"] }));
    expect((await screen.findByTestId("reg-error")).textContent).toContain("corrupt safetensors");
    expect((screen.getByTestId("reg-submit") as HTMLButtonElement).disabled).toBe(true);
  });
});

describe("audit view", () => {
  it("renders events and the verification result", async () => {
    const row = { seq: 2, ts: "2026-11-26T10:00:00.000Z", actor: "alice", action: "register_version", subject: "version:m@1.0.0", payload: "{}", prevHash: "0".repeat(64), hash: "f".repeat(64) };
    const { backend } = stubBackend({
      audit_log: () => ({ events: [row], signedBy: [] }),
      team_list: () => ({ members: [], me: null }),
      audit_verify: () => ({ ok: false, events: 2, head: null, firstBadSeq: 2, problem: "content does not match its hash (edited)", badObjects: [], checkpoints: 0, personSignedCheckpoints: 0, pqCheckpoints: 0, signedEvents: 0, signers: [] }),
    });
    wrap(backend, <AuditView />, app());
    expect(await screen.findAllByTestId("audit-row")).toHaveLength(1);
    fireEvent.click(screen.getByTestId("verify-chain"));
    expect((await screen.findByTestId("verify-result")).textContent).toContain("broken at seq 2");
  });
});
