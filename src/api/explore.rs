//! Operations behind the explorer UI: workspace summary, node search, node details.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::{ApiError, ErrorCode, Session, to_edge};
use crate::catalog::datasets::{self, DatasetVersion};
use crate::catalog::graph;
use crate::catalog::models::{self, VersionSummary};
use crate::ids::{self, NodeKind};
use crate::lineage::LineageEdge;

/// Empty request body.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Empty {}

/// What the workspace holds (for the empty state and the header).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct WorkspaceInfo {
    pub workspace: String,
    pub models: u32,
    pub versions: u32,
    pub dataset_versions: u32,
    pub audit_events: u32,
}

pub fn workspace_info(s: &Session, _: &Empty) -> Result<WorkspaceInfo, ApiError> {
    let (models, versions, dataset_versions, audit_events) = graph::counts(s.ws.catalog.conn())?;
    Ok(WorkspaceInfo { workspace: s.ws.root.display().to_string(), models, versions, dataset_versions, audit_events })
}

/// Find nodes by (part of) their name.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct SearchNodesRequest {
    pub query: String,
    pub limit: Option<u32>,
}

/// A node reference for lists and search results.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct NodeRef {
    pub id: String,
    pub kind: NodeKind,
    pub label: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct SearchNodesResponse {
    pub nodes: Vec<NodeRef>,
}

pub fn search_nodes(s: &Session, req: &SearchNodesRequest) -> Result<SearchNodesResponse, ApiError> {
    if req.query.trim().is_empty() {
        return Ok(SearchNodesResponse { nodes: Vec::new() });
    }
    let found = graph::search(s.ws.catalog.conn(), &req.query, req.limit.unwrap_or(20).clamp(1, 200))?;
    let nodes = found.into_iter().filter_map(|(id, label)| NodeKind::of(&id).map(|kind| NodeRef { id, kind, label })).collect();
    Ok(SearchNodesResponse { nodes })
}

/// Details of any node, for the explorer's side panel.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct NodeDetailsRequest {
    pub node: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct NodeDetails {
    pub id: String,
    pub kind: NodeKind,
    pub label: String,
    /// Stored attributes (runs, code, environments).
    pub attrs: BTreeMap<String, String>,
    /// Set for version nodes.
    pub version: Option<VersionSummary>,
    /// Set for dataset nodes.
    pub dataset: Option<DatasetVersion>,
    /// Set for model nodes: number of versions.
    pub version_count: Option<u32>,
    pub upstream: Vec<LineageEdge>,
    pub downstream: Vec<LineageEdge>,
}

pub fn node_details(s: &Session, req: &NodeDetailsRequest) -> Result<NodeDetails, ApiError> {
    let id = ids::normalize_node(&req.node)?;
    let kind = NodeKind::of(&id).expect("normalized ids have a kind");
    let conn = s.ws.catalog.conn();
    let rest = id.split_once(':').map(|(_, r)| r).unwrap_or_default().to_string();
    let (mut label, mut attrs) = (rest.clone(), BTreeMap::new());
    if let Some((l, a)) = graph::node_attrs(conn, &id)? {
        label = l;
        attrs = serde_json::from_str(&a).unwrap_or_default();
    }
    let (mut version, mut dataset, mut version_count) = (None, None, None);
    match kind {
        NodeKind::Version => {
            let (m, v) = ids::split_ref(&rest)?;
            let mid = models::model_id(conn, m)?;
            version = match mid {
                Some(mid) => models::get_version(conn, mid, v)?.map(|r| r.summary),
                None => None,
            };
        }
        NodeKind::Dataset => {
            let (d, v) = ids::split_ref(&rest)?;
            dataset = datasets::get(conn, d, v)?;
        }
        NodeKind::Model => {
            if let Some(mid) = models::model_id(conn, &rest)? {
                version_count = Some(models::version_count(conn, mid)?);
            }
        }
        _ => {}
    }
    let upstream: Vec<LineageEdge> = graph::edges_from(conn, &id)?.into_iter().map(to_edge).collect();
    let downstream: Vec<LineageEdge> = graph::edges_to(conn, &id)?.into_iter().map(to_edge).collect();
    let known =
        version.is_some() || dataset.is_some() || version_count.is_some() || !upstream.is_empty() || !downstream.is_empty();
    if !known {
        return Err(ApiError::new(ErrorCode::NotFound, format!("{id} is not in the catalog")));
    }
    Ok(NodeDetails { id, kind, label, attrs, version, dataset, version_count, upstream, downstream })
}
