/** The warning when an open erasure request touches the data the version was trained on. */
import type { VersionGovernance } from "../../backend/generated/api";
import { idLabel, when } from "../../format";

export function TaintedBanner({ gov }: { gov: VersionGovernance | null }) {
  if (!gov || gov.taintedBy.length === 0) return null;
  return (
    <div className="banner warn tainted" data-testid="gov-tainted" role="alert">
      {gov.taintedBy.map((e) => (
        <div key={e.id}>
          <strong>
            Tainted by erasure request #{e.id} on dataset {idLabel(e.dataset)}
          </strong>
          : {e.reason} <span className="muted">(recorded {when(e.createdAt)} by {e.createdBy}; retrain without the erased data or record an exception)</span>
        </div>
      ))}
    </div>
  );
}
