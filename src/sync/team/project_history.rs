//! Projecting another member's production-history events — monitoring snapshots, rules and
//! proposals, recovery drills, captured runs, reproduction checks — recorded as their author
//! recorded them. Nothing is judged or run again here: rules were judged, drills checked and
//! runs run on the author's desktop (their proposals and rollbacks come as events of their own).

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
        "drill" => match serde_json::from_value::<crate::governance::drill::Drill>(p.clone()) {
            Ok(d) => replay(tx, e, |tx| gov(crate::governance::drill::record(tx, &d, actor))),
            Err(err) => Ok(Outcome::Refused(format!("its drill is not readable: {err}"))),
        },
        "run" => {
            let capture: crate::runs::RunCapture = match serde_json::from_value(p.clone()) {
                Ok(c) => c,
                Err(err) => return Ok(Outcome::Refused(format!("its capture is not readable: {err}"))),
            };
            if let Err(why) = crate::runs::record::validate(&capture) {
                return Ok(Outcome::Refused(why));
            }
            replay(tx, e, |tx| crate::runs::record::record(tx, &capture, actor).map(drop).map_err(|x| x.to_string()))
        }
        // A reproduction check's result: evidence about a version, kept as its author wrote it.
        "reproduce" => {
            let subject = e.subject_here.as_deref().unwrap_or(&e.subject);
            replay(tx, e, |tx| {
                crate::audit::append(tx, &e.ts, actor, "reproduce", subject, p).map(drop).map_err(|x| x.to_string())
            })
        }
        "resolve_proposal" => {
            let Some(proposal) = catalog::monitoring::proposal(tx, text(p, "proposal"))? else {
                return Ok(Outcome::Refused(format!("it resolves a proposal not here ({})", text(p, "proposal"))));
            };
            replay(tx, e, |tx| gov(monitor::mark_resolved(tx, &proposal, text(p, "decision"), text(p, "reason"), actor)))
        }
        _ => Ok(Outcome::LocalOnly),
    }
}
