import { describe, expect, it, vi } from "vitest";
import { fireEvent, screen, waitFor, within } from "@testing-library/react";
import { stubBackend } from "../../test/stub-backend";
import { renderWithBackend } from "../../test/render";
import { AttachmentsCard } from "./Attachments";
import { RunCard, shellWord } from "./RunCard";
import type { DesktopShell } from "../../backend";
import type { Attachment, Recipe } from "../../backend/generated/api";

const attachment = (over: Partial<Attachment> = {}): Attachment => ({
  model: "churn", version: "2.0.0", kind: "documentation", name: "model-card.md", sha256: "ab".repeat(32), size: 3072,
  createdBy: "alice", createdAt: "2026-12-01T10:00:00Z", auditSeq: 11, ...over,
});

describe("attachments card", () => {
  it("lists the files, uploads and attaches one, and says when it was attached already", async () => {
    let list = [attachment()];
    const { backend, calls } = stubBackend({
      attachments: () => ({ attachments: list }),
      attach_file: (req) => {
        const a = attachment({ kind: req.kind, name: "fairness.pdf", sha256: "cd".repeat(32), auditSeq: 12 });
        const created = !list.some((x) => x.sha256 === a.sha256);
        if (created) list = [...list, a];
        return { attachment: a, created };
      },
    });
    const upload = vi.fn(async () => ["/tmp/staged/1/fairness.pdf"]);
    backend.upload = upload;
    renderWithBackend(backend, <AttachmentsCard reference="churn@2.0.0" />);
    const row = await screen.findByTestId("attachment-row");
    expect(row.textContent).toContain("documentation");
    expect(row.textContent).toContain("model-card.md");
    expect(row.textContent).toContain("3.0 KiB");
    expect(row.textContent).toContain("abababababab");
    expect(within(row).getByTitle("ab".repeat(32))).toBeTruthy();
    expect(row.textContent).toContain("alice");

    // Nothing chosen: refused before any call.
    fireEvent.click(screen.getByTestId("attach-submit"));
    expect((await screen.findByTestId("attachments-error")).textContent).toContain("Choose a file");
    expect(calls.some((c) => c.op === "attach_file")).toBe(false);

    const file = new File(["%PDF"], "fairness.pdf", { type: "application/pdf" });
    fireEvent.change(screen.getByTestId("attach-kind"), { target: { value: "fairness" } });
    fireEvent.change(screen.getByTestId("attach-file"), { target: { files: [file] } });
    fireEvent.click(screen.getByTestId("attach-submit"));
    await waitFor(() => expect(screen.getAllByTestId("attachment-row")).toHaveLength(2));
    expect(upload).toHaveBeenCalledWith([{ relPath: "fairness.pdf", file }]);
    expect(calls.find((c) => c.op === "attach_file")!.req).toEqual({ reference: "churn@2.0.0", kind: "fairness", path: "/tmp/staged/1/fairness.pdf" });
    expect(screen.getByTestId("attach-notice").textContent).toContain("Attached fairness.pdf");

    fireEvent.change(screen.getByTestId("attach-file"), { target: { files: [file] } });
    fireEvent.click(screen.getByTestId("attach-submit"));
    await waitFor(() => expect(screen.getByTestId("attach-notice").textContent).toContain("already attached"));
    expect(screen.getAllByTestId("attachment-row")).toHaveLength(2);
  });

  it("in the desktop app attaches the path the native chooser returns (no upload)", async () => {
    const { backend, calls } = stubBackend({
      attachments: () => ({ attachments: [] }),
      attach_file: (req) => ({ attachment: attachment({ kind: req.kind, name: "card.md" }), created: true }),
    });
    const pick = vi.fn(async () => ["/home/alice/card.md"]);
    const upload = vi.fn(async () => []);
    Object.assign(backend, { transport: "tauri", upload, shell: { pick } as unknown as DesktopShell });
    renderWithBackend(backend, <AttachmentsCard reference="churn@2.0.0" />);
    expect(screen.queryByTestId("attach-file")).toBeNull();
    fireEvent.click(await screen.findByTestId("attach-pick"));
    expect(await screen.findByText("/home/alice/card.md")).toBeTruthy();
    fireEvent.click(screen.getByTestId("attach-submit"));
    await waitFor(() => expect(calls.find((c) => c.op === "attach_file")?.req).toEqual({ reference: "churn@2.0.0", kind: "explainability", path: "/home/alice/card.md" }));
    expect(pick).toHaveBeenCalledWith("attachment");
    expect(upload).not.toHaveBeenCalled();
  });

  it("shows a refusal from the server", async () => {
    const { backend } = stubBackend({
      attachments: () => ({ attachments: [] }),
      attach_file: () => {
        throw { code: "denied", message: "only a member may attach evidence" };
      },
    });
    backend.upload = async () => ["/tmp/staged/2/x.txt"];
    renderWithBackend(backend, <AttachmentsCard reference="churn@2.0.0" />);
    fireEvent.change(await screen.findByTestId("attach-file"), { target: { files: [new File(["x"], "x.txt")] } });
    fireEvent.click(screen.getByTestId("attach-submit"));
    expect((await screen.findByTestId("attachments-error")).textContent).toContain("only a member");
  });
});

