/** The version page's aliases: which of the model's aliases point here, a form to point one
 * here (moving it from another version if need be) and a button to remove each. Every change is
 * an audit event; `onChange` reloads the page's data. */
import { useState } from "react";
import { useBackend } from "../../backend";
import { useAction } from "../../components/useAction";

export function AliasesCard({ model, version, aliases, onChange }: { model: string; version: string; aliases: string[]; onChange: () => void }) {
  const backend = useBackend();
  const [name, setName] = useState("");
  const action = useAction<string>();
  const set = () =>
    action.run(async () => {
      await backend.call("set_alias", { reference: `${model}@${version}`, alias: name.trim() });
      setName("");
      onChange();
    }, "set");
  const remove = (alias: string) =>
    action.run(async () => {
      await backend.call("remove_alias", { model, alias });
      onChange();
    }, alias);
  return (
    <section className="card" data-testid="aliases">
      <h2>Aliases</h2>
      {aliases.length === 0 ? (
        <p className="muted">No alias points here. An alias (e.g. champion) names this version wherever a version is asked for.</p>
      ) : (
        <ul className="plain">
          {aliases.map((a) => (
            <li key={a} data-testid="alias" data-alias={a}>
              <span className="alias-badge">@{a}</span>{" "}
              <button className="link" disabled={action.busy} aria-label={`Remove alias ${a}`} onClick={() => remove(a)}>
                remove
              </button>
            </li>
          ))}
        </ul>
      )}
      <form
        className="inline-form"
        onSubmit={(e) => {
          e.preventDefault();
          if (name.trim()) void set();
        }}
      >
        <input
          data-testid="alias-name"
          placeholder="champion"
          aria-label="Alias to point here"
          value={name}
          onChange={(e) => setName(e.target.value)}
        />
        <button type="submit" data-testid="alias-set" disabled={action.busy || !name.trim()}>
          Point alias here
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
