//! Queries only the audit report needs (everything else it reads through the other catalog
//! modules and the governance room).

use rusqlite::{Connection, OptionalExtension, params};

use super::CatalogError;
use super::models::{self, VersionRecord};

/// The version of `model_id` just below `version` in semver precedence, if there is one.
pub fn previous_version(conn: &Connection, model_id: i64, version: &str) -> Result<Option<VersionRecord>, CatalogError> {
    let previous: Option<String> = conn
        .query_row(
            "SELECT version FROM versions
             WHERE model_id = ?1 AND sort_key < (SELECT sort_key FROM versions WHERE model_id = ?1 AND version = ?2)
             ORDER BY sort_key DESC LIMIT 1",
            params![model_id, version],
            |r| r.get(0),
        )
        .optional()?;
    match previous {
        Some(p) => models::get_version(conn, model_id, &p),
        None => Ok(None),
    }
}

/// Seqs of the first `limit` audit events whose subject is `subject`, ascending.
pub fn event_seqs_about(conn: &Connection, subject: &str, limit: u32) -> Result<Vec<i64>, CatalogError> {
    let mut stmt = conn.prepare_cached("SELECT seq FROM audit_events WHERE subject = ?1 ORDER BY seq LIMIT ?2")?;
    let seqs = stmt.query_map(params![subject, limit], |r| r.get(0))?;
    Ok(seqs.collect::<Result<_, _>>()?)
}
