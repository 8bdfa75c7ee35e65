//! Recording OpenLineage run events: a job's run becomes a `run:openlineage:RUNID` node (its job,
//! state, times, parameters, engine and parent run as attributes; events of one run merge), its
//! source code location a `code:` node it was `built_from`, each input a dataset version it
//! `used` (a registered dataset whose root the `version` facet names, else one recorded from the
//! event, with its facets as node attributes), and each output either the version it matches —
//! by digest (a version's root or one of its files) or by path (an indexed artifact registered
//! as that version) — which is then `produced_by` the run and `trained_on` its inputs, or else a
//! dataset version `produced_by` the run. Every event is checked before any is recorded; all are
//! recorded in one transaction, each as an `openlineage_event` audit event. An event already
//! imported (same run, type and time) is skipped, so importing a file twice changes nothing.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};
use ts_rs::TS;

use super::{Dataset, RunEvent, parse};
use crate::audit;
use crate::catalog::graph::{EdgeRow, insert_edge, node_attrs, set_node, upsert_node};
use crate::catalog::{CatalogError, datasets, models, stores};
use crate::ids::{dataset_node, version_node};
use crate::workspace::Workspace;

/// What an import recorded.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ImportReport {
    /// Run events recorded now.
    pub events: u32,
    /// Events seen before (skipped) and events that are not run events (DatasetEvent, JobEvent).
    pub already_imported: u32,
    pub not_run_events: u32,
    /// Run nodes touched.
    pub runs: Vec<String>,
    /// Dataset versions used or produced (`NAME@VERSION`).
    pub datasets: Vec<String>,
    /// Versions linked to the run that produced them (`MODEL@VERSION`).
    pub linked: Vec<String>,
}

/// Why an import recorded nothing.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("event {index}: {why}")]
    Invalid { index: usize, why: String },
    #[error(transparent)]
    Catalog(#[from] CatalogError),
}

/// Checks every event, then records them all (see the module doc).
pub fn import(ws: &mut Workspace, events: &[Value], actor: &str) -> Result<ImportReport, ImportError> {
    let mut report = ImportReport::default();
    let mut runs: Vec<RunEvent> = Vec::new();
    for (i, v) in events.iter().enumerate() {
        match parse(v).map_err(|why| ImportError::Invalid { index: i + 1, why })? {
            Some(e) => runs.push(e),
            None => report.not_run_events += 1,
        }
    }
    // In time order, so a run's state is its latest event's.
    runs.sort_by_cached_key(|e| chrono::DateTime::parse_from_rfc3339(&e.event_time).map(|t| t.timestamp_micros()).unwrap_or(0));
    ws.catalog.write(|tx| -> Result<(), ImportError> {
        for e in &runs {
            record(tx, e, actor, &mut report)?;
        }
        Ok(())
    })?;
    for list in [&mut report.runs, &mut report.datasets, &mut report.linked] {
        list.sort();
        list.dedup();
    }
    Ok(report)
}

