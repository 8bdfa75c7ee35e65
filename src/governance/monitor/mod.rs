//! Monitoring-driven rollback. Metric snapshots per environment and time are imported (kept as
//! first seen: evidence is not rewritten); per-environment rules (`auc < 0.7 for 3`: the three
//! latest snapshots since the current deployment all below 0.7) raise a rollback proposal with
//! the snapshots as evidence — to drop the canary, or to put back the previous version — once
//! per rule and deployment. A rule with `auto` carries the rollback out at once with that
//! reason; otherwise a person accepts or dismisses the proposal. Every step is an audit event.

use std::collections::BTreeSet;

use rusqlite::Connection;
use serde_json::json;

use super::deploy;
use super::{GovError, resolve};
use crate::audit;
use crate::catalog::monitoring::{self as rows, NewProposal};
pub use crate::catalog::monitoring::{Proposal, Rule, Snapshot};

pub mod input;

pub const OPS: &[&str] = &["<", "<=", ">", ">="];
/// Snapshots per import event (a big import is several events).
pub const PER_EVENT: usize = 5000;

fn bad(field: &'static str, value: &str, expected: &'static str) -> GovError {
    GovError::BadValue { field, value: value.to_string(), expected }
}

fn metric_name(m: &str) -> Result<(), GovError> {
    let ok = !m.is_empty() && m.len() <= 128 && m.bytes().all(|b| b.is_ascii_alphanumeric() || b"_.-/:".contains(&b));
    if ok { Ok(()) } else { Err(bad("metric", m, "a metric name of letters, digits and _ . - / : (at most 128)")) }
}

/// `METRIC OP VALUE [for N]`: (metric, op, threshold, consecutive).
pub fn parse_rule(expr: &str) -> Result<(String, String, f64, u32), GovError> {
    let expected = "METRIC OP VALUE [for N], e.g. 'auc < 0.7 for 3' or 'drift_psi > 0.2' (OP: < <= > >=)";
    let at = expr.find(['<', '>']).ok_or_else(|| bad("rule", expr, expected))?;
    let (metric, rest) = (expr[..at].trim(), &expr[at..]);
    let op = if rest.starts_with("<=") || rest.starts_with(">=") { &rest[..2] } else { &rest[..1] };
    let mut words = rest[op.len()..].split_whitespace();
    let threshold: f64 =
        words.next().and_then(|w| w.parse().ok()).filter(|x: &f64| x.is_finite()).ok_or_else(|| bad("rule", expr, expected))?;
    let consecutive = match (words.next(), words.next(), words.next()) {
        (None, _, _) => 1,
        (Some("for"), Some(n), None) => {
            n.parse().ok().filter(|n| (1..=1000).contains(n)).ok_or_else(|| bad("rule", expr, expected))?
        }
        _ => return Err(bad("rule", expr, expected)),
    };
    metric_name(metric).map_err(|_| bad("rule", expr, expected))?;
    Ok((metric.to_string(), op.to_string(), threshold, consecutive))
}

fn breaks(op: &str, value: f64, threshold: f64) -> bool {
    match op {
        "<" => value < threshold,
        "<=" => value <= threshold,
        ">" => value > threshold,
        _ => value >= threshold,
    }
}

/// Adds a rule to an environment; with `evaluate`, judges the snapshots there at once.
pub fn add_rule(
    conn: &Connection,
    env: &str,
    expr: &str,
    auto: bool,
    actor: &str,
    evaluate: bool,
) -> Result<(Rule, Vec<Proposal>), GovError> {
    deploy::validate_env(env)?;
    let (metric, op, threshold, consecutive) = parse_rule(expr)?;
    let expr =
        format!("{metric} {op} {threshold}{}", if consecutive > 1 { format!(" for {consecutive}") } else { String::new() });
    if rows::rule_by_expr(conn, env, &expr)?.is_some() {
        return Err(GovError::Duplicate(format!("{env} has the rule {expr} already")));
    }
    let now = audit::now();
    let seq = audit::append(conn, &now, actor, "monitor_rule", &format!("env:{env}"), &json!({"expr": expr, "auto": auto}))?;
    let mut rule = Rule {
        id: 0,
        env: env.into(),
        expr,
        metric,
        op,
        threshold,
        consecutive,
        auto,
        created_by: actor.into(),
        created_at: now,
    };
    rule.id = rows::insert_rule(conn, &rule, seq)?;
    let proposals = if evaluate { self::evaluate(conn, env, actor)? } else { Vec::new() };
    Ok((rule, proposals))
}

