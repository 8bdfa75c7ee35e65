import { describe, expect, it, vi } from "vitest";
import { act, fireEvent, screen, waitFor } from "@testing-library/react";
import { stubBackend } from "../test/stub-backend";
import { app, wrap } from "../test/render";
import { RegisterView } from "./Register";
import { AuditView } from "./Audit";
import type { InspectResponse, RegisterResponse } from "../backend/generated/api";

const inspect = (model: string, suggestedVersion: string): InspectResponse => ({
  files: [{ path: "w.safetensors", size: 2048, sha256: "ab".repeat(32), format: "safetensors" }],
  totalSize: 2048,
  format: "safetensors",
  interface: { inputs: [], outputs: [], tensors: [], task: null },
  sniffed: {},
  model,
  modelExists: suggestedVersion !== "1.0.0",
  latestVersion: null,
  suggestedVersion,
  bump: suggestedVersion === "1.0.0" ? "initial" : "minor",
  bumpReason: suggestedVersion === "1.0.0" ? "first version of this model" : "new weights",
  rootDigest: "cd".repeat(32),
  candidateParents: [],
});

describe("registration form", () => {
  it("keeps only the latest inspect answer when the name changes quickly", async () => {
    // The answer for the first name arrives after the answer for the second one.
    let releaseSlow: () => void = () => {};
    const { backend } = stubBackend({
      inspect_paths: (req) => {
        if (req.model === null) return inspect("w", "1.0.0");
        if (req.model === "slow-model") return new Promise((res) => (releaseSlow = () => res(inspect("slow-model", "4.1.0"))));
        return inspect(req.model, "2.0.0");
      },
    });
    vi.useFakeTimers({ shouldAdvanceTime: true });
    try {
      wrap(backend, <RegisterView />, app({ pending: ["/up/w.safetensors"] }));
      await waitFor(() => expect((screen.getByTestId("reg-version") as HTMLInputElement).value).toBe("1.0.0"));
      fireEvent.change(screen.getByTestId("reg-model"), { target: { value: "slow-model" } });
      await act(async () => void vi.advanceTimersByTime(400));
      fireEvent.change(screen.getByTestId("reg-model"), { target: { value: "fast-model" } });
      await act(async () => void vi.advanceTimersByTime(400));
      await waitFor(() => expect((screen.getByTestId("reg-version") as HTMLInputElement).value).toBe("2.0.0"));
      await act(async () => releaseSlow());
      expect((screen.getByTestId("reg-version") as HTMLInputElement).value).toBe("2.0.0");
    } finally {
      vi.useRealTimers();
    }
  });

  it("announces a registration in the shell, which outlives the form", async () => {
    const res: RegisterResponse = {
      model: "w", version: "1.0.0", node: "version:w@1.0.0", createdModel: true, rootDigest: "", manifestDigest: "", weightsDigest: "",
      format: "safetensors", interface: { inputs: [], outputs: [], tensors: [], task: null }, bump: "initial",
      bumpReason: "first version of this model", fileCount: 1, totalSize: 2048, newBytes: 1024, datasets: [], storage: "copy", linkedFiles: 0, auditSeq: 3,
    };
    const { backend } = stubBackend({ inspect_paths: () => inspect("w", "1.0.0"), register_version: () => res });
    const state = app({ pending: ["/up/w.safetensors"] });
    wrap(backend, <RegisterView />, state);
    await waitFor(() => expect((screen.getByTestId("reg-submit") as HTMLButtonElement).disabled).toBe(false));
    fireEvent.click(screen.getByTestId("reg-submit"));
    await waitFor(() => expect(state.setNotice).toHaveBeenCalled());
    const text = vi.mocked(state.setNotice!).mock.calls[0][0]!;
    expect(text).toContain("Registered w@1.0.0: 1 file, 2.0 KiB (1.0 KiB already stored)");
    expect(decodeURIComponent(window.location.hash)).toContain("focus=version:w@1.0.0");
  });

  it("shows a duplicate-version conflict in the form", async () => {
    const { backend } = stubBackend({
      inspect_paths: () => inspect("w", "1.0.0"),
      register_version: () => Promise.reject({ code: "conflict", message: "w already has version 1.0.0; use 1.0.1 or later" }),
    });
    const state = app({ pending: ["/up/w.safetensors"] });
    wrap(backend, <RegisterView />, state);
    await waitFor(() => expect((screen.getByTestId("reg-submit") as HTMLButtonElement).disabled).toBe(false));
    fireEvent.click(screen.getByTestId("reg-submit"));
    expect((await screen.findByTestId("reg-error")).textContent).toContain("already has version 1.0.0");
    expect(state.setNotice).not.toHaveBeenCalled();
    expect(state.setPending).not.toHaveBeenCalled();
  });
});

