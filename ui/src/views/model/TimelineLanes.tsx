/**
 * The lanes under a model's retraining chart: where the training data changed (a tick per
 * change, at most one per pixel column) and, per environment, a bar per primary deployment
 * of one of its versions. Memoized: hovering a point redraws neither.
 */
import { memo } from "react";
import type { Deployment } from "../../backend/generated/api";
import { whenExact } from "../../format";
import type { Prepared } from "./timeline";

export const LANE = 18;

type X = (t: number) => number;

export const DataLane = memo(function DataLane({ prep, lo, hi, x, left, right, top }: { prep: Prepared; lo: number; hi: number; x: X; left: number; right: number; top: number }) {
  const ticks: React.ReactNode[] = [];
  let last = -1;
  for (const i of prep.dataChanges) {
    if (i < lo || i >= hi) continue;
    const px = Math.round(x(prep.times[i]));
    if (px === last) continue;
    last = px;
    const p = prep.points[i];
    ticks.push(
      <line key={i} className="data-change" data-testid="timeline-data-change" data-version={p.version} x1={px} x2={px} y1={top + 2} y2={top + LANE - 4}>
        <title>{`${p.version} (${whenExact(p.createdAt)}): trained on new data: ${p.data.join(", ") || "none recorded"}`}</title>
      </line>,
    );
  }
  return (
    <g data-testid="timeline-data-lane">
      <text className="axis-label" x={left - 6} y={top + LANE / 2 + 2} textAnchor="end">
        data changed
      </text>
      <line className="lane-rule" x1={left} x2={right} y1={top + LANE - 2} y2={top + LANE - 2} />
      {ticks}
    </g>
  );
});

export const EnvLanes = memo(function EnvLanes({
  deployments,
  envs,
  t0,
  t1,
  x,
  left,
  right,
  top,
}: {
  deployments: Deployment[];
  envs: string[];
  t0: number;
  t1: number;
  x: X;
  left: number;
  right: number;
  top: number;
}) {
  const now = Date.now();
  return (
    <>
      {envs.map((env, row) => {
        const y = top + row * LANE;
        return (
          <g key={env} data-testid="timeline-env" data-env={env}>
            <text className="axis-label" x={left - 6} y={y + LANE / 2 + 2} textAnchor="end">
              {env}
            </text>
            <line className="lane-rule" x1={left} x2={right} y1={y + LANE - 2} y2={y + LANE - 2} />
            {deployments
              .filter((d) => d.env === env && d.role === "primary")
              .map((d) => {
                const start = Date.parse(d.startedAt);
                const end = d.endedAt ? Date.parse(d.endedAt) : now;
                if (end < t0 || start > t1) return null;
                const x1 = x(Math.max(start, t0));
                const x2 = x(Math.min(end, t1));
                return (
                  <rect
                    key={d.id}
                    className={`deploy-bar${d.endedAt ? "" : " open"}`}
                    data-testid="timeline-deploy-bar"
                    data-version={d.version}
                    x={x1}
                    y={y + 3}
                    width={Math.max(2, x2 - x1)}
                    height={LANE - 7}
                    rx={2}
                  >
                    <title>{`${d.model}@${d.version} in ${env} from ${whenExact(d.startedAt)} to ${d.endedAt ? whenExact(d.endedAt) : "now"}`}</title>
                  </rect>
                );
              })}
          </g>
        );
      })}
    </>
  );
});
