//! Remotes (team registries Pedigree syncs with) and bindings: which remote object a local model
//! or version is bound to, with the state both sides had at the last sync (the base of the
//! three-way comparison that finds changes and conflicts). Rows only; the engine is `sync`.

use rusqlite::{Connection, OptionalExtension, params};

use super::CatalogError;

/// One configured remote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RemoteRow {
    pub name: String,
    /// `mlflow`.
    pub kind: String,
    pub url: String,
    /// Credentials given once, sealed with the workspace key (see `index::secret`).
    pub sealed_secret: Option<Vec<u8>>,
    pub created_at: String,
    pub last_sync_at: Option<String>,
    /// The last sync's report, as JSON.
    pub last_report: Option<String>,
    /// Seconds between scheduled syncs (`None`: only when asked).
    pub sync_every: Option<i64>,
}

const COLS: &str = "name, kind, url, sealed_secret, created_at, last_sync_at, last_report, sync_every";

fn row(r: &rusqlite::Row<'_>) -> rusqlite::Result<RemoteRow> {
    Ok(RemoteRow {
        name: r.get(0)?,
        kind: r.get(1)?,
        url: r.get(2)?,
        sealed_secret: r.get(3)?,
        created_at: r.get(4)?,
        last_sync_at: r.get(5)?,
        last_report: r.get(6)?,
        sync_every: r.get(7)?,
    })
}

#[allow(clippy::too_many_arguments)]
pub fn insert(
    conn: &Connection,
    name: &str,
    kind: &str,
    url: &str,
    sealed_secret: Option<&[u8]>,
    actor: &str,
    at: &str,
    seq: i64,
) -> Result<(), CatalogError> {
    conn.execute(
        "INSERT INTO remotes (name, kind, url, sealed_secret, created_by, created_at, audit_seq) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        params![name, kind, url, sealed_secret, actor, at, seq],
    )?;
    Ok(())
}

pub fn get(conn: &Connection, name: &str) -> Result<Option<RemoteRow>, CatalogError> {
    Ok(conn.query_row(&format!("SELECT {COLS} FROM remotes WHERE name = ?1"), [name], row).optional()?)
}

pub fn list(conn: &Connection) -> Result<Vec<RemoteRow>, CatalogError> {
    let mut st = conn.prepare_cached(&format!("SELECT {COLS} FROM remotes ORDER BY name"))?;
    let rows = st.query_map([], row)?.collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}

/// Removes a remote and its bindings (the versions it brought stay, with their history).
pub fn remove(conn: &Connection, name: &str) -> Result<bool, CatalogError> {
    conn.execute("DELETE FROM bindings WHERE remote = ?1", [name])?;
    Ok(conn.execute("DELETE FROM remotes WHERE name = ?1", [name])? > 0)
}

pub fn set_last_sync(conn: &Connection, name: &str, at: &str, report: &str) -> Result<(), CatalogError> {
    conn.execute("UPDATE remotes SET last_sync_at = ?2, last_report = ?3 WHERE name = ?1", params![name, at, report])?;
    Ok(())
}

pub fn set_sync_every(conn: &Connection, name: &str, seconds: Option<i64>) -> Result<bool, CatalogError> {
    Ok(conn.execute("UPDATE remotes SET sync_every = ?2 WHERE name = ?1", params![name, seconds])? > 0)
}

/// A local object bound to a remote one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Binding {
    pub remote: String,
    /// `model` or `version`.
    pub kind: String,
    /// The remote's key: an MLflow model name, or `name/version`.
    pub remote_key: String,
    /// The local node: `model:NAME` or `version:NAME@SEMVER` (none while its bytes are not here).
    pub local: Option<String>,
    /// The manifest digest the version had when bound.
    pub digest: Option<String>,
    /// The synced fields as both sides had them at the last sync (canonical JSON).
    pub base: String,
    /// `bound`, `unreachable` (bytes could not be fetched), `deleted` (gone on the remote), `drifted`
    /// (its files changed there) or `superseded` (drifted files were imported as a newer version).
    pub state: String,
}

pub fn upsert_binding(conn: &Connection, b: &Binding) -> Result<(), CatalogError> {
    conn.execute(
        "INSERT INTO bindings (remote, kind, remote_key, local, digest, base, state) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
         ON CONFLICT (remote, kind, remote_key) DO UPDATE SET local = ?4, digest = ?5, base = ?6, state = ?7",
        params![b.remote, b.kind, b.remote_key, b.local, b.digest, b.base, b.state],
    )?;
    Ok(())
}

const BINDING_COLS: &str = "remote, kind, remote_key, local, digest, base, state";

fn binding_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Binding> {
    Ok(Binding {
        remote: r.get(0)?,
        kind: r.get(1)?,
        remote_key: r.get(2)?,
        local: r.get(3)?,
        digest: r.get(4)?,
        base: r.get(5)?,
        state: r.get(6)?,
    })
}

