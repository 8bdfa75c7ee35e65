/** A model's lines side by side: the main line and each variant (`MODEL/VARIANT`, its own semver
 * line), newest versions at the top of each lane. Shown on the model page when there are
 * variants. */
import { useEffect, useState } from "react";
import { useBackend } from "../backend";
import type { ModelSummary, VersionSummary } from "../backend/generated/api";
import { modelHash, versionHash } from "../router";

const SHOWN = 6;

export function ModelLanes({ lines, current }: { lines: ModelSummary[]; current: string }) {
  const backend = useBackend();
  const [tops, setTops] = useState<Record<string, VersionSummary[]>>({});
  useEffect(() => {
    let live = true;
    Promise.all(
      lines.map((l) =>
        backend
          .call("list_versions", { model: l.name, offset: 0, limit: SHOWN })
          .then((r) => [l.name, r.versions] as const)
          .catch(() => [l.name, []] as const),
      ),
    ).then((all) => live && setTops(Object.fromEntries(all)));
    return () => {
      live = false;
    };
  }, [backend, lines]);

  return (
    <section className="card lanes-card" aria-label="Lines of this model">
      <h2>Lines</h2>
      <div className="model-lanes" data-testid="model-lanes">
        {lines.map((l) => {
          const variant = l.name.includes("/") ? l.name.slice(l.name.indexOf("/") + 1) : null;
          const versions = tops[l.name] ?? [];
          return (
            <div key={l.name} className={`model-lane${l.name === current ? " current" : ""}`} data-testid="lane" data-line={l.name}>
              <a className="model-lane-head" href={modelHash(l.name)} aria-current={l.name === current ? "page" : undefined}>
                <strong>{variant ?? "main"}</strong>
                <span className="muted">
                  {" "}
                  {l.versionCount} version{l.versionCount === 1 ? "" : "s"}
                </span>
              </a>
              <ol className="model-lane-versions">
                {versions.map((v) => (
                  <li key={v.version}>
                    <a className="mono" href={versionHash(`${l.name}@${v.version}`)} data-testid="lane-version">
                      {v.version}
                    </a>
                  </li>
                ))}
                {l.versionCount > versions.length && versions.length > 0 && (
                  <li className="muted">+{l.versionCount - versions.length} older</li>
                )}
              </ol>
            </div>
          );
        })}
      </div>
    </section>
  );
}
