/** The end of an "Add …" form: the failure (if any) as an alert, then the submit button, which
 * says it is working while `busy`. `testId` prefixes both (`-error`, `-submit`). */
export function SubmitRow({ testId, error, busy, label }: { testId: string; error: string | null; busy: boolean; label: string }) {
  return (
    <>
      {error && (
        <p className="error" data-testid={`${testId}-error`} role="alert">
          {error}
        </p>
      )}
      <div className="form-actions">
        <button className="primary" type="submit" data-testid={`${testId}-submit`} disabled={busy}>
          {busy ? "Adding…" : label}
        </button>
      </div>
    </>
  );
}
