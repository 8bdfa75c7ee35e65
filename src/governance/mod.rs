//! Governance: approvals with separation of duties and a per-model policy, status promotion
//! gated on approvals, evaluations per slice with thresholds and a baseline, deployments per
//! environment (full, blue-green, canary, shadow, rollback, "what served at time T") and data
//! erasure requests with their lineage impact. Every change is an audit event written in the
//! same transaction as its row.

use rusqlite::Connection;
use serde::{Deserialize, Serialize};
use serde_json::json;
use ts_rs::TS;

use crate::audit;
pub use crate::catalog::approvals::Approval;
use crate::catalog::{CatalogError, approvals, models};
use crate::ids::{self, NameError};

pub mod aliases;
pub mod annotations;
pub mod attach;
pub mod decision;
pub mod deploy;
pub mod drill;
pub mod erasure;
pub mod evaluate;
pub mod manifest;
pub mod monitor;
pub mod pq;
pub mod team;

/// Roles an approver can act in.
pub const ROLES: &[&str] = &["validator", "owner", "risk"];
/// Approval decisions.
pub const DECISIONS: &[&str] = &["approved", "rejected"];
/// Version statuses, in lifecycle order.
pub const STATUSES: &[&str] = &["draft", "candidate", "approved", "deprecated", "revoked"];

