//! What two members did apart to one thing — the same alias moved, the same MODEL@VERSION
//! registered with other files — comes out the same on every copy, by the ledger's order:
//!
//! - an alias move whose `previous` is not the alias's value here was made without knowing the
//!   value here. If that value is this workspace's own move not pushed yet, it will come later in
//!   the order and stays; otherwise the incoming move is the later one and applies. Either way
//!   the value that did not win is recorded as a conflict.
//! - a registration under a number another version holds here: the one first in the order keeps
//!   the number, the other is kept too, under `VERSION+conflict.HASH8` (its registration's
//!   hash); this workspace's own registration not pushed yet is the later one and moves aside.
//!   Its author's other events written before they knew (an alias move, a model trained on it,
//!   a child of it) mean the version kept aside. Dataset versions registered apart under one
//!   number (`NAME@N`) go the same way.
//!
//! Conflicts are listed with the registry ones (`pedigree conflicts`) and resolved by an owner
//! (`pedigree resolve ID --take local|remote`): a `resolve_conflict` event every copy projects.

use serde_json::{Value, json};

use super::project::{Ctx, Outcome, record_only, replay};
use crate::audit::{self, replay::Foreign, wire::WireEvent};
use crate::catalog::{self, CatalogError, aliases, audit_rows, datasets, deployments, ledger, models};
use crate::governance;
use crate::ids;

/// Whether catalog event `seq` is this workspace's own, not pushed to the ledger yet (so it will
/// come after everything taken in now).
pub fn own_pending(tx: &catalog::Conn, seq: i64, ctx: &Ctx) -> Result<bool, CatalogError> {
    Ok(seq > ctx.pushed && audit_rows::is_own(tx, seq)?)
}

/// The value an alias conflict records for a move (a version, or the alias removed).
fn shown(v: Option<&str>) -> String {
    v.map(str::to_string).unwrap_or_else(|| "(removed)".into())
}

/// `set_alias` / `remove_alias`, concurrent moves included.
pub fn alias_move(tx: &catalog::Conn, e: &Foreign, ctx: &Ctx, mv: AliasMove) -> Result<Outcome, CatalogError> {
    let p = &e.payload;
    let AliasMove { target, previous } = mv;
    let model = e.subject.strip_prefix("model:").unwrap_or_default();
    let alias = p["alias"].as_str().unwrap_or_default();
    let op = |tx: &catalog::Conn| -> Result<(), String> {
        let r = match &target {
            Some(v) => governance::aliases::set(tx, &format!("{model}@{v}"), alias, &e.actor).map(drop),
            None => governance::aliases::remove(tx, model, alias, &e.actor).map(drop),
        };
        r.map_err(|x| x.to_string())
    };
    let Some(model_id) = models::model_id(tx, model)? else { return replay(tx, e, op) };
    let subject = format!("{model}@{alias}");
    if let Some(own) = own_moves(tx, ctx, model_id, &e.subject, alias)? {
        return before_own_moves(tx, e, ctx, &subject, model_id, alias, AliasMove { target, previous }, own);
    }
    let current = aliases::of_model(tx, model_id)?.into_iter().find(|a| a.alias == alias);
    let here = current.as_ref().map(|a| a.version.clone());
    if here == previous {
        return replay(tx, e, op);
    }
    if here == target {
        // Both moved it to the same place: nothing to choose.
        record_only(tx, e)?;
        return Ok(Outcome::Projected);
    }
    // Made without knowing the value here, and later in the order: it applies over it.
    let mut later = e.clone();
    later.loose.push("previous");
    let out = replay(tx, &later, op)?;
    if out == Outcome::Projected {
        let seq = audit_rows::last_seq(tx)?;
        ledger::record_conflict(
            tx,
            &ctx.remote,
            &subject,
            "alias",
            &shown(target.as_deref()),
            &shown(here.as_deref()),
            &e.ts,
            seq,
        )?;
    }
    Ok(out)
}

/// This workspace's moves of one alias not pushed yet: the first one's event seq, what it
/// replaced, where it moved the alias, and where the last one left it.
struct OwnMoves {
    first_seq: i64,
    previous: Option<String>,
    first_target: Option<String>,
    last_target: Option<String>,
    /// The last one's actor, time and event.
    last: (String, String, i64),
}

