/** Remotes: the team registries this workspace syncs with. Add one, test it, sync it (the shell's
 * progress bar follows), read the last sync's report, and resolve open conflicts by taking one
 * side — each shown with the value it had at the last sync, here and there. */
import { useEffect, useState } from "react";
import { useBackend } from "../backend";
import type { Conflict, NotHere, RemoteInfo, SyncReport, TeamSync } from "../backend/generated/api";
import { useAction } from "../components/useAction";
import { useLoad } from "../components/useLoad";
import { when } from "../format";
import { NotHereCard, fetchKey } from "./remotes/NotHereCard";
import { RemoteAddForm } from "./remotes/RemoteAddForm";
import { ConflictsCard } from "./remotes/ConflictsCard";

export function RemotesView() {
  const backend = useBackend();
  const [error, setError] = useState<string | null>(null);
  const remotes = useLoad(() => backend.call("remote_list", {}), [backend], setError);
  const conflicts = useLoad(() => backend.call("list_conflicts", {}), [backend], setError);
  const notHere = useLoad(() => backend.call("versions_not_here", {}), [backend], setError);
  const action = useAction<string>(setError);
  const [tested, setTested] = useState<Record<string, string>>({});
  const [report, setReport] = useState<SyncReport | null>(null);

  // A scheduled sync ran in the background (serve or the desktop app): show what it did.
  useEffect(
    () =>
      backend.onSync((e) => {
        if (e.report) setReport(e.report);
        setError(e.error ? `Scheduled sync with ${e.remote} failed: ${e.error}` : null);
        void remotes.refresh();
        void conflicts.refresh();
        void notHere.refresh();
      }),
    // eslint-disable-next-line react-hooks/exhaustive-deps
    [backend],
  );
  // Fetch (and verify, and register) the files of one version recorded without them.
  const fetchOne = (v: NotHere) =>
    action.run(async () => {
      setReport(await backend.call("fetch_remote", { remote: v.remote, model: v.model, version: v.version }));
      await Promise.all([remotes.refresh(), notHere.refresh()]);
    }, fetchKey(v));
  const schedule = (name: string, every: number | null) =>
    action.run(async () => {
      await backend.call("remote_schedule", { name, every });
      await remotes.refresh();
    }, `schedule:${name}`);

  // verify: fetch bound versions' files again to find drift; importDrift: register drifted files
  // as new versions (of `models` only, when given).
  const sync = (name: string, how: { verify?: boolean; importDrift?: boolean; models?: string[] } = {}) =>
    action.run(async () => {
      const options = { models: how.models ?? [], dryRun: false, pullOnly: false, pushOnly: false, verify: !!how.verify, importDrift: !!how.importDrift, metadataOnly: false };
      setReport(await backend.call("sync_remote", { remote: name, ...options }));
      await Promise.all([remotes.refresh(), conflicts.refresh(), notHere.refresh()]);
    }, `${how.verify ? "verify" : how.importDrift ? "import" : "sync"}:${name}`);
  const test = (name: string) =>
    action.run(async () => {
      const t = await backend.call("remote_test", { name });
      setTested((m) => ({ ...m, [name]: `MLflow ${t.serverVersion} · ${t.models} models · ${t.supports.join(", ")}` }));
    }, `test:${name}`);
  const resolve = (c: Conflict, take: "local" | "remote") =>
    action.run(async () => {
      await backend.call("resolve_conflict", { id: c.id, take });
      await conflicts.refresh();
    }, `resolve:${c.id}`);

  const list = remotes.data?.remotes ?? [];
  // This session's sync, else the last one kept with a remote (a sync that found nothing new
  // keeps none).
  const shown = report ?? list.find((r) => r.lastReport)?.lastReport ?? null;
  const open = conflicts.data?.conflicts ?? [];
  return (
    <div className="page" data-testid="remotes-page">
      <div className="page-head">
        <h1>Remotes</h1>
        <span className="muted">team registries this workspace syncs with</span>
      </div>
      {error && (
        <div className="banner error" role="alert" data-testid="remotes-error">
          {error}
        </div>
      )}
      {list.length === 0 && !remotes.loading && (
        <p className="muted" data-testid="remotes-empty">
          No remotes yet. Add the MLflow tracking server your team registers models in, or an OCI registry (ModelPack artifacts): sync then brings its models, versions and aliases here and sends yours there. Or join your team's ledger (S3 or a shared folder): approvals, deployments and the roster then reach every member.
        </p>
      )}
      {list.length > 0 && (
        <table className="grid" data-testid="remote-table">
          <thead>
            <tr>
              <th>Name</th>
              <th>Server</th>
              <th>Credentials</th>
              <th>Last sync</th>
              <th>Syncs</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {list.map((r) => (
              <RemoteRow key={r.name} r={r} tested={tested[r.name]} running={action.running} onSync={sync} onTest={test} onSchedule={schedule} />
            ))}
          </tbody>
        </table>
      )}
      {shown && (
        <ReportCard
          report={shown}
          busy={action.busy}
          onImport={(subject) => sync(shown.remote, { importDrift: true, models: [subject.slice(0, subject.lastIndexOf("/"))] })}
        />
      )}
      <NotHereCard versions={notHere.data?.versions ?? []} running={action.running} busy={action.busy} onFetch={fetchOne} />
      {open.length > 0 && (
        <ConflictsCard
          conflicts={open}
          ledgers={new Set(list.filter((r) => r.kind === "ledger").map((r) => r.name))}
          busy={action.busy}
          onResolve={resolve}
        />
      )}
      <RemoteAddForm onAdded={() => void remotes.refresh()} />
    </div>
  );
}

