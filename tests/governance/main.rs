//! Governance and reports through the real binary: separation of duties, approval gates,
//! traffic arithmetic, point-in-time queries, erasure closure, checkpoints, and report bundles
//! (PDF text via poppler's pdftotext, the ML-BOM against the official CycloneDX 1.6 schema via
//! cyclonedx-python-lib, hostile strings, tamper detection).

#[path = "../common/mod.rs"]
mod common;
#[path = "../common/fixtures.rs"]
mod fixtures;

use std::path::PathBuf;

use common::{Ws, s, stderr};
use serde_json::Value;

mod drills;
mod history;
mod monitoring;
mod reports;
mod team;

use reports::flip_byte;

/// Runs as a given person (their own name and key).
fn as_actor(ws: &Ws, actor: &str, args: &[&str]) -> std::process::Output {
    ws.command_as(actor, args).output().unwrap()
}

fn ok_json(ws: &Ws, actor: &str, args: &[&str]) -> Value {
    let mut a = args.to_vec();
    a.push("--json");
    let out = as_actor(ws, actor, &a);
    assert!(out.status.success(), "{args:?} as {actor} failed: {}", stderr(&out));
    serde_json::from_slice(&out.stdout).unwrap()
}

fn refused(ws: &Ws, actor: &str, args: &[&str]) -> String {
    let out = as_actor(ws, actor, args);
    assert!(!out.status.success(), "{args:?} as {actor} should be refused");
    stderr(&out)
}

fn model_file(ws: &Ws, name: &str, n: u64) -> PathBuf {
    ws.write(name, &fixtures::safetensors(&[("w", "F32", &[n])], &[]))
}

/// alice registers churn 1.0.0 and 1.1.0 (trained on data/d.csv → dataset d@1).
fn two_versions(ws: &Ws) {
    let data = ws.write("data/d.csv", b"a,b\n1,2\n");
    for (f, n, v) in [("m1.safetensors", 4, "1.0.0"), ("m2.safetensors", 8, "1.1.0")] {
        let m = model_file(ws, f, n);
        ok_json(ws, "alice@example.com", &["register", s(&m), "--model", "churn", "--version", v, "--trained-on", s(&data)]);
    }
}

#[test]
fn maker_cannot_check_and_the_policy_gates_promotion_and_production() {
    let ws = Ws::new();
    two_versions(&ws);
    let err = refused(
        &ws,
        "alice@example.com",
        &["approve", "churn@1.0.0", "--decision", "approved", "--role", "validator", "--justification", "mine"],
    );
    assert!(err.contains("cannot also approve") && err.contains("maker"), "{err}");
    assert!(
        refused(
            &ws,
            "bob@example.com",
            &["approve", "churn@1.0.0", "--decision", "approved", "--role", "validator", "--justification", " "]
        )
        .contains("justification")
    );

    ok_json(&ws, "alice@example.com", &["policy", "churn", "--require", "validator,risk"]);
    let gate = ok_json(
        &ws,
        "bob@example.com",
        &["approve", "churn@1.0.0", "--decision", "approved", "--role", "validator", "--justification", "holdout AUC ok"],
    );
    assert_eq!(gate["ok"], false);
    assert_eq!(gate["missing"], serde_json::json!(["risk"]));
    let err = refused(&ws, "alice@example.com", &["promote", "churn@1.0.0", "--status", "approved", "--reason", "go"]);
    assert!(err.contains("lacks approvals from risk"), "{err}");
    // Production refuses an unapproved version; staging does not.
    let err = refused(&ws, "alice@example.com", &["deploy", "churn@1.0.0", "--env", "prod", "--reason", "launch"]);
    assert!(err.contains("production"), "{err}");
    ok_json(&ws, "alice@example.com", &["deploy", "churn@1.0.0", "--env", "staging", "--reason", "try"]);
    // A rejection blocks until that role approves again.
    ok_json(
        &ws,
        "carol@example.com",
        &["approve", "churn@1.0.0", "--decision", "rejected", "--role", "risk", "--justification", "bias"],
    );
    assert!(
        refused(&ws, "alice@example.com", &["promote", "churn@1.0.0", "--status", "approved", "--reason", "go"])
            .contains("rejected by risk")
    );
    let gate = ok_json(
        &ws,
        "carol@example.com",
        &["approve", "churn@1.0.0", "--decision", "approved", "--role", "risk", "--justification", "mitigated"],
    );
    assert_eq!(gate["ok"], true);
    ok_json(&ws, "alice@example.com", &["promote", "churn@1.0.0", "--status", "approved", "--reason", "validated"]);
    let dep = ok_json(&ws, "alice@example.com", &["deploy", "churn@1.0.0", "--env", "prod", "--reason", "launch"]);
    assert_eq!(dep[0]["traffic"], 100);
    // Marking an environment as production applies the gate there too.
    ok_json(&ws, "alice@example.com", &["env", "eu-live", "--production"]);
    assert!(
        refused(&ws, "alice@example.com", &["deploy", "churn@1.1.0", "--env", "eu-live", "--reason", "x"]).contains("production")
    );
    // Every decision is in the audit log and the chain verifies.
    let log = ok_json(&ws, "alice@example.com", &["audit", "log", "--subject", "version:churn@1.0.0"]);
    let actions: Vec<&str> = log["events"].as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap()).collect();
    for a in ["approve", "set_status", "deploy"] {
        assert!(actions.contains(&a), "{actions:?}");
    }
    assert!(ws.run(&["audit", "verify"]).status.success());
}

