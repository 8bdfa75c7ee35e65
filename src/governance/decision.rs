//! "Which model decided this?": what served in an environment at an instant (the one
//! implementation of "what served at time T", `deploy::serving`) with, per version, the
//! evidence a regulator or a customer complaint asks for — its approvals and evaluations as
//! recorded by then, its attachments, and what carried it there.

use rusqlite::Connection;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::deploy::{self, Deployment};
use super::evaluate::{self, Evaluation};
use super::{Approval, Gate, GovError, resolve};
use crate::catalog::attachments::{self, Attachment};
use crate::catalog::{deployments, models};

/// One version that served at the instant, with its evidence.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct Decider {
    pub deployment: Deployment,
    pub root_digest: String,
    /// Its status now.
    pub status: String,
    /// Approval decisions recorded by the instant.
    pub approvals: Vec<Approval>,
    /// Whether its approval policy is met now.
    pub gate: Gate,
    /// Evaluations recorded by the instant.
    pub evaluations: Vec<Evaluation>,
    /// Evidence files attached to it (with when).
    pub attachments: Vec<Attachment>,
}

/// The answer for one environment and instant.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct Decision {
    pub env: String,
    /// The instant asked about (normalised).
    pub at: String,
    pub production: bool,
    /// Primary and canary first (they decided), then shadows (mirrored, decided nothing).
    pub deciders: Vec<Decider>,
}

/// Which versions served `env` at `at` (now by default), with their evidence.
pub fn decide(conn: &Connection, env: &str, at: Option<&str>) -> Result<Decision, GovError> {
    let (at, mut rows) = deploy::serving(conn, env, at)?;
    rows.sort_by_key(|d| (d.role == "shadow", std::cmp::Reverse(d.traffic)));
    let mut deciders = Vec::new();
    for d in rows {
        let v = resolve(conn, &d.reference())?;
        let record = models::get_version(conn, v.model_id, &v.version)?.ok_or_else(|| GovError::UnknownVersion(v.name()))?;
        let by_then = |t: &str| t <= at.as_str();
        deciders.push(Decider {
            root_digest: record.summary.root_digest,
            status: v.status.clone(),
            approvals: super::approvals(conn, v.id)?.into_iter().filter(|a| by_then(&a.created_at)).collect(),
            gate: super::gate(conn, &v)?,
            evaluations: evaluate::list(conn, v.id)?.into_iter().filter(|e| by_then(&e.created_at)).collect(),
            attachments: attachments::of_version(conn, v.id)?,
            deployment: d,
        });
    }
    let production = deployments::is_production(conn, env)?.unwrap_or(false);
    Ok(Decision { env: env.to_string(), at, production, deciders })
}
