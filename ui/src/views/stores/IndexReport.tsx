/** Index reports: what an index run read, found and failed on (the card shown after "Index now"). */
import type { IndexReport } from "../../backend/generated/api";
import { bytes, plural } from "../../format";

/** Reports under one title, e.g. "Index of every store". */
export interface IndexReports {
  title: string;
  list: IndexReport[];
}

export function IndexReportCard({ reports, onClose }: { reports: IndexReports; onClose: () => void }) {
  return (
    <div className="card" data-testid="index-report">
      <div className="panel-head">
        <h2>{reports.title}</h2>
        <button className="close" aria-label="Close the report" onClick={onClose}>
          ×
        </button>
      </div>
      {reports.list.map((r) => (
        <IndexReportView key={r.store} report={r} />
      ))}
    </div>
  );
}

function seconds(ms: number): string {
  return ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(1)} s`;
}

function IndexReportView({ report: r }: { report: IndexReport }) {
  return (
    <div className="report" data-testid="report" data-store={r.store}>
      <h3>{r.store}</h3>
      {!r.complete && (
        <p className="banner warn" data-testid="index-incomplete" role="alert">
          The listing failed part-way, so this report is incomplete. Nothing was dropped from the index: files and artifacts not seen this time are
          kept until a complete run.
        </p>
      )}
      <dl className="facts" data-testid="report-facts">
        <dt>Files</dt>
        <dd>{r.files}</dd>
        <dt>Read</dt>
        <dd>
          {plural(r.hashedFiles, "file")}, {bytes(r.hashedBytes)}
        </dd>
        <dt>Unchanged</dt>
        <dd>{r.unchanged}</dd>
        <dt>Added / changed / removed</dt>
        <dd>
          {r.added} / {r.changed} / {r.removed}
        </dd>
        <dt>Artifacts</dt>
        <dd>
          {r.artifacts} ({r.newArtifacts} new)
        </dd>
        <dt>Elapsed</dt>
        <dd>{seconds(r.elapsedMs)}</dd>
      </dl>
      {r.errors.length > 0 && (
        <>
          <h4 className="error">{plural(r.errors.length, "problem")}</h4>
          <ul className="plain problems">
            {r.errors.map((e, i) => (
              <li key={i} data-testid="index-error">
                <span className="mono">{e.path || "(the store)"}</span>: {e.message}
              </li>
            ))}
          </ul>
        </>
      )}
    </div>
  );
}
