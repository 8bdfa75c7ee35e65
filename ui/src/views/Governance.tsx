/**
 * Governance of one version, on its page: status and approval gate, approvals and the
 * approve/reject form (maker ≠ checker is the engine's rule: its refusal shows in the form),
 * promotion, evaluations with thresholds and the baseline, deployments and the deploy form, and
 * the warning when an open erasure request touches the data the version was trained on.
 */
import { useCallback, useEffect, useRef, useState } from "react";
import { errorMessage, useBackend } from "../backend";
import type { Approval, Deployment, Environment, Evaluation, Gate, VersionGovernance } from "../backend/generated/api";
import { andList, idLabel, num, when } from "../format";
import { DEPLOYMENT_COLUMNS as COL, DeploymentTable, trafficText } from "../components/DeploymentTable";
import { useAction } from "../components/useAction";

export { trafficText };

export const ROLES = ["validator", "owner", "risk"] as const;
export const PROMOTE_TO = ["candidate", "approved", "deprecated", "revoked"] as const;
export const STRATEGIES = ["full", "blue-green", "canary", "shadow"] as const;

/** Governance of a version and its environments, reloaded after every change. */
export function useGovernance(reference: string) {
  const backend = useBackend();
  const [gov, setGov] = useState<VersionGovernance | null>(null);
  const [envs, setEnvs] = useState<Environment[]>([]);
  const [error, setError] = useState<string | null>(null);
  // Answers about a version no longer shown are dropped.
  const current = useRef(reference);
  const reload = useCallback(async () => {
    try {
      const g = await backend.call("version_governance", { reference });
      if (current.current !== reference) return;
      setGov(g);
      setError(null);
    } catch (e) {
      if (current.current === reference) setError(errorMessage(e));
    }
    try {
      setEnvs((await backend.call("deployments", { env: null, reference: null })).environments);
    } catch {
      /* only used for hints */
    }
  }, [backend, reference]);
  useEffect(() => {
    current.current = reference;
    setGov(null);
    setError(null);
    void reload();
  }, [reference, reload]);
  return { gov, envs, error, reload };
}

/** `needs validator approval`, `approved by alice (validator)`, `rejected by risk (bob)`. */
export function gateText(g: Gate, approvals: Approval[]): string {
  const by = (role: string) => {
    const a = [...approvals].reverse().find((x) => x.role === role);
    return a ? `${a.actor} (${role})` : role;
  };
  if (g.rejected.length > 0) return `rejected by ${andList(g.rejected.map(by))}`;
  if (g.ok) return `approved by ${andList(g.approved.map(by))}`;
  const need = `needs ${andList(g.missing)} approval`;
  return g.approved.length > 0 ? `${need} (approved by ${andList(g.approved.map(by))})` : need;
}

/** `better than 1.0.0 (0.8)`: the verdict against the previous version's value. */
export function baselineText(e: Evaluation, model: string): string {
  if (!e.vsBaseline || e.baseline === null) return "";
  const base = (e.baselineVersion ?? "").replace(new RegExp(`^${model.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}@`), "");
  const word = e.vsBaseline === "same" ? "same as" : `${e.vsBaseline} than`;
  return `${word} ${base} (${num(e.baseline)})`;
}

export function isProductionEnv(name: string, envs: Environment[]): boolean {
  const known = envs.find((e) => e.name === name);
  return known ? known.production : name === "prod" || name === "production";
}

export function TaintedBanner({ gov }: { gov: VersionGovernance | null }) {
  if (!gov || gov.taintedBy.length === 0) return null;
  return (
    <div className="banner warn tainted" data-testid="gov-tainted" role="alert">
      {gov.taintedBy.map((e) => (
        <div key={e.id}>
          <strong>
            Tainted by erasure request #{e.id} on dataset {idLabel(e.dataset)}
          </strong>
          : {e.reason} <span className="muted">(recorded {when(e.createdAt)} by {e.createdBy}; retrain without the erased data or record an exception)</span>
        </div>
      ))}
    </div>
  );
}

