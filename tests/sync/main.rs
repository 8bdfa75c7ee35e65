//! Sync with a real MLflow 3.17.2 server (started once for this binary, see `peer`), seeded with
//! the real `mlflow` Python client (`log_model`, aliases, tags, an external source), and driven
//! through the real `pedigree` binary as a user would.

#[path = "../common/mod.rs"]
mod common;
mod drift;
mod fields;
#[path = "../common/fixtures.rs"]
mod fixtures;
mod hf;
mod metadata;
mod oci;
mod oci_token;
mod peer;
mod retry;
mod scale;
mod schedule;
mod sources;

use std::collections::BTreeMap;

use common::{Ws, stderr};

/// Python: `tree(p)` is {relative path: sha256} of the files under `p`.
const HASH_TREE: &str = r#"
import hashlib, os
def tree(p):
    files = {}
    for root, _, fs in os.walk(p):
        for f in fs:
            full = os.path.join(root, f)
            files[os.path.relpath(full, p)] = hashlib.sha256(open(full, "rb").read()).hexdigest()
    return files
"#;

const SEED: &str = r#"
import sys, json, hashlib, os, tempfile
import mlflow, numpy as np
from mlflow import MlflowClient
from sklearn.linear_model import LogisticRegression
prefix = sys.argv[1]
name = f"{prefix} Churn"
c = MlflowClient()
X = np.random.RandomState(0).rand(40, 3); y = (X[:, 0] > .5).astype(int)
mlflow.set_experiment(prefix)
for C in [1.0, 0.5]:
    with mlflow.start_run():
        mlflow.log_param("C", C)
        mlflow.log_metric("acc", 0.75 + C / 10)
        mlflow.log_input(mlflow.data.from_numpy(X, name="churn-train"), context="training")
        mlflow.sklearn.log_model(LogisticRegression(C=C).fit(X, y), name="model", registered_model_name=name)
c.set_registered_model_alias(name, "champion", "1")
c.update_registered_model(name, description="churn model")
c.set_model_version_tag(name, "2", "stage", "shadow")
c.create_registered_model(f"{prefix}-ext")
c.create_model_version(f"{prefix}-ext", source="s3://nowhere/model")
out = {}
for v in ["1", "2"]:
    out[v] = tree(mlflow.artifacts.download_artifacts(f"models:/{name}/{v}", dst_path=tempfile.mkdtemp()))
print(json.dumps(out))
"#;

fn seed(prefix: &str) -> BTreeMap<String, BTreeMap<String, String>> {
    serde_json::from_str(peer::client(&format!("{HASH_TREE}{SEED}"), &[prefix]).trim().lines().last().unwrap()).unwrap()
}

