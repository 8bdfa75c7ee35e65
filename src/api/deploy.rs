//! Deployment operations and their wire types: deploy (full, blue-green, canary, shadow),
//! rollback, environments, "what served at time T", the deployment timeline.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::governance::write;
use super::{ApiError, Session};
use crate::governance::deploy::{self, Deploy, Deployment, Environment};

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct DeployRequest {
    pub reference: String,
    pub env: String,
    pub strategy: String,
    /// Percent of traffic for a canary (1–99).
    pub traffic: Option<u32>,
    pub reason: String,
    /// The image or manifest digest that carried the model (`[IMAGE@]sha256:HEX`): CI/CD
    /// records what it deployed.
    #[serde(default)]
    #[ts(optional)]
    pub carrier: Option<String>,
    /// What recorded the deployment (`ci`, `kserve:NAME`), when not a person.
    #[serde(default)]
    #[ts(optional)]
    pub recorded_from: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct RollbackRequest {
    pub env: String,
    pub reason: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct EnvRequest {
    pub name: String,
    pub production: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ServingRequest {
    pub env: String,
    /// RFC 3339 instant; now when absent.
    pub at: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct Serving {
    pub env: String,
    pub at: String,
    pub deployments: Vec<Deployment>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct TimelineRequest {
    pub env: Option<String>,
    pub reference: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct Timeline {
    pub environments: Vec<Environment>,
    /// Newest first.
    pub deployments: Vec<Deployment>,
}

/// Deploys a version; returns what serves in the environment afterwards.
pub fn deploy(s: &mut Session, req: &DeployRequest) -> Result<Vec<Deployment>, ApiError> {
    let d = Deploy {
        reference: &req.reference,
        env: &req.env,
        strategy: &req.strategy,
        traffic: req.traffic,
        reason: &req.reason,
        carrier: req.carrier.as_deref(),
        recorded_from: req.recorded_from.as_deref(),
    };
    write(s, |c, a| deploy::deploy(c, &d, a))
}

/// Drops a canary, or puts the previous primary back.
pub fn rollback(s: &mut Session, req: &RollbackRequest) -> Result<Vec<Deployment>, ApiError> {
    write(s, |c, a| deploy::rollback(c, &req.env, &req.reason, a))
}

/// Marks an environment as production (or not).
pub fn set_environment(s: &mut Session, req: &EnvRequest) -> Result<Environment, ApiError> {
    write(s, |c, a| deploy::set_env(c, &req.name, req.production, a))
}

/// What served in an environment at an instant (now by default).
pub fn serving(s: &Session, req: &ServingRequest) -> Result<Serving, ApiError> {
    let (at, deployments) = deploy::serving(s.ws.catalog.conn(), &req.env, req.at.as_deref())?;
    Ok(Serving { env: req.env.clone(), at, deployments })
}

/// Deployment history, newest first, with every environment.
pub fn deployments(s: &Session, req: &TimelineRequest) -> Result<Timeline, ApiError> {
    let conn = s.ws.catalog.conn();
    let deployments = deploy::timeline(conn, req.env.as_deref(), req.reference.as_deref())?;
    Ok(Timeline { environments: deploy::environments(conn)?, deployments })
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct DeployManifestRequest {
    pub env: String,
    /// The manifest's text (YAML or JSON): a KServe InferenceService, a SeldonDeployment or a
    /// Seldon Model.
    pub manifest: String,
    /// Why (default: "deployed by kserve:NAME").
    #[serde(default)]
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ManifestDeployed {
    /// `kserve:NAME` or `seldon:NAME`.
    pub recorded_from: String,
    /// The image digest that carried the model, else the manifest's own digest.
    pub carrier: String,
    /// The versions its storage URIs name, in manifest order.
    pub versions: Vec<String>,
    /// Deployments recorded (0 when it served so already).
    pub deployments: u32,
    pub serving: Vec<Deployment>,
}

/// Records what a serving manifest deployed (CI/CD after applying it).
pub fn deploy_manifest(s: &mut Session, req: &DeployManifestRequest) -> Result<ManifestDeployed, ApiError> {
    let r = write(s, |c, a| crate::governance::manifest::record(c, &req.env, &req.manifest, &req.reason, a))?;
    Ok(ManifestDeployed {
        recorded_from: r.recorded_from,
        carrier: r.carrier,
        versions: r.versions,
        deployments: r.deployments,
        serving: r.serving,
    })
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct DecisionRequest {
    pub env: String,
    /// RFC 3339 instant; now when absent.
    pub at: Option<String>,
}

/// Which versions served an environment at an instant, with their approvals, evaluations and
/// attachments (`serving_at` with the evidence).
pub fn decision(s: &Session, req: &DecisionRequest) -> Result<crate::governance::decision::Decision, ApiError> {
    Ok(crate::governance::decision::decide(s.ws.catalog.conn(), &req.env, req.at.as_deref())?)
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct DrillRequest {
    /// One environment, or every one where something serves.
    pub env: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct DrillResponse {
    pub drills: Vec<crate::governance::drill::Drill>,
    /// Every check of every environment passed.
    pub ok: bool,
}

/// A recovery drill: whether each environment's previous version can be restored right now
/// (recorded, passed or not).
pub fn drill(s: &mut Session, req: &DrillRequest) -> Result<DrillResponse, ApiError> {
    let cas = s.ws.cas.clone();
    let drills = write(s, |c, a| crate::governance::drill::drill(c, &cas, req.env.as_deref(), a))?;
    Ok(DrillResponse { ok: drills.iter().all(|d| d.ok), drills })
}

/// The latest drill of each environment (or of one).
pub fn drills(s: &Session, req: &DrillRequest) -> Result<DrillResponse, ApiError> {
    let drills = crate::governance::drill::latest(s.ws.catalog.conn(), req.env.as_deref())?;
    Ok(DrillResponse { ok: drills.iter().all(|d| d.ok), drills })
}
