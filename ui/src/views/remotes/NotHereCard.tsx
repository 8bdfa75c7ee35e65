/** Remote versions whose files are not here (recorded by a metadata-only sync, or out of reach),
 * each with a Fetch button that brings, verifies and registers its files. */
import type { NotHere } from "../../backend/generated/api";

/** The action key of fetching one version (the button shows "Fetching…" while it runs). */
export const fetchKey = (v: NotHere) => `fetch:${v.remote}:${v.model}/${v.version}`;

type Props = { versions: NotHere[]; running: string | null; busy: boolean; onFetch: (v: NotHere) => void };

export function NotHereCard({ versions, running, busy, onFetch }: Props) {
  if (versions.length === 0) return null;
  return (
    <section className="card" data-testid="not-here">
      <h2>On the server, files not here ({versions.length})</h2>
      <p className="muted">
        Recorded by a metadata-only sync, or out of reach. Fetch brings a version's files, verifies and registers them (pedigree fetch MODEL/VERSION).
      </p>
      <table className="grid">
        <thead>
          <tr>
            <th>Remote</th>
            <th>Model</th>
            <th>Version there</th>
            <th>Why not here</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {versions.map((v) => (
            <tr key={`${v.remote}/${v.model}/${v.version}`} data-testid="not-here-row">
              <td>{v.remote}</td>
              <td className="mono">{v.model}</td>
              <td className="mono">{v.version}</td>
              <td>{v.state === "remote-only" ? "metadata only" : "out of reach (see the last report)"}</td>
              <td>
                <button disabled={busy} data-testid="fetch-version" onClick={() => onFetch(v)}>
                  {running === fetchKey(v) ? "Fetching…" : "Fetch"}
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
