/** The version page's "Loading this model" card: per pickle-family file, what loading it runs. */
import { plural } from "../../format";
import { pickleVerdicts } from "./pickle";

type Sniffed = { [path: string]: { [key: string]: string } };

export function PickleVerdicts({ sniffed }: { sniffed: Sniffed }) {
  if (pickleVerdicts(sniffed).length === 0) return null;
  return (
    <section className="card" data-testid="pickle-verdicts">
      <h2>Loading this model</h2>
      <PickleVerdictList sniffed={sniffed} />
    </section>
  );
}

/** The verdicts alone (the registration form shows them before anything is stored). */
export function PickleVerdictList({ sniffed }: { sniffed: Sniffed }) {
  const verdicts = pickleVerdicts(sniffed);
  if (verdicts.length === 0) return null;
  return (
    <>
      <p className="muted">Pedigree read these files without running them. Loading them in Python would:</p>
      <ul className="plain">
        {verdicts.map((v) => (
          <li key={v.path} data-testid="pickle-verdict" data-risk={v.risk}>
            <span className={`risk risk-${v.risk}`}>{v.risk}</span> <span className="mono">{v.path}</span> — {v.text}
            <details>
              <summary>{plural(v.imports.length, "import")}</summary>
              <ul className="plain mono">
                {v.imports.map((i) => (
                  <li key={i}>{i}</li>
                ))}
              </ul>
            </details>
          </li>
        ))}
      </ul>
    </>
  );
}
