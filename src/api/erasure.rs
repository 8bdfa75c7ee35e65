//! Data-erasure operations and their wire types: record a request (its impact through the
//! lineage), resolve an impacted version, list requests.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::governance::write;
use super::{ApiError, Session};
use crate::governance::erasure::{self, Erasure};

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct EraseRequest {
    /// `DATASET@VERSION`.
    pub dataset: String,
    /// A salted hash of the data subject's identifier (hex), never the identifier itself.
    pub subject_hash: String,
    pub reason: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ResolveErasureRequest {
    #[ts(type = "number")]
    pub id: i64,
    /// The impacted version being resolved, `MODEL@VERSION`.
    pub reference: String,
    /// The version that replaces it, trained without the erased data.
    pub retrained_as: Option<String>,
    /// Or: why it is kept (Art. 17(3) exception), e.g. "legal hold".
    pub exception: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ErasureList {
    pub requests: Vec<Erasure>,
}

/// Records an erasure request and its impact.
pub fn erase(s: &mut Session, req: &EraseRequest) -> Result<Erasure, ApiError> {
    write(s, |c, a| erasure::erase(c, &req.dataset, &req.subject_hash, &req.reason, a))
}

/// Resolves one impacted version of a request.
pub fn resolve_erasure(s: &mut Session, req: &ResolveErasureRequest) -> Result<Erasure, ApiError> {
    let (retrained, exception) = (req.retrained_as.as_deref(), req.exception.as_deref());
    write(s, |c, a| erasure::resolve_impact(c, req.id, &req.reference, retrained, exception, a))
}

/// Every request, newest first.
pub fn erasures(s: &Session) -> Result<ErasureList, ApiError> {
    Ok(ErasureList { requests: erasure::list(s.ws.catalog.conn())? })
}
