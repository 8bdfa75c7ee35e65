//! Signed heads of the audit log, kept outside the catalog. A hash chain cannot see its own
//! missing tail: delete the newest events (and their signatures) from `catalog.sqlite` and what
//! remains is a valid, shorter chain. So after every write that adds events, the person's key
//! signs the new head (`seq`, `hash`) and it is appended to `log/heads.jsonl` in the workspace,
//! a file an edit of the catalog does not reach. `audit verify` compares the log with the
//! newest head there: a head past the log's end names the cut tail; a head whose hash differs
//! from the event at its seq names a rewrite.

use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicI64, Ordering};

use base64::Engine;
use rusqlite::Connection;
use serde::{Deserialize, Serialize};

use crate::catalog::{CatalogError, audit_rows};
use crate::identity::{self, ssh};

/// What a head signature covers: this context, the seq, a newline, the hash (hex).
const HEAD_CONTEXT: &str = "pedigree audit head v1\n";

/// The heads file, relative to the workspace.
pub const FILE: &str = "log/heads.jsonl";

/// One signed head.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Head {
    pub seq: i64,
    pub hash: String,
    /// `ssh-ed25519 AAAA…`.
    pub signer: String,
    pub signature: String,
}

fn message(seq: i64, hash: &str) -> Vec<u8> {
    format!("{HEAD_CONTEXT}{seq}\n{hash}").into_bytes()
}

impl Head {
    /// Whether the signature is the signer's over this head.
    pub fn verifies(&self) -> bool {
        let (Ok(pk), Ok(sig)) =
            (ssh::parse_public_key_line(&self.signer), base64::engine::general_purpose::STANDARD.decode(&self.signature))
        else {
            return false;
        };
        ring::signature::UnparsedPublicKey::new(&ring::signature::ED25519, pk)
            .verify(&message(self.seq, &self.hash), &sig)
            .is_ok()
    }
}

fn path(root: &Path) -> PathBuf {
    root.join(FILE)
}

/// The last line of the heads file (read from its end).
fn last(root: &Path) -> Option<Head> {
    let mut f = std::fs::File::open(path(root)).ok()?;
    let len = f.metadata().ok()?.len();
    let start = len.saturating_sub(4096);
    f.seek(SeekFrom::Start(start)).ok()?;
    let mut tail = String::new();
    f.read_to_string(&mut tail).ok()?;
    tail.lines().rev().find_map(|l| serde_json::from_str(l).ok())
}

/// After a write: when this process signs and the log's head moved past the last recorded one,
/// signs the new head and appends it. `recorded` keeps the last recorded seq between writes
/// (negative until the file's last line has been read once), so writes that add no event read
/// nothing but the log's head. A failure is reported on stderr, never undoes the write.
pub fn record(conn: &Connection, root: &Path, recorded: &AtomicI64) {
    let Ok(Some(id)) = identity::current() else { return };
    let Ok(Some(h)) = audit_rows::head(conn) else { return };
    let known = match recorded.load(Ordering::Relaxed) {
        n if n < 0 => last(root).map_or(0, |l| l.seq),
        n => n,
    };
    recorded.store(known, Ordering::Relaxed);
    if known >= h.seq {
        return;
    }
    let seq = h.seq;
    let signature = base64::engine::general_purpose::STANDARD.encode(id.sign_raw(&message(h.seq, &h.hash)));
    let head = Head { seq: h.seq, hash: h.hash, signer: id.public_key_line(), signature };
    let line = format!("{}\n", serde_json::to_string(&head).expect("heads serialise"));
    let file = path(root);
    let written = std::fs::create_dir_all(file.parent().expect("a folder"))
        .and_then(|()| std::fs::OpenOptions::new().create(true).append(true).open(&file))
        .and_then(|mut f| f.write_all(line.as_bytes()).and_then(|()| f.sync_data()));
    match written {
        Ok(()) => recorded.store(seq, Ordering::Relaxed),
        Err(e) => eprintln!("warning: cannot keep the signed log head in {}: {e}", file.display()),
    }
}

/// What the heads file says of the log: the first problem as (seq, what), if any. Lines that do
/// not parse or whose signature does not verify are ignored; the message names the key that
/// signed the head it rests on (whoever can write the workspace can also delete it outright;
/// what a head proves is that its signer saw the log reach that event).
pub fn check(conn: &Connection, root: &Path, events: i64) -> Result<Option<(i64, String)>, CatalogError> {
    let Ok(text) = std::fs::read_to_string(path(root)) else { return Ok(None) };
    let heads: Vec<Head> = text.lines().filter_map(|l| serde_json::from_str::<Head>(l).ok()).filter(Head::verifies).collect();
    let Some(newest) = heads.iter().max_by_key(|h| h.seq) else { return Ok(None) };
    if newest.seq > events {
        let fp = ssh::parse_public_key_line(&newest.signer).map(|pk| ssh::fingerprint(&pk)).unwrap_or_default();
        return Ok(Some((
            events + 1,
            format!(
                "events {} to {} are missing: the log ends at {events}, but a head signed by {fp} records event {} (its tail was cut)",
                events + 1,
                newest.seq,
                newest.seq
            ),
        )));
    }
    for h in &heads {
        if audit_rows::hash_at(conn, h.seq)?.is_some_and(|stored| stored != h.hash) {
            return Ok(Some((h.seq, format!("event {} is not the one its signed head records (rewritten)", h.seq))));
        }
    }
    Ok(None)
}
