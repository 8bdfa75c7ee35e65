//! Deployments per environment. Each row is an interval during which one version served a
//! fixed share of traffic; a change of shares ends rows and starts new ones, so "what served at
//! time T" is a range query and the shares of the non-shadow rows active at any instant add up
//! to 100 (or 0 before the first deployment).
//!
//! Strategies: `full` and `blue-green` switch all traffic to the new version; `canary` moves
//! `--traffic` percent to it from the primary; `shadow` mirrors traffic (0 % served). A version
//! deployed to a production environment must be approved (its model's approval policy).

use rusqlite::Connection;
use serde_json::json;

use super::{GovError, VersionRef, gate, gate_message, resolve};
use crate::audit;
use crate::catalog::CatalogError;
use crate::catalog::deployments::{self, NewRow, end, start};
pub use crate::catalog::deployments::{Deployment, Environment};
use crate::ids;

pub const STRATEGIES: &[&str] = &["full", "blue-green", "canary", "shadow"];

/// A deployment to make.
#[derive(Debug, Clone, Copy)]
pub struct Deploy<'a> {
    /// `MODEL@VERSION`.
    pub reference: &'a str,
    pub env: &'a str,
    /// full, blue-green, canary or shadow.
    pub strategy: &'a str,
    /// Percent of traffic for a canary (1–99).
    pub traffic: Option<u32>,
    pub reason: &'a str,
    /// The image or manifest digest that carried the model (`[IMAGE@]sha256:HEX`), when a
    /// machine records the deployment.
    pub carrier: Option<&'a str>,
    /// What recorded it (`ci`, `kserve:NAME`, `seldon:NAME`), when not a person at a prompt.
    pub recorded_from: Option<&'a str>,
}

/// `[IMAGE@]sha256:HEX`: a digest that names exactly what carried a model.
fn validate_carrier(c: &str) -> Result<(), GovError> {
    let (before, hex) = c.rsplit_once("sha256:").unwrap_or((c, ""));
    let prefix_ok = before.is_empty() || before.ends_with('@');
    if hex.len() == 64 && hex.bytes().all(|b| b.is_ascii_hexdigit()) && prefix_ok && !c.chars().any(char::is_whitespace) {
        return Ok(());
    }
    Err(GovError::BadValue {
        field: "carrier",
        value: c.to_string(),
        expected: "an image or manifest digest: sha256:HEX or IMAGE@sha256:HEX (64 hex digits)",
    })
}

fn validate_recorder(r: &str) -> Result<(), GovError> {
    if r.is_empty() || r.len() > 200 || r.chars().any(char::is_control) {
        return Err(GovError::BadValue {
            field: "recordedFrom",
            value: r.to_string(),
            expected: "what recorded the deployment, e.g. ci or kserve:churn (1–200 printable characters)",
        });
    }
    Ok(())
}

pub(crate) fn validate_env(name: &str) -> Result<(), GovError> {
    ids::validate_name(name).map_err(|_| GovError::BadValue {
        field: "env",
        value: name.to_string(),
        expected: "an environment name is [a-z0-9][a-z0-9._-]*",
    })
}

/// Marks an environment as production (or not). Environments named prod/production are
/// production by default.
pub fn set_env(conn: &Connection, name: &str, production: bool, actor: &str) -> Result<Environment, GovError> {
    validate_env(name)?;
    let seq = audit::append(
        conn,
        &audit::now(),
        actor,
        "set_environment",
        &format!("env:{name}"),
        &json!({ "production": production }),
    )?;
    deployments::set_environment(conn, name, production, seq)?;
    Ok(Environment { name: name.to_string(), production })
}

fn ensure_env(conn: &Connection, name: &str, actor: &str, now: &str) -> Result<bool, GovError> {
    validate_env(name)?;
    match deployments::is_production(conn, name)? {
        Some(p) => Ok(p),
        None => {
            let p = matches!(name, "prod" | "production");
            let seq = audit::append(conn, now, actor, "set_environment", &format!("env:{name}"), &json!({"production": p}))?;
            deployments::set_environment(conn, name, p, seq)?;
            Ok(p)
        }
    }
}

pub fn environments(conn: &Connection) -> Result<Vec<Environment>, CatalogError> {
    deployments::environments(conn)
}

/// Rows active now in an environment.
pub fn active(conn: &Connection, env: &str) -> Result<Vec<Deployment>, CatalogError> {
    deployments::active(conn, env)
}

