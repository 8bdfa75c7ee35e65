/**
 * Deployments per environment: what serves now, a timeline (one lane per version, a bar per
 * interval, its traffic share inside; rollbacks marked), the full history, "what served at
 * <time>" and a rollback (reason required). Versions are deployed from their own page. Below:
 * which model decided at an instant, monitoring (chart, rules, rollback proposals) and
 * recovery drills (in `deployments/`).
 */
import { useMemo, useState } from "react";
import { useBackend } from "../backend";
import type { Deployment, Environment, Serving } from "../backend/generated/api";
import { versionHash } from "../router";
import { localToRfc3339, whenExact as when } from "../format";
import { DEPLOYMENT_COLUMNS as COL, DeploymentTable, deploymentRef as ref, trafficText } from "../components/DeploymentTable";
import { ErrorBanner } from "../components/ErrorBanner";
import { FieldError } from "../components/FieldError";
import { useAction } from "../components/useAction";
import { useFollow } from "../components/useFollow";
import { useLoad } from "../components/useLoad";
import { DecisionCard } from "./deployments/DecisionCard";
import { DrillCard } from "./deployments/DrillCard";
import { MonitorCard } from "./deployments/MonitorCard";

export { localToRfc3339 } from "../format";

const HISTORY_COLUMNS = [
  COL.from,
  COL.until,
  COL.version,
  COL.role(
    <span className="tag rollback" data-testid="deploy-rollback-mark">
      ↺ rollback
    </span>,
  ),
  COL.traffic,
  COL.strategy,
  COL.reason,
  COL.by,
];

export function DeploymentsView() {
  const backend = useBackend();
  // `now`: when the timeline was loaded (the right end of the bars still open).
  const { data, error, refresh: load } = useLoad(
    async () => ({ timeline: await backend.call("deployments", { env: null, reference: null }), now: Date.now() }),
    [backend],
  );
  const timeline = data?.timeline ?? null;
  const now = data?.now ?? 0;

  const envs = useMemo(() => {
    if (!timeline) return [];
    const byName = new Map<string, Environment>(timeline.environments.map((e) => [e.name, e]));
    for (const d of timeline.deployments) if (!byName.has(d.env)) byName.set(d.env, { name: d.env, production: false });
    const rows = (name: string) => timeline.deployments.filter((d) => d.env === name);
    // Production first, then by name; environments never deployed to are left out.
    return [...byName.values()]
      .map((env) => ({ env, rows: rows(env.name) }))
      .filter((x) => x.rows.length > 0)
      .sort((a, b) => Number(b.env.production) - Number(a.env.production) || a.env.name.localeCompare(b.env.name));
  }, [timeline]);
  const envNames = useMemo(() => envs.map((e) => e.env.name), [envs]);

  return (
    <div className="page deployments">
      <div className="page-head">
        <h1>Deployments</h1>
        {timeline && timeline.deployments.length > 0 && (
          <span className="muted">
            {envs.length} environment{envs.length === 1 ? "" : "s"} · {timeline.deployments.length} intervals
          </span>
        )}
        <button data-testid="deployments-refresh" onClick={() => void load()}>
          Refresh
        </button>
      </div>
      <ErrorBanner error={error} testId="deployments-error" />
      {!timeline && !error && <div className="loading">Loading deployments…</div>}
      {timeline && timeline.deployments.length === 0 && (
        <div className="card" data-testid="deployments-empty">
          <h2>Nothing deployed yet</h2>
          <p>
            A deployment records which version serves in an environment, from when until when, and with what share of the traffic (full, blue-green,
            canary or shadow). Deploy a version from its page (<em>Governance → Deploy</em>) or with <code>pedigree deploy MODEL@VERSION --env staging</code>.
            Environments named <code>prod</code> or <code>production</code>, or marked with <code>pedigree env NAME --production</code>, only take approved
            versions.
          </p>
        </div>
      )}
      {envs.map(({ env, rows }) => (
        <EnvCard key={env.name} env={env} rows={rows} now={now} onChanged={load} />
      ))}
      {envNames.length > 0 && (
        <>
          <DecisionCard envs={envNames} />
          <MonitorCard envs={envNames} stamp={data} onChanged={load} />
          <DrillCard stamp={data} />
        </>
      )}
    </div>
  );
}

