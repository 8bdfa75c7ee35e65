//! Erasure requests and their impacts (rows only; the rules are in `governance::erasure`).

use rusqlite::{Connection, params};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::CatalogError;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ErasureImpact {
    /// `version:…` or `deployment:<env>`.
    pub node: String,
    /// version or deployment.
    pub kind: String,
    /// retrained or exception; none while open.
    pub resolution: Option<String>,
    /// The replacing version, or the exception's justification.
    pub resolution_ref: Option<String>,
    pub resolved_by: Option<String>,
    pub resolved_at: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct Erasure {
    #[ts(type = "number")]
    pub id: i64,
    pub dataset: String,
    pub subject_hash: String,
    pub reason: String,
    /// open or resolved.
    pub status: String,
    pub created_by: String,
    pub created_at: String,
    #[ts(type = "number")]
    pub audit_seq: i64,
    pub impacts: Vec<ErasureImpact>,
}

/// A new erasure request row.
pub struct NewErasure<'a> {
    pub dataset: &'a str,
    pub subject_hash: &'a str,
    pub reason: &'a str,
    pub status: &'a str,
    pub created_by: &'a str,
    pub created_at: &'a str,
    pub audit_seq: i64,
}

/// Inserts a request and its impacted nodes (`(node, kind)`); returns its id.
pub fn insert(conn: &Connection, e: &NewErasure<'_>, impacts: &[(&str, &str)]) -> Result<i64, CatalogError> {
    conn.execute(
        "INSERT INTO erasure_requests (dataset, subject_hash, reason, status, created_by, created_at, audit_seq) VALUES (?1,?2,?3,?4,?5,?6,?7)",
        params![e.dataset, e.subject_hash, e.reason, e.status, e.created_by, e.created_at, e.audit_seq],
    )?;
    let id = conn.last_insert_rowid();
    for (node, kind) in impacts {
        conn.execute("INSERT INTO erasure_impacts (request_id, node, kind) VALUES (?1, ?2, ?3)", params![id, node, kind])?;
    }
    Ok(id)
}

/// How one impacted node was resolved.
pub struct Resolution<'a> {
    pub request: i64,
    pub node: &'a str,
    /// retrained or exception.
    pub resolution: &'a str,
    pub reference: &'a str,
    pub resolved_by: &'a str,
    pub resolved_at: &'a str,
    pub audit_seq: i64,
}

/// Records a resolution; the request is marked resolved once no version impact is open.
pub fn resolve(conn: &Connection, r: &Resolution<'_>) -> Result<(), CatalogError> {
    conn.execute(
        "UPDATE erasure_impacts SET resolution = ?3, resolution_ref = ?4, resolved_by = ?5, resolved_at = ?6, resolution_seq = ?7
         WHERE request_id = ?1 AND node = ?2",
        params![r.request, r.node, r.resolution, r.reference, r.resolved_by, r.resolved_at, r.audit_seq],
    )?;
    let open: i64 = conn.query_row(
        "SELECT count(*) FROM erasure_impacts WHERE request_id = ?1 AND kind = 'version' AND resolution IS NULL",
        [r.request],
        |row| row.get(0),
    )?;
    if open == 0 {
        conn.execute("UPDATE erasure_requests SET status = 'resolved' WHERE id = ?1", [r.request])?;
    }
    Ok(())
}

/// One request with its impacts.
pub fn get(conn: &Connection, id: i64) -> Result<Option<Erasure>, CatalogError> {
    Ok(list_where(conn, "id = ?1", [id])?.into_iter().next())
}

/// Every request, newest first.
pub fn list(conn: &Connection) -> Result<Vec<Erasure>, CatalogError> {
    list_where(conn, "1 = 1", [])
}

/// Open requests that taint a node.
pub fn tainting(conn: &Connection, node: &str) -> Result<Vec<Erasure>, CatalogError> {
    list_where(conn, "id IN (SELECT request_id FROM erasure_impacts WHERE node = ?1 AND resolution IS NULL)", [node])
}

fn list_where(conn: &Connection, filter: &str, p: impl rusqlite::Params) -> Result<Vec<Erasure>, CatalogError> {
    let mut st = conn.prepare(&format!(
        "SELECT id, dataset, subject_hash, reason, status, created_by, created_at, audit_seq FROM erasure_requests WHERE {filter} ORDER BY id DESC"
    ))?;
    let mut out: Vec<Erasure> = st
        .query_map(p, |r| {
            Ok(Erasure {
                id: r.get(0)?,
                dataset: r.get(1)?,
                subject_hash: r.get(2)?,
                reason: r.get(3)?,
                status: r.get(4)?,
                created_by: r.get(5)?,
                created_at: r.get(6)?,
                audit_seq: r.get(7)?,
                impacts: Vec::new(),
            })
        })?
        .collect::<Result<Vec<_>, _>>()?;
    let mut imp = conn.prepare_cached(
        "SELECT node, kind, resolution, resolution_ref, resolved_by, resolved_at FROM erasure_impacts WHERE request_id = ?1 ORDER BY kind DESC, node",
    )?;
    for e in &mut out {
        e.impacts = imp
            .query_map([e.id], |r| {
                Ok(ErasureImpact {
                    node: r.get(0)?,
                    kind: r.get(1)?,
                    resolution: r.get(2)?,
                    resolution_ref: r.get(3)?,
                    resolved_by: r.get(4)?,
                    resolved_at: r.get(5)?,
                })
            })?
            .collect::<Result<Vec<_>, _>>()?;
    }
    Ok(out)
}
