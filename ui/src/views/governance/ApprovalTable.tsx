/** The gate (what the policy still needs) and the approval decisions recorded so far. */
import type { VersionGovernance } from "../../backend/generated/api";
import { andList, when } from "../../format";
import { gateText } from "./rules";

export function GateLine({ gov }: { gov: VersionGovernance }) {
  const { gate } = gov;
  return (
    <p className={`gate ${gate.ok ? "ok" : gate.rejected.length ? "error" : "pending"}`} data-testid="gov-gate">
      {gate.ok ? "✓" : gate.rejected.length ? "✗" : "○"} {gateText(gate, gov.approvals)}
      <span className="muted"> · policy: {andList(gate.required)} · registered by {gov.createdBy}</span>
    </p>
  );
}

export function ApprovalTable({ approvals }: { approvals: VersionGovernance["approvals"] }) {
  if (approvals.length === 0) return <p className="muted">No approval decisions yet.</p>;
  return (
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
        {approvals.map((a) => (
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
  );
}
