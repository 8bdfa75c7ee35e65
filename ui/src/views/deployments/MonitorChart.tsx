/**
 * One monitored metric of one environment as an inline SVG line chart: a point per snapshot,
 * a vertical mark where a deployment started (labelled with its version) and a dashed line at
 * the threshold of each rule on the metric.
 */
import { useMemo } from "react";
import type { Deployment, Rule, Snapshot } from "../../backend/generated/api";
import { num, when } from "../../format";

const W = 640;
const H = 220;
const M = { left: 52, right: 70, top: 16, bottom: 26 };

export function MonitorChart({ series, deployments, rules }: { series: Snapshot[]; deployments: Deployment[]; rules: Rule[] }) {
  const chart = useMemo(() => {
    const points = series.map((s) => ({ s, t: Date.parse(s.at) })).sort((a, b) => a.t - b.t);
    let t0 = points[0].t;
    let t1 = points[points.length - 1].t;
    if (t0 === t1) [t0, t1] = [t0 - 3_600_000, t1 + 3_600_000];
    const values = [...points.map((p) => p.s.value), ...rules.map((r) => r.threshold)];
    let lo = Math.min(...values);
    let hi = Math.max(...values);
    const pad = hi > lo ? (hi - lo) * 0.06 : Math.abs(hi) * 0.1 || 1;
    [lo, hi] = [lo - pad, hi + pad];
    const x = (t: number) => M.left + ((t - t0) / (t1 - t0)) * (W - M.left - M.right);
    const y = (v: number) => H - M.bottom - ((v - lo) / (hi - lo)) * (H - M.top - M.bottom);
    const marks = deployments.map((d) => ({ d, t: Date.parse(d.startedAt) })).filter((m) => m.t >= t0 && m.t <= t1);
    const path = points.map((p, i) => `${i === 0 ? "M" : "L"}${x(p.t).toFixed(1)},${y(p.s.value).toFixed(1)}`).join(" ");
    const min = Math.min(...points.map((p) => p.s.value));
    const max = Math.max(...points.map((p) => p.s.value));
    return { points, marks, path, x, y, min, max };
  }, [series, deployments, rules]);

  const { points, marks, path, x, y, min, max } = chart;
  const first = points[0].s.at;
  const last = points[points.length - 1].s.at;
  return (
    <svg className="chart monitor-chart" data-testid="monitor-chart" viewBox={`0 0 ${W} ${H}`} role="img" aria-label={`${points[0].s.metric} over time`}>
      <line className="axis-line" x1={M.left} x2={M.left} y1={M.top} y2={H - M.bottom} />
      <line className="axis-line" x1={M.left} x2={W - M.right} y1={H - M.bottom} y2={H - M.bottom} />
      <text className="axis-label" x={M.left - 4} y={y(max) + 4} textAnchor="end" data-testid="monitor-max">
        {num(max)}
      </text>
      <text className="axis-label" x={M.left - 4} y={y(min) + 4} textAnchor="end" data-testid="monitor-min">
        {num(min)}
      </text>
      <text className="axis-label" x={M.left} y={H - 8}>
        {when(first)}
      </text>
      <text className="axis-label" x={W - M.right} y={H - 8} textAnchor="end">
        {when(last)}
      </text>
      {rules.map((r) => (
        <g key={r.id} data-testid="monitor-threshold" data-rule={r.expr}>
          <line className="threshold" x1={M.left} x2={W - M.right} y1={y(r.threshold)} y2={y(r.threshold)} />
          <text className="axis-label threshold-label" x={W - M.right + 4} y={y(r.threshold) + 4}>
            {r.op} {num(r.threshold)}
          </text>
          <title>{`${r.expr}${r.auto ? " (rolls back automatically)" : " (proposes a rollback)"}`}</title>
        </g>
      ))}
      {marks.map(({ d, t }) => (
        <g key={d.id} data-testid="monitor-deploy-mark" data-version={`${d.model}@${d.version}`}>
          <line className="deploy-mark" x1={x(t)} x2={x(t)} y1={M.top} y2={H - M.bottom} />
          <text className="axis-label deploy-label" x={x(t) + 3} y={M.top + 8}>
            {d.version}
            {d.role !== "primary" ? ` ${d.role}` : ""}
          </text>
          <title>{`${d.model}@${d.version} deployed ${when(d.startedAt)} (${d.role}, ${d.traffic} %)`}</title>
        </g>
      ))}
      <path className="series" d={path} />
      {points.map(({ s, t }, i) => (
        <circle key={i} data-testid="monitor-point" cx={x(t)} cy={y(s.value)} r={3}>
          <title>{`${s.metric} ${num(s.value)} at ${when(s.at)}`}</title>
        </circle>
      ))}
    </svg>
  );
}
