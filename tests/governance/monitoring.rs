//! Monitoring-driven rollback through the real binary: snapshots in JSON lines and CSV, rules
//! over consecutive snapshots since the current deployment, proposals with their evidence,
//! accepted, dismissed or carried out at once (`--auto`).

use serde_json::Value;

use super::common::{Ws, s};
use super::{approve_and_promote, ok_json, refused, two_versions};

const ALICE: &str = "alice@example.com";

/// An instant `minutes` from now (snapshots come after the deployments they judge).
fn later(minutes: i64) -> String {
    (chrono::Utc::now() + chrono::Duration::minutes(minutes)).to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

fn import(ws: &Ws, name: &str, text: &str) -> Value {
    let f = ws.write(name, text.as_bytes());
    ok_json(ws, ALICE, &["monitor", "import", s(&f)])
}

fn jsonl(env: &str, metric: &str, values: &[(i64, f64)]) -> String {
    values
        .iter()
        .map(|(m, v)| format!("{{\"env\": \"{env}\", \"at\": \"{}\", \"metrics\": {{\"{metric}\": {v}}}}}\n", later(*m)))
        .collect()
}

fn serving(ws: &Ws, env: &str) -> Vec<(String, u64)> {
    ok_json(ws, ALICE, &["serving", "--env", env])["deployments"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["role"] != "shadow")
        .map(|d| (d["version"].as_str().unwrap().to_string(), d["traffic"].as_u64().unwrap()))
        .collect()
}

fn deployed(ws: &Ws) {
    two_versions(ws);
    approve_and_promote(ws, "churn@1.0.0");
    approve_and_promote(ws, "churn@1.1.0");
    ok_json(ws, ALICE, &["deploy", "churn@1.0.0", "--env", "prod", "--reason", "launch"]);
    std::thread::sleep(std::time::Duration::from_millis(20));
    ok_json(ws, ALICE, &["deploy", "churn@1.1.0", "--env", "prod", "--reason", "retrained"]);
}

#[test]
fn a_rule_broken_by_consecutive_snapshots_proposes_a_rollback_with_its_evidence() {
    let ws = Ws::new();
    deployed(&ws);
    let r = ok_json(&ws, ALICE, &["monitor", "rule", "--env", "prod", "auc<0.7 for 3"]);
    assert_eq!(r["rule"]["expr"], "auc < 0.7 for 3", "normalised: {r}");
    for bad in ["auc <", "auc ~ 0.7", "auc < 0.7 for", "auc < 0.7 for 0", "a uc < 1", "auc < NaN"] {
        let err = refused(&ws, ALICE, &["monitor", "rule", "--env", "prod", bad]);
        assert!(err.contains("METRIC OP VALUE"), "{bad}: {err}");
    }
    assert!(refused(&ws, ALICE, &["monitor", "rule", "--env", "prod", "auc < 0.7 for 3"]).contains("already"));
    // Two breaking snapshots, then a good one: nothing; a good one breaks the run of three.
    let i = import(&ws, "a.jsonl", &jsonl("prod", "auc", &[(1, 0.65), (2, 0.66), (3, 0.75)]));
    assert_eq!((i["added"].as_u64(), i["proposals"].as_array().map(Vec::len)), (Some(3), Some(0)), "{i}");
    // Three in a row below 0.7 (CSV this time): one proposal, to the version before.
    let csv = format!("env,at,metric,value\nprod,{},auc,0.61\nprod,{},auc,0.6\nprod,{},auc,0.58\n", later(4), later(5), later(6));
    let i = import(&ws, "b.csv", &csv);
    let p = &i["proposals"][0];
    assert_eq!(
        (p["from"].as_str(), p["to"].as_str(), p["status"].as_str()),
        (Some("churn@1.1.0"), Some("churn@1.0.0"), Some("open")),
        "{i}"
    );
    let evidence: Vec<f64> = p["evidence"].as_array().unwrap().iter().map(|e| e["value"].as_f64().unwrap()).collect();
    assert_eq!(evidence, [0.58, 0.6, 0.61]);
    // More bad snapshots do not propose it twice; the same snapshot again is nothing new, and
    // another value for it keeps the first.
    let again = import(&ws, "c.csv", &format!("env,at,metric,value\nprod,{},auc,0.5\n", later(7)));
    assert_eq!(again["proposals"].as_array().unwrap().len(), 0, "{again}");
    let same = import(&ws, "b2.csv", &csv);
    assert_eq!((same["added"].as_u64(), same["unchanged"].as_u64()), (Some(0), Some(3)));
    let changed = import(&ws, "b3.csv", &csv.replace(",0.6\n", ",0.9\n"));
    assert_eq!(changed["conflicting"][0]["value"], 0.9, "{changed}");
    let shown = ok_json(&ws, ALICE, &["monitor", "show", "--env", "prod"]);
    assert_eq!(shown["series"].as_array().unwrap().len(), 7);
    assert_eq!(shown["series"][4]["value"], 0.6, "the first value stays");
    assert_eq!(serving(&ws, "prod"), [("1.1.0".to_string(), 100)], "a proposal changes nothing by itself");

    // Accepted: the rollback runs, with the reason; the proposal says so.
    let id = p["id"].as_i64().unwrap().to_string();
    let done = ok_json(&ws, ALICE, &["monitor", "accept", &id, "--reason", "AUC fell after the retrain"]);
    assert_eq!(done["status"], "executed");
    assert_eq!(serving(&ws, "prod"), [("1.0.0".to_string(), 100)]);
    assert!(refused(&ws, ALICE, &["monitor", "accept", &id, "--reason", "again"]).contains("executed already"));
    let log = ok_json(&ws, ALICE, &["audit", "log", "--subject", "env:prod"]);
    let actions: Vec<&str> = log["events"].as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap()).collect();
    for a in ["monitor_rule", "rollback_proposal", "resolve_proposal"] {
        assert!(actions.contains(&a), "{a} in {actions:?}");
    }
    // A bad line is named and nothing is imported.
    let before = ok_json(&ws, ALICE, &["audit", "verify"])["events"].clone();
    let f = ws.write("bad.csv", format!("env,at,metric,value\nprod,{},auc,0.5\nprod,yesterday,auc,0.4\n", later(9)).as_bytes());
    let err = refused(&ws, ALICE, &["monitor", "import", s(&f)]);
    assert!(err.contains("RFC 3339"), "{err}");
    let f = ws.write("bad2.csv", b"env,at,metric,value\nprod,x,auc\n");
    assert!(refused(&ws, ALICE, &["monitor", "import", s(&f)]).contains("line 2"));
    assert_eq!(ok_json(&ws, ALICE, &["audit", "verify"])["events"], before);
}