/// Engine errors name the request field at fault (never a CLI flag: the UI shows them too); the
/// CLI turns the field into its flag.
#[test]
fn errors_carry_the_field_and_the_cli_names_the_flag() {
    let ws = Ws::new();
    two_versions(&ws);
    let bob = "bob@example.com";
    let err =
        refused(&ws, bob, &["approve", "churn@1.0.0", "--role", "validator", "--decision", "approved", "--justification", " "]);
    assert!(err.contains("a justification is required") && err.trim_end().ends_with("(--justification)"), "{err}");
    let err = refused(&ws, bob, &["deploy", "churn@1.0.0", "--env", "Bad Env", "--strategy", "full", "--reason", "r"]);
    assert!(err.contains("bad env \"Bad Env\"") && err.trim_end().ends_with("(--env)"), "{err}");
    let err = refused(&ws, bob, &["erase", "--dataset", "d@1", "--subject-hash", "not-hex", "--reason", "r"]);
    assert!(err.trim_end().ends_with("(--subject-hash)") && !err.contains("--subject-hash must"), "{err}");
    let err = refused(&ws, bob, &["evaluate", "churn@1.0.0", "--dataset", "d@1", "--metric", "auc=0.9", "--threshold", "~ 1"]);
    assert!(err.contains("bad threshold \"~ 1\"") && err.trim_end().ends_with("(--threshold)"), "{err}");
    // Over the API the same error carries the field, for the UI to mark.
    let out =
        as_actor(&ws, bob, &["deploy", "churn@1.0.0", "--env", "staging", "--strategy", "canary", "--reason", "r", "--json"]);
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!((v["error"]["code"].as_str(), v["error"]["field"].as_str()), (Some("invalid_input"), Some("traffic")), "{v}");
    // Errors that are about no single field carry none.
    let out = as_actor(
        &ws,
        "alice@example.com",
        &["approve", "churn@1.0.0", "--role", "validator", "--decision", "approved", "--justification", "mine", "--json"],
    );
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(v["error"]["message"].as_str().unwrap().contains("maker ≠ checker") && v["error"].get("field").is_none(), "{v}");
}

fn approve_and_promote(ws: &Ws, r: &str) {
    ok_json(ws, "bob@example.com", &["approve", r, "--decision", "approved", "--role", "validator", "--justification", "ok"]);
    ok_json(ws, "alice@example.com", &["promote", r, "--status", "approved", "--reason", "ok"]);
}

fn serving(ws: &Ws, env: &str, at: &str) -> Vec<(String, u64, String)> {
    let v = ok_json(ws, "alice@example.com", &["serving", "--env", env, "--at", at]);
    let mut out: Vec<(String, u64, String)> = v["deployments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (d["version"].as_str().unwrap().to_string(), d["traffic"].as_u64().unwrap(), d["role"].as_str().unwrap().to_string())
        })
        .collect();
    out.sort();
    out
}

fn served_sum(rows: &[(String, u64, String)]) -> u64 {
    rows.iter().filter(|r| r.2 != "shadow").map(|r| r.1).sum()
}

