/**
 * The captured run that produced a version (`pedigree run -- COMMAND`): the command and folder,
 * the code (commit, uncommitted changes), lock files, Python and its packages, hardware, seeds,
 * params, outputs and data, and the command line to make it again. Nothing when the version was
 * not produced by a captured run (`recipe` answers not_found).
 */
import { asApiError, useBackend } from "../../backend";
import type { FileDigest, Recipe } from "../../backend/generated/api";
import { ErrorBanner } from "../../components/ErrorBanner";
import { useLoad } from "../../components/useLoad";
import { bytes, short, when } from "../../format";

const SHOWN = 20;

/** `s` as one POSIX shell word. */
export function shellWord(s: string): string {
  return /^[A-Za-z0-9_\-.,/:=@%+]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

/** `cd CWD && SEED=… COMMAND`: the run again, with the seeds its environment had. */
export function recipeLine(r: Recipe): string {
  const env = Object.entries(r.setEnv).map(([k, v]) => `${k}=${shellWord(v)}`);
  return [`cd ${shellWord(r.run.cwd)} &&`, ...env, ...r.run.command.map(shellWord)].join(" ");
}

export function RunCard({ reference }: { reference: string }) {
  const backend = useBackend();
  const recipe = useLoad(async () => {
    try {
      return await backend.call("recipe", { reference });
    } catch (e) {
      if (asApiError(e).code === "not_found") return null;
      throw e;
    }
  }, [backend, reference]);
  const r = recipe.data;
  if (!r && !recipe.error) return null;
  if (!r)
    return (
      <section className="card run" data-testid="run-card">
        <h2>Run</h2>
        <ErrorBanner error={recipe.error} testId="run-error" />
      </section>
    );
  const run = r.run;
  const e = run.environment;
  const kv = (o: Record<string, string>) =>
    Object.entries(o)
      .map(([k, v]) => `${k}=${v}`)
      .join(" · ");
  return (
    <section className="card run" data-testid="run-card">
      <h2>
        Run <span className="mono small muted">{run.id}</span>
      </h2>
      <dl className="facts">
        <dt>Command</dt>
        <dd className="mono wrap" data-testid="run-command">
          {run.command.map(shellWord).join(" ")}
        </dd>
        <dt>Folder</dt>
        <dd className="mono wrap">
          {run.cwd} <span className="muted">on {e.hostname}</span>
        </dd>
        <dt>Ran</dt>
        <dd>
          {when(run.startedAt)} → {when(run.endedAt)} ({(run.durationMs / 1000).toFixed(1)} s), exit code {run.exitCode}
          <span className="muted"> · recorded by {r.recordedBy}</span>
        </dd>
        <dt>Code</dt>
        <dd data-testid="run-code">
          {e.git ? (
            <>
              <span className="mono" title={e.git.commit}>
                {short(e.git.commit)}
              </span>
              {e.git.remote && <span className="muted"> {e.git.remote}</span>}
              {e.git.dirty && (
                <span className="tag warn" title={e.git.uncommittedDigest ?? undefined}>
                  uncommitted changes {e.git.uncommittedDigest ? short(e.git.uncommittedDigest) : ""}
                </span>
              )}
            </>
          ) : (
            <span className="muted">not in a git repository</span>
          )}
        </dd>
        {e.locks.length > 0 && <Digests title="Lock files" list={e.locks} />}
        <dt>Python</dt>
        <dd>
          {e.interpreter ? (
            <>
              {e.interpreter.version} · {e.interpreter.packageCount} packages{" "}
              <span className="mono muted" title={e.interpreter.packagesDigest}>
                {short(e.interpreter.packagesDigest)}
              </span>
              {Object.keys(e.interpreter.libraries).length > 0 && <div className="mono small">{kv(e.interpreter.libraries)}</div>}
            </>
          ) : (
            <span className="muted">none found</span>
          )}
        </dd>
        <dt>Hardware</dt>
        <dd>
          {e.hardware.cpu} · {e.hardware.cores} cores · {bytes(e.hardware.memoryBytes)}
          {e.hardware.gpus.map((g, i) => (
            <div key={i}>
              GPU {g.name} {g.memory} <span className="muted">driver {g.driver}</span>
            </div>
          ))}
          <div className="muted">{e.hardware.os}</div>
        </dd>
        {Object.keys(e.seeds).length > 0 && (
          <>
            <dt>Seeds</dt>
            <dd className="mono">{kv(e.seeds)}</dd>
          </>
        )}
        {Object.keys(run.params).length > 0 && (
          <>
            <dt>Params</dt>
            <dd className="mono wrap">{kv(run.params)}</dd>
          </>
        )}
        {r.data.length > 0 && (
          <>
            <dt>Data</dt>
            <dd>
              {r.data.map((d) => (
                <div key={d.dataset}>
                  {d.dataset}{" "}
                  <span className="mono muted" title={d.rootDigest}>
                    {short(d.rootDigest)}
                  </span>
                </div>
              ))}
            </dd>
          </>
        )}
        {run.outputs.length > 0 && <Digests title={`Outputs${run.outputsTruncated ? " (some may be missing)" : ""}`} list={run.outputs} />}
      </dl>
      <h3>To make it again</h3>
      <pre className="recipe mono" data-testid="run-recipe">
        {recipeLine(r)}
      </pre>
      <p className="muted small">
        Check that it does: <code>pedigree reproduce {r.reference} --check</code> runs it again and compares the outputs' digests.
      </p>
    </section>
  );
}

function Digests({ title, list }: { title: string; list: FileDigest[] }) {
  return (
    <>
      <dt>{title}</dt>
      <dd>
        {list.slice(0, SHOWN).map((f) => (
          <div key={f.path}>
            <span className="mono">{f.path}</span>{" "}
            <span className="mono muted" title={f.sha256}>
              {short(f.sha256)}
            </span>{" "}
            <span className="muted">{bytes(f.size)}</span>
          </div>
        ))}
        {list.length > SHOWN && <div className="muted">+{list.length - SHOWN} more</div>}
      </dd>
    </>
  );
}
