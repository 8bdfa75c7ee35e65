/**
 * A table of deployment intervals with the columns a view picks from `DEPLOYMENT_COLUMNS`
 * (the Deployments history of an environment, the deployments of one version).
 */
import type { Deployment } from "../backend/generated/api";
import { whenExact as when } from "../format";
import { versionHash } from "../router";

export const deploymentRef = (d: Deployment) => `${d.model}@${d.version}`;

export function trafficText(d: Deployment): string {
  return d.role === "shadow" ? "shadow (0 %)" : `${d.traffic} %`;
}

export type DeploymentColumn = { head: string; className?: string; cell: (d: Deployment) => React.ReactNode };

export const DEPLOYMENT_COLUMNS = {
  env: { head: "Environment", cell: (d) => <strong>{d.env}</strong> },
  version: { head: "Version", cell: (d) => <a href={versionHash(deploymentRef(d))}>{deploymentRef(d)}</a> },
  /** The role, and `mark` on a rollback. */
  role: (mark: React.ReactNode): DeploymentColumn => ({
    head: "Role",
    cell: (d) => (
      <>
        {d.role}
        {d.rollbackOf !== null && mark}
      </>
    ),
  }),
  traffic: { head: "Traffic", className: "nowrap", cell: trafficText },
  strategy: { head: "Strategy", cell: (d) => d.strategy },
  from: { head: "From", className: "nowrap", cell: (d) => when(d.startedAt) },
  until: { head: "Until", className: "nowrap", cell: (d) => (d.endedAt ? when(d.endedAt) : <span className="ok">serving</span>) },
  reason: { head: "Reason", cell: (d) => d.reason },
  by: { head: "By", className: "muted", cell: (d) => d.createdBy },
} satisfies Record<string, DeploymentColumn | ((mark: React.ReactNode) => DeploymentColumn)>;

type RowAttributes = React.HTMLAttributes<HTMLTableRowElement> & { [data: `data-${string}`]: string | number | undefined };

export function DeploymentTable({ list, columns, row }: { list: Deployment[]; columns: DeploymentColumn[]; row: (d: Deployment) => RowAttributes }) {
  return (
    <table className="grid compact">
      <thead>
        <tr>
          {columns.map((c) => (
            <th key={c.head}>{c.head}</th>
          ))}
        </tr>
      </thead>
      <tbody>
        {list.map((d) => (
          <tr key={d.id} {...row(d)}>
            {columns.map((c) => (
              <td key={c.head} className={c.className}>
                {c.cell(d)}
              </td>
            ))}
          </tr>
        ))}
      </tbody>
    </table>
  );
}
