/**
 * Evidence files attached to a version (explainability, fairness, evaluation, documentation…),
 * kept by digest, and a form to attach one: a browser uploads the chosen file first, the
 * desktop app hands over the path the native chooser returns.
 */
import { useRef, useState } from "react";
import { useBackend } from "../../backend";
import { ErrorBanner } from "../../components/ErrorBanner";
import { useAction } from "../../components/useAction";
import { useLoad } from "../../components/useLoad";
import { bytes, short, when } from "../../format";

export const ATTACHMENT_KINDS = ["explainability", "fairness", "evaluation", "documentation", "other"];

export function AttachmentsCard({ reference }: { reference: string }) {
  const backend = useBackend();
  const list = useLoad(() => backend.call("attachments", { reference }), [backend, reference]);
  const [kind, setKind] = useState(ATTACHMENT_KINDS[0]);
  // A browser's chosen file, or the desktop's chosen path.
  const [file, setFile] = useState<File | null>(null);
  const [path, setPath] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const input = useRef<HTMLInputElement>(null);
  const { busy, error, setError, run } = useAction();
  const shell = backend.transport === "tauri" ? backend.shell : undefined;

  const choose = () =>
    void run(async () => {
      const [picked] = (await shell?.pick("attachment")) ?? [];
      if (picked) setPath(picked);
    });
  const submit = (e: React.FormEvent) => {
    e.preventDefault();
    setNotice(null);
    if (!file && !path) return setError("Choose a file to attach.");
    void run(async () => {
      let target = path;
      if (file) [target] = await backend.upload([{ relPath: file.name, file }]);
      if (!target) throw new Error("The upload returned no path.");
      const r = await backend.call("attach_file", { reference, kind, path: target });
      setNotice(r.created ? `Attached ${r.attachment.name} as ${r.attachment.kind}.` : `${r.attachment.name} is already attached (same digest); nothing new was recorded.`);
      setFile(null);
      setPath(null);
      if (input.current) input.current.value = "";
      await list.refresh();
    });
  };
  const rows = list.data?.attachments ?? [];
  return (
    <section className="card" data-testid="attachments-card">
      <h2>Evidence files</h2>
      <ErrorBanner error={list.error ?? error} testId="attachments-error" />
      {list.data && rows.length === 0 && <p className="muted">Nothing attached yet: model cards, fairness or explainability reports, evaluation results…</p>}
      {rows.length > 0 && (
        <table className="grid compact">
          <thead>
            <tr>
              <th>Kind</th>
              <th>Name</th>
              <th>Size</th>
              <th>SHA-256</th>
              <th>By</th>
              <th>When</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((a) => (
              <tr key={a.auditSeq} data-testid="attachment-row" data-kind={a.kind}>
                <td>
                  <span className="tag">{a.kind}</span>
                </td>
                <td>{a.name}</td>
                <td className="nowrap">{bytes(a.size)}</td>
                <td className="mono" title={a.sha256}>
                  {short(a.sha256)}…
                </td>
                <td className="muted">{a.createdBy}</td>
                <td className="nowrap">{when(a.createdAt)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <form className="inline-fields attach-form" onSubmit={submit} noValidate>
        <label className="check">
          Kind
          <select data-testid="attach-kind" value={kind} onChange={(e) => setKind(e.target.value)}>
            {ATTACHMENT_KINDS.map((k) => (
              <option key={k} value={k}>
                {k}
              </option>
            ))}
          </select>
        </label>
        {shell ? (
          <>
            <button type="button" data-testid="attach-pick" onClick={choose} disabled={busy}>
              Choose a file…
            </button>
            {path && <span className="mono small">{path}</span>}
          </>
        ) : (
          <input ref={input} type="file" data-testid="attach-file" onChange={(e) => setFile(e.currentTarget.files?.[0] ?? null)} />
        )}
        <button className="primary" data-testid="attach-submit" disabled={busy}>
          {busy ? "Attaching…" : "Attach"}
        </button>
      </form>
      {notice && (
        <p className="muted" data-testid="attach-notice" role="status">
          {notice}
        </p>
      )}
    </section>
  );
}
