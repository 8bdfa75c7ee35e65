//! Registering a version: collect files, sniff them (refusing corrupt or code-running files
//! before anything is written), copy them into the CAS while hashing (in parallel, with
//! progress), then record model, version, manifest, lineage edges and audit events in ONE
//! catalog transaction. A process killed at any point leaves either nothing visible or the
//! whole version; CAS objects written before the kill are harmless and reused by a re-run.
//!
//! The steps, each in its own function: [`validate`] the request, `checks::preflight` against
//! the catalog, [`read_inputs`] (collect and sniff), `store::store_files` (model files
//! into the CAS, datasets hashed in place), [`check_origin`], then `record::record` in one transaction.

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::collect::{InputFile, collect};
use super::semver_policy::Bump;
use super::{RELATIONS, RegisterError};
use crate::catalog::datasets;
use crate::ids;
use crate::progress::OnProgress;
use crate::sniff::{Format, Interface, Sniffed};
use crate::workspace::Workspace;

mod checks;
mod record;
mod store;

pub(crate) use checks::{sniff_inputs, sniffed_metadata, suggest_next};

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
    /// Register files whose pickles would run commands or code, for this stated reason (kept in
    /// the audit event). Without it such files are refused.
    #[serde(default)]
    #[ts(optional)]
    pub allow_unsafe: Option<String>,
    /// Put the model files into the store by copy-on-write clone or hard link instead of a copy
    /// (`pedigree register --link[=hard]`). Recorded with the version.
    #[serde(default)]
    #[ts(optional)]
    pub link: Option<crate::cas::Link>,
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
    /// How the files were put in the store: copy, reflink or hardlink.
    pub storage: String,
    /// Files cloned or hard-linked rather than copied (files already stored are neither).
    pub linked_files: u32,
    #[ts(type = "number")]
    pub audit_seq: i64,
}

/// Where an indexed artifact's bytes came from (`register --from-index`), and the root digest
/// they must still have.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin {
    pub artifact_id: i64,
    pub uri: String,
    /// Root digest the files must have (local artifacts, from the index).
    pub expected_root: Option<String>,
}

/// The files and datasets of a request, sniffed and listed, nothing written yet.
struct Inputs {
    files: Vec<InputFile>,
    /// Files with dangerous imports accepted under `allowUnsafe`, with those imports.
    unsafe_files: Vec<(String, String)>,
    sniffed: BTreeMap<String, Sniffed>,
    file_formats: BTreeMap<String, Format>,
    /// Each `trainedOn` entry: a path's files to hash, or none for a registered dataset.
    datasets: Vec<(String, Vec<InputFile>)>,
    /// How model files get into the store.
    link: crate::cas::Link,
}

/// Registers a version. See the module docs for the crash-safety argument.
pub fn register(
    ws: &mut Workspace,
    req: &RegisterRequest,
    origin: Option<&Origin>,
    actor: &str,
    progress: OnProgress<'_>,
) -> Result<RegisterResponse, RegisterError> {
    let resolved;
    let req = match with_parent_versions(ws.catalog.conn(), req)? {
        Some(r) => {
            resolved = r;
            &resolved
        }
        None => req,
    };
    let explicit = validate(req)?;
    // Refuse what the catalog already rules out before reading any bytes (checked again inside
    // the transaction, which is what guarantees it).
    checks::preflight(ws.catalog.conn(), req, explicit.as_ref())?;
    let inputs = read_inputs(ws, req)?;
    let stored = store::store_files(ws, &inputs, progress)?;
    let root_digest = super::manifest::root(&stored.entries);
    check_origin(origin, &root_digest)?;
    let (format, interface) = super::summary::summarize(&inputs.sniffed, &stored.entries);
    let facts = record::Facts {
        req,
        origin,
        explicit,
        root_digest,
        manifest_digest: super::manifest::manifest_digest(&stored.entries),
        weights_digest: super::manifest::weights(&stored.entries),
        format,
        interface,
        sniffed: sniffed_metadata(&inputs.sniffed),
        entries: stored.entries,
        new_bytes: stored.new_bytes,
        datasets: stored.datasets,
        tensors: stored.tensors,
        unsafe_files: inputs.unsafe_files,
        linked: stored.linked,
    };
    record::record(ws, facts, actor)
}

