/** A form's error: under its fields (`field-error`), or `inline` next to its button; nothing when there is none. */
export function FieldError({ error, testId, inline = false }: { error: string | null; testId: string; inline?: boolean }) {
  if (!error) return null;
  const Tag = inline ? "span" : "p";
  return (
    <Tag className={inline ? "error" : "field-error"} data-testid={testId} role="alert">
      {error}
    </Tag>
  );
}