describe("audit view", () => {
  const row = (seq: number, action: string) => ({
    seq, ts: "2026-11-26T10:00:00.000Z", actor: "alice", action, subject: `version:m@1.0.${seq}`, payload: "{}", prevHash: "0".repeat(64), hash: "f".repeat(64),
  });

  it("filters by action and reports an intact chain with its head", async () => {
    const { backend, calls } = stubBackend({
      audit_log: () => ({
        events: [row(3, "register_version"), row(2, "init"), row(1, "register_version")],
        signedBy: [{ seq: 3, fingerprint: "SHA256:dSTPTccmDRmIn4QBMNJamRpLNTYLU0x9", member: "Alice" }],
      }),
      team_list: () => ({
        members: [
          { name: "Alice", fingerprint: "SHA256:dSTPTccmDRmIn4QBMNJamRpLNTYLU0x9", publicKey: "ssh-ed25519 AAAA", roles: ["owner"], sinceSeq: 1 },
          { name: "Bob", fingerprint: "SHA256:bobbobbob", publicKey: "ssh-ed25519 BBBB", roles: ["validator", "risk"], sinceSeq: 2 },
        ],
        me: "SHA256:dSTPTccmDRmIn4QBMNJamRpLNTYLU0x9",
      }),
      identity_show: () => ({
        name: "Alice", email: "alice@example.com", fingerprint: "SHA256:dSTPTccmDRmIn4QBMNJamRpLNTYLU0x9",
        publicKey: "ssh-ed25519 AAAAC3Nza alice@example.com", source: "pedigree", keyPath: "/home/alice/.config/pedigree/identity/ed25519.pk8",
      }),
      audit_verify: () => ({ ok: true, events: 3, head: "9".repeat(64), firstBadSeq: null, problem: null, badObjects: [], checkpoints: 2, personSignedCheckpoints: 2, pqCheckpoints: 1, signedEvents: 3, signers: ["SHA256:abc"] }),
    });
    wrap(backend, <AuditView />, app());
    expect(await screen.findAllByTestId("audit-row")).toHaveLength(3);
    // Who signed: the member's name and key; events from before identities say so.
    expect(screen.getByTestId("audit-signer").textContent).toBe("Alice SHA256:dSTPTccm…");
    expect(screen.getAllByText("unsigned")).toHaveLength(2);
    const members = await screen.findAllByTestId("team-member");
    expect(members.map((m) => m.textContent)).toEqual([
      "Alice (you)ownerSHA256:dSTPTccmDRmIn4QBMNJamRpLNTYLU0x9",
      "Bobvalidator, riskSHA256:bobbobbob",
    ]);
    expect((await screen.findByTestId("your-key")).textContent).toContain("You sign as Alice SHA256:dSTPTccm");
    fireEvent.change(screen.getByTestId("audit-action"), { target: { value: "register_version" } });
    expect(screen.getAllByTestId("audit-row")).toHaveLength(2);
    fireEvent.change(screen.getByTestId("audit-filter"), { target: { value: "version:m@" } });
    await waitFor(() => expect(calls.some((c) => (c.req as { subject?: string }).subject === "version:m@")).toBe(true));
    fireEvent.click(screen.getByTestId("verify-chain"));
    const result = (await screen.findByTestId("verify-result")).textContent!;
    expect(result).toContain("OK");
    expect(result).toContain("3 events");
    expect(result).toContain("9999999999999999");
    expect(result).toContain("3 event signatures by 1 key verify");
    expect(result).toContain("2 signed checkpoints checked (2 by the person who made it, 1 co-signed ML-DSA-65)");
  });
});
