//! Captured training runs (`pedigree run`): one row per run, the capture kept as JSON (rows
//! only; capturing and reproducing are in `crate::runs`).

use rusqlite::{Connection, OptionalExtension, params};

use super::CatalogError;

/// A stored run: its capture (JSON text) and where it is in the audit log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunRow {
    pub id: String,
    pub capture: String,
    pub created_by: String,
    pub audit_seq: i64,
}

pub struct NewRun<'a> {
    pub id: &'a str,
    pub capture: &'a str,
    pub started_at: &'a str,
    pub ended_at: &'a str,
    pub exit_code: i32,
}

pub fn insert(conn: &Connection, r: &NewRun<'_>, by: &str, seq: i64) -> Result<(), CatalogError> {
    conn.execute(
        "INSERT INTO runs (id, capture, started_at, ended_at, exit_code, created_by, audit_seq) VALUES (?1,?2,?3,?4,?5,?6,?7)",
        params![r.id, r.capture, r.started_at, r.ended_at, r.exit_code, by, seq],
    )?;
    Ok(())
}

pub fn get(conn: &Connection, id: &str) -> Result<Option<RunRow>, CatalogError> {
    Ok(conn
        .query_row("SELECT id, capture, created_by, audit_seq FROM runs WHERE id = ?1", [id], |r| {
            Ok(RunRow { id: r.get(0)?, capture: r.get(1)?, created_by: r.get(2)?, audit_seq: r.get(3)? })
        })
        .optional()?)
}

/// The captured run that produced a version (`version:M@V --produced_by--> run:ID`), if any.
pub fn of_version(conn: &Connection, version_node: &str) -> Result<Option<RunRow>, CatalogError> {
    let id: Option<String> = conn
        .query_row(
            "SELECT r.id FROM edges e JOIN runs r ON 'run:' || r.id = e.dst WHERE e.src = ?1 AND e.kind = 'produced_by' LIMIT 1",
            [version_node],
            |r| r.get(0),
        )
        .optional()?;
    match id {
        Some(id) => get(conn, &id),
        None => Ok(None),
    }
}
