/**
 * What loading a version's pickle-family files would run, from the facts the sniffer recorded
 * (`pickle_risk`, `loading_runs_code_from`, `library_version.<lib>`, `unknown_imports`,
 * `dangerous_imports`, `imports`). Pure, so the wording is tested without rendering.
 */
export type PickleRisk = "safe" | "known" | "unknown" | "dangerous";

export interface PickleVerdict {
  path: string;
  risk: PickleRisk;
  /** One line for people. */
  text: string;
  /** Every module.name the file would import. */
  imports: string[];
}

const list = (s: string | undefined): string[] => (s ? s.split(",").filter(Boolean) : []);

export function pickleVerdicts(sniffed: { [path: string]: { [key: string]: string } }): PickleVerdict[] {
  const out: PickleVerdict[] = [];
  for (const [path, m] of Object.entries(sniffed)) {
    const risk = m.pickle_risk as PickleRisk | undefined;
    if (!risk) continue;
    const libs = list(m.loading_runs_code_from).map((lib) => {
      const v = m[`library_version.${lib}`];
      return v ? `${lib} ${v}` : lib;
    });
    const text =
      risk === "safe"
        ? "Plain data only: loading runs no library code."
        : risk === "known"
          ? `Loading runs code from ${libs.join(", ")}.`
          : risk === "unknown"
            ? `Loading runs code from modules Pedigree does not know: ${list(m.unknown_imports).join(", ")}.`
            : `Loading would run commands or code: ${list(m.dangerous_imports).join(", ")}.`;
    out.push({ path, risk, text, imports: list(m.imports) });
  }
  return out.sort((a, b) => a.path.localeCompare(b.path));
}
