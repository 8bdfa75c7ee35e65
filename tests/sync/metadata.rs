//! `sync --metadata-only` records the server's versions without their files; `pedigree fetch`
//! (or a sync without the flag) brings them, verified like any pull.

use super::{files, peer, seed, sync};
use crate::common::Ws;

#[test]
fn metadata_only_records_versions_without_bytes_and_fetch_brings_them_byte_identical() {
    let server = peer::mlflow();
    let want = seed("meta1");
    let w = Ws::new();
    w.json(&["remote", "add", "team", "mlflow", &server.url]);
    let (code, r) = sync(&w, &["team", "--model", "meta1", "--metadata-only"]);
    assert_eq!((code, r["recorded"].as_u64(), r["pulled"].as_u64()), (0, Some(3), Some(0)), "{r}");
    assert_eq!(w.objects(), 0, "no bytes came");
    let states: Vec<String> = w
        .catalog()
        .prepare("SELECT state FROM bindings WHERE kind = 'version' ORDER BY remote_key")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert_eq!(states, vec!["remote-only"; 3]);
    // Again with nothing new: nothing recorded twice, nothing written.
    let before = w.snapshot();
    let (_, r) = sync(&w, &["team", "--model", "meta1", "--metadata-only"]);
    assert_eq!((r["recorded"].as_u64(), r["unchanged"].as_u64()), (Some(0), Some(2)), "{r}");
    assert_eq!(w.snapshot(), before);

    // One version by the server's names, then the rest by the local model name.
    let out = w.json(&["fetch", "meta1 Churn/1"]);
    assert_eq!(out["pulled"], 1, "{out}");
    let mut v1 = want["1"].clone();
    v1.remove("registered_model_meta");
    assert_eq!(files(&w, "meta1-churn@1.0.0"), v1);
    assert_eq!(w.json(&["versions", "meta1-churn"])["versions"].as_array().unwrap().len(), 1);
    let out = w.json(&["fetch", "meta1-churn"]);
    assert_eq!(out["pulled"], 1, "{out}");
    assert_eq!(w.json(&["versions", "meta1-churn"])["versions"].as_array().unwrap().len(), 2);
    let unknown = w.fails(&["fetch", "no-such-model"]);
    assert!(unknown.contains("no-such-model"), "{unknown}");

    // A sync without the flag tries what is still not here (the external one: out of reach).
    let (code, r) = sync(&w, &["team", "--model", "meta1"]);
    assert_eq!(code, 0, "{r}");
    let skipped = r["skipped"].as_array().unwrap();
    assert_eq!((skipped.len(), skipped[0]["subject"].as_str()), (1, Some("meta1-ext/1")), "{r}");
}

#[test]
fn a_version_recorded_without_its_files_is_fetched_when_a_command_first_names_it() {
    let server = peer::mlflow();
    let want = seed("need1");
    let w = Ws::new();
    w.json(&["remote", "add", "team", "mlflow", &server.url]);
    let (code, r) = sync(&w, &["team", "--model", "need1", "--metadata-only"]);
    assert_eq!((code, r["recorded"].as_u64()), (0, Some(3)), "{r}");
    // The server's alias names version 1; nothing of it is here yet.
    let out = w.run(&["show", "need1-churn@champion", "--json"]);
    assert!(out.status.success(), "{}", crate::common::stderr(&out));
    assert!(crate::common::stderr(&out).contains("fetched need1 Churn/1 from team"), "{}", crate::common::stderr(&out));
    let shown: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let mut v1 = want["1"].clone();
    v1.remove("registered_model_meta");
    let version = shown["version"]["version"].as_str().unwrap().to_string();
    assert_eq!(files(&w, &format!("need1-churn@{version}")), v1);
    assert_eq!(w.json(&["versions", "need1-churn"])["versions"].as_array().unwrap().len(), 1, "only what was needed came");
    // A name no remote has fails as before.
    let err = w.fails(&["show", "need1-churn@nope"]);
    assert!(err.contains("nope"), "{err}");
    let err = w.fails(&["fetch", "need1-churn@nope"]);
    assert!(err.contains("nope is neither"), "{err}");
    // `fetch MODEL@NUMBER` takes the server's version number.
    let out = w.json(&["fetch", "need1-churn@2"]);
    assert_eq!(out["pulled"], 1, "{out}");
}
