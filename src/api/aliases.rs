//! Alias operations: set, remove, list (with every move). `MODEL@ALIAS` itself is accepted
//! wherever a version reference is, through `governance::resolve`.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::governance::write;
use super::{ApiError, Session};
use crate::governance::aliases::{self, AliasChange, ModelAliases};

/// Point an alias at a version.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct SetAliasRequest {
    /// `MODEL@VERSION` (or `MODEL@ALIAS`: the version that alias points to).
    pub reference: String,
    pub alias: String,
}

/// Remove an alias of a model.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct RemoveAliasRequest {
    pub model: String,
    pub alias: String,
}

/// A model's aliases.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct AliasesRequest {
    pub model: String,
}

pub fn set_alias(s: &mut Session, req: &SetAliasRequest) -> Result<AliasChange, ApiError> {
    write(s, |c, actor| aliases::set(c, &req.reference, req.alias.trim(), actor))
}

pub fn remove_alias(s: &mut Session, req: &RemoveAliasRequest) -> Result<AliasChange, ApiError> {
    write(s, |c, actor| aliases::remove(c, &req.model, req.alias.trim(), actor))
}

pub fn list_aliases(s: &Session, req: &AliasesRequest) -> Result<ModelAliases, ApiError> {
    Ok(aliases::of_model(s.ws.catalog.conn(), &req.model)?)
}
