//! Drift: a version's artifacts overwritten on the MLflow server after Pedigree pulled them.

use super::{files, peer, seed, sync};
use crate::common::Ws;

/// Python: overwrite one artifact file of a registered version through the server's artifact
/// proxy (MLflow does not prevent it), as a colleague's re-upload would.
const OVERWRITE: &str = r#"
import sys, requests
from mlflow import MlflowClient
name, version, path, text = sys.argv[1:5]
uri = MlflowClient().get_model_version_download_uri(name, version)
assert uri.startswith("mlflow-artifacts:/"), uri
url = f"{sys.argv[5]}/api/2.0/mlflow-artifacts/artifacts/{uri[len('mlflow-artifacts:/'):]}/{path}"
r = requests.put(url, data=text.encode())
r.raise_for_status()
print(url)
"#;

fn audit_count(w: &Ws, action: &str) -> usize {
    w.json(&["audit", "log"])["events"].as_array().unwrap().iter().filter(|e| e["action"] == action).count()
}

#[test]
fn bytes_changed_on_the_server_are_reported_as_drift_never_applied_and_can_be_imported_as_a_new_version() {
    let server = peer::mlflow();
    seed("drift1");
    let w = Ws::new();
    w.json(&["remote", "add", "team", "mlflow", &server.url]);
    let (code, r) = sync(&w, &["team", "--model", "drift1"]);
    assert_eq!((code, r["pulled"].as_u64()), (0, Some(2)), "{r}");
    let (code, r) = sync(&w, &["team", "--model", "drift1", "--verify"]);
    assert_eq!((code, r["verified"].as_u64(), r["drifted"].as_array().map(Vec::len)), (0, Some(2), Some(0)), "{r}");
    let versions = w.json(&["versions", "drift1-churn"]);
    let v2 = versions["versions"][0]["version"].as_str().unwrap().to_string();
    let before = files(&w, &format!("drift1-churn@{v2}"));

    peer::client(OVERWRITE, &["drift1 Churn", "2", "requirements.txt", "scikit-learn==0.0.0-tampered\n", &server.url]);
    // No metadata moved: a plain sync cannot see it and does nothing.
    let (code, r) = sync(&w, &["team", "--model", "drift1"]);
    assert_eq!((code, r["pulled"].as_u64(), r["unchanged"].as_u64()), (0, Some(0), Some(2)), "{r}");

    // --verify finds it, reports it, changes no registered byte; exit 3: not in step.
    for round in 0..2 {
        let (code, r) = sync(&w, &["team", "--model", "drift1", "--verify"]);
        assert_eq!(code, 3, "{r}");
        let drifted = r["drifted"].as_array().unwrap();
        assert_eq!((drifted.len(), r["verified"].as_u64()), (1, Some(1)), "round {round}: {r}");
        assert_eq!(drifted[0]["subject"], "drift1 Churn/2");
        assert!(drifted[0]["reason"].as_str().unwrap().contains("--import-drift"), "{r}");
        assert_eq!(files(&w, &format!("drift1-churn@{v2}")), before);
        // Audited once, not at every check.
        assert_eq!(audit_count(&w, "remote_drift"), 1);
    }
    let shown = w.json(&["show", &format!("drift1-churn@{v2}")]);
    assert_eq!(shown["bindings"][0]["state"], "drifted", "{shown}");

    // Imported: a new version with the server's bytes, derived from the old one, which keeps its
    // own; the remote version is bound to the new one and the next check finds all in step.
    let (code, r) = sync(&w, &["team", "--model", "drift1", "--import-drift"]);
    assert_eq!(
        (code, r["pulled"].as_u64(), r["pushed"].as_u64()),
        (0, Some(1), Some(0)),
        "the old version is not pushed back: {r}"
    );
    let reason = r["drifted"][0]["reason"].as_str().unwrap();
    let new = reason.rsplit("imported as drift1-churn@").next().unwrap().to_string();
    assert_ne!(new, v2, "{reason}");
    let after = files(&w, &format!("drift1-churn@{new}"));
    assert_ne!(after["requirements.txt"], before["requirements.txt"]);
    assert_eq!(after["MLmodel"], before["MLmodel"]);
    assert_eq!(files(&w, &format!("drift1-churn@{v2}")), before);
    let shown = w.json(&["show", &format!("drift1-churn@{new}")]);
    let parents: Vec<&str> = shown["upstream"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["kind"] == "derived_from")
        .map(|e| e["to"].as_str().unwrap())
        .collect();
    assert_eq!(parents, vec![format!("version:drift1-churn@{v2}")], "{shown}");
    assert_eq!(shown["bindings"][0]["key"], "drift1 Churn/2", "{shown}");
    let old = w.json(&["show", &format!("drift1-churn@{v2}")]);
    assert_eq!(old["bindings"][0]["state"], "superseded", "{old}");
    let (code, r) = sync(&w, &["team", "--model", "drift1", "--verify"]);
    assert_eq!((code, r["verified"].as_u64(), r["drifted"].as_array().map(Vec::len)), (0, Some(2), Some(0)), "{r}");
}
