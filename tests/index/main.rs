//! Indexing stores: local folders (formats, folders, DVC hints, the stat cache, faults, watch,
//! register --from-index) and, in `remote.rs`, S3 (a real moto server) and HTTP (a real
//! `python3 -m http.server`), plus the faults only a fake server can produce on demand.

#[path = "../common/mod.rs"]
mod common;
#[path = "../common/fixtures.rs"]
mod fixtures;
mod peers;
mod remote;

use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};

use common::{Ws, s, stderr};
use serde_json::Value;

/// A store folder with: a safetensors file, an MLflow folder, a Hugging Face folder, DVC files
/// whose `train` stage made the HF folder from `data/train.csv`, a 0-byte "safetensors", a
/// symlink loop and plain data.
pub fn model_tree(root: &Path) {
    let w = |rel: &str, bytes: &[u8]| {
        let p = root.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, bytes).unwrap();
    };
    w("models/classifier.safetensors", &fixtures::safetensors(&[("fc.weight", "F32", &[4, 8]), ("fc.bias", "F32", &[4])], &[]));
    fixtures::mlflow_dir(&root.join("mlflow/churn"));
    fixtures::hf_dir(&root.join("hf/llama-tiny"));
    w("data/train.csv", b"a,b\n1,2\n3,4\n");
    w("train.py", b"print('train')\n");
    w(
        "dvc.lock",
        b"schema: '2.0'\nstages:\n  train:\n    cmd: python train.py\n    deps:\n    - path: data/train.csv\n      hash: md5\n      md5: 9b4f3a0c1d2e3f405162738495a6b7c8\n      size: 12\n    - path: train.py\n      hash: md5\n      md5: a17ddf94ef78d62bf8032465fa8bed11\n      size: 15\n    outs:\n    - path: hf/llama-tiny\n      hash: md5\n      md5: af6cb9c981749f185db944190f038d97.dir\n      size: 25\n      nfiles: 4\n",
    );
    w("data/train.csv.dvc", b"outs:\n- md5: 9b4f3a0c1d2e3f405162738495a6b7c8\n  size: 12\n  hash: md5\n  path: train.csv\n");
    w("broken/empty.safetensors", b"");
    w("notes/readme.txt", b"not a model");
    std::fs::create_dir_all(root.join("links")).unwrap();
    std::os::unix::fs::symlink("..", root.join("links/loop")).unwrap();
}

pub fn artifacts(ws: &Ws, store: &str) -> Vec<Value> {
    ws.json(&["artifacts", store, "--limit", "1000"])["artifacts"].as_array().unwrap().clone()
}

pub fn by_path<'a>(arts: &'a [Value], path: &str) -> &'a Value {
    arts.iter().find(|a| a["path"] == path).unwrap_or_else(|| panic!("no artifact {path} in {arts:#?}"))
}

pub fn index(ws: &Ws, store: &str) -> Value {
    ws.json(&["index", store])["reports"][0].clone()
}

