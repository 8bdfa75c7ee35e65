//! Recovery drills through the real binary: each check (restorable, bytes, approvals, erasure,
//! interface) passing and failing for the reason it names, every drill recorded, the last one
//! in the report.

use serde_json::Value;

use super::common::{Ws, s};
use super::{approve_and_promote, fixtures, ok_json};

const ALICE: &str = "alice@example.com";

/// churn 1.0.0 and 1.1.0 with the same interface (w: F32[4]; their metadata differs), approved,
/// deployed to prod one after the other.
fn compatible_pair(ws: &Ws) {
    let data = ws.write("data/d.csv", b"a,b\n1,2\n");
    for v in ["1.0.0", "1.1.0"] {
        let m = ws.write(&format!("m-{v}.safetensors"), &fixtures::safetensors(&[("w", "F32", &[4])], &[("run", v)]));
        ok_json(ws, ALICE, &["register", s(&m), "--model", "churn", "--version", v, "--trained-on", s(&data)]);
        approve_and_promote(ws, &format!("churn@{v}"));
        ok_json(ws, ALICE, &["deploy", &format!("churn@{v}"), "--env", "prod", "--reason", "release"]);
        std::thread::sleep(std::time::Duration::from_millis(15));
    }
}

/// Runs a drill; (exit code, its JSON).
fn drill(ws: &Ws, args: &[&str]) -> (i32, Value) {
    let mut a = vec!["drill", "--json"];
    a.extend_from_slice(args);
    let out = ws.run(&a);
    (
        out.status.code().unwrap(),
        serde_json::from_slice(&out.stdout).unwrap_or_else(|_| panic!("{}", super::common::stderr(&out))),
    )
}

fn failed(d: &Value) -> Vec<String> {
    d["drills"][0]["checks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["ok"] == false)
        .map(|c| c["name"].as_str().unwrap().to_string())
        .collect()
}

/// The audit log's last seq (read from the catalog: `audit verify` refuses a rotted store).
fn events(ws: &Ws) -> i64 {
    pedigree::catalog::audit_rows::last_seq(&ws.catalog()).unwrap()
}

#[test]
fn a_drill_passes_when_the_previous_version_can_be_restored_and_names_each_failure() {
    let ws = Ws::new();
    compatible_pair(&ws);
    let (code, d) = drill(&ws, &[]);
    assert_eq!(code, 0, "{d}");
    let p = &d["drills"][0];
    assert_eq!(
        (p["env"].as_str(), p["current"].as_str(), p["restore"].as_str()),
        (Some("prod"), Some("churn@1.1.0"), Some("churn@1.0.0"))
    );
    let names: Vec<&str> = p["checks"].as_array().unwrap().iter().map(|c| c["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["restorable", "bytes", "approvals", "erasure", "interface"]);

    // The bytes: an object altered in the store fails the drill, which is recorded anyway.
    let root = ok_json(&ws, ALICE, &["show", "churn@1.0.0"])["version"]["files"][0]["sha256"].as_str().unwrap().to_string();
    let object = ws.path().join("objects-v1").join(&root[..2]).join(&root[2..]);
    let good = std::fs::read(&object).unwrap();
    let mut perms = std::fs::metadata(&object).unwrap().permissions();
    #[allow(clippy::permissions_set_readonly_false)]
    perms.set_readonly(false);
    std::fs::set_permissions(&object, perms).unwrap();
    std::fs::write(&object, b"rot").unwrap();
    let n = events(&ws);
    let (code, d) = drill(&ws, &["--env", "prod"]);
    assert_eq!((code, failed(&d)), (3, vec!["bytes".to_string()]), "{d}");
    assert_eq!(events(&ws), n + 1, "a failed drill is on record too");
    std::fs::write(&object, &good).unwrap();

    // Approvals: the previous version revoked.
    ok_json(&ws, ALICE, &["promote", "churn@1.0.0", "--status", "revoked", "--reason", "found a leak"]);
    assert_eq!(failed(&drill(&ws, &[]).1), ["approvals"]);
    // The last drill of each environment is in the report.
    let out = ws.dir.path().join("bundle");
    ok_json(&ws, ALICE, &["report", "churn@1.1.0", "--out", s(&out)]);
    let report = std::fs::read_to_string(out.join("report.json")).unwrap();
    assert!(report.contains("Last recovery drill per environment") && report.contains("FAILED"), "the last drill, which failed");
    assert_eq!(ok_json(&ws, ALICE, &["verify", s(&out)])["ok"], true);
}

#[test]
fn erasure_interface_and_a_first_deployment_fail_their_checks() {
    let ws = Ws::new();
    compatible_pair(&ws);
    // Erasure: an open request on the data the previous version was trained on.
    let h = "ab".repeat(32);
    ok_json(&ws, "dpo@example.com", &["erase", "--dataset", "d@1", "--subject-hash", &h, "--reason", "Art. 17"]);
    let (code, d) = drill(&ws, &[]);
    assert_eq!(code, 3);
    assert!(failed(&d).contains(&"erasure".to_string()), "{d}");

    // Interface: a previous version whose tensors differ; and an environment with one version.
    let ws = Ws::new();
    super::two_versions(&ws);
    approve_and_promote(&ws, "churn@1.0.0");
    approve_and_promote(&ws, "churn@1.1.0");
    ok_json(&ws, ALICE, &["deploy", "churn@1.0.0", "--env", "prod", "--reason", "a"]);
    ok_json(&ws, ALICE, &["deploy", "churn@1.0.0", "--env", "edge", "--reason", "a"]);
    std::thread::sleep(std::time::Duration::from_millis(15));
    ok_json(&ws, ALICE, &["deploy", "churn@1.1.0", "--env", "prod", "--reason", "b"]);
    let (code, d) = drill(&ws, &["--env", "prod"]);
    assert_eq!((code, failed(&d)), (3, vec!["interface".to_string()]), "{d}");
    let interface = d["drills"][0]["checks"].as_array().unwrap().iter().find(|c| c["name"] == "interface").unwrap().clone();
    assert!(interface["detail"].as_str().unwrap().contains("would break"), "{interface}");
    let (_, d) = drill(&ws, &["--env", "edge"]);
    assert_eq!(failed(&d), ["restorable"]);
    // Both environments at once; the latest of each is listed.
    let (_, all) = drill(&ws, &[]);
    assert_eq!(all["drills"].as_array().unwrap().len(), 2);
    assert!(ws.fails(&["drill", "--env", "nowhere"]).contains("nothing serves"));
}
