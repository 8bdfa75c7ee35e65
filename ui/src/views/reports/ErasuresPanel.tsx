/** The erasure requests, each with the versions and deployments it affects and how each was resolved; the form for a new one below. */
import { useBackend } from "../../backend";
import type { Erasure } from "../../backend/generated/api";
import { versionHash } from "../../router";
import { idLabel, kindOf, plural, short, when } from "../../format";
import { useLoad } from "../../components/useLoad";
import { EraseForm } from "./EraseForm";
import { ResolveImpact } from "./ResolveImpact";

export function ErasuresPanel() {
  const backend = useBackend();
  const { data: list, error, refresh } = useLoad(async () => (await backend.call("erasures", {})).requests, [backend]);
  return (
    <section className="card" data-testid="erasures">
      <h2>Erasure requests</h2>
      {error && <p className="error">{error}</p>}
      {list && list.length === 0 && (
        <p className="muted" data-testid="erasures-empty">
          No erasure requests. Record one below or with <code>pedigree erase --dataset NAME@VER --subject-hash HEX --reason …</code>; the versions trained
          on that data and the environments serving them are listed here until each is retrained or kept under an exception.
        </p>
      )}
      {list?.map((r) => (
        <ErasureRow key={r.id} request={r} onChanged={refresh} />
      ))}
      <EraseForm onDone={refresh} />
    </section>
  );
}

function ErasureRow({ request: r, onChanged }: { request: Erasure; onChanged: () => Promise<void> }) {
  const open = r.impacts.filter((i) => !i.resolution).length;
  return (
    <div className="erasure" data-testid="erasure-row" data-id={r.id} data-status={r.status}>
      <div>
        <strong>#{r.id}</strong> on dataset <span className="mono">{idLabel(r.dataset)}</span>{" "}
        <span className={`tag ${r.status === "open" ? "warn" : "ok"}`}>{r.status}</span> — {r.reason}{" "}
        <span className="muted">
          · subject {short(r.subjectHash, 12)}… · {when(r.createdAt)} by {r.createdBy} · {open} of {plural(r.impacts.length, "impact")} open
        </span>
      </div>
      {r.impacts.length > 0 && (
        <ul className="plain impacts">
          {r.impacts.map((i) => (
            <li key={i.node} data-testid="erasure-impact" data-state={i.resolution ? "resolved" : "open"}>
              <ImpactLink impact={i} />{" "}
              <Resolution impact={i} />
              {!i.resolution && i.kind === "version" && <ResolveImpact id={r.id} node={i.node} onDone={onChanged} />}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

type Impact = Erasure["impacts"][number];

function ImpactLink({ impact: i }: { impact: Impact }) {
  if (i.kind === "version") return <a href={versionHash(idLabel(i.node))}>{idLabel(i.node)}</a>;
  return <a href="#/deployments">{kindOf(i.node) === "deployment" ? `${idLabel(i.node)} (deployment)` : i.node}</a>;
}

function Resolution({ impact: i }: { impact: Impact }) {
  if (!i.resolution) return <span className="error">open — tainted</span>;
  return (
    <span className="ok">
      resolved: {i.resolution === "retrained" ? `retrained as ${i.resolutionRef}` : `${i.resolution} (${i.resolutionRef})`}
      <span className="muted">
        {" "}
        · {i.resolvedBy}
        {i.resolvedAt && `, ${when(i.resolvedAt)}`}
      </span>
    </span>
  );
}