export function GovernancePanel({
  reference,
  model,
  datasets,
  governance,
}: {
  reference: string;
  model: string;
  /** Datasets the version is linked to (suggestions for the evaluation form), `NAME@VER`. */
  datasets: string[];
  governance: ReturnType<typeof useGovernance>;
}) {
  const { gov, envs, error, reload } = governance;
  if (error && !gov) return <div className="banner error" data-testid="gov-load-error">{error}</div>;
  if (!gov) return <div className="card loading">Loading governance…</div>;
  return (
    <div className="governance" data-testid="governance">
      <section className="card" data-testid="gov-approvals">
        <h2>
          Governance <span className={`status s-${gov.status}`} data-testid="gov-status">{gov.status}</span>
        </h2>
        <p className={`gate ${gov.gate.ok ? "ok" : gov.gate.rejected.length ? "error" : "pending"}`} data-testid="gov-gate">
          {gov.gate.ok ? "✓" : gov.gate.rejected.length ? "✗" : "○"} {gateText(gov.gate, gov.approvals)}
          <span className="muted"> · policy: {andList(gov.gate.required)} · registered by {gov.createdBy}</span>
        </p>
        {gov.approvals.length > 0 ? (
          <table className="grid compact">
            <thead>
              <tr>
                <th>Who</th>
                <th>Role</th>
                <th>Decision</th>
                <th>When</th>
                <th>Why</th>
              </tr>
            </thead>
            <tbody>
              {gov.approvals.map((a) => (
                <tr key={a.auditSeq} data-testid="gov-approval-row">
                  <td>{a.actor}</td>
                  <td>{a.role}</td>
                  <td className={a.decision === "approved" ? "ok" : "error"}>{a.decision}</td>
                  <td className="nowrap">{when(a.createdAt)}</td>
                  <td>{a.justification}</td>
                </tr>
              ))}
            </tbody>
          </table>
        ) : (
          <p className="muted">No approval decisions yet.</p>
        )}
        <div className="gov-forms">
          <ApproveForm reference={reference} onDone={reload} />
          <PromoteForm reference={reference} status={gov.status} gateOk={gov.gate.ok} onDone={reload} />
        </div>
        <PolicyForm model={model} required={gov.gate.required} onDone={reload} />
      </section>
      <section className="card" data-testid="gov-evaluations">
        <h2>Evaluations</h2>
        <EvaluationsTable list={gov.evaluations} model={model} />
        <EvaluateForm reference={reference} datasets={datasets} onDone={reload} />
      </section>
      <section className="card" data-testid="gov-deployments">
        <h2>
          Deployments <a href="#/deployments" className="small">all environments →</a>
        </h2>
        <VersionDeployments list={gov.deployments} />
        <DeployForm reference={reference} status={gov.status} envs={envs} onDone={reload} />
      </section>
    </div>
  );
}

function ApproveForm({ reference, onDone }: { reference: string; onDone: () => Promise<void> }) {
  const backend = useBackend();
  const [role, setRole] = useState<string>("validator");
  const [decision, setDecision] = useState<"approved" | "rejected">("approved");
  const [justification, setJustification] = useState("");
  const { busy, error, setError, run } = useAction();
  const submit = async (e: React.FormEvent) => {
    e.preventDefault();
    if (!justification.trim()) {
      setError("A justification is required: say why, for the audit trail.");
      return;
    }
    await run(async () => {
      await backend.call("approve_version", { reference, decision, role, justification: justification.trim() });
      setJustification("");
      await onDone();
    });
  };
  return (
    <form className="gov-form" data-testid="gov-approve-form" onSubmit={submit} noValidate>
      <h3>Decide</h3>
      <div className="fields">
        <label>
          Role
          <select data-testid="gov-approve-role" value={role} onChange={(e) => setRole(e.target.value)}>
            {ROLES.map((r) => (
              <option key={r}>{r}</option>
            ))}
          </select>
        </label>
        <label>
          Decision
          <select data-testid="gov-approve-decision" value={decision} onChange={(e) => setDecision(e.target.value as "approved" | "rejected")}>
            <option value="approved">approve</option>
            <option value="rejected">reject</option>
          </select>
        </label>
        <label className="grow">
          Justification
          <input
            data-testid="gov-approve-justification"
            value={justification}
            onChange={(e) => setJustification(e.target.value)}
            placeholder="e.g. validated on the holdout set, report #42"
            required
          />
        </label>
        <button className="primary" data-testid="gov-approve-submit" disabled={busy}>
          {busy ? "Recording…" : decision === "approved" ? "Approve" : "Reject"}
        </button>
      </div>
      {error && (
        <p className="field-error" data-testid="gov-approve-error" role="alert">
          {error}
        </p>
      )}
      <p className="muted small">Whoever registered a version cannot approve it (maker ≠ checker).</p>
    </form>
  );
}

