/** The team's roster: members by key with their roles ("you" marked); empty for one person's workspace. */
import { useEffect, useState } from "react";
import { errorMessage, useBackend } from "../../backend";
import type { TeamResponse } from "../../backend/generated/api";

export function TeamCard() {
  const backend = useBackend();
  const [team, setTeam] = useState<TeamResponse | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    backend
      .call("team_list", {})
      .then(setTeam)
      .catch((e) => setError(errorMessage(e)));
  }, [backend]);
  if (error) return <div className="banner error">{error}</div>;
  if (!team) return null;
  if (team.members.length === 0) {
    return (
      <p className="muted pad" data-testid="team-none">
        No team roster: this workspace is one person's. <code>pedigree team init</code> starts one with you as its owner.
      </p>
    );
  }
  return (
    <div className="card" data-testid="team-card">
      <h2>Team</h2>
      <table className="grid">
        <thead>
          <tr>
            <th>Member</th>
            <th>Roles</th>
            <th>Key</th>
          </tr>
        </thead>
        <tbody>
          {team.members.map((m) => (
            <tr key={m.fingerprint} data-testid="team-member">
              <td>
                {m.name}
                {team.me === m.fingerprint && <span className="muted"> (you)</span>}
              </td>
              <td>{m.roles.join(", ")}</td>
              <td className="mono" title={m.publicKey}>
                {m.fingerprint}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
