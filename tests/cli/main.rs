//! The CLI contract, through the real binary: init, register, list, show, lineage, audit, and
//! bad input that must leave the catalog unchanged.

#[path = "../common/mod.rs"]
mod common;
#[path = "../common/fixtures.rs"]
mod fixtures;

mod aliases;
mod diff;
mod hostile;
mod link;
mod runs;
mod systems;
mod variants;

use common::{Ws, s, stdout};

fn st(tensors: &[(&str, &str, &[u64])]) -> Vec<u8> {
    fixtures::safetensors(tensors, &[])
}

#[test]
fn init_creates_wal_catalog_store_and_private_key() {
    let w = Ws::new();
    let ws = w.path();
    assert!(ws.join("objects-v1").is_dir());
    let mode: String = w.catalog().query_row("PRAGMA journal_mode", [], |r| r.get(0)).unwrap();
    assert_eq!(mode, "wal");
    use std::os::unix::fs::PermissionsExt;
    let key = std::fs::metadata(ws.join("keys/ed25519.pk8")).unwrap();
    assert_eq!(key.permissions().mode() & 0o777, 0o600);
    // idempotent
    let again = w.json(&["init"]);
    assert_eq!(again["created"], false);
}

#[test]
fn commands_on_a_missing_workspace_say_how_to_create_it() {
    let dir = tempfile::tempdir().unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_pedigree"))
        .args(["--workspace", s(&dir.path().join("nope")), "models"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(common::stderr(&out).contains("pedigree init"), "{}", common::stderr(&out));
}

#[test]
fn register_a_file_then_list_show_and_audit() {
    let w = Ws::new();
    let f = w.write("model.safetensors", &st(&[("w", "F32", &[2, 3]), ("b", "F32", &[3])]));
    let r = w.json(&["register", s(&f), "--model", "resnet", "--param", "lr=0.1", "--metric", "acc=0.91", "-m", "first cut"]);
    assert_eq!(r["version"], "1.0.0");
    assert_eq!(r["bump"], "initial");
    assert_eq!(r["format"], "safetensors");
    let digest = fixtures_sha(&std::fs::read(&f).unwrap());
    // one file: root = sha256(raw digest of the file)
    assert_eq!(r["rootDigest"], sha_of_hex(&[&digest]));
    assert_eq!(r["interface"]["tensors"][0]["name"], "b");

    let models = w.json(&["models"]);
    assert_eq!(models["models"][0]["name"], "resnet");
    assert_eq!(models["models"][0]["latestVersion"], "1.0.0");
    let human = stdout(&w.run(&["models"]));
    assert!(human.contains("resnet") && human.contains("1.0.0"), "{human}");

    let show = w.json(&["show", "resnet@1.0.0"]);
    assert_eq!(show["version"]["files"][0]["sha256"], digest);
    assert_eq!(show["version"]["params"]["lr"], "0.1");
    assert_eq!(show["version"]["metrics"]["acc"], 0.91);
    assert_eq!(show["version"]["message"], "first cut");
    assert_eq!(show["version"]["createdBy"], "alice@example.com");

    let log = w.json(&["audit", "log"]);
    let actions: Vec<&str> = log["events"].as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap()).collect();
    assert_eq!(actions, ["register_version", "create_model"]);
    assert_eq!(w.json(&["audit", "verify"])["ok"], true);
}

#[test]
fn the_cas_holds_read_only_deduplicated_copies_that_survive_source_changes() {
    let w = Ws::new();
    let bytes = st(&[("w", "F32", &[4])]);
    let f = w.write("a/model.safetensors", &bytes);
    w.json(&["register", s(&f), "--model", "m"]);
    w.write("b/model.safetensors", &bytes);
    w.json(&["register", s(&w.inputs().join("b/model.safetensors")), "--model", "other"]);
    assert_eq!(w.objects(), 1, "same bytes are stored once");
    std::fs::write(&f, b"changed").unwrap();
    let show = w.json(&["show", "m@1.0.0"]);
    let digest = show["version"]["files"][0]["sha256"].as_str().unwrap().to_string();
    let obj = w.path().join("objects-v1").join(&digest[..2]).join(&digest[2..]);
    assert_eq!(std::fs::read(&obj).unwrap(), bytes);
    assert!(std::fs::metadata(&obj).unwrap().permissions().readonly());
}

#[test]
fn semver_policy_suggests_patch_minor_major_and_records_the_reason() {
    let w = Ws::new();
    let d = w.inputs().join("v");
    std::fs::create_dir_all(&d).unwrap();
    std::fs::write(d.join("model.safetensors"), st(&[("w", "F32", &[2, 2])])).unwrap();
    std::fs::write(d.join("README.md"), "v1").unwrap();
    assert_eq!(w.json(&["register", s(&d), "--model", "m"])["version"], "1.0.0");
    // README only: same weights → patch
    std::fs::write(d.join("README.md"), "v1, better docs").unwrap();
    let r = w.json(&["register", s(&d), "--model", "m"]);
    assert_eq!((r["version"].as_str(), r["bump"].as_str()), (Some("1.0.1"), Some("patch")));
    // same interface, new weights → minor
    let mut bytes = st(&[("w", "F32", &[2, 2])]);
    let n = bytes.len();
    bytes[n - 1] = 7;
    std::fs::write(d.join("model.safetensors"), &bytes).unwrap();
    let r = w.json(&["register", s(&d), "--model", "m"]);
    assert_eq!((r["version"].as_str(), r["bump"].as_str()), (Some("1.1.0"), Some("minor")));
    // tensor shape changed → major, with the reason
    std::fs::write(d.join("model.safetensors"), st(&[("w", "F32", &[2, 3])])).unwrap();
    let r = w.json(&["register", s(&d), "--model", "m"]);
    assert_eq!(r["version"], "2.0.0");
    assert!(r["bumpReason"].as_str().unwrap().contains("`w`"), "{}", r["bumpReason"]);
    let show = w.json(&["show", "m@2.0.0"]);
    assert_eq!(show["version"]["bumpReason"], r["bumpReason"]);
    // explicit override is recorded with the suggestion
    std::fs::write(d.join("README.md"), "v3").unwrap();
    let r = w.json(&["register", s(&d), "--model", "m", "--version", "3.0.0"]);
    assert_eq!(r["bump"], "explicit");
    assert!(r["bumpReason"].as_str().unwrap().contains("suggested 2.0.1"), "{}", r["bumpReason"]);
}

#[test]
fn onnx_interface_is_sniffed_and_an_input_change_is_major() {
    use fixtures::Dim;
    let w = Ws::new();
    let a = w.write(
        "a.onnx",
        &fixtures::onnx(&[("x", 1, &[Dim::P("batch"), Dim::V(3)])], &[("y", 1, &[Dim::P("batch"), Dim::V(10)])], &[]),
    );
    let r = w.json(&["register", s(&a), "--model", "clf"]);
    assert_eq!(r["format"], "onnx");
    assert_eq!(r["interface"]["inputs"][0]["shape"], serde_json::json!(["batch", "3"]));
    let b = w.write(
        "b.onnx",
        &fixtures::onnx(&[("x", 1, &[Dim::P("batch"), Dim::V(4)])], &[("y", 1, &[Dim::P("batch"), Dim::V(10)])], &[]),
    );
    let r = w.json(&["register", s(&b), "--model", "clf"]);
    assert_eq!(r["version"], "2.0.0");
}

#[test]
fn trained_on_a_path_registers_the_dataset_once_and_links_it() {
    let w = Ws::new();
    let data = w.inputs().join("imagenet-mini");
    std::fs::create_dir_all(data.join("train")).unwrap();
    std::fs::write(data.join("train/a.csv"), "x,y\n1,2\n").unwrap();
    std::fs::write(data.join("labels.txt"), "cat\ndog\n").unwrap();
    let f = w.write("m.safetensors", &st(&[("w", "F32", &[1])]));
    let r = w.json(&["register", s(&f), "--model", "m", "--trained-on", s(&data)]);
    assert_eq!(r["datasets"], serde_json::json!(["dataset:imagenet-mini@1"]));
    // same content again → same dataset version; by reference works too
    let g = w.write("n.safetensors", &st(&[("w", "F32", &[2])]));
    let r = w.json(&["register", s(&g), "--model", "n", "--trained-on", s(&data)]);
    assert_eq!(r["datasets"], serde_json::json!(["dataset:imagenet-mini@1"]));
    let h = w.write("o.safetensors", &st(&[("w", "F32", &[3])]));
    w.json(&["register", s(&h), "--model", "o", "--trained-on", "imagenet-mini@1"]);
    let lin = w.json(&["lineage", "dataset:imagenet-mini@1", "--down", "1", "--up", "0"]);
    let froms: Vec<&str> = lin["edges"].as_array().unwrap().iter().map(|e| e["from"].as_str().unwrap()).collect();
    assert_eq!(froms, ["version:m@1.0.0", "version:n@1.0.0", "version:o@1.0.0"]);
    assert!(w.fails(&["register", s(&h), "--model", "p", "--trained-on", "nosuch@1"]).contains("nosuch@1"));
}

#[test]
fn lineage_prints_json_and_dot_with_parents_and_relations() {
    let w = Ws::new();
    let base = w.write("base.safetensors", &st(&[("w", "F32", &[8])]));
    w.json(&[
        "register",
        s(&base),
        "--model",
        "base",
        "--code",
        "git+https://github.com/acme/train@3f2a9c1d",
        "--environment",
        "sha256:abc",
    ]);
    let ft = w.write("ft.safetensors", &st(&[("w", "F32", &[9])]));
    w.json(&["register", s(&ft), "--model", "ft", "--parent", "base@1.0.0", "--relation", "finetune"]);
    let q = w.write("q.gguf", &fixtures::gguf("llama", &[("w", &[9], 8)]));
    w.json(&["register", s(&q), "--model", "ft-q4", "--parent", "ft@1.0.0", "--relation", "quantized"]);
    let g = w.json(&["lineage", "ft@1.0.0", "--up", "2", "--down", "1"]);
    let ids: Vec<&str> = g["nodes"].as_array().unwrap().iter().map(|n| n["id"].as_str().unwrap()).collect();
    for want in
        ["version:base@1.0.0", "version:ft@1.0.0", "version:ft-q4@1.0.0", "code:git+https://github.com/acme/train@3f2a9c1d"]
    {
        assert!(ids.contains(&want), "{want} missing from {ids:?}");
    }
    let rel: Vec<&str> = g["edges"].as_array().unwrap().iter().filter_map(|e| e["relation"].as_str()).collect();
    assert!(rel.contains(&"finetune") && rel.contains(&"quantized"), "{rel:?}");
    let dot = stdout(&w.run(&["lineage", "ft@1.0.0", "--format", "dot"]));
    assert!(dot.starts_with("digraph lineage {"), "{dot}");
    assert!(dot.contains("\"version:ft@1.0.0\" -> \"version:base@1.0.0\" [label=\"derived_from (finetune)\"]"), "{dot}");
    assert!(w.fails(&["register", s(&q), "--model", "x", "--parent", "ghost@1.0.0"]).contains("ghost@1.0.0"));
    assert!(w.fails(&["register", s(&q), "--model", "x", "--parent", "ft@1.0.0", "--relation", "cloned"]).contains("cloned"));
}

/// Each bad input: one clear line on stderr, non-zero exit, catalog and audit log unchanged.
#[test]
fn bad_input_is_refused_with_one_line_and_changes_nothing() {
    let w = Ws::new();
    let ok = w.write("ok.safetensors", &st(&[("w", "F32", &[2])]));
    w.json(&["register", s(&ok), "--model", "m", "--version", "1.2.0"]);
    let before = w.snapshot();
    let objects = w.objects();

    let huge = w.write("huge.safetensors", &fixtures::safetensors_with_header_len(1 << 60));
    let empty = w.write("empty.safetensors", b"");
    let full = fixtures::onnx(&[("x", 1, &[fixtures::Dim::V(1)])], &[("y", 1, &[fixtures::Dim::V(1)])], &[]);
    let truncated = w.write("cut.onnx", &full[..full.len() * 2 / 3]);
    let evil = w.write("evil.pkl", &fixtures::pickle_posix_system());
    let unreadable = w.inputs().join("unreadable.bin");
    std::os::unix::fs::symlink("/proc/self/mem", &unreadable).unwrap();
    let good2 = w.write("good2.safetensors", &st(&[("w", "F32", &[3])]));
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (vec!["register", "/no/such/file", "--model", "m"], "/no/such/file"),
        (vec!["register", s(&unreadable), "--model", "m"], "unreadable.bin"),
        (vec!["register", s(&good2), "--model", "Bad Name"], "invalid name"),
        (vec!["register", s(&good2), "--model", "m", "--version", "1.2.0"], "already exists"),
        (vec!["register", s(&good2), "--model", "m", "--version", "1.1.9"], "not greater"),
        (vec!["register", s(&good2), "--model", "m", "--version", "one"], "invalid version"),
        (vec!["register", s(&huge), "--model", "m"], "header"),
        (vec!["register", s(&empty), "--model", "m"], "empty.safetensors"),
        (vec!["register", s(&truncated), "--model", "m"], "cut.onnx"),
        (vec!["register", s(&evil), "--model", "m"], "posix.system"),
        (vec!["register", s(&good2), s(&evil), "--model", "m"], "posix.system"),
        (vec!["register", s(&good2), "--model", "m", "--metric", "acc=high"], "metric"),
    ];
    for (args, needle) in cases {
        let err = w.fails(&args);
        assert_eq!(err.trim_end().lines().count(), 1, "{args:?}: expected one line, got {err:?}");
        assert!(err.starts_with("error: "), "{args:?}: {err}");
        assert!(err.contains(needle), "{args:?}: {err:?} should mention {needle:?}");
        assert_eq!(w.snapshot(), before, "{args:?} changed the catalog");
    }
    assert_eq!(w.objects(), objects, "refused inputs must not reach the store");
    assert_eq!(w.json(&["audit", "verify"])["ok"], true);
}

