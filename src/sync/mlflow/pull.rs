//! Pull from an MLflow registry: page through every registered model (1,000 a page, with tags
//! and aliases), compare each with the base kept at the last sync, and only for changed models
//! page through their versions. A new version's files come through the tracking server's
//! artifact proxy into `staging/`, are registered (hashed, sniffed, never executed) and then
//! bound to the remote version; a version whose files cannot be fetched is recorded as such,
//! not dropped. Aliases follow the remote unless they were moved here since the last sync (then
//! it is a conflict and neither side changes). A sync that finds nothing changed writes nothing.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Component, Path, PathBuf};

use serde_json::{Value, json};

use super::client::{Client, MlflowError};
use super::wire::{ModelVersion, RegisteredModel};
use crate::audit;
use crate::catalog::remotes::{self, Binding};
use crate::catalog::{aliases, models};
use crate::progress::{OnProgress, Progress, Unit};
use crate::registry::register::{self as reg, RegisterRequest};
use crate::sync::remote::SyncError;
use crate::sync::{Item, SyncOptions, SyncReport, local_name};
use crate::workspace::Workspace;

/// The synced fields of a remote model: what its base snapshot holds.
fn model_state(m: &RegisteredModel) -> Value {
    let tags: BTreeMap<&str, &str> = m.tags.iter().map(|t| (t.key.as_str(), t.value.as_str())).collect();
    let aliases: BTreeMap<&str, &str> = m.aliases.iter().map(|a| (a.alias.as_str(), a.version.as_str())).collect();
    json!({"description": m.description, "tags": tags, "aliases": aliases, "updated": m.last_updated_timestamp})
}

fn version_state(v: &ModelVersion) -> Value {
    let tags: BTreeMap<&str, &str> = v.tags.iter().map(|t| (t.key.as_str(), t.value.as_str())).collect();
    json!({"description": v.description, "tags": tags, "source": v.source, "runId": v.run_id, "updated": v.last_updated_timestamp})
}

/// Pulls every (wanted) model of remote `name`.
pub fn pull(ws: &mut Workspace, remote: &str, client: &Client, opts: &SyncOptions, actor: &str, progress: OnProgress<'_>) -> Result<SyncReport, SyncError> {
    let mut report = SyncReport { remote: remote.into(), dry_run: opts.dry_run, ..Default::default() };
    let bindings: BTreeMap<(String, String), Binding> =
        remotes::bindings(ws.catalog.conn(), remote)?.into_iter().map(|b| ((b.kind.clone(), b.remote_key.clone()), b)).collect();
    let mut all = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let page = client.search_models(token.as_deref())?;
        all.extend(page.registered_models.into_iter().filter(|m| opts.wants(&m.name)));
        match page.next_page_token.filter(|t| !t.is_empty()) {
            Some(t) => token = Some(t),
            None => break,
        }
    }
    report.scanned_models = all.len() as u32;
    for (i, m) in all.iter().enumerate() {
        progress(&Progress { task: "pulling".into(), done: i as u64, total: all.len() as u64, unit: Unit::Files, detail: Some(m.name.clone()) });
        let state = model_state(m);
        let base = bindings.get(&("model".into(), m.name.clone())).map(|b| b.base.clone());
        if base.as_deref() == Some(state.to_string().as_str()) {
            report.unchanged += 1;
            continue;
        }
        if let Err(e) = pull_model(ws, remote, client, m, &state, &bindings, opts, actor, &mut report) {
            match e {
                SyncError::Remote(e @ (MlflowError::Unreachable { .. } | MlflowError::Unauthorized { .. })) => return Err(e.into()),
                e => report.failed.push(Item { subject: m.name.clone(), reason: e.to_string() }),
            }
        }
    }
    report.requests = client.requests.load(std::sync::atomic::Ordering::Relaxed) as u32;
    Ok(report)
}