/** The model's approval policy: the roles that must approve (applies to all its versions). */
function PolicyForm({ model, required, onDone }: { model: string; required: string[]; onDone: () => Promise<void> }) {
  const backend = useBackend();
  const key = required.join(",");
  const [roles, setRoles] = useState<string[]>(required);
  const { busy, error, run } = useAction();
  // Follows the policy after a reload.
  useEffect(() => setRoles(key ? key.split(",") : []), [key]);
  const changed = [...roles].sort().join(",") !== [...required].sort().join(",");
  const toggle = (role: string, on: boolean) => setRoles((rs) => (on ? [...ROLES.filter((r) => r === role || rs.includes(r)), ...rs.filter((r) => !(ROLES as readonly string[]).includes(r))] : rs.filter((r) => r !== role)));
  const submit = async (e: React.FormEvent) => {
    e.preventDefault();
    await run(async () => {
      await backend.call("set_policy", { model, requiredRoles: roles });
      await onDone();
    });
  };
  return (
    <form className="gov-form gov-policy" data-testid="gov-policy" onSubmit={submit} noValidate>
      <h3>Policy</h3>
      <div className="fields roles">
        <span className="muted small">Required approvals for {model}:</span>
        {ROLES.map((r) => (
          <label key={r}>
            <input type="checkbox" data-testid="gov-policy-role" data-role={r} checked={roles.includes(r)} onChange={(e) => toggle(r, e.target.checked)} />
            {r}
          </label>
        ))}
        <button data-testid="gov-policy-save" disabled={busy || !changed}>
          {busy ? "Saving…" : "Save policy"}
        </button>
      </div>
      {error && (
        <p className="field-error" data-testid="gov-policy-error" role="alert">
          {error}
        </p>
      )}
      <p className="muted small">Applies to every version of the model: the gate above is recomputed.</p>
    </form>
  );
}

function PromoteForm({ reference, status, gateOk, onDone }: { reference: string; status: string; gateOk: boolean; onDone: () => Promise<void> }) {
  const backend = useBackend();
  // The likely next step: approved once the gate is open, else the next status in the lifecycle.
  const next =
    gateOk && (status === "draft" || status === "candidate")
      ? "approved"
      : (PROMOTE_TO.find((s) => s !== status && PROMOTE_TO.indexOf(s) >= PROMOTE_TO.indexOf(status as never)) ?? "candidate");
  const [to, setTo] = useState<string>(next);
  const [reason, setReason] = useState("");
  const { busy, error, setError, run } = useAction();
  useEffect(() => setTo(next), [next]);
  const submit = async (e: React.FormEvent) => {
    e.preventDefault();
    if (!reason.trim()) {
      setError("A reason is required: say why, for the audit trail.");
      return;
    }
    await run(async () => {
      await backend.call("promote_version", { reference, status: to, reason: reason.trim() });
      setReason("");
      await onDone();
    });
  };
  return (
    <form className="gov-form" data-testid="gov-promote-form" onSubmit={submit} noValidate>
      <h3>Change status</h3>
      <div className="fields">
        <label>
          To
          <select data-testid="gov-promote-status" value={to} onChange={(e) => setTo(e.target.value)}>
            {PROMOTE_TO.map((s) => (
              <option key={s} disabled={s === status}>
                {s}
              </option>
            ))}
          </select>
        </label>
        <label className="grow">
          Reason
          <input data-testid="gov-promote-reason" value={reason} onChange={(e) => setReason(e.target.value)} placeholder="e.g. passed validation" required />
        </label>
        <button data-testid="gov-promote-submit" disabled={busy || status === "revoked"}>
          {busy ? "Saving…" : "Set status"}
        </button>
      </div>
      {error && (
        <p className="field-error" data-testid="gov-promote-error" role="alert">
          {error}
        </p>
      )}
      <p className="muted small">“approved” needs the policy's approvals; revocation is final.</p>
    </form>
  );
}

