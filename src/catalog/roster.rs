//! The team roster: members by key, their roles, and the audit events between which each set of
//! roles held (`from_seq` inclusive, `to_seq` exclusive; open while current), so a member's roles
//! at any event can be looked up.

use rusqlite::{Connection, OptionalExtension, params};

use super::CatalogError;

/// One span of a member's roles.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemberRow {
    /// `ssh-ed25519 AAAA…`.
    pub public_key: String,
    pub fingerprint: String,
    pub name: String,
    /// Sorted role names.
    pub roles: Vec<String>,
    pub from_seq: i64,
    pub to_seq: Option<i64>,
}

const COLS: &str = "public_key, fingerprint, name, roles, from_seq, to_seq";

fn from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<MemberRow> {
    let roles: String = r.get(3)?;
    Ok(MemberRow {
        public_key: r.get(0)?,
        fingerprint: r.get(1)?,
        name: r.get(2)?,
        roles: roles.split(',').filter(|s| !s.is_empty()).map(str::to_string).collect(),
        from_seq: r.get(4)?,
        to_seq: r.get(5)?,
    })
}

/// Whether a roster was ever started here.
pub fn exists(conn: &Connection) -> Result<bool, CatalogError> {
    Ok(conn.query_row("SELECT EXISTS(SELECT 1 FROM roster)", [], |r| r.get(0))?)
}

/// Current members, by name.
pub fn current(conn: &Connection) -> Result<Vec<MemberRow>, CatalogError> {
    let mut stmt = conn.prepare_cached(&format!("SELECT {COLS} FROM roster WHERE to_seq IS NULL ORDER BY name, fingerprint"))?;
    let rows = stmt.query_map([], from_row)?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// The member with this key now, if any.
pub fn member(conn: &Connection, public_key: &str) -> Result<Option<MemberRow>, CatalogError> {
    Ok(conn
        .query_row(&format!("SELECT {COLS} FROM roster WHERE public_key = ?1 AND to_seq IS NULL"), [public_key], from_row)
        .optional()?)
}

/// Whether this key was ever a member.
pub fn ever(conn: &Connection, public_key: &str) -> Result<bool, CatalogError> {
    Ok(conn.query_row("SELECT EXISTS(SELECT 1 FROM roster WHERE public_key = ?1)", [public_key], |r| r.get(0))?)
}

/// The member with this key as of audit event `seq`, if any.
pub fn member_at(conn: &Connection, public_key: &str, seq: i64) -> Result<Option<MemberRow>, CatalogError> {
    Ok(conn
        .query_row(
            &format!("SELECT {COLS} FROM roster WHERE public_key = ?1 AND from_seq <= ?2 AND (to_seq IS NULL OR to_seq > ?2)"),
            params![public_key, seq],
            from_row,
        )
        .optional()?)
}

/// Ends the member's current span at event `seq` (a change or a removal).
pub fn close(conn: &Connection, public_key: &str, seq: i64) -> Result<(), CatalogError> {
    conn.execute("UPDATE roster SET to_seq = ?2 WHERE public_key = ?1 AND to_seq IS NULL", params![public_key, seq])?;
    Ok(())
}

/// Starts a span (the member's roles from event `from_seq` on).
pub fn insert(conn: &Connection, m: &MemberRow) -> Result<(), CatalogError> {
    conn.execute(
        &format!("INSERT INTO roster ({COLS}) VALUES (?1, ?2, ?3, ?4, ?5, NULL)"),
        params![m.public_key, m.fingerprint, m.name, m.roles.join(","), m.from_seq],
    )?;
    Ok(())
}
