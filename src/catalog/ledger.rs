//! Team ledger bookkeeping: per ledger remote the owner key trusted and how far this
//! workspace's own chain was pushed; each segment pulled (or pushed) and the events refused
//! from it. Local state, never part of the shared state digest.

use rusqlite::{Connection, OptionalExtension, params};

use super::CatalogError;

/// One ledger remote's trust and push mark.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LedgerRow {
    pub remote: String,
    /// `ssh-ed25519 AAAA…` of the owner the roster must be rooted in.
    pub owner_key: String,
    /// The last own event pushed (local seq; 0 before the first push).
    pub pushed_seq: i64,
}

/// A refused event, for the report and the Audit page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub number: i64,
    pub hash: String,
    pub subject: String,
    pub reason: String,
}

pub fn insert(conn: &Connection, remote: &str, owner_key: &str) -> Result<(), CatalogError> {
    conn.execute(
        "INSERT INTO ledger_remotes (remote, owner_key, pushed_seq) VALUES (?1, ?2, 0)
         ON CONFLICT (remote) DO UPDATE SET owner_key = excluded.owner_key",
        params![remote, owner_key],
    )?;
    Ok(())
}

pub fn get(conn: &Connection, remote: &str) -> Result<Option<LedgerRow>, CatalogError> {
    Ok(conn
        .query_row("SELECT remote, owner_key, pushed_seq FROM ledger_remotes WHERE remote = ?1", [remote], |r| {
            Ok(LedgerRow { remote: r.get(0)?, owner_key: r.get(1)?, pushed_seq: r.get(2)? })
        })
        .optional()?)
}

pub fn remove(conn: &Connection, remote: &str) -> Result<(), CatalogError> {
    for table in ["ledger_remotes", "ledger_segments", "ledger_refusals"] {
        conn.execute(&format!("DELETE FROM {table} WHERE remote = ?1"), [remote])?;
    }
    Ok(())
}

/// Moves the push mark forward (never back).
pub fn set_pushed(conn: &Connection, remote: &str, seq: i64) -> Result<(), CatalogError> {
    conn.execute("UPDATE ledger_remotes SET pushed_seq = MAX(pushed_seq, ?2) WHERE remote = ?1", params![remote, seq])?;
    Ok(())
}

/// The highest segment number taken in (0 before the first).
pub fn last_segment(conn: &Connection, remote: &str) -> Result<i64, CatalogError> {
    Ok(conn.query_row("SELECT COALESCE(MAX(number), 0) FROM ledger_segments WHERE remote = ?1", [remote], |r| r.get(0))?)
}

/// Records a segment taken in (again, after a cut tail): its author, the digest of its bytes,
/// the hash of its last event (empty when none of it was taken in).
pub fn insert_segment(
    conn: &Connection,
    remote: &str,
    number: i64,
    author: &str,
    digest: &str,
    last_hash: &str,
    at: &str,
) -> Result<(), CatalogError> {
    conn.execute(
        "INSERT OR REPLACE INTO ledger_segments (remote, number, author, digest, last_hash, applied_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![remote, number, author, digest, last_hash, at],
    )?;
    Ok(())
}

