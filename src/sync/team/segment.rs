//! A ledger segment: a run of one member's own audit chain, in the one wire form of events
//! (`crate::audit::wire`), signed as a whole by that member. Segments are numbered from 1 with
//! no gap; the number is the team's one order of events, so every member projects the same
//! events in the same order. `segments/000000000007.json`:
//!
//! ```json
//! {"format": "pedigree-ledger-segment/1", "number": 7, "author": "ssh-ed25519 AAAA…", "seen": 5,
//!  "events": [{"seq": 41, "record": "{…}", "hash": "…", "signer": "ssh-ed25519 AAAA…", "signature": "…"}],
//!  "attachments": {"<event hash>": "<sha256 of an object>"},
//!  "signature": "<base64 Ed25519>"}
//! ```
//!
//! The signature covers `pedigree ledger segment v1\n` then the hex SHA-256 of the RFC 8785
//! canonical JSON of the segment without its `signature`. `seen` is the last segment its author
//! had taken in when they wrote these events: segments after it were written concurrently
//! (what two members did apart is told by it). Events link by `prev_hash` to the
//! author's previous event (in this segment or an earlier one of theirs). An attachment names a
//! content-addressed object an event needs beyond its record (a dataset's file list).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::audit::wire::WireEvent;
use crate::identity::pq::{self, CoSignature, PqKey};
use crate::identity::{Identity, ssh};

pub const FORMAT: &str = "pedigree-ledger-segment/1";
const CONTEXT: &str = "pedigree ledger segment v1\n";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Segment {
    pub format: String,
    pub number: i64,
    pub author: String,
    /// The last segment the author had taken in when these events were written.
    #[serde(default)]
    pub seen: i64,
    pub events: Vec<WireEvent>,
    #[serde(default)]
    pub attachments: BTreeMap<String, String>,
    #[serde(default)]
    pub signature: String,
    /// The author's ML-DSA-65 co-signature, when the team co-signs (`pedigree team pq on`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pq: Option<CoSignature>,
}

/// The object key of segment `number`.
pub fn key(number: i64) -> String {
    format!("segments/{}", name(number))
}

/// Its name inside `segments/` (zero-padded so names sort by number).
pub fn name(number: i64) -> String {
    format!("{number:012}.json")
}

/// The number a name inside `segments/` stands for.
pub fn number_of(name: &str) -> Option<i64> {
    let n = name.strip_suffix(".json")?;
    (n.len() == 12 && n.bytes().all(|b| b.is_ascii_digit())).then(|| n.parse().ok()).flatten()
}

impl pq::SignedDocument for Segment {
    fn signatures_mut(&mut self) -> (&mut String, &mut Option<CoSignature>) {
        (&mut self.signature, &mut self.pq)
    }
}

impl Segment {
    /// A segment of `events` signed by `me` (and co-signed with `pq` when given).
    pub fn signed(
        me: &Identity,
        pq: Option<&PqKey>,
        number: i64,
        seen: i64,
        events: Vec<WireEvent>,
        attachments: BTreeMap<String, String>,
    ) -> Segment {
        let mut s = Segment {
            format: FORMAT.into(),
            number,
            author: me.public_key_line(),
            seen,
            events,
            attachments,
            signature: String::new(),
            pq: None,
        };
        pq::sign_document(&mut s, me, pq, CONTEXT);
        s
    }

    /// The segment's bytes as written.
    pub fn to_bytes(&self) -> Vec<u8> {
        serde_json::to_vec(self).expect("segments serialise")
    }

    /// Parses and checks a segment read under `number`: its form, its author's signature over
    /// all of it, every event's hash and signature, and that its events chain one to the next.
    pub fn read(bytes: &[u8], number: i64) -> Result<Segment, String> {
        let s: Segment = serde_json::from_slice(bytes).map_err(|e| format!("is not a ledger segment: {e}"))?;
        if s.format != FORMAT {
            return Err(format!("has format {:?}; this Pedigree reads {FORMAT}", s.format));
        }
        if s.number != number {
            return Err(format!("says it is segment {} (renamed or copied)", s.number));
        }
        if s.seen >= s.number || s.seen < 0 {
            return Err(format!("claims its author had seen segment {} before writing it", s.seen));
        }
        pq::verify_document(&s.author, CONTEXT, &s, &s.signature, s.pq.as_ref())?;
        if s.events.is_empty() {
            return Err("holds no event".into());
        }
        let mut prev: Option<&str> = None;
        for e in &s.events {
            let p = e.check().map_err(|why| format!("event {}: {why}", e.seq))?;
            if e.signer.is_none() {
                return Err(format!("event {} is not signed", e.seq));
            }
            if prev.is_some_and(|h| h != p) {
                return Err(format!("event {} does not follow the one before it", e.seq));
            }
            prev = Some(&e.hash);
        }
        Ok(s)
    }

    /// The author's fingerprint.
    pub fn author_fingerprint(&self) -> String {
        ssh::parse_public_key_line(&self.author).map(|pk| ssh::fingerprint(&pk)).unwrap_or_else(|_| self.author.clone())
    }
}
