//! The team ledger: every member's signed events on object storage the team already runs
//! (`pedigree remote add team ledger s3://…|file:///…`), so approvals, deployments and roster
//! changes reach everyone without a server of Pedigree's own.
//!
//! Layout under the ledger's URL:
//! - `segments/NNNNNNNNNNNN.json`: numbered from 1 with no gap, each a run of one member's own
//!   audit chain signed by them ([`segment`]); written create-only, so the number is the team's
//!   one order of events: two members racing for a number — one wins, the other takes in the
//!   winner's segment and tries the next;
//! - `objects/sha256/HEX`: content-addressed bytes — model files, version manifests (named by
//!   the manifest digest their registration signs) and datasets' file lists.
//!
//! `pedigree sync team` takes in new segments in order — each checked (signature, chain, the
//! author's and every signer's membership at that point of the order, the roster rooted in the
//! owner key pinned when the ledger was added) and its events projected ([`project`]) — then
//! pushes this workspace's new events with the objects they need. Members who took in the same
//! segments hold the same shared state ([`state_digest`]).

use serde::{Deserialize, Serialize};
use serde_json::Value;
use ts_rs::TS;

mod conflict;
pub mod project;
mod project_history;
mod push;
pub mod segment;
pub mod store;

use super::{Item, SyncError, SyncReport};
use crate::audit::replay::Foreign;
use crate::audit::wire::WireEvent;
use crate::catalog::{audit_rows, ledger, roster};
use crate::identity::{self, Identity};
use crate::progress::{OnProgress, Progress, Unit};
use crate::workspace::Workspace;
use project::Outcome;
use segment::Segment;
use store::LedgerStore;

/// Events per segment a push writes at most.
const SEGMENT_EVENTS: usize = 5_000;
/// Segment numbers a push tries before giving up (each loss means another member just wrote).
const ATTEMPTS: u32 = 8;

/// What a team sync did, beside the registry counts of [`SyncReport`].
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct TeamSync {
    /// Segments taken in (other members' and this workspace's own from another copy).
    pub segments_pulled: u32,
    pub events_pulled: u32,
    /// Pulled events whose operation ran here.
    pub projected: u32,
    /// Pulled events about their author's desktop only (kept in the log).
    pub local_only: u32,
    /// Pulled events (or whole segments) refused, and why; kept as evidence, not projected.
    pub refused: Vec<Item>,
    pub segments_pushed: u32,
    pub events_pushed: u32,
    pub objects_pushed: u32,
    /// This workspace's own events restored from the ledger (its log's tail had been cut).
    pub restored: u32,
    /// Segment numbers lost to another member writing first (then retried).
    pub races_lost: u32,
    /// The ledger's last segment after the sync.
    #[ts(type = "number")]
    pub ledger_segments: i64,
    /// The shared state's digest after the sync (`pedigree state-digest`).
    pub state_digest: String,
}

/// The digest of the shared state: SHA-256 of the RFC 8785 canonical JSON of
/// `catalog::state::shared`.
pub fn state_digest(conn: &crate::catalog::Conn) -> Result<String, SyncError> {
    let state = crate::catalog::state::shared(conn)?;
    Ok(crate::hash::sha256_hex(crate::audit::canonical(&Value::Object(state)).as_bytes()))
}

fn me() -> Result<&'static Identity, SyncError> {
    identity::current()
        .map_err(SyncError::Local)?
        .ok_or_else(|| SyncError::Local("a team ledger needs your signing key: run this from the CLI or the app".into()))
}

fn bad(why: String) -> SyncError {
    SyncError::Local(why)
}

/// `remote add NAME ledger URL [--trust OWNER-KEY]`: without `--trust`, your own key when you
/// own this workspace's roster; otherwise the owner who started the ledger's roster is named,
/// for you to check with them and confirm with `--trust` (as SSH shows a new host's key).
pub fn add(ws: &mut Workspace, name: &str, url: &str, trust: Option<&str>, actor: &str) -> Result<(), SyncError> {
    let owner = match trust {
        Some(t) => crate::governance::team::parse_member_key(t).map_err(|e| bad(e.to_string()))?.0,
        None => {
            let mine = me()?.public_key_line();
            let own = roster::member(ws.catalog.conn(), &mine)?.is_some_and(|m| m.roles.iter().any(|r| r == "owner"));
            if own {
                mine
            } else {
                let ledger = LedgerStore::open(url).map_err(bad)?;
                return Err(bad(match first_owner(&ledger)? {
                    Some((key, fp)) => format!(
                        "the team ledger at {url} was started by the owner {fp}; check that fingerprint with them, then run again with --trust \"{key}\""
                    ),
                    None => format!(
                        "the team ledger at {url} has no roster yet: its owner runs `pedigree team init` and syncs first; join with --trust OWNER-PUBLIC-KEY"
                    ),
                }));
            }
        }
    };
    crate::remote::config::add(ws, name, "ledger", url, None, actor)?;
    ws.catalog.write(|tx| ledger::insert(tx, name, &owner))?;
    Ok(())
}