type SyncHow = { verify?: boolean; importDrift?: boolean; models?: string[] };

/** Schedules offered in the table (seconds); others set with the CLI show as they are. */
const SCHEDULES: [number | null, string][] = [
  [null, "when asked"],
  [900, "every 15 min"],
  [3600, "every hour"],
  [21600, "every 6 hours"],
  [86400, "every day"],
];

type RowProps = {
  r: RemoteInfo;
  tested?: string;
  running: string | null;
  onSync: (n: string, how?: SyncHow) => void;
  onTest: (n: string) => void;
  onSchedule: (n: string, every: number | null) => void;
};

function RemoteRow({ r, tested, running, onSync, onTest, onSchedule }: RowProps) {
  const options = SCHEDULES.some(([s]) => s === r.syncEvery) ? SCHEDULES : [...SCHEDULES, [r.syncEvery, `every ${r.syncEvery} s`] as [number, string]];
  return (
    <tr data-testid="remote-row" data-name={r.name}>
      <td>
        <strong>{r.name}</strong>
        {tested && <div className="muted" data-testid="remote-tested">{tested}</div>}
      </td>
      <td className="mono">{r.url}</td>
      <td>{r.credentials}</td>
      <td>{r.lastSyncAt ? when(r.lastSyncAt) : "never"}</td>
      <td>
        <select
          aria-label={`When ${r.name} syncs`}
          data-testid="remote-schedule"
          disabled={running !== null}
          value={r.syncEvery ?? ""}
          onChange={(e) => onSchedule(r.name, e.target.value === "" ? null : Number(e.target.value))}
          title="While this app runs, sync on this schedule"
        >
          {options.map(([s, label]) => (
            <option key={label} value={s ?? ""}>
              {label}
            </option>
          ))}
        </select>
      </td>
      <td>
        {r.kind !== "ledger" && (
          <>
            <button disabled={running !== null} data-testid="remote-test" onClick={() => onTest(r.name)}>
              {running === `test:${r.name}` ? "Testing…" : "Test"}
            </button>{" "}
            <button disabled={running !== null} data-testid="remote-verify" title="Fetch every bound version's files again and report those changed on the server" onClick={() => onSync(r.name, { verify: true })}>
              {running === `verify:${r.name}` ? "Checking bytes…" : "Check bytes"}
            </button>{" "}
          </>
        )}
        <button className="primary" disabled={running !== null} data-testid="remote-sync" onClick={() => onSync(r.name)}>
          {running === `sync:${r.name}` ? "Syncing…" : "Sync now"}
        </button>
      </td>
    </tr>
  );
}

