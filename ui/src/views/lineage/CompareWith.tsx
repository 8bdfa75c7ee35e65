/** For a version node in the lineage: compare it with another version of the same model. */
import { useState } from "react";
import { useBackend } from "../../backend";
import { useLoad } from "../../components/useLoad";
import { compareHash, navigate } from "../../router";

/** `version:MODEL@VERSION` → [model, version]. */
export function splitVersionNode(id: string): [string, string] | null {
  const ref = id.startsWith("version:") ? id.slice("version:".length) : null;
  const at = ref?.lastIndexOf("@") ?? -1;
  return ref && at > 0 ? [ref.slice(0, at), ref.slice(at + 1)] : null;
}

export function CompareWith({ id }: { id: string }) {
  const backend = useBackend();
  const parts = splitVersionNode(id);
  const [model, version] = parts ?? ["", ""];
  const { data } = useLoad(
    () => (model ? backend.call("list_versions", { model, offset: 0, limit: 200 }) : Promise.resolve(null)),
    [backend, model],
  );
  const others = (data?.versions ?? []).map((v) => v.version).filter((v) => v !== version);
  const [other, setOther] = useState("");
  if (!parts || others.length === 0) return null;
  const chosen = other || others[0];
  return (
    <div className="compare-with">
      <label>
        Compare with{" "}
        <select data-testid="compare-with" value={chosen} onChange={(e) => setOther(e.target.value)}>
          {others.map((v) => (
            <option key={v} value={v}>
              {v}
            </option>
          ))}
        </select>
      </label>{" "}
      <button data-testid="compare-with-go" onClick={() => navigate(compareHash(`${model}@${chosen}`, `${model}@${version}`))}>
        Compare
      </button>
    </div>
  );
}