#[test]
fn versions_page_and_json_errors_are_machine_readable() {
    let w = Ws::new();
    for i in 1..=5u64 {
        let f = w.write(&format!("{i}.safetensors"), &st(&[("w", "F32", &[i])]));
        w.json(&["register", s(&f), "--model", "m", "--version", &format!("{i}.0.0")]);
    }
    let page = w.json(&["versions", "m", "--limit", "2", "--offset", "1"]);
    assert_eq!(page["total"], 5);
    let vs: Vec<&str> = page["versions"].as_array().unwrap().iter().map(|v| v["version"].as_str().unwrap()).collect();
    assert_eq!(vs, ["4.0.0", "3.0.0"]);
    let out = w.run(&["show", "m@9.9.9", "--json"]);
    assert!(!out.status.success());
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["error"]["code"], "not_found");
}

fn fixtures_sha(bytes: &[u8]) -> String {
    pedigree::hash::sha256_hex(bytes)
}

fn sha_of_hex(digests: &[&str]) -> String {
    pedigree::hash::root_digest(digests.iter().copied()).unwrap()
}

/// A scikit-learn model pickle is stored and described (never loaded): `show` names the library
/// and the version the file records; a pickle that would run a command is refused.
#[test]
fn a_scikit_learn_pickle_is_registered_and_show_names_the_library() {
    let w = Ws::new();
    let f = w.write("churn.pkl", &fixtures::pickle_object("sklearn.ensemble._forest", "RandomForestClassifier", "1.5.2"));
    w.json(&["register", s(&f), "--model", "churn"]);
    let out = w.run(&["show", "churn@1.0.0"]);
    assert!(common::stdout(&out).contains("churn.pkl: loading runs code from sklearn 1.5.2"), "{}", common::stdout(&out));
    let shown = w.json(&["show", "churn@1.0.0"]);
    assert_eq!(shown["version"]["sniffed"]["churn.pkl"]["pickle_risk"], "known", "{shown}");
    let bad = w.write("bad.pkl", &fixtures::pickle_object("os", "system", "1.5.2"));
    let before = w.snapshot();
    let err = w.fails(&["register", s(&bad), "--model", "bad"]);
    assert!(err.contains("os.system"), "{err}");
    assert_eq!(w.snapshot(), before, "a refused pickle writes nothing");
}

