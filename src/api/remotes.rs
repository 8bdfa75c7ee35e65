//! Remote and sync operations: add, list, remove, test a remote; sync with one.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::{ApiError, ErrorCode, Session};
use crate::catalog::remotes::Conflict;
use crate::progress::OnProgress;
use crate::remote::RemoteError;
use crate::remote::config::{self as remote, ConfigError, Credentials, RemoteInfo, RemoteTest};
use crate::sync::conflicts::{self, Take};
use crate::sync::{SyncError, SyncOptions, SyncReport};

impl From<RemoteError> for ApiError {
    fn from(e: RemoteError) -> Self {
        let code = match &e {
            RemoteError::Unauthorized { .. } => ErrorCode::Denied,
            _ => ErrorCode::Io,
        };
        ApiError::new(code, e.to_string())
    }
}

impl From<ConfigError> for ApiError {
    fn from(e: ConfigError) -> Self {
        let (code, field) = match &e {
            ConfigError::Remote(r) => return r.clone().into(),
            ConfigError::Catalog(_) | ConfigError::Secret(_) => (ErrorCode::Internal, None),
            ConfigError::Name(_) => (ErrorCode::InvalidInput, Some("name")),
            ConfigError::BadValue { field, .. } => (ErrorCode::InvalidInput, Some(*field)),
            ConfigError::UnknownRemote(_) => (ErrorCode::NotFound, Some("remote")),
            ConfigError::Exists(_) => (ErrorCode::Conflict, Some("name")),
        };
        ApiError::new(code, e.to_string()).on(field)
    }
}

impl From<SyncError> for ApiError {
    fn from(e: SyncError) -> Self {
        match e {
            SyncError::Config(c) => c.into(),
            SyncError::Remote(r) => r.into(),
            SyncError::BadValue { field, .. } => ApiError::new(ErrorCode::InvalidInput, e.to_string()).on(Some(field)),
            SyncError::Governance(g) => g.into(),
            SyncError::Catalog(_) | SyncError::Local(_) => ApiError::new(ErrorCode::Internal, e.to_string()),
        }
    }
}

/// Add a remote registry.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct RemoteAddRequest {
    pub name: String,
    /// `mlflow`.
    pub kind: String,
    /// The tracking server, e.g. `https://mlflow.acme.internal`.
    pub url: String,
    /// Credentials to seal in the workspace; without them the MLflow environment variables are
    /// read at sync time.
    #[serde(default)]
    #[ts(optional)]
    pub username: Option<String>,
    #[serde(default)]
    #[ts(optional)]
    pub password: Option<String>,
    #[serde(default)]
    #[ts(optional)]
    pub token: Option<String>,
    /// An OCI registry on another host than this one spoken to over plain HTTP (loopback ones
    /// always are).
    #[serde(default)]
    #[ts(optional)]
    pub plain_http: Option<bool>,
    /// A team ledger: the owner's public key its roster must be rooted in (`ssh-ed25519 AAAA…`);
    /// without it, your own key when you own this workspace's roster.
    #[serde(default)]
    #[ts(optional)]
    pub trust: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct RemoteNameRequest {
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct RemoteListResponse {
    pub remotes: Vec<RemoteInfo>,
}

/// How often to sync a remote while `pedigree serve` or the desktop app runs.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct RemoteScheduleRequest {
    pub name: String,
    /// Seconds between syncs (at least 60); `null` turns the schedule off.
    #[ts(type = "number | null")]
    pub every: Option<u64>,
}

pub fn remote_schedule(s: &mut Session, req: &RemoteScheduleRequest) -> Result<RemoteInfo, ApiError> {
    Ok(remote::schedule(&mut s.ws, &req.name, req.every, &s.actor)?)
}

/// Sync with a remote (the only one when none is named).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct SyncRequest {
    #[serde(default)]
    #[ts(optional)]
    pub remote: Option<String>,
    #[serde(flatten)]
    pub options: SyncOptions,
}