/// The key and fingerprint of whoever started the ledger's roster (its first `team_init`).
fn first_owner(ledger: &LedgerStore) -> Result<Option<(String, String)>, SyncError> {
    for name in ledger.list_after("segments", "").map_err(bad)? {
        let Some(n) = segment::number_of(&name) else { continue };
        let Some(bytes) = ledger.get(&segment::key(n)).map_err(bad)? else { continue };
        let Ok(s) = Segment::read(&bytes, n) else { continue };
        if s.events.iter().any(|e| e.record.contains("\"action\":\"team_init\"")) {
            return Ok(Some((s.author.clone(), s.author_fingerprint())));
        }
    }
    Ok(None)
}

/// `pedigree sync team`: take in, then push.
/// `--push-only` pushes from where this workspace last took in (a segment number taken by then
/// is found taken, and taken in, before trying the next).
pub fn sync(
    ws: &mut Workspace,
    name: &str,
    pull_only: bool,
    push_only: bool,
    progress: OnProgress<'_>,
) -> Result<SyncReport, SyncError> {
    let row = crate::remote::config::row(ws, name)?;
    let trust = ledger::get(ws.catalog.conn(), name)?
        .ok_or_else(|| bad(format!("{name} has no trusted owner key; remove it and add it again with --trust")))?;
    let store = LedgerStore::open(&row.url).map_err(bad)?;
    let mut team = TeamSync::default();
    // What this workspace had taken in when its unpushed events were written.
    let seen = ledger::last_segment(ws.catalog.conn(), name)?;
    if !push_only {
        pull(ws, name, &store, &trust.owner_key, seen, &mut team, progress)?;
    }
    if !pull_only {
        push::push(ws, name, &store, &trust.owner_key, seen, &mut team, progress)?;
    }
    team.ledger_segments = ledger::last_segment(ws.catalog.conn(), name)?;
    team.state_digest = state_digest(ws.catalog.conn())?;
    // Every conflict between members still open: the team is not in step until an owner resolves it.
    let conflicts = super::open_conflict_items(
        ws,
        name,
        "two members changed the {field} apart; {kept} holds, {other} was kept too (an owner chooses)",
    )?;
    let report =
        SyncReport { remote: name.to_string(), requests: store.requests(), team: Some(team), conflicts, ..Default::default() };
    let json = serde_json::to_string(&report).expect("reports serialise");
    ws.catalog.write(|tx| crate::catalog::remotes::set_last_sync(tx, name, &crate::audit::now(), &json))?;
    Ok(report)
}

/// Takes in every segment after the last one taken in, in order, up to the first gap.
fn pull(
    ws: &mut Workspace,
    remote: &str,
    store: &LedgerStore,
    owner: &str,
    own_seen: i64,
    team: &mut TeamSync,
    progress: OnProgress<'_>,
) -> Result<(), SyncError> {
    // Segments taken in before whose last event is no longer in the log: its tail was cut
    // (rows deleted by hand, a catalog restored from a backup). Taken in again, they restore
    // what is missing.
    for n in ledger::missing_tails(ws.catalog.conn(), remote)? {
        let Some(bytes) = store.get(&segment::key(n)).map_err(bad)? else { continue };
        take_in(ws, remote, store, owner, own_seen, n, &bytes, team)?;
    }
    let last = ledger::last_segment(ws.catalog.conn(), remote)?;
    let names = store.list_after("segments", &segment::name(last)).map_err(bad)?;
    let numbers: Vec<i64> = names.iter().filter_map(|n| segment::number_of(n)).filter(|n| *n > last).collect();
    let total = numbers.len() as u64;
    for (i, n) in numbers.into_iter().enumerate() {
        let expected = last + 1 + i as i64;
        if n != expected {
            team.refused.push(Item {
                subject: segment::key(expected),
                reason: format!(
                    "segment {expected} is missing from the ledger (the next is {n}): deleted, or not written yet; later segments wait for it"
                ),
            });
            break;
        }
        progress(&Progress { task: "taking in".into(), done: i as u64, total, unit: Unit::Files, detail: Some(segment::key(n)) });
        let Some(bytes) = store.get(&segment::key(n)).map_err(bad)? else { break };
        take_in(ws, remote, store, owner, own_seen, n, &bytes, team)?;
    }
    if total > 0 {
        progress(&Progress { task: "taking in".into(), done: total, total, unit: Unit::Files, detail: None });
    }
    Ok(())
}

