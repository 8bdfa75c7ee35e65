/** The selected node: expand, focus, path and impact actions, its facts, and what it was made from and is used by. */
import type { NodeDetails } from "../../backend/generated/api";
import { useBackend } from "../../backend";
import type { Dir } from "../../lineage/model";
import { modelHash, versionHash } from "../../router";
import { idLabel, kindOf, short } from "../../format";
import { CreatedFacts } from "../../components/Facts";
import { useLoad } from "../../components/useLoad";
import { CompareWith } from "./CompareWith";

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

export function SidePanel({ id, hiddenUp, hiddenDown, onExpand, onFocus, onPathFrom, onImpact, onClose, onSelect }: PanelProps) {
  const backend = useBackend();
  const { data: d, error } = useLoad(() => backend.call("node_details", { node: id }), [backend, id]);
  const kind = kindOf(id);
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
      {kind === "version" && <CompareWith id={id} />}
      {d && <NodeFacts d={d} />}
      {d && <NodeLinks d={d} onSelect={onSelect} />}
    </aside>
  );
}

function NodeFacts({ d }: { d: NodeDetails }) {
  const v = d.version;
  return (
    <>
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
      {d.kind === "model" && (
        <a className="button primary" data-testid="open-version" href={modelHash(d.label)}>
          Open model ({d.versionCount} versions)
        </a>
      )}
      {d.dataset && (
        <dl className="facts">
          <dt>Files</dt>
          <dd>{d.dataset.fileCount}</dd>
          <dt>Root digest</dt>
          <dd className="mono">{short(d.dataset.rootDigest, 16)}…</dd>
          <dt>Source</dt>
          <dd className="mono wrap">{d.dataset.sourceUri}</dd>
        </dl>
      )}
    </>
  );
}

/** "Made from" and "Used by": each neighbour a button that selects it. */
function NodeLinks({ d, onSelect }: { d: NodeDetails; onSelect: (id: string) => void }) {
  const link = (key: string, label: string, to: string) => (
    <button key={key} className="link" onClick={() => onSelect(to)}>
      <span className="muted">{label}</span> {idLabel(to)}
    </button>
  );
  return (
    <div className="links">
      <h3>Made from</h3>
      {d.upstream.length === 0 && <p className="muted">nothing recorded</p>}
      {d.upstream.map((e) => link(`${e.kind}${e.to}`, e.relation ?? e.kind, e.to))}
      <h3>Used by</h3>
      {d.downstream.length === 0 && <p className="muted">nothing yet</p>}
      {d.downstream.map((e) => link(`${e.kind}${e.from}`, e.relation ?? e.kind, e.from))}
    </div>
  );
}