/// Removes a rule (by its id here, or by its expression in `env`).
pub fn remove_rule(conn: &Connection, env: &str, expr_or_id: &str, actor: &str) -> Result<Rule, GovError> {
    let rule = rows::rules(conn, Some(env))?
        .into_iter()
        .find(|r| r.expr == expr_or_id || r.id.to_string() == expr_or_id)
        .ok_or_else(|| GovError::NotFound(format!("{env} has no rule {expr_or_id} (see its rules)")))?;
    let seq =
        audit::append(conn, &audit::now(), actor, "monitor_rule_removed", &format!("env:{env}"), &json!({"expr": rule.expr}))?;
    rows::remove_rule(conn, rule.id, seq)?;
    Ok(rule)
}

/// What an import did.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
pub struct Imported {
    #[ts(type = "number")]
    pub added: u64,
    /// Already there with the same value.
    #[ts(type = "number")]
    pub unchanged: u64,
    /// Already there with another value (the first stays), the first 20.
    pub conflicting: Vec<Snapshot>,
    pub proposals: Vec<Proposal>,
}

/// Checks a snapshot and normalises its instant.
pub fn checked(s: &Snapshot) -> Result<Snapshot, GovError> {
    deploy::validate_env(&s.env)?;
    metric_name(&s.metric)?;
    if !s.value.is_finite() {
        return Err(bad("value", &s.value.to_string(), "a finite number"));
    }
    Ok(Snapshot { at: super::instant("at", &s.at)?, ..s.clone() })
}

/// Imports snapshots (all checked first); with `evaluate`, the rules of the environments they
/// touch are judged after.
pub fn import(conn: &Connection, snapshots: &[Snapshot], actor: &str, evaluate: bool) -> Result<Imported, GovError> {
    let all = snapshots.iter().map(checked).collect::<Result<Vec<_>, _>>()?;
    let mut out = Imported { added: 0, unchanged: 0, conflicting: Vec::new(), proposals: Vec::new() };
    let mut envs = BTreeSet::new();
    for chunk in all.chunks(PER_EVENT) {
        let list: Vec<serde_json::Value> = chunk.iter().map(|s| json!([s.env, s.at, s.metric, s.value])).collect();
        let seq = audit::append(conn, &audit::now(), actor, "monitor_import", "monitoring", &json!({"snapshots": list}))?;
        for s in chunk {
            envs.insert(s.env.clone());
            if rows::insert_snapshot(conn, s, seq)? {
                out.added += 1;
            } else if rows::snapshot_value(conn, &s.env, &s.metric, &s.at)? == Some(s.value) {
                out.unchanged += 1;
            } else if out.conflicting.len() < 20 {
                out.conflicting.push(s.clone());
            }
        }
    }
    if evaluate {
        for env in envs {
            out.proposals.extend(self::evaluate(conn, &env, actor)?);
        }
    }
    Ok(out)
}

