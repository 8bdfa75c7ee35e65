/** The error banner at the top of a page or section (nothing when there is no error). */
export function ErrorBanner({ error, testId, onDismiss }: { error: string | null; testId?: string; onDismiss?: () => void }) {
  if (!error) return null;
  return (
    <div className="banner error" data-testid={testId} role="alert">
      {error}
      {onDismiss && (
        <>
          {" "}
          <button onClick={onDismiss}>Dismiss</button>
        </>
      )}
    </div>
  );
}
