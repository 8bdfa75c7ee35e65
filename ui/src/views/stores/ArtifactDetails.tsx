/** One artifact unfolded: URI, digest or ETag, size, lineage hints, interface and metadata. */
import { Fragment } from "react";
import type { Artifact, LineageHint, TensorSpec } from "../../backend/generated/api";
import { bytes, plural, short, when } from "../../format";
import { TensorRows } from "../../components/TensorRows";

/** `trained on data/raw.csv (DVC)`: what a lineage hint says, for people. */
export function hintText(h: LineageHint): string {
  if (h.kind === "base_model") return `base model ${h.path}`;
  const what: Record<string, string> = { trained_on: "trained on", code: "code", dvc_out: "tracked by", out: "tracks" };
  return `${what[h.kind] ?? h.kind} ${h.path} (DVC)`;
}

export function ArtifactDetails({ a }: { a: Artifact }) {
  return (
    <div className="artifact-details" data-testid="artifact-details">
      <ArtifactFacts a={a} />
      {a.hints.length > 0 && (
        <>
          <h4>Lineage hints</h4>
          <ul className="plain">
            {a.hints.map((h, i) => (
              <li key={i}>
                {hintText(h)} <span className="muted">from {h.source}</span>
                {h.md5 && <span className="muted mono"> md5 {short(h.md5)}</span>}
              </li>
            ))}
          </ul>
        </>
      )}
      <ArtifactInterface a={a} />
      <ArtifactMetadata metadata={a.metadata} />
    </div>
  );
}

function ArtifactFacts({ a }: { a: Artifact }) {
  return (
    <dl className="facts">
      <dt>URI</dt>
      <dd className="mono wrap">{a.uri}</dd>
      {a.digest && (
        <>
          <dt>{a.kind === "folder" ? "Root digest" : "sha256"}</dt>
          <dd className="mono wrap" title={a.digest}>
            {a.digest}
          </dd>
        </>
      )}
      {a.etag && (
        <>
          <dt>ETag</dt>
          <dd className="mono wrap">{a.etag}</dd>
        </>
      )}
      <dt>Size</dt>
      <dd>
        {bytes(a.size)} in {plural(a.fileCount, "file")}
      </dd>
      <dt>Indexed</dt>
      <dd>{when(a.indexedAt)}</dd>
      {a.interface.task && (
        <>
          <dt>Task</dt>
          <dd>{a.interface.task}</dd>
        </>
      )}
      {a.note && (
        <>
          <dt>Note</dt>
          <dd>{a.note}</dd>
        </>
      )}
    </dl>
  );
}

function ArtifactInterface({ a }: { a: Artifact }) {
  const itf = a.interface;
  if (itf.inputs.length + itf.outputs.length + itf.tensors.length === 0) {
    return <p className="muted">No interface known{a.kind === "dvc" ? " (a DVC file)" : ""}.</p>;
  }
  return (
    <table className="grid compact">
      <tbody>
        <SpecRows title="Inputs" list={itf.inputs} />
        <SpecRows title="Outputs" list={itf.outputs} />
        <SpecRows title="Tensors" list={itf.tensors} />
      </tbody>
    </table>
  );
}

function SpecRows({ title, list }: { title: string; list: TensorSpec[] }) {
  return (
    <TensorRows
      title={title}
      list={list}
      more={
        <td colSpan={3} className="muted">
          … {list.length - 50} more (all of them on the version page once registered)
        </td>
      }
    />
  );
}

function ArtifactMetadata({ metadata }: { metadata: Artifact["metadata"] }) {
  const meta = Object.entries(metadata).sort(([x], [y]) => x.localeCompare(y));
  if (meta.length === 0) return null;
  return (
    <>
      <h4>Metadata</h4>
      <dl className="facts">
        {meta.slice(0, 100).map(([k, v]) => (
          <Fragment key={k}>
            <dt className="mono">{k}</dt>
            <dd className="wrap">{v}</dd>
          </Fragment>
        ))}
      </dl>
    </>
  );
}
