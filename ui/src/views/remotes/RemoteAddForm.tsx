/** The "Add a remote" form: a name, the kind (an MLflow tracking server, or an OCI registry
 * holding ModelPack artifacts) and its address; optional credentials are sealed in the
 * workspace (without them an MLflow remote reads the MLflow environment variables at sync
 * time, an OCI one is anonymous). */
import { useState } from "react";
import { useBackend } from "../../backend";
import type { RemoteInfo } from "../../backend/generated/api";
import { SubmitRow } from "../../components/SubmitRow";
import { TextField } from "../../components/TextField";
import { useAction } from "../../components/useAction";

export function RemoteAddForm({ onAdded }: { onAdded: (r: RemoteInfo) => void }) {
  const backend = useBackend();
  const [name, setName] = useState("");
  const [kind, setKind] = useState<"mlflow" | "oci">("mlflow");
  const [url, setUrl] = useState("");
  const [username, setUsername] = useState("");
  const [password, setPassword] = useState("");
  const { busy, error, run } = useAction();

  const submit = (e: React.FormEvent) => {
    e.preventDefault();
    void run(async () => {
      const user = username.trim();
      const info = await backend.call("remote_add", {
        name: name.trim(),
        kind,
        url: url.trim(),
        ...(user ? { username: user, password } : {}),
      });
      setName("");
      setUrl("");
      setUsername("");
      setPassword("");
      onAdded(info);
    });
  };

  return (
    <form className="card store-form" data-testid="remote-add-form" onSubmit={submit}>
      <h2>Add a registry</h2>
      <div className="fields">
        <TextField label="Name" testId="remote-name" value={name} onChange={setName} placeholder="team" required />
        <label className="field">
          Kind
          <select data-testid="remote-kind" value={kind} onChange={(e) => setKind(e.target.value as "mlflow" | "oci")}>
            <option value="mlflow">MLflow tracking server</option>
            <option value="oci">OCI registry (ModelPack)</option>
          </select>
        </label>
        <TextField
          label={kind === "oci" ? "Registry and prefix" : "Tracking server URL"}
          layout="grow"
          testId="remote-url"
          value={url}
          onChange={setUrl}
          placeholder={kind === "oci" ? "ghcr.io/acme/models" : "https://mlflow.example.com"}
          required
        />
      </div>
      <div className="fields">
        <TextField label="Username (optional)" testId="remote-username" value={username} onChange={setUsername} autoComplete="off" />
        <TextField label="Password" testId="remote-password" type="password" value={password} onChange={setPassword} disabled={!username.trim()} />
      </div>
      <p className="muted">
        {kind === "oci"
          ? "Credentials given here are sealed in the workspace; without them the registry is read and written anonymously. Loopback registries are reached over plain HTTP."
          : "Credentials given here are sealed in the workspace; without them MLFLOW_TRACKING_USERNAME/PASSWORD (or _TOKEN) are read at sync time."}
      </p>
      <SubmitRow testId="remote-add" error={error} busy={busy} label="Add remote" />
    </form>
  );
}
