//! Artifact stores: local folders, S3 buckets and HTTP listings that Pedigree indexes without
//! copying. `index` walks a store, sniffs every candidate file (the registry's sniffers), hashes
//! local files (sha256) or records remote ETags, and derives the artifacts a user can register:
//! model files, MLflow / Hugging Face folders and DVC files (whose outs and stage deps become
//! lineage hints). A stat cache (path, size, mtime, inode) makes a re-index of an unchanged tree
//! hash nothing; `watch` re-indexes local stores as files land.
//!
//! Faults are per item: an unreadable folder, a vanished file, a corrupt model or a failing
//! server becomes an entry in the report, the walk goes on, and rows already indexed are only
//! dropped for paths a complete listing no longer shows.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::sniff::Interface;

mod derive;
pub mod dvc;
pub mod hf;
mod local;
pub(crate) mod remote;
mod run;
pub(crate) mod secret;
pub mod stage;
pub mod store;
pub mod watch;

pub use run::{IndexOptions, index_store};
pub use store::{Credentials, StoreError, StoreOptions, add_store, list_stores, remove_store};

/// A store as listed (never with secrets).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct StoreInfo {
    pub name: String,
    pub uri: String,
    /// local, s3, http or hf-cache.
    pub kind: String,
    pub endpoint: Option<String>,
    pub region: Option<String>,
    /// Where credentials come from: "sealed in the workspace", "AWS environment variables" or "none".
    pub credentials: String,
    pub created_at: String,
    pub last_indexed_at: Option<String>,
    #[ts(type = "number")]
    pub files: u64,
    #[ts(type = "number")]
    pub artifacts: u64,
    /// Artifacts not registered yet.
    #[ts(type = "number")]
    pub unregistered: u64,
    pub last_report: Option<IndexReport>,
}

/// A problem with one file, folder or object; the walk went on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ItemError {
    /// Store-relative path ("" for the store itself).
    pub path: String,
    pub message: String,
}

/// What one index run did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct IndexReport {
    pub store: String,
    /// Files (objects) the store holds as far as this run saw.
    #[ts(type = "number")]
    pub files: u64,
    /// Files read and hashed (local) or fetched and sniffed (remote) this run.
    #[ts(type = "number")]
    pub hashed_files: u64,
    #[ts(type = "number")]
    pub hashed_bytes: u64,
    /// Files the stat cache (or ETag) showed unchanged: not read.
    #[ts(type = "number")]
    pub unchanged: u64,
    #[ts(type = "number")]
    pub added: u64,
    #[ts(type = "number")]
    pub changed: u64,
    #[ts(type = "number")]
    pub removed: u64,
    /// Artifacts now known in the store, and how many of them are new.
    #[ts(type = "number")]
    pub artifacts: u64,
    #[ts(type = "number")]
    pub new_artifacts: u64,
    pub errors: Vec<ItemError>,
    #[ts(type = "number")]
    pub elapsed_ms: u64,
    /// False when the listing itself failed part-way (nothing was dropped then).
    pub complete: bool,
}

/// A lineage hint found next to an artifact (from DVC files and Hugging Face model cards).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct LineageHint {
    /// `trained_on` (a data dependency of the stage that produced it), `code` (a code
    /// dependency), `dvc_out` (the DVC file that tracks it), for DVC files themselves `out`, or
    /// `base_model` (a Hugging Face model card's base model; `path` is its repository id).
    pub kind: String,
    /// Store-relative path the hint points at (a repository id for `base_model`).
    pub path: String,
    /// DVC's md5 for that path when recorded.
    pub md5: Option<String>,
    /// Where the hint comes from, e.g. `dvc.lock stage train`.
    pub source: String,
}

/// A discovered artifact.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct Artifact {
    #[ts(type = "number")]
    pub id: i64,
    /// How people name it: its file or folder name; `ORG/NAME@REV` in the Hugging Face cache.
    pub name: String,
    pub store: String,
    /// Store-relative path ("." for a store whose root is itself a model folder).
    pub path: String,
    pub uri: String,
    /// file, folder or dvc.
    pub kind: String,
    pub format: String,
    #[ts(type = "number")]
    pub size: u64,
    pub file_count: u32,
    /// sha256 (file) or model-signing root digest (folder) for local stores.
    pub digest: Option<String>,
    /// ETag (file) or a digest of the listing (folder) for remote stores.
    pub etag: Option<String>,
    pub interface: Interface,
    pub metadata: std::collections::BTreeMap<String, String>,
    pub hints: Vec<LineageHint>,
    /// E.g. why the interface is not known yet for a large remote file.
    pub note: Option<String>,
    pub indexed_at: String,
    /// `version:MODEL@VER` once registered.
    pub registered_as: Option<String>,
}

/// Local paths holding an artifact's bytes, ready for `inspect_paths` / `register_version`
/// (remote artifacts are downloaded once and verified first), plus what the hints suggest.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct StagedArtifact {
    pub artifact: Artifact,
    pub paths: Vec<String>,
    /// Local paths of data the artifact was made from (DVC stage deps that exist here).
    pub trained_on: Vec<String>,
    /// Versions here its model card's `base_model` names (imported or registered before).
    pub parents: Vec<crate::registry::register::ParentLink>,
    /// A model name derived from the path.
    pub suggested_model: String,
}

/// A change seen by `watch` (or an index run it triggered).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct StoreEvent {
    pub store: String,
    /// added, changed, removed (files), artifact (a new artifact), error, indexed (a run ended).
    pub change: String,
    pub path: String,
    pub detail: Option<String>,
}