#[test]
fn an_auto_rule_rolls_back_at_once_and_a_dismissed_proposal_changes_nothing() {
    let ws = Ws::new();
    deployed(&ws);
    ok_json(&ws, ALICE, &["deploy", "churn@1.0.0", "--env", "staging", "--reason", "base"]);
    ok_json(
        &ws,
        ALICE,
        &["deploy", "churn@1.1.0", "--env", "staging", "--strategy", "canary", "--traffic", "10", "--reason", "try"],
    );
    ok_json(&ws, ALICE, &["monitor", "rule", "--env", "staging", "drift_psi > 0.2", "--auto"]);
    let i = import(&ws, "d.jsonl", &jsonl("staging", "drift_psi", &[(1, 0.35)]));
    let p = &i["proposals"][0];
    assert_eq!((p["from"].as_str(), p["status"].as_str()), (Some("churn@1.1.0"), Some("executed")), "{i}");
    assert_eq!(serving(&ws, "staging"), [("1.0.0".to_string(), 100)], "the canary is dropped");
    let history = ok_json(&ws, ALICE, &["deployments", "--env", "staging"]);
    assert!(history["deployments"][0]["reason"].as_str().unwrap().contains("drift_psi > 0.2"), "{history}");

    // prod: a plain rule's proposal, dismissed.
    ok_json(&ws, ALICE, &["monitor", "rule", "--env", "prod", "latency_p99 >= 250"]);
    let i = import(&ws, "e.jsonl", &jsonl("prod", "latency_p99", &[(1, 300.0)]));
    let id = i["proposals"][0]["id"].as_i64().unwrap().to_string();
    assert!(refused(&ws, ALICE, &["monitor", "dismiss", &id, "--reason", " "]).contains("reason"));
    let d = ok_json(&ws, ALICE, &["monitor", "dismiss", &id, "--reason", "a load test"]);
    assert_eq!(d["status"], "dismissed");
    assert_eq!(serving(&ws, "prod"), [("1.1.0".to_string(), 100)]);
    let rules = ok_json(&ws, ALICE, &["monitor", "rules"]);
    assert_eq!(rules["rules"].as_array().unwrap().len(), 2);
    ok_json(&ws, ALICE, &["monitor", "unrule", "--env", "prod", "latency_p99 >= 250"]);
    assert_eq!(ok_json(&ws, ALICE, &["monitor", "rules"])["rules"].as_array().unwrap().len(), 1);
    assert!(ws.run(&["audit", "verify"]).status.success());
}
