//! Descriptions, tags and stages of models and versions: editable metadata beside the
//! immutable bytes. Every change is an audit event (`annotate`) in the same transaction as its
//! row; the sync engine keeps them in step with remotes (`sync::fields`), field by field.

use std::collections::BTreeMap;

use rusqlite::Connection;
use serde::{Deserialize, Serialize};
use serde_json::json;
use ts_rs::TS;

use super::{GovError, resolve};
use crate::audit;
use crate::catalog::annotations::{self, DESCRIPTION, STAGE, TAG};
use crate::catalog::models;
use crate::ids;

/// MLflow's legacy stages (a version has at most one; `None` there means none).
pub const STAGES: &[&str] = &["Staging", "Production", "Archived"];

/// The metadata of one model or version.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct Annotations {
    /// `model:NAME` or `version:NAME@VERSION`.
    pub subject: String,
    /// Set here or on a remote; a version's registration message until then.
    pub description: String,
    pub tags: BTreeMap<String, String>,
    /// MLflow's legacy stage, if any.
    pub stage: Option<String>,
}

impl Annotations {
    fn from_fields(subject: String, fields: annotations::Fields) -> Annotations {
        let mut a = Annotations { subject, ..Default::default() };
        for (field, value) in fields {
            match field.as_str() {
                DESCRIPTION => a.description = value,
                STAGE => a.stage = Some(value),
                f => {
                    if let Some(key) = f.strip_prefix(TAG) {
                        a.tags.insert(key.to_string(), value);
                    }
                }
            }
        }
        a
    }
}

/// The subject a user names: `MODEL` (the model) or `MODEL@VERSION` / `MODEL@ALIAS` (a version).
pub fn subject(conn: &Connection, target: &str) -> Result<String, GovError> {
    let target = target.strip_prefix("version:").or_else(|| target.strip_prefix("model:")).unwrap_or(target);
    if target.contains('@') {
        return Ok(resolve(conn, target)?.node);
    }
    ids::validate_model(target)?;
    models::model_id(conn, target)?.ok_or_else(|| GovError::UnknownModel(target.to_string()))?;
    Ok(ids::model_node(target))
}

/// The metadata of `target`.
pub fn of(conn: &Connection, target: &str) -> Result<Annotations, GovError> {
    let subject = subject(conn, target)?;
    of_subject(conn, &subject)
}

/// The metadata of a subject (a node id).
pub fn of_subject(conn: &Connection, subject: &str) -> Result<Annotations, GovError> {
    let fields = annotations::current(conn, subject)?;
    Ok(Annotations::from_fields(subject.to_string(), fields))
}

/// Checks a field and its value: a description (at most 64 KiB), `tag:KEY` (a key of 1–250
/// printable characters, not `pedigree.…`, which names Pedigree's own tags on remotes; a value
/// of at most 100,000 characters: MLflow's registry limits) or a stage.
pub fn validate(field: &str, value: Option<&str>) -> Result<(), GovError> {
    let bad = |expected| Err(GovError::BadValue { field: "tag", value: field.trim_start_matches(TAG).to_string(), expected });
    match field {
        DESCRIPTION if value.is_some_and(|v| v.len() > 65_536) => {
            Err(GovError::BadValue { field: "description", value: "…".into(), expected: "at most 64 KiB" })
        }
        DESCRIPTION => Ok(()),
        STAGE => match value {
            Some(v) if !STAGES.contains(&v) => Err(GovError::NotOneOf { field: "stage", value: v.into(), allowed: STAGES }),
            _ => Ok(()),
        },
        f => {
            let Some(key) = f.strip_prefix(TAG) else {
                return Err(GovError::NotOneOf {
                    field: "field",
                    value: f.into(),
                    allowed: &["description", "stage", "tag:KEY"],
                });
            };
            if key.is_empty() || key.chars().count() > 250 || key.chars().any(char::is_control) || key.trim() != key {
                return bad("a tag key has 1 to 250 characters, no control characters, no spaces around it");
            }
            if key.starts_with("pedigree.") {
                return bad("keys starting pedigree. are Pedigree's own (written on remotes); choose another");
            }
            if value.is_some_and(|v| v.chars().count() > 100_000) {
                return bad("a tag value has at most 100,000 characters");
            }
            Ok(())
        }
    }
}

/// Sets (`Some`) or clears (`None`) one field of `target`, audited. `remote`: the remote the
/// change came from (a sync), else it was made here. A value equal to the current one changes
/// nothing and appends nothing.
pub fn set(
    conn: &Connection,
    target: &str,
    field: &str,
    value: Option<&str>,
    actor: &str,
    remote: Option<&str>,
) -> Result<Annotations, GovError> {
    validate(field, value)?;
    let subject = subject(conn, target)?;
    put(conn, &subject, field, value, actor, remote)?;
    of_subject(conn, &subject)
}

/// [`set`] on a subject already resolved (a node id). True when it changed anything.
pub fn put(
    conn: &Connection,
    subject: &str,
    field: &str,
    value: Option<&str>,
    actor: &str,
    remote: Option<&str>,
) -> Result<bool, GovError> {
    let current = annotations::current(conn, subject)?;
    let before = current.get(field).map(String::as_str);
    // A description cleared is an empty one (the registration message is not shown again).
    let value = if field == DESCRIPTION { Some(value.unwrap_or("")) } else { value };
    if before == value {
        return Ok(false);
    }
    let now = audit::now();
    let mut payload = json!({"field": field, "value": value, "previous": before});
    if let Some(r) = remote {
        payload["remote"] = json!(r);
    }
    let seq = audit::append(conn, &now, actor, "annotate", subject, &payload)?;
    annotations::put(conn, subject, field, value, actor, &now, seq)?;
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_are_checked() {
        validate("description", Some("anything")).unwrap();
        validate("tag:team", Some("fraud")).unwrap();
        validate("stage", Some("Production")).unwrap();
        validate("stage", None).unwrap();
        for (field, value) in [
            ("stage", Some("production")),
            ("tag:pedigree.semver", Some("1.0.0")),
            ("tag:", Some("x")),
            ("tag: padded", Some("x")),
            ("colour", Some("red")),
        ] {
            assert!(validate(field, value).is_err(), "{field} {value:?}");
        }
        assert!(validate("tag:k", Some(&"x".repeat(100_001))).is_err());
        validate("tag:k", Some(&"x".repeat(100_000))).unwrap();
    }
}
