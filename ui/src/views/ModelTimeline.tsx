/**
 * A model's retraining timeline: one point per version (x = when it was made, y = a metric),
 * versions without the metric as ticks on a baseline, a lane marking where the training data
 * changed and one lane per environment with its primary deployments. Built for thousands of
 * versions: scales are memoized, only points in the chosen range are drawn, and beyond
 * MAX_POINTS they are thinned (deployed versions, the first and the last always kept).
 */
import { memo, useMemo, useState } from "react";
import { useBackend } from "../backend";
import { ErrorBanner } from "../components/ErrorBanner";
import { useLoad } from "../components/useLoad";
import { num, when } from "../format";
import { navigate, versionHash } from "../router";
import { DataLane, EnvLanes, LANE } from "./model/TimelineLanes";
import { extent, linear, MAX_POINTS, prepare, RANGES, thin, visible, type Prepared, type Range } from "./model/timeline";

const W = 800;
const L = 110;
const R = 16;
const T = 14;
const PH = 170;
/** The baseline row of versions without the metric, the date labels, the data lane, the envs. */
const BASE = T + PH + 12;
const AXIS = BASE + 22;
const DATA = AXIS + 8;
const ENVS = DATA + LANE + 4;
const LABEL: Record<Range, string> = { all: "All", "365": "1 year", "90": "90 days", "30": "30 days" };

export function ModelTimeline({ model }: { model: string }) {
  const backend = useBackend();
  const loaded = useLoad(() => backend.call("model_timeline", { model }), [backend, model]);
  const data = loaded.data;
  const prep = useMemo(() => (data ? prepare(data) : null), [data]);
  const [chosen, setChosen] = useState<string | null>(null);
  const metric = data && chosen !== null && data.metrics.includes(chosen) ? chosen : (data?.metrics[0] ?? null);
  const [range, setRange] = useState<Range>("all");
  const [hover, setHover] = useState<number | null>(null);
  const envs = useMemo(() => [...new Set((data?.deployments ?? []).map((d) => d.env))].sort(), [data]);

  const view = useMemo(() => {
    if (!prep || prep.times.length === 0) return null;
    const { lo, hi, t0, t1 } = visible(prep.times, range, prep.until);
    const kept = thin(lo, hi, MAX_POINTS, (i) => prep.deployed.has(prep.points[i].version));
    const ext = metric ? extent(prep.points, lo, hi, metric) : null;
    let [v0, v1] = ext ?? [0, 1];
    const pad = v1 > v0 ? (v1 - v0) * 0.06 : Math.abs(v0) * 0.05 || 1;
    [v0, v1] = [v0 - pad, v1 + pad];
    return { lo, hi, t0, t1, kept, ext, x: linear(t0, t1, L, W - R), y: linear(v0, v1, T + PH, T) };
  }, [prep, range, metric]);

  const H = ENVS + envs.length * LANE + 4;
  const shown = view ? view.hi - view.lo : 0;
  const tip = prep && view && hover !== null ? prep.points[hover] : null;
  const tipValue = tip && metric ? tip.metrics[metric] : undefined;
  // Where the tooltip sits (percent of the chart), kept inside it near the edges.
  const tipX = view && prep && hover !== null ? (100 * view.x(prep.times[hover])) / W : 0;
  const tipY = view && tip ? (100 * (tipValue !== undefined ? view.y(tipValue) : BASE)) / H : 0;
  return (
    <section className="card model-timeline" data-testid="model-timeline">
      <div className="env-head">
        <h2>Retraining timeline</h2>
        {data && data.metrics.length > 0 && (
          <label className="check">
            Metric
            <select data-testid="timeline-metric" value={metric ?? ""} onChange={(e) => setChosen(e.target.value)}>
              {data.metrics.map((m) => (
                <option key={m} value={m}>
                  {m}
                </option>
              ))}
            </select>
          </label>
        )}
        <span className="range-buttons" role="group" aria-label="Time range">
          {RANGES.map((r) => (
            <button key={r} data-testid="timeline-range" data-range={r} aria-pressed={range === r} className={range === r ? "primary" : ""} onClick={() => (setRange(r), setHover(null))}>
              {LABEL[r]}
            </button>
          ))}
        </span>
      </div>
      <ErrorBanner error={loaded.error} testId="timeline-error" />
      {!data && !loaded.error && <div className="loading">Loading the timeline…</div>}
      {data && prep && view && (
        <>
          <p className="muted" data-testid="timeline-count">
            {shown === 0
              ? "No version in this range"
              : `${shown} version${shown === 1 ? "" : "s"} from ${when(prep.points[view.lo].createdAt)} to ${when(prep.points[view.hi - 1].createdAt)}`}
            {view.kept.length < shown && <span data-testid="timeline-thinned"> · showing {view.kept.length} of {shown} (every few, deployed ones always)</span>}
            {metric && !view.ext && <span> · none has {metric}</span>}
          </p>
          <div className="timeline-chart">
            <svg viewBox={`0 0 ${W} ${H}`} role="img" aria-label={`${model}: ${metric ?? "versions"} over time`}>
              <line className="axis-line" x1={L} x2={L} y1={T} y2={T + PH} />
              <line className="axis-line" x1={L} x2={W - R} y1={T + PH} y2={T + PH} />
              {view.ext && metric && (
                <>
                  <text className="axis-label" x={L - 6} y={view.y(view.ext[1]) + 4} textAnchor="end">
                    {num(view.ext[1])}
                  </text>
                  <text className="axis-label" x={L - 6} y={view.y(view.ext[0]) + 4} textAnchor="end">
                    {num(view.ext[0])}
                  </text>
                  <text className="axis-label" x={L - 6} y={T + PH / 2} textAnchor="end">
                    {metric}
                  </text>
                </>
              )}
              <text className="axis-label" x={L - 6} y={BASE + 4} textAnchor="end">
                {metric ? `no ${metric}` : "versions"}
              </text>
              <text className="axis-label" x={L} y={AXIS}>
                {when(new Date(view.t0).toISOString())}
              </text>
              <text className="axis-label" x={W - R} y={AXIS} textAnchor="end">
                {when(new Date(view.t1).toISOString())}
              </text>
              <Dots model={model} prep={prep} kept={view.kept} metric={metric} x={view.x} y={view.y} onHover={setHover} />
              <DataLane prep={prep} lo={view.lo} hi={view.hi} x={view.x} left={L} right={W - R} top={DATA} />
              <EnvLanes deployments={data.deployments} envs={envs} t0={view.t0} t1={view.t1} x={view.x} left={L} right={W - R} top={ENVS} />
            </svg>
            {tip && hover !== null && (
              <div
                className="timeline-tooltip"
                data-testid="timeline-tooltip"
                style={{
                  left: `${tipX}%`,
                  top: `${tipY}%`,
                  transform: `translate(${tipX > 70 ? "-100%" : tipX < 30 ? "0%" : "-50%"}, ${tipY < 30 ? "12px" : "calc(-100% - 12px)"})`,
                }}
              >
                <strong className="mono">{tip.version}</strong> <span className={`status s-${tip.status}`}>{tip.status}</span>
                <div>{when(tip.createdAt)}</div>
                {metric && <div>{tipValue !== undefined ? `${metric} ${num(tipValue)}` : `no ${metric}`}</div>}
                <div className="muted">{tip.data.length ? `data: ${tip.data.join(", ")}` : "no training data recorded"}</div>
              </div>
            )}
          </div>
        </>
      )}
    </section>
  );
}

