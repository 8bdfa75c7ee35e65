/**
 * Compare two versions (`#/compare?a=MODEL@V&b=MODEL@V`): the bump the policy would give and
 * why, files and tensors added/removed/reshaped, which tensors' bytes changed, pickle imports,
 * params, metrics with deltas and links — all from the catalog (`diff_versions`).
 */
import { useBackend } from "../backend";
import { useLoad } from "../components/useLoad";
import { versionHash } from "../router";

function Names({ label, items, testid }: { label: string; items: string[]; testid: string }) {
  if (items.length === 0) return null;
  return (
    <div>
      <dt>{label}</dt>
      <dd className="mono" data-testid={testid}>
        {items.join(", ")}
      </dd>
    </div>
  );
}

export function CompareView({ query }: { query: string }) {
  const backend = useBackend();
  const q = new URLSearchParams(query);
  const [a, b] = [q.get("a") ?? "", q.get("b") ?? ""];
  const { data: d, error } = useLoad(() => backend.call("diff_versions", { a, b }), [a, b]);
  return (
    <div className="page" data-testid="compare-view">
      <div className="page-head">
        <h1>
          Compare <a href={versionHash(a)}>{a}</a> → <a href={versionHash(b)}>{b}</a>
        </h1>
      </div>
      {error && <div className="banner error">{error}</div>}
      {!d && !error && <p className="muted">Comparing…</p>}
      {d && (
        <div className="cards">
          <section className="card">
            <h2>Version bump</h2>
            <p data-testid="compare-bump">
              <span className={`bump b-${d.bump.bump}`}>{d.bump.bump}</span> {d.bump.reason}
            </p>
            <h2>Files and tensors</h2>
            <dl className="facts">
              <Names label="Files added" items={d.files.added} testid="compare-files-added" />
              <Names label="Files removed" items={d.files.removed} testid="compare-files-removed" />
              <Names label="Files changed" items={d.files.changed} testid="compare-files-changed" />
              <Names label="Tensors added" items={d.tensors.added} testid="compare-tensors-added" />
              <Names label="Tensors removed" items={d.tensors.removed} testid="compare-tensors-removed" />
              <Names label="Reshaped" items={d.tensors.reshaped} testid="compare-tensors-reshaped" />
              <Names label="Bytes changed" items={d.tensors.changed} testid="compare-tensors-changed" />
              <Names label="Imports added" items={d.imports.added} testid="compare-imports-added" />
              <Names label="Imports removed" items={d.imports.removed} testid="compare-imports-removed" />
            </dl>
            {!d.tensors.digestsKnown && (
              <p className="muted">One of the versions was registered before per-tensor digests: which tensors' bytes changed is unknown.</p>
            )}
          </section>
          <section className="card">
            <h2>Params &amp; metrics</h2>
            <table className="grid">
              <thead>
                <tr>
                  <th>Name</th>
                  <th>{a}</th>
                  <th>{b}</th>
                  <th>Δ</th>
                </tr>
              </thead>
              <tbody>
                {d.params.map((p) => (
                  <tr key={`p${p.name}`}>
                    <td>{p.name}</td>
                    <td className="mono">{p.a ?? "—"}</td>
                    <td className="mono">{p.b ?? "—"}</td>
                    <td />
                  </tr>
                ))}
                {d.metrics.map((m) => (
                  <tr key={`m${m.name}`} data-testid="compare-metric">
                    <td>{m.name}</td>
                    <td>{m.a ?? "—"}</td>
                    <td>{m.b ?? "—"}</td>
                    <td>{m.delta === null ? "" : `${m.delta > 0 ? "+" : ""}${m.delta.toPrecision(3)}`}</td>
                  </tr>
                ))}
              </tbody>
            </table>
            {d.params.length + d.metrics.length === 0 && <p className="muted">Same params and metrics.</p>}
            <h2>Links</h2>
            <dl className="facts">
              <Names label="Added" items={d.links.added} testid="compare-links-added" />
              <Names label="Removed" items={d.links.removed} testid="compare-links-removed" />
            </dl>
            {d.links.added.length + d.links.removed.length === 0 && <p className="muted">Same datasets, code, environment and parents.</p>}
          </section>
        </div>
      )}
    </div>
  );
}
