//! Inspecting files before registration (the registration form): what they are, what version
//! the policy would suggest, and which registered versions look like parents. Reads and hashes
//! the files but writes nothing.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::RegisterError;
use super::collect::collect;
use super::manifest;
use super::register::{sniff_inputs, sniffed_metadata, suggest_next};
use super::semver_policy::Bump;
use super::summary::summarize;
use crate::catalog::models::{self, FileEntry};
use crate::hash::{par_map_largest_first, sha256_file};
use crate::ids;
use crate::ids::name_from_path;
use crate::progress::{OnProgress, Progress, Unit};
use crate::sniff::{Format, Interface};
use crate::workspace::Workspace;

/// A registered version that looks like a parent, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct CandidateParent {
    /// `MODEL@VERSION`.
    pub reference: String,
    pub reason: String,
    /// The relation the source names (a model card's `base_model_relation`), if one it knows.
    pub relation: Option<String>,
}

/// What the registration form is pre-filled with.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct InspectResponse {
    pub files: Vec<FileEntry>,
    #[ts(type = "number")]
    pub total_size: u64,
    pub format: String,
    pub interface: Interface,
    /// Per file (or folder) sniffed facts.
    pub sniffed: BTreeMap<String, BTreeMap<String, String>>,
    pub model: String,
    /// Whether `model` already exists.
    pub model_exists: bool,
    pub latest_version: Option<String>,
    pub suggested_version: String,
    pub bump: Bump,
    pub bump_reason: String,
    pub root_digest: String,
    pub candidate_parents: Vec<CandidateParent>,
}

/// Inspects paths for the registration form.
/// `model` overrides the model name suggested from the paths.
pub fn inspect(
    ws: &Workspace,
    paths: &[String],
    model: Option<&str>,
    progress: OnProgress<'_>,
) -> Result<InspectResponse, RegisterError> {
    let paths: Vec<PathBuf> = paths.iter().map(PathBuf::from).collect();
    let (files, folders) = collect(&paths)?;
    // Files that would run code are described, not refused: the form shows why, and asks for the
    // reason registration then requires.
    let (sniffed, formats, _) = sniff_inputs(&files, &folders, true)?;
    let total: u64 = files.iter().map(|f| f.size).sum();
    let done = AtomicU64::new(0);
    let entries = par_map_largest_first(
        &files,
        |f| f.size,
        |f| {
            let (sha256, size) = sha256_file(&f.abs, &mut |n| {
                let d = done.fetch_add(n, Ordering::Relaxed) + n;
                progress(&Progress { task: "hashing".into(), done: d, total, unit: Unit::Bytes, detail: None });
            })
            .map_err(|source| RegisterError::Io { path: f.abs.clone(), source })?;
            let format = formats.get(&f.rel).copied().unwrap_or(Format::Unknown).as_str().to_string();
            Ok::<_, RegisterError>(FileEntry { path: f.rel.clone(), size, sha256, format })
        },
    )?;
    let (format, interface) = summarize(&sniffed, &entries);
    let weights = manifest::weights(&entries);
    let model = match model {
        Some(m) => {
            ids::validate_model(m)?;
            m.to_string()
        }
        None => name_from_path(&paths[0].canonicalize().unwrap_or_else(|_| paths[0].clone()), "model"),
    };
    let conn = ws.catalog.conn();
    let model_id = models::model_id(conn, &model)?;
    let (latest_v, suggestion) = suggest_next(conn, &model, model_id, &interface, &weights, None)?;
    let mut candidates: Vec<CandidateParent> = Vec::new();
    // What the model card names first: it says how the versions relate.
    for meta in sniffed.values() {
        let Some(bases) = meta.metadata.get("card.base_model") else { continue };
        let relation = meta.metadata.get("card.base_model_relation").filter(|r| super::RELATIONS.contains(&r.as_str())).cloned();
        for repo in bases.split(',').map(str::trim).filter(|b| !b.is_empty()) {
            // That repository imported from the Hub or registered from the cache, else the
            // latest version of a model named like it.
            let (found, reason) = match crate::index::hf::known_versions(conn, repo)?.into_iter().next() {
                Some(v) => (Some(v), format!("base_model {repo}, imported from Hugging Face")),
                None => {
                    let base = repo.rsplit('/').next().unwrap_or_default().to_lowercase();
                    let latest = match models::model_id(conn, &base)? {
                        Some(id) => models::latest_version(conn, id)?.map(|l| format!("{base}@{}", l.summary.version)),
                        None => None,
                    };
                    (latest, "named as base_model in the model card".to_string())
                }
            };
            if let Some(reference) = found.filter(|r| !candidates.iter().any(|c| &c.reference == r)) {
                candidates.push(CandidateParent { reference, reason, relation: relation.clone() });
            }
        }
    }
    for f in &entries {
        for (m, v) in models::versions_with_file(conn, &f.sha256, 5)? {
            if m != model && !candidates.iter().any(|c| c.reference == format!("{m}@{v}")) {
                candidates.push(CandidateParent {
                    reference: format!("{m}@{v}"),
                    reason: format!("holds the same {}", f.path),
                    relation: None,
                });
            }
        }
    }
    let sniffed_meta = sniffed_metadata(&sniffed);
    Ok(InspectResponse {
        total_size: total,
        root_digest: manifest::root(&entries),
        files: entries,
        format,
        interface,
        sniffed: sniffed_meta,
        model_exists: model_id.is_some(),
        model,
        latest_version: latest_v.map(|v| v.to_string()),
        suggested_version: suggestion.version.to_string(),
        bump: suggestion.bump,
        bump_reason: suggestion.reason,
        candidate_parents: candidates,
    })
}