fn own_moves(
    tx: &catalog::Conn,
    ctx: &Ctx,
    model_id: i64,
    model_node: &str,
    alias: &str,
) -> Result<Option<OwnMoves>, CatalogError> {
    let mut found = Vec::new();
    for r in audit_rows::own_after(tx, ctx.pushed)? {
        let Ok(p) = serde_json::from_str::<Value>(&r.payload) else { continue };
        if !(matches!(r.action.as_str(), "set_alias" | "remove_alias") && r.subject == model_node && p["alias"] == alias) {
            continue;
        }
        // Where it put the alias by the version's number now (ours may have moved aside since).
        let target = aliases::move_target(tx, model_id, alias, r.seq)?
            .unwrap_or_else(|| (r.action == "set_alias").then(|| p["version"].as_str().unwrap_or_default().to_string()));
        found.push((r.seq, p["previous"].as_str().map(str::to_string), target, (r.actor.clone(), r.ts.clone(), r.seq)));
    }
    let mut moves = found.into_iter();
    let Some((first_seq, previous, first_target, first)) = moves.next() else { return Ok(None) };
    let (last_target, last) = moves.last().map(|m| (m.2, m.3)).unwrap_or_else(|| (first_target.clone(), first));
    Ok(Some(OwnMoves { first_seq, previous, first_target, last_target, last }))
}

/// An incoming move of an alias this workspace moved too, not pushed yet: on every copy the
/// incoming one comes first. It is applied to the value the team's order gives the alias (kept
/// aside while ours wait), with the rules of [`alias_move`]; ours then comes after it, as every
/// other copy will take it in: a conflict if it was made without knowing that value, and the
/// alias credited to the incoming move if ours only moved it where it already was.
#[allow(clippy::too_many_arguments)]
fn before_own_moves(
    tx: &catalog::Conn,
    e: &Foreign,
    ctx: &Ctx,
    subject: &str,
    model_id: i64,
    alias: &str,
    mv: AliasMove,
    own: OwnMoves,
) -> Result<Outcome, CatalogError> {
    let AliasMove { target, previous } = mv;
    let mut team = match ledger::team_alias(tx, subject)? {
        Some(t) if t.own_seq == own.first_seq => t,
        _ => ledger::TeamAlias { own_seq: own.first_seq, value: own.previous.clone(), set: None },
    };
    let seq = record_only(tx, e)?;
    // What ours was recorded against is replaced below, after this move.
    ledger::drop_open_conflicts_of(tx, subject, "alias", own.first_seq)?;
    if previous != team.value && target != team.value {
        ledger::record_conflict(
            tx,
            &ctx.remote,
            subject,
            "alias",
            &shown(target.as_deref()),
            &shown(team.value.as_deref()),
            &e.ts,
            seq,
        )?;
    }
    if target != team.value {
        team.value = target;
        team.set = Some((e.actor.clone(), e.ts.clone(), seq));
    }
    ledger::set_team_alias(tx, subject, &team)?;
    // Ours, after it.
    if own.previous != team.value && own.first_target != team.value {
        ledger::record_conflict(
            tx,
            &ctx.remote,
            subject,
            "alias",
            &shown(own.first_target.as_deref()),
            &shown(team.value.as_deref()),
            &e.ts,
            own.first_seq,
        )?;
    }
    // Who put the alias where it is: the incoming move if ours changed nothing after it, else ours.
    let (by, at, set_seq) = match &team.set {
        Some(set) if own.first_target == team.value && own.last_target == own.first_target => set.clone(),
        _ => own.last.clone(),
    };
    if own.last_target.is_some() {
        aliases::set_mover(tx, model_id, alias, &by, &at, set_seq)?;
    }
    Ok(Outcome::Projected)
}

/// Whether catalog event `seq` came to the team after what `e`'s author had seen (a segment past
/// their `seen`, by someone else).
fn unseen_by(tx: &catalog::Conn, seq: i64, e: &Foreign, ctx: &Ctx) -> Result<bool, CatalogError> {
    Ok(match audit_rows::segment_of(tx, seq)? {
        Some((Some(n), author)) => n > ctx.seen && author.as_deref() != Some(e.author.as_str()),
        _ => false,
    })
}

