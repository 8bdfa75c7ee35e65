//! Deployment intervals and environments (rows only; the rules are in `governance::deploy`).

use rusqlite::{Connection, OptionalExtension, params};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::CatalogError;
use super::graph::{EdgeRow, insert_edge, upsert_node};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct Environment {
    pub name: String,
    pub production: bool,
}

/// One interval of one version serving in one environment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct Deployment {
    #[ts(type = "number")]
    pub id: i64,
    pub env: String,
    pub model: String,
    pub version: String,
    pub strategy: String,
    /// primary, canary or shadow.
    pub role: String,
    pub traffic: u32,
    pub started_at: String,
    pub ended_at: Option<String>,
    pub reason: String,
    #[ts(type = "number | null")]
    pub rollback_of: Option<i64>,
    pub created_by: String,
    #[ts(type = "number")]
    pub audit_seq: i64,
    /// The image or manifest digest that carried the model there, when a machine recorded it.
    pub carrier: Option<String>,
    /// What recorded it when not a person at a prompt: `ci`, `kserve:NAME`, `seldon:NAME`.
    pub recorded_from: Option<String>,
}

impl Deployment {
    /// `MODEL@VERSION`.
    pub fn reference(&self) -> String {
        format!("{}@{}", self.model, self.version)
    }
}

const COLS: &str = "d.id, d.env, m.name, v.version, d.strategy, d.role, d.traffic, d.started_at, d.ended_at, d.reason, \
                    d.rollback_of, d.created_by, d.audit_seq, d.carrier, d.recorded_from";

fn row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Deployment> {
    Ok(Deployment {
        id: r.get(0)?,
        env: r.get(1)?,
        model: r.get(2)?,
        version: r.get(3)?,
        strategy: r.get(4)?,
        role: r.get(5)?,
        traffic: r.get(6)?,
        started_at: r.get(7)?,
        ended_at: r.get(8)?,
        reason: r.get(9)?,
        rollback_of: r.get(10)?,
        created_by: r.get(11)?,
        audit_seq: r.get(12)?,
        carrier: r.get(13)?,
        recorded_from: r.get(14)?,
    })
}

fn query(conn: &Connection, filter: &str, p: impl rusqlite::Params) -> Result<Vec<Deployment>, CatalogError> {
    let mut st = conn.prepare(&format!(
        "SELECT {COLS} FROM deployments d JOIN versions v ON v.id = d.version_id JOIN models m ON m.id = v.model_id
         WHERE {filter} ORDER BY d.started_at DESC, d.id DESC"
    ))?;
    let rows = st.query_map(p, row)?.collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}

/// Rows active now in an environment.
pub fn active(conn: &Connection, env: &str) -> Result<Vec<Deployment>, CatalogError> {
    query(conn, "d.env = ?1 AND d.ended_at IS NULL", [env])
}

/// Rows serving in `env` at instant `at` (started_at ≤ at < ended_at).
pub fn serving_at(conn: &Connection, env: &str, at: &str) -> Result<Vec<Deployment>, CatalogError> {
    query(conn, "d.env = ?1 AND d.started_at <= ?2 AND (d.ended_at IS NULL OR d.ended_at > ?2)", params![env, at])
}

/// Ended primaries of `env` of any version but `model@version`, newest first.
pub fn earlier_primaries(conn: &Connection, env: &str, model: &str, version: &str) -> Result<Vec<Deployment>, CatalogError> {
    query(
        conn,
        "d.env = ?1 AND d.role = 'primary' AND d.ended_at IS NOT NULL AND NOT (m.name = ?2 AND v.version = ?3)",
        params![env, model, version],
    )
}

/// History of one version, newest first.
pub fn of_version(conn: &Connection, version_id: i64) -> Result<Vec<Deployment>, CatalogError> {
    query(conn, "d.version_id = ?1", [version_id])
}

/// History of one model's versions (its main line only), newest first.
pub fn of_model(conn: &Connection, model_id: i64) -> Result<Vec<Deployment>, CatalogError> {
    query(conn, "v.model_id = ?1", [model_id])
}

/// History of one environment, newest first.
pub fn in_env(conn: &Connection, env: &str) -> Result<Vec<Deployment>, CatalogError> {
    query(conn, "d.env = ?1", [env])
}

/// Every deployment, newest first.
pub fn all(conn: &Connection) -> Result<Vec<Deployment>, CatalogError> {
    query(conn, "1 = 1", [])
}

