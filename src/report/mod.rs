//! Audit reports for one model version: one canonical `report.json` (RFC 8785) from which the
//! HTML and the PDF are rendered, plus a CycloneDX 1.6 ML-BOM, a model card, the cited audit
//! events with RFC 6962 inclusion proofs against a signed checkpoint, and a signed in-toto
//! manifest (DSSE) of every file. `pedigree verify DIR` checks such a bundle offline.
//!
//! [`gather`] reads the facts once (no SQL here: the queries are in [`crate::catalog`]);
//! [`model`] is the typed shape of report.json; `sections` builds its sections, which follow
//! EU AI Act Annex IV (with the NIST AI RMF and SR 11-7/26-2 items they evidence). What
//! Pedigree cannot know — intended purpose, risk narrative, standards applied, human oversight —
//! is an explicit "to be completed by the provider" block, never invented.

use std::path::PathBuf;

use crate::catalog::{self, datasets::DatasetVersion, models::VersionRecord};
use crate::governance::{self, evaluate::Evaluation};
use crate::lineage::Subgraph;
use crate::workspace::WorkspaceError;

pub mod bom;
pub mod bundle;
pub mod card;
mod gather;
pub mod html;
pub mod model;
pub mod pdf;
mod sections;
pub mod svg;
pub mod verify;

pub use gather::gather;
pub use model::Report;

/// Schema id of report.json.
pub const SCHEMA: &str = "pedigree.report/v1";

/// Why a report could not be built or written.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    /// The version could not be resolved or its governance record read.
    #[error(transparent)]
    Gov(#[from] governance::GovError),
    /// A catalog query failed.
    #[error(transparent)]
    Catalog(#[from] catalog::CatalogError),
    /// The bundle folder is already there (a bundle is never overwritten).
    #[error("{path} already exists; choose another folder for the report")]
    Exists {
        /// The folder asked for.
        path: PathBuf,
    },
    /// The bundle folder has no parent to write the temporary folder into.
    #[error("{path} has no parent folder to write the report into")]
    NoParent {
        /// The folder asked for.
        path: PathBuf,
    },
    /// A file or folder of the bundle could not be written.
    #[error("cannot {operation} {path}: {source}")]
    Io {
        /// What was being done ("create folder", "write", "rename to").
        operation: &'static str,
        /// The path it was done to.
        path: PathBuf,
        /// Why it failed.
        source: std::io::Error,
    },
    /// The workspace's signing key could not be loaded.
    #[error("cannot sign the report: {0}")]
    SigningKey(#[source] WorkspaceError),
    /// The person's own key (Ed25519 or ML-DSA) could not be read or made.
    #[error("cannot sign the report with your key: {0}")]
    PersonalKey(String),
    /// The workspace has no public key to put in the bundle.
    #[error("the workspace has no public key, so the report cannot be signed")]
    NoPublicKey,
    /// The audit log changed under its latest signed checkpoint.
    #[error(
        "the audit log no longer matches its latest signed checkpoint: its first {size} events hash to {log_root}, the checkpoint says {checkpoint_root}; verify the audit log to find the altered event"
    )]
    CheckpointMismatch {
        /// Tree size of the checkpoint.
        size: u64,
        /// Root hash the checkpoint signed (base64).
        checkpoint_root: String,
        /// Root hash of the first `size` events as stored now (base64).
        log_root: String,
    },
    /// Typst could not render the PDF.
    #[error("cannot render the PDF: {reason}")]
    Pdf {
        /// The renderer's diagnostics.
        reason: String,
    },
}

/// A model a version was derived from (a `derived_from` edge).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Parent {
    /// `MODEL@VERSION` of the parent.
    pub reference: String,
    /// How the version relates to it (finetune, quantized, …), when recorded.
    pub relation: Option<String>,
    /// The parent's root digest, when it is registered here.
    pub root_digest: Option<String>,
}

/// Everything a report is made of, gathered once: report.json and the facts the other
/// renderers (lineage SVG, ML-BOM, model card) need besides it.
pub struct Facts {
    /// report.json, without its integrity block until the bundle adds it.
    pub report: Report,
    /// The lineage drawn in the report.
    pub lineage: Subgraph,
    /// Seqs of the audit events the report cites.
    pub cited: Vec<i64>,
    /// The version's stored record.
    pub record: VersionRecord,
    /// The dataset versions it was trained on.
    pub datasets: Vec<DatasetVersion>,
    /// The models it was derived from.
    pub parents: Vec<Parent>,
    /// Its evaluations.
    pub evaluations: Vec<Evaluation>,
    /// Evidence files attached to it (the bundle carries their bytes under `attachments/`).
    pub attachments: Vec<crate::catalog::attachments::Attachment>,
}

/// Where an attachment's bytes are kept in a report bundle.
pub fn attachment_path(a: &crate::catalog::attachments::Attachment) -> String {
    format!("attachments/{}-{}", &a.sha256[..12], a.name)
}
