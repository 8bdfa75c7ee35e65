/** The "Add a remote" form: a name, the kind (an MLflow tracking server, an OCI registry
 * holding ModelPack artifacts, or a team ledger on S3 or a shared folder) and its address;
 * optional credentials are sealed in the workspace (without them an MLflow remote reads the
 * MLflow environment variables at sync time, an OCI one is anonymous). A team ledger asks for
 * the owner's public key instead: when it is missing, the owner the ledger names is offered,
 * fingerprint shown, to be checked and trusted (as SSH shows a new host's key). */
import { useState } from "react";
import { useBackend } from "../../backend";
import type { RemoteInfo } from "../../backend/generated/api";
import { SubmitRow } from "../../components/SubmitRow";
import { TextField } from "../../components/TextField";
import { useAction } from "../../components/useAction";

type Kind = "mlflow" | "oci" | "ledger";

/** The address field's label and example, by kind. */
const ADDRESS: Record<Kind, [string, string]> = {
  mlflow: ["Tracking server URL", "https://mlflow.example.com"],
  oci: ["Registry and prefix", "ghcr.io/acme/models"],
  ledger: ["Ledger location", "s3://acme-ml/team-ledger or file:///shared/team-ledger"],
};

const HELP: Record<Kind, string> = {
  mlflow: "Credentials given here are sealed in the workspace; without them MLFLOW_TRACKING_USERNAME/PASSWORD (or _TOKEN) are read at sync time.",
  oci: "Credentials given here are sealed in the workspace; without them the registry is read and written anonymously. Loopback registries are reached over plain HTTP.",
  ledger:
    "Every member's signed events, on storage the team already has. S3 credentials come from the AWS environment. Only events signed by members of a roster started by the owner you trust are taken in.",
};

export function RemoteAddForm({ onAdded }: { onAdded: (r: RemoteInfo) => void }) {
  const backend = useBackend();
  const [name, setName] = useState("");
  const [kind, setKind] = useState<Kind>("mlflow");
  const [trust, setTrust] = useState("");
  const [url, setUrl] = useState("");
  const [username, setUsername] = useState("");
  const [password, setPassword] = useState("");
  const { busy, error, run } = useAction();

  const add = (trusted: string) =>
    run(async () => {
      const user = username.trim();
      const info = await backend.call("remote_add", {
        name: name.trim(),
        kind,
        url: url.trim(),
        ...(user && kind !== "ledger" ? { username: user, password } : {}),
        ...(kind === "ledger" && trusted.trim() ? { trust: trusted.trim() } : {}),
      });
      setName("");
      setUrl("");
      setUsername("");
      setPassword("");
      setTrust("");
      onAdded(info);
    });
  const submit = (e: React.FormEvent) => {
    e.preventDefault();
    void add(trust);
  };
  // The ledger named its owner: offer to trust that key (the fingerprint is in the message).
  const offered = kind === "ledger" && error ? /--trust "(ssh-ed25519 [A-Za-z0-9+/=]+)"/.exec(error)?.[1] : undefined;

  return (
    <form className="card store-form" data-testid="remote-add-form" onSubmit={submit}>
      <h2>{kind === "ledger" ? "Join a team ledger" : "Add a registry"}</h2>
      <div className="fields">
        <TextField label="Name" testId="remote-name" value={name} onChange={setName} placeholder="team" required />
        <label className="field">
          Kind
          <select data-testid="remote-kind" value={kind} onChange={(e) => setKind(e.target.value as Kind)}>
            <option value="mlflow">MLflow tracking server</option>
            <option value="oci">OCI registry (ModelPack)</option>
            <option value="ledger">Team ledger (S3 or a shared folder)</option>
          </select>
        </label>
        <TextField
          label={ADDRESS[kind][0]}
          layout="grow"
          testId="remote-url"
          value={url}
          onChange={setUrl}
          placeholder={ADDRESS[kind][1]}
          required
        />
      </div>
      {kind === "ledger" ? (
        <div className="fields">
          <TextField
            label="Team owner's public key (not needed if you own the team)"
            layout="grow"
            testId="remote-trust"
            value={trust}
            onChange={setTrust}
            placeholder="ssh-ed25519 AAAA…"
            autoComplete="off"
          />
        </div>
      ) : (
        <div className="fields">
          <TextField label="Username (optional)" testId="remote-username" value={username} onChange={setUsername} autoComplete="off" />
          <TextField label="Password" testId="remote-password" type="password" value={password} onChange={setPassword} disabled={!username.trim()} />
        </div>
      )}
      <p className="muted">{HELP[kind]}</p>
      {offered && (
        <p data-testid="remote-offer-trust">
          <button type="button" disabled={busy} onClick={() => void add(offered)}>
            I checked the fingerprint: trust this owner and join
          </button>
        </p>
      )}
      <SubmitRow testId="remote-add" error={error} busy={busy} label="Add remote" />
    </form>
  );
}
