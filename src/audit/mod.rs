//! The audit log: every change to the registry is an event in a hash chain.
//!
//! An event is `{seq, ts, actor, action, subject, payload, prev_hash}`; its `hash` is the
//! SHA-256 of the RFC 8785 (JCS) canonical JSON of that record, and `prev_hash` is the hash of
//! the event before it (64 zeros for the first). Editing, deleting or reordering any row breaks
//! the chain at that row, which [`verify`] reports by seq.

use rusqlite::Connection;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use ts_rs::TS;

use crate::catalog::{CatalogError, audit_rows, models};
use crate::hash::sha256_hex;

mod actor;
pub mod checkpoint;
pub mod heads;
pub mod merkle;
pub mod replay;
pub mod wire;
pub use actor::resolve_actor;

/// `prev_hash` of the first event.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// RFC 8785 canonical JSON text of a value.
pub fn canonical(value: &Value) -> String {
    serde_json_canonicalizer::to_string(value).expect("JSON values canonicalise")
}

/// The canonical record of an event: what its hash covers and the Merkle tree's leaf entry.
pub fn record(seq: i64, ts: &str, actor: &str, action: &str, subject: &str, payload: &Value, prev_hash: &str) -> String {
    canonical(&json!({
        "seq": seq, "ts": ts, "actor": actor, "action": action,
        "subject": subject, "payload": payload, "prev_hash": prev_hash,
    }))
}

/// The canonical record of a stored row (its payload column is canonical JSON text); a pulled
/// event's record carries the seq of its author's chain.
pub fn record_json(row: &audit_rows::AuditRow) -> String {
    let payload: Value = serde_json::from_str(&row.payload).unwrap_or(Value::String(row.payload.clone()));
    record(row.origin_seq.unwrap_or(row.seq), &row.ts, &row.actor, &row.action, &row.subject, &payload, &row.prev_hash)
}

/// The hash an event must carry.
pub fn event_hash(seq: i64, ts: &str, actor: &str, action: &str, subject: &str, payload: &Value, prev_hash: &str) -> String {
    sha256_hex(record(seq, ts, actor, action, subject, payload, prev_hash).as_bytes())
}

/// Current time as RFC 3339 UTC with milliseconds (the format of every catalog timestamp); the
/// replayed event's time while one is replayed ([`replay`]); the time [`at`] set while it runs.
pub fn now() -> String {
    replay::ts()
        .or_else(|| CLOCK.with(|c| c.borrow().clone()))
        .unwrap_or_else(|| chrono::Utc::now().format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string())
}

thread_local! {
    static CLOCK: std::cell::RefCell<Option<String>> = const { std::cell::RefCell::new(None) };
}

/// Runs `f` with this thread's clock at `ts` (RFC 3339, the catalog's form): the demo writes a
/// history spread over months this way. Events must still come in time order (`verify`).
pub fn at<R>(ts: &str, f: impl FnOnce() -> R) -> R {
    let before = CLOCK.with(|c| c.replace(Some(ts.to_string())));
    let out = f();
    CLOCK.with(|c| *c.borrow_mut() = before);
    out
}

/// Appends an event inside the caller's transaction and returns its seq. While another
/// member's event is replayed, records that event instead (see [`replay`]).
pub fn append(
    conn: &Connection,
    ts: &str,
    actor: &str,
    action: &str,
    subject: &str,
    payload: &Value,
) -> Result<i64, CatalogError> {
    let seq = audit_rows::last_seq(conn)? + 1;
    if let Some(foreign) = replay::take(actor, action, subject, payload) {
        let e = foreign.map_err(CatalogError::Replay)?;
        if let Some(existing) = e.rederive {
            replay::recorded(existing);
            return Ok(existing);
        }
        if e.own && seq != e.origin_seq {
            return Err(CatalogError::Replay(format!(
                "own event {} would be restored at {seq}, not at the log's end",
                e.origin_seq
            )));
        }
        audit_rows::insert(
            conn,
            &audit_rows::AuditRow {
                seq,
                ts: e.ts,
                actor: e.actor,
                action: e.action,
                subject: e.subject,
                payload: canonical(&e.payload),
                prev_hash: e.prev_hash,
                hash: e.hash.clone(),
                author: (!e.own).then(|| e.author.clone()),
                origin_seq: (!e.own).then_some(e.origin_seq),
            },
        )?;
        audit_rows::insert_signature(conn, seq, &e.signer, &e.signature)?;
        if let Some(n) = e.segment {
            audit_rows::set_segment_of(conn, seq, n)?;
        }
        replay::recorded(seq);
        return Ok(seq);
    }
    let prev_hash = audit_rows::head(conn)?.map(|h| h.hash).unwrap_or_else(|| GENESIS.to_string());
    let hash = event_hash(seq, ts, actor, action, subject, payload, &prev_hash);
    audit_rows::insert(
        conn,
        &audit_rows::AuditRow {
            seq,
            ts: ts.to_string(),
            actor: actor.to_string(),
            action: action.to_string(),
            subject: subject.to_string(),
            payload: canonical(payload),
            prev_hash,
            hash: hash.clone(),
            author: None,
            origin_seq: None,
        },
    )?;
    if let Some(id) = crate::identity::current().map_err(CatalogError::Signer)? {
        audit_rows::insert_signature(conn, seq, &id.public_key_line(), &id.sign_event(&hash))?;
    }
    Ok(seq)
}