/// Why a whole segment is refused, if it is: its form and signature, that its author's chain is
/// unbroken (no earlier segment of theirs failed its checks, and it follows their last event
/// taken in) — `Broken` — or its author's membership (or, before any roster, being the pinned
/// owner) — `Refused`.
fn check_segment(ws: &Workspace, remote: &str, owner: &str, n: i64, bytes: &[u8]) -> Result<Checked, SyncError> {
    let s = match Segment::read(bytes, n) {
        Ok(s) => s,
        Err(why) => {
            let claimed = serde_json::from_slice::<Value>(bytes)
                .ok()
                .and_then(|v| v["author"].as_str().map(str::to_string))
                .unwrap_or_default();
            return Ok(Checked::Broken(claimed, format!("segment {n} {why}")));
        }
    };
    let conn = ws.catalog.conn();
    if let Some(b) = ledger::first_broken(conn, remote, &s.author)? {
        return Ok(Checked::Broken(
            s.author.clone(),
            format!(
                "segment {n} by {} follows their segment {b}, which failed its checks; their segments wait until that is repaired",
                s.author_fingerprint()
            ),
        ));
    }
    let first = &s.events[0];
    let prev = serde_json::from_str::<Value>(&first.record)
        .ok()
        .and_then(|v| v["prev_hash"].as_str().map(str::to_string))
        .unwrap_or_default();
    if let Some(h) = audit_rows::author_head(conn, &s.author)? {
        let continues = prev == h.hash || audit_rows::origin_hash(conn, &s.author, first.seq)?.as_deref() == Some(&first.hash);
        if !continues {
            return Ok(Checked::Broken(
                s.author.clone(),
                format!(
                    "segment {n} by {} does not follow their previous event on this ledger (a segment of theirs was lost or altered)",
                    s.author_fingerprint()
                ),
            ));
        }
    }
    if let Err(why) = may_sign(conn, owner, &s.author)? {
        return Ok(Checked::Refused(format!("segment {n} is by {}: {why}", s.author_fingerprint())));
    }
    Ok(Checked::Good(s))
}

enum Checked {
    Good(Segment),
    /// Failed its checks (the author it names, why): that author's later segments wait.
    Broken(String, String),
    /// Sound, but its author may not write to the team (why).
    Refused(String),
}

/// Whether `key` may sign team events at this point of the order: a member now, or, before the
/// roster exists, the owner pinned when the ledger was added.
fn may_sign(conn: &crate::catalog::Conn, owner: &str, key: &str) -> Result<Result<(), String>, SyncError> {
    if roster::exists(conn)? {
        if roster::member(conn, key)?.is_some() {
            return Ok(Ok(()));
        }
        let was = roster::ever(conn, key)?;
        return Ok(Err(if was { "removed from the team before this point".into() } else { "not a member of the team".into() }));
    }
    Ok(if key == owner { Ok(()) } else { Err("not the owner this ledger was trusted with (no roster yet)".into()) })
}