function ReportCard({ report: r, busy, onImport }: { report: SyncReport; busy: boolean; onImport: (subject: string) => void }) {
  if (r.team) return <TeamReportCard remote={r.remote} team={r.team} requests={r.requests} />;
  const items = [
    ...r.drifted.map((i) => ({ ...i, kind: "drifted" })),
    ...r.skipped.map((i) => ({ ...i, kind: "skipped" })),
    ...r.failed.map((i) => ({ ...i, kind: "failed" })),
    ...r.conflicts.map((i) => ({ ...i, kind: "conflict" })),
  ];
  return (
    <section className="card" data-testid="sync-report">
      <h2>Sync with {r.remote}</h2>
      <p data-testid="sync-counts">
        {r.scannedModels} models and {r.scannedVersions} versions scanned · {r.pulled} pulled ·{r.recorded > 0 && ` ${r.recorded} recorded without files ·`} {r.pushed} pushed · {r.bound} bound ·{" "}
        {r.unchanged} unchanged · {r.aliasesPulled + r.aliasesPushed} aliases moved ·{" "}
        {r.fieldsPulled + r.fieldsPushed} descriptions, tags or stages moved · {r.deletedRemotely} deleted there · {r.requests} requests
        {(r.verified > 0 || r.drifted.length > 0) && ` · bytes checked again: ${r.verified} the same, ${r.drifted.length} drifted`}
      </p>
      {items.length > 0 && (
        <ul className="plain">
          {items.map((i) => (
            <li key={`${i.kind}${i.subject}`} data-testid="sync-item">
              <span className={i.kind === "failed" || i.kind === "drifted" ? "error" : "muted"}>{i.kind}</span> <span className="mono">{i.subject}</span>: {i.reason}
              {i.kind === "drifted" && !i.reason.includes("imported as") && (
                <>
                  {" "}
                  <button disabled={busy} data-testid="import-drift" onClick={() => onImport(i.subject)}>
                    Import as new version
                  </button>
                </>
              )}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

/** A team ledger's sync: segments and events taken in (applied, about their author's desktop
 * only, refused — each refusal with its reason), pushed, and the shared state's digest, which
 * members compare to know they hold the same history. */
function TeamReportCard({ remote, team: t, requests }: { remote: string; team: TeamSync; requests: number }) {
  return (
    <section className="card" data-testid="sync-report">
      <h2>Sync with the team ledger {remote}</h2>
      <p data-testid="sync-counts">
        took in {t.segmentsPulled} segments ({t.eventsPulled} events: {t.projected} applied, {t.localOnly} about their author's desktop only, {t.refused.length} refused) · pushed {t.segmentsPushed} segments ({t.eventsPushed} events, {t.objectsPushed} files) ·{" "}
        {t.ledgerSegments} segments on the ledger · {requests} requests
        {t.racesLost > 0 && ` · lost ${t.racesLost} races for a segment number and retried`}
        {t.restored > 0 && ` · ${t.restored} of your own events restored (this log's tail had been cut)`}
      </p>
      <p className="muted">
        State digest <span className="mono" data-testid="state-digest">{t.stateDigest}</span> — members who took in the same segments show the same one.
      </p>
      {t.refused.length > 0 && (
        <ul className="plain">
          {t.refused.map((i) => (
            <li key={i.subject + i.reason} data-testid="sync-item">
              <span className="error">refused</span> <span className="mono">{i.subject}</span>: {i.reason}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
