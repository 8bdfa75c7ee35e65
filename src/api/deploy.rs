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
    let d =
        Deploy { reference: &req.reference, env: &req.env, strategy: &req.strategy, traffic: req.traffic, reason: &req.reason };
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