/// Verifies and projects one segment. `own_seen`: what this workspace had taken in when its
/// unpushed events were written.
#[allow(clippy::too_many_arguments)]
fn take_in(
    ws: &mut Workspace,
    remote: &str,
    store: &LedgerStore,
    owner: &str,
    own_seen: i64,
    n: i64,
    bytes: &[u8],
    team: &mut TeamSync,
) -> Result<(), SyncError> {
    let digest = crate::hash::sha256_hex(bytes);
    let now = crate::audit::now();
    let refuse = |ws: &mut Workspace, team: &mut TeamSync, author: &str, broken: bool, reason: String| {
        let r = ledger::Refusal { number: n, hash: digest.clone(), subject: segment::key(n), reason: reason.clone() };
        team.refused.push(Item { subject: segment::key(n), reason });
        ws.catalog.write(|tx| {
            ledger::insert_refusal(tx, remote, &r)?;
            if broken {
                ledger::insert_broken(tx, remote, n, author, &digest, &now)
            } else {
                ledger::insert_segment(tx, remote, n, author, &digest, "", &now)
            }
        })
    };
    let s = match check_segment(ws, remote, owner, n, bytes)? {
        Checked::Good(s) => s,
        Checked::Broken(author, reason) => return Ok(refuse(ws, team, &author, true, reason)?),
        Checked::Refused(reason) => return Ok(refuse(ws, team, "", false, reason)?),
    };
    team.segments_pulled += 1;
    let mine = me()?.public_key_line();
    if s.author == mine {
        own_segment(ws, remote, store, &s, &digest, team)?;
        return Ok(());
    }
    let pushed = ledger::get(ws.catalog.conn(), remote)?.map(|r| r.pushed_seq).unwrap_or(0);
    let ctx = project::Ctx { remote: remote.to_string(), pushed, seen: s.seen, own_seen };
    // Events that need the ledger's objects run alone; the others in one transaction per run
    // of them, each under a savepoint (a refusal undoes that event only).
    let mut rest = &s.events[..];
    while !rest.is_empty() {
        let solo = project::needs_objects(&action_of(&rest[0]));
        let take = if solo { 1 } else { rest.iter().take_while(|w| !project::needs_objects(&action_of(w))).count() };
        let (batch, after) = rest.split_at(take);
        rest = after;
        if solo {
            let w = &batch[0];
            let Some((e, refused)) = unseen_event(ws.catalog.conn(), owner, &s.author, n, w)? else { continue };
            let outcome = match refused {
                Some(why) => Outcome::Refused(why),
                None => project::apply_with_objects(ws, store, &e, s.attachments.get(&w.hash).map(String::as_str), &ctx)
                    .map_err(bad)?,
            };
            ws.catalog.write(|tx| settle_outcome(tx, remote, n, &e, outcome, team))?;
            continue;
        }
        ws.catalog.write(|tx| -> Result<(), SyncError> {
            for w in batch {
                let Some((e, refused)) = unseen_event(tx, owner, &s.author, n, w)? else { continue };
                let outcome = match refused {
                    Some(why) => Outcome::Refused(why),
                    None => project::apply(tx, &e, &ctx)?,
                };
                settle_outcome(tx, remote, n, &e, outcome, team)?;
            }
            Ok(())
        })?;
    }
    let last_hash = s.events.last().map(|e| e.hash.clone()).unwrap_or_default();
    ws.catalog.write(|tx| ledger::insert_segment(tx, remote, n, &s.author, &digest, &last_hash, &now))?;
    Ok(())
}

/// Event `w` of `author`'s segment `n` unless it was taken in before (an interrupted sync), with
/// why it may not be projected at this point of the order, if it may not.
fn unseen_event(
    conn: &crate::catalog::Conn,
    owner: &str,
    author: &str,
    n: i64,
    w: &WireEvent,
) -> Result<Option<(Foreign, Option<String>)>, SyncError> {
    if audit_rows::origin_hash(conn, author, w.seq)?.is_some() {
        return Ok(None);
    }
    let mut e = foreign(author, w)?;
    e.segment = Some(n);
    let refused = refusal(conn, owner, &e)?;
    Ok(Some((e, refused)))
}

/// The action a wire event's record names.
fn action_of(w: &WireEvent) -> String {
    serde_json::from_str::<Value>(&w.record).ok().and_then(|v| v["action"].as_str().map(str::to_string)).unwrap_or_default()
}

/// Why an event may not be projected at this point of the order: its signer is not a member
/// (before any roster: it is not in the trusted owner's segment), or it starts a roster the
/// owner did not.
fn refusal(conn: &crate::catalog::Conn, owner: &str, e: &Foreign) -> Result<Option<String>, SyncError> {
    // Before the roster exists, the trusted owner's segments carry their workspace's history:
    // events others signed on their desktop then (a checker's approval) come vouched for by them.
    if !roster::exists(conn)? && e.author == owner && e.action != "team_init" {
        return Ok(None);
    }
    Ok(match may_sign(conn, owner, &e.signer)? {
        Err(why) => Some(format!("signed by {}: {why}", fingerprint(&e.signer))),
        Ok(()) if e.action == "team_init" && e.signer != owner => {
            Some("a roster not started by the owner this ledger was trusted with".into())
        }
        Ok(()) => None,
    })
}

/// Counts what became of a pulled event; one not projected is kept in the log as signed, and a
/// refusal recorded.
fn settle_outcome(
    tx: &crate::catalog::Conn,
    remote: &str,
    n: i64,
    e: &Foreign,
    outcome: Outcome,
    team: &mut TeamSync,
) -> Result<(), SyncError> {
    team.events_pulled += 1;
    match outcome {
        Outcome::Projected => team.projected += 1,
        Outcome::LocalOnly => {
            project::record_only(tx, e)?;
            team.local_only += 1;
        }
        Outcome::Refused(reason) => {
            project::record_only(tx, e)?;
            let r = ledger::Refusal { number: n, hash: e.hash.clone(), subject: e.subject.clone(), reason: reason.clone() };
            ledger::insert_refusal(tx, remote, &r)?;
            team.refused.push(Item { subject: format!("{} {} (segment {n})", e.action, e.subject), reason });
        }
    }
    Ok(())
}

