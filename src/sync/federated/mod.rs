//! Federated bundles: versions and their lineage carried to another organisation's workspace,
//! signed by the person who exported them (`pedigree bundle export MODEL@VERSION… --out FILE`,
//! `pedigree bundle import FILE --trust KEY`).
//!
//! A bundle is one uncompressed tar file. Its first entry, `bundle.json`, is the signed body:
//!
//! ```text
//! {"format": "pedigree-federated-bundle/1", "createdAt": "…", "signer": "ssh-ed25519 AAAA…",
//!  "signerName": "…", "signerEmail": "…", "bytes": true,
//!  "versions": [{"model", "version", "message", "rootDigest", "manifestDigest", "params",
//!                "metrics", "code", "environment", "run", "files": [{path, size, sha256, format}],
//!                "parents": [{"parent": "MODEL@VERSION", "relation"}],
//!                "trainedOn": [{"dataset", "version", "rootDigest", "sourceUri"}]}, …],
//!  "events": [<the wire form of each event about these versions, as it is hashed and signed>],
//!  "signature": "<base64 Ed25519>"}
//! ```
//!
//! The signature covers `pedigree federated bundle v1\n` then the hex SHA-256 of the RFC 8785
//! canonical JSON of the body without `signature` (as ledger segments are signed). Versions are
//! listed parents first, and every parent of a listed version is listed (the upstream closure),
//! so the lineage arrives whole. With bytes, `objects/HEX` entries follow, one per distinct file
//! digest. Dataset bytes are never carried: a dataset arrives as what the body says of it.
//!
//! Importing checks everything before writing anything: the signer is the key given with
//! `--trust`, the signature, every event's hash and signature, every object's bytes against its
//! digest (while streaming it out of the file), every file path. A version already imported from
//! the same signer, or present with the same bytes, is not made twice; a name taken here by other
//! bytes refuses the import (`--prefix` imports under other model names).

mod import;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::SyncError;
use crate::audit::wire::WireEvent;
use crate::catalog::models::FileEntry;
use crate::catalog::{audit_rows, datasets, graph, models};
use crate::identity::pq::{self, CoSignature};
use crate::ids;
use crate::workspace::Workspace;

pub use import::import;

pub const FORMAT: &str = "pedigree-federated-bundle/1";
const CONTEXT: &str = "pedigree federated bundle v1\n";
/// The body's entry, first in the file.
const BODY: &str = "bundle.json";
/// The largest body read (a bundle of thousands of versions stays far below it).
const MAX_BODY: u64 = 64 << 20;

/// The signed body of a bundle.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Body {
    pub format: String,
    pub created_at: String,
    pub signer: String,
    pub signer_name: String,
    pub signer_email: String,
    /// Whether the files' bytes follow the body.
    pub bytes: bool,
    pub versions: Vec<BundledVersion>,
    pub events: Vec<WireEvent>,
    #[serde(default)]
    pub signature: String,
    /// The signer's ML-DSA-65 co-signature, when their workspace co-signs (`pedigree team pq on`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pq: Option<CoSignature>,
}

/// One version in a bundle.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct BundledVersion {
    pub model: String,
    pub version: String,
    pub message: String,
    pub root_digest: String,
    pub manifest_digest: String,
    pub params: BTreeMap<String, String>,
    pub metrics: BTreeMap<String, f64>,
    pub code: Option<String>,
    pub environment: Option<String>,
    pub run: Option<String>,
    pub files: Vec<FileEntry>,
    pub parents: Vec<BundledParent>,
    pub trained_on: Vec<BundledDataset>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct BundledParent {
    /// `MODEL@VERSION`, listed before in the same bundle.
    pub parent: String,
    pub relation: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct BundledDataset {
    pub dataset: String,
    pub version: String,
    pub root_digest: String,
    pub source_uri: String,
}

impl pq::SignedDocument for Body {
    fn signatures_mut(&mut self) -> (&mut String, &mut Option<CoSignature>) {
        (&mut self.signature, &mut self.pq)
    }
}

impl Body {
    /// Checks the body's form and its signatures (not yet who signed it); returns the
    /// algorithms whose signatures were present.
    fn check(&self) -> Result<Vec<String>, String> {
        if self.format != FORMAT {
            return Err(format!("has format {:?}; this Pedigree reads {FORMAT}", self.format));
        }
        let present = pq::verify_document(&self.signer, CONTEXT, self, &self.signature, self.pq.as_ref())?;
        for e in &self.events {
            e.check().map_err(|why| format!("event {}: {why}", e.hash))?;
        }
        Ok(present)
    }

    /// The distinct file digests of its versions.
    fn digests(&self) -> BTreeMap<String, u64> {
        self.versions.iter().flat_map(|v| &v.files).map(|f| (f.sha256.clone(), f.size)).collect()
    }
}

/// What `bundle export` wrote.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct BundleExported {
    pub file: String,
    /// `MODEL@VERSION` of every version in it, parents first (the ones asked for and their
    /// upstream closure).
    pub versions: Vec<String>,
    pub events: u32,
    /// Distinct file objects carried (0 without bytes).
    pub objects: u32,
    #[ts(type = "number")]
    pub size: u64,
    /// The signer's fingerprint.
    pub signer: String,
    /// The signatures it carries: `Ed25519`, and `ML-DSA-65` when co-signed.
    pub signatures: Vec<String>,
}