#[allow(clippy::too_many_arguments)]
fn pull_model(
    ws: &mut Workspace,
    remote: &str,
    client: &Client,
    m: &RegisteredModel,
    state: &Value,
    bindings: &BTreeMap<(String, String), Binding>,
    opts: &SyncOptions,
    actor: &str,
    report: &mut SyncReport,
) -> Result<(), SyncError> {
    let local = local_name(&m.name);
    let mut versions = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let page = client.search_versions(&m.name, token.as_deref())?;
        versions.extend(page.model_versions);
        match page.next_page_token.filter(|t| !t.is_empty()) {
            Some(t) => token = Some(t),
            None => break,
        }
    }
    report.scanned_versions += versions.len() as u32;
    let mut seen = BTreeSet::new();
    for v in &versions {
        let key = format!("{}/{}", m.name, v.version);
        seen.insert(key.clone());
        if let Some(b) = bindings.get(&("version".into(), key.clone()))
            && b.state == "bound"
        {
            continue;
        }
        if opts.dry_run {
            report.pulled += 1;
            continue;
        }
        match pull_version(ws, remote, client, &local, v, actor) {
            Ok(Pulled::New) => report.pulled += 1,
            Ok(Pulled::Bound) => report.bound += 1,
            Err(Unfetched(reason)) => {
                report.skipped.push(Item { subject: key.clone(), reason: reason.clone() });
                if !opts.dry_run {
                    let b = Binding { remote: remote.into(), kind: "version".into(), remote_key: key, local: None, digest: None, base: version_state(v).to_string(), state: "unreachable".into() };
                    ws.catalog.write(|tx| remotes::upsert_binding(tx, &b))?;
                }
            }
        }
    }
    if opts.dry_run {
        return Ok(());
    }
    // Versions gone on the remote stay here, marked deleted there.
    let gone: Vec<&Binding> = bindings
        .values()
        .filter(|b| b.kind == "version" && b.state != "deleted" && b.remote_key.rsplit_once('/').is_some_and(|(n, _)| n == m.name))
        .filter(|b| !seen.contains(&b.remote_key))
        .collect();
    let base_aliases = bindings.get(&("model".into(), m.name.clone())).and_then(|b| serde_json::from_str::<Value>(&b.base).ok()).map(|v| v["aliases"].clone());
    ws.catalog.write(|tx| -> Result<(), SyncError> {
        for b in &gone {
            let mut b = (*b).clone();
            b.state = "deleted".into();
            audit::append(tx, &audit::now(), actor, "remote_deleted", b.local.as_deref().unwrap_or(&b.remote_key), &json!({"remote": remote, "key": b.remote_key}))?;
            remotes::upsert_binding(tx, &b)?;
            report.deleted_remotely += 1;
        }
        pull_aliases(tx, remote, m, &local, base_aliases.as_ref(), actor, report)?;
        let b = Binding { remote: remote.into(), kind: "model".into(), remote_key: m.name.clone(), local: Some(format!("model:{local}")), digest: None, base: state.to_string(), state: "bound".into() };
        remotes::upsert_binding(tx, &b)?;
        Ok(())
    })
}

/// Moves local aliases to where the remote's point, unless one was moved here since the base
/// (a conflict: neither side changes).
fn pull_aliases(
    tx: &rusqlite::Connection,
    remote: &str,
    m: &RegisteredModel,
    local: &str,
    base: Option<&Value>,
    actor: &str,
    report: &mut SyncReport,
) -> Result<(), SyncError> {
    let Some(model_id) = models::model_id(tx, local)? else { return Ok(()) };
    for a in &m.aliases {
        let Some(target) = bound_local_version(tx, remote, &m.name, &a.version)? else { continue };
        let here = aliases::target(tx, model_id, &a.alias)?;
        if here.as_deref() == Some(target.as_str()) {
            continue;
        }
        let base_remote = base.and_then(|b| b[&a.alias].as_str()).map(str::to_string);
        let base_local = match &base_remote {
            Some(v) => bound_local_version(tx, remote, &m.name, v)?,
            None => None,
        };
        if here.is_some() && here != base_local {
            report.conflicts.push(Item {
                subject: format!("{}@{}", m.name, a.alias),
                reason: format!("moved on both sides since the last sync: here to {}, on the remote to version {}", here.unwrap_or_default(), a.version),
            });
            continue;
        }
        let now = audit::now();
        let payload = json!({"alias": a.alias, "version": target, "previous": here, "remote": remote, "remoteVersion": a.version});
        let seq = audit::append(tx, &now, actor, "set_alias", &format!("model:{local}"), &payload)?;
        let vid = models::version_key(tx, local, &target)?.map(|k| k.id).expect("bound versions exist");
        aliases::set(tx, model_id, &a.alias, vid, actor, &now, seq)?;
        report.aliases_pulled += 1;
    }
    Ok(())
}