/// A deployment or rollback pulled into an environment where this workspace has its own not
/// pushed yet: every other copy takes the incoming one first. Ours are taken back (the rows they
/// started, the ones they ended), the incoming one applied, and ours derived again after it as
/// every other copy will take them in — the same rules, the same conflicts (as concurrent with
/// what they had not seen). Switches, canaries, shadows and rollbacks alike.
pub fn env_event(tx: &catalog::Conn, e: &Foreign, ctx: &Ctx) -> Result<Outcome, CatalogError> {
    let env = e.payload["env"].as_str().unwrap_or_default();
    let pending: Vec<audit_rows::AuditRow> = audit_rows::own_after(tx, ctx.pushed)?
        .into_iter()
        .filter(|r| {
            matches!(r.action.as_str(), "deploy" | "rollback")
                && serde_json::from_str::<Value>(&r.payload).is_ok_and(|p| p["env"] == env)
        })
        .collect();
    if pending.is_empty() {
        return super::project::env_apply(tx, e, ctx);
    }
    let subject = format!("env:{env}");
    for r in pending.iter().rev() {
        deployments::undo_event(tx, env, r.seq, &r.ts)?;
        ledger::drop_open_conflicts_of(tx, &subject, "deployment", r.seq)?;
    }
    let out = super::project::env_apply(tx, e, ctx)?;
    // Ours as the others will see them: written having taken in `own_seen`, one after another.
    let ours = Ctx { seen: ctx.own_seen, pushed: i64::MAX, ..ctx.clone() };
    for r in &pending {
        let signature = audit_rows::signature_of(tx, r.seq)?;
        let author = signature.as_ref().map(|s| s.0.clone()).unwrap_or_default();
        let mut again = Foreign::from_wire(&author, &WireEvent::of(r, signature.as_ref())).map_err(CatalogError::Replay)?;
        (again.own, again.rederive) = (true, Some(r.seq));
        // By the numbers here (ours moved aside), then one that no longer holds after the
        // incoming one is refused here as on every copy.
        let (again, _) = mapped(tx, &again, &ours)?;
        super::project::env_apply(tx, &again, &ours)?;
    }
    Ok(out)
}

/// `MODEL@VERSION` of a deployment.
fn label(d: &deployments::Deployment) -> String {
    format!("{}@{}", d.model, d.version)
}

/// A full (or blue-green) switch of an environment made without knowing what serves there now
/// (the switch to it was not in what its author had seen) — or a canary or shadow started
/// without knowing the one running there: the incoming one is the later in the ledger's order
/// and takes the slot; the one it replaced is recorded as a conflict on the environment. (This
/// workspace's own deployments not pushed yet were taken back first: see [`env_event`].)
pub fn deploy(tx: &catalog::Conn, e: &Foreign, ctx: &Ctx, req: &governance::deploy::Deploy<'_>) -> Result<Outcome, CatalogError> {
    let op = |tx: &catalog::Conn| governance::deploy::deploy(tx, req, &e.actor).map(drop).map_err(|x| x.to_string());
    // The slot the deployment takes: the primary (a full or blue-green switch), or the canary or
    // shadow beside it — two canaries started apart collide like two switches.
    let role = match req.strategy {
        "full" | "blue-green" => "primary",
        "canary" => "canary",
        "shadow" => "shadow",
        _ => return replay(tx, e, op),
    };
    let active = deployments::active(tx, req.env)?;
    let Some(held) = active.iter().find(|d| d.role == role) else { return replay(tx, e, op) };
    if !unseen_by(tx, held.audit_seq, e, ctx)? {
        return replay(tx, e, op);
    }
    let earlier = label(held);
    let out = replay(tx, e, op)?;
    if out != Outcome::Projected {
        return Ok(out);
    }
    let seq = match e.rederive {
        Some(seq) => seq,
        None => audit_rows::last_seq(tx)?,
    };
    let kept = deployments::active(tx, req.env)?.iter().find(|d| d.role == role).map(label).unwrap_or_default();
    ledger::record_conflict(tx, &ctx.remote, &format!("env:{}", req.env), "deployment", &kept, &earlier, &e.ts, seq)?;
    Ok(Outcome::Projected)
}

