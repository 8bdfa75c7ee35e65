//! Models, versions and their file manifests.

use std::collections::BTreeMap;

use rusqlite::{Connection, OptionalExtension, params};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::{CatalogError, json};
use crate::sniff::Interface;

/// One row of the models list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ModelSummary {
    pub name: String,
    pub description: String,
    pub owner: Option<String>,
    pub version_count: u32,
    pub latest_version: Option<String>,
    pub latest_at: Option<String>,
    pub created_by: String,
    pub created_at: String,
}

/// One row of a model's versions list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct VersionSummary {
    pub model: String,
    pub version: String,
    pub status: String,
    pub format: String,
    pub root_digest: String,
    pub file_count: u32,
    #[ts(type = "number")]
    pub total_size: u64,
    pub bump: String,
    pub metrics: BTreeMap<String, f64>,
    pub message: String,
    pub created_by: String,
    pub created_at: String,
}

/// One file of a version's manifest.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct FileEntry {
    pub path: String,
    #[ts(type = "number")]
    pub size: u64,
    pub sha256: String,
    pub format: String,
}

/// Everything stored about one version.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct VersionRecord {
    #[serde(flatten)]
    pub summary: VersionSummary,
    /// SHA-256 of the canonical JSON manifest (paths, sizes and digests).
    pub manifest_digest: String,
    pub weights_digest: String,
    pub interface: Interface,
    pub sniffed: BTreeMap<String, BTreeMap<String, String>>,
    pub params: BTreeMap<String, String>,
    pub environment: Option<String>,
    pub bump_reason: String,
    pub audit_seq: u32,
    pub files: Vec<FileEntry>,
    /// How the files were put in the store: `copy`, `reflink` (copy-on-write clones) or
    /// `hardlink` (hard links to the registered files, made read-only).
    pub storage: String,
}

/// A version to insert (the caller has validated it and appended its audit event).
#[derive(Debug, Clone)]
pub struct NewVersion<'a> {
    pub model_id: i64,
    pub version: &'a semver::Version,
    pub root_digest: &'a str,
    pub manifest_digest: &'a str,
    pub weights_digest: &'a str,
    pub format: &'a str,
    pub interface: &'a Interface,
    pub sniffed: &'a BTreeMap<String, BTreeMap<String, String>>,
    pub params: &'a BTreeMap<String, String>,
    pub metrics: &'a BTreeMap<String, f64>,
    pub environment: Option<&'a str>,
    pub bump: &'a str,
    pub bump_reason: &'a str,
    pub message: &'a str,
    pub files: &'a [FileEntry],
    /// How the files were put in the store: copy, reflink or hardlink.
    pub storage: &'a str,
    pub created_by: &'a str,
    pub created_at: &'a str,
    pub audit_seq: i64,
}

/// A sort key whose byte order is semver precedence (pre-releases sort before the release).
pub fn sort_key(v: &semver::Version) -> String {
    let pre = if v.pre.is_empty() { "~".to_string() } else { format!("-{}", v.pre) };
    format!("{:016x}.{:016x}.{:016x}{pre}", v.major, v.minor, v.patch)
}

pub fn model_id(conn: &Connection, name: &str) -> Result<Option<i64>, CatalogError> {
    Ok(conn.query_row("SELECT id FROM models WHERE name = ?1", [name], |r| r.get(0)).optional()?)
}

pub fn insert_model(conn: &Connection, name: &str, by: &str, at: &str, audit_seq: i64) -> Result<i64, CatalogError> {
    conn.execute(
        "INSERT INTO models (name, created_by, created_at, audit_seq) VALUES (?1, ?2, ?3, ?4)",
        params![name, by, at, audit_seq],
    )?;
    Ok(conn.last_insert_rowid())
}

const MODEL_COLS: &str = "m.name, m.description, m.owner, m.created_by, m.created_at,
     (SELECT COUNT(*) FROM versions v WHERE v.model_id = m.id),
     (SELECT v.version FROM versions v WHERE v.model_id = m.id ORDER BY v.sort_key DESC LIMIT 1),
     (SELECT v.created_at FROM versions v WHERE v.model_id = m.id ORDER BY v.sort_key DESC LIMIT 1)";

fn model_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<ModelSummary> {
    Ok(ModelSummary {
        name: r.get(0)?,
        description: r.get(1)?,
        owner: r.get(2)?,
        created_by: r.get(3)?,
        created_at: r.get(4)?,
        version_count: r.get(5)?,
        latest_version: r.get(6)?,
        latest_at: r.get(7)?,
    })
}

