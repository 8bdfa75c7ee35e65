/**
 * Rollback proposals raised by monitoring rules: what served, what a rollback restores, the rule
 * and the snapshots that broke it. An open one is accepted (rolled back now) or dismissed, with
 * a reason for the audit trail.
 */
import { useState } from "react";
import { useBackend } from "../../backend";
import type { Proposal } from "../../backend/generated/api";
import { FieldError } from "../../components/FieldError";
import { useAction } from "../../components/useAction";
import { num, when } from "../../format";

export function ProposalList({ proposals, onDecided }: { proposals: Proposal[]; onDecided: () => Promise<void> }) {
  if (proposals.length === 0) return <p className="muted">No rollback proposals.</p>;
  return (
    <ul className="plain proposals">
      {proposals.map((p) => (
        <ProposalItem key={p.id} p={p} onDecided={onDecided} />
      ))}
    </ul>
  );
}

function ProposalItem({ p, onDecided }: { p: Proposal; onDecided: () => Promise<void> }) {
  const backend = useBackend();
  const [reason, setReason] = useState("");
  const { running, error, setError, run } = useAction<"accept" | "dismiss">();
  const decide = (accept: boolean) => {
    if (!reason.trim()) return setError("A reason is required: say why, for the audit trail.");
    void run(
      async () => {
        await backend.call("decide_proposal", { proposal: String(p.id), accept, reason: reason.trim() });
        setReason("");
        await onDecided();
      },
      accept ? "accept" : "dismiss",
    );
  };
  const open = p.status === "open";
  return (
    <li className={`proposal p-${p.status}`} data-testid="proposal" data-status={p.status} data-id={p.id}>
      <div>
        <strong>#{p.id}</strong> <span className="mono">{p.from}</span> → <span className="mono">{p.to ?? "drop the canary"}</span>{" "}
        <span className={`tag ${open ? "warn" : p.status === "executed" ? "rollback" : ""}`}>{p.status}</span>
        <span className="muted">
          {" "}
          · {p.env} · rule <code>{p.rule}</code> · {when(p.createdAt)}
        </span>
      </div>
      <div className="muted small" data-testid="proposal-evidence">
        evidence:{" "}
        {p.evidence.map((s, i) => (
          <span key={`${s.at}${i}`} title={when(s.at)}>
            {i > 0 && ", "}
            {s.metric} {num(s.value)}
          </span>
        ))}
      </div>
      {p.resolution && <div className="small">{p.resolution}</div>}
      {open && (
        <form className="inline-fields" onSubmit={(e) => (e.preventDefault(), decide(true))} noValidate>
          <input data-testid="proposal-reason" value={reason} onChange={(e) => setReason(e.target.value)} placeholder="Why? (recorded)" />
          <button type="submit" className="warn" data-testid="proposal-accept" disabled={running !== null}>
            {running === "accept" ? "Rolling back…" : "Accept: roll back"}
          </button>
          <button type="button" data-testid="proposal-dismiss" disabled={running !== null} onClick={() => decide(false)}>
            {running === "dismiss" ? "Dismissing…" : "Dismiss"}
          </button>
          <FieldError error={error} testId="proposal-error" inline />
        </form>
      )}
    </li>
  );
}
