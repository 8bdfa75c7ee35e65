//! Registering a version: collect files, sniff them (refusing corrupt or code-running files
//! before anything is written), copy them into the CAS while hashing (in parallel, with
//! progress), then record model, version, manifest, lineage edges and audit events in ONE
//! catalog transaction. A process killed at any point leaves either nothing visible or the
//! whole version; CAS objects written before the kill are harmless and reused by a re-run.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};

use rayon::prelude::*;
use rusqlite::Connection;
use serde::{Deserialize, Serialize};
use serde_json::json;
use ts_rs::TS;

use super::collect::{InputFile, collect};
use super::semver_policy::{self, Bump, Facts};
use super::{RELATIONS, RegisterError, manifest};
use crate::audit;
use crate::catalog::graph::{EdgeRow, insert_edge, upsert_node};
use crate::catalog::models::{self, FileEntry, NewVersion};
use crate::catalog::{datasets, graph};
use crate::hash::par_map_largest_first;
use crate::ids::{self, dataset_node, model_node, version_node};
use crate::progress::{OnProgress, Progress, Unit};
use crate::sniff::{self, Format, Interface, Sniffed};
use crate::workspace::Workspace;

/// A parent model version and how this version derives from it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ParentLink {
    /// `MODEL@VERSION`.
    pub parent: String,
    /// finetune, adapter, merge, quantized, distilled or pruned; unspecified when absent.
    pub relation: Option<String>,
}

/// Register files or folders as one immutable version.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct RegisterRequest {
    pub paths: Vec<String>,
    pub model: String,
    /// Explicit version; when absent the semver policy suggests one.
    pub version: Option<String>,
    pub parents: Vec<ParentLink>,
    /// `DATASET@VERSION` of a registered dataset, or a path (registered as a dataset if new).
    pub trained_on: Vec<String>,
    pub params: BTreeMap<String, String>,
    pub metrics: BTreeMap<String, f64>,
    pub message: String,
    /// Code the version was built from, e.g. `git+https://github.com/acme/train@3f2a…`.
    pub code: Option<String>,
    /// Environment id, e.g. an image digest or lockfile hash.
    pub environment: Option<String>,
    /// Run id that produced this version.
    pub run: Option<String>,
    /// Register an artifact found by `pedigree index` (its id) instead of `paths`.
    #[serde(default)]
    #[ts(optional, type = "number")]
    pub from_index: Option<i64>,
    /// Filled in from `from_index`: where the bytes come from and the digest they must have.
    #[serde(skip)]
    #[ts(skip)]
    pub source: Option<crate::index::stage::IndexedSource>,
}

/// What a registration recorded.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct RegisterResponse {
    pub model: String,
    pub version: String,
    pub node: String,
    pub created_model: bool,
    pub root_digest: String,
    pub manifest_digest: String,
    pub weights_digest: String,
    pub format: String,
    pub interface: Interface,
    pub bump: Bump,
    pub bump_reason: String,
    pub file_count: u32,
    #[ts(type = "number")]
    pub total_size: u64,
    /// Bytes that were not in the store before (the rest were deduplicated).
    #[ts(type = "number")]
    pub new_bytes: u64,
    /// Dataset nodes linked with `trained_on` (registered now if they were new).
    pub datasets: Vec<String>,
    #[ts(type = "number")]
    pub audit_seq: i64,
}

/// A dataset given by path, hashed and ready to be recorded.
struct NewDataset {
    name: String,
    source_uri: String,
    files: Vec<FileEntry>,
    root: String,
}

enum DatasetRef {
    Existing(String),
    New(NewDataset),
}

