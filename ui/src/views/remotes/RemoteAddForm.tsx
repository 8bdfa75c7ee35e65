/** The "Add a remote" form: a name and an MLflow tracking server URL; optional credentials are
 * sealed in the workspace (without them the MLflow environment variables are read at sync time). */
import { useState } from "react";
import { useBackend } from "../../backend";
import type { RemoteInfo } from "../../backend/generated/api";
import { SubmitRow } from "../../components/SubmitRow";
import { TextField } from "../../components/TextField";
import { useAction } from "../../components/useAction";

export function RemoteAddForm({ onAdded }: { onAdded: (r: RemoteInfo) => void }) {
  const backend = useBackend();
  const [name, setName] = useState("");
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
        kind: "mlflow",
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
      <h2>Add an MLflow registry</h2>
      <div className="fields">
        <TextField label="Name" testId="remote-name" value={name} onChange={setName} placeholder="team" required />
        <TextField label="Tracking server URL" layout="grow" testId="remote-url" value={url} onChange={setUrl} placeholder="https://mlflow.example.com" required />
      </div>
      <div className="fields">
        <TextField label="Username (optional)" testId="remote-username" value={username} onChange={setUsername} autoComplete="off" />
        <TextField label="Password" testId="remote-password" type="password" value={password} onChange={setPassword} disabled={!username.trim()} />
      </div>
      <p className="muted">Credentials given here are sealed in the workspace; without them MLFLOW_TRACKING_USERNAME/PASSWORD (or _TOKEN) are read at sync time.</p>
      <SubmitRow testId="remote-add" error={error} busy={busy} label="Add remote" />
    </form>
  );
}
