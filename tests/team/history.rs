//! Production history crosses the team ledger in its one event form: an attachment (bytes
//! checked against the signed digest), a captured run, monitoring snapshots and rules, a
//! rollback carried out by a rule, a drill — and every member ends with the same state.

use super::{common, settle, team_on};

#[test]
fn attachments_runs_monitoring_and_drills_reach_every_member() {
    let (_dir, a, b, c) = team_on("file", "history");
    a.register("churn", 4);
    let f = a.ws.write("v2.safetensors", &super::fixtures::safetensors(&[("w", "F32", &[4])], &[("v", "2")]));
    a.ok(&["register", common::s(&f), "--model", "churn"]);
    settle(&[&a, &b, &c]);
    for v in ["churn@1.0.0", "churn@1.1.0"] {
        b.ok(&["approve", v, "--decision", "approved", "--role", "validator", "--justification", "ok"]);
    }
    settle(&[&a, &b, &c]);
    for v in ["churn@1.0.0", "churn@1.1.0"] {
        a.ok(&["promote", v, "--status", "approved", "--reason", "validated"]);
    }
    settle(&[&a, &b, &c]);
    c.ok(&["deploy", "churn@1.0.0", "--env", "prod", "--reason", "launch"]);
    c.ok(&["deploy", "churn@1.1.0", "--env", "prod", "--reason", "retrain", "--carrier", &format!("sha256:{}", "ab".repeat(32))]);
    let card = a.ws.write("card.md", b"# churn\nretention offers only\n");
    a.ok(&["attach", "churn@1.1.0", common::s(&card), "--kind", "documentation"]);
    a.ok(&["monitor", "rule", "--env", "prod", "auc < 0.7 for 2", "--auto"]);
    let folder = a.ws.inputs().join("train");
    std::fs::create_dir_all(&folder).unwrap();
    let py = std::env::var("PEDIGREE_INTEROP_PYTHON").expect("PEDIGREE_INTEROP_PYTHON is not set: run `make test`");
    let script = "open('score.txt', 'w').write('0.91')";
    let out =
        a.ws.command(&["run", "--json", "--", &py, "-c", script])
            .current_dir(&folder)
            .env("PEDIGREE_ACTOR", a.actor)
            .output()
            .unwrap();
    assert!(out.status.success(), "{}", common::stderr(&out));
    let run: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let run_id = run["run"]["id"].as_str().unwrap().to_string();
    let packages = run["run"]["environment"]["interpreter"]["packagesDigest"].as_str().unwrap().to_string();
    settle(&[&a, &b, &c]);
    // Carol's monitoring import fires Alice's rule on Carol's desktop: the rollback is hers.
    let later = |m: i64| (chrono::Utc::now() + chrono::Duration::minutes(m)).to_rfc3339();
    let csv =
        c.ws.write("m.csv", format!("env,at,metric,value\nprod,{},auc,0.6\nprod,{},auc,0.5\n", later(1), later(2)).as_bytes());
    let i = c.ok(&["monitor", "import", common::s(&csv)]);
    assert_eq!(i["proposals"][0]["status"], "executed", "{i}");
    c.ok(&["drill", "--env", "prod"]);
    let digests = settle(&[&a, &b, &c]);
    assert!(digests.iter().all(|d| d == &digests[0]), "one state: {digests:?}");
    // Bob has the attachment's bytes (checked against the digest Alice signed), the rollback,
    // the proposal as executed, and Carol's drill.
    let shown = b.ok(&["show", "churn@1.1.0"]);
    let sha = shown["attachments"][0]["sha256"].as_str().unwrap().to_string();
    let object = b.ws.path().join("objects-v1").join(&sha[..2]).join(&sha[2..]);
    assert_eq!(std::fs::read(object).unwrap(), b"# churn\nretention offers only\n");
    let serving = b.ok(&["serving", "--env", "prod"]);
    assert_eq!(serving["deployments"][0]["version"], "1.0.0", "{serving}");
    let rules = b.ok(&["monitor", "rules", "--env", "prod"]);
    assert_eq!(rules["proposals"][0]["status"], "executed", "{rules}");
    let drills = b.ok(&["monitor", "show", "--env", "prod"]);
    assert_eq!(drills["series"].as_array().unwrap().len(), 2);
    let carried = b.ok(&["deployments", "--env", "prod"]);
    assert!(carried["deployments"].as_array().unwrap().iter().any(|d| d["carrier"].is_string()), "{carried}");
    let log = b.ok(&["audit", "log", "--subject", &format!("run:{run_id}")]);
    assert_eq!(log["events"][0]["action"], "run", "Alice's run reached Bob: {log}");
    let list = std::fs::read_to_string(b.ws.path().join("objects-v1").join(&packages[..2]).join(&packages[2..])).unwrap();
    assert!(list.lines().any(|l| l.starts_with("cyclonedx")), "with its package list, checked by digest");
    for m in [&a, &b, &c] {
        m.verify();
    }
}