#[test]
fn traffic_always_adds_up_and_any_past_instant_can_be_asked() {
    let ws = Ws::new();
    two_versions(&ws);
    approve_and_promote(&ws, "churn@1.0.0");
    approve_and_promote(&ws, "churn@1.1.0");
    let a = |args: &[&str]| {
        std::thread::sleep(std::time::Duration::from_millis(5));
        ok_json(&ws, "alice@example.com", args)
    };
    let before = chrono::Utc::now().to_rfc3339();
    let t1 = a(&["deploy", "churn@1.0.0", "--env", "prod", "--reason", "launch"])[0]["startedAt"].as_str().unwrap().to_string();
    assert!(
        refused(&ws, "alice@example.com", &["deploy", "churn@1.1.0", "--env", "prod", "--strategy", "canary", "--reason", "c"])
            .contains("--traffic")
    );
    assert!(
        refused(
            &ws,
            "alice@example.com",
            &["deploy", "churn@1.1.0", "--env", "prod", "--strategy", "canary", "--traffic", "100", "--reason", "c"]
        )
        .contains("1–99")
    );
    let t2 = a(&["deploy", "churn@1.1.0", "--env", "prod", "--strategy", "canary", "--traffic", "10", "--reason", "canary"])[0]["startedAt"]
        .as_str()
        .unwrap()
        .to_string();
    let t3 = a(&["deploy", "churn@1.1.0", "--env", "prod", "--strategy", "canary", "--traffic", "30", "--reason", "more"])[0]["startedAt"]
        .as_str()
        .unwrap()
        .to_string();
    let t4 = a(&["deploy", "churn@1.0.0", "--env", "prod", "--strategy", "shadow", "--reason", "mirror"])
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["startedAt"].as_str().unwrap().to_string())
        .max()
        .unwrap();
    let rolled = a(&["rollback", "--env", "prod", "--reason", "latency"]);
    let t5 = rolled.as_array().unwrap().iter().map(|d| d["startedAt"].as_str().unwrap().to_string()).max().unwrap();
    let t6 = a(&["deploy", "churn@1.1.0", "--env", "prod", "--strategy", "blue-green", "--reason", "switch"])[0]["startedAt"]
        .as_str()
        .unwrap()
        .to_string();
    let t7 = a(&["rollback", "--env", "prod", "--reason", "bad"])[0]["startedAt"].as_str().unwrap().to_string();

    assert!(serving(&ws, "prod", &before).is_empty(), "nothing served before the first deployment");
    let at = |t: &str| serving(&ws, "prod", t);
    assert_eq!(at(&t1), vec![("1.0.0".into(), 100, "primary".into())]);
    assert_eq!(at(&t2), vec![("1.0.0".into(), 90, "primary".into()), ("1.1.0".into(), 10, "canary".into())]);
    assert_eq!(at(&t3), vec![("1.0.0".into(), 70, "primary".into()), ("1.1.0".into(), 30, "canary".into())]);
    assert_eq!(
        at(&t4),
        vec![("1.0.0".into(), 0, "shadow".into()), ("1.0.0".into(), 70, "primary".into()), ("1.1.0".into(), 30, "canary".into())]
    );
    assert_eq!(
        at(&t5),
        vec![("1.0.0".into(), 0, "shadow".into()), ("1.0.0".into(), 100, "primary".into())],
        "rollback drops the canary"
    );
    assert_eq!(at(&t6), vec![("1.1.0".into(), 100, "primary".into())]);
    assert_eq!(at(&t7), vec![("1.0.0".into(), 100, "primary".into())], "rollback restores the previous version");
    for t in [&t1, &t2, &t3, &t4, &t5, &t6, &t7] {
        assert_eq!(served_sum(&at(t)), 100, "at {t}");
    }
    // Every deployment row, every instant it started: the shares add up to 100.
    let all = ok_json(&ws, "alice@example.com", &["deployments", "--env", "prod"]);
    for d in all["deployments"].as_array().unwrap() {
        assert_eq!(served_sum(&at(d["startedAt"].as_str().unwrap())), 100);
    }
    assert!(refused(&ws, "alice@example.com", &["serving", "--env", "prod", "--at", "yesterday"]).contains("RFC 3339"));
}

