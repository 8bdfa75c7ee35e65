//! Monitoring rows: metric snapshots per environment and time, the rules over them, and the
//! rollback proposals the rules raise (rows only; the rules' meaning is in
//! `governance::monitor`).

use rusqlite::{Connection, OptionalExtension, params};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::CatalogError;

/// One metric value of one environment at one instant.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct Snapshot {
    pub env: String,
    pub at: String,
    pub metric: String,
    pub value: f64,
}

/// Inserts a snapshot; false when one for the same environment, metric and instant is there
/// (the first value stays: monitoring evidence is not rewritten).
pub fn insert_snapshot(conn: &Connection, s: &Snapshot, seq: i64) -> Result<bool, CatalogError> {
    let n = conn.execute(
        "INSERT OR IGNORE INTO monitor_snapshots (env, metric, at, value, audit_seq) VALUES (?1, ?2, ?3, ?4, ?5)",
        params![s.env, s.metric, s.at, s.value, seq],
    )?;
    Ok(n == 1)
}

/// The value kept for a snapshot's key, if any.
pub fn snapshot_value(conn: &Connection, env: &str, metric: &str, at: &str) -> Result<Option<f64>, CatalogError> {
    Ok(conn
        .query_row(
            "SELECT value FROM monitor_snapshots WHERE env = ?1 AND metric = ?2 AND at = ?3",
            params![env, metric, at],
            |r| r.get(0),
        )
        .optional()?)
}

