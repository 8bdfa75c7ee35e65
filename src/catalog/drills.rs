//! Recovery drills: one row per environment checked (rows only; the checks are in
//! `governance::drill`).

use rusqlite::{Connection, params};

use super::CatalogError;

pub struct NewDrill<'a> {
    pub env: &'a str,
    pub at: &'a str,
    pub ok: bool,
    /// `MODEL@VERSION` a rollback would restore.
    pub restore: Option<&'a str>,
    /// The result as JSON.
    pub checks: &'a str,
}

pub fn insert(conn: &Connection, d: &NewDrill<'_>, by: &str, seq: i64) -> Result<(), CatalogError> {
    conn.execute(
        "INSERT INTO drills (env, at, ok, restore, checks, created_by, audit_seq) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        params![d.env, d.at, d.ok, d.restore, d.checks, by, seq],
    )?;
    Ok(())
}

/// The latest drill of each environment (or of one), as its stored JSON, newest first.
pub fn latest(conn: &Connection, env: Option<&str>) -> Result<Vec<String>, CatalogError> {
    let mut st = conn.prepare_cached(
        "SELECT d.checks FROM drills d WHERE (?1 IS NULL OR d.env = ?1)
           AND d.id = (SELECT max(id) FROM drills x WHERE x.env = d.env) ORDER BY d.at DESC",
    )?;
    let rows = st.query_map([env], |r| r.get(0))?;
    Ok(rows.collect::<Result<_, _>>()?)
}
