//! "Open demo workspace": carries out `demo::plan` through the same operations a user calls
//! (registration, evaluation, approval by an independent validator, promotion, deployment).

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::deploy::{DeployRequest, deploy};
use super::governance::{self, ApproveRequest, EvaluateRequest, PromoteRequest};
use super::{ApiError, ErrorCode, Session, register_version};
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

/// Evaluates a version, has an independent validator approve it, and promotes it.
fn validate(s: &mut Session, v: &crate::demo::Validated) -> Result<(), ApiError> {
    let reference = v.reference.to_string();
    let eval = EvaluateRequest { reference: reference.clone(), dataset: v.dataset.into(), metrics: v.metrics.clone() };
    governance::evaluate(s, &eval)?;
    let me = s.actor.clone();
    s.actor = validator(&me);
    let approve = ApproveRequest {
        reference: reference.clone(),
        decision: "approved".into(),
        role: "validator".into(),
        justification: v.justification.into(),
    };
    // Another person: their own key signs the approval (the user's key would be the maker's).
    static VALIDATOR: std::sync::OnceLock<crate::identity::Identity> = std::sync::OnceLock::new();
    let who = VALIDATOR.get_or_init(|| crate::identity::Identity::ephemeral("Demo validator", &s.actor));
    let approved = crate::identity::acting_as(who, || governance::approve(s, &approve));
    s.actor = me;
    approved?;
    governance::promote(s, &PromoteRequest { reference, status: "approved".into(), reason: "validated".into() })?;
    Ok(())
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
    for v in &plan.validated {
        validate(s, v)?;
    }
    for d in &plan.deployments {
        let req = DeployRequest {
            carrier: None,
            recorded_from: None,
            reference: d.reference.into(),
            env: d.env.into(),
            strategy: d.strategy.into(),
            traffic: d.traffic,
            reason: d.reason.into(),
        };
        deploy(s, &req)?;
    }
    tick(total);
    let (models, versions, dataset_versions, _) = crate::catalog::graph::counts(s.ws.catalog.conn())?;
    Ok(DemoSummary { models, versions, dataset_versions })
}
