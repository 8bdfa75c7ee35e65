//! SQL for artifact stores: the store rows, the per-file stat cache and discovered artifacts.

use rusqlite::{Connection, OptionalExtension, params};

use super::CatalogError;

/// One row of `stores`.
#[derive(Debug, Clone)]
pub struct StoreRow {
    pub id: i64,
    pub name: String,
    pub uri: String,
    pub kind: String,
    pub options: String,
    pub sealed_secret: Option<Vec<u8>>,
    pub created_at: String,
    pub last_indexed_at: Option<String>,
    pub last_report: Option<String>,
}

const STORE_COLS: &str = "id, name, uri, kind, options, sealed_secret, created_at, last_indexed_at, last_report";

fn store_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<StoreRow> {
    Ok(StoreRow {
        id: r.get(0)?,
        name: r.get(1)?,
        uri: r.get(2)?,
        kind: r.get(3)?,
        options: r.get(4)?,
        sealed_secret: r.get(5)?,
        created_at: r.get(6)?,
        last_indexed_at: r.get(7)?,
        last_report: r.get(8)?,
    })
}

pub struct NewStore<'a> {
    pub name: &'a str,
    pub uri: &'a str,
    pub kind: &'a str,
    pub options: &'a str,
    pub sealed_secret: Option<&'a [u8]>,
    pub created_by: &'a str,
    pub created_at: &'a str,
    pub audit_seq: i64,
}

pub fn insert_store(conn: &Connection, s: &NewStore<'_>) -> Result<i64, CatalogError> {
    conn.execute(
        "INSERT INTO stores (name, uri, kind, options, sealed_secret, created_by, created_at, audit_seq)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        params![s.name, s.uri, s.kind, s.options, s.sealed_secret, s.created_by, s.created_at, s.audit_seq],
    )?;
    Ok(conn.last_insert_rowid())
}

pub fn get_store(conn: &Connection, name: &str) -> Result<Option<StoreRow>, CatalogError> {
    Ok(conn.query_row(&format!("SELECT {STORE_COLS} FROM stores WHERE name = ?1"), [name], store_row).optional()?)
}

pub fn list_stores(conn: &Connection) -> Result<Vec<StoreRow>, CatalogError> {
    let mut st = conn.prepare(&format!("SELECT {STORE_COLS} FROM stores ORDER BY name"))?;
    let rows = st.query_map([], store_row)?.collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}

pub fn delete_store(conn: &Connection, id: i64) -> Result<(), CatalogError> {
    conn.execute("DELETE FROM stores WHERE id = ?1", [id])?;
    Ok(())
}

pub fn set_last_report(conn: &Connection, id: i64, at: &str, report: &str) -> Result<(), CatalogError> {
    conn.execute("UPDATE stores SET last_indexed_at = ?2, last_report = ?3 WHERE id = ?1", params![id, at, report])?;
    Ok(())
}

/// Counts for the store list: files, artifacts, unregistered artifacts.
pub fn store_counts(conn: &Connection, id: i64) -> Result<(u64, u64, u64), CatalogError> {
    let files: i64 = conn.query_row("SELECT count(*) FROM store_files WHERE store_id = ?1", [id], |r| r.get(0))?;
    let (arts, unreg): (i64, i64) = conn.query_row(
        "SELECT count(*), count(*) FILTER (WHERE registered_as IS NULL AND kind != 'dvc') FROM artifacts WHERE store_id = ?1",
        [id],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    Ok((files as u64, arts as u64, unreg as u64))
}

/// One row of the stat cache.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileRow {
    pub path: String,
    pub size: u64,
    pub mtime_ns: Option<i64>,
    pub inode: Option<i64>,
    pub sha256: Option<String>,
    pub etag: Option<String>,
    pub version_id: Option<String>,
    pub last_modified: Option<String>,
    pub format: String,
    /// JSON of what the sniffer found (format-specific), when it found something.
    pub sniffed: Option<String>,
    pub error: Option<String>,
}

pub fn load_files(conn: &Connection, store_id: i64) -> Result<Vec<FileRow>, CatalogError> {
    let mut st = conn.prepare_cached(
        "SELECT path, size, mtime_ns, inode, sha256, etag, version_id, last_modified, format, sniffed, error
         FROM store_files WHERE store_id = ?1 ORDER BY path",
    )?;
    let rows = st
        .query_map([store_id], |r| {
            Ok(FileRow {
                path: r.get(0)?,
                size: r.get::<_, i64>(1)? as u64,
                mtime_ns: r.get(2)?,
                inode: r.get(3)?,
                sha256: r.get(4)?,
                etag: r.get(5)?,
                version_id: r.get(6)?,
                last_modified: r.get(7)?,
                format: r.get(8)?,
                sniffed: r.get(9)?,
                error: r.get(10)?,
            })
        })?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}

