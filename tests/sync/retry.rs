//! A version registered from a run (`runs:/RUN/model`, the classic MLflow flow) whose files the
//! server failed to serve is tried again at the next sync, though
//! nothing about its model changed (a real fault: its artifacts gone from the server's disk,
//! then back).

use super::{peer, sync};
use crate::common::Ws;

const SEED_RUN_MODEL: &str = r#"
import sys, tempfile, os, mlflow
from mlflow import MlflowClient
c = MlflowClient()
name = sys.argv[1]
mlflow.set_experiment("retry")
with mlflow.start_run() as run:
    d = tempfile.mkdtemp()
    open(os.path.join(d, "weights.bin"), "wb").write(b"\x01" * 2048)
    mlflow.log_artifacts(d, artifact_path="model")
c.create_registered_model(name)
c.create_model_version(name, source=f"runs:/{run.info.run_id}/model", run_id=run.info.run_id)
"#;

#[test]
fn a_version_the_server_failed_to_serve_is_pulled_at_the_next_sync_without_any_change_there() {
    let server = peer::Own::start();
    peer::client_of(&server.url, SEED_RUN_MODEL, &["flaky"], &[]);
    let folder = walkdir::WalkDir::new(server.artifacts())
        .into_iter()
        .flatten()
        .find(|e| e.file_name() == "weights.bin")
        .expect("the run's artifact is on the server's disk")
        .path()
        .parent()
        .unwrap()
        .to_path_buf();
    let moved = folder.with_extension("away");
    std::fs::rename(&folder, &moved).unwrap();
    let w = Ws::new();
    w.json(&["remote", "add", "team", "mlflow", &server.url]);
    let (code, r) = sync(&w, &["team"]);
    assert_eq!((code, r["pulled"].as_u64(), r["skipped"].as_array().map(Vec::len)), (0, Some(0), Some(1)), "{r}");

    std::fs::rename(&moved, &folder).unwrap();
    let (code, r) = sync(&w, &["team"]);
    assert_eq!((code, r["pulled"].as_u64()), (0, Some(1)), "tried again though the model did not change: {r}");
    let shown = w.json(&["show", "flaky@1.0.0"]);
    assert_eq!(shown["version"]["files"][0]["path"], "weights.bin", "{shown}");
    // Then in step: nothing is tried again.
    let (_, r) = sync(&w, &["team"]);
    assert_eq!((r["unchanged"].as_u64(), r["requests"].as_u64()), (Some(1), Some(2)), "a page of models, one of versions: {r}");
}
