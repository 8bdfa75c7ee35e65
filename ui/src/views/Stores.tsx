/**
 * Artifact stores: local folders, S3 buckets and HTTP listings where model files live. Lists
 * the stores, adds one (S3 credentials are sealed in the workspace), indexes on demand with
 * live progress and a report, browses the artifacts found (filter, unregistered only, paging,
 * details) and hands an unregistered one to the registration form. Watched stores push
 * changes (`onStoreEvent`): the rows and the artifacts refresh, and a small feed shows them.
 */
import { Fragment, useCallback, useEffect, useRef, useState } from "react";
import { errorMessage, useBackend } from "../backend";
import type { Artifact, IndexReport, LineageHint, StoreAddRequest, StoreEvent, StoreInfo, TensorSpec } from "../backend/generated/api";
import { useApp } from "../app-state";
import { navigate, storeHash, versionHash } from "../router";
import { bytes, idLabel, plural, short, when } from "../format";
import { ErrorBanner } from "../components/ErrorBanner";
import { TensorRows } from "../components/TensorRows";
import { useAction } from "../components/useAction";

const PAGE = 100;
const FEED = 20;

/** `trained on data/raw.csv (DVC)`: what a lineage hint says, for people. */
export function hintText(h: LineageHint): string {
  const what: Record<string, string> = { trained_on: "trained on", code: "code", dvc_out: "tracked by", out: "tracks" };
  return `${what[h.kind] ?? h.kind} ${h.path} (DVC)`;
}

const SIGN: Record<string, string> = { added: "+", changed: "~", removed: "−", artifact: "★", error: "!", indexed: "✓" };