function EvaluationsTable({ list, model }: { list: Evaluation[]; model: string }) {
  if (list.length === 0) return <p className="muted">No evaluations recorded.</p>;
  return (
    <table className="grid compact" data-testid="gov-eval-table">
      <thead>
        <tr>
          <th>Dataset</th>
          <th>Metric</th>
          <th>Slice</th>
          <th>Value</th>
          <th>Threshold</th>
          <th>Result</th>
          <th>vs baseline</th>
          <th>Recorded</th>
        </tr>
      </thead>
      <tbody>
        {list.map((e, i) => (
          <tr key={`${e.auditSeq}-${i}`} data-testid="gov-eval-row" data-passed={e.passed === null ? "" : String(e.passed)}>
            <td className="mono">{idLabel(e.dataset)}</td>
            <td>{e.metric}</td>
            <td className={e.slice ? "mono" : "muted"}>{e.slice || "all"}</td>
            <td className="metric-value">{num(e.value)}</td>
            <td className="mono">{e.threshold ?? <span className="muted">–</span>}</td>
            <td data-testid="gov-eval-result" className={e.passed === false ? "error strong" : e.passed ? "ok" : "muted"}>
              {e.passed === null ? "–" : e.passed ? "pass" : "FAIL"}
            </td>
            <td data-testid="gov-eval-baseline" className={e.vsBaseline === "worse" ? "error" : e.vsBaseline === "better" ? "ok" : ""}>
              {baselineText(e, model) || <span className="muted">–</span>}
            </td>
            <td className="muted nowrap">
              {when(e.createdAt)} · {e.createdBy}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function EvaluateForm({ reference, datasets, onDone }: { reference: string; datasets: string[]; onDone: () => Promise<void> }) {
  const backend = useBackend();
  const [dataset, setDataset] = useState(datasets[0] ?? "");
  const [metric, setMetric] = useState("");
  const [value, setValue] = useState("");
  const [slice, setSlice] = useState("");
  const [threshold, setThreshold] = useState("");
  const { busy, error, setError, run } = useAction();
  const submit = async (e: React.FormEvent) => {
    e.preventDefault();
    const v = Number(value);
    if (!dataset.trim() || !metric.trim() || value.trim() === "" || !Number.isFinite(v)) {
      setError("Give a dataset (NAME@VERSION), a metric name and a number.");
      return;
    }
    await run(async () => {
      await backend.call("evaluate_version", {
        reference,
        dataset: dataset.trim(),
        metrics: [{ metric: metric.trim(), value: v, slice: slice.trim() || null, threshold: threshold.trim() || null }],
      });
      setValue("");
      setSlice("");
      await onDone();
    });
  };
  return (
    <form className="gov-form" data-testid="gov-eval-form" onSubmit={submit} noValidate>
      <div className="fields">
        <label>
          Dataset
          <input data-testid="gov-eval-dataset" value={dataset} onChange={(e) => setDataset(e.target.value)} list="gov-eval-datasets" placeholder="NAME@VERSION" required />
          <datalist id="gov-eval-datasets">
            {datasets.map((d) => (
              <option key={d} value={d} />
            ))}
          </datalist>
        </label>
        <label>
          Metric
          <input data-testid="gov-eval-metric" value={metric} onChange={(e) => setMetric(e.target.value)} placeholder="accuracy" required />
        </label>
        <label className="narrow">
          Value
          <input data-testid="gov-eval-value" value={value} onChange={(e) => setValue(e.target.value)} inputMode="decimal" placeholder="0.91" required />
        </label>
        <label className="narrow" title="Optional: the group these values are for, KEY=VALUE; empty for the whole dataset">
          Slice
          <input data-testid="gov-eval-slice" value={slice} onChange={(e) => setSlice(e.target.value)} placeholder="all (or age=65+)" />
        </label>
        <label className="narrow" title="Optional: OP VALUE with OP one of >=, >, <=, <, ==">
          Threshold
          <input data-testid="gov-eval-threshold" value={threshold} onChange={(e) => setThreshold(e.target.value)} placeholder="none (or >= 0.9)" />
        </label>
        <button data-testid="gov-eval-submit" disabled={busy}>
          {busy ? "Recording…" : "Add evaluation"}
        </button>
      </div>
      {error && (
        <p className="field-error" data-testid="gov-eval-error" role="alert">
          {error}
        </p>
      )}
    </form>
  );
}

const VERSION_DEPLOYMENT_COLUMNS = [
  COL.env,
  COL.role(<span className="tag rollback"> ↺ rollback</span>),
  COL.traffic,
  COL.strategy,
  COL.from,
  COL.until,
  COL.reason,
  COL.by,
];

function VersionDeployments({ list }: { list: Deployment[] }) {
  if (list.length === 0) return <p className="muted">Not deployed anywhere.</p>;
  return (
    <DeploymentTable
      list={list}
      columns={VERSION_DEPLOYMENT_COLUMNS}
      row={(d) => ({ "data-testid": "gov-deploy-row", "data-env": d.env, "data-active": String(d.endedAt === null) })}
    />
  );
}

function DeployForm({ reference, status, envs, onDone }: { reference: string; status: string; envs: Environment[]; onDone: () => Promise<void> }) {
  const backend = useBackend();
  const [env, setEnv] = useState("");
  const [strategy, setStrategy] = useState<string>("full");
  const [traffic, setTraffic] = useState("");
  const [reason, setReason] = useState("");
  const [ok, setOk] = useState<string | null>(null);
  const { busy, error, setError, run } = useAction();
  const prod = env.trim() !== "" && isProductionEnv(env.trim(), envs);
  const submit = async (e: React.FormEvent) => {
    e.preventDefault();
    setOk(null);
    const t = Number(traffic);
    if (!env.trim()) return setError("Name the environment (e.g. staging).");
    if (strategy === "canary" && (traffic.trim() === "" || !Number.isInteger(t) || t < 1 || t > 99)) {
      return setError("A canary needs a traffic share: a whole percent from 1 to 99.");
    }
    if (!reason.trim()) return setError("A reason is required: say why, for the audit trail.");
    await run(async () => {
      const serving = await backend.call("deploy_version", {
        reference,
        env: env.trim(),
        strategy,
        traffic: strategy === "canary" ? t : null,
        reason: reason.trim(),
      });
      setOk(`${env.trim()} now serves ${serving.map((d) => `${d.model}@${d.version} ${trafficText(d)}`).join(", ")}`);
      setReason("");
      await onDone();
    });
  };
  return (
    <form className="gov-form" data-testid="gov-deploy-form" onSubmit={submit} noValidate>
      <h3>Deploy</h3>
      <div className="fields">
        <label>
          Environment
          <input data-testid="gov-deploy-env" value={env} onChange={(e) => setEnv(e.target.value)} list="gov-deploy-envs" placeholder="staging" required />
          <datalist id="gov-deploy-envs">
            {envs.map((x) => (
              <option key={x.name} value={x.name} />
            ))}
          </datalist>
        </label>
        <label>
          Strategy
          <select data-testid="gov-deploy-strategy" value={strategy} onChange={(e) => setStrategy(e.target.value)}>
            {STRATEGIES.map((s) => (
              <option key={s}>{s}</option>
            ))}
          </select>
        </label>
        {strategy === "canary" && (
          <label className="narrow">
            Traffic %
            <input data-testid="gov-deploy-traffic" value={traffic} onChange={(e) => setTraffic(e.target.value)} inputMode="numeric" placeholder="10" required />
          </label>
        )}
        <label className="grow">
          Reason
          <input data-testid="gov-deploy-reason" value={reason} onChange={(e) => setReason(e.target.value)} placeholder="e.g. release 2026.11" required />
        </label>
        <button className="primary" data-testid="gov-deploy-submit" disabled={busy}>
          {busy ? "Deploying…" : "Deploy"}
        </button>
      </div>
      {prod && strategy !== "shadow" && (
        <p className={status === "approved" ? "muted small" : "hint small"} data-testid="gov-deploy-prod-hint">
          {env.trim()} is a production environment: only approved versions go there{status === "approved" ? "." : ` (this one is ${status}).`}
        </p>
      )}
      {error && (
        <p className="field-error" data-testid="gov-deploy-error" role="alert">
          {error}
        </p>
      )}
      {ok && (
        <p className="ok small" data-testid="gov-deploy-ok" role="status">
          {ok}
        </p>
      )}
    </form>
  );
}
