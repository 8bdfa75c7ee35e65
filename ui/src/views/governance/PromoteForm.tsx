/** Change a version's status (with a reason); "approved" needs the policy's approvals, revocation is final. */
import { useState } from "react";
import { useBackend } from "../../backend";
import { FieldError } from "../../components/FieldError";
import { useFollow } from "../../components/useFollow";
import { TextField } from "../../components/TextField";
import { useAction } from "../../components/useAction";
import { PROMOTE_TO } from "./rules";

/** The likely next step: approved once the gate is open, else the next status in the lifecycle. */
function nextStatus(status: string, gateOk: boolean): string {
  if (gateOk && (status === "draft" || status === "candidate")) return "approved";
  return PROMOTE_TO.find((s) => s !== status && PROMOTE_TO.indexOf(s) >= PROMOTE_TO.indexOf(status as never)) ?? "candidate";
}

export function PromoteForm({ reference, status, gateOk, onDone }: { reference: string; status: string; gateOk: boolean; onDone: () => Promise<void> }) {
  const backend = useBackend();
  const next = nextStatus(status, gateOk);
  const [to, setTo] = useFollow<string>(next);
  const [reason, setReason] = useState("");
  const { busy, error, setError, run } = useAction();
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
        <TextField label="Reason" layout="grow" testId="gov-promote-reason" value={reason} onChange={setReason} placeholder="e.g. passed validation" required />
        <button data-testid="gov-promote-submit" disabled={busy || status === "revoked"}>
          {busy ? "Saving…" : "Set status"}
        </button>
      </div>
      <FieldError error={error} testId="gov-promote-error" />
      <p className="muted small">“approved” needs the policy's approvals; revocation is final.</p>
    </form>
  );
}