/// Outcome of [`verify`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct VerifyReport {
    pub ok: bool,
    /// Events checked.
    #[ts(type = "number")]
    pub events: i64,
    /// Hash of the last event (the chain head), when the log is not empty.
    pub head: Option<String>,
    /// The first seq at which the chain breaks.
    #[ts(type = "number | null")]
    pub first_bad_seq: Option<i64>,
    /// What is wrong there.
    pub problem: Option<String>,
    /// Stored objects whose bytes no longer match their sha256 name (checked by the API's
    /// verify, which also re-hashes the object store).
    pub bad_objects: Vec<String>,
    /// Signed checkpoints checked.
    #[ts(type = "number")]
    pub checkpoints: u64,
    /// Of those, the ones also signed by the person who made them, and the ones co-signed with
    /// ML-DSA-65 (post-quantum), each checked.
    #[serde(default)]
    #[ts(type = "number")]
    pub person_signed_checkpoints: u64,
    #[serde(default)]
    #[ts(type = "number")]
    pub pq_checkpoints: u64,
    /// Events carrying their author's signature (all checked), and the signers' fingerprints.
    #[ts(type = "number")]
    pub signed_events: u64,
    pub signers: Vec<String>,
}

/// Recomputes the chain from the first event, and checks that every model, version and dataset
/// row points at an existing event about itself (so a deleted tail event is noticed when a row
/// still refers to it).
///
/// Then every stored checkpoint must be signed by `public_key` (when given) and its root must
/// equal the Merkle root of the first `size` events: rewriting history consistently (every
/// hash recomputed) is caught there.
pub fn verify(conn: &Connection, public_key: Option<&[u8]>) -> Result<VerifyReport, CatalogError> {
    let mut expected_seq = 1i64;
    // This workspace's own chain, and each other member's (events pulled from a team ledger).
    let (mut own_prev, mut own_prev_seq) = (GENESIS.to_string(), 0i64);
    let mut author_prev: std::collections::HashMap<String, String> = std::collections::HashMap::new();
    let mut bad: Option<(i64, String)> = None;
    let signatures = audit_rows::signatures(conn)?;
    let mut first_own_signed: Option<i64> = None;
    let mut signers: std::collections::BTreeSet<String> = std::collections::BTreeSet::new();
    audit_rows::for_each(conn, |row| {
        let sig = signatures.get(&row.seq);
        if row.author.is_none() && sig.is_some() && first_own_signed.is_none() {
            first_own_signed = Some(row.seq);
        }
        let problem = if row.seq != expected_seq {
            Some(if row.seq > expected_seq {
                format!("event {expected_seq} is missing (next stored event is {})", row.seq)
            } else {
                format!("event {} is out of order", row.seq)
            })
        } else if row.author.is_none() && row.prev_hash != own_prev {
            Some(format!("prev_hash does not match the hash of event {own_prev_seq}"))
        } else if row.author.as_ref().and_then(|a| author_prev.get(a)).is_some_and(|p| *p != row.prev_hash) {
            Some("prev_hash does not match the hash of its author's previous event (pulled from the team ledger)".to_string())
        } else if row.author.is_some() && sig.is_none() {
            Some("was pulled from the team ledger but is not signed".to_string())
        } else {
            match serde_json::from_str::<Value>(&row.payload) {
                Err(e) => Some(format!("payload is not JSON: {e}")),
                Ok(payload) => {
                    let want = sha256_hex(record_json(&row).as_bytes());
                    if canonical(&payload) != row.payload {
                        Some("payload is not in canonical form (edited)".to_string())
                    } else if want != row.hash {
                        Some("content does not match its hash (edited)".to_string())
                    } else {
                        signature_problem(&row, sig, first_own_signed, &mut signers)
                    }
                }
            }
        };
        if let Some(p) = problem {
            bad = Some((expected_seq.min(row.seq), p));
            return false;
        }
        match &row.author {
            None => (own_prev, own_prev_seq) = (row.hash, row.seq),
            Some(a) => {
                author_prev.insert(a.clone(), row.hash);
            }
        }
        expected_seq += 1;
        true
    })?;
    let events = expected_seq - 1;
    if bad.is_none() {
        for (subject, seq) in models::referenced_audit_seqs(conn)? {
            // A version kept under another number after a team conflict cites its registration.
            if !audit_rows::seq_exists(conn, seq, crate::ids::without_conflict(&subject))? {
                bad = Some((seq, format!("{subject} refers to event {seq}, which is missing or about something else")));
                break;
            }
        }
    }
    if bad.is_none() {
        if let Some(orphan) = signatures.keys().copied().filter(|s| *s > events).min() {
            bad = Some((orphan, format!("event {orphan} is signed but missing from the log (its tail was cut)")));
        }
    }
    let mut cosigned = (0, 0);
    if bad.is_none() {
        bad = verify_checkpoints(conn, public_key, &mut cosigned)?;
    }
    Ok(VerifyReport {
        ok: bad.is_none(),
        events,
        head: (own_prev_seq > 0).then_some(own_prev),
        first_bad_seq: bad.as_ref().map(|b| b.0),
        problem: bad.map(|b| b.1),
        bad_objects: Vec::new(),
        checkpoints: checkpoint::all(conn)?.len() as u64,
        person_signed_checkpoints: cosigned.0,
        pq_checkpoints: cosigned.1,
        signed_events: signatures.len() as u64,
        signers: signers.into_iter().collect(),
    })
}

