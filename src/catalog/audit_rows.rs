//! Storage of audit events. Hashing and verification live in `crate::audit`.

use rusqlite::{Connection, OptionalExtension, params};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::CatalogError;

/// One stored audit event, as it is in the table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct AuditRow {
    #[ts(type = "number")]
    pub seq: i64,
    pub ts: String,
    pub actor: String,
    pub action: String,
    pub subject: String,
    /// RFC 8785 canonical JSON text.
    pub payload: String,
    pub prev_hash: String,
    pub hash: String,
    /// Another member's event pulled from a team ledger: their `ssh-ed25519` key line (`None`:
    /// this workspace's own chain).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub author: Option<String>,
    /// Its seq in the author's chain (what its record and hash cover).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional, type = "number")]
    pub origin_seq: Option<i64>,
}

fn from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<AuditRow> {
    Ok(AuditRow {
        seq: r.get(0)?,
        ts: r.get(1)?,
        actor: r.get(2)?,
        action: r.get(3)?,
        subject: r.get(4)?,
        payload: r.get(5)?,
        prev_hash: r.get(6)?,
        hash: r.get(7)?,
        author: r.get(8)?,
        origin_seq: r.get(9)?,
    })
}

const COLS: &str = "seq, ts, actor, action, subject, payload, prev_hash, hash, author, origin_seq";

/// The last event of this workspace's own chain (highest seq without an author).
pub fn head(conn: &Connection) -> Result<Option<AuditRow>, CatalogError> {
    Ok(conn
        .query_row(&format!("SELECT {COLS} FROM audit_events WHERE author IS NULL ORDER BY seq DESC LIMIT 1"), [], from_row)
        .optional()?)
}

/// The highest local seq, own or pulled (0 for an empty log).
pub fn last_seq(conn: &Connection) -> Result<i64, CatalogError> {
    Ok(conn.query_row("SELECT COALESCE(MAX(seq), 0) FROM audit_events", [], |r| r.get(0))?)
}

/// The last event pulled from this author (by their chain's seq).
pub fn author_head(conn: &Connection, author: &str) -> Result<Option<AuditRow>, CatalogError> {
    Ok(conn
        .query_row(
            &format!("SELECT {COLS} FROM audit_events WHERE author = ?1 ORDER BY origin_seq DESC LIMIT 1"),
            [author],
            from_row,
        )
        .optional()?)
}

/// The hash of the event at `origin_seq` in `author`'s chain, if it was pulled.
pub fn origin_hash(conn: &Connection, author: &str, origin_seq: i64) -> Result<Option<String>, CatalogError> {
    Ok(conn
        .query_row("SELECT hash FROM audit_events WHERE author = ?1 AND origin_seq = ?2", params![author, origin_seq], |r| {
            r.get(0)
        })
        .optional()?)
}

