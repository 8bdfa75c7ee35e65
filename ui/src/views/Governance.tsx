/**
 * Governance of one version, on its page: status and approval gate, approvals and the
 * approve/reject form (maker ≠ checker is the engine's rule: its refusal shows in the form),
 * promotion, evaluations with thresholds and the baseline, deployments and the deploy form, and
 * the warning when an open erasure request touches the data the version was trained on.
 * The parts are in ./governance; this panel puts them together.
 */
import { ApprovalTable, GateLine } from "./governance/ApprovalTable";
import { ApproveForm } from "./governance/ApproveForm";
import { DeployForm } from "./governance/DeployForm";
import { EvaluateForm } from "./governance/EvaluateForm";
import { EvaluationTable } from "./governance/EvaluationTable";
import { PolicyForm } from "./governance/PolicyForm";
import { PromoteForm } from "./governance/PromoteForm";
import type { Governance } from "./governance/useGovernance";
import { VersionDeployments } from "./governance/VersionDeployments";

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
  governance: Governance;
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
        <GateLine gov={gov} />
        <ApprovalTable approvals={gov.approvals} />
        <div className="gov-forms">
          <ApproveForm reference={reference} onDone={reload} />
          <PromoteForm reference={reference} status={gov.status} gateOk={gov.gate.ok} onDone={reload} />
        </div>
        <PolicyForm model={model} required={gov.gate.required} onDone={reload} />
      </section>
      <section className="card" data-testid="gov-evaluations">
        <h2>Evaluations</h2>
        <EvaluationTable list={gov.evaluations} model={model} />
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
