/**
 * Monitoring of one environment: a metric's snapshots over time with deployments and rule
 * thresholds marked, the rules (add, remove) and the rollback proposals they raised.
 * A decision or a new rule can roll back, so both reload the whole view (`onChanged`).
 */
import { EnvSelect } from "./EnvSelect";
import { useState } from "react";
import { useBackend } from "../../backend";
import type { Rule } from "../../backend/generated/api";
import { ErrorBanner } from "../../components/ErrorBanner";
import { FieldError } from "../../components/FieldError";
import { useAction } from "../../components/useAction";
import { useFollow } from "../../components/useFollow";
import { useLoad } from "../../components/useLoad";
import { MonitorChart } from "./MonitorChart";
import { ProposalList } from "./Proposals";
import { useRefreshOn } from "./useRefreshOn";

const ORDER: Record<string, number> = { open: 0, executed: 1, dismissed: 2 };

export function MonitorCard({ envs, stamp, onChanged }: { envs: string[]; stamp: unknown; onChanged: () => Promise<void> }) {
  const backend = useBackend();
  const [env, setEnv] = useFollow(envs[0] ?? "", envs.join("\n"));
  // null: the server's pick (the first metric a rule watches, else the first there is).
  const [metric, setMetric] = useState<string | null>(null);
  const overview = useLoad(() => backend.call("monitor_overview", { env: env || null, metric, limit: null }), [backend, env, metric]);
  useRefreshOn(stamp, overview.refresh);
  const o = overview.data;
  const rules = o ? o.rules.filter((r) => r.env === env) : [];
  const proposals = o ? o.proposals.filter((p) => p.env === env).sort((a, b) => (ORDER[a.status] ?? 3) - (ORDER[b.status] ?? 3)) : [];

  return (
    <section className="card monitor" data-testid="monitor-card" data-env={env}>
      <div className="env-head">
        <h2>Monitoring</h2>
        <label className="check">
          Environment
          <EnvSelect
            testId="monitor-env"
            value={env}
            envs={envs}
            onChange={(e) => {
              setEnv(e);
              setMetric(null);
            }}
          />
        </label>
        <label className="check">
          Metric
          <select data-testid="monitor-metric" value={o?.metric ?? ""} disabled={!o || o.metrics.length === 0} onChange={(e) => setMetric(e.target.value || null)}>
            {o?.metrics.map((m) => (
              <option key={m.metric} value={m.metric}>
                {m.metric} ({m.snapshots})
              </option>
            ))}
          </select>
        </label>
      </div>
      <ErrorBanner error={overview.error} testId="monitor-error" />
      {!o && !overview.error && <div className="loading">Loading monitoring…</div>}
      {o && o.series.length === 0 && (
        <p className="muted" data-testid="monitor-empty">
          No monitoring snapshots for {env}
          {o.metric ? ` (${o.metric})` : ""} yet. Import them (JSON lines or CSV, one value per environment, time and metric) with{" "}
          <code>pedigree monitor import FILE</code>.
        </p>
      )}
      {o && o.series.length > 0 && (
        <MonitorChart series={o.series} deployments={o.deployments.filter((d) => d.env === env)} rules={rules.filter((r) => r.metric === o.metric)} />
      )}
      {o && (
        <div className="monitor-lists">
          <div>
            <h3>Rules</h3>
            <Rules env={env} rules={rules} onChanged={onChanged} />
          </div>
          <div>
            <h3>Rollback proposals</h3>
            <ProposalList proposals={proposals} onDecided={onChanged} />
          </div>
        </div>
      )}
    </section>
  );
}

function Rules({ env, rules, onChanged }: { env: string; rules: Rule[]; onChanged: () => Promise<void> }) {
  const backend = useBackend();
  const [rule, setRule] = useState("");
  const [auto, setAuto] = useState(false);
  const { busy, error, setError, run } = useAction();
  const add = (e: React.FormEvent) => {
    e.preventDefault();
    if (!rule.trim()) return setError("Write a rule, e.g. auc < 0.7 for 3");
    void run(async () => {
      await backend.call("monitor_rule_add", { env, rule: rule.trim(), auto });
      setRule("");
      setAuto(false);
      await onChanged();
    });
  };
  const remove = (expr: string) =>
    void run(async () => {
      await backend.call("monitor_rule_remove", { env, rule: expr, auto: false });
      await onChanged();
    });
  return (
    <>
      {rules.length === 0 && <p className="muted">No rules for {env}.</p>}
      <ul className="plain">
        {rules.map((r) => (
          <li key={r.id} data-testid="monitor-rule" data-rule={r.expr}>
            <code>{r.expr}</code> <span className={`tag ${r.auto ? "warn" : ""}`}>{r.auto ? "rolls back automatically" : "proposes a rollback"}</span>{" "}
            <button className="link inline" aria-label={`Remove rule ${r.expr}`} data-testid="monitor-rule-remove" disabled={busy} onClick={() => remove(r.expr)}>
              remove
            </button>
          </li>
        ))}
      </ul>
      <form className="inline-fields" onSubmit={add} noValidate>
        <input data-testid="monitor-rule-expr" value={rule} onChange={(e) => setRule(e.target.value)} placeholder="auc < 0.7 for 3" />
        <label className="check" title="Roll back without asking when it fires">
          <input type="checkbox" data-testid="monitor-rule-auto" checked={auto} onChange={(e) => setAuto(e.target.checked)} />
          automatic
        </label>
        <button data-testid="monitor-rule-add" disabled={busy}>
          Add rule
        </button>
        <FieldError error={error} testId="monitor-rule-error" inline />
      </form>
    </>
  );
}
