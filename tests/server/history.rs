//! Production history over the authenticated HTTP API, as CI/CD and the UI use it: deployments
//! recorded with their carrier and from a manifest, "which model decided this", monitoring
//! with a proposal accepted, attachments from a browser upload, drills, runs, systems and the
//! retraining timeline.

use serde_json::{Value, json};

use super::common::{Ws, s};
use super::{call, fixtures, http, start};

/// Two approved churn versions (same interface), registered through the CLI.
fn two_approved(w: &Ws) {
    for (v, meta) in [("1.0.0", "a"), ("1.1.0", "b")] {
        let f = w.write(&format!("m-{v}.safetensors"), &fixtures::safetensors(&[("w", "F32", &[4])], &[("run", meta)]));
        w.json(&["register", s(&f), "--model", "churn", "--version", v, "--metric", &format!("auc=0.8{}", &v[2..3])]);
        let r = format!("churn@{v}");
        let out = w
            .command_as(
                "bob@example.com",
                &["approve", &r, "--decision", "approved", "--role", "validator", "--justification", "ok"],
            )
            .output()
            .unwrap();
        assert!(out.status.success());
        w.json(&["promote", &r, "--status", "approved", "--reason", "ok"]);
    }
}

fn ok(s: &super::Server, op: &str, req: Value) -> Value {
    let (st, v) = call(s, op, req);
    assert_eq!(st, 200, "{op}: {v}");
    v
}

