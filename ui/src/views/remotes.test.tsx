import { describe, expect, it } from "vitest";
import { act, fireEvent, screen, waitFor, within } from "@testing-library/react";
import { stubBackend } from "../test/stub-backend";
import { renderWithBackend } from "../test/render";
import { RemotesView } from "./Remotes";
import type { Conflict, RemoteInfo, SyncReport } from "../backend/generated/api";

const remote = (over: Partial<RemoteInfo> = {}): RemoteInfo => ({
  name: "team", kind: "mlflow", url: "http://127.0.0.1:5000", credentials: "MLflow environment variables at sync time",
  lastSyncAt: null, lastReport: null, syncEvery: null, ...over,
});

const report: SyncReport = {
  remote: "team", scannedModels: 2, scannedVersions: 3, pulled: 2, bound: 0, unchanged: 0, aliasesPulled: 1, pushed: 1,
  aliasesPushed: 0, deletedRemotely: 0, skipped: [{ subject: "ext/1", reason: "its files are at s3://nowhere/model" }],
  conflicts: [], failed: [], requests: 9, dryRun: false, verified: 0, drifted: [], recorded: 0, fieldsPulled: 3, fieldsPushed: 1,
};

const conflict: Conflict = {
  id: 4, remote: "team", subject: "churn@champion", field: "alias", base: "1", local: "1.1.0", remoteValue: "3", createdAt: "2026-12-03T10:00:00Z",
};

