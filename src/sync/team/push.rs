//! Pushing this workspace's own events to the team ledger: the objects they need first, then
//! the signed segment, written create-only (a lost race takes the winner's segment in and tries
//! the next number).

use std::collections::BTreeMap;

use serde_json::{Value, json};

use super::project::object_key;
use super::segment::{self, Segment};
use super::store::{Created, LedgerStore};
use super::{ATTEMPTS, SEGMENT_EVENTS, TeamSync, bad, me};
use crate::audit::wire::WireEvent;
use crate::catalog::{audit_rows, datasets, ledger, models};
use crate::progress::{OnProgress, Progress, Unit};
use crate::sync::SyncError;
use crate::workspace::Workspace;

/// Pushes this workspace's events not on the ledger yet: objects first, then the segment,
/// create-only; a lost race takes in the winner's segment and tries the next number.
#[allow(clippy::too_many_arguments)]
pub(super) fn push(
    ws: &mut Workspace,
    remote: &str,
    store: &LedgerStore,
    owner: &str,
    seen: i64,
    team: &mut TeamSync,
    progress: OnProgress<'_>,
) -> Result<(), SyncError> {
    let me = me()?;
    loop {
        let mark = ledger::get(ws.catalog.conn(), remote)?.map(|r| r.pushed_seq).unwrap_or(0);
        let conn = ws.catalog.conn();
        let mut rows = audit_rows::own_after(conn, mark)?;
        let signatures = audit_rows::signatures(conn)?;
        if mark == 0 {
            // Events written before this person had a key cannot be vouched for; the ledger
            // starts at the first signed one.
            let first = rows.iter().position(|r| signatures.contains_key(&r.seq)).unwrap_or(rows.len());
            rows.drain(..first);
        }
        rows.truncate(SEGMENT_EVENTS);
        if rows.is_empty() {
            return Ok(());
        }
        if let Some(r) = rows.iter().find(|r| !signatures.contains_key(&r.seq)) {
            return Err(bad(format!(
                "your event {} is not signed, so the team could not trust it; run `pedigree audit verify`",
                r.seq
            )));
        }
        let mut attachments = BTreeMap::new();
        for r in &rows {
            team.objects_pushed += push_objects(ws, store, r, &mut attachments, progress)?;
        }
        let wire: Vec<WireEvent> = rows.iter().map(|r| WireEvent::of(r, signatures.get(&r.seq))).collect();
        let last_seq = rows.last().map(|r| r.seq).unwrap_or(mark);
        // With post-quantum co-signing on (here or by the team's switch), segments carry both.
        let pq = crate::governance::pq::co_signer(ws.catalog.conn())?;
        let mut attempts = 0;
        loop {
            let n = ledger::last_segment(ws.catalog.conn(), remote)? + 1;
            let seg = Segment::signed(me, pq, n, seen, wire.clone(), attachments.clone());
            let bytes = seg.to_bytes();
            match store.create(&segment::key(n), bytes.clone()).map_err(bad)? {
                Created::Written => {
                    let digest = crate::hash::sha256_hex(&bytes);
                    let now = crate::audit::now();
                    ws.catalog.write(|tx| {
                        ledger::insert_segment(tx, remote, n, &seg.author, &digest, &wire[wire.len() - 1].hash, &now)?;
                        audit_rows::set_segment(tx, wire[0].seq, last_seq, n)?;
                        ledger::clear_team_aliases(tx)?;
                        ledger::set_pushed(tx, remote, last_seq)
                    })?;
                    team.segments_pushed += 1;
                    team.events_pushed += wire.len() as u32;
                    break;
                }
                Created::Taken => {
                    attempts += 1;
                    team.races_lost += 1;
                    if attempts >= ATTEMPTS {
                        return Err(bad(format!(
                            "another member wrote segment {n} first {ATTEMPTS} times in a row; sync again in a moment"
                        )));
                    }
                    super::pull(ws, remote, store, owner, seen, team, progress)?;
                }
            }
        }
    }
}

/// Uploads what an event needs beyond its record: a registration's files and manifest, a
/// dataset's file list (named in `attachments`). Returns the objects written.
fn push_objects(
    ws: &Workspace,
    store: &LedgerStore,
    r: &audit_rows::AuditRow,
    attachments: &mut BTreeMap<String, String>,
    progress: OnProgress<'_>,
) -> Result<u32, SyncError> {
    let conn = ws.catalog.conn();
    let mut written = 0;
    // A file list as the ledger keeps it (a version's manifest, a dataset's list): by digest.
    let mut put_list = |files: &[models::FileEntry]| -> Result<String, SyncError> {
        let list: Vec<Value> = files.iter().map(|f| json!({"path": f.path, "size": f.size, "sha256": f.sha256})).collect();
        let bytes = crate::audit::canonical(&Value::Array(list)).into_bytes();
        let digest = crate::hash::sha256_hex(&bytes);
        if !store.exists(&object_key(&digest)).map_err(bad)? {
            store.create(&object_key(&digest), bytes).map_err(bad)?;
            written += 1;
        }
        Ok(digest)
    };
    match r.action.as_str() {
        "register_version" => {
            // By the event, not its number: after a conflict the version may be kept under another.
            let Some((model, version)) = models::registered_by(conn, r.seq)? else { return Ok(0) };
            let Some(id) = models::model_id(conn, &model)? else { return Ok(0) };
            let Some(v) = models::get_version(conn, id, &version)? else { return Ok(0) };
            put_list(&v.files)?;
            let total = v.files.len() as u64;
            for (i, f) in v.files.iter().enumerate() {
                progress(&Progress {
                    task: "pushing files".into(),
                    done: i as u64,
                    total,
                    unit: Unit::Files,
                    detail: Some(f.path.clone()),
                });
                if !store.exists(&object_key(&f.sha256)).map_err(bad)? {
                    store.upload(&object_key(&f.sha256), &ws.cas.object_path(&f.sha256)).map_err(bad)?;
                    written += 1;
                }
            }
        }
        "attach" | "run" => {
            // An attachment's bytes, a run's package list: by the digest the event signs.
            let payload: Value = serde_json::from_str(&r.payload).unwrap_or_default();
            let sha = payload["sha256"]
                .as_str()
                .or_else(|| payload.pointer("/environment/interpreter/packagesDigest").and_then(Value::as_str))
                .unwrap_or_default();
            if ws.cas.contains(sha) && !store.exists(&object_key(sha)).map_err(bad)? {
                store.upload(&object_key(sha), &ws.cas.object_path(sha)).map_err(bad)?;
                written += 1;
            }
        }
        "register_dataset" => {
            // By the event, not its subject: a number registered apart may have moved aside here.
            let Some((name, version)) = datasets::registered_by(conn, r.seq)? else { return Ok(0) };
            let digest = put_list(&datasets::files(conn, &name, &version)?)?;
            attachments.insert(r.hash.clone(), digest);
        }
        _ => {}
    }
    Ok(written)
}
