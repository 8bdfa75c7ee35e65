//! What a pulled version's run tells about its lineage: the run's facts as node attributes, and
//! its logged dataset inputs as dataset versions. MLflow logs a dataset's name, its own digest
//! and where it came from, never its bytes, so such a dataset version records MLflow's digest as
//! `mlflow:DIGEST` (not a sha256 of files Pedigree hashed) with the source it names. A version
//! whose files came from a content-addressed source (an OCI manifest) is `imported_from` it.

use rusqlite::Connection;
use serde_json::{Value, json};

use super::SyncError;
use crate::audit;
use crate::catalog::datasets;
use crate::ids::dataset_node;
use crate::remote::RemoteRun;

/// A pulled run's facts as node attributes (strings, as the lineage side panel shows them).
pub(super) fn run_attrs(remote: &str, r: &RemoteRun) -> Value {
    let time = |ms: Option<i64>| ms.and_then(chrono::DateTime::from_timestamp_millis).map(|t| t.to_rfc3339()).unwrap_or_default();
    let list = |items: Vec<String>| items.join(", ");
    json!({
        "remote": remote,
        "user": r.user,
        "start": time(r.start),
        "end": time(r.end),
        "params": list(r.params.iter().map(|(k, v)| format!("{k}={v}")).collect()),
        "metrics": list(r.metrics.iter().map(|(k, v)| format!("{k}={v}")).collect()),
        "datasets": list(r.datasets.iter().map(|(n, d, s)| format!("{n} ({d}) from {}", source_uri(s))).collect()),
    })
}

/// The dataset versions (`NAME@VERSION`, for `trainedOn`) of a run's logged inputs, recorded now
/// where new: one per distinct MLflow digest, numbered like every dataset's versions. Inputs
/// whose digest is not a plain token are left out (a hostile server cannot name a file here).
pub(super) fn record_datasets(tx: &Connection, remote: &str, run: &RemoteRun, actor: &str) -> Result<Vec<String>, SyncError> {
    let mut refs = Vec::new();
    for (name, digest, source) in &run.datasets {
        if digest.is_empty() || digest.len() > 128 || !digest.chars().all(|c| c.is_ascii_alphanumeric()) {
            continue;
        }
        let root = format!("mlflow:{digest}");
        let extra = json!({"remote": remote, "remoteName": name});
        refs.push(external_dataset(tx, &super::local_name(name), &root, &source_uri(source), extra, actor)?);
    }
    refs.sort();
    refs.dedup();
    Ok(refs)
}

/// A dataset version known only by what another system says of it (no bytes hashed here): the
/// one with root `root` when there is one, else a new version of dataset `name` (audited
/// `register_dataset`, `extra` merged into the payload). Returns `NAME@VERSION`.
pub(crate) fn external_dataset(
    tx: &Connection,
    name: &str,
    root: &str,
    uri: &str,
    extra: Value,
    actor: &str,
) -> Result<String, crate::catalog::CatalogError> {
    if let Some(existing) = datasets::by_root(tx, root)? {
        return Ok(format!("{}@{}", existing.dataset, existing.version));
    }
    let now = audit::now();
    let id = match datasets::dataset_id(tx, name)? {
        Some(id) => id,
        None => datasets::insert_dataset(tx, name, actor, &now)?,
    };
    let version = (datasets::version_count(tx, id)? + 1).to_string();
    let mut payload = json!({"rootDigest": root, "sourceUri": uri, "files": 0, "totalSize": 0});
    if let (Some(p), Value::Object(extra)) = (payload.as_object_mut(), extra) {
        p.extend(extra);
    }
    let seq = audit::append(tx, &now, actor, "register_dataset", &dataset_node(name, &version), &payload)?;
    datasets::insert_version(tx, id, &version, root, uri, &[], actor, &now, seq)?;
    Ok(format!("{name}@{version}"))
}

/// MLflow keeps a dataset's source as JSON (`{"uri": "s3://…"}`, `{"path": …}`…): its URI or
/// path, else the text as given; at most 2,048 characters.
fn source_uri(source: &str) -> String {
    let parsed: Option<Value> = serde_json::from_str(source).ok();
    let uri = parsed
        .as_ref()
        .and_then(|v| ["uri", "url", "path", "table_name"].iter().find_map(|k| v[*k].as_str().map(str::to_string)))
        .unwrap_or_else(|| source.to_string());
    uri.chars().take(2048).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dataset_sources_read_mlflow_json() {
        assert_eq!(source_uri(r#"{"uri": "s3://bucket/train.parquet"}"#), "s3://bucket/train.parquet");
        assert_eq!(source_uri(r#"{"path": "/data/x.csv"}"#), "/data/x.csv");
        assert_eq!(source_uri("plain text"), "plain text");
        assert_eq!(source_uri(&"x".repeat(5000)).len(), 2048);
    }
}

/// Links a version to the content-addressed place its files came from
/// (`source:oci://HOST/REPO@sha256:…`, `source:hf://ORG/NAME@COMMIT`,
/// `source:bundle://SIGNER-KEY-HEX/MODEL@VERSION`), in the transaction of the audit event `seq`. Sources
/// that name no digest (MLflow's) are left out: the run and the binding say where those came from.
pub(super) fn imported_from(tx: &Connection, version_node: &str, source: &str, seq: i64) -> Result<(), SyncError> {
    let label = match source.split_once("://") {
        Some(("oci", rest)) if source.contains("@sha256:") => rest,
        Some(("hf", rest)) if rest.contains('@') => source,
        Some(("bundle", rest)) => rest.split_once('/').map_or(rest, |(_, version)| version),
        _ => return Ok(()),
    };
    let node = format!("source:{source}");
    crate::catalog::graph::upsert_node(tx, &node, "source", label, "{}")?;
    let edge =
        crate::catalog::graph::EdgeRow { src: version_node.into(), dst: node, kind: "imported_from".into(), relation: None };
    crate::catalog::graph::insert_edge(tx, &edge, seq)?;
    Ok(())
}