/// Every binding of a remote, by kind and key.
pub fn bindings(conn: &Connection, remote: &str) -> Result<Vec<Binding>, CatalogError> {
    let mut st =
        conn.prepare_cached(&format!("SELECT {BINDING_COLS} FROM bindings WHERE remote = ?1 ORDER BY kind, remote_key"))?;
    let rows = st.query_map([remote], binding_row)?.collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}

/// One binding, by its remote key.
pub fn binding(conn: &Connection, remote: &str, kind: &str, remote_key: &str) -> Result<Option<Binding>, CatalogError> {
    Ok(conn
        .query_row(
            &format!("SELECT {BINDING_COLS} FROM bindings WHERE remote = ?1 AND kind = ?2 AND remote_key = ?3"),
            params![remote, kind, remote_key],
            binding_row,
        )
        .optional()?)
}

/// Where a local version is bound: `(remote, remote_key)` pairs.
pub fn bound_to(conn: &Connection, local: &str) -> Result<Vec<(String, String, String)>, CatalogError> {
    let mut st = conn.prepare_cached("SELECT remote, remote_key, state FROM bindings WHERE local = ?1 ORDER BY remote")?;
    let rows = st.query_map([local], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?.collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}

/// The remote's key of a local node bound there now (`MODEL/VERSION` for a version), if it is.
pub fn bound_key(conn: &Connection, local: &str, remote: &str) -> Result<Option<String>, CatalogError> {
    Ok(bound_to(conn, local)?.into_iter().find(|(r, _, s)| r == remote && s == "bound").map(|(_, k, _)| k))
}

/// A field changed on both sides since the last sync: neither side was overwritten.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
pub struct Conflict {
    #[ts(type = "number")]
    pub id: i64,
    pub remote: String,
    /// What: `churn@champion` (an alias of a model, by its remote name).
    pub subject: String,
    /// Which field: `alias`.
    pub field: String,
    /// The value both sides had at the last sync (none: it did not exist).
    pub base: Option<String>,
    /// The value here now (for an alias: the local version).
    pub local: Option<String>,
    /// The value on the remote now (for an alias: the remote's version id).
    pub remote_value: Option<String>,
    pub created_at: String,
}

const CONFLICT_COLS: &str = "id, remote, subject, field, base, local, remote_value, created_at";

fn conflict(r: &rusqlite::Row<'_>) -> rusqlite::Result<Conflict> {
    Ok(Conflict {
        id: r.get(0)?,
        remote: r.get(1)?,
        subject: r.get(2)?,
        field: r.get(3)?,
        base: r.get(4)?,
        local: r.get(5)?,
        remote_value: r.get(6)?,
        created_at: r.get(7)?,
    })
}

/// Records a conflict unless the same one is open already; returns the open one.
pub fn open_conflict(conn: &Connection, c: &Conflict, seq: i64) -> Result<Conflict, CatalogError> {
    if let Some(open) = open_conflict_on(conn, &c.remote, &c.subject, &c.field)? {
        return Ok(open);
    }
    conn.execute(
        "INSERT INTO conflicts (remote, subject, field, base, local, remote_value, created_at, audit_seq)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        params![c.remote, c.subject, c.field, c.base, c.local, c.remote_value, c.created_at, seq],
    )?;
    Ok(Conflict { id: conn.last_insert_rowid(), ..c.clone() })
}

/// The open conflict on one field, if any.
pub fn open_conflict_on(conn: &Connection, remote: &str, subject: &str, field: &str) -> Result<Option<Conflict>, CatalogError> {
    Ok(conn
        .query_row(
            &format!(
                "SELECT {CONFLICT_COLS} FROM conflicts WHERE remote = ?1 AND subject = ?2 AND field = ?3 AND resolved_at IS NULL"
            ),
            params![remote, subject, field],
            conflict,
        )
        .optional()?)
}

/// Open conflicts, oldest first.
pub fn open_conflicts(conn: &Connection) -> Result<Vec<Conflict>, CatalogError> {
    let mut st = conn.prepare_cached(&format!("SELECT {CONFLICT_COLS} FROM conflicts WHERE resolved_at IS NULL ORDER BY id"))?;
    let rows = st.query_map([], conflict)?.collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}

pub fn get_conflict(conn: &Connection, id: i64) -> Result<Option<(Conflict, bool)>, CatalogError> {
    Ok(conn
        .query_row(&format!("SELECT {CONFLICT_COLS}, resolved_at IS NOT NULL FROM conflicts WHERE id = ?1"), [id], |r| {
            Ok((conflict(r)?, r.get::<_, bool>(8)?))
        })
        .optional()?)
}

pub fn resolve_conflict(conn: &Connection, id: i64, took: &str, by: &str, at: &str, seq: i64) -> Result<(), CatalogError> {
    conn.execute(
        "UPDATE conflicts SET resolved_at = ?2, resolution = ?3, resolved_by = ?4, resolved_seq = ?5 WHERE id = ?1",
        params![id, at, took, by, seq],
    )?;
    Ok(())
}