/// What `bundle import` did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct BundleImported {
    /// `MODEL@VERSION` here of each version registered now.
    pub imported: Vec<String>,
    /// `MODEL@VERSION` here of each version that was here already (same bytes).
    pub already: Vec<String>,
    /// Who signed the bundle: name, email and fingerprint — not a member here.
    pub signer: String,
    /// Events of the exporter's history carried with the versions (kept in the import events).
    pub events: u32,
    /// The signatures the bundle carried, all verified: `Ed25519`, and `ML-DSA-65` when co-signed.
    pub signatures: Vec<String>,
}

/// `pedigree bundle export`: the versions named (`MODEL@VERSION` or `MODEL@ALIAS`) and their
/// upstream closure, signed by the person, with their files' bytes unless `bytes` is false.
/// Written to a temporary name beside `out`, then renamed: a failure leaves no bundle.
pub fn export(ws: &Workspace, references: &[String], out: &Path, bytes: bool) -> Result<BundleExported, SyncError> {
    let me = crate::identity::current()
        .map_err(SyncError::Local)?
        .ok_or_else(|| SyncError::Local("a bundle is signed by its author: no identity here (pedigree identity show)".into()))?;
    if references.is_empty() {
        return Err(SyncError::Local("name at least one MODEL@VERSION to export".into()));
    }
    if out.exists() {
        return Err(SyncError::Local(format!("{} exists; choose another --out", out.display())));
    }
    let conn = ws.catalog.conn();
    let mut order = Vec::new();
    let mut seen = BTreeSet::new();
    for r in references {
        let v = crate::governance::resolve(conn, r)?;
        closure(conn, &v.model, &v.version, &mut seen, &mut order)?;
    }
    let mut versions = Vec::new();
    let mut events = Vec::new();
    for (model, version) in &order {
        versions.push(bundled(conn, model, version)?);
        events.extend(events_about(conn, &ids::version_node(model, version))?);
    }
    let pq = crate::governance::pq::co_signer(conn)?;
    let info = me.info();
    let mut body = Body {
        format: FORMAT.into(),
        created_at: crate::audit::now(),
        signer: me.public_key_line(),
        signer_name: info.name,
        signer_email: info.email,
        bytes,
        versions,
        events,
        signature: String::new(),
        pq: None,
    };
    pq::sign_document(&mut body, me, pq, CONTEXT);
    let objects = if bytes { body.digests().into_keys().collect() } else { Vec::new() };
    let size = write_file(ws, &body, &objects, out)?;
    Ok(BundleExported {
        file: out.display().to_string(),
        versions: order.iter().map(|(m, v)| format!("{m}@{v}")).collect(),
        events: body.events.len() as u32,
        objects: objects.len() as u32,
        size,
        signer: me.fingerprint(),
        signatures: if body.pq.is_some() { vec!["Ed25519".into(), pq::ALG.into()] } else { vec!["Ed25519".into()] },
    })
}

/// Appends `model@version` to `order` after its parents (depth first), once.
fn closure(
    conn: &rusqlite::Connection,
    model: &str,
    version: &str,
    seen: &mut BTreeSet<(String, String)>,
    order: &mut Vec<(String, String)>,
) -> Result<(), SyncError> {
    if !seen.insert((model.to_string(), version.to_string())) {
        return Ok(());
    }
    for e in graph::edges_from(conn, &ids::version_node(model, version))?.into_iter().filter(|e| e.kind == "derived_from") {
        if let Some((pm, pv)) = e.dst.strip_prefix("version:").and_then(|r| r.rsplit_once('@')) {
            closure(conn, pm, pv, seen, order)?;
        }
    }
    order.push((model.to_string(), version.to_string()));
    Ok(())
}