pub fn remote_add(s: &mut Session, req: &RemoteAddRequest) -> Result<RemoteInfo, ApiError> {
    let creds = Credentials { username: req.username.clone(), password: req.password.clone(), token: req.token.clone() };
    let url = req.url.trim();
    let url = match (req.kind.trim(), req.plain_http) {
        ("oci", Some(true)) if !url.contains("://") => format!("http://{url}"),
        (_, Some(true)) if req.kind.trim() != "oci" => {
            return Err(ApiError::new(
                ErrorCode::InvalidInput,
                "plain HTTP is for OCI registries; an MLflow URL says http:// itself",
            )
            .on(Some("plainHttp")));
        }
        _ => url.to_string(),
    };
    if req.kind.trim() == "ledger" {
        crate::sync::team::add(&mut s.ws, req.name.trim(), &url, req.trust.as_deref(), &s.actor)?;
        let name = req.name.trim();
        return remote::list(&s.ws)?
            .into_iter()
            .find(|r| r.name == name)
            .ok_or_else(|| ApiError::new(ErrorCode::Internal, format!("remote {name} was added but is not listed")));
    }
    Ok(remote::add(&mut s.ws, req.name.trim(), req.kind.trim(), &url, Some(&creds), &s.actor)?)
}

pub fn remote_list(s: &Session) -> Result<RemoteListResponse, ApiError> {
    Ok(RemoteListResponse { remotes: remote::list(&s.ws)? })
}

pub fn remote_remove(s: &mut Session, req: &RemoteNameRequest) -> Result<RemoteListResponse, ApiError> {
    Ok(RemoteListResponse { remotes: remote::remove(&mut s.ws, &req.name, &s.actor)? })
}

pub fn remote_test(s: &Session, req: &RemoteNameRequest) -> Result<RemoteTest, ApiError> {
    Ok(remote::test(&s.ws, &req.name)?)
}

pub fn sync_remote(s: &mut Session, req: &SyncRequest, progress: OnProgress<'_>) -> Result<SyncReport, ApiError> {
    Ok(crate::sync::sync(&mut s.ws, req.remote.as_deref(), &req.options, &s.actor, progress)?)
}

/// A remote version whose files are not here: recorded by `--metadata-only` (`remote-only`) or
/// out of reach (`unreachable`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct NotHere {
    pub remote: String,
    /// The remote's name of the model.
    pub model: String,
    pub version: String,
    pub state: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct NotHereList {
    pub versions: Vec<NotHere>,
}

/// Every remote version whose files are not here.
pub fn versions_not_here(s: &Session) -> Result<NotHereList, ApiError> {
    let mut versions = Vec::new();
    for r in remote::list(&s.ws)? {
        for b in crate::catalog::remotes::bindings(s.ws.catalog.conn(), &r.name)? {
            if b.kind != "version" || !matches!(b.state.as_str(), "remote-only" | "unreachable") {
                continue;
            }
            if let Some((model, version)) = b.remote_key.rsplit_once('/') {
                versions.push(NotHere { remote: r.name.clone(), model: model.into(), version: version.into(), state: b.state });
            }
        }
    }
    Ok(NotHereList { versions })
}

/// Fetch the files of remote versions recorded without them (`pedigree fetch`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct FetchRequest {
    #[serde(default)]
    #[ts(optional)]
    pub remote: Option<String>,
    /// The remote's name of the model, or the local one.
    pub model: String,
    /// One remote version (its id there, e.g. "3"); every one not here when absent.
    #[serde(default)]
    #[ts(optional)]
    pub version: Option<String>,
}

/// Send one version to a remote.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct PushRequest {
    /// `MODEL@VERSION` or `MODEL@ALIAS`.
    pub reference: String,
    /// The remote [default: the only one].
    #[serde(default)]
    #[ts(optional)]
    pub remote: Option<String>,
    /// Also build the version's signed report bundle and attach its manifest (a DSSE envelope)
    /// to the version there (OCI: a referrer of its manifest).
    #[serde(default)]
    #[ts(optional)]
    pub attest: Option<bool>,
}

/// What a push did, and where the attestation went.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct PushResponse {
    pub report: SyncReport,
    /// `HOST/REPO@sha256:…` of the attestation, and how the registry lists it.
    pub attestation: Option<String>,
    /// The report bundle it attests (a folder here).
    pub bundle: Option<String>,
}

