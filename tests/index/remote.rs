//! Remote stores against real servers: moto (S3) and python's http.server (HTTP autoindex);
//! faults the real servers cannot produce on demand (500s, a hang) come from `FaultyServer`.

use std::time::{Duration, Instant};

use serde_json::Value;

use super::common::{Ws, stderr};
use super::peers::{self, Fault, FaultyServer};
use super::{artifacts, by_path, fixtures, index};

/// Real model files as (key, bytes) pairs under `prefix`.
fn model_objects(prefix: &str) -> Vec<(String, Vec<u8>)> {
    let tmp = tempfile::tempdir().unwrap();
    fixtures::hf_dir(&tmp.path().join("hf"));
    fixtures::mlflow_dir(&tmp.path().join("mlf"));
    let mut out = vec![
        (format!("{prefix}/clf.safetensors"), fixtures::safetensors(&[("fc.weight", "F32", &[4, 8])], &[])),
        (format!("{prefix}/notes.txt"), b"plain text".to_vec()),
        (format!("{prefix}/empty.safetensors"), Vec::new()),
        (
            format!("{prefix}/dvc.lock"),
            b"schema: '2.0'\nstages:\n  train:\n    cmd: python train.py\n    deps:\n    - path: data.csv\n      md5: 9b4f3a0c1d2e3f405162738495a6b7c8\n    outs:\n    - path: clf.safetensors\n      md5: 1b4f3a0c1d2e3f405162738495a6b7c8\n".to_vec(),
        ),
    ];
    for dir in ["hf", "mlf"] {
        for e in std::fs::read_dir(tmp.path().join(dir)).unwrap().flatten() {
            out.push((format!("{prefix}/{dir}/{}", e.file_name().to_string_lossy()), std::fs::read(e.path()).unwrap()));
        }
    }
    out
}

fn add_s3(ws: &Ws, name: &str, uri: &str, endpoint: &str, extra: &[&str]) {
    let mut args =
        vec!["store", "add", name, uri, "--endpoint", endpoint, "--access-key-id", "testing", "--secret-access-key", "testing"];
    args.extend_from_slice(extra);
    ws.json(&args);
}

