//! Governance operations — approvals, policy, promotion, evaluations, a version's governance
//! panel — and their wire types. Each write runs in one catalog transaction (row and audit event
//! together). Deployments are in `api::deploy`, erasure in `api::erasure`, reports in
//! `api::report`.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::{ApiError, ErrorCode, Session};
use crate::governance::deploy::{self, Deployment};
use crate::governance::erasure::{self, Erasure};
use crate::governance::evaluate::{self, Evaluation, MetricInput};
use crate::governance::{self, Approval, Gate, GovError};

impl From<GovError> for ApiError {
    fn from(e: GovError) -> Self {
        let code = match &e {
            GovError::Catalog(_) | GovError::TrafficSum { .. } => ErrorCode::Internal,
            GovError::Name(_)
            | GovError::NotOneOf { .. }
            | GovError::BadValue { .. }
            | GovError::Missing { .. }
            | GovError::CanaryShare(_)
            | GovError::FullShare { .. }
            | GovError::NotAffected { .. }
            | GovError::BadManifest(_)
            | GovError::BadInput(_)
            | GovError::ResolutionNeeded => ErrorCode::InvalidInput,
            GovError::UnknownVersion(_)
            | GovError::UnknownDataset(_)
            | GovError::UnknownModel(_)
            | GovError::UnknownAlias { .. }
            | GovError::NoErasure(_)
            | GovError::UnknownStorage { .. }
            | GovError::NoRun(_)
            | GovError::NotFound(_) => ErrorCode::NotFound,
            GovError::Team(_) => ErrorCode::Denied,
            GovError::MakerIsChecker { .. }
            | GovError::WrongStatus { .. }
            | GovError::ProductionGate { .. }
            | GovError::NotApproved(_)
            | GovError::NothingServes(_)
            | GovError::AlreadyPrimary { .. }
            | GovError::NoEarlierVersion(_)
            | GovError::AlreadyResolved { .. }
            | GovError::RetrainedOnErased(_)
            | GovError::Duplicate(_) => ErrorCode::Conflict,
        };
        let missing = match &e {
            GovError::UnknownVersion(r) => Some(r.clone()),
            GovError::UnknownAlias { model, alias, at: None } => Some(format!("{model}@{alias}")),
            _ => None,
        };
        ApiError { missing, ..ApiError::new(code, e.to_string()).on(e.field()) }
    }
}

/// Runs `f` in one write transaction as the session's actor.
pub(super) fn write<T>(
    s: &mut Session,
    f: impl FnOnce(&rusqlite::Connection, &str) -> Result<T, GovError>,
) -> Result<T, ApiError> {
    let actor = s.actor.clone();
    Ok(s.ws.catalog.write(|c| f(c, &actor))?)
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ApproveRequest {
    /// `MODEL@VERSION`.
    pub reference: String,
    /// approved or rejected.
    pub decision: String,
    /// validator, owner or risk.
    pub role: String,
    pub justification: String,
}

/// Records an approval decision (the registrant cannot approve: maker ≠ checker).
pub fn approve(s: &mut Session, req: &ApproveRequest) -> Result<Gate, ApiError> {
    write(s, |c, a| governance::approve(c, &req.reference, &req.role, &req.decision, &req.justification, a))
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct PolicyRequest {
    pub model: String,
    /// Roles that must approve before a version is approved or goes to production.
    pub required_roles: Vec<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct PromoteRequest {
    pub reference: String,
    /// candidate, approved, deprecated or revoked.
    pub status: String,
    pub reason: String,
}

/// Sets the roles a model's versions need approvals from.
pub fn set_policy(s: &mut Session, req: &PolicyRequest) -> Result<Vec<String>, ApiError> {
    write(s, |c, a| governance::set_policy(c, &req.model, &req.required_roles, a))
}

/// Moves a version to another status (`approved` needs the policy's approvals).
pub fn promote(s: &mut Session, req: &PromoteRequest) -> Result<String, ApiError> {
    write(s, |c, a| governance::promote(c, &req.reference, &req.status, &req.reason, a))
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase", default)]
pub struct EvaluateRequest {
    pub reference: String,
    /// `DATASET@VERSION` of a registered dataset.
    pub dataset: String,
    pub metrics: Vec<MetricInput>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct EvaluateResponse {
    pub evaluations: Vec<Evaluation>,
    /// No threshold failed and nothing is worse than the baseline.
    pub passed: bool,
}

/// Records evaluations and says whether they pass (thresholds, baseline).
pub fn evaluate(s: &mut Session, req: &EvaluateRequest) -> Result<EvaluateResponse, ApiError> {
    let evaluations = write(s, |c, a| evaluate::evaluate(c, &req.reference, &req.dataset, &req.metrics, a))?;
    let passed = evaluate::all_passed(&evaluations);
    Ok(EvaluateResponse { evaluations, passed })
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct VersionRequest {
    /// `MODEL@VERSION`.
    pub reference: String,
}

/// Everything governance knows about one version (the version page's panels).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct VersionGovernance {
    pub reference: String,
    pub status: String,
    pub created_by: String,
    pub gate: Gate,
    pub approvals: Vec<Approval>,
    pub evaluations: Vec<Evaluation>,
    pub deployments: Vec<Deployment>,
    /// Open erasure requests whose data this version was trained on.
    pub tainted_by: Vec<Erasure>,
}

pub fn version_governance(s: &Session, req: &VersionRequest) -> Result<VersionGovernance, ApiError> {
    let c = s.ws.catalog.conn();
    let v = governance::resolve(c, &req.reference)?;
    Ok(VersionGovernance {
        reference: format!("{}@{}", v.model, v.version),
        status: v.status.clone(),
        created_by: v.created_by.clone(),
        gate: governance::gate(c, &v)?,
        approvals: governance::approvals(c, v.id)?,
        evaluations: evaluate::list(c, v.id)?,
        deployments: deploy::timeline(c, None, Some(&req.reference))?,
        tainted_by: erasure::tainting(c, &v.node)?,
    })
}
