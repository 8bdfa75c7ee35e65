//! Annotations: the editable metadata of a model or a version, by node id — a description, tags
//! (field `tag:KEY`) and MLflow's legacy stage (rows only; the rules and audit events are in
//! `governance::annotations`, the sync with remotes in `sync::fields`).

use std::collections::BTreeMap;

use rusqlite::{Connection, params};

use super::CatalogError;

/// Fields of one subject: field → value.
pub type Fields = BTreeMap<String, String>;

/// The fields of one subject (`model:NAME`, `version:NAME@VERSION`).
pub fn of(conn: &Connection, subject: &str) -> Result<Fields, CatalogError> {
    let mut stmt = conn.prepare_cached("SELECT field, value FROM annotations WHERE subject = ?1 ORDER BY field")?;
    let rows = stmt.query_map([subject], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Every subject's fields, in one read (a sync compares all of them).
pub fn all(conn: &Connection) -> Result<BTreeMap<String, Fields>, CatalogError> {
    let mut stmt = conn.prepare_cached("SELECT subject, field, value FROM annotations")?;
    let mut out: BTreeMap<String, Fields> = BTreeMap::new();
    let mut rows = stmt.query([])?;
    while let Some(r) = rows.next()? {
        out.entry(r.get(0)?).or_default().insert(r.get(1)?, r.get(2)?);
    }
    Ok(out)
}

/// Sets (`Some`) or removes (`None`) one field.
pub fn put(
    conn: &Connection,
    subject: &str,
    field: &str,
    value: Option<&str>,
    by: &str,
    at: &str,
    seq: i64,
) -> Result<(), CatalogError> {
    match value {
        Some(v) => conn.execute(
            "INSERT INTO annotations (subject, field, value, set_by, set_at, audit_seq) VALUES (?1, ?2, ?3, ?4, ?5, ?6)
             ON CONFLICT (subject, field) DO UPDATE SET value = ?3, set_by = ?4, set_at = ?5, audit_seq = ?6",
            params![subject, field, v, by, at, seq],
        )?,
        None => conn.execute("DELETE FROM annotations WHERE subject = ?1 AND field = ?2", params![subject, field])?,
    };
    Ok(())
}

/// What a subject's description is until one is set: a model's stored description, a version's
/// registration message.
pub fn default_description(conn: &Connection, subject: &str) -> Result<String, CatalogError> {
    use rusqlite::OptionalExtension;
    let found = if let Some(name) = subject.strip_prefix("model:") {
        conn.query_row("SELECT description FROM models WHERE name = ?1", [name], |r| r.get(0)).optional()?
    } else if let Some((model, version)) = subject.strip_prefix("version:").and_then(|r| r.rsplit_once('@')) {
        conn.query_row(
            "SELECT v.message FROM versions v JOIN models m ON m.id = v.model_id WHERE m.name = ?1 AND v.version = ?2",
            params![model, version],
            |r| r.get(0),
        )
        .optional()?
    } else {
        None
    };
    Ok(found.unwrap_or_default())
}

/// A subject's fields with its description filled in from [`default_description`] when none was
/// set.
pub fn effective(conn: &Connection, subject: &str, mut fields: Fields) -> Result<Fields, CatalogError> {
    if !fields.contains_key(DESCRIPTION) {
        fields.insert(DESCRIPTION.into(), default_description(conn, subject)?);
    }
    Ok(fields)
}

/// A subject's fields as they stand: [`of`] with the description filled in by [`effective`].
pub fn current(conn: &Connection, subject: &str) -> Result<Fields, CatalogError> {
    effective(conn, subject, of(conn, subject)?)
}

/// The description field.
pub const DESCRIPTION: &str = "description";
/// MLflow's legacy stage (`Staging`, `Production`, `Archived`; absent: none).
pub const STAGE: &str = "stage";
/// Tags are fields `tag:KEY`.
pub const TAG: &str = "tag:";