#[test]
fn erasure_reaches_fine_tunes_of_distillations_and_deployments_and_is_tracked_to_resolution() {
    let ws = Ws::new();
    let data = ws.write("data/people.csv", b"id,x\n1,2\n");
    let other = ws.write("data/other.csv", b"id,x\n9,9\n");
    let reg = |f: &str, n: u64, extra: &[&str]| {
        let m = model_file(&ws, f, n);
        let mut args = vec!["register", s(&m)];
        args.extend_from_slice(extra);
        ok_json(&ws, "alice@example.com", &args)
    };
    reg("base.safetensors", 4, &["--model", "base", "--trained-on", s(&data)]);
    reg("small.safetensors", 2, &["--model", "small", "--parent", "base@1.0.0", "--relation", "distilled"]);
    reg("legal.safetensors", 3, &["--model", "legal", "--parent", "small@1.0.0", "--relation", "finetune"]);
    reg("unrelated.safetensors", 5, &["--model", "unrelated", "--trained-on", s(&other)]);
    // Evaluated on the data, not trained on it: not affected.
    ok_json(&ws, "alice@example.com", &["evaluate", "unrelated@1.0.0", "--dataset", "people@1", "--metric", "acc=0.9"]);
    ok_json(&ws, "alice@example.com", &["deploy", "legal@1.0.0", "--env", "staging", "--reason", "try"]);
    let h = pedigree::hash::sha256_hex(b"salt:subject-42");
    assert!(
        refused(
            &ws,
            "dpo@example.com",
            &["erase", "--dataset", "people@1", "--subject-hash", "jane.doe@example.com", "--reason", "art 17"]
        )
        .contains("hex digest")
    );
    let e =
        ok_json(&ws, "dpo@example.com", &["erase", "--dataset", "people@1", "--subject-hash", &h, "--reason", "Art. 17 request"]);
    let nodes: Vec<&str> = e["impacts"].as_array().unwrap().iter().map(|i| i["node"].as_str().unwrap()).collect();
    assert_eq!(nodes, vec!["version:base@1.0.0", "version:legal@1.0.0", "version:small@1.0.0", "deployment:staging"]);
    assert_eq!(e["status"], "open");
    let id = e["id"].as_i64().unwrap().to_string();
    // The tainted version shows it.
    let gov = ok_json(&ws, "alice@example.com", &["erasure", "list"]);
    assert_eq!(gov["requests"].as_array().unwrap().len(), 1);
    // Resolution: a retrained version must not be trained on the erased data itself.
    assert!(
        refused(&ws, "alice@example.com", &["erasure", "resolve", &id, "legal@1.0.0", "--retrained-as", "small@1.0.0"])
            .contains("itself trained")
    );
    let clean = ws.write("data/people-v2.csv", b"id,x\n2,3\n");
    let m = model_file(&ws, "base2.safetensors", 6);
    ok_json(&ws, "alice@example.com", &["register", s(&m), "--model", "base", "--version", "1.1.0", "--trained-on", s(&clean)]);
    ok_json(&ws, "alice@example.com", &["erasure", "resolve", &id, "base@1.0.0", "--retrained-as", "base@1.1.0"]);
    ok_json(&ws, "alice@example.com", &["erasure", "resolve", &id, "small@1.0.0", "--exception", "legal hold until 2027"]);
    assert!(
        refused(&ws, "alice@example.com", &["erasure", "resolve", &id, "unrelated@1.0.0", "--exception", "x"])
            .contains("not affected")
    );
    let done = ok_json(&ws, "alice@example.com", &["erasure", "resolve", &id, "legal@1.0.0", "--exception", "retired"]);
    assert_eq!(done["status"], "resolved");
    assert!(ws.run(&["audit", "verify"]).status.success());
}

