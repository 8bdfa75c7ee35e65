/** Resolve an erasure's impact on a version: retrained as another version, or kept under an exception. */
import { useState } from "react";
import { useBackend } from "../../backend";
import { FieldError } from "../../components/FieldError";
import { useAction } from "../../components/useAction";

/** `version:resnet@1.1.0` → `resnet@1.1.0` (the reference `resolve_erasure` takes). */
export function impactReference(node: string): string {
  return node.startsWith("version:") ? node.slice("version:".length) : node;
}

type Mode = "retrained" | "exception";

export function ResolveImpact({ id, node, onDone }: { id: number; node: string; onDone: () => Promise<void> }) {
  const backend = useBackend();
  const [mode, setMode] = useState<Mode>("retrained");
  const [value, setValue] = useState("");
  const { busy, error, setError, run } = useAction();
  const submit = async (e: React.FormEvent) => {
    e.preventDefault();
    const v = value.trim();
    if (mode === "retrained" && !v.includes("@")) return setError("Name the retrained version as MODEL@VERSION.");
    if (mode === "exception" && !v) return setError("An exception needs a justification (e.g. legal hold).");
    await run(async () => {
      await backend.call("resolve_erasure", {
        id,
        reference: impactReference(node),
        retrainedAs: mode === "retrained" ? v : null,
        exception: mode === "exception" ? v : null,
      });
      setValue("");
      await onDone();
    });
  };
  return (
    <details className="erasure-resolve" data-testid="erasure-resolve" data-node={node}>
      <summary>Resolve…</summary>
      <form className="rollback-form" onSubmit={submit} noValidate>
        <select data-testid="erasure-resolve-mode" value={mode} onChange={(e) => (setMode(e.target.value as Mode), setError(null))}>
          <option value="retrained">retrained as</option>
          <option value="exception">exception</option>
        </select>
        <input
          data-testid="erasure-resolve-ref"
          value={value}
          onChange={(e) => setValue(e.target.value)}
          placeholder={mode === "retrained" ? "MODEL@VERSION" : "justification, e.g. legal hold"}
          required
        />
        <button data-testid="erasure-resolve-submit" disabled={busy}>
          {busy ? "Saving…" : "Resolve"}
        </button>
        <FieldError error={error} testId="erasure-resolve-error" inline />
      </form>
    </details>
  );
}
