//! Datasets and dataset versions (manifest + root digest; bytes are not copied).

use rusqlite::{Connection, OptionalExtension, params};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::CatalogError;
use super::models::FileEntry;

/// One dataset version.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct DatasetVersion {
    pub dataset: String,
    pub version: String,
    pub root_digest: String,
    pub source_uri: String,
    pub file_count: u32,
    #[ts(type = "number")]
    pub total_size: u64,
    pub created_by: String,
    pub created_at: String,
}

pub fn dataset_id(conn: &Connection, name: &str) -> Result<Option<i64>, CatalogError> {
    Ok(conn.query_row("SELECT id FROM datasets WHERE name = ?1", [name], |r| r.get(0)).optional()?)
}

pub fn insert_dataset(conn: &Connection, name: &str, by: &str, at: &str) -> Result<i64, CatalogError> {
    conn.execute("INSERT INTO datasets (name, created_by, created_at) VALUES (?1, ?2, ?3)", params![name, by, at])?;
    Ok(conn.last_insert_rowid())
}

fn from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<DatasetVersion> {
    Ok(DatasetVersion {
        dataset: r.get(0)?,
        version: r.get(1)?,
        root_digest: r.get(2)?,
        source_uri: r.get(3)?,
        file_count: r.get(4)?,
        total_size: r.get::<_, i64>(5)? as u64,
        created_by: r.get(6)?,
        created_at: r.get(7)?,
    })
}

const COLS: &str =
    "d.name, dv.version, dv.root_digest, dv.source_uri, dv.file_count, dv.total_size, dv.created_by, dv.created_at";

pub fn get(conn: &Connection, name: &str, version: &str) -> Result<Option<DatasetVersion>, CatalogError> {
    Ok(conn
        .query_row(
            &format!("SELECT {COLS} FROM dataset_versions dv JOIN datasets d ON d.id = dv.dataset_id WHERE d.name = ?1 AND dv.version = ?2"),
            params![name, version],
            from_row,
        )
        .optional()?)
}

/// A dataset version with exactly this content, if one is registered.
pub fn by_root(conn: &Connection, root_digest: &str) -> Result<Option<DatasetVersion>, CatalogError> {
    Ok(conn
        .query_row(
            &format!("SELECT {COLS} FROM dataset_versions dv JOIN datasets d ON d.id = dv.dataset_id WHERE dv.root_digest = ?1 ORDER BY dv.id LIMIT 1"),
            [root_digest],
            from_row,
        )
        .optional()?)
}

/// A dataset version's row id and the audit event that registered it.
pub fn version_key(conn: &Connection, name: &str, version: &str) -> Result<Option<(i64, i64)>, CatalogError> {
    Ok(conn
        .query_row(
            "SELECT dv.id, dv.audit_seq FROM dataset_versions dv JOIN datasets d ON d.id = dv.dataset_id
             WHERE d.name = ?1 AND dv.version = ?2",
            params![name, version],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?)
}

/// Moves a dataset version to another number (a team conflict: registered apart under one
/// number), renaming its node everywhere, and the erasure requests and evaluations naming it.
pub fn rename_version(conn: &Connection, id: i64, name: &str, old: &str, new: &str) -> Result<(), CatalogError> {
    conn.execute("UPDATE dataset_versions SET version = ?2 WHERE id = ?1", params![id, new])?;
    let (old_node, new_node) = (crate::ids::dataset_node(name, old), crate::ids::dataset_node(name, new));
    for (from, to) in [(format!("{name}@{old}"), format!("{name}@{new}")), (old_node.clone(), new_node.clone())] {
        conn.execute("UPDATE erasure_requests SET dataset = ?2 WHERE dataset = ?1", params![from, to])?;
        conn.execute("UPDATE evaluations SET dataset = ?2 WHERE dataset = ?1", params![from, to])?;
    }
    super::graph::rename_node(conn, &old_node, &new_node)
}

/// Number of versions of a dataset (versions are numbered 1, 2, 3…).
pub fn version_count(conn: &Connection, dataset_id: i64) -> Result<i64, CatalogError> {
    Ok(conn.query_row("SELECT COUNT(*) FROM dataset_versions WHERE dataset_id = ?1", [dataset_id], |r| r.get(0))?)
}

#[allow(clippy::too_many_arguments)]
pub fn insert_version(
    conn: &Connection,
    dataset_id: i64,
    version: &str,
    root_digest: &str,
    source_uri: &str,
    files: &[FileEntry],
    by: &str,
    at: &str,
    audit_seq: i64,
) -> Result<i64, CatalogError> {
    conn.execute(
        "INSERT INTO dataset_versions (dataset_id, version, root_digest, source_uri, file_count, total_size, created_by, created_at, audit_seq)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        params![
            dataset_id,
            version,
            root_digest,
            source_uri,
            files.len() as i64,
            files.iter().map(|f| f.size as i64).sum::<i64>(),
            by,
            at,
            audit_seq
        ],
    )?;
    let id = conn.last_insert_rowid();
    let mut stmt =
        conn.prepare_cached("INSERT INTO dataset_files (dataset_version_id, path, size, sha256) VALUES (?1, ?2, ?3, ?4)")?;
    for f in files {
        stmt.execute(params![id, f.path, f.size as i64, f.sha256])?;
    }
    Ok(id)
}

/// The name and number of the dataset version registered by audit event `seq` (the number may
/// have moved since: a team conflict).
pub fn registered_by(conn: &Connection, seq: i64) -> Result<Option<(String, String)>, CatalogError> {
    Ok(conn
        .query_row(
            "SELECT d.name, dv.version FROM dataset_versions dv JOIN datasets d ON d.id = dv.dataset_id WHERE dv.audit_seq = ?1",
            [seq],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?)
}

/// The files of a dataset version (path, size, sha256; no format), by path.
pub fn files(conn: &Connection, name: &str, version: &str) -> Result<Vec<FileEntry>, CatalogError> {
    let mut stmt = conn.prepare_cached(
        "SELECT f.path, f.size, f.sha256 FROM dataset_files f
         JOIN dataset_versions dv ON dv.id = f.dataset_version_id JOIN datasets d ON d.id = dv.dataset_id
         WHERE d.name = ?1 AND dv.version = ?2 ORDER BY f.path",
    )?;
    let rows = stmt.query_map(params![name, version], |r| {
        Ok(FileEntry { path: r.get(0)?, size: r.get::<_, i64>(1)? as u64, sha256: r.get(2)?, format: String::new() })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}
