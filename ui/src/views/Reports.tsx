/**
 * Reports: pick a version, preview its report (sandboxed: no scripts, no same-origin), export
 * the bundle (PDF, JSON and their evidence; progress while it is built), download its files
 * (browser) or find its folder (desktop), and verify the bundle. Below, the erasure requests
 * with the versions and deployments each one affects.
 */
import { useCallback, useEffect, useRef, useState } from "react";
import { errorMessage, useBackend } from "../backend";
import type { BundleVerification, Erasure, ModelSummary, ReportBundle, VersionSummary } from "../backend/generated/api";
import { useApp } from "../app-state";
import { navigate, reportsHash, versionHash } from "../router";
import { bytes, idLabel, kindOf, plural, short, when } from "../format";
import { ErrorBanner } from "../components/ErrorBanner";
import { useAction } from "../components/useAction";

export function ReportsView({ reference }: { reference: string }) {
  const backend = useBackend();
  const { progress } = useApp();
  const [models, setModels] = useState<ModelSummary[]>([]);
  const [model, setModel] = useState(() => (reference.includes("@") ? reference.slice(0, reference.lastIndexOf("@")) : ""));
  const [versions, setVersions] = useState<VersionSummary[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [html, setHtml] = useState<string | null>(null);
  const [bundle, setBundle] = useState<ReportBundle | null>(null);
  const [verification, setVerification] = useState<BundleVerification | null>(null);
  // The three actions report to the page's one error banner.
  const { busy: previewing, run: runPreview } = useAction(setError);
  const { busy: exporting, run: runExport } = useAction(setError);
  const { busy: verifying, run: runVerify } = useAction(setError);
  const version = reference.includes("@") ? reference.slice(reference.lastIndexOf("@") + 1) : "";
  // Answers for a version no longer shown are dropped.
  const current = useRef(reference);
  useEffect(() => {
    current.current = reference;
  }, [reference]);

  useEffect(() => {
    backend
      .call("list_models", { filter: "", after: "", limit: 1000 })
      .then((r) => setModels(r.models))
      .catch((e) => setError(errorMessage(e)));
  }, [backend]);

  useEffect(() => {
    if (reference.includes("@")) setModel(reference.slice(0, reference.lastIndexOf("@")));
    setHtml(null);
    setBundle(null);
    setVerification(null);
    setError(null);
  }, [reference]);

  useEffect(() => {
    if (!model) return setVersions([]);
    let live = true;
    backend
      .call("list_versions", { model, offset: 0, limit: 1000 })
      .then((r) => live && setVersions(r.versions))
      .catch((e) => live && setError(errorMessage(e)));
    return () => {
      live = false;
    };
  }, [backend, model]);

  const preview = () =>
    runPreview(async () => {
      const r = await backend.call("report_preview", { reference });
      if (current.current === reference) setHtml(r.html);
    });

  const exportBundle = () => {
    setBundle(null);
    setVerification(null);
    return runExport(async () => {
      const b = await backend.call("build_report", { reference, outDir: null });
      if (current.current === reference) setBundle(b);
    });
  };

  const verify = async () => {
    if (!bundle) return;
    await runVerify(async () => {
      setVerification(await backend.call("verify_bundle", { dir: bundle.dir, key: null }));
    });
  };

  const p = exporting && progress && progress.task.startsWith("report") ? progress : null;
  const pct = p && p.total > 0 ? Math.min(100, (100 * p.done) / p.total) : 0;

  return (
    <div className="page reports">
      <div className="page-head">
        <h1>Reports</h1>
        <label className="check">
          Model
          <select
            data-testid="reports-model"
            value={model}
            onChange={(e) => {
              setModel(e.target.value);
              navigate(reportsHash(null));
            }}
          >
            <option value="">choose…</option>
            {models.map((m) => (
              <option key={m.name}>{m.name}</option>
            ))}
            {model && !models.some((m) => m.name === model) && <option>{model}</option>}
          </select>
        </label>
        <label className="check">
          Version
          <select
            data-testid="reports-version"
            value={version}
            disabled={!model}
            onChange={(e) => navigate(reportsHash(e.target.value ? `${model}@${e.target.value}` : null))}
          >
            <option value="">choose…</option>
            {versions.map((v) => (
              <option key={v.version} value={v.version}>
                {v.version} · {v.status}
              </option>
            ))}
            {version && !versions.some((v) => v.version === version) && <option>{version}</option>}
          </select>
        </label>
        {reference && (
          <>
            <a href={versionHash(reference)} className="muted">
              {reference} →
            </a>
            <button data-testid="report-preview-button" onClick={() => void preview()} disabled={previewing}>
              {previewing ? "Rendering…" : "Preview"}
            </button>
            <button className="primary" data-testid="report-export" onClick={() => void exportBundle()} disabled={exporting}>
              {exporting ? "Exporting…" : "Export bundle"}
            </button>
          </>
        )}
      </div>
      <ErrorBanner error={error} testId="reports-error" onDismiss={() => setError(null)} />
      {!reference && (
        <p className="muted" data-testid="reports-pick">
          Pick a version to preview its report or export the bundle: the report (PDF and JSON) with the evidence behind it, each file listed with its
          sha256 so the bundle can be verified later.
        </p>
      )}
      {exporting && (
        <div className="progress inline" data-testid="report-progress" role="progressbar" aria-valuenow={Math.round(pct)} aria-valuemin={0} aria-valuemax={100}>
          <div className="bar" style={{ width: `${pct}%` }} />
          <span className="label">
            Building the bundle…{p && ` ${p.detail ?? `${p.done} of ${p.total}`}`}
          </span>
        </div>
      )}
      {bundle && <BundleCard bundle={bundle} verifying={verifying} onVerify={() => void verify()} verification={verification} />}
      {html !== null && (
        <section className="card report-preview">
          <div className="panel-head">
            <h2>Preview of {reference}</h2>
            <button className="close" aria-label="Close the preview" onClick={() => setHtml(null)}>
              ×
            </button>
          </div>
          {/* sandbox="" : no scripts, no forms, no same-origin access — the report is only read. */}
          <iframe data-testid="report-preview" title={`Report of ${reference}`} sandbox="" srcDoc={html} />
        </section>
      )}
      <ErasuresPanel />
    </div>
  );
}

function BundleCard({
  bundle,
  verification,
  verifying,
  onVerify,
}: {
  bundle: ReportBundle;
  verification: BundleVerification | null;
  verifying: boolean;
  onVerify: () => void;
}) {
  const backend = useBackend();
  const total = bundle.files.reduce((n, f) => n + f.size, 0);
  return (
    <section className="card" data-testid="report-bundle">
      <div className="panel-head">
        <h2>
          Bundle {bundle.name}{" "}
          <span className={`tag ${bundle.pdfA ? "ok" : ""}`} data-testid="report-pdfa">
            {bundle.pdfA ? "PDF/A" : "PDF (not PDF/A)"}
          </span>
        </h2>
        <button data-testid="report-verify" onClick={onVerify} disabled={verifying}>
          {verifying ? "Verifying…" : "Verify bundle"}
        </button>
      </div>
      <p>
        {plural(bundle.files.length, "file")}, {bytes(total)} in <span className="mono wrap" data-testid="report-dir">{bundle.dir}</span>
        {backend.transport === "http" && <span className="muted"> (on the server)</span>}
      </p>
      <table className="grid compact">
        <thead>
          <tr>
            <th>File</th>
            <th>Size</th>
            <th>SHA-256</th>
            {backend.transport === "http" && <th />}
          </tr>
        </thead>
        <tbody>
          {bundle.files.map((f) => {
            const url = backend.reportFileUrl(bundle.name, f.path);
            return (
              <tr key={f.path} data-testid="report-file" data-path={f.path}>
                <td className="mono">{f.path}</td>
                <td className="nowrap">{bytes(f.size)}</td>
                <td className="mono digest" title={f.sha256}>
                  {short(f.sha256, 16)}…
                </td>
                {url && (
                  <td>
                    <a href={url} download={f.path.split("/").pop()} data-testid="report-download">
                      Download
                    </a>
                  </td>
                )}
              </tr>
            );
          })}
        </tbody>
      </table>
      {verification && (
        <div data-testid="report-verify-result">
          <div className={`banner ${verification.ok ? "ok" : "error"}`}>
            {verification.ok ? "The bundle is intact: every check passed." : `${plural(verification.checks.filter((c) => !c.ok).length, "check")} failed.`}
            {verification.fingerprint && (
              <span className="muted" data-testid="report-fingerprint">
                {" "}
                Signing key fingerprint <span className="mono">{verification.fingerprint}</span> — compare it with the one you trust.
              </span>
            )}
          </div>
          <ul className="plain checks">
            {verification.checks.map((c, i) => (
              <li key={`${c.name}-${i}`} data-testid="report-check" data-ok={String(c.ok)} className={c.ok ? "" : "error"}>
                <span className={`mark ${c.ok ? "ok" : "error"}`}>{c.ok ? "✓" : "✗"}</span> <strong>{c.name}</strong>
                {c.detail && <span className={c.ok ? "muted" : ""}> — {c.detail}</span>}
              </li>
            ))}
          </ul>
        </div>
      )}
    </section>
  );
}

export function ErasuresPanel() {
  const backend = useBackend();
  const [list, setList] = useState<Erasure[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const load = useCallback(async () => {
    try {
      setList((await backend.call("erasures", {})).requests);
      setError(null);
    } catch (e) {
      setError(errorMessage(e));
    }
  }, [backend]);
  useEffect(() => {
    void load();
  }, [load]);
  return (
    <section className="card" data-testid="erasures">
      <h2>Erasure requests</h2>
      {error && <p className="error">{error}</p>}
      {list && list.length === 0 && (
        <p className="muted" data-testid="erasures-empty">
          No erasure requests. Record one below or with <code>pedigree erase --dataset NAME@VER --subject-hash HEX --reason …</code>; the versions trained
          on that data and the environments serving them are listed here until each is retrained or kept under an exception.
        </p>
      )}
      {list?.map((r) => {
        const open = r.impacts.filter((i) => !i.resolution).length;
        return (
          <div key={r.id} className="erasure" data-testid="erasure-row" data-id={r.id} data-status={r.status}>
            <div>
              <strong>#{r.id}</strong> on dataset <span className="mono">{idLabel(r.dataset)}</span>{" "}
              <span className={`tag ${r.status === "open" ? "warn" : "ok"}`}>{r.status}</span> — {r.reason}{" "}
              <span className="muted">
                · subject {short(r.subjectHash, 12)}… · {when(r.createdAt)} by {r.createdBy} · {open} of {plural(r.impacts.length, "impact")} open
              </span>
            </div>
            {r.impacts.length > 0 && (
              <ul className="plain impacts">
                {r.impacts.map((i) => (
                  <li key={i.node} data-testid="erasure-impact" data-state={i.resolution ? "resolved" : "open"}>
                    {i.kind === "version" ? (
                      <a href={versionHash(idLabel(i.node))}>{idLabel(i.node)}</a>
                    ) : (
                      <a href="#/deployments">{kindOf(i.node) === "deployment" ? `${idLabel(i.node)} (deployment)` : i.node}</a>
                    )}{" "}
                    {i.resolution ? (
                      <span className="ok">
                        resolved: {i.resolution === "retrained" ? `retrained as ${i.resolutionRef}` : `${i.resolution} (${i.resolutionRef})`}
                        <span className="muted">
                          {" "}
                          · {i.resolvedBy}
                          {i.resolvedAt && `, ${when(i.resolvedAt)}`}
                        </span>
                      </span>
                    ) : (
                      <span className="error">open — tainted</span>
                    )}
                    {!i.resolution && i.kind === "version" && <ResolveImpact id={r.id} node={i.node} onDone={load} />}
                  </li>
                ))}
              </ul>
            )}
          </div>
        );
      })}
      <EraseForm onDone={load} />
    </section>
  );
}

/** `version:resnet@1.1.0` → `resnet@1.1.0` (the reference `resolve_erasure` takes). */
export function impactReference(node: string): string {
  return node.startsWith("version:") ? node.slice("version:".length) : node;
}

function EraseForm({ onDone }: { onDone: () => Promise<void> }) {
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
    if (!dataset.trim().includes("@")) return setError("Name the dataset as DATASET@VERSION (e.g. imagenet-mini@2).");
    if (!/^[0-9a-f]+$/.test(hash)) return setError("The subject hash must be hexadecimal (a salted hash of the identifier).");
    if (!reason.trim()) return setError("A reason is required: say why, for the audit trail.");
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
        <label>
          Dataset
          <input data-testid="erasure-dataset" value={dataset} onChange={(e) => setDataset(e.target.value)} placeholder="DATASET@VERSION" required />
        </label>
        <label className="grow">
          Subject hash
          <input
            className="mono"
            data-testid="erasure-subject"
            value={subject}
            onChange={(e) => setSubject(e.target.value)}
            placeholder="hex, e.g. sha256(salt + subject id)"
            spellCheck={false}
            autoComplete="off"
            required
          />
        </label>
        <label className="grow">
          Reason
          <input data-testid="erasure-reason" value={reason} onChange={(e) => setReason(e.target.value)} placeholder="e.g. GDPR art. 17 request #123" required />
        </label>
        <button className="primary" data-testid="erasure-submit" disabled={busy}>
          {busy ? "Recording…" : "Record request"}
        </button>
      </div>
      <p className="muted small">
        The subject hash must be a salted hash of the data subject's identifier (hex) — never the identifier itself: it is kept in the audit log.
      </p>
      {error && (
        <p className="field-error" data-testid="erasure-error" role="alert">
          {error}
        </p>
      )}
      {created && (
        <p className="ok small" data-testid="erasure-created" role="status">
          Request #{created.id} recorded on {idLabel(created.dataset)}:{" "}
          {created.impacts.length === 0
            ? "nothing trained on that data."
            : `${plural(created.impacts.length, "impact")} — ${created.impacts.map((i) => (i.kind === "version" ? idLabel(i.node) : `${idLabel(i.node)} (${i.kind})`)).join(", ")}.`}
        </p>
      )}
    </form>
  );
}

function ResolveImpact({ id, node, onDone }: { id: number; node: string; onDone: () => Promise<void> }) {
  const backend = useBackend();
  const [mode, setMode] = useState<"retrained" | "exception">("retrained");
  const [value, setValue] = useState("");
  const { busy, error, setError, run } = useAction();
  const submit = async (e: React.FormEvent) => {
    e.preventDefault();
    const v = value.trim();
    if (mode === "retrained" && !v.includes("@")) return setError("Name the retrained version as MODEL@VERSION.");
    if (mode === "exception" && !v) return setError("An exception needs a justification (e.g. legal hold).");
    await run(async () => {
      await backend.call("resolve_erasure", {
        id,
        reference: impactReference(node),
        retrainedAs: mode === "retrained" ? v : null,
        exception: mode === "exception" ? v : null,
      });
      setValue("");
      await onDone();
    });
  };
  return (
    <details className="erasure-resolve" data-testid="erasure-resolve" data-node={node}>
      <summary>Resolve…</summary>
      <form className="rollback-form" onSubmit={submit} noValidate>
        <select data-testid="erasure-resolve-mode" value={mode} onChange={(e) => (setMode(e.target.value as "retrained" | "exception"), setError(null))}>
          <option value="retrained">retrained as</option>
          <option value="exception">exception</option>
        </select>
        <input
          data-testid="erasure-resolve-ref"
          value={value}
          onChange={(e) => setValue(e.target.value)}
          placeholder={mode === "retrained" ? "MODEL@VERSION" : "justification, e.g. legal hold"}
          required
        />
        <button data-testid="erasure-resolve-submit" disabled={busy}>
          {busy ? "Saving…" : "Resolve"}
        </button>
        {error && (
          <span className="error" data-testid="erasure-resolve-error" role="alert">
            {error}
          </span>
        )}
      </form>
    </details>
  );
}
