/** One model: its description and tags, its lines, its retraining timeline, its versions, highest first, paged. */
import { useEffect, useState } from "react";
import { errorMessage, useBackend } from "../backend";
import type { ModelSummary, VersionSummary } from "../backend/generated/api";
import { lineageHash, defaultLineageState } from "../lineage/model";
import { compareHash, navigate, versionHash } from "../router";
import { short, when } from "../format";
import { useLoad } from "../components/useLoad";
import { MetadataCard } from "./version/Metadata";
import { ModelLanes } from "./ModelLanes";
import { ModelTimeline } from "./ModelTimeline";
import { SystemProposal } from "./model/SystemProposal";

const PAGE = 50;

export function ModelView({ name }: { name: string }) {
  const backend = useBackend();
  const [versions, setVersions] = useState<VersionSummary[]>([]);
  const [total, setTotal] = useState(0);
  const [lines, setLines] = useState<ModelSummary[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [loading, setLoading] = useState(true);
  // Two versions picked for Compare (oldest first when compared).
  const [picked, setPicked] = useState<string[]>([]);
  const pick = (v: string) => setPicked((p) => (p.includes(v) ? p.filter((x) => x !== v) : [...p, v].slice(-2)));

  const load = (offset: number) => {
    setLoading(true);
    backend
      .call("list_versions", { model: name, offset, limit: PAGE })
      .then((r) => {
        setVersions((v) => (offset === 0 ? r.versions : [...v, ...r.versions]));
        setTotal(r.total);
        if (offset === 0) setLines(r.lines);
        setError(null);
      })
      .catch((e) => setError(errorMessage(e)))
      .finally(() => setLoading(false));
  };
  useEffect(() => load(0), [name]); // eslint-disable-line react-hooks/exhaustive-deps
  // The model's aliases, as badges on the versions they point to.
  const [aliases, setAliases] = useState<Record<string, string[]>>({});
  useEffect(() => {
    backend
      .call("list_aliases", { model: name })
      .then((r) => {
        const by: Record<string, string[]> = {};
        for (const a of r.aliases) (by[a.version] ??= []).push(a.alias);
        setAliases(by);
      })
      .catch(() => setAliases({}));
  }, [backend, name]);

  // Its description and tags (edited here, kept in step with remotes).
  const meta = useLoad(() => backend.call("annotations", { target: name }), [backend, name]);

  return (
    <div className="page">
      <div className="page-head">
        <a href="#/models" className="back">
          ← Models
        </a>
        <h1>{name}</h1>
        <span className="muted">
          {total} version{total === 1 ? "" : "s"}
        </span>
        <a className="button" href={lineageHash({ ...defaultLineageState(`model:${name}`), up: 1, down: 1 })}>
          Show lineage
        </a>
        <button
          data-testid="compare-button"
          disabled={picked.length !== 2}
          title="Tick two versions to compare them"
          onClick={() => {
            const order = versions.map((v) => v.version);
            const [x, y] = [...picked].sort((p, q) => order.indexOf(q) - order.indexOf(p));
            navigate(compareHash(`${name}@${x}`, `${name}@${y}`));
          }}
        >
          Compare{picked.length ? ` (${picked.length}/2)` : ""}
        </button>
      </div>
      {error && <div className="banner error">{error}</div>}
      {meta.data && <MetadataCard target={name} annotations={meta.data} onChange={() => void meta.refresh()} />}
      {lines.length > 1 && <ModelLanes lines={lines} current={name} />}
      <SystemProposal system={name} onChange={() => load(0)} />
      {total >= 2 && <ModelTimeline model={name} />}
      <table className="grid">
        <thead>
          <tr>
            <th>Version</th>
            <th>Status</th>
            <th>Format</th>
            <th>Key metrics</th>
            <th>Digest</th>
            <th>Created</th>
            <th>Message</th>
            <th>Compare</th>
          </tr>
        </thead>
        <tbody>
          {versions.map((v) => (
            <tr key={v.version} className="clickable" data-testid="version-row" data-version={v.version} onClick={() => navigate(versionHash(`${name}@${v.version}`))}>
              <td className="mono">
                <strong>{v.version}</strong> <span className={`bump b-${v.bump}`}>{v.bump}</span>
                {(aliases[v.version] ?? []).map((a) => (
                  <span key={a} className="alias-badge" data-testid="row-alias">
                    @{a}
                  </span>
                ))}
              </td>
              <td>
                <span className={`status s-${v.status}`}>{v.status}</span>
              </td>
              <td>{v.format}</td>
              <td>
                {Object.entries(v.metrics)
                  .slice(0, 3)
                  .map(([k, x]) => `${k} ${x}`)
                  .join(" · ")}
              </td>
              <td className="mono">{short(v.rootDigest)}</td>
              <td>
                {when(v.createdAt)}
                <div className="muted">{v.createdBy}</div>
              </td>
              <td>{v.message}</td>
              <td onClick={(e) => e.stopPropagation()}>
                <input
                  type="checkbox"
                  data-testid="compare-pick"
                  aria-label={`Compare ${v.version}`}
                  checked={picked.includes(v.version)}
                  onChange={() => pick(v.version)}
                />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {versions.length < total && (
        <button disabled={loading} onClick={() => load(versions.length)}>
          {loading ? "Loading…" : `Load more (${total - versions.length} left)`}
        </button>
      )}
    </div>
  );
}