#[test]
fn evaluations_check_thresholds_per_group_and_the_previous_version() {
    let ws = Ws::new();
    two_versions(&ws);
    let e = |r: &str, extra: &[&str]| {
        let mut args = vec!["--json", "evaluate", r, "--dataset", "d@1"];
        args.extend_from_slice(extra);
        as_actor(&ws, "alice@example.com", &args)
    };
    assert!(e("churn@1.0.0", &["--metric", "auc=0.80", "--threshold", ">=", "0.75"]).status.success());
    assert!(
        e("churn@1.0.0", &["--metric", "auc=0.70", "--slice", "age=65+", "--threshold", ">= 0.75"]).status.code() == Some(3),
        "a failed threshold exits 3"
    );
    let out = e("churn@1.1.0", &["--metric", "auc=0.78", "--metric", "logloss=0.3"]);
    assert_eq!(out.status.code(), Some(3), "worse than the baseline");
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let auc = v["evaluations"].as_array().unwrap().iter().find(|x| x["metric"] == "auc").unwrap();
    assert_eq!(
        (auc["baselineVersion"].as_str(), auc["baseline"].as_f64(), auc["vsBaseline"].as_str()),
        (Some("churn@1.0.0"), Some(0.8), Some("worse"))
    );
    let slice = e("churn@1.1.0", &["--metric", "auc=0.76", "--slice", "age=65+", "--threshold", ">=0.75"]);
    let v: Value = serde_json::from_slice(&slice.stdout).unwrap();
    assert_eq!(v["evaluations"][0]["vsBaseline"], "better", "compared with the same group of the previous version");
    assert_eq!(v["evaluations"][0]["passed"], true);
    assert!(
        refused(&ws, "alice@example.com", &["evaluate", "churn@1.1.0", "--dataset", "nope@1", "--metric", "auc=1"])
            .contains("not registered")
    );
    assert!(
        refused(
            &ws,
            "alice@example.com",
            &["evaluate", "churn@1.1.0", "--dataset", "d@1", "--metric", "auc=1", "--threshold", "~", "1"]
        )
        .contains("threshold")
    );
    let file = ws.write(
        "eval.json",
        br#"{"dataset": "d@1", "metrics": [{"metric": "auc", "value": 0.81, "slice": "region=eu", "threshold": ">= 0.8"}]}"#,
    );
    assert!(e("churn@1.1.0", &["--from", s(&file)]).status.success());
}

#[test]
fn a_consistent_rewrite_of_history_is_caught_by_the_signed_checkpoint_and_a_changed_object_by_audit_verify() {
    let ws = Ws::new();
    two_versions(&ws);
    let cp = ok_json(&ws, "alice@example.com", &["audit", "checkpoint"]);
    assert!(cp["note"].as_str().unwrap().contains("\u{2014} pedigree/"));
    assert!(ws.run(&["audit", "verify"]).status.success());
    // Rewrite event 1's actor and recompute every hash after it (a consistent forgery).
    let c = ws.catalog();
    c.execute("UPDATE audit_events SET actor = 'mallory' WHERE seq = 1", []).unwrap();
    let mut prev = pedigree::audit::GENESIS.to_string();
    let rows: Vec<(i64, String, String, String, String, String)> = c
        .prepare("SELECT seq, ts, actor, action, subject, payload FROM audit_events ORDER BY seq")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    for (seq, ts, actor, action, subject, payload) in rows {
        let p: Value = serde_json::from_str(&payload).unwrap();
        let h = pedigree::audit::event_hash(seq, &ts, &actor, &action, &subject, &p, &prev);
        c.execute("UPDATE audit_events SET prev_hash = ?2, hash = ?3 WHERE seq = ?1", rusqlite::params![seq, prev, h]).unwrap();
        prev = h;
    }
    // Its author's signature of event 1 no longer verifies…
    let out = ws.run(&["audit", "verify"]);
    assert!(!out.status.success());
    assert!(stderr(&out).contains("seq 1") && stderr(&out).contains("signature does not verify"), "{}", stderr(&out));
    // …and with every signature stripped too (the log then looks older than identities), the
    // signed checkpoint still catches it.
    c.execute("DELETE FROM event_signatures", []).unwrap();
    let out = ws.run(&["audit", "verify"]);
    assert!(!out.status.success());
    assert!(stderr(&out).contains("signed checkpoint"), "{}", stderr(&out));

    // A changed byte in a stored object.
    let ws2 = Ws::new();
    two_versions(&ws2);
    let obj = walkdir::WalkDir::new(ws2.path().join("objects-v1"))
        .into_iter()
        .flatten()
        .find(|e| e.file_type().is_file() && !e.path().strip_prefix(ws2.path()).unwrap().starts_with("objects-v1/tmp"))
        .unwrap()
        .into_path();
    flip_byte(&obj, 20);
    let out = ws2.run(&["audit", "verify"]);
    assert!(!out.status.success());
    assert!(stderr(&out).contains("no longer match their sha256"), "{}", stderr(&out));
}
