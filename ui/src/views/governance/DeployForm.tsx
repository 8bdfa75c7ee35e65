/**
 * Deploy the version to an environment: strategy (a canary takes a traffic share), a reason, a
 * hint before deploying an unapproved version to production and, after, what the environment serves.
 */
import { useState } from "react";
import { useBackend } from "../../backend";
import type { Environment } from "../../backend/generated/api";
import { trafficText } from "../../components/DeploymentTable";
import { FieldError } from "../../components/FieldError";
import { TextField } from "../../components/TextField";
import { useAction } from "../../components/useAction";
import { isProductionEnv, STRATEGIES } from "./rules";

interface DeployFields {
  env: string;
  strategy: string;
  traffic: string;
  reason: string;
}

/** What is missing or wrong before anything is sent, or null. */
function deployProblem({ env, strategy, traffic, reason }: DeployFields): string | null {
  const t = Number(traffic);
  if (!env.trim()) return "Name the environment (e.g. staging).";
  if (strategy === "canary" && (traffic.trim() === "" || !Number.isInteger(t) || t < 1 || t > 99)) {
    return "A canary needs a traffic share: a whole percent from 1 to 99.";
  }
  if (!reason.trim()) return "A reason is required: say why, for the audit trail.";
  return null;
}

interface DeployFormProps {
  reference: string;
  status: string;
  envs: Environment[];
  onDone: () => Promise<void>;
}

export function DeployForm({ reference, status, envs, onDone }: DeployFormProps) {
  const backend = useBackend();
  const [fields, setFields] = useState<DeployFields>({ env: "", strategy: "full", traffic: "", reason: "" });
  const { env, strategy, traffic, reason } = fields;
  const set = (key: keyof DeployFields) => (value: string) => setFields((f) => ({ ...f, [key]: value }));
  const [ok, setOk] = useState<string | null>(null);
  const { busy, error, setError, run } = useAction();
  const prod = env.trim() !== "" && isProductionEnv(env.trim(), envs);
  const submit = async (e: React.FormEvent) => {
    e.preventDefault();
    setOk(null);
    const problem = deployProblem(fields);
    if (problem) return setError(problem);
    await run(async () => {
      const traffic = strategy === "canary" ? Number(fields.traffic) : null;
      const serving = await backend.call("deploy_version", { reference, env: env.trim(), strategy, traffic, reason: reason.trim() });
      setOk(`${env.trim()} now serves ${serving.map((d) => `${d.model}@${d.version} ${trafficText(d)}`).join(", ")}`);
      setFields((f) => ({ ...f, reason: "" }));
      await onDone();
    });
  };
  return (
    <form className="gov-form" data-testid="gov-deploy-form" onSubmit={submit} noValidate>
      <h3>Deploy</h3>
      <div className="fields">
        <TextField label="Environment" testId="gov-deploy-env" value={env} onChange={set("env")} list="gov-deploy-envs" placeholder="staging" required>
          <datalist id="gov-deploy-envs">
            {envs.map((x) => (
              <option key={x.name} value={x.name} />
            ))}
          </datalist>
        </TextField>
        <label>
          Strategy
          <select data-testid="gov-deploy-strategy" value={strategy} onChange={(e) => set("strategy")(e.target.value)}>
            {STRATEGIES.map((s) => (
              <option key={s}>{s}</option>
            ))}
          </select>
        </label>
        {strategy === "canary" && (
          <TextField label="Traffic %" layout="narrow" testId="gov-deploy-traffic" value={traffic} onChange={set("traffic")} inputMode="numeric" placeholder="10" required />
        )}
        <TextField label="Reason" layout="grow" testId="gov-deploy-reason" value={reason} onChange={set("reason")} placeholder="e.g. release 2026.11" required />
        <button className="primary" data-testid="gov-deploy-submit" disabled={busy}>
          {busy ? "Deploying…" : "Deploy"}
        </button>
      </div>
      {prod && strategy !== "shadow" && (
        <p className={status === "approved" ? "muted small" : "hint small"} data-testid="gov-deploy-prod-hint">
          {env.trim()} is a production environment: only approved versions go there{status === "approved" ? "." : ` (this one is ${status}).`}
        </p>
      )}
      <FieldError error={error} testId="gov-deploy-error" />
      {ok && (
        <p className="ok small" data-testid="gov-deploy-ok" role="status">
          {ok}
        </p>
      )}
    </form>
  );
}
