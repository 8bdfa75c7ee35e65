//! Descriptions, tags and stages: each side's changes reach the other on the next sync, field by
//! field, though MLflow moves no timestamp for a tag; a field changed on both sides is a conflict
//! that overwrites neither until resolved.

use super::{peer, seed, sync};
use crate::common::Ws;

/// Python: changes on the server, or reads its metadata back (`read`).
const REMOTE: &str = r#"
import sys, json
from mlflow import MlflowClient
c = MlflowClient()
name, step = sys.argv[1], sys.argv[2]
if step == "first":
    c.set_registered_model_tag(name, "team", "fraud")
    c.set_model_version_tag(name, "1", "owner", "ana")
    c.transition_model_version_stage(name, "1", "Staging")
    c.update_model_version(name, "2", description="from mlflow")
elif step == "both":
    c.update_model_version(name, "1", description="there")
    c.set_model_version_tag(name, "1", "owner", "bob")
elif step == "huge":
    c.update_model_version(name, "2", description="x" * 70000)
elif step == "read":
    m = c.get_registered_model(name)
    vs = {v.version: {"description": v.description, "tags": {k: x for k, x in v.tags.items() if not k.startswith("pedigree.")},
                      "stage": v.current_stage} for v in c.search_model_versions(f"name='{name}'")}
    print(json.dumps({"description": m.description, "tags": m.tags, "versions": vs}))
"#;

fn remote(step: &str) -> serde_json::Value {
    remote_of("fields1 Churn", step)
}

fn remote_of(name: &str, step: &str) -> serde_json::Value {
    let out = peer::client(REMOTE, &[name, step]);
    serde_json::from_str(out.trim().lines().last().unwrap_or("null")).unwrap_or(serde_json::Value::Null)
}

fn events(w: &Ws) -> usize {
    w.json(&["audit", "log", "--limit", "100000"])["events"].as_array().unwrap().len()
}

