/** The stores, one row each: what was indexed and when, the last run's problems, "Index now" and "Remove" (confirmed). */
import { useState } from "react";
import type { StoreInfo } from "../../backend/generated/api";
import { useApp } from "../../app-state";
import { storeHash } from "../../router";
import { plural, when } from "../../format";
import type { IndexReports } from "./IndexReport";

interface StoreTableProps {
  stores: StoreInfo[];
  /** The store whose artifacts are shown (null: every store). */
  selected: string | null;
  /** The store being indexed, `*` for all of them. */
  indexing: string | null;
  onIndex: (name: string) => void;
  onRemove: (name: string) => void;
  onShowReport: (reports: IndexReports) => void;
}

export function StoreTable({ stores, selected, indexing, onIndex, onRemove, onShowReport }: StoreTableProps) {
  const [confirmRemove, setConfirmRemove] = useState<string | null>(null);
  const remove = (name: string) => {
    setConfirmRemove(null);
    onRemove(name);
  };
  return (
    <>
      <table className="grid" data-testid="stores-table">
        <thead>
          <tr>
            <th>Store</th>
            <th>Kind</th>
            <th>URI</th>
            <th>Files</th>
            <th>Artifacts</th>
            <th>Last indexed</th>
            <th>Credentials</th>
            <th>Problems</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {stores.map((s) => (
            <tr key={s.name} data-testid="store-row" data-store={s.name} className={selected === s.name ? "selected" : ""}>
              <td>
                <a href={storeHash(s.name)} data-testid="store-select">
                  <strong>{s.name}</strong>
                </a>
              </td>
              <td>{s.kind}</td>
              <td className="mono wrap">{s.uri}</td>
              <td>{s.files}</td>
              <td data-testid="store-artifacts">
                {s.artifacts}
                {s.unregistered > 0 && <span className="muted"> · {s.unregistered} unregistered</span>}
              </td>
              <td>{s.lastIndexedAt ? when(s.lastIndexedAt) : <span className="muted">never</span>}</td>
              <td className="muted">{s.credentials}</td>
              <td>
                <Problems store={s} onShow={onShowReport} />
              </td>
              <td className="nowrap">
                {confirmRemove === s.name ? (
                  <ConfirmRemove name={s.name} onRemove={() => remove(s.name)} onKeep={() => setConfirmRemove(null)} />
                ) : (
                  <RowActions name={s.name} indexing={indexing} onIndex={() => onIndex(s.name)} onRemove={() => setConfirmRemove(s.name)} />
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {confirmRemove && <p className="muted">Removing a store forgets its index; registered versions and the files themselves stay.</p>}
    </>
  );
}

/** The last index run's problems, as a button that shows its report. */
function Problems({ store: s, onShow }: { store: StoreInfo; onShow: (reports: IndexReports) => void }) {
  if (!s.lastReport) return <span className="muted">–</span>;
  const last = s.lastReport;
  return (
    <button
      className={`link ${last.errors.length || !last.complete ? "error" : ""}`}
      data-testid="store-problems"
      title="Show the last index report"
      onClick={() => onShow({ title: `Last index of ${s.name}`, list: [last] })}
    >
      {last.errors.length === 0 ? "none" : plural(last.errors.length, "problem")}
      {!last.complete && " · incomplete"}
    </button>
  );
}

function ConfirmRemove({ name, onRemove, onKeep }: { name: string; onRemove: () => void; onKeep: () => void }) {
  return (
    <>
      <span className="muted">Remove {name} and its index? </span>
      <button className="warn" data-testid="store-remove-confirm" onClick={onRemove}>
        Remove
      </button>{" "}
      <button onClick={onKeep} autoFocus>
        Keep
      </button>
    </>
  );
}

function RowActions({ name, indexing, onIndex, onRemove }: { name: string; indexing: string | null; onIndex: () => void; onRemove: () => void }) {
  const { progress } = useApp();
  // "Indexing… 12 of 340 files" (or a percentage) while this store's run reports progress.
  const p = progress && progress.task === `indexing ${name}` ? progress : null;
  const amount = p ? (p.detail ?? (p.total > 0 ? `${Math.round((100 * p.done) / p.total)}%` : "")) : null;
  return (
    <>
      <button className="primary" data-testid="store-index" disabled={indexing !== null} onClick={onIndex}>
        {indexing === name || indexing === "*" ? <span data-testid="store-indexing">{amount === null ? "Indexing…" : `Indexing… ${amount}`}</span> : "Index now"}
      </button>{" "}
      <button data-testid="store-remove" disabled={indexing !== null} onClick={onRemove}>
        Remove
      </button>
    </>
  );
}