/// A pickle that would run a command is refused unless the registrant states a reason; then it
/// is stored (never loaded: the command's marker file stays absent) and the reason and the
/// offending imports are in the audit event.
#[test]
fn a_dangerous_pickle_needs_a_stated_reason_and_is_never_run() {
    let w = Ws::new();
    let marker = w.dir.path().join("pwned");
    let cmd = format!("touch {}", marker.display());
    let mut payload = b"\x80\x02cposix\nsystem\nq\x00X".to_vec();
    payload.extend_from_slice(&(cmd.len() as u32).to_le_bytes());
    payload.extend_from_slice(cmd.as_bytes());
    payload.extend_from_slice(b"q\x01\x85q\x02Rq\x03.");
    let f = w.write("exploit.pkl", &payload);
    let err = w.fails(&["register", s(&f), "--model", "exploit"]);
    assert!(err.contains("posix.system") && err.contains("refusing"), "{err}");
    let err = w.fails(&["register", s(&f), "--model", "exploit", "--allow-unsafe", "  "]);
    assert!(err.contains("needs a reason") && err.trim_end().ends_with("(--allow-unsafe)"), "{err}");
    let reg = w.json(&["register", s(&f), "--model", "exploit", "--allow-unsafe", "red-team sample for the scanner"]);
    assert_eq!(reg["version"], "1.0.0");
    let shown = w.json(&["show", "exploit@1.0.0"]);
    assert_eq!(shown["version"]["sniffed"]["exploit.pkl"]["pickle_risk"], "dangerous", "{shown}");
    let log = w.json(&["audit", "log"]);
    let ev = log["events"].as_array().unwrap().iter().find(|e| e["action"] == "register_version").unwrap();
    let p: serde_json::Value = serde_json::from_str(ev["payload"].as_str().unwrap()).unwrap();
    assert_eq!(p["allowUnsafe"]["reason"], "red-team sample for the scanner");
    assert_eq!(p["allowUnsafe"]["files"][0]["imports"], "posix.system");
    assert!(!marker.exists(), "the pickle was executed");
}