fn record(tx: &rusqlite::Connection, e: &RunEvent, actor: &str, report: &mut ImportReport) -> Result<(), ImportError> {
    let run = format!("run:openlineage:{}", e.run_id);
    let mut attrs: Map<String, Value> = node_attrs(tx, &run)?
        .and_then(|(_, a)| serde_json::from_str::<Value>(&a).ok())
        .and_then(|v| v.as_object().cloned())
        .unwrap_or_default();
    let seen = format!("{}@{}", e.event_type, e.event_time);
    let mut seen_list: Vec<String> =
        attrs.get("events").and_then(Value::as_str).map(|s| s.split(", ").map(str::to_string).collect()).unwrap_or_default();
    if seen_list.contains(&seen) {
        report.already_imported += 1;
        return Ok(());
    }
    seen_list.push(seen);
    merge_run_attrs(&mut attrs, e);
    attrs.insert("events".into(), json!(seen_list.join(", ")));
    let short = &e.run_id[..8];
    set_node(tx, &run, "run", &format!("{} run {short}", e.job_name), &Value::Object(attrs).to_string())?;

    // Datasets first (each may append its own `register_dataset` event), then this event's.
    let inputs: Vec<String> = e.inputs.iter().map(|d| dataset_version(tx, d, actor)).collect::<Result<_, _>>()?;
    let mut outputs: Vec<(String, bool)> = Vec::new();
    for d in &e.outputs {
        match produced_version(tx, d)? {
            Some(v) => outputs.push((v, true)),
            None => outputs.push((dataset_version(tx, d, actor)?, false)),
        }
    }
    let payload = json!({
        "runId": e.run_id, "job": format!("{}/{}", e.job_namespace, e.job_name), "eventType": e.event_type,
        "eventTime": e.event_time, "producer": e.producer,
        "inputs": e.inputs.iter().map(Dataset::uri).collect::<Vec<_>>(),
        "outputs": e.outputs.iter().map(Dataset::uri).collect::<Vec<_>>(),
        "linked": outputs.iter().filter(|(_, v)| *v).map(|(r, _)| r).collect::<Vec<_>>(),
    });
    let seq = audit::append(tx, &audit::now(), actor, "openlineage_event", &run, &payload)?;
    let edge = |src: &str, dst: &str, kind: &str| {
        insert_edge(tx, &EdgeRow { src: src.into(), dst: dst.into(), kind: kind.into(), relation: None }, seq)
    };
    if let Some(code) = code_of(e) {
        let node = format!("code:{code}");
        upsert_node(tx, &node, "code", &code, "{}")?;
        edge(&run, &node, "built_from")?;
    }
    for d in &inputs {
        let node = dataset_node_of(d);
        edge(&run, &node, "used")?;
        report.datasets.push(d.clone());
    }
    for (out, is_version) in &outputs {
        if *is_version {
            let (m, v) = out.rsplit_once('@').expect("MODEL@VERSION");
            let vnode = version_node(m, v);
            edge(&vnode, &run, "produced_by")?;
            for d in &inputs {
                edge(&vnode, &dataset_node_of(d), "trained_on")?;
            }
            report.linked.push(out.clone());
        } else {
            edge(&dataset_node_of(out), &run, "produced_by")?;
            report.datasets.push(out.clone());
        }
    }
    report.runs.push(run);
    report.events += 1;
    Ok(())
}

fn dataset_node_of(reference: &str) -> String {
    let (n, v) = reference.rsplit_once('@').expect("NAME@VERSION");
    dataset_node(n, v)
}

/// The run's facts from an event, merged into what earlier events said.
fn merge_run_attrs(attrs: &mut Map<String, Value>, e: &RunEvent) {
    let mut put = |k: &str, v: String| {
        if !v.is_empty() {
            attrs.insert(k.into(), Value::String(v.chars().take(4096).collect()));
        }
    };
    put("job", format!("{}/{}", e.job_namespace, e.job_name));
    put("runId", e.run_id.clone());
    put("state", e.event_type.clone());
    put("producer", e.producer.clone());
    match e.event_type.as_str() {
        "START" => put("start", e.event_time.clone()),
        "COMPLETE" | "FAIL" | "ABORT" => put("end", e.event_time.clone()),
        _ => {}
    }
    let f = &e.run_facets;
    if let Some(params) = f.get("executionParameters").and_then(|p| p["parameters"].as_array()) {
        let kv: Vec<String> = params
            .iter()
            .filter_map(|p| {
                Some(format!(
                    "{}={}",
                    p["key"].as_str()?,
                    p["value"].as_str().map_or_else(|| p["value"].to_string(), str::to_string)
                ))
            })
            .collect();
        put("params", kv.join(", "));
    }
    if let Some(engine) = f.get("processing_engine") {
        put(
            "engine",
            format!("{} {}", engine["name"].as_str().unwrap_or_default(), engine["version"].as_str().unwrap_or_default())
                .trim()
                .to_string(),
        );
    }
    if let Some(parent) = f.get("parent") {
        let job = format!(
            "{}/{}",
            parent["job"]["namespace"].as_str().unwrap_or_default(),
            parent["job"]["name"].as_str().unwrap_or_default()
        );
        put("parent", format!("{job} run {}", parent["run"]["runId"].as_str().unwrap_or_default()));
    }
}