/// The latest `limit` snapshots of a metric in an environment at or after `since`, newest first.
pub fn latest(conn: &Connection, env: &str, metric: &str, since: &str, limit: u32) -> Result<Vec<Snapshot>, CatalogError> {
    let mut st = conn.prepare_cached(
        "SELECT env, at, metric, value FROM monitor_snapshots WHERE env = ?1 AND metric = ?2 AND at >= ?3
         ORDER BY at DESC LIMIT ?4",
    )?;
    let rows = st.query_map(params![env, metric, since, limit], |r| {
        Ok(Snapshot { env: r.get(0)?, at: r.get(1)?, metric: r.get(2)?, value: r.get(3)? })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// A metric's snapshots in an environment, oldest first, at most `limit` (the newest ones).
pub fn series(conn: &Connection, env: &str, metric: &str, limit: u32) -> Result<Vec<Snapshot>, CatalogError> {
    let mut rows = latest(conn, env, metric, "", limit)?;
    rows.reverse();
    Ok(rows)
}

/// The metrics an environment has snapshots of, with how many each.
pub fn metrics_of(conn: &Connection, env: &str) -> Result<Vec<(String, u64)>, CatalogError> {
    let mut st =
        conn.prepare_cached("SELECT metric, count(*) FROM monitor_snapshots WHERE env = ?1 GROUP BY metric ORDER BY metric")?;
    let rows = st.query_map([env], |r| Ok((r.get(0)?, r.get::<_, i64>(1)? as u64)))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// A rule over an environment's snapshots.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct Rule {
    #[ts(type = "number")]
    pub id: i64,
    pub env: String,
    /// As written: `auc < 0.7 for 3`.
    pub expr: String,
    pub metric: String,
    pub op: String,
    pub threshold: f64,
    /// How many consecutive snapshots must break it.
    pub consecutive: u32,
    /// Roll back without asking when it fires.
    pub auto: bool,
    pub created_by: String,
    pub created_at: String,
}

const RULE_COLS: &str = "id, env, expr, metric, op, threshold, consecutive, auto, created_by, created_at";

fn rule_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Rule> {
    Ok(Rule {
        id: r.get(0)?,
        env: r.get(1)?,
        expr: r.get(2)?,
        metric: r.get(3)?,
        op: r.get(4)?,
        threshold: r.get(5)?,
        consecutive: r.get(6)?,
        auto: r.get(7)?,
        created_by: r.get(8)?,
        created_at: r.get(9)?,
    })
}

/// The rules in force (of one environment, or all), oldest first.
pub fn rules(conn: &Connection, env: Option<&str>) -> Result<Vec<Rule>, CatalogError> {
    let mut st = conn.prepare_cached(&format!(
        "SELECT {RULE_COLS} FROM monitor_rules WHERE removed_seq IS NULL AND (?1 IS NULL OR env = ?1) ORDER BY id"
    ))?;
    let rows = st.query_map([env], rule_row)?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// The rule in force with this expression in this environment, if any.
pub fn rule_by_expr(conn: &Connection, env: &str, expr: &str) -> Result<Option<Rule>, CatalogError> {
    Ok(conn
        .query_row(
            &format!("SELECT {RULE_COLS} FROM monitor_rules WHERE removed_seq IS NULL AND env = ?1 AND expr = ?2"),
            params![env, expr],
            rule_row,
        )
        .optional()?)
}

pub fn insert_rule(conn: &Connection, r: &Rule, seq: i64) -> Result<i64, CatalogError> {
    conn.execute(
        "INSERT INTO monitor_rules (env, expr, metric, op, threshold, consecutive, auto, created_by, created_at, audit_seq)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
        params![r.env, r.expr, r.metric, r.op, r.threshold, r.consecutive, r.auto, r.created_by, r.created_at, seq],
    )?;
    Ok(conn.last_insert_rowid())
}

pub fn remove_rule(conn: &Connection, id: i64, seq: i64) -> Result<bool, CatalogError> {
    Ok(conn.execute("UPDATE monitor_rules SET removed_seq = ?2 WHERE id = ?1 AND removed_seq IS NULL", params![id, seq])? == 1)
}

/// A rollback a rule proposed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct Proposal {
    #[ts(type = "number")]
    pub id: i64,
    pub env: String,
    /// The rule's expression.
    pub rule: String,
    /// `MODEL@VERSION` serving when it fired.
    pub from: String,
    /// What a rollback restores: `MODEL@VERSION`, or none when only a canary is dropped or
    /// there is nothing earlier.
    pub to: Option<String>,
    /// The snapshots that broke the rule, newest first.
    pub evidence: Vec<Snapshot>,
    /// open, executed or dismissed.
    pub status: String,
    pub created_at: String,
    /// The hash of the audit event that proposed it (its id across a team).
    pub event: String,
    pub resolution: Option<String>,
}

const PROPOSAL_SELECT: &str =
    "SELECT p.id, p.env, p.rule, mf.name || '@' || vf.version, mt.name || '@' || vt.version, p.evidence,
            p.status, p.created_at, a.hash, p.resolution
     FROM rollback_proposals p JOIN audit_events a ON a.seq = p.audit_seq
     JOIN versions vf ON vf.id = p.from_version JOIN models mf ON mf.id = vf.model_id
     LEFT JOIN versions vt ON vt.id = p.to_version LEFT JOIN models mt ON mt.id = vt.model_id";

fn proposal_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Proposal> {
    let evidence: String = r.get(5)?;
    Ok(Proposal {
        id: r.get(0)?,
        env: r.get(1)?,
        rule: r.get(2)?,
        from: r.get(3)?,
        to: r.get(4)?,
        evidence: serde_json::from_str(&evidence).unwrap_or_default(),
        status: r.get(6)?,
        created_at: r.get(7)?,
        event: r.get(8)?,
        resolution: r.get(9)?,
    })
}

/// Proposals (of one environment, or all), newest first.
pub fn proposals(conn: &Connection, env: Option<&str>) -> Result<Vec<Proposal>, CatalogError> {
    let mut st =
        conn.prepare_cached(&format!("{PROPOSAL_SELECT} WHERE ?1 IS NULL OR p.env = ?1 ORDER BY p.created_at DESC, p.id DESC"))?;
    let rows = st.query_map([env], proposal_row)?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// A proposal by its id here or by its event's hash (its id across a team).
pub fn proposal(conn: &Connection, key: &str) -> Result<Option<Proposal>, CatalogError> {
    Ok(conn
        .query_row(&format!("{PROPOSAL_SELECT} WHERE CAST(p.id AS TEXT) = ?1 OR a.hash = ?1"), [key], proposal_row)
        .optional()?)
}

/// Whether a rule already proposed something about the version serving since `since`.
pub fn proposed_since(conn: &Connection, env: &str, rule: &str, from_version: i64, since: &str) -> Result<bool, CatalogError> {
    let n: i64 = conn.query_row(
        "SELECT count(*) FROM rollback_proposals WHERE env = ?1 AND rule = ?2 AND from_version = ?3 AND created_at >= ?4",
        params![env, rule, from_version, since],
        |r| r.get(0),
    )?;
    Ok(n > 0)
}

pub struct NewProposal<'a> {
    pub env: &'a str,
    pub rule: &'a str,
    pub from_version: i64,
    pub to_version: Option<i64>,
    pub evidence: &'a str,
    pub created_at: &'a str,
}

pub fn insert_proposal(conn: &Connection, p: &NewProposal<'_>, seq: i64) -> Result<i64, CatalogError> {
    conn.execute(
        "INSERT INTO rollback_proposals (env, rule, from_version, to_version, evidence, status, created_at, audit_seq)
         VALUES (?1, ?2, ?3, ?4, ?5, 'open', ?6, ?7)",
        params![p.env, p.rule, p.from_version, p.to_version, p.evidence, p.created_at, seq],
    )?;
    Ok(conn.last_insert_rowid())
}

pub fn resolve_proposal(conn: &Connection, id: i64, status: &str, resolution: &str, seq: i64) -> Result<(), CatalogError> {
    conn.execute(
        "UPDATE rollback_proposals SET status = ?2, resolution = ?3, resolved_seq = ?4 WHERE id = ?1",
        params![id, status, resolution, seq],
    )?;
    Ok(())
}
