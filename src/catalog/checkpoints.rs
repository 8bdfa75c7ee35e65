//! Signed checkpoints of the audit log, as stored (the signing and checking is `audit::checkpoint`).

use rusqlite::{Connection, OptionalExtension, params};

use super::CatalogError;

/// A checkpoint row: tree size, base64 root hash and the signed note.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredCheckpoint {
    pub size: u64,
    pub root: String,
    pub note: String,
}

/// Stores a checkpoint (a repeated tree size is ignored).
pub fn insert(conn: &Connection, c: &StoredCheckpoint, at: &str) -> Result<(), CatalogError> {
    conn.execute(
        "INSERT OR IGNORE INTO checkpoints (tree_size, root_hash, note, created_at) VALUES (?1, ?2, ?3, ?4)",
        params![c.size as i64, c.root, c.note, at],
    )?;
    Ok(())
}

fn row(r: &rusqlite::Row<'_>) -> rusqlite::Result<StoredCheckpoint> {
    Ok(StoredCheckpoint { size: r.get::<_, i64>(0)? as u64, root: r.get(1)?, note: r.get(2)? })
}

/// The checkpoint of the largest tree.
pub fn latest(conn: &Connection) -> Result<Option<StoredCheckpoint>, CatalogError> {
    Ok(conn
        .query_row("SELECT tree_size, root_hash, note FROM checkpoints ORDER BY tree_size DESC LIMIT 1", [], row)
        .optional()?)
}

/// Every checkpoint, smallest tree first.
pub fn all(conn: &Connection) -> Result<Vec<StoredCheckpoint>, CatalogError> {
    let mut st = conn.prepare("SELECT tree_size, root_hash, note FROM checkpoints ORDER BY tree_size")?;
    let rows = st.query_map([], row)?.collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}
