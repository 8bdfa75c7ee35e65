/** The version's evaluations: value against its threshold (pass/FAIL) and against the previous version. */
import type { Evaluation } from "../../backend/generated/api";
import { idLabel, num, when } from "../../format";
import { baselineText } from "./rules";

export function EvaluationTable({ list, model }: { list: Evaluation[]; model: string }) {
  if (list.length === 0) return <p className="muted">No evaluations recorded.</p>;
  return (
    <table className="grid compact" data-testid="gov-eval-table">
      <thead>
        <tr>
          <th>Dataset</th>
          <th>Metric</th>
          <th>Slice</th>
          <th>Value</th>
          <th>Threshold</th>
          <th>Result</th>
          <th>vs baseline</th>
          <th>Recorded</th>
        </tr>
      </thead>
      <tbody>
        {list.map((e, i) => (
          <tr key={`${e.auditSeq}-${i}`} data-testid="gov-eval-row" data-passed={e.passed === null ? "" : String(e.passed)}>
            <td className="mono">{idLabel(e.dataset)}</td>
            <td>{e.metric}</td>
            <td className={e.slice ? "mono" : "muted"}>{e.slice || "all"}</td>
            <td className="metric-value">{num(e.value)}</td>
            <td className="mono">{e.threshold ?? <span className="muted">–</span>}</td>
            <td data-testid="gov-eval-result" className={e.passed === false ? "error strong" : e.passed ? "ok" : "muted"}>
              {e.passed === null ? "–" : e.passed ? "pass" : "FAIL"}
            </td>
            <td data-testid="gov-eval-baseline" className={e.vsBaseline === "worse" ? "error" : e.vsBaseline === "better" ? "ok" : ""}>
              {baselineText(e, model) || <span className="muted">–</span>}
            </td>
            <td className="muted nowrap">
              {when(e.createdAt)} · {e.createdBy}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