/// Where a pulled registration of MODEL@VERSION goes when that number is taken here: `None`,
/// the same files (nothing to register); `Some(version)`, the number to register it under
/// (the event's own when this workspace's unpushed version moved aside first).
pub fn registration_number(
    ws: &mut crate::workspace::Workspace,
    e: &Foreign,
    ctx: &Ctx,
    model: &str,
    version: &str,
) -> Result<Option<String>, CatalogError> {
    let conn = ws.catalog.conn();
    let Some(id) = models::model_id(conn, model)? else { return Ok(Some(version.into())) };
    let Some(here) = models::get_version(conn, id, version)? else { return Ok(Some(version.into())) };
    let same = here.manifest_digest == e.payload["manifestDigest"].as_str().unwrap_or_default();
    let key = models::version_key(conn, model, version)?.expect("the version was just read");
    let taken = Taken { subject: format!("{model}@{version}"), field: "version", same, audit_seq: key.audit_seq };
    number_apart(ws, e, ctx, version, taken, &|v| ids::version_node(model, v), &|tx, aside| {
        models::rename_version(tx, key.id, aside, &ids::version_node(model, version), &ids::version_node(model, aside))
    })
}

/// [`registration_number`] for a dataset version (`NAME@N`, the same content: the same root).
pub fn dataset_number(
    ws: &mut crate::workspace::Workspace,
    e: &Foreign,
    ctx: &Ctx,
    name: &str,
    version: &str,
) -> Result<Option<String>, CatalogError> {
    let conn = ws.catalog.conn();
    let Some(here) = datasets::get(conn, name, version)? else { return Ok(Some(version.into())) };
    let (id, audit_seq) = datasets::version_key(conn, name, version)?.expect("the dataset version was just read");
    let same = here.root_digest == e.payload["rootDigest"].as_str().unwrap_or_default();
    let taken = Taken { subject: format!("{name}@{version}"), field: "dataset", same, audit_seq };
    number_apart(ws, e, ctx, version, taken, &|v| ids::dataset_node(name, v), &|tx, aside| {
        datasets::rename_version(tx, id, name, version, aside)
    })
}

/// A number taken here by what a pulled registration also registers.
struct Taken {
    subject: String,
    field: &'static str,
    /// The same content: nothing to register.
    same: bool,
    /// The event that registered what holds the number here.
    audit_seq: i64,
}

/// Registered apart under one number: the one first in the ledger's order keeps it, the other
/// goes to `NUMBER+conflict.HASH8` (its registration event's hash), the same on every copy. Ours
/// not pushed yet comes later and moves aside (`rename_ours`); an incoming later one is
/// registered aside, and its author's events written before they knew are mapped to it.
#[allow(clippy::type_complexity)]
fn number_apart(
    ws: &mut crate::workspace::Workspace,
    e: &Foreign,
    ctx: &Ctx,
    number: &str,
    taken: Taken,
    node: &dyn Fn(&str) -> String,
    rename_ours: &dyn Fn(&catalog::Conn, &str) -> Result<(), CatalogError>,
) -> Result<Option<String>, CatalogError> {
    if taken.same {
        return Ok(None);
    }
    let Taken { subject, field, audit_seq, .. } = taken;
    if own_pending(ws.catalog.conn(), audit_seq, ctx)? {
        let hash = audit_rows::hash_at(ws.catalog.conn(), audit_seq)?.unwrap_or_default();
        let aside = ids::conflict_version(number, &hash);
        // Our events not pushed yet that name the number mean ours, as every other copy will
        // read them (see `mapped`).
        let me = audit_rows::signature_of(ws.catalog.conn(), audit_seq)?.map(|s| s.0).unwrap_or_default();
        ws.catalog.write(|tx| {
            rename_ours(tx, &aside)?;
            ledger::insert_rename(tx, &me, ctx.own_seen, &node(number), &node(&aside))?;
            ledger::record_conflict(tx, &ctx.remote, &subject, field, number, &aside, &e.ts, audit_seq)
        })?;
        return Ok(Some(number.into()));
    }
    let aside = ids::conflict_version(number, &e.hash);
    ws.catalog.write(|tx| {
        ledger::insert_rename(tx, &e.author, ctx.seen, &node(number), &node(&aside))?;
        ledger::record_conflict(tx, &ctx.remote, &subject, field, number, &aside, &e.ts, audit_seq)
    })?;
    Ok(Some(aside))
}