/// Judges every rule of `env` against the snapshots since the current deployment; returns the
/// proposals raised (and carried out, for `auto` rules).
pub fn evaluate(conn: &Connection, env: &str, actor: &str) -> Result<Vec<Proposal>, GovError> {
    let mut out = Vec::new();
    for rule in rows::rules(conn, Some(env))? {
        // What a rollback would take away (and since when), and what would serve after.
        let Some(plan) = deploy::rollback_plan(conn, env)? else { break };
        let (serving, to) = (plan.removed, plan.restored.map(|d| d.reference()));
        let from = resolve(conn, &format!("{}@{}", serving.model, serving.version))?;
        let since = serving.started_at.clone();
        let snaps = rows::latest(conn, env, &rule.metric, &since, rule.consecutive)?;
        let fired = snaps.len() == rule.consecutive as usize && snaps.iter().all(|s| breaks(&rule.op, s.value, rule.threshold));
        if !fired || rows::proposed_since(conn, env, &rule.expr, from.id, &since)? {
            continue;
        }
        let p = record_proposal(conn, env, &rule.expr, &from.name(), to.as_deref(), &snaps, rule.auto, actor)?;
        if rule.auto && (to.is_some() || serving.role == "canary") {
            let reason = format!("automatic rollback: monitor rule '{}' broken by {} snapshot(s)", rule.expr, snaps.len());
            deploy::rollback(conn, env, &reason, actor)?;
            mark_resolved(conn, &p, "executed", &reason, actor)?;
        }
        out.push(rows::proposal(conn, &p.event)?.unwrap_or(p));
    }
    Ok(out)
}

/// Records a proposal (its event and row).
#[allow(clippy::too_many_arguments)]
pub fn record_proposal(
    conn: &Connection,
    env: &str,
    rule: &str,
    from: &str,
    to: Option<&str>,
    evidence: &[Snapshot],
    auto: bool,
    actor: &str,
) -> Result<Proposal, GovError> {
    let from_v = resolve(conn, from)?;
    let to_v = to.map(|t| resolve(conn, t)).transpose()?;
    let now = audit::now();
    let payload = json!({"rule": rule, "from": from, "to": to, "auto": auto, "evidence": evidence});
    let seq = audit::append(conn, &now, actor, "rollback_proposal", &format!("env:{env}"), &payload)?;
    let evidence = serde_json::to_string(evidence).expect("snapshots serialise");
    let row =
        NewProposal { env, rule, from_version: from_v.id, to_version: to_v.map(|v| v.id), evidence: &evidence, created_at: &now };
    let id = rows::insert_proposal(conn, &row, seq)?;
    rows::proposal(conn, &id.to_string())?.ok_or_else(|| GovError::NotFound(format!("proposal {id}")))
}

/// Records how a proposal was resolved (executed, accepted or dismissed).
pub fn mark_resolved(conn: &Connection, p: &Proposal, status: &str, reason: &str, actor: &str) -> Result<(), GovError> {
    let payload = json!({"proposal": p.event, "decision": status, "reason": reason});
    let seq = audit::append(conn, &audit::now(), actor, "resolve_proposal", &format!("env:{}", p.env), &payload)?;
    rows::resolve_proposal(conn, p.id, status, reason, seq)?;
    Ok(())
}

/// A person accepts (the rollback runs now) or dismisses an open proposal.
pub fn decide(conn: &Connection, key: &str, accept: bool, reason: &str, actor: &str) -> Result<Proposal, GovError> {
    super::required(reason, "reason")?;
    let p = rows::proposal(conn, key)?.ok_or_else(|| GovError::NotFound(format!("no rollback proposal {key}")))?;
    if p.status != "open" {
        return Err(GovError::Duplicate(format!("the proposal is {} already", p.status)));
    }
    if accept {
        let still = deploy::active(conn, &p.env)?.iter().any(|d| d.reference() == p.from && d.role != "shadow");
        if !still {
            return Err(GovError::Duplicate(format!("{} no longer serves {}: dismiss the proposal", p.from, p.env)));
        }
        deploy::rollback(conn, &p.env, reason, actor)?;
    }
    mark_resolved(conn, &p, if accept { "executed" } else { "dismissed" }, reason, actor)?;
    Ok(rows::proposal(conn, &p.event)?.unwrap_or(p))
}

/// A metric's snapshots in an environment (oldest first, the newest `limit`), with the
/// environment's deployments, rules and proposals: what the Deployments view draws.
pub fn series(conn: &Connection, env: &str, metric: &str, limit: u32) -> Result<Vec<Snapshot>, GovError> {
    Ok(rows::series(conn, env, metric, limit)?)
}
