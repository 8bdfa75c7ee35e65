/** The audit log, filterable, with "Verify chain". */
import { Fragment, useEffect, useMemo, useState } from "react";
import { errorMessage, useBackend } from "../backend";
import type { AuditRow, Signer, VerifyReport } from "../backend/generated/api";
import { TeamCard } from "./audit/TeamCard";
import { when } from "../format";

/** What else signed the checkpoints: the people who made them, and ML-DSA-65 (post-quantum). */
function cosigned(r: { personSignedCheckpoints: number; pqCheckpoints: number }): string {
  const parts = [];
  if (r.personSignedCheckpoints) parts.push(`${r.personSignedCheckpoints} by the person who made it`);
  if (r.pqCheckpoints) parts.push(`${r.pqCheckpoints} co-signed ML-DSA-65`);
  return parts.length ? ` (${parts.join(", ")})` : "";
}

export function AuditView() {
  const backend = useBackend();
  const [subject, setSubject] = useState("");
  const [action, setAction] = useState("");
  const [rows, setRows] = useState<AuditRow[]>([]);
  const [signers, setSigners] = useState<Map<number, Signer>>(new Map());
  const [more, setMore] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [report, setReport] = useState<VerifyReport | null>(null);
  const [verifying, setVerifying] = useState(false);
  const [open, setOpen] = useState<number | null>(null);

  const load = async (before: number | null) => {
    try {
      const r = await backend.call("audit_log", { subject: subject.trim(), before, limit: 100 });
      setRows((x) => (before === null ? r.events : [...x, ...r.events]));
      setSigners((m) => new Map([...(before === null ? [] : m), ...r.signedBy.map((s): [number, Signer] => [s.seq, s])]));
      setMore(r.events.length === 100);
      setError(null);
    } catch (e) {
      setError(errorMessage(e));
    }
  };
  useEffect(() => {
    const t = setTimeout(() => void load(null), 150);
    return () => clearTimeout(t);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [subject]);

  const verify = async () => {
    setVerifying(true);
    try {
      setReport(await backend.call("audit_verify", {}));
    } catch (e) {
      setError(errorMessage(e));
    } finally {
      setVerifying(false);
    }
  };

  // The log is filtered by subject on the server; by action over the loaded pages.
  const actions = useMemo(() => [...new Set(rows.map((r) => r.action))].sort(), [rows]);
  const shown = useMemo(() => (action ? rows.filter((r) => r.action === action) : rows), [rows, action]);

  return (
    <div className="page">
      <div className="page-head">
        <h1>Audit log</h1>
        <input data-testid="audit-filter" placeholder="Subject starts with… (e.g. version:llm-legal@)" value={subject} onChange={(e) => setSubject(e.target.value)} />
        <select data-testid="audit-action" value={action} onChange={(e) => setAction(e.target.value)} aria-label="Action">
          <option value="">all actions</option>
          {actions.map((a) => (
            <option key={a}>{a}</option>
          ))}
          {action && !actions.includes(action) && <option>{action}</option>}
        </select>
        <button className="primary" data-testid="verify-chain" onClick={verify} disabled={verifying}>
          {verifying ? "Verifying…" : "Verify chain"}
        </button>
      </div>
      {report && (
        <div className={`banner ${report.ok ? "ok" : "error"}`} data-testid="verify-result">
          {report.ok
            ? `Chain OK: ${report.events} events, head ${report.head?.slice(0, 16)}…${signatures(report.signedEvents, report.signers.length)}${report.checkpoints ? `, ${report.checkpoints} signed checkpoint${report.checkpoints === 1 ? "" : "s"} checked${cosigned(report)}` : ""}, stored objects re-hashed`
            : report.firstBadSeq !== null
              ? `Chain broken at seq ${report.firstBadSeq}: ${report.problem}`
              : `Verification failed: ${report.problem ?? `${report.badObjects.length} stored objects no longer match their sha256`}`}
        </div>
      )}
      {error && <div className="banner error">{error}</div>}
      <TeamCard />
      <table className="grid">
        <thead>
          <tr>
            <th>Seq</th>
            <th>Time</th>
            <th>Actor</th>
            <th>Action</th>
            <th>Subject</th>
            <th>Hash</th>
            <th>Signed by</th>
          </tr>
        </thead>
        <tbody>
          {shown.map((e) => (
            <Fragment key={e.seq}>
              <tr data-testid="audit-row" className="clickable" onClick={() => setOpen(open === e.seq ? null : e.seq)}>
                <td className="mono">
                  {e.seq}
                  {e.author && (
                    <span className="tag" data-testid="audit-pulled" title={`Taken in from a team ledger: event ${e.originSeq} of its author's log`}>
                      ledger
                    </span>
                  )}
                </td>
                <td>{when(e.ts)}</td>
                <td>{e.actor}</td>
                <td>{e.action}</td>
                <td className="mono">{e.subject}</td>
                <td className="mono">{e.hash.slice(0, 12)}</td>
                <SignerCell signer={signers.get(e.seq)} />
              </tr>
              {open === e.seq && (
                <tr className="payload">
                  <td colSpan={7}>
                    <pre>{JSON.stringify(JSON.parse(e.payload), null, 2)}</pre>
                    <div className="muted mono">prev {e.prevHash}</div>
                  </td>
                </tr>
              )}
            </Fragment>
          ))}
        </tbody>
      </table>
      {shown.length === 0 && !error && (
        <p className="muted pad">
          No events{subject ? ` for “${subject}”` : ""}
          {action ? ` with action ${action}` : ""}.
        </p>
      )}
      {more && <button onClick={() => void load(rows[rows.length - 1].seq)}>Older events</button>}
    </div>
  );
}

/** ", 12 event signatures by 2 keys verify", or nothing when no event is signed. */
function signatures(events: number, keys: number): string {
  return events ? `, ${events} event signature${events === 1 ? "" : "s"} by ${keys} key${keys === 1 ? "" : "s"} verify` : "";
}

/** The member (or the bare key) that signed an event; "unsigned" for events from before identities. */
function SignerCell({ signer }: { signer: Signer | undefined }) {
  if (!signer) return <td className="muted">unsigned</td>;
  const fp = signer.fingerprint.slice(0, 15);
  return (
    <td data-testid="audit-signer" title={signer.fingerprint}>
      {signer.member ?? <span className="mono">{fp}…</span>}
      {signer.member && <span className="muted mono"> {fp}…</span>}
    </td>
  );
}
