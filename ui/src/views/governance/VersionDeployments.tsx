/** Where the version is (or was) deployed: one row per interval. */
import type { Deployment } from "../../backend/generated/api";
import { DEPLOYMENT_COLUMNS as COL, DeploymentTable } from "../../components/DeploymentTable";

const VERSION_DEPLOYMENT_COLUMNS = [
  COL.env,
  COL.role(<span className="tag rollback"> ↺ rollback</span>),
  COL.traffic,
  COL.strategy,
  COL.from,
  COL.until,
  COL.reason,
  COL.by,
];

export function VersionDeployments({ list }: { list: Deployment[] }) {
  if (list.length === 0) return <p className="muted">Not deployed anywhere.</p>;
  return (
    <DeploymentTable
      list={list}
      columns={VERSION_DEPLOYMENT_COLUMNS}
      row={(d) => ({ "data-testid": "gov-deploy-row", "data-env": d.env, "data-active": String(d.endedAt === null) })}
    />
  );
}