/// `git+URL@VERSION` from the job's `sourceCodeLocation` facet, when it names a git commit.
fn code_of(e: &RunEvent) -> Option<String> {
    let f = e.job_facets.get("sourceCodeLocation")?;
    let url = f["url"].as_str()?;
    let version = f["version"].as_str()?;
    let url_ok = url.len() <= 512
        && ["https://", "http://", "ssh://", "git@", "git://"].iter().any(|p| url.starts_with(p))
        && !url.chars().any(|c| c.is_whitespace() || c.is_control() || c == '@' && !url.starts_with("git@"));
    let version_ok =
        !version.is_empty() && version.len() <= 128 && version.bytes().all(|b| b.is_ascii_alphanumeric() || b"._-/".contains(&b));
    (f["type"].as_str().unwrap_or("git") == "git" && url_ok && version_ok).then(|| format!("git+{url}@{version}"))
}

/// The version an output is: by digest (a version's root, else a version holding that file),
/// else by path (the indexed artifact at that URI, registered as a version).
fn produced_version(tx: &rusqlite::Connection, d: &Dataset) -> Result<Option<String>, CatalogError> {
    if let Some(sha) = d.sha256() {
        if let Some(v) = stores::version_with_root(tx, &sha)? {
            return Ok(Some(v));
        }
        if let Some((m, v)) = models::versions_with_file(tx, &sha, 1)?.into_iter().next() {
            return Ok(Some(format!("{m}@{v}")));
        }
    }
    Ok(stores::registered_at_uri(tx, &d.uri())?.map(|n| n.trim_start_matches("version:").to_string()))
}

/// The dataset version an input or output is (see the module doc), its facets recorded on its
/// node. Returns `NAME@VERSION`.
fn dataset_version(tx: &rusqlite::Connection, d: &Dataset, actor: &str) -> Result<String, CatalogError> {
    let uri = d.uri();
    let existing = match d.sha256() {
        Some(sha) => datasets::by_root(tx, &sha)?,
        None => None,
    };
    let reference = match existing {
        Some(dv) => format!("{}@{}", dv.dataset, dv.version),
        None => {
            let root = match d.version() {
                Some(v) => format!("openlineage:{uri}@{v}"),
                None => format!("openlineage:{uri}"),
            };
            let tail: Vec<&str> = d.name.trim_matches('/').rsplit('/').take(2).collect();
            let name = crate::sync::local_name(&tail.into_iter().rev().collect::<Vec<_>>().join("-"));
            let extra = json!({"openlineage": {"namespace": d.namespace, "name": d.name}});
            crate::sync::lineage::external_dataset(tx, &name, &root, &uri, extra, actor)?
        }
    };
    let (n, v) = reference.rsplit_once('@').expect("NAME@VERSION");
    set_node(tx, &dataset_node(n, v), "dataset", &reference, &facet_attrs(d).to_string())?;
    Ok(reference)
}

/// A dataset's facets as node attributes (strings, as the lineage side panel shows them).
fn facet_attrs(d: &Dataset) -> Value {
    let mut a = Map::new();
    a.insert("uri".into(), json!(d.uri()));
    a.insert("namespace".into(), json!(d.namespace));
    a.insert("name".into(), json!(d.name));
    if let Some(v) = d.version() {
        a.insert("datasetVersion".into(), json!(v));
    }
    let names: Vec<&str> = d.facets.keys().map(String::as_str).collect();
    a.insert("facets".into(), json!(names.join(", ")));
    if let Some(fields) = d.facets.get("schema").and_then(|s| s["fields"].as_array()) {
        let cols: Vec<String> = fields
            .iter()
            .take(200)
            .map(|f| format!("{} {}", f["name"].as_str().unwrap_or("?"), f["type"].as_str().unwrap_or("")).trim().to_string())
            .collect();
        a.insert("schema".into(), json!(cols.join(", ")));
    }
    if let Some(t) = d.facets.get("datasetType").and_then(|t| t["datasetType"].as_str()) {
        a.insert("datasetType".into(), json!(t));
    }
    if let Some(rows) = d.facets.get("dataQualityMetrics").and_then(|q| q["rowCount"].as_u64()) {
        a.insert("rowCount".into(), json!(rows.to_string()));
    }
    for v in a.values_mut() {
        if let Some(s) = v.as_str() {
            *v = json!(s.chars().take(4096).collect::<String>());
        }
    }
    Value::Object(a)
}