fn check_sum(conn: &Connection, env: &str) -> Result<(), GovError> {
    let sum = deployments::serving_share(conn, env)?;
    if sum != 100 {
        return Err(GovError::TrafficSum { env: env.to_string(), sum });
    }
    Ok(())
}

fn version_id_of(conn: &Connection, d: &Deployment) -> Result<i64, GovError> {
    Ok(resolve(conn, &d.reference())?.id)
}

/// Deploys a version; returns what serves in the environment afterwards.
pub fn deploy(conn: &Connection, req: &Deploy<'_>, actor: &str) -> Result<Vec<Deployment>, GovError> {
    let v = resolve(conn, req.reference)?;
    super::one_of("strategy", req.strategy, STRATEGIES)?;
    super::required(req.reason, "reason")?;
    req.carrier.map(validate_carrier).transpose()?;
    req.recorded_from.map(validate_recorder).transpose()?;
    if matches!(v.status.as_str(), "revoked" | "deprecated") {
        return Err(GovError::WrongStatus { version: v.name(), status: v.status.clone(), action: "deployed" });
    }
    let now = audit::now();
    let production = ensure_env(conn, req.env, actor, &now)?;
    if production {
        super::team::require_role(conn, "deployer", &format!("deploying to the production environment {}", req.env))?;
    }
    if production && req.strategy != "shadow" {
        let g = gate(conn, &v)?;
        if !g.ok || v.status != "approved" {
            let why = if g.ok {
                format!("{} has its approvals but is {}; promote it to approved first", v.name(), v.status)
            } else {
                gate_message(&v, &g)
            };
            return Err(GovError::ProductionGate { env: req.env.to_string(), why });
        }
    }
    let current = active(conn, req.env)?;
    let primary = current.iter().find(|d| d.role == "primary").cloned();
    let canary = current.iter().find(|d| d.role == "canary").cloned();
    let traffic = match req.strategy {
        "canary" => {
            let t = req.traffic.ok_or(GovError::Missing { field: "traffic", why: "a canary takes a share of 1–99 %" })?;
            if !(1..=99).contains(&t) {
                return Err(GovError::CanaryShare(t));
            }
            let Some(p) = &primary else {
                return Err(GovError::NothingServes(req.env.to_string()));
            };
            if p.model == v.model && p.version == v.version {
                return Err(GovError::AlreadyPrimary { version: v.name(), env: req.env.to_string() });
            }
            t
        }
        "shadow" => 0,
        _ => {
            if req.traffic.is_some_and(|t| t != 100) {
                return Err(GovError::FullShare { strategy: req.strategy.to_string() });
            }
            100
        }
    };
    let mut payload = json!({"env": req.env, "strategy": req.strategy, "traffic": traffic, "reason": req.reason,
                         "replaces": current.iter().map(|d| format!("{}@{} ({} %)", d.model, d.version, d.traffic)).collect::<Vec<_>>()});
    // Only when given: events from before carriers replay to the same payload.
    if let Some(c) = req.carrier {
        payload["carrier"] = json!(c);
    }
    if let Some(r) = req.recorded_from {
        payload["recordedFrom"] = json!(r);
    }
    let seq = audit::append(conn, &now, actor, "deploy", &v.node, &payload)?;
    let new = |role: &'static str, traffic: u32, vid: i64| NewRow {
        env: req.env,
        version_id: vid,
        strategy: req.strategy,
        role,
        traffic,
        reason: req.reason,
        rollback_of: None,
        carrier: req.carrier,
        recorded_from: req.recorded_from,
    };
    match req.strategy {
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
            let kept = NewRow {
                strategy: &p.strategy,
                carrier: p.carrier.as_deref(),
                recorded_from: p.recorded_from.as_deref(),
                ..new("primary", 100 - traffic, pid)
            };
            start(conn, &kept, actor, &now, seq)?;
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
    check_sum(conn, req.env)?;
    Ok(active(conn, req.env)?)
}

/// What a rollback of an environment would do now (what monitoring proposes and drills check).
#[derive(Debug, Clone)]
pub struct RollbackPlan {
    /// Every row serving now.
    pub current: Vec<Deployment>,
    pub primary: Deployment,
    /// The row a rollback takes away: the canary, else the primary.
    pub removed: Deployment,
    /// What serves after: the primary, when a canary is dropped; else the latest earlier primary
    /// of another version (none when nothing came before).
    pub restored: Option<Deployment>,
}

