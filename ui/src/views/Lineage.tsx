/**
 * The lineage explorer: focus a node (search or URL), expand upstream/downstream one hop at a
 * time, unfold "N more", highlight the path between two nodes or the impact of a dataset. The
 * URL holds focus, depths, impact, path and selection; the graph model is pure (../lineage/model).
 */
import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import { errorMessage, useBackend } from "../backend";
import type { Impact, NodeDetails, NodeRef, Subgraph } from "../backend/generated/api";
import {
  buildView,
  DEFAULT_DEPTH,
  emptyModel,
  expandRequest,
  foldKey,
  fromSubgraph,
  highlights,
  isMoreId,
  lineageHash,
  mergeSubgraph,
  parseLineageQuery,
  type Dir,
  type GraphModel,
  type LineageUrlState,
} from "../lineage/model";
import { navigate, versionHash, modelHash } from "../router";
import { LineageCanvas } from "./LineageCanvas";
import { CreatedFacts } from "../components/Facts";
import { ErrorBanner } from "../components/ErrorBanner";
import { idLabel, kindOf, short } from "../format";

export function LineageView({ query }: { query: string }) {
  const backend = useBackend();
  const url = useMemo(() => parseLineageQuery(query), [query]);
  const [base, setModel] = useState<GraphModel | null>(null);
  const [impactSub, setImpactSub] = useState<Subgraph | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [unfolded, setUnfolded] = useState<Set<string>>(new Set());
  const [pathSub, setPathSub] = useState<Subgraph | null>(null);
  const [impact, setImpact] = useState<Impact | null>(null);
  const [pathStart, setPathStart] = useState<string | null>(null);
  const [anchor, setAnchor] = useState<string | null>(null);
  const [layoutMs, setLayoutMs] = useState<number | null>(null);
  const searchRef = useRef<HTMLInputElement>(null);

  const go = useCallback((patch: Partial<LineageUrlState>) => navigate(lineageHash({ ...url, ...patch })), [url]);

  // No focus: start from the newest model's latest version.
  useEffect(() => {
    if (url.focus) return;
    backend
      .call("list_models", { filter: "", after: "", limit: 1 })
      .then((r) => {
        const m = r.models[0];
        if (m) go({ focus: m.latestVersion ? `version:${m.name}@${m.latestVersion}` : `model:${m.name}`, up: 2, down: 2 });
      })
      .catch((e) => setError(errorMessage(e)));
  }, [url.focus, backend, go]);

  // Load the neighbourhood of the focus.
  useEffect(() => {
    if (!url.focus) return;
    let cancelled = false;
    setError(null);
    backend
      .call("lineage", { node: url.focus, up: url.up, down: url.down })
      .then((sub) => {
        if (cancelled) return;
        setModel(fromSubgraph(sub));
        setUnfolded(new Set());
        setAnchor(null);
      })
      .catch((e) => !cancelled && setError(errorMessage(e)));
    return () => {
      cancelled = true;
    };
  }, [backend, url.focus, url.up, url.down]);

  // Path between two nodes.
  useEffect(() => {
    if (!url.path) {
      setPathSub(null);
      return;
    }
    backend
      .call("lineage_path", { from: url.path[0], to: url.path[1] })
      .then(setPathSub)
      .catch((e) => setError(errorMessage(e)));
  }, [backend, url.path]);

  // Impact of a dataset: load what is downstream of it and highlight it.
  useEffect(() => {
    if (!url.impact) {
      setImpact(null);
      setImpactSub(null);
      return;
    }
    const ds = url.impact;
    Promise.all([backend.call("impact", { dataset: ds }), backend.call("lineage", { node: ds, up: 0, down: 8 })])
      .then(([imp, sub]) => {
        setImpact(imp);
        setImpactSub(sub);
      })
      .catch((e) => setError(errorMessage(e)));
  }, [backend, url.impact]);

  // What the focus load and expansions found, plus what path and impact need shown.
  const model = useMemo(() => {
    let m = base;
    for (const extra of [pathSub, impactSub]) if (extra) m = mergeSubgraph(m ?? emptyModel(url.focus ?? extra.focus), extra);
    return m;
  }, [base, pathSub, impactSub, url.focus]);

  const view = useMemo(() => {
    if (!model) return null;
    const pinned = [url.focus, url.sel, ...(url.path ?? []), url.impact].filter((x): x is string => !!x);
    return buildView(model, { unfolded, pinned, highlights: highlights({ path: pathSub, impact }) });
  }, [model, unfolded, url.focus, url.sel, url.path, url.impact, pathSub, impact]);

  const expand = useCallback(
    async (id: string, dir: Dir) => {
      if (!model) return;
      const req = expandRequest(model, id, dir);
      setUnfolded((u) => new Set(u).add(foldKey(id, dir)));
      if (!req) return;
      try {
        const sub = await backend.call("lineage", req);
        setAnchor(id);
        setModel((m) => (m ? mergeSubgraph(m, sub) : fromSubgraph(sub)));
      } catch (e) {
        setError(errorMessage(e));
      }
    },
    [backend, model],
  );

  const onNodeClick = useCallback(
    (id: string, e: React.MouseEvent) => {
      if (isMoreId(id)) {
        const more = view?.nodes.find((n) => n.id === id)?.more;
        if (more) setUnfolded((u) => new Set(u).add(foldKey(more.owner, more.dir)));
        return;
      }
      if (pathStart && pathStart !== id) {
        go({ path: [pathStart, id], sel: id });
        setPathStart(null);
        return;
      }
      if (e.shiftKey && url.sel && url.sel !== id) {
        go({ path: [url.sel, id], sel: id });
        return;
      }
      go({ sel: id });
    },
    [view, pathStart, url.sel, go],
  );

  useEffect(() => {
    const key = (e: KeyboardEvent) => {
      const typing = e.target instanceof HTMLInputElement || e.target instanceof HTMLTextAreaElement;
      if (e.key === "/" && !typing) {
        e.preventDefault();
        searchRef.current?.focus();
      } else if (e.key === "Escape") {
        setPathStart(null);
        if (url.sel || url.path || url.impact) go({ sel: null, path: null, impact: null });
      }
    };
    window.addEventListener("keydown", key);
    return () => window.removeEventListener("keydown", key);
  }, [go, url.sel, url.path, url.impact]);

  const selNode = view?.nodes.find((n) => n.id === url.sel) ?? null;

  return (
    <div className="lineage">
      <div className="toolbar">
        <NodeSearch inputRef={searchRef} onPick={(n) => go({ focus: n.id, sel: n.id, path: null, up: DEFAULT_DEPTH, down: DEFAULT_DEPTH })} />
        <label>
          up
          <select value={url.up} onChange={(e) => go({ up: Number(e.target.value) })}>
            {[0, 1, 2, 3, 4, 6, 8].map((d) => (
              <option key={d}>{d}</option>
            ))}
          </select>
        </label>
        <label>
          down
          <select value={url.down} onChange={(e) => go({ down: Number(e.target.value) })}>
            {[0, 1, 2, 3, 4, 6, 8].map((d) => (
              <option key={d}>{d}</option>
            ))}
          </select>
        </label>
        {pathStart && <span className="hint">Click another node to show the path from {idLabel(pathStart)} (Esc cancels)</span>}
        {url.path && (
          <span className="chip">
            path {idLabel(url.path[0])} ↔ {idLabel(url.path[1])} <button onClick={() => go({ path: null })}>×</button>
          </span>
        )}
        {url.impact && (
          <span className="chip impact">
            impact of {idLabel(url.impact)}: {impact ? `${impact.versions.length} versions, ${impact.deployments.length} deployments` : "…"}
            <button onClick={() => go({ impact: null })}>×</button>
          </span>
        )}
        <span className="legend">
          {["model", "version", "dataset", "run", "code", "env", "deployment"].map((k) => (
            <span key={k} className={`swatch k-${k}`}>
              {k}
            </span>
          ))}
          {view && <span className="muted">{view.nodes.length} nodes{layoutMs !== null ? ` · layout ${layoutMs.toFixed(0)} ms` : ""}</span>}
        </span>
      </div>
      <ErrorBanner error={error} />
      <div className="lineage-body">
        <div className="canvas" data-testid="lineage-canvas">
          {view && (
            <LineageCanvas
              view={view}
              selected={url.sel}
              marked={pathStart}
              anchor={anchor}
              onNodeClick={onNodeClick}
              onLayout={setLayoutMs}
              fitOn={`${url.focus}|${url.impact}|${url.path?.join(",")}`}
            />
          )}
          {!view && !error && <div className="loading">Loading lineage…</div>}
        </div>
        {url.sel && (
          <SidePanel
            id={url.sel}
            hiddenUp={selNode?.hiddenUp ?? 0}
            hiddenDown={selNode?.hiddenDown ?? 0}
            onExpand={(dir) => expand(url.sel!, dir)}
            onFocus={() => go({ focus: url.sel, up: url.up, down: url.down })}
            onPathFrom={() => setPathStart(url.sel)}
            onImpact={() => go({ impact: url.sel })}
            onClose={() => go({ sel: null })}
            onSelect={(id) => go({ sel: id })}
          />
        )}
      </div>
    </div>
  );
}

