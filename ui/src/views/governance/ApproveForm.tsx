/** Approve or reject a version in a role, with a justification (maker ≠ checker: the engine's refusal shows here). */
import { useState } from "react";
import { useBackend } from "../../backend";
import { FieldError } from "../../components/FieldError";
import { TextField } from "../../components/TextField";
import { useAction } from "../../components/useAction";
import { ROLES } from "./rules";

export function ApproveForm({ reference, onDone }: { reference: string; onDone: () => Promise<void> }) {
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
        <TextField
          label="Justification"
          layout="grow"
          testId="gov-approve-justification"
          value={justification}
          onChange={setJustification}
          placeholder="e.g. validated on the holdout set, report #42"
          required
        />
        <button className="primary" data-testid="gov-approve-submit" disabled={busy}>
          {busy ? "Recording…" : decision === "approved" ? "Approve" : "Reject"}
        </button>
      </div>
      <FieldError error={error} testId="gov-approve-error" />
      <p className="muted small">Whoever registered a version cannot approve it (maker ≠ checker).</p>
    </form>
  );
}