function EnvCard({ env, rows, now, onChanged }: { env: Environment; rows: Deployment[]; now: number; onChanged: () => Promise<void> }) {
  const active = rows.filter((d) => d.endedAt === null);
  return (
    <section className="card env" data-testid="env-card" data-env={env.name}>
      <div className="env-head">
        <h2>{env.name}</h2>
        {env.production && (
          <span className="tag prod" data-testid="env-production">
            production
          </span>
        )}
        <span className="env-now" data-testid="env-current">
          {active.length === 0 ? (
            <span className="muted">nothing serving</span>
          ) : (
            <>
              <span className="muted">now: </span>
              {active.map((d, i) => (
                <span key={d.id}>
                  {i > 0 && " · "}
                  <a href={versionHash(ref(d))}>{ref(d)}</a> {trafficText(d)}
                  {d.role !== "primary" && <span className="muted"> {d.role}</span>}
                </span>
              ))}
            </>
          )}
        </span>
        <Rollback env={env.name} disabled={active.length === 0} onDone={onChanged} />
        <ProductionFlag env={env} onDone={onChanged} />
      </div>
      <Gantt rows={rows} now={now} />
      <ServingAt env={env.name} />
      <details className="history" open>
        <summary>History ({rows.length})</summary>
        <DeploymentTable
          list={rows}
          columns={HISTORY_COLUMNS}
          row={(d) => ({
            "data-testid": "deploy-row",
            "data-id": d.id,
            "data-active": String(d.endedAt === null),
            className: d.rollbackOf !== null ? "rollback" : "",
          })}
        />
      </details>
    </section>
  );
}

/** One lane per version, bars positioned on a shared time axis from the first deployment to now. */
function Gantt({ rows, now }: { rows: Deployment[]; now: number }) {
  const t = (s: string) => new Date(s).getTime();
  const t0 = Math.min(...rows.map((d) => t(d.startedAt)));
  const t1 = Math.max(now, ...rows.map((d) => (d.endedAt ? t(d.endedAt) : now)));
  const span = Math.max(1, t1 - t0);
  const lanes: string[] = [];
  for (const d of [...rows].sort((a, b) => t(a.startedAt) - t(b.startedAt) || a.id - b.id)) if (!lanes.includes(ref(d))) lanes.push(ref(d));
  const pct = (x: number) => `${((100 * (x - t0)) / span).toFixed(3)}%`;
  return (
    <div className="gantt" data-testid="env-timeline" role="img" aria-label="Deployment timeline">
      {lanes.map((lane) => (
        <div className="lane" key={lane} data-testid="timeline-lane" data-version={lane}>
          <div className="lane-label mono" title={lane}>
            {lane}
          </div>
          <div className="track">
            {rows
              .filter((d) => ref(d) === lane)
              // Oldest first, so a later interval starting at the same instant is drawn on top.
              .sort((a, b) => t(a.startedAt) - t(b.startedAt) || a.id - b.id)
              .map((d) => {
                const start = t(d.startedAt);
                const end = d.endedAt ? t(d.endedAt) : now;
                const width = Math.max(0.8, (100 * (end - start)) / span);
                const cls = ["bar", `r-${d.role}`, d.endedAt ? "" : "open", d.rollbackOf !== null ? "rollback" : ""].join(" ");
                return (
                  <div
                    key={d.id}
                    className={cls}
                    data-testid="timeline-bar"
                    style={{ left: `min(${pct(start)}, calc(100% - 6px))`, width: `min(${width.toFixed(3)}%, calc(100% - ${pct(start)}))` }}
                    title={`${lane} · ${d.role} · ${trafficText(d)} · ${d.strategy}\n${when(d.startedAt)} → ${d.endedAt ? when(d.endedAt) : "now"}\n${d.rollbackOf !== null ? "rollback: " : ""}${d.reason}`}
                  >
                    {d.rollbackOf !== null && "↺ "}
                    {d.role === "shadow" ? "shadow" : `${d.traffic}%`}
                  </div>
                );
              })}
          </div>
        </div>
      ))}
      <div className="axis">
        <span>{when(new Date(t0).toISOString())}</span>
        <span>now</span>
      </div>
    </div>
  );
}


