/**
 * Reports: pick a version, preview its report (sandboxed: no scripts, no same-origin), export
 * the bundle (PDF, JSON and their evidence; progress while it is built), download its files
 * (browser) or find its folder (desktop), and verify the bundle. Below, the erasure requests
 * with the versions and deployments each one affects. The parts are in ./reports.
 */
import { useEffect, useRef, useState } from "react";
import { useBackend } from "../backend";
import type { BundleVerification, Progress, ReportBundle } from "../backend/generated/api";
import { useApp } from "../app-state";
import { versionHash } from "../router";
import { ErrorBanner } from "../components/ErrorBanner";
import { useAction } from "../components/useAction";
import { BundleCard } from "./reports/BundleCard";
import { ErasuresPanel } from "./reports/ErasuresPanel";
import { VersionPicker } from "./reports/VersionPicker";

export function ReportsView({ reference }: { reference: string }) {
  const backend = useBackend();
  const { progress } = useApp();
  const [error, setError] = useState<string | null>(null);
  const [html, setHtml] = useState<string | null>(null);
  const [bundle, setBundle] = useState<ReportBundle | null>(null);
  const [verification, setVerification] = useState<BundleVerification | null>(null);
  // The actions and the picker's loads report to the page's one error banner.
  const { busy: previewing, run: runPreview } = useAction(setError);
  const { busy: exporting, run: runExport } = useAction(setError);
  const { busy: verifying, run: runVerify } = useAction(setError);
  // Answers for a version no longer shown are dropped.
  const current = useRef(reference);
  useEffect(() => {
    current.current = reference;
    setHtml(null);
    setBundle(null);
    setVerification(null);
    setError(null);
  }, [reference]);

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

  return (
    <div className="page reports">
      <div className="page-head">
        <h1>Reports</h1>
        <VersionPicker reference={reference} setError={setError} />
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
      {exporting && <ExportProgress progress={progress} />}
      {bundle && <BundleCard bundle={bundle} verifying={verifying} onVerify={() => void verify()} verification={verification} />}
      {html !== null && <ReportPreview reference={reference} html={html} onClose={() => setHtml(null)} />}
      <ErasuresPanel />
    </div>
  );
}

/** The export's progress bar, from the app's progress events about the report. */
function ExportProgress({ progress }: { progress: Progress | null }) {
  const p = progress && progress.task.startsWith("report") ? progress : null;
  const pct = p && p.total > 0 ? Math.min(100, (100 * p.done) / p.total) : 0;
  return (
    <div className="progress inline" data-testid="report-progress" role="progressbar" aria-valuenow={Math.round(pct)} aria-valuemin={0} aria-valuemax={100}>
      <div className="bar" style={{ width: `${pct}%` }} />
      <span className="label">
        Building the bundle…{p && ` ${p.detail ?? `${p.done} of ${p.total}`}`}
      </span>
    </div>
  );
}

function ReportPreview({ reference, html, onClose }: { reference: string; html: string; onClose: () => void }) {
  return (
    <section className="card report-preview">
      <div className="panel-head">
        <h2>Preview of {reference}</h2>
        <button className="close" aria-label="Close the preview" onClick={onClose}>
          ×
        </button>
      </div>
      {/* sandbox="" : no scripts, no forms, no same-origin access — the report is only read. */}
      <iframe data-testid="report-preview" title={`Report of ${reference}`} sandbox="" srcDoc={html} />
    </section>
  );
}
