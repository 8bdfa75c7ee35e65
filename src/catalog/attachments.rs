//! Attachments of a version: evidence files (explainability, fairness, evaluation,
//! documentation…) stored by digest, never changed (rows only; the rules are in
//! `governance::attach`).

use rusqlite::{Connection, params};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::CatalogError;

/// One attached file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct Attachment {
    pub model: String,
    pub version: String,
    /// explainability, fairness, evaluation, documentation or other.
    pub kind: String,
    /// The file's name when it was attached.
    pub name: String,
    pub sha256: String,
    #[ts(type = "number")]
    pub size: u64,
    pub created_by: String,
    pub created_at: String,
    #[ts(type = "number")]
    pub audit_seq: i64,
}

const SELECT: &str = "SELECT m.name, v.version, a.kind, a.name, a.sha256, a.size, a.created_by, a.created_at, a.audit_seq
     FROM attachments a JOIN versions v ON v.id = a.version_id JOIN models m ON m.id = v.model_id";

fn row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Attachment> {
    Ok(Attachment {
        model: r.get(0)?,
        version: r.get(1)?,
        kind: r.get(2)?,
        name: r.get(3)?,
        sha256: r.get(4)?,
        size: r.get::<_, i64>(5)? as u64,
        created_by: r.get(6)?,
        created_at: r.get(7)?,
        audit_seq: r.get(8)?,
    })
}

/// A version's attachments, oldest first.
pub fn of_version(conn: &Connection, version_id: i64) -> Result<Vec<Attachment>, CatalogError> {
    let mut st = conn.prepare_cached(&format!("{SELECT} WHERE a.version_id = ?1 ORDER BY a.created_at, a.sha256"))?;
    let rows = st.query_map([version_id], row)?.collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}

/// The version's attachment with this digest, if it has one.
pub fn get(conn: &Connection, version_id: i64, sha256: &str) -> Result<Option<Attachment>, CatalogError> {
    let mut st = conn.prepare_cached(&format!("{SELECT} WHERE a.version_id = ?1 AND a.sha256 = ?2"))?;
    let mut rows = st.query_map(params![version_id, sha256], row)?;
    Ok(rows.next().transpose()?)
}

pub struct NewAttachment<'a> {
    pub version_id: i64,
    pub sha256: &'a str,
    pub kind: &'a str,
    pub name: &'a str,
    pub size: u64,
}

pub fn insert(conn: &Connection, a: &NewAttachment<'_>, by: &str, at: &str, seq: i64) -> Result<(), CatalogError> {
    conn.execute(
        "INSERT INTO attachments (version_id, sha256, kind, name, size, created_by, created_at, audit_seq)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        params![a.version_id, a.sha256, a.kind, a.name, a.size as i64, by, at, seq],
    )?;
    Ok(())
}