/// What is wrong with an event's signature: a bad one, or none where every event since
/// `first_signed` has one (a signature removed). Events before the first signed one were
/// written before identities and have none. Collects the signers' fingerprints.
fn signature_problem(
    row: &audit_rows::AuditRow,
    sig: Option<&(String, String)>,
    first_signed: Option<i64>,
    signers: &mut std::collections::BTreeSet<String>,
) -> Option<String> {
    match sig {
        Some((signer, signature)) => match crate::identity::verify_event(signer, &row.hash, signature) {
            Ok(()) => {
                if let Ok(pk) = crate::identity::ssh::parse_public_key_line(signer) {
                    signers.insert(crate::identity::ssh::fingerprint(&pk));
                }
                None
            }
            Err(e) => Some(format!("{e} (signer {signer})")),
        },
        None if first_signed.is_some_and(|f| row.seq > f) => {
            Some(format!("is not signed, though every event since {} is (its signature was removed)", first_signed.unwrap_or(0)))
        }
        None => None,
    }
}

/// The first stored checkpoint that the log no longer matches, as (seq, problem).
fn verify_checkpoints(
    conn: &Connection,
    public_key: Option<&[u8]>,
    cosigned: &mut (u64, u64),
) -> Result<Option<(i64, String)>, CatalogError> {
    let stored = checkpoint::all(conn)?;
    if stored.is_empty() {
        return Ok(None);
    }
    let leaves = checkpoint::leaves(conn)?;
    let pq_keys = crate::governance::pq::keys(conn)?;
    use base64::Engine;
    for crate::catalog::checkpoints::StoredCheckpoint { size, root, note } in stored {
        if size as usize > leaves.len() {
            return Ok(Some((leaves.len() as i64 + 1, format!("checkpoint of {size} events, but only {} remain", leaves.len()))));
        }
        let actual = base64::engine::general_purpose::STANDARD.encode(merkle::root(&leaves[..size as usize]));
        if actual != root {
            return Ok(Some((
                size as i64,
                format!("the first {size} events no longer match the signed checkpoint of that size"),
            )));
        }
        if let Some(pk) = public_key {
            if let Err(e) = checkpoint::verify(&note, pk) {
                return Ok(Some((size as i64, format!("checkpoint of {size} events: {e}"))));
            }
        }
        match checkpoint::co_signatures(&note, &pq_keys) {
            Ok((person, pq)) => {
                cosigned.0 += u64::from(person.is_some());
                cosigned.1 += u64::from(pq);
            }
            Err(e) => return Ok(Some((size as i64, format!("checkpoint of {size} events: {e}")))),
        }
    }
    Ok(None)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonical_json_sorts_keys_and_normalises_numbers() {
        let v: Value = serde_json::from_str(r#"{"b":1.0,"a":"\u00e9","c":[1e2]}"#).unwrap();
        assert_eq!(canonical(&v), r#"{"a":"é","b":1,"c":[100]}"#);
    }

    #[test]
    fn hash_depends_on_every_field() {
        let p = json!({"x": 1});
        let base = event_hash(1, "t", "a", "act", "s", &p, GENESIS);
        assert_ne!(base, event_hash(2, "t", "a", "act", "s", &p, GENESIS));
        assert_ne!(base, event_hash(1, "t2", "a", "act", "s", &p, GENESIS));
        assert_ne!(base, event_hash(1, "t", "b", "act", "s", &p, GENESIS));
        assert_ne!(base, event_hash(1, "t", "a", "act", "s", &json!({"x": 2}), GENESIS));
    }
}
