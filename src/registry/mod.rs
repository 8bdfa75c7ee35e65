//! Models and versions: registration (files → CAS → one catalog transaction), the semver
//! policy, and the errors a user can hit while registering.

use std::path::PathBuf;

use crate::cas::CasError;
use crate::catalog::CatalogError;
use crate::ids::NameError;
use crate::sniff::SniffError;

pub mod collect;
pub mod diff;
pub mod inspect;
pub mod manifest;
pub mod register;
pub mod semver_policy;
pub mod summary;
pub mod system;

pub use register::{RegisterRequest, RegisterResponse, register};

/// Relations a parent link may carry (Hugging Face `base_model_relation` plus Pedigree's).
pub const RELATIONS: &[&str] = &["finetune", "adapter", "merge", "quantized", "distilled", "pruned", "ensemble", "component"];

/// Why a registration was refused. Nothing is visible in the catalog after any of these.
#[derive(Debug, thiserror::Error)]
pub enum RegisterError {
    #[error(transparent)]
    Name(#[from] NameError),
    #[error("{path}: {source}")]
    Io { path: PathBuf, source: std::io::Error },
    #[error("nothing to register: give at least one file or a folder with files")]
    NoFiles,
    #[error("two inputs would both be stored as {0:?}; rename one or register them as one folder")]
    DuplicatePath(String),
    #[error(transparent)]
    Sniff(#[from] SniffError),
    #[error(transparent)]
    Cas(#[from] CasError),
    #[error(transparent)]
    Catalog(#[from] CatalogError),
    #[error(
        "{model}@{version} already exists; versions never change — register a new version (leave the version out for a suggestion)"
    )]
    VersionExists { model: String, version: String },
    #[error(
        "version {version} is not greater than {model}'s latest version {latest}; use a higher version or leave it out for a suggestion"
    )]
    VersionNotGreater { model: String, version: String, latest: String },
    #[error("parent {0} is not registered (see the model's versions)")]
    UnknownParent(String),
    #[error("unknown relation {0:?}: use one of finetune, adapter, merge, quantized, distilled, pruned, ensemble, component")]
    InvalidRelation(String),
    #[error("{given} relations for {parents} parents: give one relation per parent, or one for all")]
    RelationCount { given: usize, parents: usize },
    #[error("dataset {0} is not registered and is not an existing path")]
    UnknownDataset(String),
    #[error("{0} changed since it was indexed; index its store again, then register it")]
    ChangedSinceIndexed(String),
    #[error("invalid {kind} {given:?}: expected KEY=VALUE{hint}")]
    KeyValue { kind: &'static str, given: String, hint: &'static str },
    #[error("accepting files that run code on load needs a reason, for the audit trail")]
    UnsafeWithoutReason,
    #[error(
        "{model}: its weights are in {missing}, which is not among the files being registered; register the folder that holds both"
    )]
    MissingExternalData { model: String, missing: String },
}

impl RegisterError {
    /// The request field (camelCase, as on the wire) the error is about, if one is.
    pub fn field(&self) -> Option<&'static str> {
        match self {
            RegisterError::VersionExists { .. } | RegisterError::VersionNotGreater { .. } => Some("version"),
            RegisterError::UnknownParent(_) => Some("parents"),
            RegisterError::InvalidRelation(_) | RegisterError::RelationCount { .. } => Some("relation"),
            RegisterError::UnknownDataset(_) => Some("trainedOn"),
            RegisterError::UnsafeWithoutReason => Some("allowUnsafe"),
            RegisterError::KeyValue { kind: "metric", .. } => Some("metrics"),
            RegisterError::KeyValue { kind: "param", .. } => Some("params"),
            _ => None,
        }
    }
}