/// Registers a version. See the module docs for the crash-safety argument.
pub fn register(
    ws: &mut Workspace,
    req: &RegisterRequest,
    actor: &str,
    progress: OnProgress<'_>,
) -> Result<RegisterResponse, RegisterError> {
    ids::validate_name(&req.model)?;
    let explicit = req.version.as_deref().map(ids::parse_version).transpose()?;
    for p in &req.parents {
        ids::split_ref(&p.parent)?;
        if let Some(r) = &p.relation {
            if !RELATIONS.contains(&r.as_str()) {
                return Err(RegisterError::InvalidRelation(r.clone()));
            }
        }
    }
    if let Some((k, _)) = req.metrics.iter().find(|(_, v)| !v.is_finite()) {
        return Err(RegisterError::KeyValue { kind: "metric", given: k.clone(), hint: " with a finite number" });
    }

    // 0. Refuse what the catalog already rules out before reading any bytes (checked again
    //    inside the transaction, which is what guarantees it).
    preflight(ws.catalog.conn(), req, explicit.as_ref())?;

    // 1. Files, and sniffing before anything is written.
    let paths: Vec<PathBuf> = req.paths.iter().map(PathBuf::from).collect();
    let (files, folders) = collect(&paths)?;
    let (sniffed, file_formats) = sniff_inputs(&files, &folders)?;

    // 2. Datasets named by path: resolve (and hash) before the transaction.
    let dataset_inputs: Vec<(String, Vec<InputFile>)> = {
        let mut v = Vec::new();
        for d in &req.trained_on {
            let path = PathBuf::from(d);
            if path.exists() {
                v.push((d.clone(), collect(std::slice::from_ref(&path))?.0));
            } else {
                let (name, ver) = ids::split_ref(d).map_err(|_| RegisterError::UnknownDataset(d.clone()))?;
                if datasets::get(ws.catalog.conn(), name, ver)?.is_none() {
                    return Err(RegisterError::UnknownDataset(d.clone()));
                }
                v.push((d.clone(), Vec::new()));
            }
        }
        v
    };

    // 3. Hash + copy into the CAS (parallel), hash datasets in place.
    let total: u64 =
        files.iter().map(|f| f.size).sum::<u64>() + dataset_inputs.iter().flat_map(|d| &d.1).map(|f| f.size).sum::<u64>();
    let done = AtomicU64::new(0);
    let tick = |n: u64| {
        let d = done.fetch_add(n, Ordering::Relaxed) + n;
        progress(&Progress { task: "hashing".into(), done: d, total, unit: Unit::Bytes, detail: None });
    };
    progress(&Progress { task: "hashing".into(), done: 0, total, unit: Unit::Bytes, detail: None });
    ws.cas.clean_stale_tmp();
    let cas = ws.cas.clone();
    let puts: Vec<(FileEntry, bool)> = par_map_largest_first(
        &files,
        |f| f.size,
        |f| {
            let put = cas.put_file(&f.abs, &mut |n| tick(n))?;
            let format = file_formats.get(&f.rel).copied().unwrap_or(Format::Unknown);
            Ok::<_, RegisterError>((
                FileEntry { path: f.rel.clone(), size: put.size, sha256: put.sha256, format: format.as_str().to_string() },
                put.existed,
            ))
        },
    )?;
    let new_bytes = puts.iter().filter(|(_, existed)| !existed).map(|(f, _)| f.size).sum();
    let entries: Vec<FileEntry> = puts.into_iter().map(|(f, _)| f).collect();
    let mut dataset_refs = Vec::new();
    for (given, dfiles) in dataset_inputs {
        if dfiles.is_empty() {
            dataset_refs.push(DatasetRef::Existing(given));
            continue;
        }
        let mut dentries: Vec<FileEntry> = par_map_largest_first(
            &dfiles,
            |f| f.size,
            |f| {
                let (sha256, size) = crate::hash::sha256_file(&f.abs, &mut |n| tick(n))
                    .map_err(|source| RegisterError::Io { path: f.abs.clone(), source })?;
                Ok::<_, RegisterError>(FileEntry { path: f.rel.clone(), size, sha256, format: "data".into() })
            },
        )?;
        dentries.sort();
        let abs = std::fs::canonicalize(&given).map_err(|source| RegisterError::Io { path: given.clone().into(), source })?;
        dataset_refs.push(DatasetRef::New(NewDataset {
            name: name_from_path(&abs, "dataset"),
            source_uri: format!("file://{}", abs.display()),
            root: manifest::root(&dentries),
            files: dentries,
        }));
    }

    let root_digest = manifest::root(&entries);
    if let Some(want) = req.source.as_ref().and_then(|s| s.expected_root.as_ref()) {
        if *want != root_digest {
            let uri = req.source.as_ref().map(|s| s.uri.clone()).unwrap_or_default();
            return Err(RegisterError::ChangedSinceIndexed(uri));
        }
    }
    let manifest_digest = manifest::manifest_digest(&entries);
    let weights_digest = manifest::weights(&entries);
    let (format, interface) = summarize(&sniffed, &entries);
    let sniffed_meta = sniffed_metadata(&sniffed);

    // 4. One transaction.
    let now = audit::now();
    ws.catalog.write(|tx| {
        let (model_id, created_model) = match models::model_id(tx, &req.model)? {
            Some(id) => (id, false),
            None => {
                let seq = audit::append(tx, &now, actor, "create_model", &model_node(&req.model), &json!({ "name": req.model }))?;
                (models::insert_model(tx, &req.model, actor, &now, seq)?, true)
            }
        };
        let dataset_nodes = record_datasets(tx, dataset_refs, actor, &now)?;
        let (latest_v, suggestion) =
            suggest_next(tx, &req.model, Some(model_id), &interface, &weights_digest, Some(&dataset_nodes))?;
        let (version, bump, bump_reason) = match &explicit {
            Some(v) => {
                check_explicit(tx, &req.model, model_id, v, latest_v.as_ref())?;
                let reason = format!("set by the user; the policy suggested {} ({})", suggestion.version, suggestion.reason);
                (v.clone(), Bump::Explicit, reason)
            }
            None => (suggestion.version.clone(), suggestion.bump, suggestion.reason.clone()),
        };
        let vnode = version_node(&req.model, &version.to_string());
        let mut parent_nodes = Vec::new();
        for p in &req.parents {
            let (pm, pv) = check_parent(tx, &p.parent)?;
            parent_nodes.push((version_node(pm, pv), p.relation.clone()));
        }
        let payload = json!({
            "rootDigest": root_digest, "manifestDigest": manifest_digest, "weightsDigest": weights_digest, "format": format,
            "files": entries.len(), "totalSize": entries.iter().map(|f| f.size).sum::<u64>(),
            "bump": bump.as_str(), "bumpReason": bump_reason,
            "parents": parent_nodes.iter().map(|(n, r)| json!({"node": n, "relation": r})).collect::<Vec<_>>(),
            "trainedOn": dataset_nodes, "params": req.params, "metrics": req.metrics, "message": req.message,
            "code": req.code, "environment": req.environment, "run": req.run,
            "source": req.source.as_ref().map(|s| &s.uri),
        });
        let seq = audit::append(tx, &now, actor, "register_version", &vnode, &payload)?;
        models::insert_version(
            tx,
            &NewVersion {
                model_id,
                version: &version,
                root_digest: &root_digest,
                manifest_digest: &manifest_digest,
                weights_digest: &weights_digest,
                format: format.as_str(),
                interface: &interface,
                sniffed: &sniffed_meta,
                params: &req.params,
                metrics: &req.metrics,
                environment: req.environment.as_deref(),
                bump: bump.as_str(),
                bump_reason: &bump_reason,
                message: &req.message,
                files: &entries,
                created_by: actor,
                created_at: &now,
                audit_seq: seq,
            },
        )?;
        let edge = |src: &str, dst: &str, kind: &str, relation: Option<String>| {
            insert_edge(tx, &EdgeRow { src: src.into(), dst: dst.into(), kind: kind.into(), relation }, seq)
        };
        edge(&vnode, &model_node(&req.model), "version_of", None)?;
        if let Some(src) = &req.source {
            crate::catalog::stores::set_registered(tx, src.artifact_id, &vnode, None)?;
        }
        for (p, rel) in &parent_nodes {
            edge(&vnode, p, "derived_from", rel.clone())?;
        }
        for d in &dataset_nodes {
            edge(&vnode, d, "trained_on", None)?;
        }
        // With a run: version ← run ← data/code/env. Without: the version links them directly.
        let origin = match &req.run {
            Some(run) => {
                let rnode = format!("run:{run}");
                upsert_node(tx, &rnode, "run", run, "{}")?;
                edge(&vnode, &rnode, "produced_by", None)?;
                for d in &dataset_nodes {
                    edge(&rnode, d, "used", None)?;
                }
                rnode
            }
            None => vnode.clone(),
        };
        if let Some(code) = &req.code {
            let cnode = format!("code:{code}");
            upsert_node(tx, &cnode, "code", &short_code_label(code), "{}")?;
            edge(&origin, &cnode, "built_from", None)?;
        }
        if let Some(env) = &req.environment {
            let enode = format!("env:{env}");
            upsert_node(tx, &enode, "env", env, "{}")?;
            edge(&origin, &enode, "ran_in", None)?;
        }
        Ok(RegisterResponse {
            model: req.model.clone(),
            version: version.to_string(),
            node: vnode,
            created_model,
            root_digest: root_digest.clone(),
            manifest_digest: manifest_digest.clone(),
            weights_digest: weights_digest.clone(),
            format: format.clone(),
            interface: interface.clone(),
            bump,
            bump_reason,
            file_count: entries.len() as u32,
            total_size: entries.iter().map(|f| f.size).sum(),
            new_bytes,
            datasets: dataset_nodes,
            audit_seq: seq,
        })
    })
}