/** The points (or baseline ticks) of the kept versions; hover and click are delegated. */
const Dots = memo(function Dots({
  model,
  prep,
  kept,
  metric,
  x,
  y,
  onHover,
}: {
  model: string;
  prep: Prepared;
  kept: number[];
  metric: string | null;
  x: (t: number) => number;
  y: (v: number) => number;
  onHover: (i: number | null) => void;
}) {
  const at = (e: React.SyntheticEvent) => {
    const i = (e.target as Element).getAttribute?.("data-i");
    return i === null || i === undefined ? null : Number(i);
  };
  let path = "";
  const marks = kept.map((i) => {
    const p = prep.points[i];
    const cx = x(prep.times[i]);
    const v = metric ? p.metrics[metric] : undefined;
    if (v === undefined)
      return <line key={i} className="missing-tick" data-testid="timeline-missing" data-i={i} data-version={p.version} x1={cx} x2={cx} y1={BASE - 4} y2={BASE + 4} />;
    const cy = y(v);
    path += `${path ? "L" : "M"}${cx.toFixed(1)},${cy.toFixed(1)}`;
    const deployed = prep.deployed.has(p.version);
    return <circle key={i} className={deployed ? "deployed" : undefined} data-testid="timeline-point" data-i={i} data-version={p.version} cx={cx} cy={cy} r={deployed ? 4 : 2.5} />;
  });
  return (
    <g
      className="timeline-points"
      onMouseOver={(e) => onHover(at(e))}
      onMouseLeave={() => onHover(null)}
      onClick={(e) => {
        const i = at(e);
        if (i !== null) navigate(versionHash(`${model}@${prep.points[i].version}`));
      }}
    >
      <path className="series" d={path} />
      {marks}
    </g>
  );
});
