/** One version: files and digests, sniffed interface, params, metrics, a small lineage graph,
 * governance (approvals, status, evaluations, deployments, erasure taint), evidence files, the
 * captured run that made it and its audit history. */
import { useEffect, useMemo, useState } from "react";
import { useBackend } from "../backend";
import type { AuditRow, TensorSpec } from "../backend/generated/api";
import { buildView, fromSubgraph, lineageHash, defaultLineageState } from "../lineage/model";
import { LineageCanvas } from "../lineage/LineageCanvas";
import { CreatedFacts } from "../components/Facts";
import { TensorRows } from "../components/TensorRows";
import { useLoad } from "../components/useLoad";
import { modelHash, navigate, reportsHash } from "../router";
import { GovernancePanel } from "./Governance";
import { TaintedBanner } from "./governance/TaintedBanner";
import { useGovernance } from "./governance/useGovernance";
import { AliasesCard } from "./version/Aliases";
import { AttachmentsCard } from "./version/Attachments";
import { MetadataCard } from "./version/Metadata";
import { PickleVerdicts } from "./version/PickleVerdicts";
import { RunCard } from "./version/RunCard";
import { bytes, idLabel, plural, when } from "../format";

function Tensors({ title, list }: { title: string; list: TensorSpec[] }) {
  const [all, setAll] = useState(false);
  return (
    <TensorRows
      title={title}
      list={list}
      all={all}
      more={
        <td colSpan={3}>
          <button onClick={() => setAll(true)}>Show all {list.length}</button>
        </td>
      }
    />
  );
}