#[test]
fn descriptions_tags_and_stages_follow_the_side_that_changed_them_and_both_sides_changing_one_is_a_conflict() {
    let server = peer::mlflow();
    seed("fields1");
    let w = Ws::new();
    w.json(&["remote", "add", "team", "mlflow", &server.url]);
    assert_eq!(sync(&w, &["--model", "fields1"]).0, 0);
    let versions = w.json(&["versions", "fields1-churn"]);
    let (v2, v1) = (versions["versions"][0]["version"].as_str().unwrap(), versions["versions"][1]["version"].as_str().unwrap());
    let (v1, v2) = (format!("fields1-churn@{v1}"), format!("fields1-churn@{v2}"));
    // What the server had came with the pull: the model's description, version 2's tag.
    assert_eq!(w.json(&["tags", "fields1-churn"])["description"], "churn model");
    assert_eq!(w.json(&["tags", &v2])["tags"], serde_json::json!({"stage": "shadow"}));

    // Each side changes different fields; MLflow moves no timestamp for the tags.
    remote("first");
    w.json(&["describe", "fields1-churn", "churn, described here"]);
    w.json(&["tag", "set", &v2, "reviewed", "yes"]);
    let (code, r) = sync(&w, &["--model", "fields1"]);
    assert_eq!(code, 0, "{r}");
    assert_eq!((r["fieldsPulled"].as_u64(), r["fieldsPushed"].as_u64()), (Some(4), Some(2)), "{r}");
    let here1 = w.json(&["tags", &v1]);
    assert_eq!((here1["tags"]["owner"].as_str(), here1["stage"].as_str()), (Some("ana"), Some("Staging")), "{here1}");
    assert_eq!(w.json(&["tags", &v2])["description"], "from mlflow");
    assert_eq!(w.json(&["tags", "fields1-churn"])["tags"]["team"], "fraud");
    let there = remote("read");
    assert_eq!(there["description"], "churn, described here", "{there}");
    assert_eq!(there["versions"]["2"]["tags"], serde_json::json!({"stage": "shadow", "reviewed": "yes"}), "{there}");
    // Pulled changes are audited, naming the remote.
    let log = w.json(&["audit", "log"]);
    let pulled = log["events"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == "annotate" && e["payload"].as_str().unwrap().contains(r#""remote":"team""#))
        .count();
    // The model's description at the first sync, then the four fields above.
    assert_eq!(pulled, 5, "{log}");

    // In step: nothing moves and nothing is written, on either side.
    let before = (w.snapshot(), events(&w));
    let (code, r) = sync(&w, &["--model", "fields1"]);
    assert_eq!((code, r["fieldsPulled"].as_u64(), r["fieldsPushed"].as_u64()), (0, Some(0), Some(0)), "{r}");
    assert!(r["requests"].as_u64().unwrap() <= 2, "{r}");
    assert_eq!((w.snapshot(), events(&w)), before);

    // Both sides change version 1's description and its owner tag, differently.
    remote("both");
    w.json(&["describe", &v1, "here"]);
    w.json(&["tag", "set", &v1, "owner", "carol"]);
    let (code, r) = sync(&w, &["--model", "fields1"]);
    assert_eq!(code, 3, "conflicts are open: {r}");
    let list = w.json(&["conflicts"]);
    let conflicts = list["conflicts"].as_array().unwrap().clone();
    let mut fields: Vec<&str> = conflicts.iter().map(|c| c["field"].as_str().unwrap()).collect();
    fields.sort();
    assert_eq!(fields, ["description", "tag:owner"], "{list}");
    let description = conflicts.iter().find(|c| c["field"] == "description").unwrap();
    assert_eq!(description["subject"], "fields1 Churn/1");
    assert_eq!(
        (description["local"].as_str(), description["remoteValue"].as_str()),
        (Some("here"), Some("there")),
        "{description}"
    );
    // Neither side was overwritten, by this sync or the next.
    assert_eq!(sync(&w, &["--model", "fields1"]).0, 3);
    assert_eq!(w.json(&["tags", &v1])["tags"]["owner"], "carol");
    assert_eq!(remote("read")["versions"]["1"]["tags"]["owner"], "bob");

    // Take the local description and the remote's owner.
    let owner = conflicts.iter().find(|c| c["field"] == "tag:owner").unwrap();
    w.json(&["resolve", &description["id"].to_string(), "--take", "local"]);
    w.json(&["resolve", &owner["id"].to_string(), "--take", "remote"]);
    let there = remote("read");
    assert_eq!(there["versions"]["1"]["description"], "here", "{there}");
    assert_eq!(w.json(&["tags", &v1])["tags"]["owner"], "bob");
    let (code, r) = sync(&w, &["--model", "fields1"]);
    assert_eq!((code, r["fieldsPulled"].as_u64(), r["fieldsPushed"].as_u64()), (0, Some(0), Some(0)), "in step: {r}");

    // A tag removed here and a stage cleared here are removed there.
    w.json(&["tag", "remove", &v2, "reviewed"]);
    w.json(&["stage", &v1, "None"]);
    let (code, r) = sync(&w, &["--model", "fields1"]);
    assert_eq!((code, r["fieldsPushed"].as_u64()), (0, Some(2)), "{r}");
    let there = remote("read");
    assert_eq!(there["versions"]["2"]["tags"], serde_json::json!({"stage": "shadow"}), "{there}");
    assert_eq!(there["versions"]["1"]["stage"], "None", "{there}");

    // A value the server accepts but Pedigree would not take from a person is not taken from
    // the server either: reported, the local field unchanged.
    remote("huge");
    let (code, r) = sync(&w, &["--model", "fields1", "--pull-only"]);
    assert_eq!((code, r["fieldsPulled"].as_u64()), (0, Some(0)), "{r}");
    let skipped = r["skipped"].as_array().unwrap();
    assert!(
        skipped.iter().any(|i| i["subject"] == "fields1 Churn/2 description" && i["reason"].as_str().unwrap().contains("64 KiB")),
        "{r}"
    );
    assert_eq!(w.json(&["tags", &v2])["description"], "from mlflow");
    assert_eq!(w.json(&["audit", "verify"])["ok"], true);
}

#[test]
fn tags_are_checked_and_pedigree_s_own_keys_are_refused() {
    let w = Ws::new();
    let f = w.write("m/model.safetensors", &crate::fixtures::safetensors(&[("w", "F32", &[3])], &[]));
    w.json(&["register", f.to_str().unwrap(), "--model", "tagged", "-m", "first cut"]);
    // A version's description is its registration message until one is set.
    assert_eq!(w.json(&["tags", "tagged@1.0.0"])["description"], "first cut");
    let err = w.fails(&["tag", "set", "tagged@1.0.0", "pedigree.semver", "9.9.9"]);
    assert!(err.contains("Pedigree's own"), "{err}");
    let err = w.fails(&["stage", "tagged@1.0.0", "production"]);
    assert!(err.contains("Staging, Production, Archived"), "{err}");
    let err = w.fails(&["tag", "set", "nope@1.0.0", "k", "v"]);
    assert!(err.contains("nope"), "{err}");
    let before = events(&w);
    w.json(&["tag", "set", "tagged@1.0.0", "team", "fraud"]);
    w.json(&["tag", "set", "tagged@1.0.0", "team", "fraud"]);
    assert_eq!(events(&w), before + 1, "setting the same value again records nothing");
    let shown = w.json(&["show", "tagged@1.0.0"]);
    assert_eq!(shown["annotations"]["tags"]["team"], "fraud", "{shown}");
}

#[test]
fn a_model_pushed_for_the_first_time_takes_its_description_tags_and_stage_with_it() {
    let server = peer::mlflow();
    let w = Ws::new();
    let f = w.write("m/model.safetensors", &crate::fixtures::safetensors(&[("w", "F32", &[5])], &[]));
    w.json(&["register", f.to_str().unwrap(), "--model", "fields2-local", "-m", "first cut"]);
    w.json(&["describe", "fields2-local", "made here"]);
    w.json(&["tag", "set", "fields2-local", "team", "fraud"]);
    w.json(&["tag", "set", "fields2-local@1.0.0", "owner", "ana"]);
    w.json(&["stage", "fields2-local@1.0.0", "Staging"]);
    w.json(&["remote", "add", "team", "mlflow", &server.url]);
    let (code, r) = sync(&w, &["--model", "fields2"]);
    assert_eq!((code, r["pushed"].as_u64()), (0, Some(1)), "{r}");
    let there = remote_of("fields2-local", "read");
    assert_eq!((there["description"].as_str(), there["tags"]["team"].as_str()), (Some("made here"), Some("fraud")), "{there}");
    let v = &there["versions"]["1"];
    assert_eq!(
        (v["description"].as_str(), v["tags"]["owner"].as_str(), v["stage"].as_str()),
        (Some("first cut"), Some("ana"), Some("Staging")),
        "{there}"
    );
    // In step afterwards: nothing moves, nothing is written.
    let before = (w.snapshot(), events(&w));
    let (code, r) = sync(&w, &["--model", "fields2"]);
    assert_eq!((code, r["fieldsPulled"].as_u64(), r["fieldsPushed"].as_u64()), (0, Some(0), Some(0)), "{r}");
    assert_eq!((w.snapshot(), events(&w)), before);
}
