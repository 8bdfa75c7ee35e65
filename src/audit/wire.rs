//! The one wire form of an audit event outside the catalog (report bundles now; ledger segments
//! and federated bundles next): the event exactly as it is hashed — its canonical record text —
//! with its hash and, when it has one, its author's signature. A reviewer checks it with SHA-256
//! and Ed25519 alone:
//!
//! - `record`: RFC 8785 canonical JSON of `{"action", "actor", "payload" (an object),
//!   "prev_hash", "seq", "subject", "ts"}`, as UTF-8 text;
//! - `hash`: hex SHA-256 of the record's bytes; `prev_hash` in the record links to the previous
//!   event's hash (64 zeros for the first);
//! - `signer`: the author's `ssh-ed25519 AAAA…` public key; `signature`: base64 Ed25519 over the
//!   bytes `pedigree audit event v1\n` followed by the hash (hex, ASCII).

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::catalog::audit_rows::AuditRow;

/// One event on the wire.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WireEvent {
    pub seq: i64,
    pub record: String,
    pub hash: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signer: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signature: Option<String>,
}

impl WireEvent {
    /// A stored event and its signature (signer, signature), if it has one.
    pub fn of(row: &AuditRow, signature: Option<&(String, String)>) -> WireEvent {
        WireEvent {
            seq: row.seq,
            record: super::record_json(row),
            hash: row.hash.clone(),
            signer: signature.map(|s| s.0.clone()),
            signature: signature.map(|s| s.1.clone()),
        }
    }

    /// Checks the record against its hash and seq, and the signature when there is one; returns
    /// the record's `prev_hash`.
    pub fn check(&self) -> Result<String, String> {
        if crate::hash::sha256_hex(self.record.as_bytes()) != self.hash {
            return Err("its record does not hash to its hash".into());
        }
        let v: Value = serde_json::from_str(&self.record).map_err(|e| format!("its record is not JSON: {e}"))?;
        if super::canonical(&v) != self.record {
            return Err("its record is not in canonical form".into());
        }
        if v["seq"].as_i64() != Some(self.seq) {
            return Err("its record names another seq".into());
        }
        match (&self.signer, &self.signature) {
            (Some(signer), Some(sig)) => crate::identity::verify_event(signer, &self.hash, sig)?,
            (None, None) => {}
            _ => return Err("a signer without a signature, or the reverse".into()),
        }
        v["prev_hash"].as_str().map(str::to_string).ok_or_else(|| "its record has no prev_hash".into())
    }
}

/// A line of a bundle's `log/entries.jsonl`: the wire form, or the form bundles had before it
/// (the stored row: `prevHash`, and the payload as a string), which is turned into its record.
pub fn read_line(line: &str) -> Option<WireEvent> {
    let v: Value = serde_json::from_str(line).ok()?;
    if v.get("record").is_some() {
        return serde_json::from_value(v).ok();
    }
    let row: AuditRow = serde_json::from_value(v).ok()?;
    Some(WireEvent::of(&row, None))
}