function seconds(ms: number): string {
  return ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(1)} s`;
}

export function StoresView({ store }: { store: string | null }) {
  const backend = useBackend();
  const { progress, setPending, setNotice } = useApp();
  const [stores, setStores] = useState<StoreInfo[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [showAdd, setShowAdd] = useState(false);
  const { running: indexing, run: runIndex } = useAction<string>(setError);
  const [reports, setReports] = useState<{ title: string; list: IndexReport[] } | null>(null);
  const [confirmRemove, setConfirmRemove] = useState<string | null>(null);
  const { running: staging, run: runStage } = useAction<number>(setError);
  const [feed, setFeed] = useState<(StoreEvent & { seq: number })[]>([]);
  // Bumped to reload the artifacts page in place (same filter and offset).
  const [artifactsTick, setArtifactsTick] = useState(0);
  const feedSeq = useRef(0);
  const selected = useRef(store);
  useEffect(() => {
    selected.current = store;
  }, [store]);

  const loadStores = useCallback(async () => {
    try {
      const r = await backend.call("store_list", {});
      setStores(r.stores);
      setError(null);
    } catch (e) {
      setError(errorMessage(e));
    }
  }, [backend]);

  useEffect(() => {
    void loadStores();
  }, [loadStores]);

  // Live: every event goes to the feed; the rows and (if it is the one shown) the artifacts
  // reload once events have been quiet for 300 ms (an index run sends one per file).
  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    let touched = new Set<string>();
    const off = backend.onStoreEvent((e) => {
      setFeed((f) => [{ ...e, seq: ++feedSeq.current }, ...f].slice(0, FEED));
      touched.add(e.store);
      clearTimeout(timer);
      timer = setTimeout(() => {
        const which = touched;
        touched = new Set();
        void loadStores();
        if (selected.current === null || which.has(selected.current)) setArtifactsTick((t) => t + 1);
      }, 300);
    });
    return () => {
      off();
      clearTimeout(timer);
    };
  }, [backend, loadStores]);

  const index = (name: string | null) =>
    runIndex(async () => {
      const r = await backend.call("index_stores", { store: name });
      setReports({ title: name ? `Index of ${name}` : "Index of every store", list: r.reports });
      await loadStores();
      setArtifactsTick((t) => t + 1);
    }, name ?? "*");

  const remove = async (name: string) => {
    setConfirmRemove(null);
    setError(null);
    try {
      const r = await backend.call("store_remove", { name });
      setStores(r.stores);
      setReports((x) => (x && x.list.some((rep) => rep.store === name) ? null : x));
      if (store === name) navigate(storeHash(null));
      setArtifactsTick((t) => t + 1);
    } catch (e) {
      setError(errorMessage(e));
    }
  };

  const register = (a: Artifact) =>
    runStage(async () => {
      // Remote artifacts are downloaded here (progress events "downloading PATH").
      const s = await backend.call("stage_artifact", { id: a.id });
      setNotice?.(null);
      setPending(s.paths, { fromIndex: a.id, store: a.store, uri: s.artifact.uri, model: s.suggestedModel, trainedOn: s.trainedOn });
      navigate("#/register");
    }, a.id);

  const added = async (info: StoreInfo) => {
    setShowAdd(false);
    await loadStores();
    navigate(storeHash(info.name));
  };

  const empty = stores !== null && stores.length === 0;
  const indexingLabel = (name: string) => {
    const p = progress && progress.task === `indexing ${name}` ? progress : null;
    if (!p) return "Indexing…";
    const amount = p.detail ?? (p.total > 0 ? `${Math.round((100 * p.done) / p.total)}%` : "");
    return `Indexing… ${amount}`;
  };

  return (
    <div className="page stores">
      <div className="page-head">
        <h1>Stores</h1>
        {!empty && (
          <>
            <button data-testid="store-add-open" onClick={() => setShowAdd((x) => !x)} aria-expanded={showAdd}>
              {showAdd ? "Close" : "Add store"}
            </button>
            <button data-testid="index-all" onClick={() => void index(null)} disabled={indexing !== null || !stores?.length}>
              {indexing === "*" ? "Indexing every store…" : "Index all"}
            </button>
          </>
        )}
      </div>
      <ErrorBanner error={error} testId="stores-error" onDismiss={() => setError(null)} />
      {empty && (
        <div className="card" data-testid="stores-empty">
          <h2>No stores yet</h2>
          <p>
            A <strong>store</strong> is a place where model files already live: a local folder, an S3 bucket (or a prefix of one), or a folder served over
            HTTP. Pedigree <em>indexes</em> it: it lists the files, hashes local ones (remote ones are identified by their ETag and only their headers are
            read), sniffs model formats and interfaces, and reads DVC files for what each model was trained on. Nothing is copied or changed until you
            register an artifact. Local folders are watched: new files show up here as they land.
          </p>
        </div>
      )}
      {(empty || showAdd) && <AddStoreForm onAdded={added} />}
      {stores && stores.length > 0 && (
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
              <tr key={s.name} data-testid="store-row" data-store={s.name} className={store === s.name ? "selected" : ""}>
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
                  {s.lastReport ? (
                    <button
                      className={`link ${s.lastReport.errors.length || !s.lastReport.complete ? "error" : ""}`}
                      data-testid="store-problems"
                      title="Show the last index report"
                      onClick={() => setReports({ title: `Last index of ${s.name}`, list: [s.lastReport!] })}
                    >
                      {s.lastReport.errors.length === 0 ? "none" : plural(s.lastReport.errors.length, "problem")}
                      {!s.lastReport.complete && " · incomplete"}
                    </button>
                  ) : (
                    <span className="muted">–</span>
                  )}
                </td>
                <td className="nowrap">
                  {confirmRemove === s.name ? (
                    <>
                      <span className="muted">Remove {s.name} and its index? </span>
                      <button className="warn" data-testid="store-remove-confirm" onClick={() => void remove(s.name)}>
                        Remove
                      </button>{" "}
                      <button onClick={() => setConfirmRemove(null)} autoFocus>
                        Keep
                      </button>
                    </>
                  ) : (
                    <>
                      <button className="primary" data-testid="store-index" disabled={indexing !== null} onClick={() => void index(s.name)}>
                        {indexing === s.name || indexing === "*" ? <span data-testid="store-indexing">{indexingLabel(s.name)}</span> : "Index now"}
                      </button>{" "}
                      <button data-testid="store-remove" disabled={indexing !== null} onClick={() => setConfirmRemove(s.name)}>
                        Remove
                      </button>
                    </>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {confirmRemove && <p className="muted">Removing a store forgets its index; registered versions and the files themselves stay.</p>}
      {reports && (
        <div className="card" data-testid="index-report">
          <div className="panel-head">
            <h2>{reports.title}</h2>
            <button className="close" aria-label="Close the report" onClick={() => setReports(null)}>
              ×
            </button>
          </div>
          {reports.list.map((r) => (
            <ReportView key={r.store} report={r} />
          ))}
        </div>
      )}
      {stores && stores.length > 0 && (
        <ArtifactsTable store={store} tick={artifactsTick} staging={staging} onRegister={(a) => void register(a)} />
      )}
      {feed.length > 0 && (
        <div className="card feed" data-testid="store-feed" aria-live="polite">
          <h2>Live changes</h2>
          <ul className="plain">
            {feed.map((e) => (
              <li key={e.seq} data-testid="store-event" className={`ev-${e.change}`}>
                <span className="sign" title={e.change}>
                  {SIGN[e.change] ?? "·"}
                </span>{" "}
                <span className="mono">
                  {e.store}
                  {e.path && `:${e.path}`}
                </span>
                {e.detail && <span className="muted"> {e.detail}</span>}
              </li>
            ))}
          </ul>
        </div>
      )}
    </div>
  );
}

function ReportView({ report: r }: { report: IndexReport }) {
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

function AddStoreForm({ onAdded }: { onAdded: (s: StoreInfo) => void }) {
  const backend = useBackend();
  const [name, setName] = useState("");
  const [uri, setUri] = useState("");
  const [endpoint, setEndpoint] = useState("");
  const [region, setRegion] = useState("");
  const [accessKeyId, setAccessKeyId] = useState("");
  const [secret, setSecret] = useState("");
  const { busy, error, run } = useAction();
  const s3 = /^s3:\/\//i.test(uri.trim());
  const opt = (v: string) => (s3 && v.trim() ? v.trim() : null);

  const submit = async (e: React.FormEvent) => {
    e.preventDefault();
    const req: StoreAddRequest = {
      name: name.trim(),
      uri: uri.trim(),
      endpoint: opt(endpoint),
      region: opt(region),
      accessKeyId: opt(accessKeyId),
      secretAccessKey: s3 && secret ? secret : null,
      sessionToken: null,
      timeoutSecs: null,
      retries: null,
    };
    await run(async () => {
      const info = await backend.call("store_add", req);
      setName("");
      setUri("");
      setEndpoint("");
      setRegion("");
      setAccessKeyId("");
      setSecret("");
      onAdded(info);
    });
  };

  return (
    <form className="card store-form" data-testid="store-add-form" onSubmit={submit}>
      <h2>Add a store</h2>
      <div className="fields">
        <label>
          Name
          <input data-testid="store-name" value={name} onChange={(e) => setName(e.target.value)} placeholder="models" required />
        </label>
        <label className="grow">
          URI
          <input
            data-testid="store-uri"
            value={uri}
            onChange={(e) => setUri(e.target.value)}
            placeholder="file:///data/models · s3://bucket/prefix · https://host/models/"
            required
          />
        </label>
      </div>
      {s3 && (
        <>
          <div className="fields" data-testid="store-s3-fields">
            <label className="grow">
              Endpoint (S3-compatible servers)
              <input data-testid="store-endpoint" value={endpoint} onChange={(e) => setEndpoint(e.target.value)} placeholder="http://127.0.0.1:9000" />
            </label>
            <label>
              Region
              <input data-testid="store-region" value={region} onChange={(e) => setRegion(e.target.value)} placeholder="us-east-1" />
            </label>
            <label>
              Access key id
              <input data-testid="store-access-key" value={accessKeyId} onChange={(e) => setAccessKeyId(e.target.value)} autoComplete="off" />
            </label>
            <label>
              Secret access key
              <input data-testid="store-secret" type="password" value={secret} onChange={(e) => setSecret(e.target.value)} autoComplete="new-password" />
            </label>
          </div>
          <p className="muted">
            Keys given here are sealed in the workspace (encrypted with a key in its <span className="mono">keys/</span> folder) and never shown again.
            Without them, the <span className="mono">AWS_*</span> environment variables are used when indexing.
          </p>
        </>
      )}
      {error && (
        <p className="error" data-testid="store-add-error" role="alert">
          {error}
        </p>
      )}
      <div className="form-actions">
        <button className="primary" type="submit" data-testid="store-add-submit" disabled={busy}>
          {busy ? "Adding…" : "Add store"}
        </button>
      </div>
    </form>
  );
}

function ArtifactsTable({
  store,
  tick,
  staging,
  onRegister,
}: {
  store: string | null;
  tick: number;
  staging: number | null;
  onRegister: (a: Artifact) => void;
}) {
  const backend = useBackend();
  const [query, setQuery] = useState("");
  const [unregisteredOnly, setUnregisteredOnly] = useState(false);
  const [offset, setOffset] = useState(0);
  const [rows, setRows] = useState<Artifact[]>([]);
  const [total, setTotal] = useState(0);
  const [loaded, setLoaded] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [open, setOpen] = useState<number | null>(null);
  const gen = useRef(0);

  // A new store, filter or toggle starts at the first page.
  useEffect(() => setOffset(0), [store, query, unregisteredOnly]);

  useEffect(() => {
    const g = ++gen.current;
    const t = setTimeout(() => {
      backend
        .call("list_artifacts", { store, unregisteredOnly, query: query.trim() || null, offset, limit: PAGE })
        .then((r) => {
          if (g !== gen.current) return;
          // A page emptied by removals: step back to the last one that has rows.
          if (r.artifacts.length === 0 && offset > 0 && r.total > 0) {
            setOffset(Math.max(0, Math.floor((r.total - 1) / PAGE) * PAGE));
            return;
          }
          setRows(r.artifacts);
          setTotal(r.total);
          setError(null);
          setLoaded(true);
        })
        .catch((e) => g === gen.current && setError(errorMessage(e)));
    }, 120);
    return () => clearTimeout(t);
  }, [backend, store, unregisteredOnly, query, offset, tick]);

  const all = store === null;
  const cols = all ? 9 : 8;
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
        <span className="pager">
          <button data-testid="artifact-prev" disabled={offset === 0} onClick={() => setOffset(Math.max(0, offset - PAGE))} aria-label="Previous page">
            ‹
          </button>
          <span data-testid="artifact-count">
            {total === 0 ? "0" : `${offset + 1}–${Math.min(offset + rows.length, total)}`} of {total}
          </span>
          <button data-testid="artifact-next" disabled={offset + PAGE >= total} onClick={() => setOffset(offset + PAGE)} aria-label="Next page">
            ›
          </button>
        </span>
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
          {rows.map((a) => {
            const toggle = () => setOpen(open === a.id ? null : a.id);
            const registrable = !a.registeredAs && (a.kind === "file" || a.kind === "folder");
            return (
              <Fragment key={a.id}>
                <tr
                  data-testid="artifact-row"
                  data-path={a.path}
                  data-id={a.id}
                  data-registered={a.registeredAs ?? ""}
                  className={`clickable ${open === a.id ? "selected" : ""}`}
                  tabIndex={0}
                  aria-expanded={open === a.id}
                  onClick={toggle}
                  onKeyDown={(e) => e.target === e.currentTarget && e.key === "Enter" && toggle()}
                >
                  {all && <td>{a.store}</td>}
                  <td className="mono wrap">{a.path}</td>
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
                {open === a.id && (
                  <tr className="payload">
                    <td colSpan={cols}>
                      <ArtifactDetails a={a} />
                    </td>
                  </tr>
                )}
              </Fragment>
            );
          })}
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

function SpecRows({ title, list }: { title: string; list: TensorSpec[] }) {
  return (
    <TensorRows
      title={title}
      list={list}
      more={
        <td colSpan={3} className="muted">
          … {list.length - 50} more (all of them on the version page once registered)
        </td>
      }
    />
  );
}

function ArtifactDetails({ a }: { a: Artifact }) {
  const meta = Object.entries(a.metadata).sort(([x], [y]) => x.localeCompare(y));
  const itf = a.interface;
  const hasInterface = itf.inputs.length + itf.outputs.length + itf.tensors.length > 0;
  return (
    <div className="artifact-details" data-testid="artifact-details">
      <dl className="facts">
        <dt>URI</dt>
        <dd className="mono wrap">{a.uri}</dd>
        {a.digest && (
          <>
            <dt>{a.kind === "folder" ? "Root digest" : "sha256"}</dt>
            <dd className="mono wrap" title={a.digest}>
              {a.digest}
            </dd>
          </>
        )}
        {a.etag && (
          <>
            <dt>ETag</dt>
            <dd className="mono wrap">{a.etag}</dd>
          </>
        )}
        <dt>Size</dt>
        <dd>
          {bytes(a.size)} in {plural(a.fileCount, "file")}
        </dd>
        <dt>Indexed</dt>
        <dd>{when(a.indexedAt)}</dd>
        {itf.task && (
          <>
            <dt>Task</dt>
            <dd>{itf.task}</dd>
          </>
        )}
        {a.note && (
          <>
            <dt>Note</dt>
            <dd>{a.note}</dd>
          </>
        )}
      </dl>
      {a.hints.length > 0 && (
        <>
          <h4>Lineage hints</h4>
          <ul className="plain">
            {a.hints.map((h, i) => (
              <li key={i}>
                {hintText(h)} <span className="muted">from {h.source}</span>
                {h.md5 && <span className="muted mono"> md5 {short(h.md5)}</span>}
              </li>
            ))}
          </ul>
        </>
      )}
      {hasInterface ? (
        <table className="grid compact">
          <tbody>
            <SpecRows title="Inputs" list={itf.inputs} />
            <SpecRows title="Outputs" list={itf.outputs} />
            <SpecRows title="Tensors" list={itf.tensors} />
          </tbody>
        </table>
      ) : (
        <p className="muted">No interface known{a.kind === "dvc" ? " (a DVC file)" : ""}.</p>
      )}
      {meta.length > 0 && (
        <>
          <h4>Metadata</h4>
          <dl className="facts">
            {meta.slice(0, 100).map(([k, v]) => (
              <Fragment key={k}>
                <dt className="mono">{k}</dt>
                <dd className="wrap">{v}</dd>
              </Fragment>
            ))}
          </dl>
        </>
      )}
    </div>
  );
}