fn fingerprint(key: &str) -> String {
    identity::ssh::parse_public_key_line(key).map(|pk| identity::ssh::fingerprint(&pk)).unwrap_or_else(|_| key.to_string())
}

/// A wire event of `author`'s chain as a replayable event.
fn foreign(author: &str, w: &WireEvent) -> Result<Foreign, SyncError> {
    Foreign::from_wire(author, w).map_err(bad)
}

/// One of this workspace's own segments, seen on the ledger: its events must be the ones here.
/// Those missing at the log's end — its tail was cut (a catalog restored from a backup, rows
/// deleted by hand) — are restored from the ledger by replaying them; one that differs from the
/// event here is named (this log was rewritten). The push mark moves past them.
fn own_segment(
    ws: &mut Workspace,
    remote: &str,
    store: &LedgerStore,
    s: &Segment,
    digest: &str,
    team: &mut TeamSync,
) -> Result<(), SyncError> {
    let mut last = 0;
    for w in &s.events {
        let here = audit_rows::hash_at(ws.catalog.conn(), w.seq)?;
        match here {
            Some(h) if h == w.hash => last = w.seq,
            None if w.seq == audit_rows::last_seq(ws.catalog.conn())? + 1 => {
                let mut e = foreign(&s.author, w)?;
                e.own = true;
                e.segment = Some(s.number);
                // Restoring: nothing of ours is pending before it.
                let ctx = project::Ctx { remote: remote.to_string(), pushed: i64::MAX, seen: s.seen, own_seen: s.seen };
                if let Outcome::Refused(why) =
                    project::apply_with_objects(ws, store, &e, s.attachments.get(&w.hash).map(String::as_str), &ctx)
                        .map_err(bad)?
                {
                    team.refused
                        .push(Item { subject: format!("event {}", w.seq), reason: format!("restoring your own event: {why}") });
                }
                if audit_rows::hash_at(ws.catalog.conn(), w.seq)?.is_none() {
                    ws.catalog.write(|tx| project::record_only(tx, &e))?;
                }
                team.restored += 1;
                last = w.seq;
            }
            _ => {
                team.refused.push(Item {
                    subject: format!("event {}", w.seq),
                    reason: format!(
                        "your own event {} on the ledger (segment {}) differs from the one here: this log was rewritten",
                        w.seq, s.number
                    ),
                });
                break;
            }
        }
    }
    let now = crate::audit::now();
    let first = s.events.first().map(|e| e.seq).unwrap_or(0);
    ws.catalog.write(|tx| {
        ledger::set_pushed(tx, remote, last)?;
        audit_rows::set_segment(tx, first, last, s.number)?;
        ledger::insert_segment(
            tx,
            remote,
            s.number,
            &s.author,
            digest,
            &s.events.last().map(|e| e.hash.clone()).unwrap_or_default(),
            &now,
        )
    })?;
    Ok(())
}

/// An owner's choice on a conflict between members: `Local` keeps what holds, `Remote` takes what
/// did not win (the alias moved there; the version kept aside takes the number). Projected on
/// every copy by its `resolve_conflict` event.
pub fn resolve(
    ws: &mut Workspace,
    c: &crate::catalog::remotes::Conflict,
    take: super::conflicts::Take,
    actor: &str,
) -> Result<(), SyncError> {
    let took = if take == super::conflicts::Take::Local { "local" } else { "remote" };
    let other = c.remote_value.clone().unwrap_or_default();
    ws.catalog.write(|tx| -> Result<(), SyncError> {
        crate::governance::team::require_role(tx, "owner", &format!("resolving the conflict on {}", c.subject))?;
        if c.field == "alias" && take == super::conflicts::Take::Remote {
            let (model, alias) = c.subject.rsplit_once('@').unwrap_or_default();
            if other == "(removed)" {
                crate::governance::aliases::remove(tx, model, alias, actor)?;
            } else {
                crate::governance::aliases::set(tx, &format!("{model}@{other}"), alias, actor)?;
            }
        }
        conflict::settle(tx, &c.subject, &c.field, &other, took, actor)?;
        Ok(())
    })
}
