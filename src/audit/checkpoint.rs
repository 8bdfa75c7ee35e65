//! Signed checkpoints of the audit log: C2SP tlog-checkpoint signed notes over the RFC 6962
//! tree of every event so far, signed with the workspace's Ed25519 key.
//!
//! ```text
//! pedigree/<16 hex of the key's SHA-256>
//! <tree size>
//! <base64 root hash>
//!
//! — <same origin> <base64(key id ‖ signature)>
//! ```
//! The key id is the first 4 bytes of SHA-256(name ‖ "\n" ‖ 0x01 ‖ public key) (0x01: Ed25519).
//!
//! Two more signature lines may follow, which other note verifiers skip as unknown signers:
//! the person who made the checkpoint, `— pedigree-person/<hex Ed25519 public key>
//! <base64(key id ‖ signature)>` (an Ed25519 note signature by their personal key), and, with
//! post-quantum co-signing on, `— pedigree-pq/<16 hex of SHA-256(ML-DSA public key)>
//! <base64(key id ‖ ML-DSA-65 signature of the note text)>`, whose key id is the first 4 bytes of
//! SHA-256(name ‖ "\n" ‖ 0xff ‖ "ML-DSA-65") and whose public key is announced in the log.

use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use rusqlite::Connection;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::merkle::{self, Hash};
use crate::catalog::checkpoints::{self, StoredCheckpoint};
use crate::catalog::{CatalogError, audit_rows};

/// A parsed, verified checkpoint.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct Checkpoint {
    pub origin: String,
    #[ts(type = "number")]
    pub size: u64,
    /// Base64 root hash, as in the note.
    pub root: String,
    /// The whole signed note.
    pub note: String,
}

/// The origin line (and signer name) for a public key.
pub fn origin(public_key: &[u8]) -> String {
    format!("pedigree/{}", &crate::hash::sha256_hex(public_key)[..16])
}

fn key_id(name: &str, public_key: &[u8]) -> [u8; 4] {
    let mut data = format!("{name}\n").into_bytes();
    data.push(0x01);
    data.extend_from_slice(public_key);
    let d = openssl::sha::sha256(&data);
    [d[0], d[1], d[2], d[3]]
}

/// Signs a note for a tree of `size` leaves with `root`.
pub fn sign(key: &ring::signature::Ed25519KeyPair, size: u64, root: &Hash) -> Checkpoint {
    use ring::signature::KeyPair;
    let public = key.public_key().as_ref();
    let name = origin(public);
    let body = format!("{name}\n{size}\n{}\n", B64.encode(root));
    let sig = key.sign(body.as_bytes());
    let mut blob = key_id(&name, public).to_vec();
    blob.extend_from_slice(sig.as_ref());
    let note = format!("{body}\n\u{2014} {name} {}\n", B64.encode(blob));
    Checkpoint { origin: name, size, root: B64.encode(root), note }
}

const PERSON: &str = "pedigree-person/";
const PQ: &str = "pedigree-pq/";

fn pq_key_id(name: &str) -> [u8; 4] {
    let mut data = format!("{name}\n").into_bytes();
    data.push(0xff);
    data.extend_from_slice(crate::identity::pq::ALG.as_bytes());
    let d = openssl::sha::sha256(&data);
    [d[0], d[1], d[2], d[3]]
}

/// Adds the signature lines of the person who makes the checkpoint and, when given, their
/// ML-DSA-65 co-signature.
pub fn co_sign(mut c: Checkpoint, person: &crate::identity::Identity, pq: Option<&crate::identity::pq::PqKey>) -> Checkpoint {
    let body = c.note.split_once("\n\n").map(|(b, _)| format!("{b}\n")).unwrap_or_default();
    let public = person.public_key();
    let name = format!("{PERSON}{}", hex::encode(public));
    let mut blob = key_id(&name, &public).to_vec();
    blob.extend_from_slice(&person.sign_raw(body.as_bytes()));
    c.note.push_str(&format!("\u{2014} {name} {}\n", B64.encode(blob)));
    if let Some(k) = pq {
        let pk = k.public_key();
        let name = format!("{PQ}{}", &crate::hash::sha256_hex(&pk)[..16]);
        let mut blob = pq_key_id(&name).to_vec();
        blob.extend_from_slice(&k.sign(body.as_bytes()));
        c.note.push_str(&format!("\u{2014} {name} {}\n", B64.encode(blob)));
    }
    c
}

