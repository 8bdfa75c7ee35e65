/** The global progress bar: hashing/copying/demo creation (engine events) and browser uploads. */
import type { Progress } from "../backend/generated/api";
import { bytes } from "../format";

export function ProgressBar({ progress, uploading }: { progress: Progress | null; uploading: { done: number; total: number } | null }) {
  const p = uploading ? { task: "uploading", done: uploading.done, total: uploading.total, unit: "bytes" as const } : progress;
  if (!p) return <div className="progress idle" data-testid="global-progress" aria-hidden />;
  const pct = p.total > 0 ? Math.min(100, (100 * p.done) / p.total) : 0;
  const amount = p.unit === "bytes" ? `${bytes(p.done)} of ${bytes(p.total)}` : `${p.done} of ${p.total}`;
  return (
    <div className="progress" data-testid="global-progress" role="progressbar" aria-valuenow={Math.round(pct)} aria-valuemin={0} aria-valuemax={100}>
      <div className="bar" style={{ width: `${pct}%` }} />
      <span className="label">
        {p.task} · {amount}
      </span>
    </div>
  );
}
