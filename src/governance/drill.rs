//! Recovery drills: for each environment, whether the version a rollback would restore can be
//! restored right now — its bytes are in the store and hash to their digests, its approvals
//! still hold where the environment is a production one, no open erasure request taints it, and
//! its interface is compatible with what serves now. Each drill is recorded (an audit event and
//! a row) with every check, passed or not.

use rusqlite::Connection;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::{GovError, deploy, erasure, resolve};
use crate::audit;
use crate::cas::Cas;
use crate::catalog::{deployments, drills, models};
use crate::registry::semver_policy::{Change, compare};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct DrillCheck {
    /// restorable, bytes, approvals, erasure, interface.
    pub name: String,
    pub ok: bool,
    pub detail: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct Drill {
    pub env: String,
    pub at: String,
    pub production: bool,
    /// `MODEL@VERSION` serving now (the primary, or the canary a rollback would drop).
    pub current: String,
    /// What a rollback would restore.
    pub restore: Option<String>,
    pub checks: Vec<DrillCheck>,
    pub ok: bool,
    pub by: String,
}

fn check(name: &str, ok: bool, detail: impl Into<String>) -> DrillCheck {
    DrillCheck { name: name.into(), ok, detail: detail.into() }
}

/// Runs the checks of one environment (nothing written).
pub fn run_checks(conn: &Connection, cas: &Cas, env: &str, actor: &str) -> Result<Drill, GovError> {
    let plan = deploy::rollback_plan(conn, env)?.ok_or_else(|| GovError::NothingServes(env.to_string()))?;
    let (current, restore) = (plan.removed.reference(), plan.restored.map(|d| d.reference()));
    let production = deployments::is_production(conn, env)?.unwrap_or(false);
    let mut checks = Vec::new();
    match &restore {
        None => checks.push(check(
            "restorable",
            false,
            format!("nothing served {env} before {current}: there is nothing to roll back to"),
        )),
        Some(target) => {
            checks.push(check("restorable", true, format!("a rollback restores {target}")));
            let v = resolve(conn, target)?;
            let record = models::get_version(conn, v.model_id, &v.version)?.ok_or_else(|| GovError::UnknownVersion(v.name()))?;
            let mut bad = Vec::new();
            for f in &record.files {
                let p = cas.object_path(&f.sha256);
                match crate::hash::sha256_file(&p, &mut |_| {}) {
                    Ok((d, _)) if d == f.sha256 => {}
                    Ok(_) => bad.push(format!("{} does not hash to its digest", f.path)),
                    Err(_) => bad.push(format!("{} is not in the store", f.path)),
                }
            }
            checks.push(if bad.is_empty() {
                check("bytes", true, format!("{} file(s) present and re-hashed", record.files.len()))
            } else {
                check("bytes", false, bad.join("; "))
            });
            if production {
                let gate = super::gate(conn, &v)?;
                let ok = gate.ok && v.status == "approved";
                let detail = if ok {
                    format!("approved; approvals from {}", gate.approved.join(", "))
                } else if gate.ok {
                    format!("{target} is {} (a production environment needs it approved)", v.status)
                } else {
                    super::gate_message(&v, &gate)
                };
                checks.push(check("approvals", ok, detail));
            }
            let taint = erasure::tainting(conn, &v.node)?;
            checks.push(match taint.first() {
                None => check("erasure", true, "no open erasure request touches it"),
                Some(e) => check("erasure", false, format!("erasure request {} ({}) is open against it", e.id, e.dataset)),
            });
            let cur = resolve(conn, &current)?;
            let now = models::get_version(conn, cur.model_id, &cur.version)?
                .ok_or_else(|| GovError::UnknownVersion(current.clone()))?;
            checks.push(match compare(&now.interface, &record.interface) {
                Change::Incompatible(why) => check("interface", false, format!("callers of {current} would break: {why}")),
                Change::Additive(what) => check("interface", true, format!("compatible ({what})")),
                Change::Same => check("interface", true, "the same interface"),
            });
        }
    }
    let ok = checks.iter().all(|c| c.ok);
    Ok(Drill { env: env.into(), at: audit::now(), production, current, restore, checks, ok, by: actor.into() })
}

/// Records a drill's result (its audit event and row).
pub fn record(conn: &Connection, d: &Drill, actor: &str) -> Result<(), GovError> {
    let payload = serde_json::to_value(d).expect("drills serialise");
    let seq = audit::append(conn, &d.at, actor, "drill", &format!("env:{}", d.env), &payload)?;
    let text = audit::canonical(&payload);
    let row = drills::NewDrill { env: &d.env, at: &d.at, ok: d.ok, restore: d.restore.as_deref(), checks: &text };
    drills::insert(conn, &row, actor, seq)?;
    Ok(())
}

/// Drills `env`, or every environment where something serves; each is recorded.
pub fn drill(conn: &Connection, cas: &Cas, env: Option<&str>, actor: &str) -> Result<Vec<Drill>, GovError> {
    let envs: Vec<String> = match env {
        Some(e) => {
            deploy::validate_env(e)?;
            vec![e.to_string()]
        }
        None => deploy::environments(conn)?
            .into_iter()
            .map(|e| e.name)
            .filter(|e| deploy::active(conn, e).is_ok_and(|a| a.iter().any(|d| d.role == "primary")))
            .collect(),
    };
    let mut out = Vec::new();
    for e in envs {
        let d = run_checks(conn, cas, &e, actor)?;
        record(conn, &d, actor)?;
        out.push(d);
    }
    Ok(out)
}

/// The latest drill of each environment (or of one), newest first.
pub fn latest(conn: &Connection, env: Option<&str>) -> Result<Vec<Drill>, GovError> {
    Ok(drills::latest(conn, env)?.iter().filter_map(|t| serde_json::from_str(t).ok()).collect())
}