export function VersionView({ reference }: { reference: string }) {
  const backend = useBackend();
  const shown = useLoad(() => backend.call("show_version", { reference }), [backend, reference]);
  const data = shown.data;
  const node = data?.node;
  // The version's neighbours, one hop each way, once it is known.
  const graph = useLoad(async () => (node ? backend.call("lineage", { node, up: 1, down: 1 }) : null), [backend, node]);
  const sub = graph.data;
  const error = shown.error ?? graph.error;
  const [events, setEvents] = useState<AuditRow[]>([]);
  const governance = useGovernance(reference);

  // The audit history, again after every governance change (approvals, deployments… are events).
  useEffect(() => {
    if (!node) return;
    backend
      .call("audit_log", { subject: node, before: null, limit: 50 })
      .then((r) => setEvents(r.events))
      .catch(() => {});
  }, [backend, node, governance.gov]);

  const view = useMemo(() => (sub ? buildView(fromSubgraph(sub)) : null), [sub]);
  const datasets = useMemo(
    () => (data ? data.upstream.filter((e) => e.to.startsWith("dataset:")).map((e) => idLabel(e.to)) : []),
    [data],
  );
  if (error) return <div className="page"><div className="banner error">{error}</div></div>;
  if (!data) return <div className="page loading">Loading {reference}…</div>;
  const v = data.version;
  const i = v.interface;
  return (
    <div className="page" data-testid="version-page">
      <div className="page-head">
        <a href={modelHash(v.model)} className="back">
          ← {v.model}
        </a>
        <h1 data-testid="version-title">
          {v.model}@{v.version}
        </h1>
        <span className={`status s-${governance.gov?.status ?? v.status}`} data-testid="version-status">
          {governance.gov?.status ?? v.status}
        </span>
        {data.aliases.map((a) => (
          <span key={a} className="alias-badge" title={`${v.model}@${a} points here`}>
            @{a}
          </span>
        ))}
        <a className="button" href={lineageHash({ ...defaultLineageState(data.node), up: 2, down: 2, sel: data.node })}>
          Open in lineage explorer
        </a>
        <a className="button" data-testid="version-report" href={reportsHash(`${v.model}@${v.version}`)}>
          Report…
        </a>
      </div>
      <TaintedBanner gov={governance.gov} />
      <div className="cards">
        <section className="card">
          <h2>Summary</h2>
          <dl className="facts">
            <dt>Format</dt>
            <dd>{v.format}</dd>
            <dt>Version</dt>
            <dd>
              <span className={`bump b-${v.bump}`}>{v.bump}</span> {v.bumpReason}
            </dd>
            <dt>Root digest</dt>
            <dd className="mono wrap">{v.rootDigest}</dd>
            <dt>Manifest digest</dt>
            <dd className="mono wrap">{v.manifestDigest}</dd>
            <dt>Size</dt>
            <dd>
              {bytes(v.totalSize)} in {plural(v.fileCount, "file")}
            </dd>
            {data.bindings.length > 0 && (
              <>
                <dt>Remotes</dt>
                <dd data-testid="version-bindings">
                  {data.bindings.map((b) => (
                    <div key={`${b.remote}/${b.key}`}>
                      {b.remote}: <span className="mono">{b.key}</span>
                      {b.state === "deleted" && <span className="muted"> (deleted there)</span>}
                    </div>
                  ))}
                </dd>
              </>
            )}
            {v.storage !== "copy" && (
              <>
                <dt>Stored as</dt>
                <dd data-testid="version-storage">
                  {v.storage === "hardlink"
                    ? "hard links to the registered files (read-only; rewriting one in place changes the stored object — audit verify names it)"
                    : "copy-on-write clones (reflinks) of the registered files"}
                </dd>
              </>
            )}
            <CreatedFacts createdAt={v.createdAt} createdBy={v.createdBy} message={v.message} />
          </dl>
        </section>
        <section className="card">
          <h2>Params &amp; metrics</h2>
          <dl className="facts">
            {Object.entries(v.params).map(([k, x]) => (
              <div key={k}>
                <dt>{k}</dt>
                <dd className="mono">{x}</dd>
              </div>
            ))}
            {Object.entries(v.metrics).map(([k, x]) => (
              <div key={k}>
                <dt>{k}</dt>
                <dd className="metric-value">{x}</dd>
              </div>
            ))}
          </dl>
          {Object.keys(v.params).length + Object.keys(v.metrics).length === 0 && <p className="muted">None recorded.</p>}
          <h2>Links</h2>
          <ul className="plain">
            {data.upstream.map((e) => (
              <li key={`u${e.kind}${e.to}`}>
                <span className="muted">{e.relation ?? e.kind}</span>{" "}
                <a href={lineageHash({ ...defaultLineageState(e.to), sel: e.to })}>{idLabel(e.to)}</a>
              </li>
            ))}
            {data.downstream.map((e) => (
              <li key={`d${e.kind}${e.from}`}>
                <span className="muted">← {e.relation ?? e.kind}</span>{" "}
                <a href={lineageHash({ ...defaultLineageState(e.from), sel: e.from })}>{idLabel(e.from)}</a>
              </li>
            ))}
          </ul>
        </section>
        <section className="card mini-lineage" data-testid="version-lineage">
          <h2>Lineage</h2>
          <div className="mini-canvas">
            {view && (
              <LineageCanvas
                view={view}
                compact
                selected={data.node}
                onNodeClick={(id) => navigate(lineageHash({ ...defaultLineageState(id), up: 2, down: 2, sel: id }))}
              />
            )}
          </div>
        </section>
      </div>
      <GovernancePanel reference={`${v.model}@${v.version}`} model={v.model} datasets={datasets} governance={governance} />
      <AttachmentsCard reference={`${v.model}@${v.version}`} />
      <RunCard reference={`${v.model}@${v.version}`} />
      <section className="card">
        <h2>Interface{i.task ? ` · ${i.task}` : ""}</h2>
        {i.inputs.length + i.outputs.length + i.tensors.length === 0 ? (
          <p className="muted">The sniffers found no interface in these files.</p>
        ) : (
          <table className="grid" data-testid="interface-table">
            <thead>
              <tr>
                <th>Name</th>
                <th>Type</th>
                <th>Shape</th>
              </tr>
            </thead>
            <tbody>
              <Tensors title="Inputs" list={i.inputs} />
              <Tensors title="Outputs" list={i.outputs} />
              <Tensors title="Tensors" list={i.tensors} />
            </tbody>
          </table>
        )}
      </section>
      <AliasesCard model={v.model} version={v.version} aliases={data.aliases} onChange={() => void shown.refresh()} />
      <MetadataCard target={`${v.model}@${v.version}`} annotations={data.annotations} onChange={() => void shown.refresh()} />
      <PickleVerdicts sniffed={v.sniffed} />
      <section className="card">
        <h2>Files</h2>
        <table className="grid">
          <thead>
            <tr>
              <th>Path</th>
              <th>Size</th>
              <th>Format</th>
              <th>SHA-256</th>
            </tr>
          </thead>
          <tbody>
            {v.files.map((f) => (
              <tr key={f.path} data-testid="file-row">
                <td className="mono">{f.path}</td>
                <td>{bytes(f.size)}</td>
                <td>{f.format}</td>
                <td className="mono digest">{f.sha256}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>
      <section className="card" data-testid="version-audit">
        <h2>Audit history</h2>
        <table className="grid">
          <tbody>
            {events.map((e) => (
              <tr key={e.seq}>
                <td className="mono">#{e.seq}</td>
                <td>{when(e.ts)}</td>
                <td>{e.actor}</td>
                <td>{e.action}</td>
                <td className="mono digest">{e.hash.slice(0, 16)}…</td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>
    </div>
  );
}
