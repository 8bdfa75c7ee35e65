/** A labelled text input of a form: the label's text, then the input (and e.g. its datalist). */
import type { InputHTMLAttributes, ReactNode } from "react";

type InputProps = Omit<InputHTMLAttributes<HTMLInputElement>, "value" | "onChange" | "title">;

interface TextFieldProps extends InputProps {
  label: string;
  testId: string;
  value: string;
  onChange: (value: string) => void;
  /** How much room the field takes in its row (the label's class). */
  layout?: "grow" | "narrow";
  /** The label's tooltip. */
  hint?: string;
  children?: ReactNode;
}

export function TextField({ label, testId, value, onChange, layout, hint, children, ...input }: TextFieldProps) {
  return (
    <label className={layout} title={hint}>
      {label}
      <input data-testid={testId} value={value} onChange={(e) => onChange(e.target.value)} {...input} />
      {children}
    </label>
  );
}
