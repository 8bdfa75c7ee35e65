//! Hugging Face: the hub cache as a store, written by `huggingface_hub`'s own download code from
//! a local stub Hub (`hub_stub.py`: hand-made repositories served in the Hub API's documented
//! shapes), and `pedigree pull hf://…` reading the same stub. No test touches the internet.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use pedigree::demo::files;
use serde_json::Value;

use crate::common::{Ws, s};

/// The stub Hub, stopped by PID on drop.
struct Hub {
    child: Child,
    url: String,
    _repos: tempfile::TempDir,
}

impl Hub {
    /// {path: sha256} of a repository's files as the stub serves them.
    fn files(&self, folder: &str) -> BTreeMap<String, String> {
        let root = self._repos.path().join(folder);
        walkdir::WalkDir::new(&root)
            .into_iter()
            .flatten()
            .filter(|e| e.file_type().is_file() && e.file_name() != "card.json")
            .map(|e| {
                let rel = e.path().strip_prefix(&root).unwrap().to_string_lossy().into_owned();
                (rel, pedigree::hash::sha256_hex(&std::fs::read(e.path()).unwrap()))
            })
            .collect()
    }
}

impl Drop for Hub {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn python() -> String {
    std::env::var("PEDIGREE_INTEROP_PYTHON").expect("PEDIGREE_INTEROP_PYTHON: run `make test`")
}

/// Three repositories: a base model, a fine-tune of it (its card says so), and a GGUF
/// quantization of the fine-tune (no config.json, a nested file).
fn repos(dir: &Path) {
    let tensors: &[(&str, &[u64])] = &[("embed.weight", &[16, 8]), ("lm_head.weight", &[16, 8])];
    let card = |d: &Path, card: Value| std::fs::write(d.join("card.json"), card.to_string()).unwrap();
    let base = dir.join("acme--bert-base");
    files::hf_folder(&base, "BertModel", None, tensors, 1).unwrap();
    card(&base, serde_json::json!({"license": "apache-2.0"}));
    let tuned = dir.join("acme--tiny-bert");
    files::hf_folder(&tuned, "BertModel", Some("acme/bert-base"), tensors, 2).unwrap();
    let readme = std::fs::read_to_string(tuned.join("README.md")).unwrap();
    std::fs::write(tuned.join("README.md"), readme.replace("base_model:", "base_model_relation: finetune\nbase_model:")).unwrap();
    std::fs::write(tuned.join("tokenizer.json"), br#"{"version": "1.0", "model": {"type": "WordPiece"}}"#).unwrap();
    card(&tuned, serde_json::json!({"license": "apache-2.0", "base_model": "acme/bert-base", "base_model_relation": "finetune"}));
    let gguf = dir.join("acme--tiny-bert-GGUF");
    std::fs::create_dir_all(gguf.join("q4")).unwrap();
    std::fs::write(gguf.join("q4/tiny-bert.Q4_K.gguf"), crate::fixtures::gguf("bert", &[("token_embd.weight", &[16, 8], 0)]))
        .unwrap();
    std::fs::write(gguf.join("README.md"), "---\nbase_model: acme/tiny-bert\nbase_model_relation: quantized\n---\n# GGUF\n")
        .unwrap();
    card(&gguf, serde_json::json!({"base_model": ["acme/tiny-bert"], "base_model_relation": "quantized"}));
}

fn hub(tamper: Option<&str>) -> Hub {
    let repos_dir = tempfile::tempdir().unwrap();
    repos(repos_dir.path());
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let stub = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/sync/hub_stub.py");
    let mut c = Command::new(python());
    c.arg(stub).arg(port.to_string()).arg(repos_dir.path()).stdout(Stdio::null()).stderr(Stdio::inherit());
    if let Some(t) = tamper {
        c.env("STUB_TAMPER", t);
    }
    let mut child = c.spawn().expect("start the stub Hub");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(child.try_wait().unwrap().is_none(), "the stub Hub exited");
        assert!(std::time::Instant::now() < deadline, "the stub Hub did not start");
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    Hub { child, url: format!("http://127.0.0.1:{port}"), _repos: repos_dir }
}

/// `huggingface_hub.snapshot_download` of each repository into `cache` (its own code writes the
/// blobs/refs/snapshots layout); returns the commit of each.
fn download(hub: &Hub, cache: &Path, repos: &[&str]) -> Vec<String> {
    let script = r#"
import sys, os
from huggingface_hub import snapshot_download
cache = sys.argv[1]
for repo in sys.argv[2:]:
    path = snapshot_download(repo, cache_dir=cache)
    print(os.path.basename(path))
"#;
    let out = Command::new(python())
        .arg("-c")
        .arg(script)
        .arg(cache)
        .args(repos)
        .env("HF_ENDPOINT", &hub.url)
        .env("HF_HUB_DISABLE_XET", "1")
        .env("HF_HUB_DISABLE_TELEMETRY", "1")
        .env("HF_HUB_DISABLE_PROGRESS_BARS", "1")
        .env_remove("HF_TOKEN")
        .output()
        .unwrap();
    assert!(out.status.success(), "snapshot_download: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap().lines().map(str::to_string).collect()
}

fn artifacts(ws: &Ws) -> Vec<Value> {
    ws.json(&["artifacts", "hf", "--limit", "100"])["artifacts"].as_array().unwrap().clone()
}

fn named<'a>(arts: &'a [Value], name: &str) -> &'a Value {
    arts.iter().find(|a| a["name"] == name).unwrap_or_else(|| panic!("no artifact {name} in {arts:#?}"))
}

fn upstream_of(ws: &Ws, version: &str) -> Vec<Value> {
    ws.json(&["show", version])["upstream"].as_array().unwrap().clone()
}

#[test]
fn the_hub_cache_is_a_store_of_snapshots_named_by_repository_and_commit() {
    let hub = hub(None);
    let home = tempfile::tempdir().unwrap();
    let cache = home.path().join("hub");
    let revs = download(&hub, &cache, &["acme/bert-base", "acme/tiny-bert", "acme/tiny-bert-GGUF"]);
    assert!(cache.join("models--acme--tiny-bert/refs/main").is_file(), "huggingface_hub wrote its layout");

    let ws = Ws::new();
    // `hf-cache://` is the cache huggingface_hub uses (HF_HUB_CACHE here).
    let added = ws.command(&["store", "add", "hf", "hf-cache://", "--json"]).env("HF_HUB_CACHE", &cache).output().unwrap();
    assert!(added.status.success(), "{}", String::from_utf8_lossy(&added.stderr));
    let store: Value = serde_json::from_slice(&added.stdout).unwrap();
    assert_eq!(store["kind"], "hf-cache");
    assert_eq!(store["uri"], format!("hf-cache://{}", cache.canonicalize().unwrap().display()));
    let report = ws.json(&["index", "hf"])["reports"][0].clone();
    assert_eq!(report["errors"], serde_json::json!([]), "{report:#}");
    assert_eq!(report["artifacts"], 3, "one artifact per snapshot: {report:#}");

    let arts = artifacts(&ws);
    let base = named(&arts, &format!("acme/bert-base@{}", revs[0]));
    let tuned = named(&arts, &format!("acme/tiny-bert@{}", revs[1]));
    let gguf = named(&arts, &format!("acme/tiny-bert-GGUF@{}", revs[2]));
    assert_eq!(
        (base["kind"].as_str(), base["format"].as_str(), base["fileCount"].as_u64()),
        (Some("folder"), Some("huggingface"), Some(3))
    );
    assert_eq!(tuned["metadata"]["hf.repo"], "acme/tiny-bert");
    assert_eq!(tuned["metadata"]["hf.refs"], "main");
    assert_eq!(gguf["format"], "gguf", "a snapshot without config.json is still an artifact: {gguf:#}");
    let hint = |a: &Value| a["hints"].as_array().unwrap().iter().find(|h| h["kind"] == "base_model").cloned();
    assert_eq!(hint(tuned).unwrap()["path"], "acme/bert-base");
    assert!(hint(gguf).unwrap()["source"].as_str().unwrap().contains("quantized"), "{gguf:#}");
    assert!(hint(base).is_none());
    // The Hub's own hashes are recorded (and were checked against the bytes): the ETag of each
    // file row is its blob name.
    let conn = ws.catalog();
    let etags: Vec<(String, String)> = conn
        .prepare("SELECT path, etag FROM store_files WHERE path LIKE 'models--acme--tiny-bert/%' ORDER BY path")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(etags.len(), 4, "{etags:?}");
    for (path, etag) in &etags {
        let blob = std::fs::read_link(cache.join(path)).unwrap();
        assert_eq!(blob.file_name().unwrap().to_str().unwrap(), etag, "{path}");
    }

    // Registered from the index in chain order, each parent comes from the card.
    let id = |a: &Value| a["id"].as_i64().unwrap().to_string();
    let b = ws.json(&["register", "--from-index", &id(base), "--model", "bert-base"]);
    assert_eq!(b["version"], "1.0.0");
    // The registration form offers the base named by the card, with its relation.
    let session = pedigree::api::Session::open(&ws.path(), "alice@example.com".into()).unwrap();
    let snap = cache.join(format!("models--acme--tiny-bert/snapshots/{}", revs[1]));
    let inspected = pedigree::api::inspect_paths(
        &session,
        &pedigree::api::InspectRequest { paths: vec![s(&snap).into()], model: None },
        &pedigree::progress::ignore,
    )
    .unwrap();
    let c = &inspected.candidate_parents[0];
    assert_eq!((c.reference.as_str(), c.relation.as_deref()), ("bert-base@1.0.0", Some("finetune")));

    let t = ws.json(&["register", "--from-index", &id(tuned), "--model", "tiny-bert"]);
    let g = ws.json(&["register", "--from-index", &id(gguf), "--model", "tiny-bert-gguf"]);
    let parent = |v: &Value| {
        let r = format!("{}@{}", v["model"].as_str().unwrap(), v["version"].as_str().unwrap());
        upstream_of(&ws, &r).into_iter().find(|e| e["kind"] == "derived_from").map(|e| (e["to"].clone(), e["relation"].clone()))
    };
    assert_eq!(parent(&t), Some((Value::from("version:bert-base@1.0.0"), Value::from("finetune"))));
    assert_eq!(parent(&g), Some((Value::from("version:tiny-bert@1.0.0"), Value::from("quantized"))));
    // A blob edited in the cache: reported, and the snapshot is no artifact until downloaded again.
    let weights = std::fs::read_link(snap.join("model.safetensors")).unwrap();
    let blob = snap.join(&weights);
    let mut bytes = std::fs::read(&blob).unwrap();
    let last = bytes.len() - 1;
    bytes[last] ^= 0xFF;
    std::fs::write(&blob, bytes).unwrap();
    let report = ws.json(&["index", "hf"])["reports"][0].clone();
    let errors = report["errors"].to_string();
    assert!(errors.contains("model.safetensors") && errors.contains("cache is corrupt"), "{report:#}");
    assert!(artifacts(&ws).iter().all(|a| a["metadata"]["hf.repo"] != "acme/tiny-bert"), "corrupt snapshot dropped");

    // A snapshot file linking out of the cache is not read.
    let secret = home.path().join("secret.txt");
    std::fs::write(&secret, b"not for the catalog").unwrap();
    let base_snap = cache.join(format!("models--acme--bert-base/snapshots/{}", revs[0]));
    std::os::unix::fs::symlink(&secret, base_snap.join("notes.txt")).unwrap();
    let report = ws.json(&["index", "hf"])["reports"][0].clone();
    assert!(report["errors"].to_string().contains("links outside the Hugging Face cache"), "{report:#}");
    let conn = ws.catalog();
    let read: i64 = conn.query_row("SELECT count(*) FROM store_files WHERE path LIKE '%notes.txt'", [], |r| r.get(0)).unwrap();
    assert_eq!(read, 0);
}

fn pulled(ws: &Ws, reference: &str, hub: &Hub) -> std::process::Output {
    ws.command(&["pull", reference, "--json"]).env("HF_ENDPOINT", &hub.url).env_remove("HF_TOKEN").output().unwrap()
}

#[test]
fn a_hub_repository_is_imported_verified_with_where_it_came_from_and_its_base_model() {
    let hub = hub(None);
    let ws = Ws::new();
    let out = pulled(&ws, "hf://acme/bert-base", &hub);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let base: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(base["version"], "bert-base@1.0.0");
    let source = base["source"].as_str().unwrap().to_string();
    assert!(source.starts_with("hf://acme/bert-base@") && source.len() == "hf://acme/bert-base@".len() + 40, "{source}");
    assert_eq!(super::files(&ws, "bert-base@1.0.0"), hub.files("acme--bert-base"), "byte-identical");
    let shown = ws.json(&["show", "bert-base@1.0.0"]);
    assert!(
        shown["upstream"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["kind"] == "imported_from" && e["to"] == format!("source:{source}"))
    );

    // The fine-tune names the base in its card data: linked as its parent; nested paths and
    // paged tree listings (two entries a page) arrive whole.
    let out = pulled(&ws, "hf://acme/tiny-bert@main", &hub);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let up = upstream_of(&ws, "tiny-bert@1.0.0");
    assert!(
        up.iter().any(|e| e["kind"] == "derived_from" && e["to"] == "version:bert-base@1.0.0" && e["relation"] == "finetune"),
        "{up:#?}"
    );
    let out = pulled(&ws, "hf://acme/tiny-bert-GGUF", &hub);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(super::files(&ws, "tiny-bert@1.0.0"), hub.files("acme--tiny-bert"));
    assert_eq!(super::files(&ws, "tiny-bert-gguf@1.0.0"), hub.files("acme--tiny-bert-GGUF"));
    let up = upstream_of(&ws, "tiny-bert-gguf@1.0.0");
    assert!(up.iter().any(|e| e["to"] == "version:tiny-bert@1.0.0" && e["relation"] == "quantized"), "{up:#?}");

    // The same commit again: the version it made, nothing new.
    let before = ws.snapshot();
    let again: Value = serde_json::from_slice(&pulled(&ws, "hf://acme/bert-base", &hub).stdout).unwrap();
    assert_eq!(again["version"], "bert-base@1.0.0");
    assert_eq!(ws.snapshot(), before);

    // Unknown repositories and revisions say so.
    let err = String::from_utf8(pulled(&ws, "hf://acme/nope", &hub).stderr).unwrap();
    assert!(err.contains("404") && err.contains("Repository not found"), "{err}");
    let err = String::from_utf8(pulled(&ws, "hf://acme/bert-base@v9", &hub).stderr).unwrap();
    assert!(err.contains("RevisionNotFound"), "{err}");
}

#[test]
fn a_file_that_does_not_match_the_hash_the_hub_lists_refuses_the_import() {
    for tampered in ["acme/tiny-bert:model.safetensors", "acme/tiny-bert:config.json"] {
        let hub = hub(Some(tampered));
        let ws = Ws::new();
        let before = ws.snapshot();
        let out = pulled(&ws, "hf://acme/tiny-bert", &hub);
        assert!(!out.status.success());
        let err = String::from_utf8(out.stderr).unwrap();
        let what = if tampered.ends_with("safetensors") { "sha256" } else { "git blob" };
        assert!(err.contains(&format!("the bytes hash to {what}")) && err.contains(tampered.split(':').nth(1).unwrap()), "{err}");
        assert_eq!(ws.snapshot(), before, "nothing registered");
        let staging: Vec<PathBuf> =
            std::fs::read_dir(ws.path().join("staging")).map(|d| d.flatten().map(|e| e.path()).collect()).unwrap_or_default();
        assert!(staging.is_empty(), "staging cleaned: {staging:?}");
    }
}