/// The co-signatures a note carries, checked: the fingerprint of the person who signed it, and
/// whether an ML-DSA-65 co-signature by an announced key (`pq_keys`, by `mldsa65:` name) is
/// there. A co-signature line that does not verify is an error.
pub fn co_signatures(note: &str, pq_keys: &std::collections::HashMap<String, Vec<u8>>) -> Result<(Option<String>, bool), String> {
    let Some((body, sigs)) = note.split_once("\n\n") else { return Ok((None, false)) };
    let body = format!("{body}\n");
    let (mut person, mut pq) = (None, false);
    for line in sigs.lines() {
        let Some((name, b64)) = line.strip_prefix("\u{2014} ").and_then(|r| r.rsplit_once(' ')) else { continue };
        let Ok(blob) = B64.decode(b64) else { continue };
        if let Some(hex_key) = name.strip_prefix(PERSON) {
            let pk: [u8; 32] = hex::decode(hex_key)
                .ok()
                .and_then(|b| b.try_into().ok())
                .ok_or("the person's signature line names no Ed25519 key")?;
            let ok = blob.len() == 68
                && blob[..4] == key_id(name, &pk)
                && ring::signature::UnparsedPublicKey::new(&ring::signature::ED25519, pk)
                    .verify(body.as_bytes(), &blob[4..])
                    .is_ok();
            if !ok {
                return Err("the signature of the person who made it does not verify".into());
            }
            person = Some(crate::identity::ssh::fingerprint(&pk));
        } else if let Some(short) = name.strip_prefix(PQ) {
            let pk = pq_keys
                .get(&format!("mldsa65:{short}"))
                .ok_or_else(|| format!("its ML-DSA-65 co-signature is by key mldsa65:{short}, never announced in the log"))?;
            if blob.len() < 4 || blob[..4] != pq_key_id(name) {
                return Err("its ML-DSA-65 co-signature line is malformed".into());
            }
            crate::identity::pq::verify(pk, body.as_bytes(), &blob[4..])?;
            pq = true;
        }
    }
    Ok((person, pq))
}

/// Checks a note's signature with `public_key`; returns the checkpoint it states.
pub fn verify(note: &str, public_key: &[u8]) -> Result<Checkpoint, String> {
    let (body, sigs) = note.split_once("\n\n").ok_or("not a signed note (no blank line before the signatures)")?;
    let body = format!("{body}\n");
    let mut lines = body.lines();
    let origin_line = lines.next().ok_or("empty note")?.to_string();
    let size: u64 = lines.next().and_then(|l| l.parse().ok()).ok_or("the second line is not a tree size")?;
    let root = lines.next().ok_or("no root hash line")?.to_string();
    let raw_root = B64.decode(&root).map_err(|_| "the root hash is not base64")?;
    if raw_root.len() != 32 {
        return Err("the root hash is not 32 bytes".into());
    }
    let want_id = key_id(&origin_line, public_key);
    let pk = ring::signature::UnparsedPublicKey::new(&ring::signature::ED25519, public_key);
    for line in sigs.lines() {
        let Some(rest) = line.strip_prefix("\u{2014} ") else { continue };
        let Some((name, b64)) = rest.rsplit_once(' ') else { continue };
        let Ok(blob) = B64.decode(b64) else { continue };
        if name != origin_line || blob.len() != 68 || blob[..4] != want_id {
            continue; // another signer (e.g. a witness): ignored
        }
        return match pk.verify(body.as_bytes(), &blob[4..]) {
            Ok(()) => Ok(Checkpoint { origin: origin_line, size, root, note: note.to_string() }),
            Err(_) => Err("the checkpoint signature does not verify with this key".into()),
        };
    }
    Err("no signature by this key on the checkpoint".into())
}