/// Sniffs the folders given (MLflow, Hugging Face) and every file. Returns all results keyed by
/// manifest path (a folder by its prefix, "." for a single folder) and each file's format.
pub(crate) fn sniff_inputs(
    files: &[InputFile],
    folders: &[(PathBuf, String)],
) -> Result<(BTreeMap<String, Sniffed>, BTreeMap<String, Format>), RegisterError> {
    let mut sniffed: BTreeMap<String, Sniffed> = BTreeMap::new();
    for (dir, prefix) in folders {
        if let Some(s) = sniff::sniff_folder(dir)? {
            let key = if prefix.is_empty() { ".".to_string() } else { prefix.trim_end_matches('/').to_string() };
            sniffed.insert(key, s);
        }
    }
    let file_sniffs: Vec<(String, Sniffed)> =
        files.par_iter().map(|f| Ok((f.rel.clone(), sniff::sniff_file(&f.abs)?))).collect::<Result<_, RegisterError>>()?;
    let file_formats = file_sniffs.iter().map(|(p, s)| (p.clone(), s.format)).collect();
    sniffed.extend(file_sniffs);
    Ok((sniffed, file_formats))
}

/// The model's latest version (if any) and the semver policy's suggestion for a new version
/// with this interface, weights and training data. `datasets: None` leaves training data out of
/// the comparison (the registration form does not know it yet).
pub(crate) fn suggest_next(
    conn: &Connection,
    model: &str,
    model_id: Option<i64>,
    interface: &Interface,
    weights_digest: &str,
    datasets: Option<&[String]>,
) -> Result<(Option<semver::Version>, semver_policy::Suggestion), RegisterError> {
    let latest = match model_id {
        Some(id) => models::latest_version(conn, id)?,
        None => None,
    };
    let latest_datasets = match (&latest, datasets) {
        (Some(l), Some(_)) => trained_on_of(conn, &version_node(model, &l.summary.version))?,
        _ => Vec::new(),
    };
    let latest_v = latest.as_ref().map(|l| ids::parse_version(&l.summary.version)).transpose()?;
    let suggestion = semver_policy::suggest(
        latest
            .as_ref()
            .zip(latest_v.as_ref())
            .map(|(l, v)| (v, Facts { interface: &l.interface, weights_digest: &l.weights_digest, datasets: &latest_datasets })),
        Facts { interface, weights_digest, datasets: datasets.unwrap_or(&[]) },
    );
    Ok((latest_v, suggestion))
}