/// The ledger segment that carried event `seq` (own events once pushed), and its author
/// (`None`: own).
pub fn segment_of(conn: &Connection, seq: i64) -> Result<Option<(Option<i64>, Option<String>)>, CatalogError> {
    Ok(conn
        .query_row("SELECT segment, author FROM audit_events WHERE seq = ?1", [seq], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?)
}

/// Records that own events `from..=to` went out in segment `n`.
pub fn set_segment(conn: &Connection, from: i64, to: i64, n: i64) -> Result<(), CatalogError> {
    conn.execute("UPDATE audit_events SET segment = ?3 WHERE author IS NULL AND seq BETWEEN ?1 AND ?2", params![from, to, n])?;
    Ok(())
}

/// Records the segment a pulled event came in.
pub fn set_segment_of(conn: &Connection, seq: i64, n: i64) -> Result<(), CatalogError> {
    conn.execute("UPDATE audit_events SET segment = ?2 WHERE seq = ?1", params![seq, n])?;
    Ok(())
}

/// Whether event `seq` is this workspace's own (not pulled from a ledger).
pub fn is_own(conn: &Connection, seq: i64) -> Result<bool, CatalogError> {
    Ok(conn.query_row("SELECT EXISTS(SELECT 1 FROM audit_events WHERE seq = ?1 AND author IS NULL)", [seq], |r| r.get(0))?)
}

/// Own events after `seq`, in order (what a ledger push sends).
pub fn own_after(conn: &Connection, seq: i64) -> Result<Vec<AuditRow>, CatalogError> {
    let mut stmt =
        conn.prepare_cached(&format!("SELECT {COLS} FROM audit_events WHERE author IS NULL AND seq > ?1 ORDER BY seq"))?;
    let rows = stmt.query_map([seq], from_row)?;
    Ok(rows.collect::<Result<_, _>>()?)
}

pub fn insert(conn: &Connection, row: &AuditRow) -> Result<(), CatalogError> {
    conn.execute(
        &format!("INSERT INTO audit_events ({COLS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)"),
        params![
            row.seq,
            row.ts,
            row.actor,
            row.action,
            row.subject,
            row.payload,
            row.prev_hash,
            row.hash,
            row.author,
            row.origin_seq
        ],
    )?;
    Ok(())
}

/// The hash of event `seq`, if there is one.
pub fn hash_at(conn: &Connection, seq: i64) -> Result<Option<String>, CatalogError> {
    Ok(conn.query_row("SELECT hash FROM audit_events WHERE seq = ?1", [seq], |r| r.get(0)).optional()?)
}

/// Records the signature of event `seq`.
pub fn insert_signature(conn: &Connection, seq: i64, signer: &str, signature: &str) -> Result<(), CatalogError> {
    conn.execute("INSERT INTO event_signatures (seq, signer, signature) VALUES (?1, ?2, ?3)", params![seq, signer, signature])?;
    Ok(())
}

/// Every event signature, by seq: (signer, signature).
pub fn signatures(conn: &Connection) -> Result<std::collections::HashMap<i64, (String, String)>, CatalogError> {
    let mut stmt = conn.prepare_cached("SELECT seq, signer, signature FROM event_signatures")?;
    let rows = stmt.query_map([], |r| Ok((r.get(0)?, (r.get(1)?, r.get(2)?))))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// The signature of event `seq`: (signer, signature), when it has one.
pub fn signature_of(conn: &Connection, seq: i64) -> Result<Option<(String, String)>, CatalogError> {
    let mut stmt = conn.prepare_cached("SELECT signer, signature FROM event_signatures WHERE seq = ?1")?;
    Ok(stmt.query_row([seq], |r| Ok((r.get(0)?, r.get(1)?))).optional()?)
}

/// The payloads of every event with one of these actions, oldest first.
pub fn payloads_of(conn: &Connection, actions: &[&str]) -> Result<Vec<(String, String)>, CatalogError> {
    let mut stmt = conn.prepare_cached("SELECT action, payload FROM audit_events WHERE action = ?1 ORDER BY seq")?;
    let mut out = Vec::new();
    for a in actions {
        let rows = stmt.query_map([a], |r| Ok((r.get(0)?, r.get(1)?)))?;
        out.extend(rows.collect::<Result<Vec<_>, _>>()?);
    }
    Ok(out)
}

/// The newest event with this action.
pub fn latest_of(conn: &Connection, action: &str) -> Result<Option<AuditRow>, CatalogError> {
    let mut stmt =
        conn.prepare_cached(&format!("SELECT {COLS} FROM audit_events WHERE action = ?1 ORDER BY seq DESC LIMIT 1"))?;
    Ok(stmt.query_row([action], from_row).optional()?)
}

/// The signer of each of these events (those that have one).
pub fn signers_of(conn: &Connection, seqs: &[i64]) -> Result<std::collections::HashMap<i64, String>, CatalogError> {
    let mut stmt = conn.prepare_cached("SELECT signer FROM event_signatures WHERE seq = ?1")?;
    let mut out = std::collections::HashMap::new();
    for s in seqs {
        if let Some(signer) = stmt.query_row([s], |r| r.get::<_, String>(0)).optional()? {
            out.insert(*s, signer);
        }
    }
    Ok(out)
}

/// A page of events, newest first, optionally for one subject or a subject prefix
/// (e.g. `version:resnet@` for every version of resnet).
pub fn list(conn: &Connection, subject_prefix: &str, before_seq: i64, limit: u32) -> Result<Vec<AuditRow>, CatalogError> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {COLS} FROM audit_events
         WHERE seq < ?1 AND (?2 = '' OR substr(subject, 1, length(?2)) = ?2)
         ORDER BY seq DESC LIMIT ?3"
    ))?;
    let rows = stmt.query_map(params![before_seq, subject_prefix, limit], from_row)?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Calls `f` on every event in storage order (by seq), streaming.
pub fn for_each(conn: &Connection, mut f: impl FnMut(AuditRow) -> bool) -> Result<(), CatalogError> {
    let mut stmt = conn.prepare(&format!("SELECT {COLS} FROM audit_events ORDER BY seq"))?;
    let mut rows = stmt.query([])?;
    while let Some(r) = rows.next()? {
        if !f(from_row(r)?) {
            break;
        }
    }
    Ok(())
}

pub fn seq_exists(conn: &Connection, seq: i64, subject: &str) -> Result<bool, CatalogError> {
    Ok(conn.query_row(
        "SELECT EXISTS(SELECT 1 FROM audit_events WHERE seq = ?1 AND subject = ?2)",
        params![seq, subject],
        |r| r.get(0),
    )?)
}