/// Segments taken in whose last event is not in the audit log any more (its tail was cut).
pub fn missing_tails(conn: &Connection, remote: &str) -> Result<Vec<i64>, CatalogError> {
    let mut stmt = conn.prepare_cached(
        "SELECT number FROM ledger_segments s WHERE remote = ?1 AND broken = 0 AND last_hash != ''
         AND NOT EXISTS (SELECT 1 FROM audit_events e WHERE e.hash = s.last_hash) ORDER BY number",
    )?;
    let rows = stmt.query_map([remote], |r| r.get(0))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Records a segment that failed its checks (altered, or not following its author's chain),
/// under the author it names (`""` when it names none): that author's later segments wait.
pub fn insert_broken(
    conn: &Connection,
    remote: &str,
    number: i64,
    author: &str,
    digest: &str,
    at: &str,
) -> Result<(), CatalogError> {
    conn.execute(
        "INSERT OR REPLACE INTO ledger_segments (remote, number, author, digest, last_hash, broken, applied_at)
         VALUES (?1, ?2, ?3, ?4, '', 1, ?5)",
        params![remote, number, author, digest, at],
    )?;
    Ok(())
}

/// The first segment by `author` that failed its checks, if one did.
pub fn first_broken(conn: &Connection, remote: &str, author: &str) -> Result<Option<i64>, CatalogError> {
    Ok(conn.query_row(
        "SELECT MIN(number) FROM ledger_segments WHERE remote = ?1 AND author = ?2 AND broken = 1",
        params![remote, author],
        |r| r.get(0),
    )?)
}

/// The digest recorded for a segment taken in before.
pub fn segment_digest(conn: &Connection, remote: &str, number: i64) -> Result<Option<String>, CatalogError> {
    Ok(conn
        .query_row("SELECT digest FROM ledger_segments WHERE remote = ?1 AND number = ?2", params![remote, number], |r| r.get(0))
        .optional()?)
}

pub fn insert_refusal(conn: &Connection, remote: &str, r: &Refusal) -> Result<(), CatalogError> {
    conn.execute(
        "INSERT OR REPLACE INTO ledger_refusals (remote, number, hash, subject, reason) VALUES (?1, ?2, ?3, ?4, ?5)",
        params![remote, r.number, r.hash, r.subject, r.reason],
    )?;
    Ok(())
}

/// Every refusal from a ledger, by segment.
pub fn refusals(conn: &Connection, remote: &str) -> Result<Vec<Refusal>, CatalogError> {
    let mut stmt =
        conn.prepare_cached("SELECT number, hash, subject, reason FROM ledger_refusals WHERE remote = ?1 ORDER BY number, hash")?;
    let rows =
        stmt.query_map([remote], |r| Ok(Refusal { number: r.get(0)?, hash: r.get(1)?, subject: r.get(2)?, reason: r.get(3)? }))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// A version its author registered under a number another member took first, kept under
/// another: that author's events written before they knew (`seen`) mean the kept one.
pub fn insert_rename(conn: &Connection, author: &str, seen: i64, from_node: &str, to_node: &str) -> Result<(), CatalogError> {
    conn.execute(
        "INSERT OR REPLACE INTO ledger_renames (author, seen, from_node, to_node) VALUES (?1, ?2, ?3, ?4)",
        params![author, seen, from_node, to_node],
    )?;
    Ok(())
}

/// The renames that hold for `author`'s events written having seen segment `seen`.
pub fn renames(conn: &Connection, author: &str, seen: i64) -> Result<Vec<(String, String)>, CatalogError> {
    let mut stmt = conn.prepare_cached("SELECT from_node, to_node FROM ledger_renames WHERE author = ?1 AND seen = ?2")?;
    let rows = stmt.query_map(params![author, seen], |r| Ok((r.get(0)?, r.get(1)?)))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Records what two members did apart to one thing (kept: what holds now; other: what did not
/// win, by the order of the ledger), once per other value. In the `conflicts` table, listed and
/// resolved with the registry ones. Recorded once (a segment taken in again records nothing new).
#[allow(clippy::too_many_arguments)]
pub fn record_conflict(
    conn: &Connection,
    remote: &str,
    subject: &str,
    field: &str,
    kept: &str,
    other: &str,
    at: &str,
    seq: i64,
) -> Result<(), CatalogError> {
    conn.execute(
        "INSERT INTO conflicts (remote, subject, field, base, local, remote_value, created_at, audit_seq)
         SELECT ?1, ?2, ?3, NULL, ?4, ?5, ?6, ?7
         WHERE NOT EXISTS (SELECT 1 FROM conflicts WHERE remote = ?1 AND subject = ?2 AND field = ?3 AND local = ?4 AND remote_value = ?5)",
        params![remote, subject, field, kept, other, at, seq],
    )?;
    Ok(())
}

/// The open team conflict on `subject`'s `field` about the value `other`.
pub fn open_conflict_id(conn: &Connection, subject: &str, field: &str, other: &str) -> Result<Option<i64>, CatalogError> {
    Ok(conn
        .query_row(
            "SELECT id FROM conflicts WHERE subject = ?1 AND field = ?2 AND remote_value = ?3 AND resolved_at IS NULL
             AND remote IN (SELECT remote FROM ledger_remotes) ORDER BY id LIMIT 1",
            params![subject, field, other],
            |r| r.get(0),
        )
        .optional()?)
}

/// Whether this conflict is between members (on a ledger remote), not with a registry.
pub fn is_team_remote(conn: &Connection, remote: &str) -> Result<bool, CatalogError> {
    Ok(conn.query_row("SELECT EXISTS(SELECT 1 FROM ledger_remotes WHERE remote = ?1)", [remote], |r| r.get(0))?)
}

/// Drops the open team conflicts on `subject`'s `field` recorded against event `seq` (this
/// workspace's own move not pushed yet): a later incoming one is what that move replaces.
pub fn drop_open_conflicts_of(conn: &Connection, subject: &str, field: &str, seq: i64) -> Result<(), CatalogError> {
    conn.execute(
        "DELETE FROM conflicts WHERE subject = ?1 AND field = ?2 AND audit_seq = ?3 AND resolved_at IS NULL
         AND remote IN (SELECT remote FROM ledger_remotes)",
        params![subject, field, seq],
    )?;
    Ok(())
}

/// The other value of the open team conflict on `subject`'s `field` recorded against event `seq`.
pub fn open_conflict_other_of(conn: &Connection, subject: &str, field: &str, seq: i64) -> Result<Option<String>, CatalogError> {
    Ok(conn
        .query_row(
            "SELECT remote_value FROM conflicts WHERE subject = ?1 AND field = ?2 AND audit_seq = ?3 AND resolved_at IS NULL
             AND remote IN (SELECT remote FROM ledger_remotes) ORDER BY id DESC LIMIT 1",
            params![subject, field, seq],
            |r| r.get(0),
        )
        .optional()?
        .flatten())
}

/// The value the team's order gives an alias (`MODEL@ALIAS`) before this workspace's unpushed
/// move `own_seq`, and the move that set it (actor, time, event), when an incoming move did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TeamAlias {
    pub own_seq: i64,
    pub value: Option<String>,
    pub set: Option<(String, String, i64)>,
}

pub fn team_alias(conn: &Connection, subject: &str) -> Result<Option<TeamAlias>, CatalogError> {
    Ok(conn
        .query_row("SELECT own_seq, value, set_by, set_at, seq FROM ledger_alias_team WHERE subject = ?1", [subject], |r| {
            let set = match (r.get::<_, Option<String>>(2)?, r.get::<_, Option<String>>(3)?, r.get::<_, Option<i64>>(4)?) {
                (Some(by), Some(at), Some(seq)) => Some((by, at, seq)),
                _ => None,
            };
            Ok(TeamAlias { own_seq: r.get(0)?, value: r.get(1)?, set })
        })
        .optional()?)
}

pub fn set_team_alias(conn: &Connection, subject: &str, t: &TeamAlias) -> Result<(), CatalogError> {
    let (by, at, seq) = match &t.set {
        Some((by, at, seq)) => (Some(by.as_str()), Some(at.as_str()), Some(*seq)),
        None => (None, None, None),
    };
    conn.execute(
        "INSERT OR REPLACE INTO ledger_alias_team (subject, own_seq, value, set_by, set_at, seq) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![subject, t.own_seq, t.value, by, at, seq],
    )?;
    Ok(())
}

/// Once this workspace's moves are pushed, they are in the team's order like any other.
pub fn clear_team_aliases(conn: &Connection) -> Result<(), CatalogError> {
    conn.execute("DELETE FROM ledger_alias_team", [])?;
    Ok(())
}