#[test]
fn s3_store_is_indexed_incrementally_by_etag_and_registers_verified_downloads() {
    let moto = peers::moto(false);
    let objects = model_objects("team/models");
    peers::s3_put(&moto.url(), "models", &objects);
    let ws = Ws::new();
    add_s3(&ws, "s3", "s3://models/team/models", &moto.url(), &[]);
    let rep = index(&ws, "s3");
    assert_eq!(rep["complete"], true, "{rep}");
    assert_eq!(rep["files"].as_u64().unwrap(), objects.len() as u64);
    let errs = rep["errors"].as_array().unwrap();
    assert_eq!(errs.len(), 1, "only the 0-byte safetensors is bad: {errs:?}");
    assert_eq!(errs[0]["path"], "empty.safetensors");

    let arts = artifacts(&ws, "s3");
    let paths: Vec<&str> = arts.iter().map(|a| a["path"].as_str().unwrap()).collect();
    assert_eq!(paths, vec!["clf.safetensors", "dvc.lock", "hf", "mlf"]);
    let clf = by_path(&arts, "clf.safetensors");
    assert_eq!(clf["uri"], "s3://models/team/models/clf.safetensors");
    assert_eq!(clf["interface"]["tensors"][0]["name"], "fc.weight");
    assert!(clf["etag"].as_str().is_some_and(|e| !e.is_empty()), "{clf}");
    assert_eq!(clf["hints"].as_array().unwrap().iter().filter(|h| h["kind"] == "trained_on").count(), 1);
    assert_eq!(by_path(&arts, "hf")["format"], "huggingface");
    assert_eq!(by_path(&arts, "mlf")["format"], "mlflow");

    // Unchanged ETags: nothing fetched. One object replaced: only it.
    let again = index(&ws, "s3");
    assert_eq!((again["hashedFiles"].as_u64(), again["unchanged"].as_u64()), (Some(0), Some(objects.len() as u64)), "{again}");
    let new_clf = fixtures::safetensors(&[("fc.weight", "F32", &[4, 16])], &[]);
    peers::s3_put(&moto.url(), "models", &[("team/models/clf.safetensors".into(), new_clf.clone())]);
    let third = index(&ws, "s3");
    assert_eq!((third["hashedFiles"].as_u64(), third["changed"].as_u64()), (Some(1), Some(1)), "{third}");

    // Register from the index: downloaded once, verified, stored; the staging copy is gone.
    let id = by_path(&artifacts(&ws, "s3"), "clf.safetensors")["id"].as_i64().unwrap().to_string();
    let reg = ws.json(&["register", "--from-index", &id, "--model", "clf"]);
    let expected_root = pedigree::hash::root_digest([pedigree::hash::sha256_hex(&new_clf).as_str()]).unwrap();
    assert_eq!(reg["rootDigest"], expected_root);
    assert_eq!(by_path(&artifacts(&ws, "s3"), "clf.safetensors")["registeredAs"], "version:clf@1.0.0");
    let staging = ws.path().join("staging");
    assert!(!staging.exists() || std::fs::read_dir(&staging).unwrap().next().is_none(), "staging cleaned up");
    // A remote folder registers as a folder.
    let hf = by_path(&artifacts(&ws, "s3"), "hf")["id"].as_i64().unwrap().to_string();
    let reg = ws.json(&["register", "--from-index", &hf, "--model", "hf-tiny"]);
    assert_eq!(reg["format"], "huggingface");
    assert_eq!(reg["fileCount"].as_u64().unwrap(), objects.iter().filter(|(k, _)| k.contains("/hf/")).count() as u64);
}

