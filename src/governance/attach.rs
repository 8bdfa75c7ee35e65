//! Attachments: evidence files about a version (explainability, fairness, evaluation,
//! documentation…). The bytes are stored by digest in the object store before this runs; here
//! the row and its audit event are written together. An attachment never changes: the same
//! file attached again is nothing new, another file is another attachment.

use rusqlite::Connection;
use serde_json::json;

use super::{GovError, one_of, resolve};
use crate::audit;
pub use crate::catalog::attachments::Attachment;
use crate::catalog::attachments::{self, NewAttachment};

pub const KINDS: &[&str] = &["explainability", "fairness", "evaluation", "documentation", "other"];

/// A file stored by digest, to attach.
#[derive(Debug, Clone)]
pub struct Stored<'a> {
    pub sha256: &'a str,
    pub size: u64,
    /// Its file name (no folders).
    pub name: &'a str,
}

/// The file name kept with an attachment: its last path component, printable, at most 255 bytes.
pub fn file_name(name: &str) -> Result<&str, GovError> {
    let bad = |expected| GovError::BadValue { field: "name", value: name.to_string(), expected };
    if name.is_empty() || name.len() > 255 || name.contains(['/', '\\']) || name == "." || name == ".." {
        return Err(bad("an attachment is named by its file name: no folders, 1–255 bytes"));
    }
    if name.chars().any(char::is_control) {
        return Err(bad("a file name without control characters"));
    }
    Ok(name)
}

/// Checks what an attachment is called and its kind (before its bytes are stored).
pub fn validate(kind: &str, name: &str) -> Result<(), GovError> {
    one_of("kind", kind, KINDS)?;
    file_name(name).map(drop)
}

/// Attaches a stored file to `MODEL@VERSION`: the attachment, and whether it is new (false when
/// the version had this file already; nothing is recorded then).
pub fn attach(
    conn: &Connection,
    reference: &str,
    kind: &str,
    file: &Stored<'_>,
    actor: &str,
) -> Result<(Attachment, bool), GovError> {
    validate(kind, file.name)?;
    let name = file.name;
    if file.sha256.len() != 64 || !file.sha256.bytes().all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase()) {
        return Err(GovError::BadValue { field: "sha256", value: file.sha256.into(), expected: "64 lowercase hex digits" });
    }
    let v = resolve(conn, reference)?;
    if let Some(a) = attachments::get(conn, v.id, file.sha256)? {
        return Ok((a, false));
    }
    let now = audit::now();
    let payload = json!({"kind": kind, "name": name, "sha256": file.sha256, "size": file.size});
    let seq = audit::append(conn, &now, actor, "attach", &v.node, &payload)?;
    let row = NewAttachment { version_id: v.id, sha256: file.sha256, kind, name, size: file.size };
    attachments::insert(conn, &row, actor, &now, seq)?;
    let made =
        attachments::get(conn, v.id, file.sha256)?.ok_or_else(|| GovError::NotFound(format!("attachment {}", file.sha256)))?;
    Ok((made, true))
}

/// A version's attachments, oldest first.
pub fn of(conn: &Connection, reference: &str) -> Result<Vec<Attachment>, GovError> {
    Ok(attachments::of_version(conn, resolve(conn, reference)?.id)?)
}
