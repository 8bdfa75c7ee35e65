//! Governance: approvals with separation of duties and a per-model policy, status promotion
//! gated on approvals, evaluations per slice with thresholds and a baseline, deployments per
//! environment (full, blue-green, canary, shadow, rollback, "what served at time T") and data
//! erasure requests with their lineage impact. Every change is an audit event written in the
//! same transaction as its row.

use rusqlite::{Connection, OptionalExtension, params};
use serde::{Deserialize, Serialize};
use serde_json::json;
use ts_rs::TS;

use crate::audit;
use crate::catalog::{CatalogError, models};
use crate::ids::{self, NameError};

pub mod deploy;
pub mod erasure;
pub mod evaluate;

/// Roles an approver can act in.
pub const ROLES: &[&str] = &["validator", "owner", "risk"];
/// Version statuses, in lifecycle order.
pub const STATUSES: &[&str] = &["draft", "candidate", "approved", "deprecated", "revoked"];

/// Why a governance action was refused.
#[derive(Debug, thiserror::Error)]
pub enum GovError {
    #[error(transparent)]
    Catalog(#[from] CatalogError),
    #[error(transparent)]
    Name(#[from] NameError),
    #[error("{0} is not registered (see `pedigree versions MODEL`)")]
    UnknownVersion(String),
    #[error("{0}")]
    Invalid(String),
    #[error("{0}")]
    Refused(String),
    #[error("{0}")]
    NotFound(String),
}

/// A version resolved from `MODEL@VERSION`.
#[derive(Debug, Clone)]
pub struct VersionRef {
    pub id: i64,
    pub model_id: i64,
    pub model: String,
    pub version: String,
    pub status: String,
    pub created_by: String,
    pub node: String,
}

pub fn resolve(conn: &Connection, reference: &str) -> Result<VersionRef, GovError> {
    let reference = reference.strip_prefix("version:").unwrap_or(reference);
    let (m, v) = ids::split_ref(reference)?;
    let row = conn
        .query_row(
            "SELECT v.id, v.model_id, v.status, v.created_by FROM versions v JOIN models m ON m.id = v.model_id
             WHERE m.name = ?1 AND v.version = ?2",
            params![m, v],
            |r| Ok((r.get::<_, i64>(0)?, r.get::<_, i64>(1)?, r.get::<_, String>(2)?, r.get::<_, String>(3)?)),
        )
        .optional()
        .map_err(CatalogError::from)?;
    let (id, model_id, status, created_by) = row.ok_or_else(|| GovError::UnknownVersion(reference.to_string()))?;
    Ok(VersionRef {
        id,
        model_id,
        model: m.to_string(),
        version: v.to_string(),
        status,
        created_by,
        node: ids::version_node(m, v),
    })
}

fn required(text: &str, what: &str) -> Result<(), GovError> {
    if text.trim().is_empty() {
        return Err(GovError::Invalid(format!("{what} is required: say why, for the audit trail")));
    }
    Ok(())
}

// ---------------------------------------------------------------- approvals and policy

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

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct Approval {
    pub actor: String,
    pub role: String,
    pub decision: String,
    pub justification: String,
    pub created_at: String,
    #[ts(type = "number")]
    pub audit_seq: i64,
}

/// Whether a version has the approvals its model's policy asks for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct Gate {
    pub required: Vec<String>,
    /// Roles whose latest decision is "approved".
    pub approved: Vec<String>,
    pub missing: Vec<String>,
    /// Roles whose latest decision is "rejected".
    pub rejected: Vec<String>,
    pub ok: bool,
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

pub fn approvals(conn: &Connection, version_id: i64) -> Result<Vec<Approval>, CatalogError> {
    let mut st = conn.prepare_cached(
        "SELECT actor, role, decision, justification, created_at, audit_seq FROM approvals WHERE version_id = ?1 ORDER BY id",
    )?;
    let rows = st
        .query_map([version_id], |r| {
            Ok(Approval {
                actor: r.get(0)?,
                role: r.get(1)?,
                decision: r.get(2)?,
                justification: r.get(3)?,
                created_at: r.get(4)?,
                audit_seq: r.get(5)?,
            })
        })?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}

pub fn policy(conn: &Connection, model_id: i64) -> Result<Vec<String>, CatalogError> {
    let text: Option<String> =
        conn.query_row("SELECT required_roles FROM policies WHERE model_id = ?1", [model_id], |r| r.get(0)).optional()?;
    match text {
        Some(t) => crate::catalog::json("policies.required_roles", &t),
        None => Ok(vec!["validator".to_string()]),
    }
}

pub fn gate(conn: &Connection, v: &VersionRef) -> Result<Gate, CatalogError> {
    let required = policy(conn, v.model_id)?;
    let list = approvals(conn, v.id)?;
    let latest = |role: &str| list.iter().rev().find(|a| a.role == role).map(|a| a.decision.as_str());
    let approved: Vec<String> = required.iter().filter(|r| latest(r) == Some("approved")).cloned().collect();
    let rejected: Vec<String> = ROLES.iter().filter(|r| latest(r) == Some("rejected")).map(|r| r.to_string()).collect();
    let missing: Vec<String> = required.iter().filter(|r| !approved.contains(r)).cloned().collect();
    let ok = missing.is_empty() && rejected.is_empty();
    Ok(Gate { required, approved, missing, rejected, ok })
}

/// Records an approval decision. The actor who registered the version cannot approve it.
pub fn approve(conn: &Connection, req: &ApproveRequest, actor: &str) -> Result<Gate, GovError> {
    let v = resolve(conn, &req.reference)?;
    if !ROLES.contains(&req.role.as_str()) {
        return Err(GovError::Invalid(format!("unknown role {:?}: use validator, owner or risk", req.role)));
    }
    if !matches!(req.decision.as_str(), "approved" | "rejected") {
        return Err(GovError::Invalid(format!("unknown decision {:?}: use approved or rejected", req.decision)));
    }
    required(&req.justification, "--justification")?;
    if v.created_by == actor {
        return Err(GovError::Refused(format!(
            "{actor} registered {}@{} and cannot also approve it (maker ≠ checker): another person must decide",
            v.model, v.version
        )));
    }
    if matches!(v.status.as_str(), "revoked") {
        return Err(GovError::Refused(format!("{}@{} is revoked; it cannot be approved", v.model, v.version)));
    }
    let now = audit::now();
    let payload = json!({"role": req.role, "decision": req.decision, "justification": req.justification});
    let seq = audit::append(conn, &now, actor, "approve", &v.node, &payload)?;
    conn.execute(
        "INSERT INTO approvals (version_id, actor, role, decision, justification, created_at, audit_seq) VALUES (?1,?2,?3,?4,?5,?6,?7)",
        params![v.id, actor, req.role, req.decision, req.justification, now, seq],
    )
    .map_err(CatalogError::from)?;
    Ok(gate(conn, &v)?)
}

/// Sets the roles a model's versions need approvals from.
pub fn set_policy(conn: &Connection, req: &PolicyRequest, actor: &str) -> Result<Vec<String>, GovError> {
    let model_id =
        models::model_id(conn, &req.model)?.ok_or_else(|| GovError::NotFound(format!("no model named {}", req.model)))?;
    let mut roles = req.required_roles.clone();
    roles.sort();
    roles.dedup();
    if roles.is_empty() {
        return Err(GovError::Invalid("a policy needs at least one role (validator, owner, risk)".into()));
    }
    if let Some(r) = roles.iter().find(|r| !ROLES.contains(&r.as_str())) {
        return Err(GovError::Invalid(format!("unknown role {r:?}: use validator, owner or risk")));
    }
    let seq =
        audit::append(conn, &audit::now(), actor, "set_policy", &ids::model_node(&req.model), &json!({"requiredRoles": roles}))?;
    conn.execute(
        "INSERT INTO policies (model_id, required_roles, audit_seq) VALUES (?1, ?2, ?3)
         ON CONFLICT (model_id) DO UPDATE SET required_roles = excluded.required_roles, audit_seq = excluded.audit_seq",
        params![model_id, serde_json::to_string(&roles).expect("roles serialise"), seq],
    )
    .map_err(CatalogError::from)?;
    Ok(roles)
}

/// Moves a version to another status; `approved` needs the policy's approvals.
pub fn promote(conn: &Connection, req: &PromoteRequest, actor: &str) -> Result<String, GovError> {
    let v = resolve(conn, &req.reference)?;
    if !STATUSES.contains(&req.status.as_str()) || req.status == "draft" {
        return Err(GovError::Invalid(format!(
            "unknown status {:?}: use candidate, approved, deprecated or revoked",
            req.status
        )));
    }
    required(&req.reason, "--reason")?;
    if v.status == "revoked" {
        return Err(GovError::Refused(format!("{}@{} is revoked; revocation is final", v.model, v.version)));
    }
    if req.status == "approved" {
        let g = gate(conn, &v)?;
        if !g.ok {
            return Err(GovError::Refused(gate_message(&v, &g)));
        }
    }
    let payload = json!({"from": v.status, "to": req.status, "reason": req.reason});
    audit::append(conn, &audit::now(), actor, "set_status", &v.node, &payload)?;
    conn.execute("UPDATE versions SET status = ?2 WHERE id = ?1", params![v.id, req.status]).map_err(CatalogError::from)?;
    Ok(req.status.clone())
}

pub fn gate_message(v: &VersionRef, g: &Gate) -> String {
    if !g.rejected.is_empty() {
        format!("{}@{} was rejected by {}; a new approval from that role is needed", v.model, v.version, g.rejected.join(", "))
    } else {
        format!(
            "{}@{} lacks approvals from {} (policy: {}); ask with `pedigree approve {}@{} --role … --decision approved`",
            v.model,
            v.version,
            g.missing.join(", "),
            g.required.join(", "),
            v.model,
            v.version
        )
    }
}
