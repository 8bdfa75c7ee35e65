/** Description, tags and (MLflow's legacy) stage of a model or a version: shown, edited here,
 * and kept in step with remotes by sync (a field changed on both sides becomes a conflict on the
 * Remotes view). Every change is an audit event; `onChange` reloads the page's data. */
import { useState } from "react";
import { useBackend } from "../../backend";
import type { Annotations } from "../../backend/generated/api";
import { useAction } from "../../components/useAction";

const STAGES = ["Staging", "Production", "Archived"];

export function MetadataCard({ target, annotations, onChange }: { target: string; annotations: Annotations; onChange: () => void }) {
  const backend = useBackend();
  const [editing, setEditing] = useState<string | null>(null);
  const [key, setKey] = useState("");
  const [value, setValue] = useState("");
  const action = useAction<string>();
  const annotate = (field: string, v: string | null, what: string, after?: () => void) =>
    action.run(async () => {
      await backend.call("annotate", { target, field, value: v });
      after?.();
      onChange();
    }, what);
  const isVersion = target.includes("@");
  const tags = Object.entries(annotations.tags);
  return (
    <section className="card" data-testid="metadata">
      <h2>Description &amp; tags</h2>
      {editing === null ? (
        <p data-testid="description" className={annotations.description ? "" : "muted"}>
          {annotations.description || "No description."}{" "}
          <button className="link" onClick={() => setEditing(annotations.description)} data-testid="description-edit">
            edit
          </button>
        </p>
      ) : (
        <form
          onSubmit={(e) => {
            e.preventDefault();
            void annotate("description", editing, "description", () => setEditing(null));
          }}
        >
          <textarea
            data-testid="description-input"
            aria-label="Description"
            rows={3}
            value={editing}
            autoFocus
            onChange={(e) => setEditing(e.target.value)}
            onKeyDown={(e) => e.key === "Escape" && setEditing(null)}
          />
          <div className="inline-form">
            <button type="submit" data-testid="description-save" disabled={action.busy}>
              Save
            </button>
            <button type="button" onClick={() => setEditing(null)}>
              Cancel
            </button>
          </div>
        </form>
      )}
      {isVersion && (
        <label className="inline-form">
          MLflow stage{" "}
          <select
            data-testid="stage"
            value={annotations.stage ?? ""}
            disabled={action.busy}
            onChange={(e) => void annotate("stage", e.target.value || null, "stage")}
          >
            <option value="">None</option>
            {STAGES.map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
        </label>
      )}
      {tags.length === 0 ? (
        <p className="muted">No tags. Tags (e.g. team = fraud) are kept in step with MLflow remotes.</p>
      ) : (
        <table className="grid">
          <tbody>
            {tags.map(([k, v]) => (
              <tr key={k} data-testid="tag" data-key={k}>
                <td className="mono">{k}</td>
                <td>{v}</td>
                <td>
                  <button className="link" disabled={action.busy} aria-label={`Remove tag ${k}`} onClick={() => void annotate(`tag:${k}`, null, k)}>
                    remove
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <form
        className="inline-form"
        onSubmit={(e) => {
          e.preventDefault();
          if (key.trim())
            void annotate(`tag:${key.trim()}`, value, "tag", () => {
              setKey("");
              setValue("");
            });
        }}
      >
        <input data-testid="tag-key" placeholder="key" aria-label="Tag key" value={key} onChange={(e) => setKey(e.target.value)} />
        <input data-testid="tag-value" placeholder="value" aria-label="Tag value" value={value} onChange={(e) => setValue(e.target.value)} />
        <button type="submit" data-testid="tag-set" disabled={action.busy || !key.trim()}>
          Set tag
        </button>
      </form>
      {action.error && (
        <div className="banner error" role="alert">
          {action.error}
        </div>
      )}
    </section>
  );
}
