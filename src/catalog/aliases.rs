//! Aliases: a model's named pointers to its versions (`churn@champion`), and every move of one,
//! kept so that "what did the alias point to at time T" has an answer (rows only; the rules —
//! names, audit events — are in `governance::aliases`).

use rusqlite::{Connection, OptionalExtension, params};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::CatalogError;

/// Where an alias points now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct Alias {
    pub alias: String,
    pub version: String,
    pub set_by: String,
    pub set_at: String,
    #[ts(type = "number")]
    pub audit_seq: i64,
}

/// One move of an alias: to a version, or removed (`version` none).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct AliasMove {
    pub alias: String,
    pub version: Option<String>,
    pub at: String,
    pub actor: String,
    #[ts(type = "number")]
    pub audit_seq: i64,
}

/// Points `alias` of a model at a version (moving it if it pointed elsewhere) and records the
/// move. Returns the version it pointed to before, if any.
pub fn set(
    conn: &Connection,
    model_id: i64,
    alias: &str,
    version_id: i64,
    actor: &str,
    at: &str,
    seq: i64,
) -> Result<Option<String>, CatalogError> {
    let before = target(conn, model_id, alias)?;
    conn.execute(
        "INSERT INTO aliases (model_id, alias, version_id, set_by, set_at, audit_seq) VALUES (?1, ?2, ?3, ?4, ?5, ?6)
         ON CONFLICT (model_id, alias) DO UPDATE SET version_id = ?3, set_by = ?4, set_at = ?5, audit_seq = ?6",
        params![model_id, alias, version_id, actor, at, seq],
    )?;
    record_move(conn, model_id, alias, Some(version_id), actor, at, seq)?;
    Ok(before)
}

/// Removes an alias and records it. Returns the version it pointed to (none: there was no such
/// alias, and nothing is recorded).
pub fn remove(
    conn: &Connection,
    model_id: i64,
    alias: &str,
    actor: &str,
    at: &str,
    seq: i64,
) -> Result<Option<String>, CatalogError> {
    let before = target(conn, model_id, alias)?;
    if before.is_some() {
        conn.execute("DELETE FROM aliases WHERE model_id = ?1 AND alias = ?2", params![model_id, alias])?;
        record_move(conn, model_id, alias, None, actor, at, seq)?;
    }
    Ok(before)
}

fn record_move(
    conn: &Connection,
    model_id: i64,
    alias: &str,
    version_id: Option<i64>,
    actor: &str,
    at: &str,
    seq: i64,
) -> Result<(), CatalogError> {
    conn.execute(
        "INSERT INTO alias_moves (model_id, alias, version_id, at, actor, audit_seq) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![model_id, alias, version_id, at, actor, seq],
    )?;
    Ok(())
}

/// The version an alias points to now.
pub fn target(conn: &Connection, model_id: i64, alias: &str) -> Result<Option<String>, CatalogError> {
    Ok(conn
        .query_row(
            "SELECT v.version FROM aliases a JOIN versions v ON v.id = a.version_id WHERE a.model_id = ?1 AND a.alias = ?2",
            params![model_id, alias],
            |r| r.get(0),
        )
        .optional()?)
}

/// The version an alias pointed to at instant `at` (`None`: it did not exist then).
pub fn target_at(conn: &Connection, model_id: i64, alias: &str, at: &str) -> Result<Option<String>, CatalogError> {
    Ok(conn
        .query_row(
            "SELECT v.version FROM alias_moves m LEFT JOIN versions v ON v.id = m.version_id
             WHERE m.model_id = ?1 AND m.alias = ?2 AND m.at <= ?3 ORDER BY m.audit_seq DESC LIMIT 1",
            params![model_id, alias, at],
            |r| r.get::<_, Option<String>>(0),
        )
        .optional()?
        .flatten())
}

/// A model's aliases, by name.
pub fn of_model(conn: &Connection, model_id: i64) -> Result<Vec<Alias>, CatalogError> {
    let mut st = conn.prepare_cached(
        "SELECT a.alias, v.version, a.set_by, a.set_at, a.audit_seq FROM aliases a JOIN versions v ON v.id = a.version_id
         WHERE a.model_id = ?1 ORDER BY a.alias",
    )?;
    let rows = st
        .query_map([model_id], |r| {
            Ok(Alias { alias: r.get(0)?, version: r.get(1)?, set_by: r.get(2)?, set_at: r.get(3)?, audit_seq: r.get(4)? })
        })?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}

/// Every move of a model's aliases, newest first.
pub fn moves(conn: &Connection, model_id: i64) -> Result<Vec<AliasMove>, CatalogError> {
    let mut st = conn.prepare_cached(
        "SELECT m.alias, v.version, m.at, m.actor, m.audit_seq FROM alias_moves m LEFT JOIN versions v ON v.id = m.version_id
         WHERE m.model_id = ?1 ORDER BY m.audit_seq DESC",
    )?;
    let rows = st
        .query_map([model_id], |r| {
            Ok(AliasMove { alias: r.get(0)?, version: r.get(1)?, at: r.get(2)?, actor: r.get(3)?, audit_seq: r.get(4)? })
        })?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}

/// Makes an earlier move to the same version (first in the team's order) the one the alias
/// records as having put it there.
pub fn set_mover(conn: &Connection, model_id: i64, alias: &str, actor: &str, at: &str, seq: i64) -> Result<(), CatalogError> {
    conn.execute(
        "UPDATE aliases SET set_by = ?3, set_at = ?4, audit_seq = ?5 WHERE model_id = ?1 AND alias = ?2",
        params![model_id, alias, actor, at, seq],
    )?;
    Ok(())
}

/// Where the move recorded by event `seq` put the alias, by the version's number now (`None`:
/// it was removed; absent: no such move).
pub fn move_target(conn: &Connection, model_id: i64, alias: &str, seq: i64) -> Result<Option<Option<String>>, CatalogError> {
    Ok(conn
        .query_row(
            "SELECT v.version FROM alias_moves m LEFT JOIN versions v ON v.id = m.version_id
             WHERE m.model_id = ?1 AND m.alias = ?2 AND m.audit_seq = ?3",
            params![model_id, alias, seq],
            |r| r.get::<_, Option<String>>(0),
        )
        .optional()?)
}