pub fn upsert_file(conn: &Connection, store_id: i64, f: &FileRow) -> Result<(), CatalogError> {
    let mut st = conn.prepare_cached(
        "INSERT OR REPLACE INTO store_files
         (store_id, path, size, mtime_ns, inode, sha256, etag, version_id, last_modified, format, sniffed, error)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
    )?;
    st.execute(params![
        store_id,
        f.path,
        f.size as i64,
        f.mtime_ns,
        f.inode,
        f.sha256,
        f.etag,
        f.version_id,
        f.last_modified,
        f.format,
        f.sniffed,
        f.error
    ])?;
    Ok(())
}

pub fn delete_file(conn: &Connection, store_id: i64, path: &str) -> Result<(), CatalogError> {
    conn.prepare_cached("DELETE FROM store_files WHERE store_id = ?1 AND path = ?2")?.execute(params![store_id, path])?;
    Ok(())
}

/// One row of `artifacts`.
#[derive(Debug, Clone, PartialEq)]
pub struct ArtifactRow {
    pub id: i64,
    pub store_id: i64,
    pub store: String,
    pub path: String,
    pub kind: String,
    pub format: String,
    pub size: u64,
    pub file_count: u32,
    pub digest: Option<String>,
    pub etag: Option<String>,
    pub sniffed: String,
    pub hints: String,
    pub note: Option<String>,
    pub indexed_at: String,
    pub registered_as: Option<String>,
}

const ART_COLS: &str = "a.id, a.store_id, s.name, a.path, a.kind, a.format, a.size, a.file_count, a.digest, a.etag, a.sniffed, \
                        a.hints, a.note, a.indexed_at, a.registered_as";

fn artifact_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<ArtifactRow> {
    Ok(ArtifactRow {
        id: r.get(0)?,
        store_id: r.get(1)?,
        store: r.get(2)?,
        path: r.get(3)?,
        kind: r.get(4)?,
        format: r.get(5)?,
        size: r.get::<_, i64>(6)? as u64,
        file_count: r.get(7)?,
        digest: r.get(8)?,
        etag: r.get(9)?,
        sniffed: r.get(10)?,
        hints: r.get(11)?,
        note: r.get(12)?,
        indexed_at: r.get(13)?,
        registered_as: r.get(14)?,
    })
}

pub fn store_artifacts(conn: &Connection, store_id: i64) -> Result<Vec<ArtifactRow>, CatalogError> {
    let mut st = conn.prepare(&format!(
        "SELECT {ART_COLS} FROM artifacts a JOIN stores s ON s.id = a.store_id WHERE a.store_id = ?1 ORDER BY a.path"
    ))?;
    let rows = st.query_map([store_id], artifact_row)?.collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}

pub fn get_artifact(conn: &Connection, id: i64) -> Result<Option<ArtifactRow>, CatalogError> {
    Ok(conn
        .query_row(
            &format!("SELECT {ART_COLS} FROM artifacts a JOIN stores s ON s.id = a.store_id WHERE a.id = ?1"),
            [id],
            artifact_row,
        )
        .optional()?)
}

/// A page of artifacts, filtered; plus the total matching.
pub fn list_artifacts(
    conn: &Connection,
    store_id: Option<i64>,
    unregistered_only: bool,
    query: Option<&str>,
    offset: u32,
    limit: u32,
) -> Result<(Vec<ArtifactRow>, u64), CatalogError> {
    let filter = "(?1 IS NULL OR a.store_id = ?1) AND (?2 = 0 OR (a.registered_as IS NULL AND a.kind != 'dvc'))
                  AND (?3 IS NULL OR instr(lower(a.path), lower(?3)) > 0)";
    let total: i64 = conn.query_row(
        &format!("SELECT count(*) FROM artifacts a WHERE {filter}"),
        params![store_id, unregistered_only as i64, query],
        |r| r.get(0),
    )?;
    let mut st = conn.prepare(&format!(
        "SELECT {ART_COLS} FROM artifacts a JOIN stores s ON s.id = a.store_id WHERE {filter}
         ORDER BY s.name, a.path LIMIT ?4 OFFSET ?5"
    ))?;
    let rows = st
        .query_map(params![store_id, unregistered_only as i64, query, limit, offset], artifact_row)?
        .collect::<Result<Vec<_>, _>>()?;
    Ok((rows, total as u64))
}

/// Inserts or updates an artifact by (store, path), keeping its id and registration.
pub fn upsert_artifact(conn: &Connection, a: &ArtifactRow) -> Result<i64, CatalogError> {
    conn.prepare_cached(
        "INSERT INTO artifacts (store_id, path, kind, format, size, file_count, digest, etag, sniffed, hints, note, indexed_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)
         ON CONFLICT (store_id, path) DO UPDATE SET kind = excluded.kind, format = excluded.format, size = excluded.size,
           file_count = excluded.file_count, digest = excluded.digest, etag = excluded.etag, sniffed = excluded.sniffed,
           hints = excluded.hints, note = excluded.note, indexed_at = excluded.indexed_at,
           registered_as = CASE WHEN artifacts.digest IS excluded.digest AND artifacts.etag IS excluded.etag
                                THEN artifacts.registered_as END",
    )?
    .execute(params![
        a.store_id,
        a.path,
        a.kind,
        a.format,
        a.size as i64,
        a.file_count,
        a.digest,
        a.etag,
        a.sniffed,
        a.hints,
        a.note,
        a.indexed_at
    ])?;
    Ok(conn.query_row("SELECT id FROM artifacts WHERE store_id = ?1 AND path = ?2", params![a.store_id, a.path], |r| r.get(0))?)
}

