/**
 * Recovery drills: could each environment's previous version be restored right now (bytes
 * present and re-hashing, approvals, no open erasure, a compatible interface)? The latest drill
 * per environment, and a button that runs one for every environment where something serves.
 */
import { useState } from "react";
import { useBackend } from "../../backend";
import type { Drill, DrillResponse } from "../../backend/generated/api";
import { ErrorBanner } from "../../components/ErrorBanner";
import { useAction } from "../../components/useAction";
import { useLoad } from "../../components/useLoad";
import { when } from "../../format";
import { useRefreshOn } from "./useRefreshOn";

export function DrillCard({ stamp }: { stamp: unknown }) {
  const backend = useBackend();
  const latest = useLoad(() => backend.call("drills", { env: null }), [backend]);
  useRefreshOn(stamp, latest.refresh);
  const [result, setResult] = useState<DrillResponse | null>(null);
  const { busy, error, run } = useAction();
  const drill = () =>
    void run(async () => {
      setResult(null);
      setResult(await backend.call("drill", { env: null }));
      await latest.refresh();
    });
  const list = latest.data?.drills ?? [];
  return (
    <section className="card drill" data-testid="drill-card">
      <div className="env-head">
        <h2>Recovery drill</h2>
        <span className="muted env-now">Can what a rollback would restore be restored now?</span>
        <button data-testid="drill-run" disabled={busy} onClick={drill}>
          {busy ? "Drilling…" : "Run a drill now"}
        </button>
      </div>
      <ErrorBanner error={error ?? latest.error} testId="drill-error" />
      {result && (
        <div className={`drill-result ${result.ok ? "ok" : "error"}`} data-testid="drill-result" data-ok={String(result.ok)}>
          <strong>{result.ok ? "Every check passed" : "Some checks failed"}</strong>
          {result.drills.length === 0 && <span className="muted"> · nothing serves anywhere, nothing to drill</span>}
          {result.drills.map((d) => (
            <div key={d.env} className="drill-env">
              <DrillHead d={d} />
              <ul className="plain checks">
                {d.checks.map((c) => (
                  <li key={c.name} data-testid="drill-check" data-ok={String(c.ok)}>
                    <span className={`mark ${c.ok ? "ok" : "error"}`}>{c.ok ? "✓" : "✗"}</span>
                    <strong>{c.name}</strong> {c.ok ? "ok" : <span className="error">FAIL</span>} <span className="muted">{c.detail}</span>
                  </li>
                ))}
              </ul>
            </div>
          ))}
        </div>
      )}
      {latest.data && list.length === 0 && (
        <p className="muted" data-testid="drill-none">
          No drill yet. Run one here or with <code>pedigree drill</code> (exit code 3 when a check fails, for a scheduled job).
        </p>
      )}
      {list.length > 0 && (
        <ul className="plain drills">
          {list.map((d) => (
            <li key={d.env} data-testid="drill-latest" data-env={d.env} data-ok={String(d.ok)}>
              <DrillHead d={d} />
              {d.checks
                .filter((c) => !c.ok)
                .map((c) => (
                  <div key={c.name} className="error small">
                    ✗ {c.name}: {c.detail}
                  </div>
                ))}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

function DrillHead({ d }: { d: Drill }) {
  return (
    <div>
      <strong>{d.env}</strong>
      {d.production && <span className="tag prod">production</span>} <span className={`tag ${d.ok ? "ok" : "warn"}`}>{d.ok ? "PASSED" : "FAILED"}</span>{" "}
      <span className="mono">{d.current}</span> → <span className="mono">{d.restore ?? "nothing to restore"}</span>
      <span className="muted">
        {" "}
        · {when(d.at)} by {d.by}
      </span>
    </div>
  );
}
