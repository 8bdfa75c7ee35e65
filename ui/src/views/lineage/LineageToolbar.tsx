/** The lineage explorer's toolbar: node search, depths, export, the path and impact chips, the legend and the view's size. */
import type { Impact, NodeRef } from "../../backend/generated/api";
import type { LineageUrlState, View } from "../../lineage/model";
import { idLabel } from "../../format";
import { ExportMenu } from "./ExportMenu";
import { NodeSearch } from "./NodeSearch";

const DEPTHS = [0, 1, 2, 3, 4, 6, 8];
const KINDS = ["model", "version", "dataset", "run", "code", "env", "deployment", "source"];

interface ToolbarProps {
  url: LineageUrlState;
  go: (patch: Partial<LineageUrlState>) => void;
  searchRef: React.RefObject<HTMLInputElement | null>;
  onPick: (n: NodeRef) => void;
  /** The first node of a path being picked. */
  pathStart: string | null;
  impact: Impact | null;
  view: View | null;
  layoutMs: number | null;
}

export function LineageToolbar({ url, go, searchRef, onPick, pathStart, impact, view, layoutMs }: ToolbarProps) {
  return (
    <div className="toolbar">
      <NodeSearch inputRef={searchRef} onPick={onPick} />
      <DepthSelect label="up" value={url.up} onChange={(up) => go({ up })} />
      <DepthSelect label="down" value={url.down} onChange={(down) => go({ down })} />
      {url.focus && <ExportMenu focus={url.focus} up={url.up} down={url.down} />}
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
        {KINDS.map((k) => (
          <span key={k} className={`swatch k-${k}`}>
            {k}
          </span>
        ))}
        {view && <span className="muted">{view.nodes.length} nodes{layoutMs !== null ? ` · layout ${layoutMs.toFixed(0)} ms` : ""}</span>}
      </span>
    </div>
  );
}

function DepthSelect({ label, value, onChange }: { label: string; value: number; onChange: (depth: number) => void }) {
  return (
    <label>
      {label}
      <select value={value} onChange={(e) => onChange(Number(e.target.value))}>
        {DEPTHS.map((d) => (
          <option key={d}>{d}</option>
        ))}
      </select>
    </label>
  );
}