pub fn delete_artifact(conn: &Connection, id: i64) -> Result<(), CatalogError> {
    conn.execute("DELETE FROM artifacts WHERE id = ?1", [id])?;
    Ok(())
}

pub fn set_registered(conn: &Connection, id: i64, node: &str, digest: Option<&str>) -> Result<(), CatalogError> {
    conn.execute(
        "UPDATE artifacts SET registered_as = ?2, digest = coalesce(digest, ?3) WHERE id = ?1",
        params![id, node, digest],
    )?;
    Ok(())
}

/// Registered versions whose root digest equals `digest` (an indexed artifact already registered).
pub fn version_with_root(conn: &Connection, digest: &str) -> Result<Option<String>, CatalogError> {
    Ok(conn
        .query_row(
            "SELECT m.name || '@' || v.version FROM versions v JOIN models m ON m.id = v.model_id WHERE v.root_digest = ?1
             ORDER BY v.id LIMIT 1",
            [digest],
            |r| r.get(0),
        )
        .optional()?)
}

/// The version registered from the indexed artifact at `uri` (its store's URI and its path), if
/// one was.
pub fn registered_at_uri(conn: &Connection, uri: &str) -> Result<Option<String>, CatalogError> {
    Ok(conn
        .query_row(
            "SELECT a.registered_as FROM artifacts a JOIN stores s ON s.id = a.store_id
             WHERE a.registered_as IS NOT NULL AND rtrim(s.uri, '/') || '/' || a.path = ?1 ORDER BY a.id DESC LIMIT 1",
            [uri],
            |r| r.get(0),
        )
        .optional()?)
}

/// The versions registered from Hugging Face cache snapshots of repository `repo` (`ORG/NAME`),
/// newest registration first, as `version:MODEL@VERSION` nodes.
pub fn registered_from_hf_repo(conn: &Connection, repo: &str) -> Result<Vec<String>, CatalogError> {
    let mut st = conn.prepare(
        "SELECT registered_as FROM artifacts
         WHERE registered_as IS NOT NULL AND json_extract(sniffed, '$.metadata.\"hf.repo\"') = ?1
         ORDER BY id DESC",
    )?;
    let rows = st.query_map([repo], |r| r.get(0))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Versions (`MODEL@VERSION`) a digest names exactly: by root, manifest or weights digest, as
/// their only file, or as the digest a registry binding recorded (an OCI manifest). Oldest first.
pub fn versions_by_digest(conn: &Connection, hex: &str) -> Result<Vec<String>, CatalogError> {
    let mut st = conn.prepare_cached(
        "SELECT DISTINCT m.name || '@' || v.version, v.id FROM versions v JOIN models m ON m.id = v.model_id
         WHERE v.root_digest = ?1 OR v.manifest_digest = ?1 OR v.weights_digest = ?1
            OR (v.file_count = 1 AND EXISTS (SELECT 1 FROM version_files f WHERE f.version_id = v.id AND f.sha256 = ?1))
            OR 'version:' || m.name || '@' || v.version IN
               (SELECT local FROM bindings WHERE digest = ?1 OR digest = 'sha256:' || ?1 OR remote_key LIKE '%sha256:' || ?1)
         ORDER BY v.id",
    )?;
    let rows = st.query_map([hex], |r| r.get(0))?.collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}

/// The indexed files under `uri` (a store's URI and a path inside it, a folder or one file),
/// as (path below `uri`, SHA-256) in path order; files not hashed yet have no digest.
pub fn files_under_uri(conn: &Connection, uri: &str) -> Result<Vec<(String, Option<String>)>, CatalogError> {
    let uri = uri.trim_end_matches('/');
    let mut st = conn.prepare_cached(
        "SELECT rtrim(s.uri, '/') || '/' || f.path, f.sha256 FROM store_files f JOIN stores s ON s.id = f.store_id
         WHERE f.error IS NULL AND (rtrim(s.uri, '/') || '/' || f.path = ?1
            OR substr(rtrim(s.uri, '/') || '/' || f.path, 1, length(?1) + 1) = ?1 || '/')
         ORDER BY 1",
    )?;
    let rows = st.query_map([uri], |r| Ok((r.get::<_, String>(0)?, r.get(1)?)))?;
    let mut out = Vec::new();
    for row in rows {
        let (full, sha): (String, Option<String>) = row?;
        let rel = full.strip_prefix(uri).unwrap_or(&full).trim_start_matches('/').to_string();
        out.push((rel, sha));
    }
    Ok(out)
}