const recipe: Recipe = {
  reference: "churn@2.0.0",
  run: {
    id: "0123456789abcdef",
    command: ["python", "train.py", "--lr", "0.01", "--note", "it's fine"],
    cwd: "/home/alice/churn",
    environment: {
      git: { commit: "f".repeat(40), remote: "git@example.com:acme/churn.git", dirty: true, uncommittedDigest: "9".repeat(64) },
      gitTop: "/home/alice/churn",
      locks: [{ path: "requirements.lock", sha256: "1".repeat(64), size: 900 }],
      interpreter: { executable: "/usr/bin/python3", version: "3.11.4", packagesDigest: "2".repeat(64), packageCount: 87, libraries: { torch: "2.3.0", numpy: "1.26.4" } },
      hardware: { cpu: "AMD EPYC 7B13", cores: 16, memoryBytes: 64 * 1024 ** 3, gpus: [{ name: "NVIDIA A100", driver: "550.54", memory: "40 GiB" }], os: "linux 6.1.0 x86_64" },
      hostname: "trainer-1",
      seeds: { PYTHONHASHSEED: "0", seed: "7" },
      variables: {},
    },
    inputs: [],
    params: { lr: "0.01" },
    startedAt: "2026-12-01T09:00:00Z",
    endedAt: "2026-12-01T09:30:00Z",
    durationMs: 1_800_000,
    exitCode: 0,
    outputs: [{ path: "out/model.safetensors", sha256: "3".repeat(64), size: 4096 }],
    outputsTruncated: false,
  },
  code: "code:acme/churn@ffff",
  environmentId: null,
  data: [{ dataset: "customers@3", rootDigest: "4".repeat(64), sourceUri: "s3://acme/customers" }],
  expected: [],
  setEnv: { PYTHONHASHSEED: "0" },
  recordedBy: "alice",
};

describe("run card", () => {
  it("is absent when the version was not made by a captured run", async () => {
    const { backend, calls } = stubBackend({
      recipe: () => {
        throw { code: "not_found", message: "churn@1.0.0 was not produced by a captured run" };
      },
    });
    renderWithBackend(backend, <RunCard reference="churn@1.0.0" />);
    await waitFor(() => expect(calls.some((c) => c.op === "recipe")).toBe(true));
    await new Promise((r) => setTimeout(r, 20));
    expect(screen.queryByTestId("run-card")).toBeNull();
    expect(screen.queryByRole("alert")).toBeNull();
  });

  it("shows the run and the command line to make it again", async () => {
    const { backend } = stubBackend({ recipe: () => recipe });
    renderWithBackend(backend, <RunCard reference="churn@2.0.0" />);
    const card = await screen.findByTestId("run-card");
    expect(within(card).getByTestId("run-recipe").textContent).toBe(
      "cd /home/alice/churn && PYTHONHASHSEED=0 python train.py --lr 0.01 --note 'it'\\''s fine'",
    );
    expect(within(card).getByTestId("run-code").textContent).toContain("uncommitted changes 999999999999");
    const text = card.textContent!;
    for (const s of ["requirements.lock", "3.11.4", "87 packages", "torch=2.3.0", "AMD EPYC 7B13", "16 cores", "NVIDIA A100", "seed=7", "lr=0.01", "out/model.safetensors", "customers@3"])
      expect(text).toContain(s);
    expect(text).toContain("pedigree reproduce churn@2.0.0 --check");
    expect(shellWord("a b")).toBe("'a b'");
  });
});
