//! Metadata operations: read and change the description, tags and stage of a model or a
//! version. `sync` keeps them in step with remotes.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::governance::write;
use super::{ApiError, Session};
use crate::governance::annotations::{self, Annotations};

/// A model (`MODEL`) or a version (`MODEL@VERSION`, `MODEL@ALIAS`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct AnnotationsRequest {
    pub target: String,
}

/// Set or clear one field.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct AnnotateRequest {
    pub target: String,
    /// `description`, `stage` or `tag:KEY`.
    pub field: String,
    /// None clears it.
    pub value: Option<String>,
}

pub fn annotations(s: &Session, req: &AnnotationsRequest) -> Result<Annotations, ApiError> {
    Ok(annotations::of(s.ws.catalog.conn(), req.target.trim())?)
}

pub fn annotate(s: &mut Session, req: &AnnotateRequest) -> Result<Annotations, ApiError> {
    write(s, |c, actor| annotations::set(c, req.target.trim(), &req.field, req.value.as_deref(), actor, None))
}