/// The local version (semver) a remote version is bound to.
fn bound_local_version(tx: &rusqlite::Connection, remote: &str, model: &str, version: &str) -> Result<Option<String>, SyncError> {
    let key = format!("{model}/{version}");
    Ok(remotes::bindings(tx, remote)?
        .into_iter()
        .find(|b| b.kind == "version" && b.remote_key == key && b.state == "bound")
        .and_then(|b| b.local)
        .and_then(|l| l.rsplit_once('@').map(|(_, v)| v.to_string())))
}

enum Pulled {
    New,
    Bound,
}

/// Why a version's bytes could not be fetched (it is recorded, not dropped).
struct Unfetched(String);

impl From<SyncError> for Unfetched {
    fn from(e: SyncError) -> Self {
        Unfetched(e.to_string())
    }
}

fn pull_version(ws: &mut Workspace, remote: &str, client: &Client, local: &str, v: &ModelVersion, actor: &str) -> Result<Pulled, Unfetched> {
    let uri = client.download_uri(&v.name, &v.version).map_err(|e| Unfetched(e.to_string()))?;
    let Some(root) = uri.strip_prefix("mlflow-artifacts:/") else {
        return Err(Unfetched(format!("its files are at {uri}, outside the tracking server's artifact proxy; fetching them from there is not supported yet")));
    };
    let staging = ws.root.join(crate::index::stage::STAGING).join(format!("mlflow-{}-{}", local, v.version));
    let _ = std::fs::remove_dir_all(&staging);
    let dir = staging.join(local);
    let fetched = fetch_tree(client, root.trim_matches('/'), &dir);
    let result = fetched.map_err(|e| Unfetched(e.to_string())).and_then(|()| register(ws, remote, local, v, &dir, actor));
    let _ = std::fs::remove_dir_all(&staging);
    result
}

/// Downloads every file under `root` (a proxy path) into `dir`, refusing paths that would leave it.
fn fetch_tree(client: &Client, root: &str, dir: &Path) -> Result<(), SyncError> {
    let mut stack = vec![root.to_string()];
    let mut files = 0;
    while let Some(d) = stack.pop() {
        for f in client.list_artifacts(&d)? {
            // The proxy lists names relative to the folder asked about.
            let full = format!("{d}/{}", f.path.rsplit('/').next().unwrap_or_default());
            let rel = full.strip_prefix(root).unwrap_or(&full).trim_start_matches('/').to_string();
            let Some(safe) = safe_rel(&rel) else {
                return Err(SyncError::BadValue { field: "artifact path", value: f.path, expected: "a relative path inside the version's folder".into() });
            };
            if f.is_dir {
                stack.push(full);
                continue;
            }
            let dest = dir.join(&safe);
            std::fs::create_dir_all(dest.parent().expect("joined path has a parent")).map_err(|e| SyncError::Secret(format!("{}: {e}", dest.display())))?;
            let mut out = std::fs::File::create(&dest).map_err(|e| SyncError::Secret(format!("{}: {e}", dest.display())))?;
            let n = client.download(&full, &mut out, &mut |_| {})?;
            if f.file_size.is_some_and(|size| size != n) {
                return Err(SyncError::BadValue { field: "artifact", value: f.path, expected: format!("{} bytes as listed, got {n}", f.file_size.unwrap_or(0)) });
            }
            files += 1;
        }
    }
    if files == 0 {
        return Err(SyncError::BadValue { field: "version", value: root.into(), expected: "files in its artifact folder (it has none)".into() });
    }
    Ok(())
}