describe("remotes view", () => {
  it("says what a remote is for when there is none, and adds one with sealed credentials", async () => {
    let remotes: RemoteInfo[] = [];
    const { backend, calls } = stubBackend({
      remote_list: () => ({ remotes }),
      list_conflicts: () => ({ conflicts: [] }),
      versions_not_here: () => ({ versions: [] }),
      remote_add: (req) => {
        const r = remote({ name: req.name, url: req.url, credentials: "sealed in the workspace" });
        remotes = [r];
        return r;
      },
    });
    renderWithBackend(backend, <RemotesView />);
    expect((await screen.findByTestId("remotes-empty")).textContent).toContain("MLflow tracking server");
    fireEvent.change(screen.getByTestId("remote-name"), { target: { value: "team" } });
    fireEvent.change(screen.getByTestId("remote-url"), { target: { value: "https://mlflow.acme.internal" } });
    expect((screen.getByTestId("remote-password") as HTMLInputElement).disabled).toBe(true);
    fireEvent.change(screen.getByTestId("remote-username"), { target: { value: "alice" } });
    fireEvent.change(screen.getByTestId("remote-password"), { target: { value: "s3cret" } });
    fireEvent.click(screen.getByTestId("remote-add-submit"));
    const row = await screen.findByTestId("remote-row");
    expect(row.textContent).toContain("sealed in the workspace");
    expect(calls.find((c) => c.op === "remote_add")!.req).toEqual({
      name: "team", kind: "mlflow", url: "https://mlflow.acme.internal", username: "alice", password: "s3cret",
    });
    // An OCI registry: its own address field, added anonymously.
    fireEvent.change(screen.getByTestId("remote-kind"), { target: { value: "oci" } });
    expect((screen.getByTestId("remote-url") as HTMLInputElement).placeholder).toBe("ghcr.io/acme/models");
    fireEvent.change(screen.getByTestId("remote-name"), { target: { value: "reg" } });
    fireEvent.change(screen.getByTestId("remote-url"), { target: { value: "127.0.0.1:5000/team" } });
    fireEvent.click(screen.getByTestId("remote-add-submit"));
    await waitFor(() => expect(calls.filter((c) => c.op === "remote_add").length).toBe(2));
    expect(calls.filter((c) => c.op === "remote_add")[1].req).toEqual({ name: "reg", kind: "oci", url: "127.0.0.1:5000/team" });
  });

  it("shows what team members did apart with words for each kind, and an owner's choice resolves it", async () => {
    const apart: Conflict[] = [
      { id: 7, remote: "crew", subject: "train@1", field: "dataset", base: null, local: "1", remoteValue: "1+conflict.43d4fa4c", createdAt: "2026-12-07T10:00:00Z" },
      { id: 8, remote: "crew", subject: "env:staging", field: "deployment", base: null, local: "churn@3.0.0", remoteValue: "churn@2.0.0", createdAt: "2026-12-07T10:00:00Z" },
      { id: 9, remote: "crew", subject: "fraud@1.0.0", field: "version", base: null, local: "1.0.0", remoteValue: "1.0.0+conflict.aee1ab16", createdAt: "2026-12-07T10:00:00Z" },
      { ...conflict, remote: "mlflow" },
    ];
    let open = apart;
    const { backend, calls } = stubBackend({
      remote_list: () => ({ remotes: [remote({ name: "crew", kind: "ledger" }), remote({ name: "mlflow" })] }),
      list_conflicts: () => ({ conflicts: open }),
      versions_not_here: () => ({ versions: [] }),
      resolve_conflict: (req) => {
        open = open.filter((c) => c.id !== req.id);
        return apart[0];
      },
    });
    renderWithBackend(backend, <RemotesView />);
    const team = await screen.findByTestId("team-conflicts");
    const rows = within(team).getAllByTestId("conflict");
    expect(rows.map((r) => r.dataset.field)).toEqual(["dataset", "deployment", "version"]);
    // Two versions under one number: both sides, and the version diff between them.
    expect(within(rows[2]).getByTestId("conflict-compare").getAttribute("href")).toBe("#/compare?a=fraud@1.0.0&b=fraud@1.0.0%2Bconflict.aee1ab16");
    expect(within(rows[0]).getAllByRole("cell").map((c) => c.textContent)).toEqual([
      "train@1one dataset number registered apart with other data", "1", "1+conflict.43d4fa4c", "Keep the number Give it the other data",
    ]);
    expect(rows[1].textContent).toContain("an environment switched apart");
    // The registry's conflict keeps its own table and words.
    expect(within(screen.getByTestId("registry-conflicts")).getByTestId("conflict").textContent).toContain("Keep here");
    fireEvent.click(within(rows[0]).getByTestId("take-remote"));
    await waitFor(() => expect(within(screen.getByTestId("team-conflicts")).getAllByTestId("conflict")).toHaveLength(2));
    expect(calls.find((c) => c.op === "resolve_conflict")!.req).toEqual({ id: 7, take: "remote" });
  });

  it("tests and syncs a remote, shows the report with every skipped item, and resolves a conflict", async () => {
    let open = [conflict];
    const { backend, calls } = stubBackend({
      remote_list: () => ({ remotes: [remote()] }),
      list_conflicts: () => ({ conflicts: open }),
      versions_not_here: () => ({ versions: [] }),
      remote_test: () => ({ name: "team", url: "http://127.0.0.1:5000", serverVersion: "3.17.2", supports: ["model registry", "aliases"], models: "2" }),
      sync_remote: () => report,
      resolve_conflict: (req) => {
        open = open.filter((c) => c.id !== req.id);
        return conflict;
      },
    });
    renderWithBackend(backend, <RemotesView />);
    fireEvent.click(await screen.findByTestId("remote-test"));
    expect((await screen.findByTestId("remote-tested")).textContent).toContain("MLflow 3.17.2");
    fireEvent.click(screen.getByTestId("remote-sync"));
    expect((await screen.findByTestId("sync-counts")).textContent).toContain("2 pulled · 1 pushed");
    expect(screen.getByTestId("sync-counts").textContent).toContain("4 descriptions, tags or stages moved");
    expect(screen.getByTestId("sync-item").textContent).toContain("s3://nowhere/model");
    const row = screen.getByTestId("conflict");
    expect(within(row).getAllByRole("cell").map((c) => c.textContent)).toEqual(["team", "churn@champion (alias)", "1", "1.1.0", "3", "Keep here Take there"]);
    fireEvent.click(within(row).getByTestId("take-remote"));
    await waitFor(() => expect(screen.queryByTestId("conflicts")).toBeNull());
    expect(calls.find((c) => c.op === "resolve_conflict")!.req).toEqual({ id: 4, take: "remote" });
  });

  it("shows the last sync's report on opening, checks bytes, and imports a drifted version", async () => {
    const drifted = { subject: "Churn Model/2", reason: "its files changed on the remote after they were bound to churn-model@1.0.1" };
    const last = { ...report, skipped: [], verified: 3, drifted: [drifted] };
    const { backend, calls } = stubBackend({
      remote_list: () => ({ remotes: [remote({ lastSyncAt: "2026-12-03T10:00:00Z", lastReport: last })] }),
      list_conflicts: () => ({ conflicts: [] }),
      versions_not_here: () => ({ versions: [] }),
      sync_remote: (req) => (req.importDrift ? { ...last, verified: 0, drifted: [{ ...drifted, reason: "… imported as churn-model@1.0.2" }] } : last),
    });
    renderWithBackend(backend, <RemotesView />);
    expect((await screen.findByTestId("sync-counts")).textContent).toContain("3 the same, 1 drifted");
    fireEvent.click(screen.getByTestId("remote-verify"));
    await waitFor(() => expect(calls.filter((c) => c.op === "sync_remote").length).toBe(1));
    expect(calls.find((c) => c.op === "sync_remote")!.req).toMatchObject({ remote: "team", verify: true, importDrift: false });
    fireEvent.click(await screen.findByTestId("import-drift"));
    await waitFor(() => expect(screen.getByTestId("sync-item").textContent).toContain("imported as churn-model@1.0.2"));
    expect(calls.filter((c) => c.op === "sync_remote")[1].req).toMatchObject({ importDrift: true, models: ["Churn Model"] });
    expect(screen.queryByTestId("import-drift")).toBeNull();
  });

  it("sets a schedule, and shows what a scheduled sync did when its event arrives", async () => {
    let every: number | null = null;
    const { backend, calls, emitSync } = stubBackend({
      remote_list: () => ({ remotes: [remote({ syncEvery: every })] }),
      list_conflicts: () => ({ conflicts: [] }),
      versions_not_here: () => ({ versions: [] }),
      remote_schedule: (req) => {
        every = req.every;
        return remote({ syncEvery: every });
      },
    });
    renderWithBackend(backend, <RemotesView />);
    const select = (await screen.findByTestId("remote-schedule")) as HTMLSelectElement;
    expect(select.value).toBe("");
    fireEvent.change(select, { target: { value: "3600" } });
    await waitFor(() => expect((screen.getByTestId("remote-schedule") as HTMLSelectElement).value).toBe("3600"));
    expect(calls.find((c) => c.op === "remote_schedule")!.req).toEqual({ name: "team", every: 3600 });
    act(() => emitSync({ remote: "team", at: "2026-12-03T11:00:00Z", report: { ...report, pulled: 5 }, error: null }));
    expect((await screen.findByTestId("sync-counts")).textContent).toContain("5 pulled");
    act(() => emitSync({ remote: "team", at: "2026-12-03T12:00:00Z", report: null, error: "cannot reach the MLflow server" }));
    expect((await screen.findByTestId("remotes-error")).textContent).toContain("Scheduled sync with team failed: cannot reach");
  });

  it("lists versions whose files are not here and fetches one", async () => {
    let versions = [
      { remote: "team", model: "Churn Model", version: "3", state: "remote-only" },
      { remote: "team", model: "ext", version: "1", state: "unreachable" },
    ];
    const { backend, calls } = stubBackend({
      remote_list: () => ({ remotes: [remote()] }),
      list_conflicts: () => ({ conflicts: [] }),
      versions_not_here: () => ({ versions }),
      fetch_remote: () => {
        versions = versions.slice(1);
        return { ...report, skipped: [], pulled: 1 };
      },
    });
    renderWithBackend(backend, <RemotesView />);
    const rows = await screen.findAllByTestId("not-here-row");
    expect(rows.map((r) => r.textContent)).toEqual(["teamChurn Model3metadata onlyFetch", "teamext1out of reach (see the last report)Fetch"]);
    fireEvent.click(within(rows[0]).getByTestId("fetch-version"));
    await waitFor(() => expect(screen.getAllByTestId("not-here-row")).toHaveLength(1));
    expect(calls.find((c) => c.op === "fetch_remote")!.req).toEqual({ remote: "team", model: "Churn Model", version: "3" });
    expect(screen.getByTestId("sync-counts").textContent).toContain("1 pulled");
  });

  it("shows a failed sync's one-line reason", async () => {
    const { backend } = stubBackend({
      remote_list: () => ({ remotes: [remote()] }),
      list_conflicts: () => ({ conflicts: [] }),
      versions_not_here: () => ({ versions: [] }),
      sync_remote: () => {
        throw { code: "io", message: "cannot reach the MLflow server at http://127.0.0.1:5000: Connection refused" };
      },
    });
    renderWithBackend(backend, <RemotesView />);
    fireEvent.click(await screen.findByTestId("remote-sync"));
    expect((await screen.findByTestId("remotes-error")).textContent).toContain("Connection refused");
  });

  it("joins a team ledger by trusting the owner it names, and shows what a team sync took in and refused", async () => {
    let remotes: RemoteInfo[] = [];
    const owner = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIN70Ul2p1h2X8izl/UHTNBnRSp52ImUQg+2WZ+K0/pHC";
    const teamReport: SyncReport = {
      ...report, scannedModels: 0, scannedVersions: 0, pulled: 0, pushed: 0, skipped: [], requests: 4,
      team: {
        segmentsPulled: 3, eventsPulled: 12, projected: 10, localOnly: 1,
        refused: [{ subject: "segments/000000000004.json", reason: "segment 4 is by SHA256:xyz: not a member of the team" }],
        segmentsPushed: 1, eventsPushed: 2, objectsPushed: 0, restored: 0, racesLost: 1, ledgerSegments: 5, stateDigest: "ab".repeat(32),
      },
    };
    const { backend, calls } = stubBackend({
      remote_list: () => ({ remotes }),
      list_conflicts: () => ({ conflicts: [] }),
      versions_not_here: () => ({ versions: [] }),
      remote_add: (req) => {
        if (!req.trust) {
          throw { code: "invalid_input", message: `the team ledger at ${req.url} was started by the owner SHA256:ahKp; check that fingerprint with them, then run again with --trust "${owner}"` };
        }
        const r = remote({ name: req.name, kind: "ledger", url: req.url, credentials: "the AWS environment (S3), or the file system" });
        remotes = [r];
        return r;
      },
      sync_remote: () => teamReport,
    });
    renderWithBackend(backend, <RemotesView />);
    expect((await screen.findByTestId("remotes-empty")).textContent).toContain("team's ledger");
    fireEvent.change(screen.getByTestId("remote-kind"), { target: { value: "ledger" } });
    expect(screen.queryByTestId("remote-username")).toBeNull();
    fireEvent.change(screen.getByTestId("remote-name"), { target: { value: "team" } });
    fireEvent.change(screen.getByTestId("remote-url"), { target: { value: "s3://acme-ml/team" } });
    fireEvent.click(screen.getByTestId("remote-add-submit"));
    // The ledger names its owner; the user checks the fingerprint and trusts that key.
    const offer = await screen.findByTestId("remote-offer-trust");
    expect(screen.getByText(/SHA256:ahKp/)).toBeTruthy();
    fireEvent.click(within(offer).getByRole("button"));
    const row = await screen.findByTestId("remote-row");
    expect(calls.filter((c) => c.op === "remote_add").map((c) => (c.req as { trust?: string }).trust)).toEqual([undefined, owner]);
    // A ledger has no server to test nor bytes to check again: just Sync now.
    expect(within(row).queryByTestId("remote-test")).toBeNull();
    fireEvent.click(within(row).getByTestId("remote-sync"));
    const counts = await screen.findByTestId("sync-counts");
    expect(counts.textContent).toContain("took in 3 segments (12 events: 10 applied, 1 about their author's desktop only, 1 refused)");
    expect(counts.textContent).toContain("lost 1 races");
    expect(screen.getByTestId("state-digest").textContent).toBe("ab".repeat(32));
    expect(screen.getByTestId("sync-item").textContent).toContain("not a member of the team");
  });
});