/// Models whose name contains `filter`, ordered by name, after `after` (keyset paging).
pub fn list_models(conn: &Connection, filter: &str, after: &str, limit: u32) -> Result<Vec<ModelSummary>, CatalogError> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {MODEL_COLS} FROM models m
         WHERE m.name > ?1 AND (?2 = '' OR instr(m.name, ?2) > 0)
         ORDER BY m.name LIMIT ?3"
    ))?;
    let rows = stmt.query_map(params![after, filter, limit], model_from_row)?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// The lines of model `main`: itself (when it has a row) and its variants (`main/VARIANT`),
/// by name.
pub fn lines(conn: &Connection, main: &str) -> Result<Vec<ModelSummary>, CatalogError> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {MODEL_COLS} FROM models m
         WHERE m.name = ?1 OR substr(m.name, 1, length(?1) + 1) = ?1 || '/'
         ORDER BY m.name"
    ))?;
    let rows = stmt.query_map([main], model_from_row)?;
    Ok(rows.collect::<Result<_, _>>()?)
}

const SUMMARY_COLS: &str = "m.name, v.version, v.status, v.format, v.root_digest, v.file_count, v.total_size,
     v.bump, v.metrics, v.message, v.created_by, v.created_at";

fn summary_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<(VersionSummary, String)> {
    Ok((
        VersionSummary {
            model: r.get(0)?,
            version: r.get(1)?,
            status: r.get(2)?,
            format: r.get(3)?,
            root_digest: r.get(4)?,
            file_count: r.get(5)?,
            total_size: r.get::<_, i64>(6)? as u64,
            bump: r.get(7)?,
            metrics: BTreeMap::new(),
            message: r.get(9)?,
            created_by: r.get(10)?,
            created_at: r.get(11)?,
        },
        r.get::<_, String>(8)?,
    ))
}

fn with_metrics((mut s, metrics): (VersionSummary, String)) -> Result<VersionSummary, CatalogError> {
    s.metrics = json("versions.metrics", &metrics)?;
    Ok(s)
}

/// A page of a model's versions, newest (highest semver) first.
pub fn list_versions(conn: &Connection, model_id: i64, offset: u32, limit: u32) -> Result<Vec<VersionSummary>, CatalogError> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {SUMMARY_COLS} FROM versions v JOIN models m ON m.id = v.model_id
         WHERE v.model_id = ?1 ORDER BY v.sort_key DESC LIMIT ?2 OFFSET ?3"
    ))?;
    let rows = stmt.query_map(params![model_id, limit, offset], summary_from_row)?;
    rows.map(|r| with_metrics(r?)).collect()
}

pub fn version_count(conn: &Connection, model_id: i64) -> Result<u32, CatalogError> {
    Ok(conn.query_row("SELECT COUNT(*) FROM versions WHERE model_id = ?1", [model_id], |r| r.get(0))?)
}

/// The highest version of a model by semver precedence.
pub fn latest_version(conn: &Connection, model_id: i64) -> Result<Option<VersionRecord>, CatalogError> {
    let v: Option<String> = conn
        .query_row("SELECT version FROM versions WHERE model_id = ?1 ORDER BY sort_key DESC LIMIT 1", [model_id], |r| r.get(0))
        .optional()?;
    match v {
        Some(v) => get_version(conn, model_id, &v),
        None => Ok(None),
    }
}

/// One version with its manifest.
pub fn get_version(conn: &Connection, model_id: i64, version: &str) -> Result<Option<VersionRecord>, CatalogError> {
    let row = conn
        .query_row(
            &format!(
                "SELECT {SUMMARY_COLS}, v.id, v.weights_digest, v.interface, v.sniffed, v.params, v.environment,
                        v.bump_reason, v.audit_seq, v.manifest_digest, v.storage
                 FROM versions v JOIN models m ON m.id = v.model_id WHERE v.model_id = ?1 AND v.version = ?2"
            ),
            params![model_id, version],
            |r| {
                Ok((
                    summary_from_row(r)?,
                    r.get::<_, i64>(12)?,
                    r.get::<_, String>(13)?,
                    r.get::<_, String>(14)?,
                    r.get::<_, String>(15)?,
                    r.get::<_, String>(16)?,
                    r.get::<_, Option<String>>(17)?,
                    r.get::<_, String>(18)?,
                    r.get::<_, u32>(19)?,
                    r.get::<_, String>(20)?,
                    r.get::<_, String>(21)?,
                ))
            },
        )
        .optional()?;
    let Some((
        summary,
        id,
        weights_digest,
        interface,
        sniffed,
        params,
        environment,
        bump_reason,
        audit_seq,
        manifest_digest,
        storage,
    )) = row
    else {
        return Ok(None);
    };
    let mut stmt =
        conn.prepare_cached("SELECT path, size, sha256, format FROM version_files WHERE version_id = ?1 ORDER BY path")?;
    let files = stmt
        .query_map([id], |r| {
            Ok(FileEntry { path: r.get(0)?, size: r.get::<_, i64>(1)? as u64, sha256: r.get(2)?, format: r.get(3)? })
        })?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Some(VersionRecord {
        summary: with_metrics(summary)?,
        manifest_digest,
        weights_digest,
        interface: json("versions.interface", &interface)?,
        sniffed: json("versions.sniffed", &sniffed)?,
        params: json("versions.params", &params)?,
        environment,
        bump_reason,
        audit_seq,
        files,
        storage,
    }))
}