/// A node an author's event names, by its number here (`from` → `to` where their registration
/// was kept aside before they knew).
pub fn node_here(tx: &catalog::Conn, e: &Foreign, ctx: &Ctx, node: &str) -> Result<String, CatalogError> {
    Ok(ledger::renames(tx, &e.author, ctx.seen)?
        .into_iter()
        .find(|(from, _)| from == node)
        .map_or_else(|| node.to_string(), |(_, to)| to))
}

/// A pulled event of an author whose registration was kept aside, written before they knew:
/// its references to the number mean the version kept aside. Returns the event to replay (its
/// signed record untouched; `subject_here` and `loose` say what differs here) and, for an alias
/// move, the version it points at here.
pub fn mapped(tx: &catalog::Conn, e: &Foreign, ctx: &Ctx) -> Result<(Foreign, AliasMove), CatalogError> {
    let mut out = e.clone();
    let version = |k: &str| e.payload[k].as_str().map(str::to_string);
    let mut mv = AliasMove {
        target: (e.action == "set_alias").then(|| version("version").unwrap_or_default()),
        previous: version("previous"),
    };
    let model = e.subject.strip_prefix("model:").unwrap_or_default();
    for (from, to) in ledger::renames(tx, &e.author, ctx.seen)? {
        if e.subject == from {
            out.subject_here = Some(to.clone());
        }
        let to_version = to.rsplit_once('@').map(|(_, v)| v.to_string());
        for (value, field) in [(&mut mv.target, "version"), (&mut mv.previous, "previous")] {
            if value.as_deref().is_some_and(|v| ids::version_node(model, v) == from) {
                *value = to_version.clone();
                out.loose.push(field);
            }
        }
    }
    Ok((out, mv))
}

/// Where an alias move puts the alias, and what it says it replaced, by the numbers here.
pub struct AliasMove {
    pub target: Option<String>,
    pub previous: Option<String>,
}

/// Closes a conflict on every copy: the owner's choice (`took`: local keeps what holds; remote
/// takes what did not win — an alias was moved by its own event; a version or a dataset version
/// swaps numbers with the one kept aside).
pub fn resolve(tx: &catalog::Conn, e: &Foreign) -> Result<Outcome, CatalogError> {
    let p = &e.payload;
    let (field, other, took) = (text(p, "field"), text(p, "other"), text(p, "took"));
    replay(tx, e, |tx| settle(tx, &e.subject, field, other, took, &e.actor).map_err(|x| x.to_string()))
}

fn text<'a>(p: &'a Value, k: &str) -> &'a str {
    p.get(k).and_then(Value::as_str).unwrap_or_default()
}

/// Carries out a resolution here and records its event (`resolve_conflict`).
pub fn settle(tx: &catalog::Conn, subject: &str, field: &str, other: &str, took: &str, actor: &str) -> Result<(), CatalogError> {
    let Some(id) = ledger::open_conflict_id(tx, subject, field, other)? else {
        return Err(CatalogError::Replay(format!("no open conflict on {subject} ({field}) about {other}")));
    };
    let now = audit::now();
    if took == "remote" && matches!(field, "version" | "dataset") {
        // The one kept aside takes the number; the one that held it goes where it was.
        let (name, number) = subject.rsplit_once('@').unwrap_or_default();
        let key = |n: &str| -> Result<Option<i64>, CatalogError> {
            Ok(match field {
                "version" => models::version_key(tx, name, n)?.map(|k| k.id),
                _ => datasets::version_key(tx, name, n)?.map(|k| k.0),
            })
        };
        let rename = |id: i64, from: &str, to: &str| match field {
            "version" => models::rename_version(tx, id, to, &ids::version_node(name, from), &ids::version_node(name, to)),
            _ => datasets::rename_version(tx, id, name, from, to),
        };
        let (Some(kept), Some(aside)) = (key(number)?, key(other)?) else {
            return Err(CatalogError::Replay(format!("{subject} or {name}@{other} is not here")));
        };
        let swap = format!("{other}.swap");
        rename(kept, number, &swap)?;
        rename(aside, other, number)?;
        rename(kept, &swap, other)?;
    }
    let payload = json!({"field": field, "other": other, "took": took});
    let seq = audit::append(tx, &now, actor, "resolve_conflict", subject, &payload)?;
    catalog::remotes::resolve_conflict(tx, id, took, actor, &now, seq)
}