function NodeSearch({ inputRef, onPick }: { inputRef: React.RefObject<HTMLInputElement | null>; onPick: (n: NodeRef) => void }) {
  const backend = useBackend();
  const [q, setQ] = useState("");
  const [results, setResults] = useState<NodeRef[]>([]);
  const [active, setActive] = useState(0);
  useEffect(() => {
    if (!q.trim()) {
      setResults([]);
      return;
    }
    const t = setTimeout(() => {
      backend
        .call("search_nodes", { query: q, limit: 12 })
        .then((r) => {
          setResults(r.nodes);
          setActive(0);
        })
        .catch(() => setResults([]));
    }, 120);
    return () => clearTimeout(t);
  }, [q, backend]);
  const pick = (n: NodeRef) => {
    onPick(n);
    setQ("");
    setResults([]);
  };
  return (
    <div className="search">
      <input
        ref={inputRef}
        data-testid="node-search"
        placeholder="Search models, versions, datasets…  ( / )"
        value={q}
        onChange={(e) => setQ(e.target.value)}
        onKeyDown={(e) => {
          if (e.key === "ArrowDown") setActive((a) => Math.min(results.length - 1, a + 1));
          else if (e.key === "ArrowUp") setActive((a) => Math.max(0, a - 1));
          else if (e.key === "Enter" && results[active]) pick(results[active]);
          else if (e.key === "Escape") setQ("");
        }}
      />
      {results.length > 0 && (
        <ul className="results">
          {results.map((n, i) => (
            <li key={n.id} data-testid="search-result" data-node-id={n.id} className={i === active ? "active" : ""} onMouseDown={() => pick(n)}>
              <span className={`swatch k-${n.kind}`}>{n.kind}</span> {n.label}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

interface PanelProps {
  id: string;
  hiddenUp: number;
  hiddenDown: number;
  onExpand: (dir: Dir) => void;
  onFocus: () => void;
  onPathFrom: () => void;
  onImpact: () => void;
  onClose: () => void;
  onSelect: (id: string) => void;
}

function SidePanel({ id, hiddenUp, hiddenDown, onExpand, onFocus, onPathFrom, onImpact, onClose, onSelect }: PanelProps) {
  const backend = useBackend();
  const [d, setD] = useState<NodeDetails | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    setD(null);
    setError(null);
    backend
      .call("node_details", { node: id })
      .then(setD)
      .catch((e) => setError(errorMessage(e)));
  }, [backend, id]);
  const kind = kindOf(id);
  const v = d?.version;
  return (
    <aside className="side-panel" data-testid="side-panel">
      <div className="panel-head">
        <span className={`swatch k-${kind}`}>{kind}</span>
        <h2 data-testid="side-panel-title">{d?.label ?? idLabel(id)}</h2>
        <button className="close" onClick={onClose} aria-label="Close">
          ×
        </button>
      </div>
      {error && <p className="error">{error}</p>}
      <div className="actions">
        <button data-testid="expand-up" onClick={() => onExpand("up")} title="Show one more hop of what this was made from">
          ◂ Expand upstream{hiddenUp ? ` (${hiddenUp})` : ""}
        </button>
        <button data-testid="expand-down" onClick={() => onExpand("down")} title="Show one more hop of what was made from this">
          Expand downstream{hiddenDown ? ` (${hiddenDown})` : ""} ▸
        </button>
        <button onClick={onFocus}>Focus here</button>
        <button data-testid="path-from-here" onClick={onPathFrom} title="Then click another node (or shift+click)">
          Path from here…
        </button>
        {kind === "dataset" && (
          <button data-testid="impact-mode" className="warn" onClick={onImpact}>
            Impact: what uses this data
          </button>
        )}
      </div>
      {v && (
        <dl className="facts">
          <dt>Status</dt>
          <dd>{v.status}</dd>
          <dt>Format</dt>
          <dd>{v.format}</dd>
          <dt>Root digest</dt>
          <dd className="mono" title={v.rootDigest}>
            {short(v.rootDigest, 16)}…
          </dd>
          <CreatedFacts createdAt={v.createdAt} createdBy={v.createdBy} message={v.message} />
          {Object.entries(v.metrics).map(([k, x]) => (
            <div key={k} className="metric">
              <dt>{k}</dt>
              <dd>{x}</dd>
            </div>
          ))}
        </dl>
      )}
      {v && (
        <a className="button primary" data-testid="open-version" href={versionHash(`${v.model}@${v.version}`)}>
          Open version page
        </a>
      )}
      {d?.kind === "model" && (
        <a className="button primary" data-testid="open-version" href={modelHash(d.label)}>
          Open model ({d.versionCount} versions)
        </a>
      )}
      {d?.dataset && (
        <dl className="facts">
          <dt>Files</dt>
          <dd>{d.dataset.fileCount}</dd>
          <dt>Root digest</dt>
          <dd className="mono">{short(d.dataset.rootDigest, 16)}…</dd>
          <dt>Source</dt>
          <dd className="mono wrap">{d.dataset.sourceUri}</dd>
        </dl>
      )}
      {d && (
        <div className="links">
          <h3>Made from</h3>
          {d.upstream.length === 0 && <p className="muted">nothing recorded</p>}
          {d.upstream.map((e) => (
            <button key={`${e.kind}${e.to}`} className="link" onClick={() => onSelect(e.to)}>
              <span className="muted">{e.relation ?? e.kind}</span> {idLabel(e.to)}
            </button>
          ))}
          <h3>Used by</h3>
          {d.downstream.length === 0 && <p className="muted">nothing yet</p>}
          {d.downstream.map((e) => (
            <button key={`${e.kind}${e.from}`} className="link" onClick={() => onSelect(e.from)}>
              <span className="muted">{e.relation ?? e.kind}</span> {idLabel(e.from)}
            </button>
          ))}
        </div>
      )}
    </aside>
  );
}
