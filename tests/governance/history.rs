//! Production history through the real binary: attachments (stored by digest, in `show`, the
//! report bundle and the ML-BOM), "which model decided this" at any instant, and deployments
//! recorded by machines (a carrier digest, KServe and Seldon manifests).

use std::process::Command;

use serde_json::Value;

use super::common::{Ws, s};
use super::{approve_and_promote, ok_json, refused, two_versions};

const ALICE: &str = "alice@example.com";

fn events(ws: &Ws) -> u64 {
    ok_json(ws, ALICE, &["audit", "verify"])["events"].as_u64().unwrap()
}

#[test]
fn attachments_are_kept_by_digest_and_reach_show_the_report_and_the_mlbom() {
    let ws = Ws::new();
    two_versions(&ws);
    let shap = ws.write("evidence/shap summary.html", b"<html>SHAP values per feature</html>");
    let fair = ws.write("evidence/fairness.json", br#"{"demographic_parity": 0.03}"#);
    let a = ok_json(&ws, ALICE, &["attach", "churn@1.1.0", s(&shap), "--kind", "explainability"]);
    assert_eq!((a["created"].as_bool(), a["attachment"]["kind"].as_str()), (Some(true), Some("explainability")), "{a}");
    let digest = a["attachment"]["sha256"].as_str().unwrap().to_string();
    assert_eq!(digest, hex_sha256(&std::fs::read(&shap).unwrap()));
    ok_json(&ws, ALICE, &["attach", "churn@1.1.0", s(&fair), "--kind", "fairness"]);
    // The same file again is nothing new; a bad request stores and records nothing.
    let n = events(&ws);
    let objects = ws.objects();
    assert_eq!(ok_json(&ws, ALICE, &["attach", "churn@1.1.0", s(&shap), "--kind", "explainability"])["created"], false);
    let err = refused(&ws, ALICE, &["attach", "churn@1.1.0", s(&ws.inputs().join("evidence")), "--kind", "other"]);
    assert!(err.contains("not a file"), "{err}");
    assert!(refused(&ws, ALICE, &["attach", "churn@9.9.9", s(&fair), "--kind", "other"]).contains("not registered"));
    let other = ws.write("evidence/other.txt", b"never stored");
    assert!(refused(&ws, ALICE, &["attach", "churn@9.9.9", s(&other), "--kind", "other"]).contains("not registered"));
    assert_eq!((events(&ws), ws.objects()), (n, objects), "refusals leave nothing behind");
    // The stored bytes are the file's, whatever happens to the file after.
    std::fs::write(&shap, b"edited later").unwrap();
    let shown = ok_json(&ws, ALICE, &["show", "churn@1.1.0"]);
    let listed: Vec<(&str, &str)> = shown["attachments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| (a["name"].as_str().unwrap(), a["kind"].as_str().unwrap()))
        .collect();
    assert_eq!(listed, [("shap summary.html", "explainability"), ("fairness.json", "fairness")]);
    let human = String::from_utf8(ws.run(&["show", "churn@1.1.0"]).stdout).unwrap();
    assert!(human.contains("ATTACHMENTS") && human.contains(&digest), "{human}");

    // The report bundle carries the bytes, lists them, and verifies; the ML-BOM refers to them.
    let out = ws.dir.path().join("bundle");
    ok_json(&ws, ALICE, &["report", "churn@1.1.0", "--out", s(&out)]);
    let kept = out.join(format!("attachments/{}-shap summary.html", &digest[..12]));
    assert_eq!(std::fs::read(&kept).unwrap(), b"<html>SHAP values per feature</html>");
    assert_eq!(ok_json(&ws, ALICE, &["verify", s(&out)])["ok"], true);
    let report: Value = serde_json::from_slice(&std::fs::read(out.join("report.json")).unwrap()).unwrap();
    let validation = report["sections"].as_array().unwrap().iter().find(|x| x["id"] == "validation").unwrap();
    assert!(validation.to_string().contains("Attached evidence") && validation.to_string().contains(&digest), "{validation}");
    let bom: Value = serde_json::from_slice(&std::fs::read(out.join("mlbom.cdx.json")).unwrap()).unwrap();
    let refs = bom["metadata"]["component"]["externalReferences"].as_array().unwrap();
    let shap_ref = refs.iter().find(|r| r["hashes"][0]["content"] == digest.as_str()).unwrap();
    assert_eq!(shap_ref["type"], "evidence");
    assert_eq!(
        shap_ref["url"].as_str().unwrap(),
        format!("attachments/{}-shap%20summary.html", &digest[..12]),
        "a path inside the bundle"
    );
    schema_valid(&out.join("mlbom.cdx.json"));
    // An attachment altered in the bundle fails its check, by name.
    std::fs::write(&kept, b"<html>other</html>").unwrap();
    let out2 = ws.run(&["verify", s(&out), "--json"]);
    assert!(!out2.status.success());
    assert!(String::from_utf8_lossy(&out2.stdout).contains("shap summary.html"));
}

fn hex_sha256(b: &[u8]) -> String {
    hex::encode(openssl::sha::sha256(b))
}

/// The ML-BOM against the official CycloneDX 1.6 schema (cyclonedx-python-lib).
pub(super) fn schema_valid(bom: &std::path::Path) {
    let py = std::env::var("PEDIGREE_INTEROP_PYTHON").expect("PEDIGREE_INTEROP_PYTHON is not set: run `make test`");
    let check = Command::new(py)
        .args([
            "-c",
            "import sys\nfrom cyclonedx.validation.json import JsonStrictValidator\nfrom cyclonedx.schema import SchemaVersion\n\
             err = JsonStrictValidator(SchemaVersion.V1_6).validate_str(open(sys.argv[1]).read())\nprint(err or 'valid')\nsys.exit(1 if err else 0)",
        ])
        .arg(bom)
        .output()
        .unwrap();
    assert!(
        check.status.success(),
        "ML-BOM invalid: {}{}",
        String::from_utf8_lossy(&check.stdout),
        String::from_utf8_lossy(&check.stderr)
    );
}

fn deciders(d: &Value) -> Vec<(String, u64, String)> {
    d["deciders"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| {
            let dep = &x["deployment"];
            (
                format!("{}@{}", dep["model"].as_str().unwrap(), dep["version"].as_str().unwrap()),
                dep["traffic"].as_u64().unwrap(),
                dep["role"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn pause() {
    std::thread::sleep(std::time::Duration::from_millis(20));
}

#[test]
fn decision_names_what_served_at_an_instant_with_the_evidence_recorded_by_then() {
    let ws = Ws::new();
    two_versions(&ws);
    approve_and_promote(&ws, "churn@1.0.0");
    ok_json(&ws, ALICE, &["evaluate", "churn@1.0.0", "--dataset", "d@1", "--metric", "auc=0.81", "--threshold", ">=", "0.8"]);
    let before = chrono_now();
    pause();
    let t1 = ok_json(&ws, ALICE, &["deploy", "churn@1.0.0", "--env", "prod", "--reason", "launch"])[0]["startedAt"]
        .as_str()
        .unwrap()
        .to_string();
    pause();
    // 1.1.0 in staging before anyone approved it; the approval comes later.
    ok_json(&ws, ALICE, &["deploy", "churn@1.1.0", "--env", "staging", "--reason", "try"]);
    pause();
    let mid = chrono_now();
    pause();
    approve_and_promote(&ws, "churn@1.1.0");
    let t2 = ok_json(
        &ws,
        ALICE,
        &["deploy", "churn@1.1.0", "--env", "prod", "--strategy", "canary", "--traffic", "20", "--reason", "canary"],
    )[0]["startedAt"]
        .as_str()
        .unwrap()
        .to_string();
    let now = ok_json(&ws, ALICE, &["decision", "--env", "prod"]);
    assert_eq!(now["production"], true);
    assert_eq!(deciders(&now), [("churn@1.0.0".into(), 80, "primary".into()), ("churn@1.1.0".into(), 20, "canary".into())]);
    let first = &now["deciders"][0];
    assert_eq!(first["evaluations"][0]["metric"], "auc");
    assert_eq!(first["approvals"][0]["actor"], "bob@example.com");
    assert_eq!(first["gate"]["ok"], true);
    let at_t1 = ok_json(&ws, ALICE, &["decision", "--env", "prod", "--at", &t1]);
    assert_eq!(deciders(&at_t1), [("churn@1.0.0".into(), 100, "primary".into())]);
    let just_before_t2 = ok_json(&ws, ALICE, &["decision", "--env", "prod", "--at", &mid]);
    assert_eq!(deciders(&just_before_t2), [("churn@1.0.0".into(), 100, "primary".into())]);
    assert_eq!(deciders(&ok_json(&ws, ALICE, &["decision", "--env", "prod", "--at", &t2])).len(), 2);
    assert!(deciders(&ok_json(&ws, ALICE, &["decision", "--env", "prod", "--at", &before])).is_empty());
    // Staging at `mid`: 1.1.0 served, and no approval had been recorded yet; now it has one.
    let staging_then = ok_json(&ws, ALICE, &["decision", "--env", "staging", "--at", &mid]);
    assert_eq!(staging_then["deciders"][0]["approvals"].as_array().unwrap().len(), 0, "{staging_then}");
    let staging_now = ok_json(&ws, ALICE, &["decision", "--env", "staging"]);
    assert_eq!(staging_now["deciders"][0]["approvals"].as_array().unwrap().len(), 1);
    let err = refused(&ws, ALICE, &["decision", "--env", "prod", "--at", "yesterday"]);
    assert!(err.contains("RFC 3339") && err.trim_end().ends_with("(--at)"), "{err}");
    // `serving` and `decision` are one answer: the same rows at the same instant.
    let serving = ok_json(&ws, ALICE, &["serving", "--env", "prod", "--at", &t2]);
    let decision = ok_json(&ws, ALICE, &["decision", "--env", "prod", "--at", &t2]);
    let mut a: Vec<String> = serving["deployments"].as_array().unwrap().iter().map(Value::to_string).collect();
    let mut b: Vec<String> = decision["deciders"].as_array().unwrap().iter().map(|d| d["deployment"].to_string()).collect();
    a.sort();
    b.sort();
    assert_eq!(a, b);
}

fn chrono_now() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

fn root_of(ws: &Ws, r: &str) -> String {
    ok_json(ws, ALICE, &["show", r])["version"]["rootDigest"].as_str().unwrap().to_string()
}

#[test]
fn machines_record_deployments_with_their_carrier_and_from_kserve_and_seldon_manifests() {
    let ws = Ws::new();
    two_versions(&ws);
    approve_and_promote(&ws, "churn@1.0.0");
    approve_and_promote(&ws, "churn@1.1.0");
    // CI records what it deployed, with the image digest that carried the model.
    let image = format!("registry.example.com/churn-server@sha256:{}", "ab".repeat(32));
    let d = ok_json(
        &ws,
        "ci@example.com",
        &["deploy", "churn@1.0.0", "--env", "staging", "--reason", "pipeline 812", "--carrier", &image, "--recorded-from", "ci"],
    );
    assert_eq!((d[0]["carrier"].as_str(), d[0]["recordedFrom"].as_str()), (Some(image.as_str()), Some("ci")));
    let err = refused(&ws, ALICE, &["deploy", "churn@1.0.0", "--env", "staging", "--reason", "x", "--carrier", "latest"]);
    assert!(err.contains("sha256:HEX") && err.trim_end().ends_with("(--carrier)"), "{err}");

    // KServe: the storage URI pins the version by digest (an OCI reference).
    let root1 = root_of(&ws, "churn@1.0.0");
    let isvc = |uri: &str, canary: Option<u32>| {
        let c = canary.map(|c| format!("    canaryTrafficPercent: {c}\n")).unwrap_or_default();
        format!(
            "apiVersion: serving.kserve.io/v1beta1\nkind: InferenceService\nmetadata:\n  name: churn\n  namespace: prod\nspec:\n  predictor:\n{c}    model:\n      modelFormat: {{name: sklearn}}\n      storageUri: {uri}\n"
        )
    };
    let m1 = ws.write("isvc-1.yaml", isvc(&format!("oci://registry.example.com/models/churn@sha256:{root1}"), None).as_bytes());
    let r = ok_json(&ws, "ci@example.com", &["deploy", "--env", "prod", "--from-manifest", s(&m1)]);
    assert_eq!(
        (r["deployments"].as_u64(), r["versions"][0].as_str(), r["recordedFrom"].as_str()),
        (Some(1), Some("churn@1.0.0"), Some("kserve:churn")),
        "{r}"
    );
    assert_eq!(
        r["carrier"].as_str().unwrap(),
        format!("sha256:{}", hex_digest_of(&m1)),
        "no pinned image: the manifest's own digest"
    );
    // Applied again (CI re-runs): nothing new.
    let n = events(&ws);
    assert_eq!(ok_json(&ws, "ci@example.com", &["deploy", "--env", "prod", "--from-manifest", s(&m1)])["deployments"], 0);
    assert_eq!(events(&ws), n);

    // A canary from a store's URI: the indexed files there are churn@1.1.0's.
    let store = ws.inputs().join("bucket/churn/1.1.0");
    std::fs::create_dir_all(&store).unwrap();
    std::fs::copy(ws.inputs().join("m2.safetensors"), store.join("m2.safetensors")).unwrap();
    let bucket = format!("file://{}", ws.inputs().join("bucket").display());
    ok_json(&ws, ALICE, &["store", "add", "bucket", &bucket]);
    ok_json(&ws, ALICE, &["index"]);
    let m2 = ws.write("isvc-2.yaml", isvc(&format!("{bucket}/churn/1.1.0/"), Some(10)).as_bytes());
    let r = ok_json(
        &ws,
        "ci@example.com",
        &["deploy", "--env", "prod", "--from-manifest", s(&m2), "--reason", "canary from pipeline 813"],
    );
    assert_eq!(r["versions"][0], "churn@1.1.0", "{r}");
    let live = deciders(&ok_json(&ws, ALICE, &["decision", "--env", "prod"]));
    assert_eq!(live, [("churn@1.0.0".into(), 90, "primary".into()), ("churn@1.1.0".into(), 10, "canary".into())]);

    // Seldon Core v1: two predictors and a shadow; the container image is the carrier.
    let seldon = format!(
        r#"{{"apiVersion": "machinelearning.seldon.io/v1", "kind": "SeldonDeployment", "metadata": {{"name": "churn-sd"}},
            "spec": {{"predictors": [
              {{"name": "main", "traffic": 75, "graph": {{"name": "c", "modelUri": "oci://r/churn@sha256:{root2}"}},
                "componentSpecs": [{{"spec": {{"containers": [{{"name": "c", "image": "{image}"}}]}}}}]}},
              {{"name": "canary", "traffic": 25, "graph": {{"name": "c", "modelUri": "oci://r/churn@sha256:{root1}"}}}}
            ]}}}}"#,
        root2 = root_of(&ws, "churn@1.1.0"),
    );
    let m3 = ws.write("seldon.json", seldon.as_bytes());
    let r = ok_json(&ws, "ci@example.com", &["deploy", "--env", "eu", "--from-manifest", s(&m3)]);
    assert_eq!((r["carrier"].as_str(), r["deployments"].as_u64()), (Some(image.as_str()), Some(2)), "{r}");
    let eu = deciders(&ok_json(&ws, ALICE, &["decision", "--env", "eu"]));
    assert_eq!(eu, [("churn@1.1.0".into(), 75, "primary".into()), ("churn@1.0.0".into(), 25, "canary".into())]);
    // Seldon Core v2 Model, from stdin.
    let model = format!(
        "apiVersion: mlops.seldon.io/v1alpha1\nkind: Model\nmetadata:\n  name: churn-v2\nspec:\n  storageUri: gs://m/churn@sha256:{root1}\n"
    );
    let mut c = ws.command_as("ci@example.com", &["deploy", "--env", "edge", "--from-manifest", "-", "--json"]);
    let out = pipe(&mut c, model.as_bytes());
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));

    // Refused, and nothing changes: an unknown digest, a contradicting annotation, bad traffic,
    // not a manifest at all, an unapproved version in production.
    let m = model_for_unapproved(&ws);
    let before = (ws.snapshot(), events(&ws));
    let unknown = ws.write("x1.yaml", isvc(&format!("oci://r/churn@sha256:{}", "cd".repeat(32)), None).as_bytes());
    assert!(refused(&ws, ALICE, &["deploy", "--env", "prod", "--from-manifest", s(&unknown)]).contains("names no version here"));
    let contra = isvc(&format!("oci://r/churn@sha256:{root1}"), None)
        .replace("  namespace: prod\n", "  annotations:\n    pedigree.dev/version: churn@1.1.0\n");
    let contra = ws.write("x2.yaml", contra.as_bytes());
    assert!(refused(&ws, ALICE, &["deploy", "--env", "prod", "--from-manifest", s(&contra)]).contains("annotation"));
    let bad_traffic = ws.write("x3.json", seldon.replace("\"traffic\": 25", "\"traffic\": 5").as_bytes());
    assert!(refused(&ws, ALICE, &["deploy", "--env", "eu", "--from-manifest", s(&bad_traffic)]).contains("adds up to 100"));
    let junk = ws.write("x4.yaml", b"- just\n- a list\n: [\n");
    assert!(refused(&ws, ALICE, &["deploy", "--env", "prod", "--from-manifest", s(&junk)]).contains("InferenceService"));
    assert!(refused(&ws, ALICE, &["deploy", "--env", "prod", "--from-manifest", s(&m)]).contains("production"));
    assert_eq!((ws.snapshot(), events(&ws)), before);
    assert!(ws.run(&["audit", "verify"]).status.success());
}

/// A manifest naming a third version, registered and never approved.
fn model_for_unapproved(ws: &Ws) -> std::path::PathBuf {
    let f = super::model_file(ws, "m3.safetensors", 16);
    let reg = ok_json(ws, ALICE, &["register", s(&f), "--model", "churn", "--version", "1.2.0"]);
    let root = reg["rootDigest"].as_str().unwrap().to_string();
    ws.write(
        "x5.yaml",
        format!("kind: Model\nmetadata: {{name: m}}\nspec:\n  storageUri: s3://b/churn@sha256:{root}\n").as_bytes(),
    )
}

fn hex_digest_of(p: &std::path::Path) -> String {
    hex_sha256(&std::fs::read(p).unwrap())
}

fn pipe(c: &mut Command, input: &[u8]) -> std::process::Output {
    use std::io::Write;
    let mut child = c
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(input).unwrap();
    child.wait_with_output().unwrap()
}