/// Sniffed facts as stored with a version: per path, the metadata plus its `format`.
pub(crate) fn sniffed_metadata(sniffed: &BTreeMap<String, Sniffed>) -> BTreeMap<String, BTreeMap<String, String>> {
    sniffed
        .iter()
        .map(|(p, s)| {
            let mut m = s.metadata.clone();
            m.insert("format".into(), s.format.as_str().into());
            (p.clone(), m)
        })
        .collect()
}

/// Checks that can fail without reading any file: an explicit version that exists or is not
/// greater than the latest, and parents that are not registered.
fn preflight(conn: &Connection, req: &RegisterRequest, explicit: Option<&semver::Version>) -> Result<(), RegisterError> {
    if let (Some(v), Some(model_id)) = (explicit, models::model_id(conn, &req.model)?) {
        let latest = models::latest_version(conn, model_id)?.map(|l| ids::parse_version(&l.summary.version)).transpose()?;
        check_explicit(conn, &req.model, model_id, v, latest.as_ref())?;
    }
    for p in &req.parents {
        check_parent(conn, &p.parent)?;
    }
    Ok(())
}

fn check_explicit(
    conn: &Connection,
    model: &str,
    model_id: i64,
    v: &semver::Version,
    latest: Option<&semver::Version>,
) -> Result<(), RegisterError> {
    if models::get_version(conn, model_id, &v.to_string())?.is_some() {
        return Err(RegisterError::VersionExists { model: model.to_string(), version: v.to_string() });
    }
    match latest {
        Some(lv) if v <= lv => {
            Err(RegisterError::VersionNotGreater { model: model.to_string(), version: v.to_string(), latest: lv.to_string() })
        }
        _ => Ok(()),
    }
}

/// A parent `MODEL@VERSION` that must be registered; returns its parts.
fn check_parent<'a>(conn: &Connection, parent: &'a str) -> Result<(&'a str, &'a str), RegisterError> {
    let (pm, pv) = ids::split_ref(parent)?;
    let exists = match models::model_id(conn, pm)? {
        Some(id) => models::get_version(conn, id, pv)?.is_some(),
        None => false,
    };
    if exists { Ok((pm, pv)) } else { Err(RegisterError::UnknownParent(parent.to_string())) }
}