#[test]
fn s3_server_stopped_mid_index_loses_nothing_already_indexed() {
    let mut moto = peers::moto(false);
    peers::s3_put(&moto.url(), "models", &model_objects("m"));
    let ws = Ws::new();
    add_s3(&ws, "s3", "s3://models/m", &moto.url(), &["--retries", "1", "--timeout", "2"]);
    index(&ws, "s3");
    let before = artifacts(&ws, "s3");
    assert_eq!(before.len(), 4);
    // New objects to fetch, then the server dies right after listing them.
    let more: Vec<(String, Vec<u8>)> =
        (0..20).map(|i| (format!("m/more/w{i}.safetensors"), fixtures::safetensors(&[("w", "F32", &[i + 1])], &[]))).collect();
    peers::s3_put(&moto.url(), "models", &more);
    let killer = std::sync::Mutex::new(Some(&mut moto));
    let mut w = pedigree::workspace::Workspace::open(&ws.path()).unwrap();
    let progress = |p: &pedigree::progress::Progress| {
        if p.detail.as_deref().is_some_and(|d| d.starts_with("0 of")) {
            if let Some(m) = killer.lock().unwrap().take() {
                m.stop();
            }
        }
    };
    let (rep, _) = pedigree::index::index_store(&mut w, "s3", &Default::default(), &progress).unwrap();
    assert_eq!(rep.added, 20);
    assert!(rep.errors.iter().filter(|e| e.path.starts_with("more/")).count() >= 20, "{:?}", rep.errors);
    assert_eq!(rep.removed, 0);
    let after = artifacts(&ws, "s3");
    for a in &before {
        assert!(after.iter().any(|b| b["path"] == a["path"] && b["id"] == a["id"]), "lost {a}");
    }
    // With the server down, the listing fails: exit code 2, the report says incomplete, nothing dropped.
    let out = ws.run(&["--json", "index", "s3"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let rep: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(rep["reports"][0]["complete"], false);
    assert!(rep["reports"][0]["errors"][0]["message"].as_str().unwrap().contains("listing failed"), "{rep}");
    assert_eq!(artifacts(&ws, "s3").len(), after.len());
}

#[test]
fn s3_errors_and_hangs_are_retried_with_backoff_then_reported() {
    let ws = Ws::new();
    let failing = FaultyServer::start(Fault::Status500);
    add_s3(&ws, "e500", "s3://models", &failing.url(), &["--retries", "2", "--timeout", "2"]);
    let out = ws.run(&["--json", "index", "e500"]);
    assert_eq!(out.status.code(), Some(2));
    let rep: Value = serde_json::from_slice(&out.stdout).unwrap();
    let msg = rep["reports"][0]["errors"][0]["message"].as_str().unwrap().to_string();
    assert!(msg.contains("listing failed") && msg.contains("500"), "{msg}");
    assert_eq!(failing.requests.load(std::sync::atomic::Ordering::Relaxed), 3, "one try plus two retries");

    let hanging = FaultyServer::start(Fault::Hang);
    add_s3(&ws, "hang", "s3://models", &hanging.url(), &["--retries", "0", "--timeout", "1"]);
    let started = Instant::now();
    let out = ws.run(&["--json", "index", "hang"]);
    let took = started.elapsed();
    assert_eq!(out.status.code(), Some(2));
    assert!(took < Duration::from_secs(15), "the timeout bounds a hanging server: {took:?}");
    let rep: Value = serde_json::from_slice(&out.stdout).unwrap();
    let msg = rep["reports"][0]["errors"][0]["message"].as_str().unwrap().to_string();
    assert!(msg.contains("did not answer in time") || msg.contains("timed out"), "{msg}");
}

#[test]
fn rejected_s3_credentials_say_what_to_do() {
    let moto = peers::moto(true);
    let ws = Ws::new();
    add_s3(&ws, "denied", "s3://models", &moto.url(), &[]);
    let out = ws.run(&["--json", "index", "denied"]);
    assert_eq!(out.status.code(), Some(2));
    let rep: Value = serde_json::from_slice(&out.stdout).unwrap();
    let msg = rep["reports"][0]["errors"][0]["message"].as_str().unwrap().to_string();
    assert!(msg.contains("access denied") && msg.contains("expired") && msg.contains("AWS_ACCESS_KEY_ID"), "{msg}");
    assert!(!msg.contains("testing"), "no secret in the message");
}

#[test]
fn http_autoindex_store_is_indexed_and_registers_from_index() {
    let served = tempfile::tempdir().unwrap();
    let root = served.path().join("models");
    std::fs::create_dir_all(root.join("sub")).unwrap();
    let clf = fixtures::safetensors(&[("w", "F32", &[3, 3])], &[]);
    std::fs::write(root.join("sub/clf.safetensors"), &clf).unwrap();
    std::fs::write(root.join("readme.txt"), b"hello").unwrap();
    fixtures::mlflow_dir(&root.join("mlf"));
    let http = peers::http_server(served.path());
    let ws = Ws::new();
    ws.json(&["store", "add", "web", &format!("{}/models/", http.url())]);
    let rep = index(&ws, "web");
    assert_eq!(rep["complete"], true, "{rep}");
    assert!(rep["errors"].as_array().unwrap().is_empty(), "{rep}");
    let arts = artifacts(&ws, "web");
    let paths: Vec<&str> = arts.iter().map(|a| a["path"].as_str().unwrap()).collect();
    assert_eq!(paths, vec!["mlf", "sub/clf.safetensors"]);
    assert_eq!(by_path(&arts, "sub/clf.safetensors")["interface"]["tensors"][0]["shape"], serde_json::json!(["3", "3"]));
    let id = by_path(&arts, "sub/clf.safetensors")["id"].as_i64().unwrap().to_string();
    let reg = ws.json(&["register", "--from-index", &id, "--model", "web-clf"]);
    assert_eq!(reg["rootDigest"], pedigree::hash::root_digest([pedigree::hash::sha256_hex(&clf).as_str()]).unwrap());
}
