//! Versions whose MLflow source is outside the artifact proxy (`s3://…`): fetched through a
//! store the user added that covers the URI (a real S3 server, moto), never from anywhere else.

#[allow(dead_code)]
#[path = "../index/peers.rs"]
mod s3;

use super::{peer, sync};
use crate::common::Ws;

const CREATE: &str = r#"
import sys
from mlflow import MlflowClient
c = MlflowClient()
name = sys.argv[1]
c.create_registered_model(name)
c.create_model_version(name, source="s3://team-models/churn/v1")
c.create_model_version(name, source="s3://private/keys")
"#;

#[test]
fn an_s3_source_is_fetched_through_a_store_that_covers_it_and_nothing_outside_a_store_is_read() {
    let server = peer::mlflow();
    let moto = s3::moto(false);
    let endpoint = moto.url();
    s3::s3_put(
        &endpoint,
        "team-models",
        &[("churn/v1/MLmodel".into(), b"flavors: {}\n".to_vec()), ("churn/v1/data/weights.bin".into(), vec![7u8; 4096])],
    );
    s3::s3_put(&endpoint, "private", &[("keys/id_ed25519".into(), b"-----BEGIN OPENSSH PRIVATE KEY----- not for you".to_vec())]);
    peer::client(CREATE, &["src1-s3"]);
    let w = Ws::new();
    w.json(&["remote", "add", "team", "mlflow", &server.url]);

    // No store covers either: both recorded as out of reach, saying what to do.
    let (code, r) = sync(&w, &["team", "--model", "src1"]);
    assert_eq!((code, r["pulled"].as_u64()), (0, Some(0)), "{r}");
    let reasons: Vec<String> =
        r["skipped"].as_array().unwrap().iter().map(|i| i["reason"].as_str().unwrap().to_string()).collect();
    assert_eq!(reasons.len(), 2, "{r}");
    assert!(reasons.iter().all(|r| r.contains("pedigree store add")), "{reasons:?}");
    // Unchanged, and no store added: not tried again.
    let (_, r) = sync(&w, &["team", "--model", "src1"]);
    assert_eq!((r["unchanged"].as_u64(), r["skipped"].as_array().map(Vec::len)), (Some(1), Some(0)), "{r}");

    // A store over the team bucket: the next sync tries again and fetches the covered version,
    // through the store's endpoint and credentials; the other stays out of reach.
    w.json(&[
        "store",
        "add",
        "shared",
        "s3://team-models",
        "--endpoint",
        &endpoint,
        "--access-key-id",
        "testing",
        "--secret-access-key",
        "testing",
    ]);
    let (code, r) = sync(&w, &["team", "--model", "src1"]);
    assert_eq!((code, r["pulled"].as_u64()), (0, Some(1)), "{r}");
    let skipped = r["skipped"].as_array().unwrap();
    assert_eq!((skipped.len(), skipped[0]["subject"].as_str()), (1, Some("src1-s3/2")), "{r}");
    let files = super::files(&w, "src1-s3@1.0.0");
    assert_eq!(files.keys().cloned().collect::<Vec<_>>(), vec!["MLmodel".to_string(), "data/weights.bin".to_string()]);
    // The key in the bucket no store covers was never read into the workspace.
    let leaked = walkdir::WalkDir::new(w.path())
        .into_iter()
        .flatten()
        .filter(|e| e.file_type().is_file())
        .any(|e| std::fs::read(e.path()).unwrap().windows(11).any(|b| b == b"not for you"));
    assert!(!leaked, "the private key's bytes are somewhere in the workspace");
}