#[test]
fn ci_and_the_ui_use_production_history_over_the_api() {
    let w = Ws::new();
    two_approved(&w);
    let s = start(&w, &[]);
    // Without the session secret nothing is recorded.
    let body = json!({"reference": "churn@1.0.0", "env": "prod", "strategy": "full", "reason": "x"}).to_string();
    let (st, _) = http(&s, "POST", "/api/deploy_version", body.as_bytes(), false);
    assert_eq!(st, 401);
    let image = format!("registry.example.com/churn@sha256:{}", "1f".repeat(32));
    let d = ok(
        &s,
        "deploy_version",
        json!({"reference": "churn@1.0.0", "env": "prod", "strategy": "full", "reason": "pipeline 41", "carrier": image, "recordedFrom": "ci"}),
    );
    assert_eq!(d[0]["carrier"], image.as_str());
    let root = w.json(&["show", "churn@1.1.0"])["version"]["rootDigest"].as_str().unwrap().to_string();
    let manifest = format!(
        "apiVersion: serving.kserve.io/v1beta1\nkind: InferenceService\nmetadata: {{name: churn}}\nspec:\n  predictor:\n    canaryTrafficPercent: 25\n    model: {{modelFormat: {{name: sklearn}}, storageUri: \"oci://r/churn@sha256:{root}\"}}\n"
    );
    let m = ok(&s, "deploy_manifest", json!({"env": "prod", "manifest": manifest, "reason": ""}));
    assert_eq!((m["versions"][0].as_str(), m["deployments"].as_u64()), (Some("churn@1.1.0"), Some(1)), "{m}");
    let (st, bad) = call(&s, "deploy_manifest", json!({"env": "prod", "manifest": "kind: Pod\n", "reason": ""}));
    assert_eq!((st, bad["field"].as_str()), (400, Some("manifest")), "{bad}");
    let dec = ok(&s, "decision", json!({"env": "prod", "at": null}));
    let shares: Vec<u64> =
        dec["deciders"].as_array().unwrap().iter().map(|x| x["deployment"]["traffic"].as_u64().unwrap()).collect();
    assert_eq!(shares, [75, 25]);

    // Monitoring from a file's text; the proposal accepted from the UI.
    ok(&s, "monitor_rule_add", json!({"env": "prod", "rule": "auc < 0.7 for 2", "auto": false}));
    let later = |m: i64| (chrono::Utc::now() + chrono::Duration::minutes(m)).to_rfc3339();
    let csv = format!("env,at,metric,value\nprod,{},auc,0.6\nprod,{},auc,0.55\n", later(1), later(2));
    let i = ok(&s, "monitor_import", json!({"text": csv}));
    let id = i["proposals"][0]["id"].as_i64().unwrap().to_string();
    let (st, e) = call(&s, "decide_proposal", json!({"proposal": id, "accept": true, "reason": ""}));
    assert_eq!((st, e["field"].as_str()), (400, Some("reason")));
    let p = ok(&s, "decide_proposal", json!({"proposal": id, "accept": true, "reason": "canary hurts AUC"}));
    assert_eq!(p["status"], "executed");
    let o = ok(&s, "monitor_overview", json!({"env": "prod", "metric": null, "limit": null}));
    assert_eq!((o["metric"].as_str(), o["series"].as_array().unwrap().len()), (Some("auc"), 2));
    assert_eq!(
        ok(&s, "decision", json!({"env": "prod", "at": null}))["deciders"].as_array().unwrap().len(),
        1,
        "the canary is gone"
    );

    // An attachment dropped in a browser: uploaded, then attached by its staged path.
    let (st, body) = http(&s, "POST", "/api/upload?batch=ev1&path=fairness.json", br#"{"dp": 0.02}"#, true);
    assert_eq!(st, 200);
    let up: Value = serde_json::from_slice(&body).unwrap();
    let path = format!("{}/fairness.json", up["batchDir"].as_str().unwrap());
    let a = ok(&s, "attach_file", json!({"reference": "churn@1.1.0", "kind": "fairness", "path": path}));
    assert_eq!(a["created"], true);
    assert_eq!(ok(&s, "attachments", json!({"reference": "churn@1.1.0"}))["attachments"][0]["kind"], "fairness");
    let (st, e) = call(&s, "attach_file", json!({"reference": "churn@1.1.0", "kind": "gossip", "path": path}));
    assert_eq!((st, e["field"].as_str()), (400, Some("kind")));

    // A drill, the timeline, a system, and the run checks.
    ok(&s, "deploy_version", json!({"reference": "churn@1.1.0", "env": "prod", "strategy": "blue-green", "reason": "fixed"}));
    let dr = ok(&s, "drill", json!({"env": "prod"}));
    assert_eq!((dr["drills"][0]["restore"].as_str(), dr["ok"].as_bool()), (Some("churn@1.0.0"), Some(true)), "{dr}");
    assert_eq!(ok(&s, "drills", json!({"env": null}))["drills"].as_array().unwrap().len(), 1);
    let t = ok(&s, "model_timeline", json!({"model": "churn"}));
    assert_eq!((t["points"].as_array().unwrap().len(), t["metrics"][0].as_str()), (2, Some("auc")));
    let sys = ok(&s, "system_pin", json!({"system": "bundle", "components": ["churn@1.0.0"], "message": ""}));
    assert_eq!(sys["registered"]["version"], "1.0.0");
    assert_eq!(ok(&s, "system_proposals", json!({}))["proposals"][0]["version"], "1.1.0");
    let (st, e) = call(&s, "recipe", json!({"reference": "churn@1.0.0"}));
    assert_eq!((st, e["code"].as_str()), (404, Some("not_found")));
    // A capture whose id is not its content's is refused, whatever it claims.
    let forged = json!({"capture": {"id": "0123456789abcdef", "command": ["python", "train.py"], "cwd": "/tmp", "environment": {
        "git": null, "gitTop": null, "locks": [], "interpreter": null, "hardware": {"cpu": "", "cores": 1, "memoryBytes": 0, "gpus": [], "os": ""},
        "hostname": "h", "seeds": {}, "variables": {}}, "inputs": [], "params": {}, "startedAt": "2026-12-01T00:00:00Z",
        "endedAt": "2026-12-01T00:01:00Z", "durationMs": 60000, "exitCode": 0, "outputs": [], "outputsTruncated": false}, "packages": null, "register": null});
    let (st, e) = call(&s, "record_run", forged);
    assert_eq!((st, e["field"].as_str()), (400, Some("capture")), "{e}");
    assert!(e["message"].as_str().unwrap().contains("does not hash to its id"), "{e}");
    assert!(w.run(&["audit", "verify"]).status.success());
}
