//! Replaying another member's event: the team ledger projects a pulled event by running the
//! same operation its author ran (approve, deploy, register…) with this thread set to replay
//! it. While set, the clock reads the event's time, the acting key is the author's, and
//! [`super::append`] records the author's signed event — after checking that the operation
//! produced that very event here — instead of writing one of this workspace's own. So the
//! rules (roles, maker ≠ checker, the production gate) hold for pulled events exactly as for
//! local ones, and a pulled event that does not hold here is refused, not half applied.

use std::cell::RefCell;

use serde_json::Value;

/// A verified event from another member, as its author signed it.
#[derive(Debug, Clone)]
pub struct Foreign {
    /// Whose chain it is in: the `ssh-ed25519 AAAA…` key of the member whose segment held it.
    pub author: String,
    /// Who signed it (who acted; the author, or someone they let act on their desktop).
    pub signer: String,
    pub signature: String,
    pub origin_seq: i64,
    pub ts: String,
    pub actor: String,
    pub action: String,
    pub subject: String,
    pub payload: Value,
    pub prev_hash: String,
    pub hash: String,
    /// One of this workspace's own events, restored from a copy elsewhere (its log's tail was
    /// cut): recorded in the own chain at its own seq.
    pub own: bool,
    /// The subject the operation acts on here when it differs from the event's (a version its
    /// author registered under a number another member took first is kept under another one).
    pub subject_here: Option<String>,
    /// The ledger segment that carried it.
    pub segment: Option<i64>,
    /// Payload fields the operation computes differently here by design (a concurrent alias
    /// move's `previous`): not compared.
    pub loose: Vec<&'static str>,
    /// An event already in this log (its seq), whose effects are derived again after an
    /// earlier one was put before it: the operation runs, nothing is appended.
    pub rederive: Option<i64>,
}

impl Foreign {
    /// The event of `author`'s chain a wire event carries, ready to replay.
    pub fn from_wire(author: &str, w: &super::wire::WireEvent) -> Result<Foreign, String> {
        let v: Value = serde_json::from_str(&w.record).map_err(|e| format!("event {}: {e}", w.seq))?;
        let s = |k: &str| v[k].as_str().unwrap_or_default().to_string();
        Ok(Foreign {
            author: author.to_string(),
            signer: w.signer.clone().unwrap_or_default(),
            signature: w.signature.clone().unwrap_or_default(),
            origin_seq: w.seq,
            ts: s("ts"),
            actor: s("actor"),
            action: s("action"),
            subject: s("subject"),
            payload: v["payload"].clone(),
            prev_hash: s("prev_hash"),
            hash: w.hash.clone(),
            own: false,
            subject_here: None,
            segment: None,
            loose: Vec::new(),
            rederive: None,
        })
    }
}

struct Active {
    event: Foreign,
    /// The local seq it was recorded at, once recorded.
    recorded: Option<i64>,
}

thread_local! {
    static ACTIVE: RefCell<Option<Active>> = const { RefCell::new(None) };
}

/// Runs `f` replaying `event`; returns what `f` returned and the local seq the event was
/// recorded at (`None`: the operation wrote no event, so nothing was projected).
pub fn replaying<R>(event: Foreign, f: impl FnOnce() -> R) -> (R, Option<i64>) {
    let before = ACTIVE.with(|a| a.replace(Some(Active { event, recorded: None })));
    let out = f();
    let recorded = ACTIVE.with(|a| std::mem::replace(&mut *a.borrow_mut(), before)).and_then(|a| a.recorded);
    (out, recorded)
}

/// The key that signed the event this thread replays (who acted).
pub fn signer() -> Option<String> {
    ACTIVE.with(|a| a.borrow().as_ref().map(|a| a.event.signer.clone()))
}

/// The replayed event's payload.
pub fn payload() -> Option<Value> {
    ACTIVE.with(|a| a.borrow().as_ref().map(|a| a.event.payload.clone()))
}

/// The replayed event's time.
pub fn ts() -> Option<String> {
    ACTIVE.with(|a| a.borrow().as_ref().map(|a| a.event.ts.clone()))
}

/// Payload fields an operation may compute differently here without the event being another:
/// what the author's local state or options added (the registration's store source, link mode,
/// the bump the policy explained; what a deployment replaced; the versions and deployments an
/// erasure request found affected).
const LOCAL_FIELDS: &[&str] = &["source", "link", "bump", "bumpReason", "replaces", "versions", "deployments"];

/// While replaying: checks that the operation's event is the replayed one and hands it over to
/// be recorded (once); `None` when not replaying.
pub(super) fn take(actor: &str, action: &str, subject: &str, payload: &Value) -> Option<Result<Foreign, String>> {
    ACTIVE.with(|a| {
        let mut a = a.borrow_mut();
        let active = a.as_mut()?;
        let e = &active.event;
        let differs =
            |what: &str, here: &str, there: &str| Some(Err(format!("the {what} here is {here:?}, the event's {there:?}")));
        if active.recorded.is_some() {
            return Some(Err(format!("the operation wrote a second event ({action} {subject}) where its author wrote one")));
        }
        if action != e.action {
            return differs("action", action, &e.action);
        }
        if subject != e.subject_here.as_deref().unwrap_or(&e.subject) {
            return differs("subject", subject, &e.subject);
        }
        if actor != e.actor {
            return differs("actor", actor, &e.actor);
        }
        if let (Some(here), Some(there)) = (payload.as_object(), e.payload.as_object()) {
            for (k, v) in here {
                if LOCAL_FIELDS.contains(&k.as_str()) || e.loose.contains(&k.as_str()) {
                    continue;
                }
                if there.get(k) != Some(v) {
                    return Some(Err(format!(
                        "its {k} comes out as {v} here, the event says {}",
                        there.get(k).unwrap_or(&Value::Null)
                    )));
                }
            }
        }
        Some(Ok(e.clone()))
    })
}

/// Notes the local seq the replayed event was recorded at.
pub(super) fn recorded(seq: i64) {
    ACTIVE.with(|a| {
        if let Some(active) = a.borrow_mut().as_mut() {
            active.recorded = Some(seq);
        }
    });
}
