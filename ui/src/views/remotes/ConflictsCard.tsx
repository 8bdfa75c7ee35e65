/** Open conflicts, in two kinds. With a registry (MLflow, OCI): a field changed on both sides
 * since the last sync — the value then, here and there; take one side. Between team members (a
 * ledger remote): two members did one thing apart — what holds by the ledger's order and what
 * was kept aside or replaced; an owner chooses, and every copy follows. */
import type { Conflict } from "../../backend/generated/api";
import { compareHash } from "../../router";

/** What each answer does, by what the members did apart. */
const TEAM: Record<string, { what: string; keep: string; take: string }> = {
  version: {
    what: "one version number registered apart with other files",
    keep: "Keep the number",
    take: "Give it the other files",
  },
  dataset: {
    what: "one dataset number registered apart with other data",
    keep: "Keep the number",
    take: "Give it the other data",
  },
  alias: { what: "an alias moved apart", keep: "Keep where it is", take: "Move it to the other" },
  deployment: {
    what: "an environment switched apart",
    keep: "Keep what serves",
    take: "Record the other as chosen",
  },
};

/** The two answers to a conflict. */
function Take({ c, busy, onResolve, keep, take }: { c: Conflict; busy: boolean; onResolve: Props["onResolve"]; keep: string; take: string }) {
  return (
    <td>
      <button disabled={busy} data-testid="take-local" onClick={() => onResolve(c, "local")}>
        {keep}
      </button>{" "}
      <button disabled={busy} data-testid="take-remote" onClick={() => onResolve(c, "remote")}>
        {take}
      </button>
    </td>
  );
}

type Props = {
  conflicts: Conflict[];
  /** Names of the ledger remotes (team conflicts). */
  ledgers: Set<string>;
  busy: boolean;
  onResolve: (c: Conflict, take: "local" | "remote") => void;
};

export function ConflictsCard({ conflicts, ledgers, busy, onResolve }: Props) {
  const team = conflicts.filter((c) => ledgers.has(c.remote));
  const registry = conflicts.filter((c) => !ledgers.has(c.remote));
  return (
    <section className="card" data-testid="conflicts">
      <h2>Conflicts ({conflicts.length})</h2>
      {team.length > 0 && (
        <>
          <p className="muted">
            Team members did the same thing apart. Nothing was lost: what holds follows the ledger's order, the other is kept.
            An owner chooses; every copy follows.
          </p>
          <table className="grid" data-testid="team-conflicts">
            <thead>
              <tr>
                <th>What</th>
                <th>Holds now</th>
                <th>The other</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {team.map((c) => {
                const t = TEAM[c.field] ?? { what: c.field, keep: "Keep what holds", take: "Take the other" };
                return (
                  <tr key={c.id} data-testid="conflict" data-id={c.id} data-field={c.field}>
                    <td>
                      <span className="mono">{c.subject}</span>
                      <div className="muted">{t.what}</div>
                    </td>
                    <td className="mono">{c.local ?? "—"}</td>
                    <td className="mono">
                      {c.remoteValue ?? "—"}
                      {c.field === "version" && c.remoteValue && (
                        <div>
                          <a href={compareHash(c.subject, `${c.subject.slice(0, c.subject.lastIndexOf("@"))}@${c.remoteValue}`)} data-testid="conflict-compare">
                            compare the two
                          </a>
                        </div>
                      )}
                    </td>
                    <Take c={c} busy={busy} onResolve={onResolve} keep={t.keep} take={t.take} />
                  </tr>
                );
              })}
            </tbody>
          </table>
        </>
      )}
      {registry.length > 0 && (
        <>
          <p className="muted">Changed on both sides since the last sync; neither side was overwritten. Take one side.</p>
          <table className="grid" data-testid="registry-conflicts">
            <thead>
              <tr>
                <th>Remote</th>
                <th>What</th>
                <th>At the last sync</th>
                <th>Here</th>
                <th>There</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {registry.map((c) => (
                <tr key={c.id} data-testid="conflict" data-id={c.id}>
                  <td>{c.remote}</td>
                  <td className="mono">
                    {c.subject} <span className="muted">({c.field})</span>
                  </td>
                  <td className="mono">{c.base ?? "—"}</td>
                  <td className="mono">{c.local ?? "—"}</td>
                  <td className="mono">{c.remoteValue ?? "—"}</td>
                  <Take c={c} busy={busy} onResolve={onResolve} keep="Keep here" take="Take there" />
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
    </section>
  );
}
