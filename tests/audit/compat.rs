//! Old data keeps working: a workspace and a report bundle written by the code before the
//! structure step (tests/fixtures/before-structure-step/, made with `open_demo`, a sealed S3
//! store, a signed checkpoint and `pedigree report churn@2.0.0`) open, migrate, verify and take
//! new writes with today's code.

use std::path::{Path, PathBuf};

pub use super::common::copy_dir;
use super::common::{Ws, s, stderr};
use super::fixtures;

fn fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/before-structure-step")
}

/// A scratch copy of the old workspace (the fixture itself is never written).
fn old_workspace() -> Ws {
    let w = Ws { dir: tempfile::tempdir().unwrap() };
    copy_dir(&fixture().join("ws"), &w.path());
    w
}

#[test]
fn a_workspace_from_before_the_structure_step_opens_verifies_and_takes_new_versions() {
    let w = old_workspace();
    let v = w.json(&["audit", "verify"]);
    assert_eq!(v["ok"], true, "{v}");
    assert_eq!(v["events"], 37, "{v}");
    let models = w.json(&["models"]);
    let names: Vec<&str> = models["models"].as_array().unwrap().iter().map(|m| m["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["churn", "llm-base", "llm-legal", "llm-legal-q4", "llm-small", "resnet", "router"]);
    let shown = w.json(&["show", "churn@2.0.0"]);
    assert_eq!(shown["version"]["version"], "2.0.0");
    // Catalog migration 5 (`register --link`): versions from before were copied into the store.
    assert_eq!(shown["version"]["storage"], "copy", "{shown}");
    let serving = w.json(&["serving", "--env", "prod"]);
    let live: Vec<(String, u64)> = serving["deployments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| (format!("{}@{}", d["model"].as_str().unwrap(), d["version"].as_str().unwrap()), d["traffic"].as_u64().unwrap()))
        .collect();
    assert_eq!(live, [("churn@2.0.0".to_string(), 20), ("churn@1.0.0".to_string(), 80)], "{serving}");
    let stores = w.json(&["store", "list"]);
    assert_eq!(stores["stores"][0]["name"], "team");
    assert!(!stores.to_string().contains("fixture-secret"), "sealed credentials stay sealed");
    // Versions from before per-tensor digests (catalog migration 4) still diff; which tensors'
    // bytes changed is unknown for them, and says so.
    let d = w.json(&["diff", "llm-base@1.0.0", "llm-base@1.1.0"]);
    assert_eq!(d["tensors"]["digestsKnown"], false, "{d}");
    assert!(!d["files"]["changed"].as_array().unwrap().is_empty(), "{d}");
    // New writes land after the old history and keep the chain valid.
    let f = w.write("m.safetensors", &fixtures::safetensors(&[("w", "F32", &[3])], &[]));
    let reg = w.json(&["register", s(&f), "--model", "after-upgrade"]);
    assert_eq!(reg["version"], "1.0.0", "{reg}");
    let v = w.json(&["audit", "verify"]);
    assert_eq!((v["ok"].as_bool(), v["events"].as_i64()), (Some(true), Some(39)), "{v}");
    let report = w.dir.path().join("new-report");
    w.json(&["report", "churn@2.0.0", "--out", s(&report)]);
    assert_eq!(w.json(&["verify", s(&report)])["ok"], true);
}

#[test]
fn a_report_bundle_from_before_the_structure_step_still_verifies_and_its_tampering_is_caught() {
    let w = Ws::new();
    let bundle = w.dir.path().join("old-bundle");
    copy_dir(&fixture().join("bundle"), &bundle);
    let v = w.json(&["verify", s(&bundle)]);
    assert_eq!(v["ok"], true, "{v}");
    let html = bundle.join("report.html");
    let mut bytes = std::fs::read(&html).unwrap();
    let i = bytes.iter().position(|&b| b == b'<').unwrap();
    bytes[i + 1] ^= 1;
    std::fs::write(&html, bytes).unwrap();
    let out = w.run(&["verify", s(&bundle)]);
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("report.html") || String::from_utf8_lossy(&out.stdout).contains("report.html"),
        "{}",
        stderr(&out)
    );
}

/// A workspace from before descriptions and tags (catalog migration 10), synced with a real
/// MLflow 3.17.2 server that is gone now (tests/fixtures/before-annotations/: two versions pushed,
/// one pulled with a description and a tag, one recorded by `--metadata-only`, an alias, sealed
/// credentials, a 1 h schedule).
#[test]
fn a_workspace_from_before_annotations_migrates_shows_descriptions_and_keeps_its_remote() {
    let w = Ws { dir: tempfile::tempdir().unwrap() };
    copy_dir(&Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/before-annotations/ws"), &w.path());
    let v = w.json(&["audit", "verify"]);
    assert_eq!((v["ok"].as_bool(), v["events"].as_i64()), (Some(true), Some(15)), "{v}");
    // A version's description is its registration message until one is set; nothing else came.
    let tags = w.json(&["tags", "churn@1.0.0"]);
    assert_eq!((tags["description"].as_str(), tags["tags"].as_object().map(|t| t.len())), (Some("first cut"), Some(0)), "{tags}");
    assert_eq!(w.json(&["tags", "scorer@1.0.0"])["description"], "from the server");
    let remotes = w.json(&["remote", "list"]);
    let team = &remotes["remotes"][0];
    assert_eq!((team["name"].as_str(), team["syncEvery"].as_u64()), (Some("team"), Some(3600)), "{remotes}");
    assert!(!remotes.to_string().contains("fixture-password"), "sealed credentials stay sealed");
    let shown = w.json(&["show", "churn@champion"]);
    assert_eq!(shown["version"]["version"], "1.0.0");
    assert_eq!(shown["bindings"][0]["key"], "churn/1", "{shown}");
    // The server is gone: one clear line, nothing changes.
    let before = w.snapshot();
    let out = w.run(&["sync", "team"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("cannot reach the MLflow server"), "{}", stderr(&out));
    assert_eq!(w.snapshot(), before);
    // New metadata lands after the old history and keeps the chain valid.
    w.json(&["tag", "set", "churn@2.0.0", "team", "fraud"]);
    w.json(&["describe", "churn", "churn model"]);
    assert_eq!(w.json(&["tags", "churn"])["description"], "churn model");
    let v = w.json(&["audit", "verify"]);
    assert_eq!((v["ok"].as_bool(), v["events"].as_i64()), (Some(true), Some(17)), "{v}");
}

/// A bundle made before the event wire form (tests/fixtures/before-event-wire-form/: its
/// `log/entries.jsonl` lists stored rows, `prevHash` and the payload as a string) still verifies;
/// an edited entry is still caught.
#[test]
fn a_report_bundle_from_before_the_event_wire_form_still_verifies() {
    let w = Ws::new();
    let bundle = w.dir.path().join("old-bundle");
    copy_dir(&Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/before-event-wire-form/bundle"), &bundle);
    let v = w.json(&["verify", s(&bundle)]);
    assert_eq!(v["ok"], true, "{v}");
    let entries = bundle.join("log/entries.jsonl");
    let text = std::fs::read_to_string(&entries).unwrap();
    assert!(text.contains("\"prevHash\"") && !text.contains("\"record\""), "the old form: {text}");
    std::fs::write(&entries, text.replacen("alice@example.com", "mallory@example.com", 1)).unwrap();
    let out = w.run(&["verify", s(&bundle), "--json"]);
    assert!(!out.status.success());
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(v.to_string().contains("does not hash to its hash"), "{v}");
}

/// A workspace and a bundle from before production history (catalog migration 12,
/// tests/fixtures/before-production-history/: two approved versions, an evaluation, a launch, a
/// canary and a full switch in prod, a report): the workspace migrates, its deployments answer
/// "which model decided this" (no carrier: typed by a person), it takes attachments, and the old
/// bundle still verifies.
#[test]
fn a_workspace_from_before_production_history_migrates_and_answers_decisions() {
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/before-production-history");
    let w = Ws { dir: tempfile::tempdir().unwrap() };
    copy_dir(&fixture.join("ws"), &w.path());
    let v = w.json(&["audit", "verify"]);
    assert_eq!((v["ok"].as_bool(), v["events"].as_i64()), (Some(true), Some(13)), "{v}");
    let history = w.json(&["deployments", "--env", "prod"]);
    let rows = history["deployments"].as_array().unwrap();
    assert_eq!(rows.len(), 4, "{history}");
    assert!(rows.iter().all(|d| d["carrier"].is_null()), "{history}");
    // The canary's start: churn@1.0.0 at 90 %, churn@1.1.0 at 10 %, with 1.1.0's evaluation.
    let canary_at = rows.iter().find(|d| d["role"] == "canary").unwrap()["startedAt"].as_str().unwrap().to_string();
    let d = w.json(&["decision", "--env", "prod", "--at", &canary_at]);
    let shares: Vec<(String, u64)> = d["deciders"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| (x["deployment"]["version"].as_str().unwrap().to_string(), x["deployment"]["traffic"].as_u64().unwrap()))
        .collect();
    assert_eq!(shares, [("1.0.0".to_string(), 90), ("1.1.0".to_string(), 10)], "{d}");
    assert_eq!(d["deciders"][1]["evaluations"][0]["value"], 0.91);
    let doc = w.write("card.md", b"# churn model card\n");
    assert_eq!(w.json(&["attach", "churn@1.1.0", s(&doc), "--kind", "documentation"])["created"], true);
    let v = w.json(&["audit", "verify"]);
    assert_eq!((v["ok"].as_bool(), v["events"].as_i64()), (Some(true), Some(14)), "{v}");
    let report = w.dir.path().join("new-report");
    w.json(&["report", "churn@1.1.0", "--out", s(&report)]);
    assert_eq!(w.json(&["verify", s(&report)])["ok"], true);
    let old = w.dir.path().join("old-bundle");
    copy_dir(&fixture.join("bundle"), &old);
    assert_eq!(w.json(&["verify", s(&old)])["ok"], true);
}
