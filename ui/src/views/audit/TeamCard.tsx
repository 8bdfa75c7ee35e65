/**
 * The team's roster: members by key with their roles ("you" marked), or a note that the
 * workspace is one person's; and your own key, to give an owner who adds you.
 */
import { useEffect, useState } from "react";
import { errorMessage, useBackend } from "../../backend";
import type { IdentityInfo, TeamResponse } from "../../backend/generated/api";

export function TeamCard() {
  const backend = useBackend();
  const [team, setTeam] = useState<TeamResponse | null>(null);
  const [me, setMe] = useState<IdentityInfo | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    backend
      .call("team_list", {})
      .then(setTeam)
      .catch((e) => setError(errorMessage(e)));
    backend
      .call("identity_show", {})
      .then(setMe)
      .catch(() => setMe(null)); // a program that signs nothing has no key to show
  }, [backend]);
  if (error) return <div className="banner error">{error}</div>;
  if (!team) return null;
  const yourKey = me && <YourKey me={me} />;
  if (team.members.length === 0) {
    return (
      <div className="pad">
        <p className="muted" data-testid="team-none">
          No team roster: this workspace is one person's. <code>pedigree team init</code> starts one with you as its owner.
        </p>
        {yourKey}
      </div>
    );
  }
  return (
    <div className="card" data-testid="team-card">
      <h2>Team</h2>
      {yourKey}
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

/** Your name, fingerprint and public key line, with a copy button. */
function YourKey({ me }: { me: IdentityInfo }) {
  const [copied, setCopied] = useState(false);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(me.publicKey);
      setCopied(true);
    } catch {
      setCopied(false);
    }
  };
  return (
    <p className="muted" data-testid="your-key">
      You sign as <strong>{me.name}</strong> <span className="mono">{me.fingerprint}</span>.{" "}
      <button type="button" onClick={() => void copy()} title={me.publicKey}>
        {copied ? "Copied" : "Copy your public key"}
      </button>{" "}
      (an owner adds you with <code>pedigree team add</code>)
    </p>
  );
}
