//! `diff_versions`: what changed between two versions (files, tensors, imports, params,
//! metrics, links, the bump the policy would give), from the catalog only.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::{ApiError, ErrorCode, Session};
use crate::catalog::graph;
use crate::catalog::models::{self, VersionRecord};
use crate::ids;
use crate::registry::diff::{self, Side, VersionDiff};

/// Two versions to compare, `MODEL@VERSION` each (A is the older one, usually).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct DiffRequest {
    pub a: String,
    pub b: String,
}

fn record(s: &Session, reference: &str) -> Result<(VersionRecord, i64), ApiError> {
    let conn = s.ws.catalog.conn();
    let not_found = || ApiError::new(ErrorCode::NotFound, format!("{reference} is not registered")).on(Some("a"));
    let v = crate::governance::resolve(conn, reference).map_err(|_| not_found())?;
    let rec = models::get_version(conn, v.model_id, &v.version)?.ok_or_else(not_found)?;
    Ok((rec, v.id))
}

fn side<'a>(s: &Session, rec: &'a VersionRecord, id: i64) -> Result<Side<'a>, ApiError> {
    let conn = s.ws.catalog.conn();
    let node = ids::version_node(&rec.summary.model, &rec.summary.version);
    let edges: Vec<_> = graph::edges_from(conn, &node)?.into_iter().filter(|e| e.kind != "version_of").collect();
    let tensor_digests: BTreeMap<String, String> =
        models::tensor_digests(conn, id)?.into_iter().map(|(_, tensor, sha)| (tensor, sha)).collect();
    let links: BTreeSet<String> = edges.iter().map(|e| format!("{} → {}", e.kind, e.dst)).collect();
    let mut datasets: Vec<String> = edges.iter().filter(|e| e.kind == "trained_on").map(|e| e.dst.clone()).collect();
    datasets.sort();
    Ok(Side { name: format!("{}@{}", rec.summary.model, rec.summary.version), record: rec, tensor_digests, links, datasets })
}

/// Compares version A with version B.
pub fn diff_versions(s: &Session, req: &DiffRequest) -> Result<VersionDiff, ApiError> {
    let (ra, ia) = record(s, &req.a)?;
    let (rb, ib) = record(s, &req.b).map_err(|e| e.on(Some("b")))?;
    let (a, b) = (side(s, &ra, ia)?, side(s, &rb, ib)?);
    Ok(diff::diff(&a, &b))
}