/// Records datasets given by path (reusing a version with the same content) and returns the
/// dataset node ids, in the order given.
fn record_datasets(tx: &Connection, refs: Vec<DatasetRef>, actor: &str, now: &str) -> Result<Vec<String>, RegisterError> {
    let mut nodes = Vec::new();
    for r in refs {
        match r {
            DatasetRef::Existing(given) => {
                let (n, v) = ids::split_ref(&given)?;
                nodes.push(dataset_node(n, v));
            }
            DatasetRef::New(d) => {
                if let Some(existing) = datasets::by_root(tx, &d.root)? {
                    nodes.push(dataset_node(&existing.dataset, &existing.version));
                    continue;
                }
                let id = match datasets::dataset_id(tx, &d.name)? {
                    Some(id) => id,
                    None => datasets::insert_dataset(tx, &d.name, actor, now)?,
                };
                let version = (datasets::version_count(tx, id)? + 1).to_string();
                let node = dataset_node(&d.name, &version);
                let payload = json!({
                    "rootDigest": d.root, "sourceUri": d.source_uri, "files": d.files.len(),
                    "totalSize": d.files.iter().map(|f| f.size).sum::<u64>(),
                });
                let seq = audit::append(tx, now, actor, "register_dataset", &node, &payload)?;
                datasets::insert_version(tx, id, &version, &d.root, &d.source_uri, &d.files, actor, now, seq)?;
                nodes.push(node);
            }
        }
    }
    nodes.sort();
    nodes.dedup();
    Ok(nodes)
}

fn trained_on_of(tx: &Connection, vnode: &str) -> Result<Vec<String>, RegisterError> {
    let mut v: Vec<String> =
        graph::edges_from(tx, vnode)?.into_iter().filter(|e| e.kind == "trained_on").map(|e| e.dst).collect();
    v.sort();
    Ok(v)
}

/// A valid model or dataset name derived from a path's last component (extension dropped for
/// files), or `fallback`.
pub(crate) fn name_from_path(abs: &std::path::Path, fallback: &str) -> String {
    let raw = if abs.is_file() { abs.file_stem() } else { abs.file_name() };
    let raw = raw.map(|n| n.to_string_lossy().to_lowercase()).unwrap_or_default();
    let mut name: String =
        raw.chars().map(|c| if c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-') { c } else { '-' }).collect();
    name = name.trim_start_matches(['.', '_', '-']).to_string();
    name.truncate(128);
    if name.is_empty() { fallback.into() } else { name }
}

fn short_code_label(code: &str) -> String {
    match code.rsplit_once('@') {
        Some((repo, sha)) => {
            let repo = repo.trim_end_matches(".git").rsplit('/').next().unwrap_or(repo);
            format!("{repo}@{}", &sha[..sha.len().min(8)])
        }
        None => code.to_string(),
    }
}

/// The version's format and interface: a folder format (MLflow, Hugging Face) wins; otherwise
/// the format of the largest weight file. Interfaces merge: the first inputs/outputs found,
/// tensors from every file.
pub(crate) fn summarize(sniffed: &BTreeMap<String, Sniffed>, files: &[FileEntry]) -> (String, Interface) {
    let folder = sniffed
        .iter()
        .filter(|(p, s)| !files.iter().any(|f| &f.path == *p) && s.format != Format::Unknown)
        .map(|(_, s)| s.format)
        .next();
    let largest_weights = files
        .iter()
        .filter_map(|f| sniffed.get(&f.path).filter(|s| s.format.holds_weights()).map(|s| (f.size, s.format)))
        .max_by_key(|(size, _)| *size)
        .map(|(_, fmt)| fmt);
    let format = folder.or(largest_weights).unwrap_or(Format::Unknown);
    let mut iface = Interface::default();
    // Folder sniffs first (they carry signatures), then files in path order.
    let order = sniffed
        .iter()
        .filter(|(p, _)| !files.iter().any(|f| &f.path == *p))
        .chain(sniffed.iter().filter(|(p, _)| files.iter().any(|f| &f.path == *p)));
    for (_, s) in order {
        if iface.inputs.is_empty() {
            iface.inputs = s.interface.inputs.clone();
        }
        if iface.outputs.is_empty() {
            iface.outputs = s.interface.outputs.clone();
        }
        if iface.task.is_none() {
            iface.task = s.interface.task.clone();
        }
        iface.tensors.extend(s.interface.tensors.iter().cloned());
    }
    iface.tensors.sort();
    iface.tensors.dedup_by(|a, b| a.name == b.name);
    (format.as_str().to_string(), iface)
}
