/** Record an erasure request: dataset, a salted hash of the data subject (hex) and a reason; shows what it impacts. */
import { useState } from "react";
import { useBackend } from "../../backend";
import type { Erasure } from "../../backend/generated/api";
import { idLabel, plural } from "../../format";
import { FieldError } from "../../components/FieldError";
import { TextField } from "../../components/TextField";
import { useAction } from "../../components/useAction";

/** What is wrong with the request before anything is sent, or null. */
function eraseProblem(dataset: string, hash: string, reason: string): string | null {
  if (!dataset.trim().includes("@")) return "Name the dataset as DATASET@VERSION (e.g. imagenet-mini@2).";
  if (!/^[0-9a-f]+$/.test(hash)) return "The subject hash must be hexadecimal (a salted hash of the identifier).";
  if (!reason.trim()) return "A reason is required: say why, for the audit trail.";
  return null;
}

export function EraseForm({ onDone }: { onDone: () => Promise<void> }) {
  const backend = useBackend();
  const [dataset, setDataset] = useState("");
  const [subject, setSubject] = useState("");
  const [reason, setReason] = useState("");
  const [created, setCreated] = useState<Erasure | null>(null);
  const { busy, error, setError, run } = useAction();
  const submit = async (e: React.FormEvent) => {
    e.preventDefault();
    setCreated(null);
    const hash = subject.trim().toLowerCase();
    const problem = eraseProblem(dataset, hash, reason);
    if (problem) return setError(problem);
    await run(async () => {
      const r = await backend.call("erase_subject", { dataset: dataset.trim(), subjectHash: hash, reason: reason.trim() });
      setCreated(r);
      setSubject("");
      setReason("");
      await onDone();
    });
  };
  return (
    <form className="gov-form" data-testid="erasure-form" onSubmit={submit} noValidate>
      <h3>New erasure request</h3>
      <div className="fields">
        <TextField label="Dataset" testId="erasure-dataset" value={dataset} onChange={setDataset} placeholder="DATASET@VERSION" required />
        <TextField
          label="Subject hash"
          layout="grow"
          className="mono"
          testId="erasure-subject"
          value={subject}
          onChange={setSubject}
          placeholder="hex, e.g. sha256(salt + subject id)"
          spellCheck={false}
          autoComplete="off"
          required
        />
        <TextField label="Reason" layout="grow" testId="erasure-reason" value={reason} onChange={setReason} placeholder="e.g. GDPR art. 17 request #123" required />
        <button className="primary" data-testid="erasure-submit" disabled={busy}>
          {busy ? "Recording…" : "Record request"}
        </button>
      </div>
      <p className="muted small">
        The subject hash must be a salted hash of the data subject's identifier (hex) — never the identifier itself: it is kept in the audit log.
      </p>
      <FieldError error={error} testId="erasure-error" />
      {created && <Created erasure={created} />}
    </form>
  );
}

function Created({ erasure: e }: { erasure: Erasure }) {
  const impacts = e.impacts.map((i) => (i.kind === "version" ? idLabel(i.node) : `${idLabel(i.node)} (${i.kind})`));
  return (
    <p className="ok small" data-testid="erasure-created" role="status">
      Request #{e.id} recorded on {idLabel(e.dataset)}:{" "}
      {e.impacts.length === 0 ? "nothing trained on that data." : `${plural(e.impacts.length, "impact")} — ${impacts.join(", ")}.`}
    </p>
  );
}
