//! Attachments of a version (evidence files by digest) and their wire types.

use std::path::Path;

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::governance::write;
use super::{ApiError, ErrorCode, Session};
use crate::governance::attach::{self, Attachment, Stored};

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct AttachRequest {
    /// `MODEL@VERSION` (or `MODEL@ALIAS`).
    pub reference: String,
    /// explainability, fairness, evaluation, documentation or other.
    pub kind: String,
    /// The file to attach (a browser upload's staged path, or a local file).
    pub path: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct AttachResponse {
    pub attachment: Attachment,
    /// False when the version had this file attached already (nothing new was recorded).
    pub created: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct AttachmentsRequest {
    pub reference: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct AttachmentList {
    pub attachments: Vec<Attachment>,
}

/// Stores a file by digest and attaches it to a version (the same file again changes nothing).
pub fn attach_file(s: &mut Session, req: &AttachRequest) -> Result<AttachResponse, ApiError> {
    let path = Path::new(&req.path);
    let meta = std::fs::metadata(path).map_err(|e| {
        let code = if e.kind() == std::io::ErrorKind::NotFound { ErrorCode::NotFound } else { ErrorCode::Io };
        ApiError::new(code, format!("cannot read {}: {e}", path.display())).on(Some("path"))
    })?;
    if !meta.is_file() {
        return Err(ApiError::new(
            ErrorCode::InvalidInput,
            format!("{} is not a file: attach one file (zip a folder first)", path.display()),
        )
        .on(Some("path")));
    }
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    // Checked before the bytes are stored, so a bad request stores nothing.
    attach::validate(&req.kind, &name)?;
    crate::governance::resolve(s.ws.catalog.conn(), &req.reference)?;
    let put = s.ws.cas.put_file(path, &mut |_| {}).map_err(|e| ApiError::new(ErrorCode::Io, e.to_string()))?;
    let stored = Stored { sha256: &put.sha256, size: put.size, name: &name };
    let (attachment, created) = write(s, |c, a| attach::attach(c, &req.reference, &req.kind, &stored, a))?;
    Ok(AttachResponse { attachment, created })
}

/// A version's attachments, oldest first.
pub fn attachments(s: &Session, req: &AttachmentsRequest) -> Result<AttachmentList, ApiError> {
    Ok(AttachmentList { attachments: attach::of(s.ws.catalog.conn(), &req.reference)? })
}
