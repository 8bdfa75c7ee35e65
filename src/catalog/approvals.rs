//! Approval decisions and per-model approval policies (rows only; the rules — maker ≠ checker,
//! the promotion gate — are in `governance`).

use rusqlite::{Connection, OptionalExtension, params};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::{CatalogError, json};

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

/// Every decision on a version, oldest first.
pub fn of_version(conn: &Connection, version_id: i64) -> Result<Vec<Approval>, CatalogError> {
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

pub fn insert(conn: &Connection, version_id: i64, a: &Approval) -> Result<(), CatalogError> {
    conn.execute(
        "INSERT INTO approvals (version_id, actor, role, decision, justification, created_at, audit_seq) VALUES (?1,?2,?3,?4,?5,?6,?7)",
        params![version_id, a.actor, a.role, a.decision, a.justification, a.created_at, a.audit_seq],
    )?;
    Ok(())
}

/// The roles a model's policy requires; none when the model has no policy.
pub fn policy(conn: &Connection, model_id: i64) -> Result<Option<Vec<String>>, CatalogError> {
    let text: Option<String> =
        conn.query_row("SELECT required_roles FROM policies WHERE model_id = ?1", [model_id], |r| r.get(0)).optional()?;
    text.map(|t| json("policies.required_roles", &t)).transpose()
}

pub fn set_policy(conn: &Connection, model_id: i64, roles: &[String], audit_seq: i64) -> Result<(), CatalogError> {
    conn.execute(
        "INSERT INTO policies (model_id, required_roles, audit_seq) VALUES (?1, ?2, ?3)
         ON CONFLICT (model_id) DO UPDATE SET required_roles = excluded.required_roles, audit_seq = excluded.audit_seq",
        params![model_id, serde_json::to_string(roles).expect("roles serialise"), audit_seq],
    )?;
    Ok(())
}