/// The request with parents named by alias (`base@champion`) turned into the versions the
/// aliases point to now, which is what the lineage records; `None` when no parent is an alias.
fn with_parent_versions(conn: &rusqlite::Connection, req: &RegisterRequest) -> Result<Option<RegisterRequest>, RegisterError> {
    use crate::governance::aliases::validate_alias;
    let is_alias = |p: &ParentLink| ids::split_ref(&p.parent).is_ok_and(|(_, name)| validate_alias(name).is_ok());
    if !req.parents.iter().any(is_alias) {
        return Ok(None);
    }
    let mut out = req.clone();
    for p in out.parents.iter_mut().filter(|p| is_alias(p)) {
        // The one resolver of version references (governance::resolve) names the version.
        let v = crate::governance::resolve(conn, &p.parent).map_err(|e| match e {
            crate::governance::GovError::Catalog(e) => RegisterError::Catalog(e),
            _ => RegisterError::UnknownParent(p.parent.clone()),
        })?;
        p.parent = format!("{}@{}", v.model, v.version);
    }
    Ok(Some(out))
}

/// Checks of the request alone: names, versions, relations, metrics. Returns the explicit version.
fn validate(req: &RegisterRequest) -> Result<Option<semver::Version>, RegisterError> {
    ids::validate_model(&req.model)?;
    let explicit = req.version.as_deref().map(ids::parse_version).transpose()?;
    for p in &req.parents {
        ids::split_ref(&p.parent)?;
        if let Some(r) = &p.relation
            && !RELATIONS.contains(&r.as_str())
        {
            return Err(RegisterError::InvalidRelation(r.clone()));
        }
    }
    if let Some((k, _)) = req.metrics.iter().find(|(_, v)| !v.is_finite()) {
        return Err(RegisterError::KeyValue { kind: "metric", given: k.clone(), hint: " with a finite number" });
    }
    Ok(explicit)
}

/// Collects and sniffs the files, and resolves `trainedOn` (a registered dataset, or a path
/// whose files will be hashed).
fn read_inputs(ws: &Workspace, req: &RegisterRequest) -> Result<Inputs, RegisterError> {
    let paths: Vec<PathBuf> = req.paths.iter().map(PathBuf::from).collect();
    let (files, folders) = collect(&paths)?;
    let allow = req.allow_unsafe.as_deref().map(str::trim).filter(|r| !r.is_empty());
    if req.allow_unsafe.is_some() && allow.is_none() {
        return Err(RegisterError::UnsafeWithoutReason);
    }
    let (sniffed, file_formats, unsafe_files) = sniff_inputs(&files, &folders, allow.is_some())?;
    let mut datasets_in = Vec::new();
    for d in &req.trained_on {
        let path = PathBuf::from(d);
        if path.exists() {
            datasets_in.push((d.clone(), collect(std::slice::from_ref(&path))?.0));
            continue;
        }
        let (name, ver) = ids::split_ref(d).map_err(|_| RegisterError::UnknownDataset(d.clone()))?;
        if datasets::get(ws.catalog.conn(), name, ver)?.is_none() {
            return Err(RegisterError::UnknownDataset(d.clone()));
        }
        datasets_in.push((d.clone(), Vec::new()));
    }
    Ok(Inputs { files, unsafe_files, sniffed, file_formats, datasets: datasets_in, link: req.link.unwrap_or_default() })
}

/// An indexed artifact must still be what the index saw.
fn check_origin(origin: Option<&Origin>, root_digest: &str) -> Result<(), RegisterError> {
    match origin {
        Some(o) if o.expected_root.as_deref().is_some_and(|want| want != root_digest) => {
            Err(RegisterError::ChangedSinceIndexed(o.uri.clone()))
        }
        _ => Ok(()),
    }
}
