//! Projecting another member's monitoring events: snapshots, rules and proposals are recorded
//! as their author recorded them. Rules are not judged again here (the author's desktop judged
//! them, and its proposals and rollbacks come as events of their own).

use serde_json::Value;

use super::project::{Outcome, replay};
use crate::audit::replay::Foreign;
use crate::catalog;
use crate::governance::monitor::{self, Snapshot};

fn text<'a>(p: &'a Value, k: &str) -> &'a str {
    p.get(k).and_then(Value::as_str).unwrap_or_default()
}

pub(super) fn apply(tx: &catalog::Conn, e: &Foreign) -> Result<Outcome, catalog::CatalogError> {
    let p = &e.payload;
    let actor = e.actor.as_str();
    let env = e.subject.strip_prefix("env:").unwrap_or_default();
    let gov = |r: Result<(), crate::governance::GovError>| r.map_err(|x| x.to_string());
    match e.action.as_str() {
        "monitor_import" => {
            let snapshots: Vec<Snapshot> = p["snapshots"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|s| Snapshot {
                    env: s[0].as_str().unwrap_or_default().into(),
                    at: s[1].as_str().unwrap_or_default().into(),
                    metric: s[2].as_str().unwrap_or_default().into(),
                    value: s[3].as_f64().unwrap_or(f64::NAN),
                })
                .collect();
            replay(tx, e, |tx| gov(monitor::import(tx, &snapshots, actor, false).map(drop)))
        }
        "monitor_rule" => {
            let auto = p["auto"].as_bool().unwrap_or(false);
            replay(tx, e, |tx| gov(monitor::add_rule(tx, env, text(p, "expr"), auto, actor, false).map(drop)))
        }
        "monitor_rule_removed" => replay(tx, e, |tx| gov(monitor::remove_rule(tx, env, text(p, "expr"), actor).map(drop))),
        "rollback_proposal" => {
            let evidence: Vec<Snapshot> = serde_json::from_value(p["evidence"].clone()).unwrap_or_default();
            let auto = p["auto"].as_bool().unwrap_or(false);
            replay(tx, e, |tx| {
                gov(monitor::record_proposal(tx, env, text(p, "rule"), text(p, "from"), p["to"].as_str(), &evidence, auto, actor)
                    .map(drop))
            })
        }
        _ => {
            let Some(proposal) = catalog::monitoring::proposal(tx, text(p, "proposal"))? else {
                return Ok(Outcome::Refused(format!("it resolves a proposal not here ({})", text(p, "proposal"))));
            };
            replay(tx, e, |tx| gov(monitor::mark_resolved(tx, &proposal, text(p, "decision"), text(p, "reason"), actor)))
        }
    }
}
