//! Artifact-store operations and their wire types: add, list and remove stores, index them,
//! page through discovered artifacts, stage one for registration.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::{ApiError, ErrorCode, Session};
use crate::index::{self, Artifact, IndexReport, StoreInfo};
use crate::progress::OnProgress;

/// `pedigree store add`: a named store.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct StoreAddRequest {
    pub name: String,
    /// `file:///abs/path` (or a plain path), `s3://bucket/prefix`, `http(s)://host/path/`.
    pub uri: String,
    /// S3 endpoint for S3-compatible servers (path-style requests), e.g. `http://127.0.0.1:9000`.
    pub endpoint: Option<String>,
    pub region: Option<String>,
    /// Credentials given here are sealed (encrypted with a key in the workspace's `keys/`),
    /// never stored or shown in plain text. Without them the usual `AWS_*` variables are read
    /// at index time.
    pub access_key_id: Option<String>,
    pub secret_access_key: Option<String>,
    pub session_token: Option<String>,
    /// Per-request timeout for remote stores (default 30 s).
    pub timeout_secs: Option<u32>,
    /// Retries with exponential backoff for transient remote errors (default 3).
    pub retries: Option<u32>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct StoreListResponse {
    pub stores: Vec<StoreInfo>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct StoreNameRequest {
    pub name: String,
}

/// `pedigree index [STORE]`: one store, or every store when `store` is absent.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct IndexRequest {
    pub store: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct IndexResponse {
    pub reports: Vec<IndexReport>,
}

/// `pedigree artifacts`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ListArtifactsRequest {
    pub store: Option<String>,
    #[serde(default)]
    pub unregistered_only: bool,
    /// Substring of the path.
    pub query: Option<String>,
    pub offset: Option<u32>,
    pub limit: Option<u32>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ListArtifactsResponse {
    pub artifacts: Vec<Artifact>,
    #[ts(type = "number")]
    pub total: u64,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ArtifactRequest {
    #[ts(type = "number")]
    pub id: i64,
}

/// Adds an artifact store.
pub fn store_add(s: &mut Session, req: &StoreAddRequest) -> Result<index::StoreInfo, ApiError> {
    let options = index::StoreOptions {
        endpoint: req.endpoint.clone(),
        region: req.region.clone(),
        timeout_secs: req.timeout_secs,
        retries: req.retries,
    };
    let creds = index::Credentials {
        access_key_id: req.access_key_id.clone(),
        secret_access_key: req.secret_access_key.clone(),
        session_token: req.session_token.clone(),
    };
    Ok(index::add_store(&mut s.ws, &req.name, &req.uri, options, creds, &s.actor)?)
}

pub fn store_list(s: &Session) -> Result<StoreListResponse, ApiError> {
    Ok(StoreListResponse { stores: index::list_stores(&s.ws)? })
}

pub fn store_remove(s: &mut Session, req: &StoreNameRequest) -> Result<StoreListResponse, ApiError> {
    index::remove_store(&mut s.ws, &req.name, &s.actor)?;
    store_list(s)
}

/// Indexes one store, or all of them.
pub fn index_stores(s: &mut Session, req: &IndexRequest, progress: OnProgress<'_>) -> Result<IndexResponse, ApiError> {
    let names: Vec<String> = match &req.store {
        Some(n) => vec![n.clone()],
        None => index::list_stores(&s.ws)?.into_iter().map(|st| st.name).collect(),
    };
    if names.is_empty() {
        return Err(ApiError::new(ErrorCode::NotFound, "no stores yet: add one first"));
    }
    let mut reports = Vec::new();
    for n in names {
        reports.push(index::index_store(&mut s.ws, &n, &index::IndexOptions::default(), progress)?.0);
    }
    Ok(IndexResponse { reports })
}

/// A page of discovered artifacts.
pub fn list_artifacts(s: &Session, req: &ListArtifactsRequest) -> Result<ListArtifactsResponse, ApiError> {
    let conn = s.ws.catalog.conn();
    let store_id = match &req.store {
        Some(n) => Some(
            crate::catalog::stores::get_store(conn, n)?.ok_or_else(|| ApiError::from(index::StoreError::Unknown(n.clone())))?.id,
        ),
        None => None,
    };
    let (rows, total) = crate::catalog::stores::list_artifacts(
        conn,
        store_id,
        req.unregistered_only,
        req.query.as_deref().filter(|q| !q.is_empty()),
        req.offset.unwrap_or(0),
        req.limit.unwrap_or(100).min(1000),
    )?;
    let artifacts = rows.iter().map(|r| index::stage::artifact(conn, &s.ws.root, r)).collect::<Result<Vec<_>, _>>()?;
    Ok(ListArtifactsResponse { artifacts, total })
}

/// Local paths for an indexed artifact (remote ones are downloaded and verified), for the
/// registration form.
pub fn stage_artifact(s: &Session, req: &ArtifactRequest, progress: OnProgress<'_>) -> Result<index::StagedArtifact, ApiError> {
    Ok(index::stage::stage(&s.ws, req.id, progress)?.0)
}