/// A listed artifact path, if it stays inside the folder: relative, no `..`, no root or prefix.
fn safe_rel(rel: &str) -> Option<PathBuf> {
    let p = Path::new(rel);
    let ok = !rel.is_empty() && !rel.contains('\\') && p.components().all(|c| matches!(c, Component::Normal(_)));
    ok.then(|| p.to_path_buf())
}

/// A local version of the model with exactly these files (bound to, not registered again).
fn same_bytes_here(ws: &Workspace, local: &str, dir: &Path) -> Result<Option<(String, String)>, SyncError> {
    let Some(model_id) = models::model_id(ws.catalog.conn(), local)? else { return Ok(None) };
    let mut entries = Vec::new();
    for e in walkdir::WalkDir::new(dir).sort_by_file_name() {
        let e = e.map_err(|e| SyncError::Secret(e.to_string()))?;
        if e.file_type().is_file() {
            let (sha256, size) = crate::hash::sha256_file(e.path(), &mut |_| {}).map_err(|e| SyncError::Secret(e.to_string()))?;
            let path = e.path().strip_prefix(dir).expect("walked under dir").to_string_lossy().replace('\\', "/");
            entries.push(models::FileEntry { path, size, sha256, format: String::new() });
        }
    }
    entries.sort();
    Ok(models::version_with_root(ws.catalog.conn(), model_id, &crate::registry::manifest::root(&entries))?)
}

/// Registers the fetched files (or binds an existing version with the same digest).
fn register(ws: &mut Workspace, remote: &str, local: &str, v: &ModelVersion, dir: &Path, actor: &str) -> Result<Pulled, Unfetched> {
    let tag = |k: &str| v.tags.iter().find(|t| t.key == k).map(|t| t.value.clone());
    let semver = tag("pedigree.semver").filter(|s| crate::ids::parse_version(s).is_ok());
    let key = format!("{}/{}", v.name, v.version);
    let req = RegisterRequest {
        paths: vec![dir.display().to_string()],
        model: local.into(),
        version: semver,
        message: if v.description.is_empty() { format!("pulled from {remote} ({key})") } else { v.description.clone() },
        run: (!v.run_id.is_empty()).then(|| format!("mlflow:{}", v.run_id)),
        link: Some(crate::cas::Link::Hard),
        ..Default::default()
    };
    let (local_node, digest, outcome) = match same_bytes_here(ws, local, dir).map_err(|e| Unfetched(e.to_string()))? {
        Some((version, digest)) => (crate::ids::version_node(local, &version), digest, Pulled::Bound),
        None => match reg::register(ws, &req, None, actor, &crate::progress::ignore) {
            Ok(r) => (r.node, r.manifest_digest, Pulled::New),
            Err(e) => return Err(Unfetched(format!("not registered: {e}"))),
        },
    };
    let b = Binding { remote: remote.into(), kind: "version".into(), remote_key: key.clone(), local: Some(local_node.clone()), digest: Some(digest.clone()), base: version_state(v).to_string(), state: "bound".into() };
    ws.catalog
        .write(|tx| -> Result<(), SyncError> {
            let payload = json!({"remote": remote, "key": key, "manifestDigest": digest, "source": v.source, "runId": v.run_id});
            audit::append(tx, &audit::now(), actor, "remote_pull", &local_node, &payload)?;
            remotes::upsert_binding(tx, &b)?;
            Ok(())
        })
        .map_err(Unfetched::from)?;
    Ok(outcome)
}
