//! Lineage interchange with other systems: OpenLineage run events in (from a file, the CLI or
//! `POST /api/v1/lineage` on `pedigree serve`), and a lineage view out as OpenLineage events or
//! W3C PROV-JSON.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::{ApiError, ErrorCode, LineageRequest, Session};
use crate::catalog::{datasets, graph, models};
use crate::ids::NodeKind;
use crate::lineage::openlineage::{self, ImportReport, export::NodeFacts, import::ImportError};

/// OpenLineage run events to record.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ImportOpenLineageRequest {
    #[ts(type = "Array<unknown>")]
    pub events: Vec<serde_json::Value>,
}

impl From<ImportError> for ApiError {
    fn from(e: ImportError) -> Self {
        match e {
            ImportError::Invalid { .. } => ApiError::new(ErrorCode::InvalidInput, format!("{e}; nothing was imported")),
            ImportError::Catalog(c) => c.into(),
        }
    }
}

pub fn import_openlineage(s: &mut Session, req: &ImportOpenLineageRequest) -> Result<ImportReport, ApiError> {
    if req.events.len() > openlineage::MAX_EVENTS {
        return Err(ApiError::new(ErrorCode::InvalidInput, format!("more than {} events", openlineage::MAX_EVENTS)));
    }
    Ok(openlineage::import(&mut s.ws, &req.events, &s.actor)?)
}

/// The forms a lineage view can be exported in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "lowercase")]
pub enum ExportFormat {
    /// W3C PROV-JSON.
    Prov,
    /// OpenLineage run events, one JSON object per line.
    Openlineage,
}

/// A lineage view to export.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ExportLineageRequest {
    #[serde(flatten)]
    pub view: LineageRequest,
    pub format: ExportFormat,
}

/// An exported view, ready to save.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ExportedLineage {
    pub file_name: String,
    pub media_type: String,
    pub text: String,
}

pub fn export_lineage(s: &Session, req: &ExportLineageRequest) -> Result<ExportedLineage, ApiError> {
    let sub = super::lineage(s, &req.view)?;
    let stem: String = sub.focus.chars().map(|c| if c.is_ascii_alphanumeric() || "._-@".contains(c) { c } else { '-' }).collect();
    Ok(match req.format {
        ExportFormat::Prov => ExportedLineage {
            file_name: format!("{stem}.prov.json"),
            media_type: "application/json".into(),
            text: serde_json::to_string_pretty(&crate::lineage::to_prov(&sub)).expect("JSON"),
        },
        ExportFormat::Openlineage => {
            let conn = s.ws.catalog.conn();
            let events = openlineage::to_openlineage(&sub, &|id| facts(conn, id));
            let text: String = events.iter().map(|e| format!("{e}\n")).collect();
            ExportedLineage { file_name: format!("{stem}.openlineage.jsonl"), media_type: "application/x-ndjson".into(), text }
        }
    })
}

/// A node's time, digest and attributes, for the OpenLineage export (unknown nodes: none).
fn facts(conn: &crate::catalog::Conn, id: &str) -> NodeFacts {
    let attrs = graph::node_attrs(conn, id)
        .ok()
        .flatten()
        .and_then(|(_, a)| serde_json::from_str::<serde_json::Value>(&a).ok())
        .and_then(|v| v.as_object().cloned())
        .unwrap_or_default();
    let reference = id.split_once(':').map(|(_, r)| r).and_then(|r| r.rsplit_once('@'));
    let (time, digest) = match (NodeKind::of(id), reference) {
        (Some(NodeKind::Version), Some((m, v))) => match models::model_id(conn, m).ok().flatten() {
            Some(mid) => models::get_version(conn, mid, v)
                .ok()
                .flatten()
                .map_or((None, None), |r| (Some(r.summary.created_at), Some(format!("sha256:{}", r.summary.root_digest)))),
            None => (None, None),
        },
        (Some(NodeKind::Dataset), Some((d, v))) => datasets::get(conn, d, v).ok().flatten().map_or((None, None), |dv| {
            // Hashed here: its root; recorded from OpenLineage: the version it was sent with.
            let digest = match dv.root_digest.as_str() {
                r if r.len() == 64 => Some(format!("sha256:{r}")),
                r if r.starts_with("openlineage:") => attrs.get("datasetVersion").and_then(|v| v.as_str()).map(str::to_string),
                r => Some(r.to_string()),
            };
            (Some(dv.created_at), digest)
        }),
        _ => (None, None),
    };
    NodeFacts { time, digest, attrs }
}

/// Versions and their lineage out to another organisation: a federated bundle signed by the
/// person (see [`crate::sync::federated`]).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ExportBundleRequest {
    /// `MODEL@VERSION` or `MODEL@ALIAS`; their parents come too.
    pub versions: Vec<String>,
    /// The file to write (must not exist).
    pub out: String,
    /// Leave the files' bytes out (the receiver must have them already).
    #[serde(default)]
    pub no_bytes: bool,
}

pub fn export_bundle(s: &Session, req: &ExportBundleRequest) -> Result<crate::sync::federated::BundleExported, ApiError> {
    let out = std::path::Path::new(&req.out);
    Ok(crate::sync::federated::export(&s.ws, &req.versions, out, !req.no_bytes)?)
}

/// A federated bundle in, from a signer given by key.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ImportBundleRequest {
    pub file: String,
    /// The signer's `ssh-ed25519 AAAA…` public key, as they gave it to you.
    pub trust: String,
    /// Put the versions under model names with this prefix.
    #[serde(default)]
    pub prefix: String,
}

pub fn import_bundle(s: &mut Session, req: &ImportBundleRequest) -> Result<crate::sync::federated::BundleImported, ApiError> {
    let file = std::path::Path::new(&req.file);
    let actor = s.actor.clone();
    Ok(crate::sync::federated::import(&mut s.ws, file, &req.trust, &req.prefix, &actor)?)
}