/// The rollback of `env` as it would run now; none when nothing serves there.
pub fn rollback_plan(conn: &Connection, env: &str) -> Result<Option<RollbackPlan>, CatalogError> {
    let current = active(conn, env)?;
    let Some(primary) = current.iter().find(|d| d.role == "primary").cloned() else { return Ok(None) };
    let (removed, restored) = match current.iter().find(|d| d.role == "canary") {
        Some(c) => (c.clone(), Some(primary.clone())),
        None => {
            let prev = deployments::earlier_primaries(conn, env, &primary.model, &primary.version)?.into_iter().next();
            (primary.clone(), prev)
        }
    };
    Ok(Some(RollbackPlan { current, primary, removed, restored }))
}

/// Rolls an environment back: drops an active canary (its share returns to the primary), or else
/// puts the previous primary version back at 100 %.
pub fn rollback(conn: &Connection, env: &str, reason: &str, actor: &str) -> Result<Vec<Deployment>, GovError> {
    super::required(reason, "reason")?;
    validate_env(env)?;
    if deployments::is_production(conn, env)?.unwrap_or(false) {
        super::team::require_role(conn, "deployer", &format!("rolling back the production environment {env}"))?;
    }
    let plan = rollback_plan(conn, env)?.ok_or_else(|| GovError::NothingServes(env.to_string()))?;
    let RollbackPlan { current, primary, removed, restored } = plan;
    let now = audit::now();
    if removed.role == "canary" {
        let c = &removed;
        let vnode = ids::version_node(&c.model, &c.version);
        let seq = audit::append(conn, &now, actor, "rollback", &vnode, &json!({"env": env, "reason": reason, "undo": "canary"}))?;
        end(conn, c.id, &now)?;
        end(conn, primary.id, &now)?;
        let pid = version_id_of(conn, &primary)?;
        let n = NewRow {
            env: env,
            version_id: pid,
            strategy: &primary.strategy,
            role: "primary",
            traffic: 100,
            reason: reason,
            rollback_of: Some(c.id),
            carrier: primary.carrier.as_deref(),
            recorded_from: primary.recorded_from.as_deref(),
        };
        start(conn, &n, actor, &now, seq)?;
    } else {
        let prev = restored.ok_or_else(|| GovError::NoEarlierVersion(env.to_string()))?;
        let target: VersionRef = resolve(conn, &format!("{}@{}", prev.model, prev.version))?;
        if target.status == "revoked" {
            return Err(GovError::WrongStatus {
                version: target.name(),
                status: target.status.clone(),
                action: "rolled back to",
            });
        }
        let seq = audit::append(
            conn,
            &now,
            actor,
            "rollback",
            &target.node,
            &json!({"env": env, "reason": reason, "from": format!("{}@{}", primary.model, primary.version)}),
        )?;
        for d in current.iter().filter(|d| d.role != "shadow") {
            end(conn, d.id, &now)?;
        }
        let n = NewRow {
            env: env,
            version_id: target.id,
            strategy: "full",
            role: "primary",
            traffic: 100,
            reason: reason,
            rollback_of: Some(primary.id),
            // The image that carried it before carries it again.
            carrier: prev.carrier.as_deref(),
            recorded_from: prev.recorded_from.as_deref(),
        };
        start(conn, &n, actor, &now, seq)?;
    }
    check_sum(conn, env)?;
    Ok(active(conn, env)?)
}

/// What served in `env` at instant `at` (rows with started_at ≤ at < ended_at).
/// Returns the instant asked about (normalised) and the rows.
pub fn serving(conn: &Connection, env: &str, at: Option<&str>) -> Result<(String, Vec<Deployment>), GovError> {
    validate_env(env)?;
    let at = match at {
        Some(t) => super::instant("at", t)?,
        None => audit::now(),
    };
    let rows = deployments::serving_at(conn, env, &at)?;
    Ok((at, rows))
}

/// Deployment history (newest first), for one environment, one version, or everything.
pub fn timeline(conn: &Connection, env: Option<&str>, reference: Option<&str>) -> Result<Vec<Deployment>, GovError> {
    Ok(match (env, reference) {
        (_, Some(r)) => deployments::of_version(conn, resolve(conn, r)?.id)?,
        (Some(e), None) => deployments::in_env(conn, e)?,
        (None, None) => deployments::all(conn)?,
    })
}