pub fn push_version(s: &mut Session, req: &PushRequest) -> Result<PushResponse, ApiError> {
    let reference = req.reference.trim();
    let report = crate::sync::oneoff::push_one(&mut s.ws, req.remote.as_deref(), reference, &s.actor)?;
    if req.attest != Some(true) {
        return Ok(PushResponse { report, attestation: None, bundle: None });
    }
    let bundle = super::report::build_report(
        s,
        &super::report::ReportRequest { reference: reference.into(), out_dir: None },
        &crate::progress::ignore,
    )?;
    let envelope = std::fs::read(std::path::Path::new(&bundle.dir).join(crate::report::bundle::MANIFEST))
        .map_err(|e| ApiError::new(ErrorCode::Io, format!("{}: {e}", bundle.dir)))?;
    let node = crate::governance::resolve(s.ws.catalog.conn(), reference)?.node;
    let key = crate::catalog::remotes::bound_key(s.ws.catalog.conn(), &node, &report.remote)?.ok_or_else(|| {
        ApiError::new(ErrorCode::Conflict, format!("{reference} is not on {} (the push failed)", report.remote))
    })?;
    let (model, version) = key.rsplit_once('/').expect("version keys are MODEL/VERSION");
    let row = remote::row(&s.ws, &report.remote)?;
    let attestation = remote::open(&s.ws, &row)?.attach(model, version, &envelope)?;
    let payload = serde_json::json!({"remote": report.remote, "key": key, "attestation": attestation, "bundle": bundle.name});
    let actor = s.actor.clone();
    s.ws.catalog.write(|tx| crate::audit::append(tx, &crate::audit::now(), &actor, "remote_attest", &node, &payload))?;
    Ok(PushResponse { report, attestation: Some(attestation), bundle: Some(bundle.dir) })
}

/// Bring one OCI artifact here.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct PullRequest {
    /// `HOST[:PORT]/REPO:TAG` or `HOST[:PORT]/REPO@sha256:…`.
    pub reference: String,
    /// The local model to register it in [default: the repository's last name].
    #[serde(default)]
    #[ts(optional)]
    pub model: Option<String>,
}

pub fn pull_artifact(s: &mut Session, req: &PullRequest) -> Result<crate::sync::oneoff::Pulled, ApiError> {
    Ok(crate::sync::oneoff::pull_ref(&mut s.ws, req.reference.trim(), req.model.as_deref(), &s.actor)?)
}

pub fn fetch_remote(s: &mut Session, req: &FetchRequest, progress: OnProgress<'_>) -> Result<SyncReport, ApiError> {
    Ok(crate::sync::fetch(&mut s.ws, req.remote.as_deref(), &req.model, req.version.as_deref(), &s.actor, progress)?)
}

/// After an operation failed with `e`: when a version it names is not here but a remote has
/// it without its files (`sync --metadata-only`), fetches them (verified, registered) so the
/// operation can run again — files are fetched when first needed. `Some(what)`: fetched; `None`:
/// no remote has it (the error stands); an error when the fetch failed.
pub fn fetch_missing(s: &mut Session, e: &ApiError, progress: OnProgress<'_>) -> Result<Option<String>, ApiError> {
    let Some(reference) = &e.missing else { return Ok(None) };
    if crate::catalog::remotes::list(s.ws.catalog.conn())?.is_empty() {
        return Ok(None);
    }
    let actor = s.actor.clone();
    match crate::sync::fetch_needed(&mut s.ws, reference, &actor, progress)? {
        Some((what, report)) if report.pulled + report.bound > 0 => Ok(Some(what)),
        Some((what, report)) => {
            let why = report.first_reason().unwrap_or("nothing came");
            Err(ApiError::new(ErrorCode::Io, format!("{reference} is {what}, but its files could not be fetched: {why}")))
        }
        None => Ok(None),
    }
}

/// Open sync conflicts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ConflictList {
    pub conflicts: Vec<Conflict>,
}

/// Resolve a conflict by taking one side.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ResolveConflictRequest {
    #[ts(type = "number")]
    pub id: i64,
    pub take: Take,
}

pub fn list_conflicts(s: &Session) -> Result<ConflictList, ApiError> {
    Ok(ConflictList { conflicts: conflicts::list(&s.ws)? })
}

pub fn resolve_conflict(s: &mut Session, req: &ResolveConflictRequest) -> Result<Conflict, ApiError> {
    Ok(conflicts::resolve(&mut s.ws, req.id, req.take, &s.actor)?)
}