pub fn insert_version(conn: &Connection, v: &NewVersion<'_>) -> Result<i64, CatalogError> {
    let to_json = |x: &dyn erased::Ser| x.to_json();
    conn.execute(
        "INSERT INTO versions (model_id, version, sort_key, root_digest, manifest_digest, weights_digest, format, interface, sniffed,
                               params, metrics, environment, bump, bump_reason, message, file_count, total_size,
                               created_by, created_at, audit_seq, storage)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21)",
        params![
            v.model_id,
            v.version.to_string(),
            sort_key(v.version),
            v.root_digest,
            v.manifest_digest,
            v.weights_digest,
            v.format,
            to_json(v.interface),
            to_json(v.sniffed),
            to_json(v.params),
            to_json(v.metrics),
            v.environment,
            v.bump,
            v.bump_reason,
            v.message,
            v.files.len() as i64,
            v.files.iter().map(|f| f.size as i64).sum::<i64>(),
            v.created_by,
            v.created_at,
            v.audit_seq,
            v.storage,
        ],
    )?;
    let id = conn.last_insert_rowid();
    let mut stmt =
        conn.prepare_cached("INSERT INTO version_files (version_id, path, size, sha256, format) VALUES (?1, ?2, ?3, ?4, ?5)")?;
    for f in v.files {
        stmt.execute(params![id, f.path, f.size as i64, f.sha256, f.format])?;
    }
    Ok(id)
}

