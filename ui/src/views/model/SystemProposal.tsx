/**
 * On a composite system's page: the next version its components' newer versions propose (the
 * semver rule over their bumps), with each component's step, and a button that registers it.
 * Nothing shows while the system pins its components' newest versions.
 */
import { useBackend } from "../../backend";
import { ErrorBanner } from "../../components/ErrorBanner";
import { useAction } from "../../components/useAction";
import { useLoad } from "../../components/useLoad";
import { navigate, versionHash } from "../../router";

export function SystemProposal({ system, onChange }: { system: string; onChange: () => void }) {
  const backend = useBackend();
  const loaded = useLoad(() => backend.call("system_proposals", {}), [backend, system]);
  const action = useAction();
  const plan = loaded.data?.proposals.find((p) => p.system === system);
  if (!plan) return null;
  const apply = () =>
    action.run(async () => {
      const r = await backend.call("system_pin", { system, components: [], message: "" });
      onChange();
      navigate(versionHash(`${system}@${r.registered.version}`));
    });
  return (
    <section className="card system-proposal" data-testid="system-proposal" data-version={plan.version}>
      <h2>
        Newer components propose {system}@{plan.version} <span className={`bump b-${plan.bump}`}>{plan.bump}</span>
      </h2>
      <ul className="plain">
        {plan.changes.map((c) => (
          <li key={c.model} data-testid="system-change" data-model={c.model}>
            <span className="mono">{c.model}</span> {c.from ?? "(new)"} → {c.to ?? "(removed)"} <span className={`bump b-${c.bump}`}>{c.bump}</span>
          </li>
        ))}
      </ul>
      <p className="muted">
        A component's major step is the system's major step; a minor step or a new component, a minor one; a patch, a patch.
      </p>
      <button className="primary" data-testid="system-apply" disabled={action.busy} onClick={() => void apply()}>
        {action.busy ? "Registering…" : `Register ${system}@${plan.version}`}
      </button>
      <ErrorBanner error={action.error} testId="system-error" />
    </section>
  );
}