/// Why a governance action was refused. Messages say what to do without naming CLI flags (they
/// reach the UI too); [`GovError::field`] names the request field at fault, which the CLI turns
/// into a flag hint.
#[derive(Debug, thiserror::Error)]
pub enum GovError {
    #[error(transparent)]
    Catalog(#[from] CatalogError),
    #[error(transparent)]
    Name(#[from] NameError),
    #[error("{0} is not registered (see the model's versions)")]
    UnknownVersion(String),
    #[error("dataset {0} is not registered (datasets are registered with a version that was trained on them)")]
    UnknownDataset(String),
    #[error("no model named {0}")]
    UnknownModel(String),
    #[error("{model} has no alias {alias}{} (see `pedigree aliases {model}`)", at.as_deref().map(|t| format!(" at {t}")).unwrap_or_default())]
    UnknownAlias { model: String, alias: String, at: Option<String> },
    #[error("no erasure request {0}")]
    NoErasure(i64),
    /// A value outside its fixed set.
    #[error("unknown {field} {value:?}: use {}", allowed.join(", "))]
    NotOneOf { field: &'static str, value: String, allowed: &'static [&'static str] },
    /// A value of the wrong form.
    #[error("bad {field} {value:?}: {expected}")]
    BadValue { field: &'static str, value: String, expected: &'static str },
    #[error("a {field} is required: {why}")]
    Missing { field: &'static str, why: &'static str },
    #[error("{actor} registered {version} and cannot also approve it (maker ≠ checker): another person must decide")]
    MakerIsChecker { actor: String, version: String },
    #[error("{version} is {status}; it cannot be {action}")]
    WrongStatus { version: String, status: String, action: &'static str },
    #[error("{env} is a production environment: {why}")]
    ProductionGate { env: String, why: String },
    #[error("{0}")]
    NotApproved(String),
    #[error("a canary takes 1–99 % of the traffic (got {0}); deploy fully for 100 %")]
    CanaryShare(u32),
    #[error("a {strategy} deployment serves 100 %; use a canary for a share")]
    FullShare { strategy: String },
    #[error("nothing serves in {0} yet: deploy a version fully first")]
    NothingServes(String),
    #[error("{version} already serves {env} as primary")]
    AlreadyPrimary { version: String, env: String },
    #[error("{0} has no earlier version to roll back to")]
    NoEarlierVersion(String),
    #[error("{version} is not affected by erasure request {request}")]
    NotAffected { version: String, request: i64 },
    #[error("{version} is already resolved for erasure request {request}")]
    AlreadyResolved { version: String, request: i64 },
    #[error("{0} is itself trained on the erased data; retrain on a dataset version without the subject")]
    RetrainedOnErased(String),
    #[error("resolve with either the retrained version or an exception with its justification")]
    ResolutionNeeded,
    #[error("traffic in {env} would add up to {sum} %, not 100 % (a bug: please report it)")]
    TrafficSum { env: String, sum: i64 },
    /// Input that cannot be read (a monitoring file's line).
    #[error("{0}")]
    BadInput(String),
    /// Already so (a rule that exists, a proposal resolved, a version no longer serving).
    #[error("{0}")]
    Duplicate(String),
    #[error("{0}")]
    NotFound(String),
    #[error("{0} was not produced by a run Pedigree captured (register from `pedigree run`, or see its lineage)")]
    NoRun(String),
    #[error("cannot use the manifest: expected {0}")]
    BadManifest(String),
    #[error("the storage URI {uri} names no version here: {why}")]
    UnknownStorage { uri: String, why: String },
    /// The team roster refuses (not a member, a missing role, not an owner).
    #[error("{0}")]
    Team(String),
}

impl GovError {
    /// The request field (camelCase, as on the wire) the error is about, if one is.
    pub fn field(&self) -> Option<&'static str> {
        match self {
            GovError::NotOneOf { field, .. } | GovError::BadValue { field, .. } | GovError::Missing { field, .. } => Some(field),
            GovError::CanaryShare(_) | GovError::FullShare { .. } => Some("traffic"),
            GovError::UnknownDataset(_) => Some("dataset"),
            GovError::BadManifest(_) | GovError::UnknownStorage { .. } => Some("manifest"),
            GovError::ResolutionNeeded | GovError::RetrainedOnErased(_) => Some("retrainedAs"),
            _ => None,
        }
    }
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
    /// The audit event that registered it (its signer is the registrant's key).
    pub registered_seq: i64,
}

/// The version `MODEL@VERSION` or `MODEL@ALIAS` (optionally `version:`-prefixed) names now.
pub fn resolve(conn: &Connection, reference: &str) -> Result<VersionRef, GovError> {
    resolve_at(conn, reference, None)
}

/// [`resolve`], with an alias taken as it pointed at instant `at` (a version is what it is).
pub fn resolve_at(conn: &Connection, reference: &str, at: Option<&str>) -> Result<VersionRef, GovError> {
    let reference = reference.strip_prefix("version:").unwrap_or(reference);
    let (m, name) = ids::split_ref(reference)?;
    let unknown = || GovError::UnknownVersion(reference.to_string());
    let model_id = models::model_id(conn, m)?.ok_or_else(unknown)?;
    let v = aliases::version_of(conn, model_id, name, at)?.ok_or_else(|| GovError::UnknownAlias {
        model: m.to_string(),
        alias: name.to_string(),
        at: at.map(str::to_string),
    })?;
    let row = models::version_key(conn, m, &v)?.ok_or_else(unknown)?;
    Ok(VersionRef {
        id: row.id,
        model_id: row.model_id,
        model: m.to_string(),
        node: ids::version_node(m, &v),
        version: v,
        status: row.status,
        created_by: row.created_by,
        registered_seq: row.audit_seq,
    })
}

/// An RFC 3339 instant, normalised to the audit log's form (UTC, milliseconds) so that instants
/// compare as strings.
pub fn instant(field: &'static str, t: &str) -> Result<String, GovError> {
    Ok(chrono::DateTime::parse_from_rfc3339(t)
        .map_err(|_| GovError::BadValue {
            field,
            value: t.to_string(),
            expected: "use an RFC 3339 time, e.g. 2026-11-27T10:00:00Z",
        })?
        .with_timezone(&chrono::Utc)
        .format("%Y-%m-%dT%H:%M:%S%.3fZ")
        .to_string())
}

/// A registered dataset version named `DATASET@VERSION` (or `dataset:…`), split.
pub fn dataset_ref<'a>(conn: &Connection, d: &'a str) -> Result<(&'a str, &'a str), GovError> {
    let d = d.strip_prefix("dataset:").unwrap_or(d);
    let (dn, dv) = ids::split_ref(d).map_err(|_| GovError::BadValue {
        field: "dataset",
        value: d.to_string(),
        expected: "use DATASET@VERSION",
    })?;
    if crate::catalog::datasets::get(conn, dn, dv)?.is_none() {
        return Err(GovError::UnknownDataset(format!("{dn}@{dv}")));
    }
    Ok((dn, dv))
}

impl VersionRef {
    /// `MODEL@VERSION`.
    pub fn name(&self) -> String {
        format!("{}@{}", self.model, self.version)
    }
}

fn required(text: &str, field: &'static str) -> Result<(), GovError> {
    if text.trim().is_empty() {
        return Err(GovError::Missing { field, why: "say why, for the audit trail" });
    }
    Ok(())
}

/// `value` if it is one of `allowed`.
fn one_of(field: &'static str, value: &str, allowed: &'static [&'static str]) -> Result<(), GovError> {
    if allowed.contains(&value) {
        return Ok(());
    }
    Err(GovError::NotOneOf { field, value: value.to_string(), allowed })
}

// ---------------------------------------------------------------- approvals and policy

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

pub fn approvals(conn: &Connection, version_id: i64) -> Result<Vec<Approval>, CatalogError> {
    approvals::of_version(conn, version_id)
}

/// The roles a model's versions need approvals from (validator unless a policy says otherwise).
pub fn policy(conn: &Connection, model_id: i64) -> Result<Vec<String>, CatalogError> {
    Ok(approvals::policy(conn, model_id)?.unwrap_or_else(|| vec!["validator".to_string()]))
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

/// Records an approval decision. The person who registered the version cannot approve it
/// (compared by key; see [`maker_is_not_checker`]).
pub fn approve(
    conn: &Connection,
    reference: &str,
    role: &str,
    decision: &str,
    justification: &str,
    actor: &str,
) -> Result<Gate, GovError> {
    let v = resolve(conn, reference)?;
    one_of("role", role, ROLES)?;
    one_of("decision", decision, DECISIONS)?;
    required(justification, "justification")?;
    maker_is_not_checker(conn, &v, actor)?;
    team::require_role(conn, role, &format!("approving {} as {role}", v.name()))?;
    if matches!(v.status.as_str(), "revoked") {
        return Err(GovError::WrongStatus { version: v.name(), status: v.status.clone(), action: "approved" });
    }
    let now = audit::now();
    let payload = json!({"role": role, "decision": decision, "justification": justification});
    let seq = audit::append(conn, &now, actor, "approve", &v.node, &payload)?;
    let row = Approval {
        actor: actor.to_string(),
        role: role.to_string(),
        decision: decision.to_string(),
        justification: justification.to_string(),
        created_at: now,
        audit_seq: seq,
    };
    approvals::insert(conn, v.id, &row)?;
    Ok(gate(conn, &v)?)
}

/// Maker ≠ checker, by key: when the version's registration is signed and this process signs,
/// the two keys must differ (a different `--actor` name does not make another person); for a
/// version registered before identities, the actor names must.
fn maker_is_not_checker(conn: &Connection, v: &VersionRef, actor: &str) -> Result<(), GovError> {
    let me = crate::identity::acting().map_err(|e| GovError::Catalog(CatalogError::Signer(e)))?;
    let registrant = crate::catalog::audit_rows::signers_of(conn, &[v.registered_seq])?.remove(&v.registered_seq);
    let maker = |who: String| Err(GovError::MakerIsChecker { actor: who, version: v.name() });
    match (me, registrant) {
        (Some(id), Some(key)) if key == id.public_key => maker(format!("{actor} (key {})", id.fingerprint)),
        (Some(_), Some(_)) => Ok(()),
        _ if v.created_by == actor => maker(actor.to_string()),
        _ => Ok(()),
    }
}

/// A set of roles as given (trimmed, sorted, each one of `allowed`, at least one: `why`).
fn role_set(
    field: &'static str,
    given: &[String],
    allowed: &'static [&'static str],
    why: &'static str,
) -> Result<Vec<String>, GovError> {
    let mut roles: Vec<String> = given.iter().map(|r| r.trim().to_string()).filter(|r| !r.is_empty()).collect();
    roles.sort();
    roles.dedup();
    if roles.is_empty() {
        return Err(GovError::Missing { field, why });
    }
    for r in &roles {
        one_of(field, r, allowed)?;
    }
    Ok(roles)
}

/// Sets the roles a model's versions need approvals from.
pub fn set_policy(conn: &Connection, model: &str, required_roles: &[String], actor: &str) -> Result<Vec<String>, GovError> {
    let model_id = models::model_id(conn, model)?.ok_or_else(|| GovError::UnknownModel(model.to_string()))?;
    let roles = role_set("requiredRoles", required_roles, ROLES, "a policy needs at least one role (validator, owner, risk)")?;
    let seq = audit::append(conn, &audit::now(), actor, "set_policy", &ids::model_node(model), &json!({"requiredRoles": roles}))?;
    approvals::set_policy(conn, model_id, &roles, seq)?;
    Ok(roles)
}

/// Moves a version to another status; `approved` needs the policy's approvals.
pub fn promote(conn: &Connection, reference: &str, status: &str, reason: &str, actor: &str) -> Result<String, GovError> {
    let v = resolve(conn, reference)?;
    one_of("status", status, &STATUSES[1..])?;
    required(reason, "reason")?;
    if v.status == "revoked" {
        return Err(GovError::WrongStatus {
            version: v.name(),
            status: v.status.clone(),
            action: "changed (revocation is final)",
        });
    }
    if status == "approved" {
        let g = gate(conn, &v)?;
        if !g.ok {
            return Err(GovError::NotApproved(gate_message(&v, &g)));
        }
    }
    let payload = json!({"from": v.status, "to": status, "reason": reason});
    audit::append(conn, &audit::now(), actor, "set_status", &v.node, &payload)?;
    models::set_status(conn, v.id, status)?;
    Ok(status.to_string())
}

pub fn gate_message(v: &VersionRef, g: &Gate) -> String {
    if !g.rejected.is_empty() {
        format!("{}@{} was rejected by {}; a new approval from that role is needed", v.model, v.version, g.rejected.join(", "))
    } else {
        format!(
            "{}@{} lacks approvals from {} (policy: {}); someone other than its registrant must approve it in that role",
            v.model,
            v.version,
            g.missing.join(", "),
            g.required.join(", ")
        )
    }
}