/// Versions (as `(model, version)`) holding a file with this digest: candidate parents.
pub fn versions_with_file(conn: &Connection, sha256: &str, limit: u32) -> Result<Vec<(String, String)>, CatalogError> {
    let mut stmt = conn.prepare_cached(
        "SELECT DISTINCT m.name, v.version FROM version_files f
         JOIN versions v ON v.id = f.version_id JOIN models m ON m.id = v.model_id
         WHERE f.sha256 = ?1 ORDER BY v.created_at DESC LIMIT ?2",
    )?;
    let rows = stmt.query_map(params![sha256, limit], |r| Ok((r.get(0)?, r.get(1)?)))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Every audit seq referenced by a model, version or dataset version row (for verification).
pub fn referenced_audit_seqs(conn: &Connection) -> Result<Vec<(String, i64)>, CatalogError> {
    let mut stmt = conn.prepare(
        "SELECT 'model:' || name, audit_seq FROM models
         UNION ALL SELECT 'version:' || m.name || '@' || v.version, v.audit_seq FROM versions v JOIN models m ON m.id = v.model_id
         UNION ALL SELECT 'dataset:' || d.name || '@' || dv.version, dv.audit_seq FROM dataset_versions dv JOIN datasets d ON d.id = dv.dataset_id",
    )?;
    let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

mod erased {
    /// Serialises any catalog value to its JSON column text.
    pub trait Ser {
        fn to_json(&self) -> String;
    }
    impl<T: serde::Serialize> Ser for T {
        fn to_json(&self) -> String {
            serde_json::to_string(self).expect("catalog values serialise")
        }
    }
}

/// What governance needs to know of a version found by name.
pub struct VersionKey {
    pub id: i64,
    pub model_id: i64,
    pub status: String,
    pub created_by: String,
    /// The audit event that registered it.
    pub audit_seq: i64,
}

pub fn version_key(conn: &Connection, model: &str, version: &str) -> Result<Option<VersionKey>, CatalogError> {
    Ok(conn
        .query_row(
            "SELECT v.id, v.model_id, v.status, v.created_by, v.audit_seq FROM versions v JOIN models m ON m.id = v.model_id
             WHERE m.name = ?1 AND v.version = ?2",
            params![model, version],
            |r| {
                Ok(VersionKey {
                    id: r.get(0)?,
                    model_id: r.get(1)?,
                    status: r.get(2)?,
                    created_by: r.get(3)?,
                    audit_seq: r.get(4)?,
                })
            },
        )
        .optional()?)
}

/// Moves a version to another lifecycle status.
pub fn set_status(conn: &Connection, version_id: i64, status: &str) -> Result<(), CatalogError> {
    conn.execute("UPDATE versions SET status = ?2 WHERE id = ?1", params![version_id, status])?;
    Ok(())
}

/// Records per-tensor digests of a version's files: (path, tensor, sha256).
pub fn insert_tensor_digests(
    conn: &Connection,
    version_id: i64,
    digests: &[(String, String, String)],
) -> Result<(), CatalogError> {
    let mut st =
        conn.prepare_cached("INSERT OR IGNORE INTO tensor_digests (version_id, path, tensor, sha256) VALUES (?1, ?2, ?3, ?4)")?;
    for (path, tensor, sha) in digests {
        st.execute(params![version_id, path, tensor, sha])?;
    }
    Ok(())
}

/// A version's per-tensor digests as (path, tensor, sha256), by path then tensor; empty for
/// versions registered before digests were recorded.
pub fn tensor_digests(conn: &Connection, version_id: i64) -> Result<Vec<(String, String, String)>, CatalogError> {
    let mut st =
        conn.prepare_cached("SELECT path, tensor, sha256 FROM tensor_digests WHERE version_id = ?1 ORDER BY path, tensor")?;
    let rows = st.query_map([version_id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?.collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}

/// The version of a model whose files have this root digest (the same bytes registered before).
pub fn version_with_root(conn: &Connection, model_id: i64, root_digest: &str) -> Result<Option<(String, String)>, CatalogError> {
    Ok(conn
        .query_row(
            "SELECT version, manifest_digest FROM versions WHERE model_id = ?1 AND root_digest = ?2 ORDER BY id LIMIT 1",
            params![model_id, root_digest],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?)
}

/// Whether a model has a version of exactly this many files and bytes (a cheap test before
/// hashing files to compare them with its versions).
pub fn has_version_sized(conn: &Connection, model_id: i64, file_count: u32, total_size: u64) -> Result<bool, CatalogError> {
    Ok(conn
        .query_row(
            "SELECT 1 FROM versions WHERE model_id = ?1 AND file_count = ?2 AND total_size = ?3 LIMIT 1",
            params![model_id, file_count, total_size as i64],
            |_| Ok(()),
        )
        .optional()?
        .is_some())
}

/// Gives a version another number (kept apart after a conflict): the row, and every reference to
/// its node id (lineage, annotations, the artifact it came from, registry bindings, erasure
/// impacts).
pub fn rename_version(
    conn: &Connection,
    version_id: i64,
    new_version: &str,
    old_node: &str,
    new_node: &str,
) -> Result<(), CatalogError> {
    conn.execute("UPDATE versions SET version = ?2 WHERE id = ?1", params![version_id, new_version])?;
    super::graph::rename_node(conn, old_node, new_node)
}

/// Makes an earlier creation of the model (first in the team's order) its recorded creation.
pub fn set_created(conn: &Connection, model_id: i64, by: &str, at: &str, audit_seq: i64) -> Result<(), CatalogError> {
    conn.execute(
        "UPDATE models SET created_by = ?2, created_at = ?3, audit_seq = ?4 WHERE id = ?1",
        params![model_id, by, at, audit_seq],
    )?;
    Ok(())
}

/// The audit event that created a model.
pub fn created_seq(conn: &Connection, model_id: i64) -> Result<i64, CatalogError> {
    Ok(conn.query_row("SELECT audit_seq FROM models WHERE id = ?1", [model_id], |r| r.get(0))?)
}

/// The model and version number a registration event recorded (its number here, which differs
/// from the event's after a conflict between members).
pub fn registered_by(conn: &Connection, audit_seq: i64) -> Result<Option<(String, String)>, CatalogError> {
    Ok(conn
        .query_row(
            "SELECT m.name, v.version FROM versions v JOIN models m ON m.id = v.model_id WHERE v.audit_seq = ?1",
            [audit_seq],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?)
}
