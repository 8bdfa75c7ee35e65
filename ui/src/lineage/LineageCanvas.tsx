/**
 * Draws a lineage View with React Flow: upstream on the left (layout from ./layout, elkjs
 * in a worker for big views), only visible elements rendered, and a plain-box level of detail
 * when zoomed out. Pure rendering: what to show and what clicks mean is the caller's business.
 */
import { memo, useEffect, useMemo, useRef, useState } from "react";
import {
  Background,
  Controls,
  Handle,
  MiniMap,
  Position,
  ReactFlow,
  ReactFlowProvider,
  useReactFlow,
  useStore,
  type Edge,
  type Node,
  type NodeProps,
} from "@xyflow/react";
import { layoutGraph, keepAnchor, type Positions } from "./layout";
import { structureKey, type View, type ViewNode } from "./model";
import { withLanes, type Lane } from "./lanes";

export const NODE_W = 210;
export const NODE_H = 46;

const KIND_LABEL: Record<string, string> = {
  model: "model",
  version: "version",
  dataset: "dataset",
  run: "run",
  code: "code",
  env: "environment",
  deployment: "deployment",
  source: "imported from",
  more: "",
};

type Data = { node: ViewNode; selected: boolean; marked: boolean };

const LineageNodeBox = memo(function LineageNodeBox({ data }: NodeProps<Node<Data>>) {
  const far = useStore((s) => s.transform[2] < 0.45);
  const n = data.node;
  const cls = `lnode k-${n.kind}${far ? " far" : ""}${data.selected ? " selected" : ""}${data.marked ? " marked" : ""}${n.highlight ? ` hl-${n.highlight}` : ""}`;
  return (
    <div className={cls} data-testid="lineage-node" data-node-id={n.id} data-highlight={n.highlight ?? undefined} title={n.id}>
      <Handle type="target" position={Position.Left} isConnectable={false} />
      {!far && (
        <>
          <div className="kind">
            {KIND_LABEL[n.kind] ?? n.kind}
            {n.hiddenUp > 0 && <span className="hidden-count" title={`${n.hiddenUp} more upstream`}>◂{n.hiddenUp}</span>}
            {n.hiddenDown > 0 && <span className="hidden-count" title={`${n.hiddenDown} more downstream`}>{n.hiddenDown}▸</span>}
          </div>
          <div className="label">{n.label}</div>
        </>
      )}
      <Handle type="source" position={Position.Right} isConnectable={false} />
    </div>
  );
});

/** A variant lane: the band behind one line of a model (main or a variant). */
function LaneBand({ data }: NodeProps<Node<{ lane: Lane }>>) {
  return (
    <div className="lane-band" data-testid="lineage-lane" data-line={data.lane.line} style={{ width: data.lane.width, height: data.lane.height }}>
      <span className="lane-band-label">{data.lane.label}</span>
    </div>
  );
}

const nodeTypes = { lineage: LineageNodeBox, lane: LaneBand };

export interface CanvasProps {
  view: View;
  selected?: string | null;
  marked?: string | null;
  anchor?: string | null;
  onNodeClick?: (id: string, e: React.MouseEvent) => void;
  compact?: boolean;
  onLayout?: (ms: number) => void;
  /** Fit the whole view again when this changes (new focus, path or impact). */
  fitOn?: string;
}

function Inner({ view, selected, marked, anchor, onNodeClick, compact, onLayout, fitOn }: CanvasProps) {
  const [positions, setPositions] = useState<Positions>({});
  const [lanes, setLanes] = useState<Lane[]>([]);
  const [laidOut, setLaidOut] = useState<string>("");
  const prev = useRef<Positions>({});
  const key = useMemo(() => structureKey(view), [view]);
  const rf = useReactFlow();
  const fitted = useRef<string | null>(null);

  useEffect(() => {
    let cancelled = false;
    const t0 = performance.now();
    layoutGraph({
      nodes: view.nodes.map((n) => ({ id: n.id, width: NODE_W, height: NODE_H })),
      edges: view.edges.map((e) => ({ id: e.id, from: e.from, to: e.to })),
    })
      .then((pos) => {
        if (cancelled) return;
        const laned = withLanes(view.nodes.map((n) => n.id), pos, NODE_W, NODE_H);
        const next = keepAnchor(prev.current, laned.positions, anchor ?? null);
        // keepAnchor moves everything by one offset: the lanes move with the nodes.
        const moved = Object.keys(next).find((id) => laned.positions[id]);
        const [dx, dy] = moved ? [next[moved].x - laned.positions[moved].x, next[moved].y - laned.positions[moved].y] : [0, 0];
        prev.current = next;
        setPositions(next);
        setLanes(laned.lanes.map((l) => ({ ...l, x: l.x + dx, y: l.y + dy })));
        setLaidOut(key);
        onLayout?.(performance.now() - t0);
      })
      .catch(() => {});
    return () => {
      cancelled = true;
    };
    // Re-layout only when the drawn structure changes.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [key]);

  useEffect(() => {
    const want = fitOn ?? "";
    if (laidOut && fitted.current !== `${want}#${laidOut}` && (fitted.current === null || !fitted.current.startsWith(`${want}#`) || !anchor)) {
      fitted.current = `${want}#${laidOut}`;
      requestAnimationFrame(() => rf.fitView({ padding: 0.15, maxZoom: 1.1, duration: 0 }));
    }
  }, [laidOut, rf, fitOn, anchor]);

  const nodes: Node[] = useMemo(
    () => [
      ...lanes.map((l) => ({
        id: `lane:${l.line}`,
        type: "lane",
        position: { x: l.x, y: l.y },
        data: { lane: l },
        draggable: false,
        connectable: false,
        selectable: false,
        focusable: false,
        zIndex: -1,
        width: l.width,
        height: l.height,
      })),
      ...view.nodes
        .filter((n) => positions[n.id])
        .map((n) => ({
          id: n.id,
          type: "lineage",
          position: positions[n.id],
          data: { node: n, selected: n.id === selected, marked: n.id === marked },
          draggable: false,
          connectable: false,
          width: NODE_W,
          height: NODE_H,
        })),
    ],
    [view, positions, lanes, selected, marked],
  );
  const edges: Edge[] = useMemo(
    () =>
      view.edges.map((e) => ({
        id: e.id,
        // Data flows left to right: from what it was made from (to) into what was made (from).
        source: e.to,
        target: e.from,
        label: compact ? undefined : e.relation ?? (e.kind === "derived_from" || e.kind === "more" || e.kind === "version_of" ? undefined : e.kind),
        className: `ledge e-${e.kind}${e.highlight ? ` hl-${e.highlight}` : ""}`,
        animated: e.highlight === "path",
      })),
    [view, compact],
  );

  return (
    <ReactFlow
      nodes={nodes}
      edges={edges}
      nodeTypes={nodeTypes}
      onlyRenderVisibleElements
      minZoom={0.05}
      maxZoom={2}
      nodesDraggable={false}
      nodesConnectable={false}
      proOptions={{ hideAttribution: true }}
      onNodeClick={(e, n) => n.type !== "lane" && onNodeClick?.(n.id, e)}
    >
      <Background gap={24} size={1} />
      {!compact && <Controls showInteractive={false} />}
      {!compact && view.nodes.length > 40 && <MiniMap pannable zoomable nodeStrokeWidth={3} />}
    </ReactFlow>
  );
}

export function LineageCanvas(props: CanvasProps) {
  return (
    <ReactFlowProvider>
      <Inner {...props} />
    </ReactFlowProvider>
  );
}
