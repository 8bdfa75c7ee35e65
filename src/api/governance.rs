//! Governance operations: each runs in one catalog transaction (row + audit event together).

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::{ApiError, ErrorCode, Session};
use crate::audit::checkpoint::{self, Checkpoint};
use crate::governance::deploy::{
    self, DeployRequest, Deployment, EnvRequest, Environment, RollbackRequest, Serving, ServingRequest, Timeline, TimelineRequest,
};
use crate::governance::erasure::{self, EraseRequest, Erasure, ErasureList, ResolveErasureRequest};
use crate::governance::evaluate::{self, EvaluateRequest, EvaluateResponse, Evaluation};
use crate::governance::{self, Approval, ApproveRequest, Gate, GovError, PolicyRequest, PromoteRequest};

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
            | GovError::ResolutionNeeded => ErrorCode::InvalidInput,
            GovError::UnknownVersion(_) | GovError::UnknownDataset(_) | GovError::UnknownModel(_) | GovError::NoErasure(_) => {
                ErrorCode::NotFound
            }
            GovError::MakerIsChecker { .. }
            | GovError::WrongStatus { .. }
            | GovError::ProductionGate { .. }
            | GovError::NotApproved(_)
            | GovError::NothingServes(_)
            | GovError::AlreadyPrimary { .. }
            | GovError::NoEarlierVersion(_)
            | GovError::AlreadyResolved { .. }
            | GovError::RetrainedOnErased(_) => ErrorCode::Conflict,
        };
        ApiError::new(code, e.to_string()).on(e.field())
    }
}

fn write<T>(s: &mut Session, f: impl FnOnce(&rusqlite::Connection, &str) -> Result<T, GovError>) -> Result<T, ApiError> {
    let actor = s.actor.clone();
    Ok(s.ws.catalog.write(|c| f(c, &actor))?)
}

pub fn approve(s: &mut Session, req: &ApproveRequest) -> Result<Gate, ApiError> {
    write(s, |c, a| governance::approve(c, req, a))
}

pub fn set_policy(s: &mut Session, req: &PolicyRequest) -> Result<Vec<String>, ApiError> {
    write(s, |c, a| governance::set_policy(c, req, a))
}

pub fn promote(s: &mut Session, req: &PromoteRequest) -> Result<String, ApiError> {
    write(s, |c, a| governance::promote(c, req, a))
}

pub fn evaluate(s: &mut Session, req: &EvaluateRequest) -> Result<EvaluateResponse, ApiError> {
    write(s, |c, a| evaluate::evaluate(c, req, a))
}

pub fn deploy(s: &mut Session, req: &DeployRequest) -> Result<Vec<Deployment>, ApiError> {
    write(s, |c, a| deploy::deploy(c, req, a))
}

pub fn rollback(s: &mut Session, req: &RollbackRequest) -> Result<Vec<Deployment>, ApiError> {
    write(s, |c, a| deploy::rollback(c, req, a))
}

pub fn set_environment(s: &mut Session, req: &EnvRequest) -> Result<Environment, ApiError> {
    write(s, |c, a| deploy::set_env(c, req, a))
}

pub fn serving(s: &Session, req: &ServingRequest) -> Result<Serving, ApiError> {
    Ok(deploy::serving(s.ws.catalog.conn(), req)?)
}

pub fn deployments(s: &Session, req: &TimelineRequest) -> Result<Timeline, ApiError> {
    Ok(deploy::timeline(s.ws.catalog.conn(), req)?)
}

pub fn erase(s: &mut Session, req: &EraseRequest) -> Result<Erasure, ApiError> {
    write(s, |c, a| erasure::erase(c, req, a))
}

pub fn resolve_erasure(s: &mut Session, req: &ResolveErasureRequest) -> Result<Erasure, ApiError> {
    write(s, |c, a| erasure::resolve_impact(c, req, a))
}

pub fn erasures(s: &Session) -> Result<ErasureList, ApiError> {
    Ok(erasure::list(s.ws.catalog.conn())?)
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
        deployments: deploy::timeline(c, &TimelineRequest { env: None, reference: Some(req.reference.clone()) })?.deployments,
        tainted_by: erasure::tainting(c, &v.node)?,
    })
}

/// Signs a checkpoint of the audit log as it is now (reused when nothing was appended since).
pub fn checkpoint(s: &mut Session) -> Result<Checkpoint, ApiError> {
    let key = s.ws.signing_key()?;
    let conn = s.ws.catalog.conn();
    let leaves = checkpoint::leaves(conn)?;
    if let Some(c) = checkpoint::latest(conn)? {
        if c.size == leaves.len() as u64 {
            return Ok(c);
        }
    }
    let c = checkpoint::sign(&key, leaves.len() as u64, &crate::audit::merkle::root(&leaves));
    let now = crate::audit::now();
    s.ws.catalog.write(|tx| checkpoint::store(tx, &c, &now))?;
    Ok(c)
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ReportRequest {
    /// `MODEL@VERSION`.
    pub reference: String,
    /// Folder to create; default `<workspace>/reports/<model>@<version>-<timestamp>`.
    pub out_dir: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ReportPreview {
    pub html: String,
}

impl From<crate::report::ReportError> for ApiError {
    fn from(e: crate::report::ReportError) -> Self {
        use crate::report::ReportError;
        match e {
            ReportError::Gov(g) => g.into(),
            ReportError::Catalog(c) => c.into(),
            ReportError::Exists { .. }
            | ReportError::NoParent { .. }
            | ReportError::Io { .. }
            | ReportError::SigningKey(_)
            | ReportError::NoPublicKey
            | ReportError::CheckpointMismatch { .. }
            | ReportError::Pdf { .. } => ApiError::new(ErrorCode::Io, e.to_string()),
        }
    }
}

/// Folder holding bundles written without an explicit `outDir`.
pub const REPORTS_DIR: &str = "reports";

/// Builds the report bundle (signing a checkpoint of the log first).
pub fn build_report(
    s: &mut Session,
    req: &ReportRequest,
    progress: crate::progress::OnProgress<'_>,
) -> Result<crate::report::bundle::ReportBundle, ApiError> {
    let now = crate::audit::now();
    let facts = crate::report::gather(s.ws.catalog.conn(), &req.reference, &s.actor, &now)?;
    let cp = checkpoint(s)?;
    let out = match &req.out_dir {
        Some(d) if !d.trim().is_empty() => std::path::PathBuf::from(d),
        _ => {
            let subj = &facts.report.subject;
            let stamp = now.replace([':', '-'], "").replace('.', "");
            s.ws.root.join(REPORTS_DIR).join(format!("{}@{}-{}", subj.model, subj.version, stamp))
        }
    };
    Ok(crate::report::bundle::write(&s.ws, facts, &cp, &out, progress)?)
}

/// The report as HTML, for a preview (nothing written).
pub fn report_preview(s: &Session, req: &VersionRequest) -> Result<ReportPreview, ApiError> {
    let facts = crate::report::gather(s.ws.catalog.conn(), &req.reference, &s.actor, &crate::audit::now())?;
    let cp = crate::audit::checkpoint::latest(s.ws.catalog.conn())?;
    Ok(ReportPreview { html: crate::report::bundle::preview(&s.ws, facts, cp.as_ref()) })
}

pub fn verify_bundle(
    req: &crate::report::verify::VerifyBundleRequest,
) -> Result<crate::report::verify::BundleVerification, ApiError> {
    Ok(crate::report::verify::verify(req))
}
