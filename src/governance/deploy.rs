//! Deployments per environment. Each row is an interval during which one version served a
//! fixed share of traffic; a change of shares ends rows and starts new ones, so "what served at
//! time T" is a range query and the shares of the non-shadow rows active at any instant add up
//! to 100 (or 0 before the first deployment).
//!
//! Strategies: `full` and `blue-green` switch all traffic to the new version; `canary` moves
//! `--traffic` percent to it from the primary; `shadow` mirrors traffic (0 % served). A version
//! deployed to a production environment must be approved (its model's approval policy).

use rusqlite::{Connection, OptionalExtension, params};
use serde::{Deserialize, Serialize};
use serde_json::json;
use ts_rs::TS;

use super::{GovError, VersionRef, gate, gate_message, resolve};
use crate::audit;
use crate::catalog::CatalogError;
use crate::catalog::graph::{EdgeRow, insert_edge, upsert_node};
use crate::ids;

pub const STRATEGIES: &[&str] = &["full", "blue-green", "canary", "shadow"];

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct DeployRequest {
    pub reference: String,
    pub env: String,
    pub strategy: String,
    /// Percent of traffic for a canary (1–99).
    pub traffic: Option<u32>,
    pub reason: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct RollbackRequest {
    pub env: String,
    pub reason: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct EnvRequest {
    pub name: String,
    pub production: bool,
}

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
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ServingRequest {
    pub env: String,
    /// RFC 3339 instant; now when absent.
    pub at: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct Serving {
    pub env: String,
    pub at: String,
    pub deployments: Vec<Deployment>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct TimelineRequest {
    pub env: Option<String>,
    pub reference: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct Timeline {
    pub environments: Vec<Environment>,
    /// Newest first.
    pub deployments: Vec<Deployment>,
}

const COLS: &str = "d.id, d.env, m.name, v.version, d.strategy, d.role, d.traffic, d.started_at, d.ended_at, d.reason, \
                    d.rollback_of, d.created_by, d.audit_seq";

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

fn validate_env(name: &str) -> Result<(), GovError> {
    ids::validate_name(name).map_err(|_| GovError::Invalid(format!("bad environment name {name:?}: use [a-z0-9][a-z0-9._-]*")))
}

/// Marks an environment as production (or not). Environments named prod/production are
/// production by default.
pub fn set_env(conn: &Connection, req: &EnvRequest, actor: &str) -> Result<Environment, GovError> {
    validate_env(&req.name)?;
    let seq = audit::append(
        conn,
        &audit::now(),
        actor,
        "set_environment",
        &format!("env:{}", req.name),
        &json!({"production": req.production}),
    )?;
    conn.execute(
        "INSERT INTO environments (name, production, audit_seq) VALUES (?1, ?2, ?3)
         ON CONFLICT (name) DO UPDATE SET production = excluded.production, audit_seq = excluded.audit_seq",
        params![req.name, req.production, seq],
    )
    .map_err(CatalogError::from)?;
    Ok(Environment { name: req.name.clone(), production: req.production })
}

fn ensure_env(conn: &Connection, name: &str, actor: &str, now: &str) -> Result<bool, GovError> {
    validate_env(name)?;
    let prod: Option<bool> = conn
        .query_row("SELECT production FROM environments WHERE name = ?1", [name], |r| r.get(0))
        .optional()
        .map_err(CatalogError::from)?;
    match prod {
        Some(p) => Ok(p),
        None => {
            let p = matches!(name, "prod" | "production");
            let seq = audit::append(conn, now, actor, "set_environment", &format!("env:{name}"), &json!({"production": p}))?;
            conn.execute("INSERT INTO environments (name, production, audit_seq) VALUES (?1, ?2, ?3)", params![name, p, seq])
                .map_err(CatalogError::from)?;
            Ok(p)
        }
    }
}

pub fn environments(conn: &Connection) -> Result<Vec<Environment>, CatalogError> {
    let mut st = conn.prepare("SELECT name, production FROM environments ORDER BY name")?;
    let rows =
        st.query_map([], |r| Ok(Environment { name: r.get(0)?, production: r.get(1)? }))?.collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}

/// Rows active now in an environment.
pub fn active(conn: &Connection, env: &str) -> Result<Vec<Deployment>, CatalogError> {
    query(conn, "d.env = ?1 AND d.ended_at IS NULL", [env])
}

struct NewRow<'a> {
    env: &'a str,
    version_id: i64,
    strategy: &'a str,
    role: &'a str,
    traffic: u32,
    reason: &'a str,
    rollback_of: Option<i64>,
}

fn start(conn: &Connection, n: &NewRow<'_>, actor: &str, now: &str, seq: i64) -> Result<i64, CatalogError> {
    conn.execute(
        "INSERT INTO deployments (env, version_id, strategy, role, traffic, started_at, reason, rollback_of, created_by, audit_seq)
         VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10)",
        params![n.env, n.version_id, n.strategy, n.role, n.traffic, now, n.reason, n.rollback_of, actor, seq],
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

fn end(conn: &Connection, id: i64, now: &str) -> Result<(), CatalogError> {
    conn.execute("UPDATE deployments SET ended_at = ?2 WHERE id = ?1", params![id, now])?;
    Ok(())
}

fn version_id_of(conn: &Connection, d: &Deployment) -> Result<i64, GovError> {
    Ok(resolve(conn, &format!("{}@{}", d.model, d.version))?.id)
}

fn check_sum(conn: &Connection, env: &str) -> Result<(), GovError> {
    let sum: i64 = conn
        .query_row(
            "SELECT coalesce(sum(traffic), 0) FROM deployments WHERE env = ?1 AND ended_at IS NULL AND role != 'shadow'",
            [env],
            |r| r.get(0),
        )
        .map_err(CatalogError::from)?;
    if sum != 100 {
        return Err(GovError::Invalid(format!("internal: traffic in {env} would add up to {sum} %, not 100 %")));
    }
    Ok(())
}

/// Deploys a version; returns what serves in the environment afterwards.
pub fn deploy(conn: &Connection, req: &DeployRequest, actor: &str) -> Result<Vec<Deployment>, GovError> {
    let v = resolve(conn, &req.reference)?;
    if !STRATEGIES.contains(&req.strategy.as_str()) {
        return Err(GovError::Invalid(format!("unknown strategy {:?}: use full, blue-green, canary or shadow", req.strategy)));
    }
    super::required(&req.reason, "--reason")?;
    if matches!(v.status.as_str(), "revoked" | "deprecated") {
        return Err(GovError::Refused(format!("{}@{} is {}; it cannot be deployed", v.model, v.version, v.status)));
    }
    let now = audit::now();
    let production = ensure_env(conn, &req.env, actor, &now)?;
    if production && req.strategy != "shadow" {
        let g = gate(conn, &v)?;
        if !g.ok || v.status != "approved" {
            let why = if g.ok {
                format!(
                    "{}@{} has its approvals but is {}; promote it first: `pedigree promote {}@{} --status approved --reason …`",
                    v.model, v.version, v.status, v.model, v.version
                )
            } else {
                gate_message(&v, &g)
            };
            return Err(GovError::Refused(format!("{} is a production environment: {why}", req.env)));
        }
    }
    let current = active(conn, &req.env)?;
    let primary = current.iter().find(|d| d.role == "primary").cloned();
    let canary = current.iter().find(|d| d.role == "canary").cloned();
    let traffic = match req.strategy.as_str() {
        "canary" => {
            let t = req.traffic.ok_or_else(|| GovError::Invalid("a canary needs --traffic PCT (1–99)".into()))?;
            if !(1..=99).contains(&t) {
                return Err(GovError::Invalid(format!("--traffic {t}: a canary takes 1–99 % (use --strategy full for 100 %)")));
            }
            let Some(p) = &primary else {
                return Err(GovError::Refused(format!("nothing serves in {} yet: deploy with --strategy full first", req.env)));
            };
            if p.model == v.model && p.version == v.version {
                return Err(GovError::Refused(format!("{}@{} already serves {} as primary", v.model, v.version, req.env)));
            }
            t
        }
        "shadow" => 0,
        _ => {
            if req.traffic.is_some_and(|t| t != 100) {
                return Err(GovError::Invalid(format!("--strategy {} serves 100 %; use canary for a share", req.strategy)));
            }
            100
        }
    };
    let payload = json!({"env": req.env, "strategy": req.strategy, "traffic": traffic, "reason": req.reason,
                         "replaces": current.iter().map(|d| format!("{}@{} ({} %)", d.model, d.version, d.traffic)).collect::<Vec<_>>()});
    let seq = audit::append(conn, &now, actor, "deploy", &v.node, &payload)?;
    let new = |role: &'static str, traffic: u32, vid: i64| NewRow {
        env: &req.env,
        version_id: vid,
        strategy: &req.strategy,
        role,
        traffic,
        reason: &req.reason,
        rollback_of: None,
    };
    match req.strategy.as_str() {
        "shadow" => {
            start(conn, &new("shadow", 0, v.id), actor, &now, seq)?;
        }
        "canary" => {
            let p = primary.expect("checked above");
            // An earlier canary gives its share back; the primary keeps the rest.
            if let Some(c) = &canary {
                end(conn, c.id, &now)?;
            }
            end(conn, p.id, &now)?;
            let pid = version_id_of(conn, &p)?;
            start(conn, &NewRow { strategy: &p.strategy, ..new("primary", 100 - traffic, pid) }, actor, &now, seq)?;
            start(conn, &new("canary", traffic, v.id), actor, &now, seq)?;
        }
        _ => {
            // A full switch starts from a clean slate: canaries and shadows end too.
            for d in &current {
                end(conn, d.id, &now)?;
            }
            start(conn, &new("primary", 100, v.id), actor, &now, seq)?;
        }
    }
    check_sum(conn, &req.env)?;
    Ok(active(conn, &req.env)?)
}

/// Rolls an environment back: drops an active canary (its share returns to the primary), or else
/// puts the previous primary version back at 100 %.
pub fn rollback(conn: &Connection, req: &RollbackRequest, actor: &str) -> Result<Vec<Deployment>, GovError> {
    super::required(&req.reason, "--reason")?;
    validate_env(&req.env)?;
    let current = active(conn, &req.env)?;
    let primary = current.iter().find(|d| d.role == "primary").cloned();
    let Some(primary) = primary else {
        return Err(GovError::Refused(format!("nothing serves in {}; there is nothing to roll back", req.env)));
    };
    let now = audit::now();
    if let Some(c) = current.iter().find(|d| d.role == "canary") {
        let vnode = ids::version_node(&c.model, &c.version);
        let seq = audit::append(
            conn,
            &now,
            actor,
            "rollback",
            &vnode,
            &json!({"env": req.env, "reason": req.reason, "undo": "canary"}),
        )?;
        end(conn, c.id, &now)?;
        end(conn, primary.id, &now)?;
        let pid = version_id_of(conn, &primary)?;
        let n = NewRow {
            env: &req.env,
            version_id: pid,
            strategy: &primary.strategy,
            role: "primary",
            traffic: 100,
            reason: &req.reason,
            rollback_of: Some(c.id),
        };
        start(conn, &n, actor, &now, seq)?;
    } else {
        // The latest earlier primary of another version.
        let prev = query(
            conn,
            "d.env = ?1 AND d.role = 'primary' AND d.ended_at IS NOT NULL AND NOT (m.name = ?2 AND v.version = ?3)",
            params![req.env, primary.model, primary.version],
        )?
        .into_iter()
        .next()
        .ok_or_else(|| GovError::Refused(format!("{} has no earlier version to roll back to", req.env)))?;
        let target: VersionRef = resolve(conn, &format!("{}@{}", prev.model, prev.version))?;
        if target.status == "revoked" {
            return Err(GovError::Refused(format!(
                "the previous version {}@{} is revoked; deploy another one",
                prev.model, prev.version
            )));
        }
        let seq = audit::append(
            conn,
            &now,
            actor,
            "rollback",
            &target.node,
            &json!({"env": req.env, "reason": req.reason, "from": format!("{}@{}", primary.model, primary.version)}),
        )?;
        for d in current.iter().filter(|d| d.role != "shadow") {
            end(conn, d.id, &now)?;
        }
        let n = NewRow {
            env: &req.env,
            version_id: target.id,
            strategy: "full",
            role: "primary",
            traffic: 100,
            reason: &req.reason,
            rollback_of: Some(primary.id),
        };
        start(conn, &n, actor, &now, seq)?;
    }
    check_sum(conn, &req.env)?;
    Ok(active(conn, &req.env)?)
}

/// What served in `env` at instant `at` (rows with started_at ≤ at < ended_at).
pub fn serving(conn: &Connection, req: &ServingRequest) -> Result<Serving, GovError> {
    validate_env(&req.env)?;
    let at = match &req.at {
        Some(t) => chrono::DateTime::parse_from_rfc3339(t)
            .map_err(|_| GovError::Invalid(format!("--at {t:?}: use an RFC 3339 time, e.g. 2026-11-27T10:00:00Z")))?
            .with_timezone(&chrono::Utc)
            .format("%Y-%m-%dT%H:%M:%S%.3fZ")
            .to_string(),
        None => audit::now(),
    };
    let deployments =
        query(conn, "d.env = ?1 AND d.started_at <= ?2 AND (d.ended_at IS NULL OR d.ended_at > ?2)", params![req.env, at])?;
    Ok(Serving { env: req.env.clone(), at, deployments })
}

/// Deployment history (newest first), for one environment, one version, or everything.
pub fn timeline(conn: &Connection, req: &TimelineRequest) -> Result<Timeline, GovError> {
    let deployments = match (&req.env, &req.reference) {
        (_, Some(r)) => {
            let v = resolve(conn, r)?;
            query(conn, "d.version_id = ?1", [v.id])?
        }
        (Some(e), None) => query(conn, "d.env = ?1", [e])?,
        (None, None) => query(conn, "1 = 1", [])?,
    };
    Ok(Timeline { environments: environments(conn)?, deployments })
}