/// Percent of traffic the active non-shadow rows of `env` serve (100 when consistent).
pub fn serving_share(conn: &Connection, env: &str) -> Result<i64, CatalogError> {
    Ok(conn.query_row(
        "SELECT coalesce(sum(traffic), 0) FROM deployments WHERE env = ?1 AND ended_at IS NULL AND role != 'shadow'",
        [env],
        |r| r.get(0),
    )?)
}

/// Creates or updates an environment.
pub fn set_environment(conn: &Connection, name: &str, production: bool, audit_seq: i64) -> Result<(), CatalogError> {
    conn.execute(
        "INSERT INTO environments (name, production, audit_seq) VALUES (?1, ?2, ?3)
         ON CONFLICT (name) DO UPDATE SET production = excluded.production, audit_seq = excluded.audit_seq",
        params![name, production, audit_seq],
    )?;
    Ok(())
}

/// Whether an environment is production; none when it does not exist yet.
pub fn is_production(conn: &Connection, name: &str) -> Result<Option<bool>, CatalogError> {
    Ok(conn.query_row("SELECT production FROM environments WHERE name = ?1", [name], |r| r.get(0)).optional()?)
}

pub fn environments(conn: &Connection) -> Result<Vec<Environment>, CatalogError> {
    let mut st = conn.prepare("SELECT name, production FROM environments ORDER BY name")?;
    let rows =
        st.query_map([], |r| Ok(Environment { name: r.get(0)?, production: r.get(1)? }))?.collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}

pub struct NewRow<'a> {
    pub env: &'a str,
    pub version_id: i64,
    pub strategy: &'a str,
    pub role: &'a str,
    pub traffic: u32,
    pub reason: &'a str,
    pub rollback_of: Option<i64>,
    pub carrier: Option<&'a str>,
    pub recorded_from: Option<&'a str>,
}

pub fn start(conn: &Connection, n: &NewRow<'_>, actor: &str, now: &str, seq: i64) -> Result<i64, CatalogError> {
    conn.execute(
        "INSERT INTO deployments (env, version_id, strategy, role, traffic, started_at, reason, rollback_of, created_by, audit_seq,
                                  carrier, recorded_from)
         VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12)",
        params![
            n.env,
            n.version_id,
            n.strategy,
            n.role,
            n.traffic,
            now,
            n.reason,
            n.rollback_of,
            actor,
            seq,
            n.carrier,
            n.recorded_from
        ],
    )?;
    let id = conn.last_insert_rowid();
    // Lineage: deployment:<env> --serves--> version (so impact reaches deployments).
    let dnode = format!("deployment:{}", n.env);
    upsert_node(conn, &dnode, "deployment", n.env, "{}")?;
    let vnode: String = conn.query_row(
        "SELECT 'version:' || m.name || '@' || v.version FROM versions v JOIN models m ON m.id = v.model_id WHERE v.id = ?1",
        [n.version_id],
        |r| r.get(0),
    )?;
    insert_edge(conn, &EdgeRow { src: dnode, dst: vnode, kind: "serves".into(), relation: None }, seq)?;
    Ok(id)
}

pub fn end(conn: &Connection, id: i64, now: &str) -> Result<(), CatalogError> {
    conn.execute("UPDATE deployments SET ended_at = ?2 WHERE id = ?1", params![id, now])?;
    Ok(())
}

/// Sets (or with `None` clears) when a deployment ended: a switch another member made apart
/// takes its place in the history.
/// Takes back what event `seq` (at time `ts`) did to environment `env`: the rows it started are
/// removed, those it ended serve again. For re-deriving it after an earlier event.
pub fn undo_event(conn: &Connection, env: &str, seq: i64, ts: &str) -> Result<(), CatalogError> {
    conn.execute("DELETE FROM deployments WHERE env = ?1 AND audit_seq = ?2", params![env, seq])?;
    // The lineage edges it added (one that was there before keeps its earlier event).
    conn.execute("DELETE FROM edges WHERE kind = 'serves' AND audit_seq = ?1", [seq])?;
    // Ended at its time: by it (events later in this log may come earlier in the team's order,
    // so their seq says nothing).
    conn.execute("UPDATE deployments SET ended_at = NULL WHERE env = ?1 AND ended_at = ?2", params![env, ts])?;
    Ok(())
}

pub fn set_ended(conn: &Connection, id: i64, at: Option<&str>) -> Result<(), CatalogError> {
    conn.execute("UPDATE deployments SET ended_at = ?2 WHERE id = ?1", params![id, at])?;
    Ok(())
}
