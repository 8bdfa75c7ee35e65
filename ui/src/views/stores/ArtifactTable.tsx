/**
 * The artifacts the index found, in one store or all of them: filter by path, unregistered only,
 * paging, a row unfolds its details, and "Register…" hands an unregistered file or folder on.
 */
import { Fragment, useState } from "react";
import type { Artifact } from "../../backend/generated/api";
import { storeHash, versionHash } from "../../router";
import { bytes, idLabel, plural } from "../../format";
import { ErrorBanner } from "../../components/ErrorBanner";
import { ArtifactDetails, hintText } from "./ArtifactDetails";
import { PAGE, useArtifactPage } from "./useArtifactPage";

interface ArtifactTableProps {
  store: string | null;
  /** Bumped to reload the page in place (same filter and offset). */
  tick: number;
  /** The artifact being staged for registration. */
  staging: number | null;
  onRegister: (a: Artifact) => void;
}

export function ArtifactTable({ store, tick, staging, onRegister }: ArtifactTableProps) {
  const [query, setQuery] = useState("");
  const [unregisteredOnly, setUnregisteredOnly] = useState(false);
  const [open, setOpen] = useState<number | null>(null);
  const { rows, total, offset, setOffset, loaded, error } = useArtifactPage({ store, query, unregisteredOnly }, tick);
  const all = store === null;
  return (
    <section className="artifacts" data-testid="artifacts">
      <div className="page-head">
        <h2>{all ? "Artifacts in every store" : <>Artifacts in {store}</>}</h2>
        {!all && (
          <a href={storeHash(null)} data-testid="artifacts-all">
            show every store
          </a>
        )}
        <input data-testid="artifact-filter" placeholder="Filter by path…" value={query} onChange={(e) => setQuery(e.target.value)} />
        <label className="check">
          <input data-testid="artifact-unregistered" type="checkbox" checked={unregisteredOnly} onChange={(e) => setUnregisteredOnly(e.target.checked)} />
          Unregistered only
        </label>
        <Pager offset={offset} shown={rows.length} total={total} onOffset={setOffset} />
      </div>
      <ErrorBanner error={error} />
      <table className="grid" data-testid="artifacts-table">
        <thead>
          <tr>
            {all && <th>Store</th>}
            <th>Path</th>
            <th>Kind</th>
            <th>Format</th>
            <th>Size</th>
            <th>Registered as</th>
            <th>Hints</th>
            <th>Note</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {rows.map((a) => (
            <Fragment key={a.id}>
              <ArtifactRow a={a} all={all} open={open === a.id} onToggle={() => setOpen(open === a.id ? null : a.id)} staging={staging} onRegister={onRegister} />
              {open === a.id && (
                <tr className="payload">
                  <td colSpan={all ? 9 : 8}>
                    <ArtifactDetails a={a} />
                  </td>
                </tr>
              )}
            </Fragment>
          ))}
        </tbody>
      </table>
      {loaded && rows.length === 0 && !error && (
        <p className="muted pad" data-testid="artifacts-empty">
          {query || unregisteredOnly
            ? "No artifact matches."
            : all
              ? "No artifacts yet: index a store to see what it holds."
              : `No artifacts in ${store} yet: “Index now” lists them.`}
        </p>
      )}
    </section>
  );
}

function Pager({ offset, shown, total, onOffset }: { offset: number; shown: number; total: number; onOffset: (offset: number) => void }) {
  return (
    <span className="pager">
      <button data-testid="artifact-prev" disabled={offset === 0} onClick={() => onOffset(Math.max(0, offset - PAGE))} aria-label="Previous page">
        ‹
      </button>
      <span data-testid="artifact-count">
        {total === 0 ? "0" : `${offset + 1}–${Math.min(offset + shown, total)}`} of {total}
      </span>
      <button data-testid="artifact-next" disabled={offset + PAGE >= total} onClick={() => onOffset(offset + PAGE)} aria-label="Next page">
        ›
      </button>
    </span>
  );
}

interface ArtifactRowProps {
  a: Artifact;
  /** Every store is shown: the row starts with the store's name. */
  all: boolean;
  open: boolean;
  onToggle: () => void;
  staging: number | null;
  onRegister: (a: Artifact) => void;
}

function ArtifactRow({ a, all, open, onToggle, staging, onRegister }: ArtifactRowProps) {
  const registrable = !a.registeredAs && (a.kind === "file" || a.kind === "folder");
  return (
    <tr
      data-testid="artifact-row"
      data-path={a.path}
      data-id={a.id}
      data-registered={a.registeredAs ?? ""}
      className={`clickable ${open ? "selected" : ""}`}
      tabIndex={0}
      aria-expanded={open}
      onClick={onToggle}
      onKeyDown={(e) => e.target === e.currentTarget && e.key === "Enter" && onToggle()}
    >
      {all && <td>{a.store}</td>}
      <td className="mono wrap">{a.name.includes("@") ? a.name : a.path}</td>
      <td>{a.kind}</td>
      <td>{a.format}</td>
      <td className="nowrap">
        {bytes(a.size)}
        {a.kind === "folder" && <span className="muted"> · {plural(a.fileCount, "file")}</span>}
      </td>
      <td>
        {a.registeredAs ? (
          <a href={versionHash(idLabel(a.registeredAs))} data-testid="artifact-registered" onClick={(e) => e.stopPropagation()}>
            {idLabel(a.registeredAs)}
          </a>
        ) : (
          <span className="muted">–</span>
        )}
      </td>
      <td data-testid="artifact-hints">
        {a.hints.slice(0, 3).map((h, i) => (
          <div key={i} className="hint-text" title={h.source}>
            {hintText(h)}
          </div>
        ))}
        {a.hints.length > 3 && <span className="muted">+{a.hints.length - 3} more</span>}
      </td>
      <td className="muted">{a.note}</td>
      <td className="nowrap">
        {registrable && (
          <button
            data-testid="artifact-register"
            disabled={staging !== null}
            onClick={(e) => {
              e.stopPropagation();
              onRegister(a);
            }}
          >
            {staging === a.id ? "Preparing…" : "Register…"}
          </button>
        )}
      </td>
    </tr>
  );
}