fn errors_of(report: &Value) -> Vec<(String, String)> {
    report["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["path"].as_str().unwrap().to_string(), e["message"].as_str().unwrap().to_string()))
        .collect()
}

#[test]
fn indexes_model_files_folders_and_dvc_hints_and_reports_bad_items() {
    let ws = Ws::new();
    let tree = ws.inputs().join("store");
    model_tree(&tree);
    ws.json(&["store", "add", "local", &format!("file://{}", s(&tree))]);
    let rep = index(&ws, "local");
    assert_eq!(rep["complete"], true);
    let errs = errors_of(&rep);
    assert!(errs.iter().any(|(p, m)| p == "broken/empty.safetensors" && m.contains("0 bytes")), "{errs:?}");
    assert!(errs.iter().any(|(p, m)| p == "links/loop" && m.contains("symlink loop")), "{errs:?}");
    let files = rep["files"].as_u64().unwrap();
    assert_eq!(rep["hashedFiles"].as_u64().unwrap(), files, "every file hashed, bad ones too (so they are not re-read): {rep}");

    let arts = artifacts(&ws, "local");
    let paths: Vec<&str> = arts.iter().map(|a| a["path"].as_str().unwrap()).collect();
    assert_eq!(paths, vec!["data/train.csv.dvc", "dvc.lock", "hf/llama-tiny", "mlflow/churn", "models/classifier.safetensors"]);
    let clf = by_path(&arts, "models/classifier.safetensors");
    assert_eq!(clf["format"], "safetensors");
    assert_eq!(clf["interface"]["tensors"].as_array().unwrap().len(), 2);
    let bytes = std::fs::read(tree.join("models/classifier.safetensors")).unwrap();
    assert_eq!(clf["digest"], pedigree::hash::sha256_hex(&bytes));
    assert_eq!(by_path(&arts, "mlflow/churn")["format"], "mlflow");
    assert!(!by_path(&arts, "mlflow/churn")["interface"]["inputs"].as_array().unwrap().is_empty(), "MLflow signature read");
    let hf = by_path(&arts, "hf/llama-tiny");
    assert_eq!(hf["kind"], "folder");
    assert_eq!(hf["fileCount"].as_u64().unwrap(), std::fs::read_dir(tree.join("hf/llama-tiny")).unwrap().count() as u64);
    let hint = |a: &Value, kind: &str| -> Vec<String> {
        a["hints"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|h| h["kind"] == kind)
            .map(|h| h["path"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(hint(hf, "trained_on"), vec!["data/train.csv"]);
    assert_eq!(hint(hf, "code"), vec!["train.py"]);
    assert_eq!(hint(hf, "dvc_out"), vec!["dvc.lock"]);
    assert_eq!(hint(by_path(&arts, "dvc.lock"), "out"), vec!["hf/llama-tiny"]);
    assert!(hint(clf, "trained_on").is_empty());
}

#[test]
fn reindex_reads_nothing_unchanged_and_rehashes_only_what_changed() {
    let ws = Ws::new();
    let tree = ws.inputs().join("store");
    for i in 0..300 {
        let p = tree.join(format!("d{}/f{i}.bin", i % 7));
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, format!("payload {i}")).unwrap();
    }
    std::fs::write(tree.join("m.safetensors"), fixtures::safetensors(&[("w", "F32", &[2, 2])], &[])).unwrap();
    ws.json(&["store", "add", "t", s(&tree)]);
    let first = index(&ws, "t");
    assert_eq!(
        (first["files"].as_u64(), first["hashedFiles"].as_u64(), first["added"].as_u64()),
        (Some(301), Some(301), Some(301))
    );

    let again = index(&ws, "t");
    assert_eq!(again["hashedFiles"], 0, "{again}");
    assert_eq!(again["hashedBytes"], 0);
    assert_eq!(again["unchanged"], 301);
    assert_eq!(again["newArtifacts"], 0);

    // Same size, new content and mtime: re-hashed. A removed file is dropped; a new one added.
    std::thread::sleep(Duration::from_millis(20));
    std::fs::write(tree.join("d1/f1.bin"), "payload X").unwrap();
    std::fs::remove_file(tree.join("d2/f2.bin")).unwrap();
    std::fs::write(tree.join("new.safetensors"), fixtures::safetensors(&[("w", "F32", &[3])], &[])).unwrap();
    let third = index(&ws, "t");
    assert_eq!(
        (third["hashedFiles"].as_u64(), third["changed"].as_u64(), third["removed"].as_u64(), third["added"].as_u64()),
        (Some(2), Some(1), Some(1), Some(1)),
        "{third}"
    );
    assert_eq!(third["newArtifacts"], 1);
    let c = ws.catalog();
    let sha: String = c.query_row("SELECT sha256 FROM store_files WHERE path = 'd1/f1.bin'", [], |r| r.get(0)).unwrap();
    assert_eq!(sha, pedigree::hash::sha256_hex(b"payload X"));
    let gone: i64 = c.query_row("SELECT count(*) FROM store_files WHERE path = 'd2/f2.bin'", [], |r| r.get(0)).unwrap();
    assert_eq!(gone, 0);
}

#[test]
fn a_file_vanishing_mid_index_is_reported_and_the_rest_is_indexed() {
    let ws = Ws::new();
    let tree = ws.inputs().join("store");
    for i in 0..40 {
        let p = tree.join(format!("m{i:02}.safetensors"));
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, fixtures::safetensors(&[("w", "F32", &[i + 1])], &[])).unwrap();
    }
    ws.json(&["store", "add", "t", s(&tree)]);
    let mut w = pedigree::workspace::Workspace::open(&ws.path()).unwrap();
    // The walk has listed every file when the first progress event of the reading phase comes;
    // deleting a file then makes it vanish between listing and reading.
    let victim = tree.join("m00.safetensors"); // the smallest: read last
    let progress = |p: &pedigree::progress::Progress| {
        if p.detail.as_deref().is_some_and(|d| d.starts_with("0 of")) {
            let _ = std::fs::remove_file(&victim);
        }
    };
    let (rep, _) = pedigree::index::index_store(&mut w, "t", &Default::default(), &progress).unwrap();
    assert!(!victim.exists());
    assert_eq!(rep.files, 40);
    assert!(rep.errors.iter().any(|e| e.path == "m00.safetensors" && e.message.contains("vanished")), "{:?}", rep.errors);
    assert_eq!(rep.artifacts, 39, "{rep:?}");
    assert!(rep.complete);
}

/// Runs `pedigree` as an unprivileged user when the tests run as root (root reads anything, so
/// a chmod alone cannot make a folder unreadable for it).
fn unprivileged(ws: &Ws, args: &[&str]) -> std::process::Output {
    let root = unsafe_is_root();
    let mut c = if root {
        let mut c = std::process::Command::new("setpriv");
        c.args(["--reuid=65534", "--regid=65534", "--clear-groups", env!("CARGO_BIN_EXE_pedigree")]);
        c
    } else {
        std::process::Command::new(env!("CARGO_BIN_EXE_pedigree"))
    };
    c.arg("--workspace").arg(ws.path()).args(args).env("PEDIGREE_ACTOR", "bob@example.com").output().unwrap()
}

fn unsafe_is_root() -> bool {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| s.lines().find(|l| l.starts_with("Uid:")).map(|l| l.split_whitespace().nth(1) == Some("0")))
        .unwrap_or(false)
}

fn chmod(p: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(p, std::fs::Permissions::from_mode(mode)).unwrap();
}

#[test]
fn an_unreadable_folder_is_reported_and_what_was_indexed_under_it_is_kept() {
    let ws = Ws::new();
    let tree = ws.inputs().join("store");
    std::fs::create_dir_all(tree.join("open")).unwrap();
    std::fs::create_dir_all(tree.join("secret")).unwrap();
    std::fs::write(tree.join("open/a.safetensors"), fixtures::safetensors(&[("w", "F32", &[2])], &[])).unwrap();
    std::fs::write(tree.join("secret/b.safetensors"), fixtures::safetensors(&[("w", "F32", &[3])], &[])).unwrap();
    // Everything readable by the unprivileged user at first (the workspace too).
    for p in [ws.dir.path().to_path_buf(), ws.inputs(), tree.clone(), tree.join("open"), tree.join("secret")] {
        chmod(&p, 0o755);
    }
    let out = std::process::Command::new("chmod").args(["-R", "a+rwX", s(&ws.path())]).output().unwrap();
    assert!(out.status.success());
    ws.json(&["store", "add", "t", s(&tree)]);
    let out = unprivileged(&ws, &["--json", "index", "t"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(artifacts(&ws, "t").len(), 2);

    chmod(&tree.join("secret"), 0o000);
    let out = unprivileged(&ws, &["--json", "index", "t"]);
    chmod(&tree.join("secret"), 0o755);
    assert!(out.status.success(), "{}", stderr(&out));
    let rep: Value = serde_json::from_slice(&out.stdout).unwrap();
    let rep = &rep["reports"][0];
    let errs = errors_of(rep);
    assert!(errs.iter().any(|(p, m)| p == "secret" && m.contains("permission denied")), "{errs:?}");
    assert_eq!(rep["removed"], 0, "nothing under the unreadable folder is dropped: {rep}");
    assert_eq!(artifacts(&ws, "t").len(), 2, "the artifact under it is kept");
}

#[test]
fn register_from_index_checks_the_digest_and_uses_dvc_data_deps() {
    let ws = Ws::new();
    let tree = ws.inputs().join("store");
    model_tree(&tree);
    ws.json(&["store", "add", "local", s(&tree)]);
    index(&ws, "local");
    let arts = artifacts(&ws, "local");
    let hf_id = by_path(&arts, "hf/llama-tiny")["id"].as_i64().unwrap().to_string();
    let reg = ws.json(&["register", "--from-index", &hf_id, "--model", "llama-tiny", "-m", "found by index"]);
    assert_eq!(reg["version"], "1.0.0");
    assert_eq!(reg["datasets"].as_array().unwrap().len(), 1, "DVC dep data/train.csv became trained_on: {reg}");
    assert_eq!(reg["rootDigest"], by_path(&arts, "hf/llama-tiny")["digest"]);
    let after = artifacts(&ws, "local");
    assert_eq!(by_path(&after, "hf/llama-tiny")["registeredAs"], "version:llama-tiny@1.0.0");
    let audit = ws.json(&["audit", "log"]);
    let ev = audit["events"].as_array().unwrap().iter().find(|e| e["action"] == "register_version").unwrap().clone();
    assert!(ev["payload"].as_str().unwrap().contains("hf/llama-tiny"), "source URI recorded: {ev}");

    // Changed on disk since indexed: refused, nothing written.
    let clf_id = by_path(&arts, "models/classifier.safetensors")["id"].as_i64().unwrap().to_string();
    std::fs::write(tree.join("models/classifier.safetensors"), fixtures::safetensors(&[("fc.weight", "F32", &[9])], &[]))
        .unwrap();
    let before = ws.snapshot();
    let err = ws.fails(&["register", "--from-index", &clf_id, "--model", "clf"]);
    assert!(err.contains("changed since it was indexed") && err.contains("index its store again"), "{err}");
    assert_eq!(ws.snapshot(), before);
    // DVC files are not models.
    let dvc_id = by_path(&arts, "dvc.lock")["id"].as_i64().unwrap().to_string();
    assert!(ws.fails(&["register", "--from-index", &dvc_id, "--model", "x"]).contains("DVC file"));
    assert!(ws.fails(&["register", "--from-index", "9999", "--model", "x"]).contains("no artifact with id 9999"));
    // An artifact registered by path (not through the index) is recognised by its digest.
    ws.json(&["register", s(&tree.join("mlflow/churn")), "--model", "churn"]);
    index(&ws, "local");
    assert_eq!(by_path(&artifacts(&ws, "local"), "mlflow/churn")["registeredAs"], "version:churn@1.0.0");
}

#[test]
fn store_definitions_are_validated_audited_and_never_show_secrets() {
    let ws = Ws::new();
    let secret = "S3CRET-do-not-print-0123456789";
    let out = ws.json(&[
        "store",
        "add",
        "team",
        "s3://team-models/prod",
        "--endpoint",
        "http://127.0.0.1:1",
        "--access-key-id",
        "AKIDTEAM",
        "--secret-access-key",
        secret,
    ]);
    assert_eq!(out["credentials"], "sealed in the workspace");
    assert_eq!(out["kind"], "s3");
    let listing = String::from_utf8(ws.run(&["store", "list"]).stdout).unwrap();
    assert!(listing.contains("team") && !listing.contains(secret) && !listing.contains("AKIDTEAM"), "{listing}");
    let catalog_bytes = std::fs::read(ws.path().join("catalog.sqlite")).unwrap();
    let wal = std::fs::read(ws.path().join("catalog.sqlite-wal")).unwrap_or_default();
    for bytes in [&catalog_bytes, &wal] {
        assert!(!bytes.windows(secret.len()).any(|w| w == secret.as_bytes()), "secret in the catalog in plain text");
    }
    let audit = String::from_utf8(ws.run(&["audit", "log", "--json"]).stdout).unwrap();
    assert!(audit.contains("add_store") && !audit.contains(secret));
    assert!(ws.fails(&["store", "add", "team", s(&ws.inputs())]).contains("already exists"));
    assert!(ws.fails(&["store", "add", "x", "gs://b/p"]).contains("unsupported store URI"));
    assert!(ws.fails(&["store", "add", "y", "/no/such/folder"]).contains("/no/such/folder"));
    assert!(ws.fails(&["store", "add", "z", "s3://bkt", "--access-key-id", "A"]).contains("both"));
    assert!(ws.fails(&["index", "nope"]).contains("no store named"));
    ws.json(&["store", "remove", "team"]);
    assert!(ws.json(&["store", "list"])["stores"].as_array().unwrap().is_empty());
    assert!(ws.run(&["audit", "verify"]).status.success());
}

/// Reads JSON events from a `pedigree watch --json` child until `pred` matches one (or times out).
fn wait_event(
    lines: &mut impl Iterator<Item = std::io::Result<String>>,
    deadline: Instant,
    pred: impl Fn(&Value) -> bool,
) -> Vec<Value> {
    let mut seen = Vec::new();
    while Instant::now() < deadline {
        let Some(Ok(line)) = lines.next() else { break };
        let v: Value = serde_json::from_str(&line).unwrap_or(Value::Null);
        let hit = pred(&v);
        seen.push(v);
        if hit {
            return seen;
        }
    }
    panic!("no matching watch event; saw {seen:#?}");
}

#[test]
fn watch_indexes_new_files_once_they_are_stable() {
    let ws = Ws::new();
    let tree = ws.inputs().join("store");
    std::fs::create_dir_all(&tree).unwrap();
    std::fs::write(tree.join("first.safetensors"), fixtures::safetensors(&[("w", "F32", &[2])], &[])).unwrap();
    ws.json(&["store", "add", "w", s(&tree)]);
    let mut child =
        ws.command(&["--json", "watch", "w", "--settle-ms", "400"]).stdout(Stdio::piped()).stderr(Stdio::null()).spawn().unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let deadline = Instant::now() + Duration::from_secs(30);
    // The initial run finds the existing file.
    wait_event(&mut lines, deadline, |e| e["change"] == "artifact" && e["path"] == "first.safetensors");
    wait_event(&mut lines, deadline, |e| e["change"] == "indexed");

    // A file written slowly (in pieces over ~1.5 s, longer than the settle time between
    // pieces is not): indexed once, after the last byte, with the final digest.
    let bytes = fixtures::safetensors(&[("w", "F32", &[64, 64])], &[]);
    let started = Instant::now();
    {
        let mut f = std::fs::File::create(tree.join("slow.safetensors")).unwrap();
        for chunk in bytes.chunks(bytes.len() / 6 + 1) {
            f.write_all(chunk).unwrap();
            f.flush().unwrap();
            std::thread::sleep(Duration::from_millis(250));
        }
    }
    let written = started.elapsed();
    let seen = wait_event(&mut lines, deadline, |e| e["change"] == "artifact" && e["path"] == "slow.safetensors");
    let touches: Vec<&Value> =
        seen.iter().filter(|e| e["path"] == "slow.safetensors" && (e["change"] == "added" || e["change"] == "changed")).collect();
    assert_eq!(touches.len(), 1, "read once, after the last write ({written:?}), not part-way: {seen:#?}");
    assert!(!seen.iter().any(|e| e["change"] == "error" && e["path"] == "slow.safetensors"), "{seen:#?}");
    let sha: String =
        ws.catalog().query_row("SELECT sha256 FROM store_files WHERE path = 'slow.safetensors'", [], |r| r.get(0)).unwrap();
    assert_eq!(sha, pedigree::hash::sha256_hex(&bytes), "the digest of the complete file");
    // Removing it is seen too.
    std::fs::remove_file(tree.join("slow.safetensors")).unwrap();
    wait_event(&mut lines, deadline, |e| e["change"] == "removed" && e["path"] == "slow.safetensors");
    let _ = child.kill();
    let _ = child.wait();
    let c = ws.catalog();
    let n: i64 = c.query_row("SELECT count(*) FROM store_files", [], |r| r.get(0)).unwrap();
    assert_eq!(n, 1);
}
