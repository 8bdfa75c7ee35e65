/** The model and version selects of the Reports page: picking a version navigates to its report. */
import { useEffect, useState } from "react";
import { useBackend } from "../../backend";
import { navigate, reportsHash } from "../../router";
import { useLoad } from "../../components/useLoad";

/** `resnet@1.1.0` → [`resnet`, `1.1.0`]; no `@`: nothing picked. */
function splitReference(reference: string): [string, string] {
  const at = reference.lastIndexOf("@");
  return at < 0 ? ["", ""] : [reference.slice(0, at), reference.slice(at + 1)];
}

export function VersionPicker({ reference, setError }: { reference: string; setError: (error: string | null) => void }) {
  const backend = useBackend();
  const [picked, version] = splitReference(reference);
  const [model, setModel] = useState(picked);
  useEffect(() => {
    if (picked) setModel(picked);
  }, [picked]);
  const { data: models } = useLoad(async () => (await backend.call("list_models", { filter: "", after: "", limit: 1000 })).models, [backend], setError);
  const { data: versions } = useLoad(
    async () => (model ? (await backend.call("list_versions", { model, offset: 0, limit: 1000 })).versions : []),
    [backend, model],
    setError,
  );
  return (
    <>
      <label className="check">
        Model
        <select
          data-testid="reports-model"
          value={model}
          onChange={(e) => {
            setModel(e.target.value);
            navigate(reportsHash(null));
          }}
        >
          <option value="">choose…</option>
          {models?.map((m) => (
            <option key={m.name}>{m.name}</option>
          ))}
          {model && !models?.some((m) => m.name === model) && <option>{model}</option>}
        </select>
      </label>
      <label className="check">
        Version
        <select
          data-testid="reports-version"
          value={version}
          disabled={!model}
          onChange={(e) => navigate(reportsHash(e.target.value ? `${model}@${e.target.value}` : null))}
        >
          <option value="">choose…</option>
          {versions?.map((v) => (
            <option key={v.version} value={v.version}>
              {v.version} · {v.status}
            </option>
          ))}
          {version && !versions?.some((v) => v.version === version) && <option>{version}</option>}
        </select>
      </label>
    </>
  );
}
