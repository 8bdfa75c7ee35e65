//! The sync engine, one for every remote kind (`crate::remote`): what Pedigree exchanges with a
//! team registry. Identity is Pedigree's manifest digest; a remote's own ids (`name/version`)
//! are bindings, kept with the state both sides had at the last sync, so a change on either side
//! is found by comparing with that base — MLflow moves no timestamp when an alias or a tag
//! changes. `pull` brings the remote's models, versions and aliases here.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use ts_rs::TS;

pub mod conflicts;
mod drift;
pub mod federated;
mod fields;
pub(crate) mod lineage;
pub mod oneoff;
pub mod pull;
pub mod push;
mod sources;
mod staging;
pub mod team;

use crate::catalog::{CatalogError, remotes};
use crate::progress::OnProgress;
use crate::remote::config::{self, ConfigError};
use crate::remote::{Remote, RemoteError, RemoteModel, RemoteVersion};
use crate::workspace::Workspace;

#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    #[error(transparent)]
    Catalog(#[from] CatalogError),
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error(transparent)]
    Remote(#[from] RemoteError),
    #[error(transparent)]
    Governance(#[from] crate::governance::GovError),
    #[error("bad {field}: {expected}")]
    BadValue { field: &'static str, expected: String },
    #[error("{0}")]
    Local(String),
}

/// Syncs with `remote` (or the only remote there is): pulls every wanted model and version.
/// The report is kept with the remote when the sync changed or found anything; a sync that found
/// nothing new writes nothing at all.
pub fn sync(
    ws: &mut Workspace,
    remote: Option<&str>,
    opts: &SyncOptions,
    actor: &str,
    progress: OnProgress<'_>,
) -> Result<SyncReport, SyncError> {
    let name = one_remote(ws, remote)?;
    let row = config::row(ws, &name)?;
    // One sync of a workspace at a time, across processes (the CLI, `serve`'s schedule, the
    // desktop app): a second one waits for the first.
    let _lock = SyncLock::acquire(&ws.root)?;
    if row.kind == "ledger" {
        return team::sync(ws, &name, opts.pull_only, opts.push_only, progress);
    }
    let remote = config::open(ws, &row)?;
    let listing = Listing::of(remote.as_ref(), &name, opts)?;
    let mut report = if opts.push_only {
        SyncReport { remote: name.clone(), dry_run: opts.dry_run, ..Default::default() }
    } else {
        pull::pull(ws, &name, remote.as_ref(), &listing, opts, actor, progress)?
    };
    if opts.verify || opts.import_drift {
        drift::check(ws, &name, remote.as_ref(), &listing, opts, actor, &mut report)?;
    }
    // Descriptions, tags and stages of what is bound, field by field, both ways.
    if opts.only_model.is_none() && remote.has_fields() {
        fields::sync(ws, &name, remote.as_ref(), &listing, opts, actor, &mut report)?;
    }
    if !opts.pull_only {
        push::push(ws, &name, remote.as_ref(), &listing, opts, actor, &mut report)?;
    }
    report.requests = remote.requests();
    // Every conflict still open on this remote, new or not: the sync is not in step until they
    // are resolved.
    report.conflicts =
        open_conflict_items(ws, &name, "the {field} moved on both sides since the last sync (here: {kept}, there: {other})")?;
    if !opts.dry_run && report.changed_anything() {
        let json = serde_json::to_string(&report).expect("reports serialise");
        ws.catalog.write(|tx| remotes::set_last_sync(tx, &name, &crate::audit::now(), &json))?;
    }
    Ok(report)
}

/// Every conflict still open with `remote`, as report items: `what` says it with `{field}`,
/// `{kept}` (the value here) and `{other}`, and each item ends with how to resolve it.
pub(crate) fn open_conflict_items(ws: &Workspace, remote: &str, what: &str) -> Result<Vec<Item>, SyncError> {
    Ok(remotes::open_conflicts(ws.catalog.conn())?
        .into_iter()
        .filter(|c| c.remote == remote)
        .map(|c| {
            let said = what
                .replace("{field}", &c.field)
                .replace("{kept}", c.local.as_deref().unwrap_or("none"))
                .replace("{other}", c.remote_value.as_deref().unwrap_or("none"));
            Item {
                reason: format!("conflict {}: {said}; pedigree resolve {} --take local|remote", c.id, c.id),
                subject: c.subject,
            }
        })
        .collect())
}

/// The remote's state, listed once per sync: its (wanted) models, and their live versions.
pub struct Listing {
    pub models: Vec<RemoteModel>,
    /// Remote model name → its versions.
    pub versions: BTreeMap<String, Vec<RemoteVersion>>,
}

impl Listing {
    /// Every wanted model and version: a page per 1,000 models and per 1,000 versions (one
    /// model's versions for `pedigree fetch`).
    fn of(from: &dyn Remote, remote: &str, opts: &SyncOptions) -> Result<Listing, SyncError> {
        let models: Vec<RemoteModel> = from.models()?.into_iter().filter(|m| opts.wants(&m.name)).collect();
        // A push may be the model's first: then the remote has no such model yet.
        if let Some(model) = &opts.only_model
            && !opts.push_only
            && !models.iter().any(|m| m.name == *model)
        {
            return Err(SyncError::BadValue { field: "model", expected: format!("a model on {remote}; {model} is not one") });
        }
        let listed = match &opts.only_model {
            Some(model) if models.iter().any(|m| m.name == *model) => from.versions(model)?,
            Some(_) => Vec::new(),
            None => from.all_versions()?,
        };
        let mut versions: BTreeMap<String, Vec<RemoteVersion>> = models.iter().map(|m| (m.name.clone(), Vec::new())).collect();
        for v in listed {
            if let Some(list) = versions.get_mut(&v.model) {
                list.push(v);
            }
        }
        Ok(Listing { models, versions })
    }

    pub fn versions_of(&self, model: &str) -> &[RemoteVersion] {
        self.versions.get(model).map_or(&[], Vec::as_slice)
    }
}

/// An exclusive `flock(2)` on `WORKSPACE/sync.lock`, released when dropped (or when the process
/// dies, so a killed sync never leaves it held).
struct SyncLock(#[allow(dead_code)] std::fs::File);

impl SyncLock {
    fn acquire(root: &std::path::Path) -> Result<SyncLock, SyncError> {
        use std::os::fd::AsRawFd;
        let path = root.join("sync.lock");
        let f = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(|e| SyncError::Local(format!("cannot open {}: {e}", path.display())))?;
        // SAFETY: flock(2) on a descriptor this File owns.
        if unsafe { libc::flock(f.as_raw_fd(), libc::LOCK_EX) } != 0 {
            return Err(SyncError::Local(format!("cannot lock {}: {}", path.display(), std::io::Error::last_os_error())));
        }
        Ok(SyncLock(f))
    }
}

/// `pedigree fetch MODEL[/VERSION]` (or `MODEL@VERSION`): the files of versions a
/// `--metadata-only` sync recorded (or that were out of reach), fetched, verified and registered
/// now. MODEL is the remote's name for the model or the local one; VERSION the remote's version
/// number, or an alias or a semver (`pedigree.semver` tag) it has there.
pub fn fetch(
    ws: &mut Workspace,
    remote: Option<&str>,
    model: &str,
    version: Option<&str>,
    actor: &str,
    progress: OnProgress<'_>,
) -> Result<SyncReport, SyncError> {
    let name = one_remote(ws, remote)?;
    let bindings = remotes::bindings(ws.catalog.conn(), &name)?;
    let remote_model = bindings
        .iter()
        .find(|b| b.kind == "model" && (b.remote_key == model || local_name(&b.remote_key) == model))
        .map(|b| b.remote_key.clone())
        .unwrap_or_else(|| model.to_string());
    // An OCI registry's version ids are its tags (semvers); MLflow's are numbers.
    let tags_are_ids = config::row(ws, &name)?.kind == "oci";
    let version = match version {
        Some(v) if !tags_are_ids && !v.chars().all(|c| c.is_ascii_digit()) => {
            Some(named_version(&bindings, &remote_model, v).ok_or_else(|| SyncError::BadValue {
                field: "version",
                expected: format!("a version number, or an alias or a semver {remote_model} has on {name}; {v} is neither"),
            })?)
        }
        v => v.map(str::to_string),
    };
    let opts = SyncOptions { pull_only: true, only_model: Some(remote_model), only_version: version, ..Default::default() };
    sync(ws, Some(&name), &opts, actor, progress)
}

/// The remote version of `remote_model` that `name` stands for, as the last sync saw it: an
/// alias there, or the semver a push tagged it with (`pedigree.semver`).
fn named_version(bindings: &[remotes::Binding], remote_model: &str, name: &str) -> Option<String> {
    let parse = |base: &str| serde_json::from_str::<serde_json::Value>(base).unwrap_or_default();
    let by_alias = bindings
        .iter()
        .find(|b| b.kind == "model" && b.remote_key == remote_model)
        .and_then(|b| parse(&b.base)["aliases"][name].as_str().map(str::to_string));
    by_alias.or_else(|| {
        bindings.iter().filter(|b| b.kind == "version").find_map(|b| {
            let (m, v) = b.remote_key.rsplit_once('/')?;
            (m == remote_model && parse(&b.base)["tags"]["pedigree.semver"].as_str() == Some(name)).then(|| v.to_string())
        })
    })
}

/// `MODEL@VERSION` or `MODEL@ALIAS` naming a version a `--metadata-only` sync recorded without
/// its files (by the remote's alias, or the semver a push tagged it with): its files fetched
/// now, when first needed, as `pedigree fetch` would. `None`: no remote has such a version.
pub fn fetch_needed(
    ws: &mut Workspace,
    reference: &str,
    actor: &str,
    progress: OnProgress<'_>,
) -> Result<Option<(String, SyncReport)>, SyncError> {
    let Some((model, name)) = reference.strip_prefix("version:").unwrap_or(reference).rsplit_once('@') else {
        return Ok(None);
    };
    for r in remotes::list(ws.catalog.conn())? {
        let bindings = remotes::bindings(ws.catalog.conn(), &r.name)?;
        let found = bindings.iter().filter(|b| b.kind == "model" && local_name(&b.remote_key) == model).find_map(|m| {
            let rv = named_version(&bindings, &m.remote_key, name)?;
            let key = format!("{}/{rv}", m.remote_key);
            bindings
                .iter()
                .any(|b| b.kind == "version" && b.remote_key == key && b.state == "remote-only")
                .then(|| (m.remote_key.clone(), rv))
        });
        if let Some((rm, rv)) = found {
            let report = fetch(ws, Some(&r.name), &rm, Some(&rv), actor, progress)?;
            return Ok(Some((format!("{rm}/{rv} from {}", r.name), report)));
        }
    }
    Ok(None)
}

/// The remote named, or the only one there is.
pub(super) fn one_remote(ws: &Workspace, remote: Option<&str>) -> Result<String, SyncError> {
    Ok(match remote {
        Some(n) => n.to_string(),
        None => {
            let all = remotes::list(ws.catalog.conn())?;
            match all.as_slice() {
                [one] => one.name.clone(),
                [] => {
                    return Err(SyncError::BadValue {
                        field: "remote",
                        expected: "add one first: pedigree remote add NAME mlflow URL".into(),
                    });
                }
                _ => {
                    let names: Vec<&str> = all.iter().map(|r| r.name.as_str()).collect();
                    return Err(SyncError::BadValue { field: "remote", expected: format!("name one of {}", names.join(", ")) });
                }
            }
        }
    })
}

/// Test hook for crash safety: with `PEDIGREE_TEST_KILL_AT` naming this point, the process kills
/// itself with SIGKILL here (as `kill -9` would), so a test can stop a sync at an exact step.
pub(crate) fn crash_point(name: &str) {
    if std::env::var("PEDIGREE_TEST_KILL_AT").is_ok_and(|p| p == name) {
        // SAFETY: kill(2) on this very process.
        unsafe {
            libc::kill(libc::getpid(), libc::SIGKILL);
        }
    }
}

impl SyncReport {
    /// Why a version asked for did not come: the first item skipped or failed.
    pub fn first_reason(&self) -> Option<&str> {
        self.skipped.iter().chain(&self.failed).map(|i| i.reason.as_str()).next()
    }

    /// Whether the sync did or found anything beyond "unchanged".
    pub fn changed_anything(&self) -> bool {
        self.pulled
            + self.bound
            + self.recorded
            + self.aliases_pulled
            + self.deleted_remotely
            + self.pushed
            + self.aliases_pushed
            + self.fields_pulled
            + self.fields_pushed
            > 0
            || !self.skipped.is_empty()
            || !self.conflicts.is_empty()
            || !self.failed.is_empty()
            || !self.drifted.is_empty()
            || self.scanned_models > self.unchanged
    }
}

/// What one sync did, counted. Nothing is silent: every item skipped or failed says why.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct SyncReport {
    pub remote: String,
    /// Remote models and versions looked at.
    pub scanned_models: u32,
    pub scanned_versions: u32,
    /// Remote versions registered here (bytes fetched and verified).
    pub pulled: u32,
    /// Remote versions bound to a local version with the same manifest digest.
    pub bound: u32,
    /// New remote versions recorded without their bytes (`--metadata-only`).
    pub recorded: u32,
    /// Models whose remote state did not change since the last sync.
    pub unchanged: u32,
    /// Local aliases moved to follow the remote.
    pub aliases_pulled: u32,
    /// Local versions created on the remote.
    pub pushed: u32,
    /// Remote aliases moved to follow local ones.
    pub aliases_pushed: u32,
    /// Descriptions, tags and stages changed here to follow the remote.
    pub fields_pulled: u32,
    /// Descriptions, tags and stages changed on the remote to follow local ones.
    pub fields_pushed: u32,
    /// Versions gone on the remote (kept here, marked deleted there).
    pub deleted_remotely: u32,
    /// Bound versions whose bytes were fetched again and found the same (`--verify`).
    pub verified: u32,
    pub skipped: Vec<Item>,
    pub conflicts: Vec<Item>,
    /// Bound versions whose files changed on the remote (`--verify`); imported as new versions
    /// with `--import-drift`.
    pub drifted: Vec<Item>,
    pub failed: Vec<Item>,
    /// HTTP requests made.
    pub requests: u32,
    pub dry_run: bool,
    /// A team ledger's sync (`remote add NAME ledger URL`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub team: Option<team::TeamSync>,
}

/// One thing the sync could not do, or chose not to, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct Item {
    /// What: `mlflow-name/3`, `mlflow-name@champion`…
    pub subject: String,
    pub reason: String,
}

/// What a sync is asked to do.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct SyncOptions {
    /// Only models whose remote name is one of these or starts with one (a prefix ending `*`
    /// or any prefix).
    #[serde(default)]
    pub models: Vec<String>,
    /// Report what would happen; write nothing on either side.
    #[serde(default)]
    pub dry_run: bool,
    /// Only bring the remote's changes here.
    #[serde(default)]
    pub pull_only: bool,
    /// Only send local changes to the remote.
    #[serde(default)]
    pub push_only: bool,
    /// Fetch every bound version's files again and report those that changed there (drift).
    #[serde(default)]
    pub verify: bool,
    /// As `verify`, and register drifted files as new versions.
    #[serde(default)]
    pub import_drift: bool,
    /// Record new versions without fetching their files (`pedigree fetch`, or a sync without
    /// this, brings them).
    #[serde(default)]
    pub metadata_only: bool,
    /// `pedigree fetch`: exactly this remote model…
    #[serde(default, skip)]
    #[ts(skip)]
    pub only_model: Option<String>,
    /// …and only this version of it.
    #[serde(default, skip)]
    #[ts(skip)]
    pub only_version: Option<String>,
}

