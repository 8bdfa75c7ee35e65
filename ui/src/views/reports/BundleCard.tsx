/** An exported report bundle: its files (sizes, sha256, downloads in a browser) and the result of verifying it. */
import { useBackend } from "../../backend";
import type { BundleVerification, ReportBundle } from "../../backend/generated/api";
import { bytes, plural, short } from "../../format";

interface BundleCardProps {
  bundle: ReportBundle;
  verification: BundleVerification | null;
  verifying: boolean;
  onVerify: () => void;
}

export function BundleCard({ bundle, verification, verifying, onVerify }: BundleCardProps) {
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
      <BundleFiles bundle={bundle} />
      {verification && <VerificationResult verification={verification} />}
    </section>
  );
}

function BundleFiles({ bundle }: { bundle: ReportBundle }) {
  const backend = useBackend();
  return (
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
  );
}

function VerificationResult({ verification }: { verification: BundleVerification }) {
  return (
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
  );
}
