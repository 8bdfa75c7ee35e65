//! Remotes: the team registries Pedigree syncs with, behind one interface with a kind per peer
//! (`mlflow` today; OCI and Hugging Face next). A kind lists the remote state in a common shape
//! ([`RemoteModel`], [`RemoteVersion`]) and fetches a version's files; everything else — what
//! changed since the last sync, bindings, conflicts, the report — is the one sync engine's
//! (`crate::sync`). Configuration and credentials (sealed with the store credential code) are
//! in `config`.

use std::collections::BTreeMap;
use std::path::Path;

pub mod config;
pub(crate) mod http;
pub mod hub;
pub mod mlflow;
pub mod oci;

pub use config::{Credentials, RemoteInfo, RemoteTest};

/// A model as a remote lists it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RemoteModel {
    /// The remote's own name (MLflow allows names Pedigree does not; see `sync::local_name`).
    pub name: String,
    pub description: String,
    pub tags: BTreeMap<String, String>,
    /// Alias → the remote's version id.
    pub aliases: BTreeMap<String, String>,
    /// The remote's own change marker (a timestamp; not moved by every change).
    pub updated: i64,
}

/// A version as a remote lists it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RemoteVersion {
    pub model: String,
    /// The remote's version id (MLflow: "1", "2"…).
    pub version: String,
    pub description: String,
    pub tags: BTreeMap<String, String>,
    /// Where its files are, as the remote says (MLflow: `mlflow-artifacts:/…`, `s3://…`).
    pub source: String,
    /// The run that made it, in the remote's ids.
    pub run_id: String,
    pub updated: i64,
    /// MLflow's legacy stage (`Staging`, `Production`, `Archived`), if any.
    pub stage: Option<String>,
}

/// The run that made a version, as the remote recorded it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RemoteRun {
    pub params: BTreeMap<String, String>,
    pub metrics: BTreeMap<String, f64>,
    pub user: String,
    /// Milliseconds since the epoch.
    pub start: Option<i64>,
    pub end: Option<i64>,
    /// Logged dataset inputs: (name, digest, source).
    pub datasets: Vec<(String, String, String)>,
}

/// Why a remote call failed, in words for people.
#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
pub enum RemoteError {
    #[error("cannot reach the {kind} server at {url}: {why}")]
    Unreachable { kind: &'static str, url: String, why: String },
    #[error("the {kind} server at {url} refused the credentials (HTTP {status}): {hint}")]
    Unauthorized { kind: &'static str, url: String, status: u16, hint: &'static str },
    #[error("{kind} answered {status} {code} to {what}: {message}")]
    Http { kind: &'static str, what: String, status: u16, code: String, message: String },
    #[error("{kind} sent something unexpected for {what}: {why}")]
    Bad { kind: &'static str, what: String, why: String },
}

impl RemoteError {
    pub fn is_not_found(&self) -> bool {
        matches!(self, RemoteError::Http { status: 404, .. })
    }

    /// The whole sync stops on these (nothing else can work); others fail one item.
    pub fn is_fatal(&self) -> bool {
        matches!(self, RemoteError::Unreachable { .. } | RemoteError::Unauthorized { .. })
    }
}

/// One registry kind. Shared by the threads that fetch several versions at once.
pub trait Remote: Sync {
    /// Every model (paged as the remote allows), with tags and aliases.
    fn models(&self) -> Result<Vec<RemoteModel>, RemoteError>;
    /// Every live version of one model.
    fn versions(&self, model: &str) -> Result<Vec<RemoteVersion>, RemoteError>;
    /// Every live version of every model (paged as the remote allows).
    fn all_versions(&self) -> Result<Vec<RemoteVersion>, RemoteError>;
    /// Sets (`Some`) or clears (`None`) one metadata field of a model (`version` none) or a
    /// version: `description`, `stage` or `tag:KEY` (see `catalog::annotations`).
    fn set_field(&self, model: &str, version: Option<&str>, field: &str, value: Option<&str>) -> Result<(), RemoteError>;
    /// Downloads a version's files into `dir` (created; paths checked to stay inside it), or
    /// says where else they are.
    fn fetch(&self, v: &RemoteVersion, dir: &Path) -> Result<Fetched, RemoteError>;
    /// Requests made so far (for the report and the benchmark).
    fn requests(&self) -> u32;
    /// The remote version a push of this manifest made (found by the digest tag every push
    /// writes), so a retried or interrupted push never makes a second one.
    fn find_pushed(&self, model: &str, manifest_digest: &str) -> Result<Option<String>, RemoteError>;
    /// Creates a version from local files.
    fn push(&self, p: &Push) -> Result<Pushed, RemoteError>;
    /// Points an alias of a model at a version.
    fn set_alias(&self, model: &str, alias: &str, version: &str) -> Result<(), RemoteError>;
    /// The run a version was made by (`None`: the remote does not have it any more).
    fn run(&self, run_id: &str) -> Result<Option<RemoteRun>, RemoteError>;
    /// Attaches a signed envelope (a report bundle's DSSE manifest) to a version there; returns
    /// where it went. Kinds without attestations refuse.
    fn attach(&self, model: &str, version: &str, _envelope: &[u8]) -> Result<String, RemoteError> {
        Err(RemoteError::Bad {
            kind: "remote",
            what: format!("{model}/{version}"),
            why: "this kind of registry keeps no attestations (OCI registries do)".into(),
        })
    }
    /// Whether models and versions have descriptions and tags there (`set_field`).
    fn has_fields(&self) -> bool {
        true
    }
}

/// A listed path, if it stays inside the folder: relative, no `..`, no root or prefix.
pub(crate) fn safe_rel(rel: &str) -> Option<std::path::PathBuf> {
    use std::path::Component;
    let p = Path::new(rel);
    let ok = !rel.is_empty() && !rel.contains('\\') && p.components().all(|c| matches!(c, Component::Normal(_)));
    ok.then(|| p.to_path_buf())
}

/// What fetching a version's files came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fetched {
    /// They are in the folder.
    Here,
    /// They are not behind the remote but at this URI (`s3://…`, `file://…`): the sync engine
    /// fetches them through a store that covers it, if one is configured.
    Elsewhere(String),
    /// They cannot be fetched (recorded, not dropped), and why.
    Failed(String),
}

/// The tag every pushed version carries: its manifest digest (Pedigree's identity of it).
pub const DIGEST_TAG: &str = "pedigree.manifest_sha256";

/// A version a push created.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pushed {
    /// The remote's id of it.
    pub version: String,
    /// Its `source` as the remote will list it, when the kind knows it (an OCI manifest digest),
    /// so a tag moved later is seen.
    pub source: Option<String>,
}

/// A local version to create on a remote.
#[derive(Debug, Clone)]
pub struct Push {
    pub model: String,
    /// (path in the version, the file holding its bytes).
    pub files: Vec<(String, std::path::PathBuf)>,
    /// Tags, the digest tag among them.
    pub tags: Vec<(String, String)>,
    pub description: String,
    /// The version itself (the OCI kind exports it as a ModelPack).
    pub record: Option<crate::catalog::models::VersionRecord>,
}