/// What the bundle says of one version: its record and its lineage links.
fn bundled(conn: &rusqlite::Connection, model: &str, version: &str) -> Result<BundledVersion, SyncError> {
    let id = models::model_id(conn, model)?.ok_or_else(|| SyncError::Local(format!("no model {model}")))?;
    let r =
        models::get_version(conn, id, version)?.ok_or_else(|| SyncError::Local(format!("{model} has no version {version}")))?;
    let node = ids::version_node(model, version);
    let edges = graph::edges_from(conn, &node)?;
    let mut parents = Vec::new();
    let mut trained_on = Vec::new();
    let mut run = None;
    for e in &edges {
        match e.kind.as_str() {
            "derived_from" => {
                if let Some(p) = e.dst.strip_prefix("version:") {
                    parents.push(BundledParent { parent: p.to_string(), relation: e.relation.clone() });
                }
            }
            "trained_on" => {
                let Some((d, dv)) = e.dst.strip_prefix("dataset:").and_then(|r| r.rsplit_once('@')) else { continue };
                if let Some(found) = datasets::get(conn, d, dv)? {
                    trained_on.push(BundledDataset {
                        dataset: d.into(),
                        version: dv.into(),
                        root_digest: found.root_digest,
                        source_uri: found.source_uri,
                    });
                }
            }
            "produced_by" => run = e.dst.strip_prefix("run:").map(str::to_string),
            _ => {}
        }
    }
    let origin = run.as_ref().map_or_else(|| node.clone(), |r| format!("run:{r}"));
    let code = graph::edges_from(conn, &origin)?
        .into_iter()
        .find(|e| e.kind == "built_from")
        .and_then(|e| e.dst.strip_prefix("code:").map(str::to_string));
    Ok(BundledVersion {
        model: model.into(),
        version: version.into(),
        message: r.summary.message.clone(),
        root_digest: r.summary.root_digest.clone(),
        manifest_digest: r.manifest_digest.clone(),
        params: r.params.clone(),
        metrics: r.summary.metrics.clone(),
        code,
        environment: r.environment.clone(),
        run,
        files: r.files.clone(),
        parents,
        trained_on,
    })
}

/// The events about `subject` in the wire form (each as its author hashed and signed it).
fn events_about(conn: &rusqlite::Connection, subject: &str) -> Result<Vec<WireEvent>, SyncError> {
    let mut rows = audit_rows::list(conn, subject, i64::MAX, u32::MAX)?;
    rows.retain(|r| r.subject == subject);
    rows.reverse();
    let mut out = Vec::new();
    for row in rows {
        let signature = audit_rows::signature_of(conn, row.seq)?;
        let mut e = WireEvent::of(&row, signature.as_ref());
        e.seq = row.origin_seq.unwrap_or(row.seq);
        out.push(e);
    }
    Ok(out)
}

/// Writes the tar file: the body, then each object's bytes from the store.
fn write_file(ws: &Workspace, body: &Body, objects: &[String], out: &Path) -> Result<u64, SyncError> {
    let local = |e: std::io::Error| SyncError::Local(format!("writing {}: {e}", out.display()));
    let parent = out.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let tmp = tempfile::NamedTempFile::new_in(parent).map_err(local)?;
    let mut tar = tar::Builder::new(std::io::BufWriter::new(tmp.as_file()));
    let bytes = serde_json::to_vec(body).expect("bundles serialise");
    let mut header = tar::Header::new_gnu();
    header.set_size(bytes.len() as u64);
    header.set_mode(0o644);
    tar.append_data(&mut header, BODY, bytes.as_slice()).map_err(local)?;
    for digest in objects {
        let path = ws.cas.object_path(digest);
        let mut file = std::fs::File::open(&path)
            .map_err(|e| SyncError::Local(format!("object {digest} is not in this workspace's store: {e}")))?;
        let mut header = tar::Header::new_gnu();
        header.set_size(file.metadata().map_err(local)?.len());
        header.set_mode(0o644);
        tar.append_data(&mut header, format!("objects/{digest}"), &mut file).map_err(local)?;
    }
    tar.into_inner().map_err(local)?.into_inner().map_err(|e| local(e.into_error()))?;
    tmp.as_file().sync_all().map_err(local)?;
    let size = tmp.as_file().metadata().map_err(local)?.len();
    tmp.persist_noclobber(out).map_err(|e| local(e.error))?;
    Ok(size)
}