impl SyncOptions {
    pub fn wants(&self, remote_name: &str) -> bool {
        if let Some(only) = &self.only_model {
            return only == remote_name;
        }
        self.models.is_empty() || self.models.iter().any(|m| remote_name.starts_with(m.trim_end_matches('*')))
    }
}

/// A Pedigree model name for a remote one: lower case, other characters as `-`, starting with
/// a letter or digit (MLflow allows spaces, capitals, slashes…). The original is kept in the
/// binding and shown.
pub fn local_name(remote: &str) -> String {
    let mut out = String::new();
    for c in remote.chars() {
        let c = c.to_ascii_lowercase();
        let c = if c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '_' | '-') { c } else { '-' };
        if !(c == '-' && out.ends_with('-')) {
            out.push(c);
        }
    }
    let trimmed: String = out.trim_start_matches(['-', '.', '_']).trim_end_matches('-').chars().take(128).collect();
    if trimmed.is_empty() { "model".into() } else { trimmed }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn remote_names_map_to_valid_local_names() {
        for (remote, want) in [
            ("churn", "churn"),
            ("Fraud Detector v2", "fraud-detector-v2"),
            ("team/vision::ResNet", "team-vision-resnet"),
            ("__x", "x"),
            ("!!!", "model"),
        ] {
            assert_eq!(local_name(remote), want);
            crate::ids::validate_name(&local_name(remote)).unwrap();
        }
        assert!(SyncOptions { models: vec!["fraud*".into()], ..Default::default() }.wants("fraud-2"));
        assert!(!SyncOptions { models: vec!["fraud".into()], ..Default::default() }.wants("churn"));
    }
}