/// A checkpoint kept outside the catalog (a report bundle's `log/checkpoint.txt`, which an edit
/// of the catalog cannot reach) against the log: signed by `public_key`, and the log's first
/// `size` events still give its root. The problem, as (first bad seq, what), when not.
pub fn check_outside(conn: &Connection, note: &str, public_key: &[u8]) -> Result<Option<(i64, String)>, CatalogError> {
    let cp = match verify(note, public_key) {
        Ok(cp) => cp,
        Err(e) => return Ok(Some((0, format!("its checkpoint is not this workspace's: {e}")))),
    };
    let leaves = leaves(conn)?;
    let n = leaves.len() as u64;
    if cp.size > n {
        let why = format!("it signed a log of {} events and only {n} remain here: the tail after event {n} was cut", cp.size);
        return Ok(Some((n as i64 + 1, why)));
    }
    if B64.encode(merkle::root(&leaves[..cp.size as usize])) != cp.root {
        return Ok(Some((cp.size as i64, format!("the first {} events no longer give the root it signed (rewritten)", cp.size))));
    }
    Ok(None)
}

/// Leaf hashes of every event, in seq order (the entry is the event's canonical record).
pub fn leaves(conn: &Connection) -> Result<Vec<Hash>, CatalogError> {
    let mut out = Vec::new();
    audit_rows::for_each(conn, |row| {
        out.push(merkle::leaf_hash(super::record_json(&row).as_bytes()));
        true
    })?;
    Ok(out)
}

/// Keeps a checkpoint in the catalog (a repeated one is ignored).
pub fn store(conn: &Connection, c: &Checkpoint, at: &str) -> Result<(), CatalogError> {
    checkpoints::insert(conn, &StoredCheckpoint { size: c.size, root: c.root.clone(), note: c.note.clone() }, at)
}

/// The newest stored checkpoint.
pub fn latest(conn: &Connection) -> Result<Option<Checkpoint>, CatalogError> {
    Ok(checkpoints::latest(conn)?.map(|c| {
        let origin = c.note.lines().next().unwrap_or_default().to_string();
        Checkpoint { origin, size: c.size, root: c.root, note: c.note }
    }))
}

/// Every stored checkpoint, smallest tree first.
pub fn all(conn: &Connection) -> Result<Vec<StoredCheckpoint>, CatalogError> {
    checkpoints::all(conn)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_signed_note_verifies_and_any_change_does_not() {
        let rng = ring::rand::SystemRandom::new();
        let doc = ring::signature::Ed25519KeyPair::generate_pkcs8(&rng).unwrap();
        let key = ring::signature::Ed25519KeyPair::from_pkcs8(doc.as_ref()).unwrap();
        use ring::signature::KeyPair;
        let public = key.public_key().as_ref().to_vec();
        let c = sign(&key, 7, &[9u8; 32]);
        assert_eq!(verify(&c.note, &public).unwrap(), c);
        assert!(c.note.starts_with(&format!("{}\n7\n", c.origin)));
        let forged = c.note.replacen("\n7\n", "\n8\n", 1);
        assert!(verify(&forged, &public).is_err());
        let other = ring::signature::Ed25519KeyPair::generate_pkcs8(&rng).unwrap();
        let other = ring::signature::Ed25519KeyPair::from_pkcs8(other.as_ref()).unwrap();
        assert!(verify(&c.note, other.public_key().as_ref()).is_err());
        // A witness's extra signature line is ignored.
        let cosigned = format!("{}\u{2014} witness.example AAAA\n", c.note);
        assert!(verify(&cosigned, &public).is_ok());
    }
}
