/**
 * "Which model decided this?": an environment and an instant (empty = now) → the versions that
 * served there then (primary and canary decided, shadows only mirrored), each with its share,
 * since/until, why and by whom, and its approvals, evaluations and evidence files as they stood.
 */
import { EnvSelect } from "./EnvSelect";
import { useState } from "react";
import { useBackend } from "../../backend";
import type { Decider, Decision } from "../../backend/generated/api";
import { deploymentRef as ref, trafficText } from "../../components/DeploymentTable";
import { ErrorBanner } from "../../components/ErrorBanner";
import { useAction } from "../../components/useAction";
import { useFollow } from "../../components/useFollow";
import { localToRfc3339, num, short, whenExact as when } from "../../format";
import { versionHash } from "../../router";

export function DecisionCard({ envs }: { envs: string[] }) {
  const backend = useBackend();
  const [env, setEnv] = useFollow(envs[0] ?? "", envs.join("\n"));
  const [at, setAt] = useState("");
  const [result, setResult] = useState<Decision | null>(null);
  const { busy, error, run } = useAction();
  const lookup = (e: React.FormEvent) => {
    e.preventDefault();
    if (!env) return;
    void run(async () => {
      setResult(null);
      setResult(await backend.call("decision", { env, at: localToRfc3339(at) }));
    });
  };
  return (
    <section className="card decision" data-testid="decision-card">
      <h2>Which model decided this?</h2>
      <form className="inline-fields" onSubmit={lookup}>
        <label>
          Environment
          <EnvSelect testId="decision-env" value={env} envs={envs} onChange={setEnv} />
        </label>
        <label title="Your local time; leave empty for now">
          At
          <input type="datetime-local" step={1} data-testid="decision-at" value={at} onChange={(e) => setAt(e.target.value)} />
        </label>
        <button className="primary" data-testid="decision-lookup" disabled={busy || !env}>
          {busy ? "Looking…" : at ? "Look up" : "Look up now"}
        </button>
      </form>
      <ErrorBanner error={error} testId="decision-error" />
      {result && (
        <div data-testid="decision-result">
          {result.deciders.length === 0 ? (
            <p className="muted">
              Nothing served {result.env} at {when(result.at)}
            </p>
          ) : (
            <>
              <p className="muted">
                {result.env}
                {result.production && <span className="tag prod">production</span>} at {when(result.at)}:
              </p>
              {result.deciders.map((d) => (
                <DeciderBlock key={d.deployment.id} d={d} />
              ))}
            </>
          )}
        </div>
      )}
    </section>
  );
}

function DeciderBlock({ d }: { d: Decider }) {
  const dep = d.deployment;
  const r = ref(dep);
  return (
    <div className="decider" data-testid="decider" data-version={r}>
      <div className="decider-head">
        <a className="strong mono" href={versionHash(r)}>
          {r}
        </a>
        <span className="tag">{dep.role}</span>
        <span>{trafficText(dep)}</span>
        <span className={`status s-${d.status}`}>{d.status}</span>
        {d.gate.ok ? (
          <span className="tag ok">approval policy met</span>
        ) : (
          <span className="tag warn">missing approvals: {d.gate.missing.join(", ") || "—"}</span>
        )}
      </div>
      <dl className="facts">
        <dt>Served</dt>
        <dd>
          since {when(dep.startedAt)} {dep.endedAt ? `until ${when(dep.endedAt)}` : "· still serving"}
        </dd>
        <dt>Why</dt>
        <dd>
          {dep.reason || <span className="muted">no reason given</span>} <span className="muted">· deployed by {dep.createdBy}</span>
        </dd>
        {(dep.carrier || dep.recordedFrom) && (
          <>
            <dt>Carried by</dt>
            <dd>
              {dep.carrier && <span className="mono wrap">{dep.carrier}</span>}
              {dep.recordedFrom && <span className="muted"> recorded from {dep.recordedFrom}</span>}
            </dd>
          </>
        )}
        <dt>Root digest</dt>
        <dd className="mono" title={d.rootDigest}>
          {short(d.rootDigest)}…
        </dd>
        <dt>Approvals</dt>
        <dd data-testid="decider-approvals">
          {d.approvals.length === 0 && <span className="muted">none by then</span>}
          {d.approvals.map((a) => (
            <div key={a.auditSeq}>
              <span className={a.decision === "approved" ? "ok" : "error"}>{a.decision}</span> by {a.actor} <span className="muted">as {a.role} · {when(a.createdAt)}</span>
            </div>
          ))}
        </dd>
        <dt>Evaluations</dt>
        <dd data-testid="decider-evaluations">
          {d.evaluations.length === 0 && <span className="muted">none by then</span>}
          {d.evaluations.map((e) => (
            <div key={e.auditSeq}>
              <span className="mono">
                {e.metric}={num(e.value)}
              </span>
              {e.slice && <span className="muted"> [{e.slice}]</span>}
              {e.passed !== null && <span className={e.passed ? "ok" : "error strong"}> {e.passed ? "pass" : "FAIL"}</span>}
              <span className="muted"> on {e.dataset}</span>
            </div>
          ))}
        </dd>
        <dt>Evidence</dt>
        <dd data-testid="decider-attachments">
          {d.attachments.length === 0 && <span className="muted">no files attached</span>}
          {d.attachments.map((a) => (
            <div key={a.auditSeq}>
              <span className="tag">{a.kind}</span> {a.name}{" "}
              <span className="mono muted" title={a.sha256}>
                {short(a.sha256)}
              </span>
            </div>
          ))}
        </dd>
      </dl>
    </div>
  );
}
