/**
 * The global progress bar: hashing/copying/indexing/downloading/demo creation (engine events,
 * with their `detail`, e.g. "12 of 340 files") and browser uploads.
 */
import { useEffect, useState } from "react";
import { useBackend } from "../backend";
import type { Progress } from "../backend/generated/api";
import { bytes } from "../format";

/** The latest progress event from the engine, cleared 800 ms after its task is done. */
export function useProgressEvents(): Progress | null {
  const backend = useBackend();
  const [progress, setProgress] = useState<Progress | null>(null);
  useEffect(() => {
    let clear: ReturnType<typeof setTimeout> | undefined;
    const off = backend.onProgress((p) => {
      setProgress(p);
      clearTimeout(clear);
      if (p.done >= p.total) clear = setTimeout(() => setProgress(null), 800);
    });
    return () => {
      off();
      clearTimeout(clear);
    };
  }, [backend]);
  return progress;
}

export function ProgressBar({ progress, uploading }: { progress: Progress | null; uploading: { done: number; total: number } | null }) {
  const p: Progress | null = uploading ? { task: "uploading", done: uploading.done, total: uploading.total, unit: "bytes" } : progress;
  if (!p) return <div className="progress idle" data-testid="global-progress" aria-hidden />;
  const pct = p.total > 0 ? Math.min(100, (100 * p.done) / p.total) : 0;
  const amount = p.unit === "bytes" ? `${bytes(p.done)} of ${bytes(p.total)}` : `${p.done} of ${p.total}`;
  return (
    <div className="progress" data-testid="global-progress" role="progressbar" aria-valuenow={Math.round(pct)} aria-valuemin={0} aria-valuemax={100}>
      <div className="bar" style={{ width: `${pct}%` }} />
      <span className="label">
        {p.task} · {amount}
        {p.detail && <> · {p.detail}</>}
      </span>
    </div>
  );
}