/// The library version a pickle records is part of its interface: a new scikit-learn major
/// version proposes a major bump, a minor one is named in the reason.
#[test]
fn library_versions_recorded_in_pickles_drive_the_semver_suggestion() {
    let w = Ws::new();
    // Each file differs (its recorded version), so each version has new weights.
    let reg = |ver: &str, n: u8| {
        let bytes = fixtures::pickle_object("sklearn.ensemble._forest", "RandomForestClassifier", ver);
        let f = w.write(&format!("v{n}/churn.pkl"), &bytes);
        w.json(&["register", s(&f), "--model", "churn"])
    };
    assert_eq!(reg("1.4.2", 1)["version"], "1.0.0");
    let r = reg("1.5.2", 2);
    assert_eq!(r["version"], "1.1.0", "{r}");
    assert!(r["bumpReason"].as_str().unwrap().ends_with("sklearn 1.4.2 → 1.5.2"), "{r}");
    let r = reg("2.0.0", 3);
    assert_eq!(r["version"], "2.0.0", "{r}");
    assert!(r["bumpReason"].as_str().unwrap().contains("sklearn 1.5.2 → 2.0.0 (a new major version)"), "{r}");
}

/// The ML-BOM of a report carries what loading the model would run, per pickle file.
#[test]
fn the_ml_bom_names_what_loading_a_pickle_runs() {
    let w = Ws::new();
    let f = w.write("churn.pkl", &fixtures::pickle_object("sklearn.ensemble._forest", "RandomForestClassifier", "1.5.2"));
    w.json(&["register", s(&f), "--model", "churn"]);
    let out = w.dir.path().join("bundle");
    w.json(&["report", "churn@1.0.0", "--out", s(&out)]);
    let bom: serde_json::Value = serde_json::from_slice(&std::fs::read(out.join("mlbom.cdx.json")).unwrap()).unwrap();
    let props = bom["metadata"]["component"]["properties"].as_array().cloned().unwrap_or_else(|| {
        bom["components"].as_array().unwrap().iter().find(|c| c["type"] == "machine-learning-model").unwrap()["properties"]
            .as_array()
            .unwrap()
            .clone()
    });
    let get = |name: &str| props.iter().find(|p| p["name"] == name).map(|p| p["value"].clone());
    assert_eq!(get("pedigree:pickle:churn.pkl:risk"), Some("known".into()), "{props:?}");
    assert_eq!(get("pedigree:pickle:churn.pkl:loadingRunsCodeFrom"), Some("sklearn 1.5.2".into()));
    assert_eq!(get("pedigree:library:sklearn"), Some("1.5.2".into()));
    // The compliance report shows the same in its design section (JSON, and so HTML and PDF).
    let report = std::fs::read_to_string(out.join("report.json")).unwrap();
    assert!(report.contains("loading runs code from sklearn 1.5.2"), "report.json lacks the verdict");
    assert!(std::fs::read_to_string(out.join("report.html")).unwrap().contains("loading runs code from sklearn 1.5.2"));
    assert_eq!(w.json(&["verify", s(&out)])["ok"], true);
}