function ServingAt({ env }: { env: string }) {
  const backend = useBackend();
  const [at, setAt] = useState("");
  const [result, setResult] = useState<Serving | null>(null);
  const { error, run } = useAction();
  const ask = (e: React.FormEvent) => {
    e.preventDefault();
    void run(async () => {
      try {
        setResult(await backend.call("serving_at", { env, at: localToRfc3339(at) }));
      } catch (err) {
        setResult(null);
        throw err;
      }
    });
  };
  return (
    <form className="serving-at" data-testid="serving-at" onSubmit={ask}>
      <label className="check">
        Serving at
        <input type="datetime-local" step={1} data-testid="serving-at-input" value={at} onChange={(e) => setAt(e.target.value)} />
      </label>
      <button data-testid="serving-at-submit">{at ? "Show" : "Show now"}</button>
      {result && (
        <span data-testid="serving-at-result">
          {result.deployments.length === 0 ? (
            <span className="muted">nothing served in {env} at {when(result.at)}</span>
          ) : (
            <>
              <span className="muted">at {when(result.at)}: </span>
              {result.deployments.map((d, i) => (
                <span key={d.id}>
                  {i > 0 && " · "}
                  <strong>{ref(d)}</strong> {trafficText(d)}
                  {d.role !== "primary" && ` ${d.role}`}
                </span>
              ))}
            </>
          )}
        </span>
      )}
      <FieldError error={error} testId="serving-at-error" inline />
    </form>
  );
}

/** Marks an environment as production (only approved versions go there) or unmarks it: tick, then confirm. */
function ProductionFlag({ env, onDone }: { env: Environment; onDone: () => Promise<void> }) {
  const backend = useBackend();
  const [production, setProduction] = useFollow(env.production);
  const { busy, error, run } = useAction();
  const changed = production !== env.production;
  const save = () =>
    run(async () => {
      await backend.call("set_environment", { name: env.name, production });
      await onDone();
    });
  return (
    <span className="env-production-form">
      <label className="check" title="Production environments only take approved versions">
        <input type="checkbox" data-testid="env-production-toggle" checked={production} onChange={(e) => setProduction(e.target.checked)} />
        production
      </label>
      {changed && (
        <>
          <button className={production ? "warn" : ""} data-testid="env-production-save" disabled={busy} onClick={() => void save()}>
            {busy ? "Saving…" : production ? `Mark ${env.name} as production` : `Unmark ${env.name} as production`}
          </button>
          <button type="button" onClick={() => setProduction(env.production)} disabled={busy}>
            Cancel
          </button>
        </>
      )}
      <FieldError error={error} testId="env-production-error" inline />
    </span>
  );
}

function Rollback({ env, disabled, onDone }: { env: string; disabled: boolean; onDone: () => Promise<void> }) {
  const backend = useBackend();
  const [open, setOpen] = useState(false);
  const [reason, setReason] = useState("");
  const { busy, error, setError, run } = useAction();
  const submit = async (e: React.FormEvent) => {
    e.preventDefault();
    if (!reason.trim()) return setError("A reason is required: say why, for the audit trail.");
    await run(async () => {
      await backend.call("rollback_env", { env, reason: reason.trim() });
      setOpen(false);
      setReason("");
      await onDone();
    });
  };
  if (!open)
    return (
      <button className="warn" data-testid="env-rollback" disabled={disabled} onClick={() => setOpen(true)} title="Drop the canary, or restore the previous version">
        Roll back…
      </button>
    );
  return (
    <form className="rollback-form" data-testid="env-rollback-form" onSubmit={submit} noValidate>
      <input data-testid="env-rollback-reason" value={reason} onChange={(e) => setReason(e.target.value)} placeholder="Why roll back?" autoFocus required />
      <button className="warn" data-testid="env-rollback-submit" disabled={busy}>
        {busy ? "Rolling back…" : `Roll back ${env}`}
      </button>
      <button type="button" onClick={() => (setOpen(false), setError(null))}>
        Cancel
      </button>
      <FieldError error={error} testId="env-rollback-error" inline />
    </form>
  );
}
