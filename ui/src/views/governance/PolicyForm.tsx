/** The model's approval policy: the roles that must approve (applies to all its versions). */
import { useBackend } from "../../backend";
import { FieldError } from "../../components/FieldError";
import { useFollow } from "../../components/useFollow";
import { useAction } from "../../components/useAction";
import { ROLES } from "./rules";

/** `roles` with `role` ticked (kept in ROLES order, unknown roles after) or unticked. */
function toggleRole(roles: string[], role: string, on: boolean): string[] {
  if (!on) return roles.filter((r) => r !== role);
  const known = ROLES.filter((r) => r === role || roles.includes(r));
  return [...known, ...roles.filter((r) => !(ROLES as readonly string[]).includes(r))];
}

export function PolicyForm({ model, required, onDone }: { model: string; required: string[]; onDone: () => Promise<void> }) {
  const backend = useBackend();
  // Follows the policy after a reload.
  const [roles, setRoles] = useFollow(required, required.join(","));
  const { busy, error, run } = useAction();
  const changed = [...roles].sort().join(",") !== [...required].sort().join(",");
  const submit = async (e: React.FormEvent) => {
    e.preventDefault();
    await run(async () => {
      await backend.call("set_policy", { model, requiredRoles: roles });
      await onDone();
    });
  };
  return (
    <form className="gov-form gov-policy" data-testid="gov-policy" onSubmit={submit} noValidate>
      <h3>Policy</h3>
      <div className="fields roles">
        <span className="muted small">Required approvals for {model}:</span>
        {ROLES.map((r) => (
          <label key={r}>
            <input
              type="checkbox"
              data-testid="gov-policy-role"
              data-role={r}
              checked={roles.includes(r)}
              onChange={(e) => setRoles((rs) => toggleRole(rs, r, e.target.checked))}
            />
            {r}
          </label>
        ))}
        <button data-testid="gov-policy-save" disabled={busy || !changed}>
          {busy ? "Saving…" : "Save policy"}
        </button>
      </div>
      <FieldError error={error} testId="gov-policy-error" />
      <p className="muted small">Applies to every version of the model: the gate above is recomputed.</p>
    </form>
  );
}