/// The files of a local version, path → sha256 (paths relative to the registered folder).
fn files(w: &Ws, reference: &str) -> BTreeMap<String, String> {
    let shown = w.json(&["show", reference]);
    shown["version"]["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (f["path"].as_str().unwrap().to_string(), f["sha256"].as_str().unwrap().to_string()))
        .collect()
}

fn sync(w: &Ws, args: &[&str]) -> (i32, serde_json::Value) {
    let mut a = vec!["sync"];
    a.extend_from_slice(args);
    a.push("--json");
    let out = w.run(&a);
    let report = serde_json::from_slice(&out.stdout).unwrap_or(serde_json::Value::Null);
    (out.status.code().unwrap_or(-1), report)
}

#[test]
fn pull_brings_every_version_byte_identical_with_aliases_records_the_unreachable_and_a_second_sync_writes_nothing() {
    let server = peer::mlflow();
    let want = seed("pull1");
    let w = Ws::new();
    let added = w.json(&["remote", "add", "team", "mlflow", &server.url]);
    assert_eq!(added["credentials"], "MLflow environment variables at sync time", "{added}");
    let t = w.json(&["remote", "test", "team"]);
    assert_eq!(t["serverVersion"], "3.17.2", "{t}");

    let (code, r) = sync(&w, &["team", "--model", "pull1"]);
    assert_eq!(code, 0, "{r}");
    assert_eq!((r["scannedModels"].as_u64(), r["scannedVersions"].as_u64()), (Some(2), Some(3)), "{r}");
    assert_eq!((r["pulled"].as_u64(), r["aliasesPulled"].as_u64()), (Some(2), Some(1)), "{r}");
    let skipped = r["skipped"].as_array().unwrap();
    assert_eq!(skipped.len(), 1, "{r}");
    assert_eq!(skipped[0]["subject"], "pull1-ext/1");
    assert!(skipped[0]["reason"].as_str().unwrap().contains("s3://nowhere/model"), "{r}");

    // Byte-identical with what the MLflow client downloads, version by version.
    let versions = w.json(&["versions", "pull1-churn"]);
    let mut local: Vec<String> =
        versions["versions"].as_array().unwrap().iter().map(|v| v["version"].as_str().unwrap().to_string()).collect();
    local.reverse();
    assert_eq!(local.len(), 2, "{versions}");
    for (remote_v, local_v) in ["1", "2"].iter().zip(&local) {
        // `registered_model_meta` is written by the MLflow client into its download folder; it
        // is not one of the version's artifacts on the server.
        let mut want = want[*remote_v].clone();
        assert!(want.remove("registered_model_meta").is_some());
        assert!(want.contains_key("MLmodel"), "{want:?}");
        assert_eq!(files(&w, &format!("pull1-churn@{local_v}")), want, "remote version {remote_v}");
    }
    // The alias followed the remote, and the pulled files were judged like any registration.
    assert_eq!(w.json(&["show", "pull1-churn@champion"])["version"]["version"], local[0].as_str());
    let shown = w.json(&["show", &format!("pull1-churn@{}", local[0])]);
    assert!(shown["version"]["sniffed"].to_string().contains("pickle_risk"), "{shown}");
    assert_eq!(shown["bindings"], serde_json::json!([{"remote": "team", "key": "pull1 Churn/1", "state": "bound"}]), "{shown}");
    // The run that made it: its params and metrics are the version's; the run node keeps the rest.
    assert_eq!(
        (shown["version"]["params"]["C"].as_str(), shown["version"]["metrics"]["acc"].as_f64()),
        (Some("1.0"), Some(0.85)),
        "{shown}"
    );
    let run = shown["upstream"].as_array().unwrap().iter().find(|e| e["kind"] == "produced_by").unwrap()["to"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(run.starts_with("run:team:"), "{run}");
    let attrs: String = w.catalog().query_row("SELECT attrs FROM nodes WHERE id = ?1", [&run], |r| r.get(0)).unwrap();
    let attrs: serde_json::Value = serde_json::from_str(&attrs).unwrap();
    assert_eq!(attrs["params"], "C=1.0", "{attrs}");
    assert!(attrs["datasets"].as_str().unwrap().starts_with("churn-train ("), "{attrs}");
    assert!(!attrs["start"].as_str().unwrap().is_empty(), "{attrs}");
    // Its logged dataset is a dataset version both versions were trained on (same data, same
    // MLflow digest: one dataset version), recorded with MLflow's digest, not a made-up sha256.
    let trained_on = |v: &str| -> Vec<String> {
        w.json(&["show", &format!("pull1-churn@{v}")])["upstream"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["kind"] == "trained_on")
            .map(|e| e["to"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(trained_on(&local[0]), vec!["dataset:churn-train@1".to_string()]);
    assert_eq!(trained_on(&local[1]), trained_on(&local[0]));
    let root: String = w
        .catalog()
        .query_row(
            "SELECT root_digest FROM dataset_versions dv JOIN datasets d ON d.id = dv.dataset_id WHERE d.name = 'churn-train'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert!(root.starts_with("mlflow:") && root.len() > "mlflow:".len(), "{root}");

    // Nothing changed: nothing is pulled and nothing is written.
    let before = (w.snapshot(), w.json(&["audit", "log"])["events"].as_array().unwrap().len());
    let (code, r) = sync(&w, &["team", "--model", "pull1"]);
    assert_eq!(code, 0, "{r}");
    assert_eq!((r["pulled"].as_u64(), r["unchanged"].as_u64()), (Some(0), Some(2)), "{r}");
    assert!(r["requests"].as_u64().unwrap() <= 2, "a no-change sync lists, and reads nothing else: {r}");
    assert_eq!((w.snapshot(), w.json(&["audit", "log"])["events"].as_array().unwrap().len()), before);
}

const MOVE_ALIAS: &str = r#"
import sys
from mlflow import MlflowClient
MlflowClient().set_registered_model_alias(sys.argv[1], "champion", "2")
"#;

#[test]
fn an_alias_moved_on_the_server_moves_here_on_the_next_sync_though_no_timestamp_changed() {
    let server = peer::mlflow();
    seed("alias1");
    let w = Ws::new();
    w.json(&["remote", "add", "team", "mlflow", &server.url]);
    assert_eq!(sync(&w, &["--model", "alias1"]).0, 0);
    let first = w.json(&["show", "alias1-churn@champion"])["version"]["version"].clone();
    peer::client(MOVE_ALIAS, &["alias1 Churn"]);
    let (code, r) = sync(&w, &["--model", "alias1"]);
    assert_eq!((code, r["aliasesPulled"].as_u64()), (0, Some(1)), "{r}");
    let now = w.json(&["show", "alias1-churn@champion"])["version"]["version"].clone();
    assert_ne!(now, first);
    let log = w.json(&["aliases", "alias1-churn"]);
    assert_eq!(log["moves"].as_array().unwrap().len(), 2, "{log}");
}

#[test]
fn a_dead_server_fails_with_one_clear_line_and_nothing_changes() {
    let w = Ws::new();
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    w.json(&["remote", "add", "gone", "mlflow", &format!("http://127.0.0.1:{port}")]);
    let before = w.snapshot();
    let out = w.run(&["sync", "gone"]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(err.contains("cannot reach the MLflow server"), "{err}");
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    assert_eq!(w.snapshot(), before);
    let bad = w.fails(&["remote", "add", "x", "mlflow", "http://user:secret@127.0.0.1:5000"]);
    assert!(bad.contains("credentials do not go in the URL") && !bad.contains("secret"), "{bad}");
}

const READ_BACK: &str = r#"
import sys, json, hashlib, os, tempfile, mlflow
from mlflow import MlflowClient
name = sys.argv[1]
c = MlflowClient()
mv = c.get_model_version_by_alias(name, "champion")
files = tree(mlflow.artifacts.download_artifacts(f"models:/{name}@champion", dst_path=tempfile.mkdtemp()))
files.pop("registered_model_meta", None)
count = len(c.search_model_versions(f"name='{name}'"))
print(json.dumps({"version": mv.version, "tags": mv.tags, "files": files, "count": count,
                  "uri": c.get_model_version_download_uri(name, mv.version)}))
"#;

#[test]
fn local_versions_pushed_read_back_byte_identical_with_the_mlflow_client_and_pushes_are_never_duplicated() {
    let server = peer::mlflow();
    let w = Ws::new();
    for (i, (n, version)) in [(64u64, "1.0.0"), (128, "1.1.0")].iter().enumerate() {
        let st = fixtures::safetensors(&[("w", "F32", &[*n])], &[]);
        let dir = w.inputs().join(format!("v{i}"));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("model.safetensors"), st).unwrap();
        std::fs::write(dir.join("config.json"), format!("{{\"v\": {i}}}")).unwrap();
        w.json(&[
            "register",
            dir.to_str().unwrap(),
            "--model",
            "push1-model",
            "--version",
            version,
            "-m",
            "pushed from pedigree",
        ]);
    }
    w.json(&["alias", "set", "push1-model@1.1.0", "champion"]);
    w.json(&["remote", "add", "team", "mlflow", &server.url]);
    // A dry run says what would be pushed and changes nothing on either side.
    let before = w.snapshot();
    let (code, r) = sync(&w, &["--model", "push1", "--dry-run"]);
    assert_eq!((code, r["pushed"].as_u64(), r["dryRun"].as_bool()), (0, Some(2), Some(true)), "{r}");
    assert_eq!(w.snapshot(), before);
    assert_eq!(peer::client(COUNT_VERSIONS, &["push1-model"]).trim(), "0");
    let (code, r) = sync(&w, &["--model", "push1"]);
    assert_eq!(code, 0, "{r}");
    assert_eq!((r["pushed"].as_u64(), r["aliasesPushed"].as_u64()), (Some(2), Some(1)), "{r}");

    // A third party reads it back through MLflow: the alias, the bytes, the digest tag.
    let back: serde_json::Value =
        serde_json::from_str(peer::client(&format!("{HASH_TREE}{READ_BACK}"), &["push1-model"]).trim().lines().last().unwrap())
            .unwrap();
    let local = w.json(&["show", "push1-model@1.1.0"]);
    assert_eq!(back["count"], 2, "{back}");
    assert_eq!(back["tags"]["pedigree.manifest_sha256"], local["version"]["manifestDigest"], "{back}");
    assert_eq!(back["tags"]["pedigree.semver"], "1.1.0");
    let want: BTreeMap<String, String> = files(&w, "push1-model@1.1.0");
    let got: BTreeMap<String, String> = serde_json::from_value(back["files"].clone()).unwrap();
    assert_eq!(got, want);
    assert!(back["uri"].as_str().unwrap().contains("/models/m-"), "{back}");

    // Nothing new: nothing pushed, nothing written.
    let before = (w.snapshot(), w.json(&["audit", "log"])["events"].as_array().unwrap().len());
    let (code, r) = sync(&w, &["--model", "push1"]);
    assert_eq!((code, r["pushed"].as_u64(), r["pulled"].as_u64()), (0, Some(0), Some(0)), "{r}");
    assert_eq!((w.snapshot(), w.json(&["audit", "log"])["events"].as_array().unwrap().len()), before);

    // Bindings lost (as after a crash between the remote's create and the local bind): the next
    // sync finds the versions by their bytes and binds them; MLflow still has exactly two.
    w.json(&["remote", "remove", "team"]);
    w.json(&["remote", "add", "team", "mlflow", &server.url]);
    let (code, r) = sync(&w, &["--model", "push1"]);
    assert_eq!((code, r["pushed"].as_u64(), r["bound"].as_u64()), (0, Some(0), Some(2)), "{r}");
    let back: serde_json::Value =
        serde_json::from_str(peer::client(&format!("{HASH_TREE}{READ_BACK}"), &["push1-model"]).trim().lines().last().unwrap())
            .unwrap();
    assert_eq!(back["count"], 2, "{back}");
}

const THIRD_VERSION_AND_MOVES: &str = r#"
import sys, mlflow, numpy as np
from mlflow import MlflowClient
from sklearn.linear_model import LogisticRegression
prefix = sys.argv[1]
name = f"{prefix} Churn"
c = MlflowClient()
if sys.argv[2] == "setup":
    c.set_registered_model_alias(name, "staging", "1")
else:
    X = np.random.RandomState(1).rand(40, 3); y = (X[:, 1] > .5).astype(int)
    mlflow.set_experiment(prefix)
    with mlflow.start_run():
        mlflow.sklearn.log_model(LogisticRegression(C=0.25).fit(X, y), name="model", registered_model_name=name)
    c.set_registered_model_alias(name, "champion", "3")
    c.set_registered_model_alias(name, "staging", "3")
"#;

const ALIASES_THERE: &str = r#"
import sys, json
from mlflow import MlflowClient
m = MlflowClient().get_registered_model(sys.argv[1])
print(json.dumps(m.aliases))
"#;

#[test]
fn aliases_moved_on_both_sides_are_conflicts_that_overwrite_neither_side_until_resolved() {
    let server = peer::mlflow();
    seed("conf1");
    peer::client(THIRD_VERSION_AND_MOVES, &["conf1", "setup"]);
    let w = Ws::new();
    w.json(&["remote", "add", "team", "mlflow", &server.url]);
    assert_eq!(sync(&w, &["--model", "conf1"]).0, 0);
    let at = |alias: &str| w.json(&["show", &format!("conf1-churn@{alias}")])["version"]["version"].as_str().unwrap().to_string();
    let v1 = at("champion");
    assert_eq!(at("staging"), v1);
    let versions = w.json(&["versions", "conf1-churn"]);
    let v2 = versions["versions"][0]["version"].as_str().unwrap().to_string();
    assert_ne!(v1, v2);
    // Both sides move both aliases, differently.
    w.json(&["alias", "set", &format!("conf1-churn@{v2}"), "champion"]);
    w.json(&["alias", "set", &format!("conf1-churn@{v2}"), "staging"]);
    peer::client(THIRD_VERSION_AND_MOVES, &["conf1", "move"]);

    let (code, r) = sync(&w, &["--model", "conf1"]);
    assert_eq!((code, r["pulled"].as_u64()), (3, Some(1)), "exit 3 with the conflicts open: {r}");
    assert_eq!(r["conflicts"].as_array().unwrap().len(), 2, "{r}");
    let list = w.json(&["conflicts"]);
    let conflicts = list["conflicts"].as_array().unwrap().clone();
    assert_eq!(conflicts.len(), 2, "{list}");
    let champion = conflicts.iter().find(|c| c["subject"] == "conf1 Churn@champion").unwrap();
    assert_eq!((champion["field"].as_str(), champion["base"].as_str()), (Some("alias"), Some("1")), "{champion}");
    assert_eq!((champion["local"].as_str(), champion["remoteValue"].as_str()), (Some(v2.as_str()), Some("3")), "{champion}");
    // Neither side was overwritten.
    assert_eq!((at("champion"), at("staging")), (v2.clone(), v2.clone()));
    let there: serde_json::Value = serde_json::from_str(peer::client(ALIASES_THERE, &["conf1 Churn"]).trim()).unwrap();
    assert_eq!(there, serde_json::json!({"champion": "3", "staging": "3"}));
    // A second sync keeps them open, and still changes neither side.
    let (code, _) = sync(&w, &["--model", "conf1"]);
    assert_eq!(code, 3);
    assert_eq!(w.json(&["conflicts"])["conflicts"].as_array().unwrap().len(), 2);

    // Take the remote's champion and the local staging.
    let staging = conflicts.iter().find(|c| c["subject"] == "conf1 Churn@staging").unwrap();
    w.json(&["resolve", &champion["id"].to_string(), "--take", "remote"]);
    w.json(&["resolve", &staging["id"].to_string(), "--take", "local"]);
    let v3 = at("champion");
    assert!(v3 != v1 && v3 != v2, "champion follows the remote's version 3: {v3}");
    let there: serde_json::Value = serde_json::from_str(peer::client(ALIASES_THERE, &["conf1 Churn"]).trim()).unwrap();
    assert_eq!(there, serde_json::json!({"champion": "3", "staging": "2"}));
    let log = w.json(&["audit", "log"]);
    let resolved = log["events"].as_array().unwrap().iter().filter(|e| e["action"] == "resolve_conflict").count();
    assert_eq!(resolved, 2);
    let (code, r) = sync(&w, &["--model", "conf1"]);
    assert_eq!((code, r["aliasesPulled"].as_u64(), r["aliasesPushed"].as_u64()), (0, Some(0), Some(0)), "in step: {r}");
    assert_eq!(w.json(&["conflicts"])["conflicts"].as_array().unwrap().len(), 0);
    let err = w.fails(&["resolve", &champion["id"].to_string(), "--take", "local"]);
    assert!(err.contains("resolved already"), "{err}");
}

#[test]
fn a_server_with_basic_auth_refuses_a_wrong_password_with_one_line_and_serves_the_sealed_right_one() {
    let server = peer::mlflow_with_auth();
    let creds = [("MLFLOW_TRACKING_USERNAME", "admin"), ("MLFLOW_TRACKING_PASSWORD", peer::ADMIN_PASSWORD)];
    peer::client_of(&server.url, &format!("{HASH_TREE}{SEED}"), &["auth1"], &creds);
    let w = Ws::new();

    // Wrong password, sealed: refused in one line that says what to do; nothing written.
    let mut add = w.command(&["remote", "add", "team", "mlflow", &server.url, "--username", "admin"]);
    add.stdin(std::process::Stdio::piped()).stdout(std::process::Stdio::piped());
    let mut child = add.spawn().unwrap();
    std::io::Write::write_all(child.stdin.as_mut().unwrap(), b"not-the-password\n").unwrap();
    assert!(child.wait_with_output().unwrap().status.success());
    let listed = w.run(&["remote", "list"]);
    let listed = String::from_utf8_lossy(&listed.stdout).to_string();
    assert!(listed.contains("sealed in the workspace") && !listed.contains("not-the-password"), "{listed}");
    let before = w.snapshot();
    let out = w.run(&["sync", "team", "--model", "auth1"]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(err.contains("refused the credentials (HTTP 401)") && err.contains("MLFLOW_TRACKING_USERNAME"), "{err}");
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    assert!(!err.contains("not-the-password"), "{err}");
    assert_eq!(w.snapshot(), before);

    // The right one, sealed: the pull works.
    w.json(&["remote", "remove", "team"]);
    let mut add = w.command(&["remote", "add", "team", "mlflow", &server.url, "--username", "admin"]);
    add.stdin(std::process::Stdio::piped()).stdout(std::process::Stdio::piped());
    let mut child = add.spawn().unwrap();
    std::io::Write::write_all(child.stdin.as_mut().unwrap(), format!("{}\n", peer::ADMIN_PASSWORD).as_bytes()).unwrap();
    assert!(child.wait_with_output().unwrap().status.success());
    let (code, r) = sync(&w, &["team", "--model", "auth1"]);
    assert_eq!((code, r["pulled"].as_u64()), (0, Some(2)), "{r}");
}

const COUNT_VERSIONS: &str = r#"
import sys
from mlflow import MlflowClient
print(len(MlflowClient().search_model_versions(f"name='{sys.argv[1]}'")))
"#;

#[test]
fn a_sync_killed_at_each_step_of_a_pull_or_a_push_leaves_no_duplicate_and_the_next_one_finishes() {
    use std::os::unix::process::ExitStatusExt;
    let server = peer::mlflow();
    seed("crash1");
    let w = Ws::new();
    let f = w.write("local/model.safetensors", &fixtures::safetensors(&[("w", "F32", &[32])], &[]));
    w.json(&["register", f.to_str().unwrap(), "--model", "crash1-local"]);
    w.json(&["remote", "add", "team", "mlflow", &server.url]);
    for point in ["pull-registered", "push-uploaded", "push-created"] {
        let out = w.command(&["sync", "--model", "crash1"]).env("PEDIGREE_TEST_KILL_AT", point).output().unwrap();
        assert_eq!(out.status.signal(), Some(9), "{point}: the sync was not killed there: {}", stderr(&out));
    }
    let (code, r) = sync(&w, &["--model", "crash1"]);
    assert_eq!(code, 0, "{r}");
    let count = |name: &str| peer::client(COUNT_VERSIONS, &[name]).trim().parse::<u32>().unwrap();
    assert_eq!(count("crash1-local"), 1, "one MLflow version per pushed digest");
    assert_eq!(count("crash1 Churn"), 2);
    let local = |m: &str| w.json(&["versions", m])["versions"].as_array().unwrap().len();
    assert_eq!((local("crash1-churn"), local("crash1-local")), (2, 1), "one local version per pulled one");
    assert_eq!(w.json(&["audit", "verify"])["ok"], true);
    let (code, r) = sync(&w, &["--model", "crash1"]);
    assert_eq!((code, r["pulled"].as_u64(), r["pushed"].as_u64()), (0, Some(0), Some(0)), "{r}");
}

const SEMVERS_IN_ORDER: &str = r#"
import sys, json
from mlflow import MlflowClient
vs = MlflowClient().search_model_versions(f"name='{sys.argv[1]}'")
vs = sorted(vs, key=lambda v: int(v.version))
print(json.dumps([v.tags.get("pedigree.semver") for v in vs]))
"#;

#[test]
fn versions_registered_while_the_server_is_down_go_up_in_order_when_it_is_back_even_if_it_dies_mid_way() {
    let mut server = peer::Own::start();
    let w = Ws::new();
    w.json(&["remote", "add", "team", "mlflow", &server.url]);
    server.stop();
    let wanted: Vec<String> = (0..12).map(|i| format!("1.{i}.0")).collect();
    for (i, v) in wanted.iter().enumerate() {
        let f = w.write(&format!("v{i}/model.safetensors"), &fixtures::safetensors(&[("w", "F32", &[4 + i as u64])], &[]));
        w.json(&["register", f.to_str().unwrap(), "--model", "outbox-model", "--version", v]);
    }
    let out = w.run(&["sync"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("cannot reach the MLflow server"), "{}", stderr(&out));

    // Back up; the server dies while the sync is pushing, then comes back.
    server.restart();
    let child =
        w.command(&["sync", "--json"]).stdout(std::process::Stdio::null()).stderr(std::process::Stdio::null()).spawn().unwrap();
    std::thread::sleep(std::time::Duration::from_millis(2500));
    server.restart();
    let _ = child.wait_with_output();
    let (code, r) = sync(&w, &[]);
    assert_eq!(code, 0, "{r}");
    let semvers: Vec<Option<String>> =
        serde_json::from_str(peer::client_of(&server.url, SEMVERS_IN_ORDER, &["outbox-model"], &[]).trim()).unwrap();
    assert_eq!(semvers, wanted.iter().map(|v| Some(v.clone())).collect::<Vec<_>>(), "every version once, in order");
    let (code, r) = sync(&w, &[]);
    assert_eq!((code, r["pushed"].as_u64(), r["bound"].as_u64()), (0, Some(0), Some(0)), "{r}");
}

const ALIAS_STEP: &str = r#"
import sys
from mlflow import MlflowClient
c, name, step = MlflowClient(), sys.argv[1], sys.argv[2]
if step == "drop-champion":
    c.delete_registered_model_alias(name, "champion")
elif step == "set-next":
    c.set_registered_model_alias(name, "next", "2")
elif step == "drop-next":
    c.delete_registered_model_alias(name, "next")
"#;

#[test]
fn an_alias_removed_on_the_server_is_removed_here_unless_it_was_moved_here_too() {
    let server = peer::mlflow();
    seed("rmal1");
    let w = Ws::new();
    w.json(&["remote", "add", "team", "mlflow", &server.url]);
    assert_eq!(sync(&w, &["--model", "rmal1"]).0, 0);
    let aliases = |w: &Ws| -> Vec<String> {
        w.json(&["aliases", "rmal1-churn"])["aliases"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["alias"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(aliases(&w), ["champion"]);
    peer::client(ALIAS_STEP, &["rmal1 Churn", "drop-champion"]);
    peer::client(ALIAS_STEP, &["rmal1 Churn", "set-next"]);
    let (code, r) = sync(&w, &["--model", "rmal1"]);
    assert_eq!((code, r["aliasesPulled"].as_u64()), (0, Some(2)), "{r}");
    assert_eq!(aliases(&w), ["next"]);

    // Moved here, removed there: a conflict; taking the remote removes it here.
    let versions = w.json(&["versions", "rmal1-churn"]);
    let older = versions["versions"][1]["version"].as_str().unwrap().to_string();
    w.json(&["alias", "set", &format!("rmal1-churn@{older}"), "next"]);
    peer::client(ALIAS_STEP, &["rmal1 Churn", "drop-next"]);
    let (code, r) = sync(&w, &["--model", "rmal1"]);
    assert_eq!(code, 3, "{r}");
    let conflicts = w.json(&["conflicts"])["conflicts"].as_array().unwrap().clone();
    let c = conflicts.iter().find(|c| c["subject"] == "rmal1 Churn@next").expect("a conflict on next");
    assert_eq!((c["local"].as_str(), c["remoteValue"].as_str()), (Some(older.as_str()), None), "{c}");
    assert_eq!(aliases(&w), ["next"], "not removed here while in conflict");
    w.json(&["resolve", &c["id"].to_string(), "--take", "remote"]);
    assert!(aliases(&w).is_empty());
    let (code, r) = sync(&w, &["--model", "rmal1"]);
    assert_eq!((code, r["aliasesPulled"].as_u64(), r["aliasesPushed"].as_u64()), (0, Some(0), Some(0)), "{r}");
}
