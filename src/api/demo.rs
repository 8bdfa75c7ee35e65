//! "Open demo workspace": carries out `demo::plan` through the same operations a user calls
//! (registration, evaluation, approval by an independent validator, promotion, deployment).

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::{ApiError, ErrorCode, Session, governance, register_version};
use crate::progress::{OnProgress, Progress, Unit};

/// What the demo created.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct DemoSummary {
    pub models: u32,
    pub versions: u32,
    pub dataset_versions: u32,
}

/// Who approves in the demo: never the person who registered.
fn validator(me: &str) -> String {
    if me == "validator@demo.pedigree" { "checker@demo.pedigree" } else { "validator@demo.pedigree" }.to_string()
}

/// Creates the demo in an empty workspace.
pub fn open_demo(s: &mut Session, progress: OnProgress<'_>) -> Result<DemoSummary, ApiError> {
    let (models, ..) = crate::catalog::graph::counts(s.ws.catalog.conn())?;
    if models > 0 {
        return Err(ApiError::new(ErrorCode::Conflict, "the demo needs an empty workspace; this one already has models"));
    }
    let plan = crate::demo::plan(&s.ws.root.join("demo-data"))
        .map_err(|e| ApiError::new(ErrorCode::Io, format!("cannot write demo files: {e}")))?;
    let total = plan.registrations.len() as u64 + 1;
    let tick = |done: u64| progress(&Progress { task: "creating demo".into(), done, total, unit: Unit::Files, detail: None });
    for (i, req) in plan.registrations.iter().enumerate() {
        tick(i as u64);
        register_version(s, req, &crate::progress::ignore)?;
    }
    tick(total - 1);
    for req in &plan.evaluations {
        governance::evaluate(s, req)?;
    }
    let me = s.actor.clone();
    s.actor = validator(&me);
    let approved: Result<Vec<_>, ApiError> = plan.approvals.iter().map(|req| governance::approve(s, req)).collect();
    s.actor = me;
    approved?;
    for req in &plan.promotions {
        governance::promote(s, req)?;
    }
    for req in &plan.deployments {
        governance::deploy(s, req)?;
    }
    tick(total);
    let (models, versions, dataset_versions, _) = crate::catalog::graph::counts(s.ws.catalog.conn())?;
    Ok(DemoSummary { models, versions, dataset_versions })
}
