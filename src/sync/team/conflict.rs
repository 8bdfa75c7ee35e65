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
//!   Its author's other events written before they knew mean the version kept aside.
//!
//! Conflicts are listed with the registry ones (`pedigree conflicts`) and resolved by an owner
//! (`pedigree resolve ID --take local|remote`): a `resolve_conflict` event every copy projects.

use serde_json::{Value, json};

use super::project::{Ctx, Outcome, record_only, replay};
use crate::audit::{self, replay::Foreign};
use crate::catalog::{self, CatalogError, aliases, audit_rows, ledger, models};
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
pub fn alias_move(tx: &catalog::Conn, e: &Foreign, ctx: &Ctx, target: Option<String>) -> Result<Outcome, CatalogError> {
    let p = &e.payload;
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
    let current = aliases::of_model(tx, model_id)?.into_iter().find(|a| a.alias == alias);
    let here = current.as_ref().map(|a| a.version.clone());
    if here.as_deref() == p["previous"].as_str() {
        return replay(tx, e, op);
    }
    let subject = format!("{model}@{alias}");
    if here == target {
        // Both moved it to the same place: nothing to choose.
        record_only(tx, e)?;
        return Ok(Outcome::Projected);
    }
    if let Some(cur) = &current
        && own_pending(tx, cur.audit_seq, ctx)?
    {
        let seq = record_only(tx, e)?;
        ledger::record_conflict(tx, &ctx.remote, &subject, "alias", &cur.version, &shown(target.as_deref()), &e.ts, seq)?;
        return Ok(Outcome::Projected);
    }
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
    if here.manifest_digest == e.payload["manifestDigest"].as_str().unwrap_or_default() {
        return Ok(None);
    }
    let key = models::version_key(conn, model, version)?.expect("the version was just read");
    let subject = format!("{model}@{version}");
    if own_pending(conn, key.audit_seq, ctx)? {
        // Ours is not on the ledger yet: it comes later in the order, so it moves aside.
        let hash = audit_rows::hash_at(conn, key.audit_seq)?.unwrap_or_default();
        let aside = ids::conflict_version(version, &hash);
        ws.catalog.write(|tx| {
            models::rename_version(tx, key.id, &aside, &ids::version_node(model, version), &ids::version_node(model, &aside))?;
            ledger::record_conflict(tx, &ctx.remote, &subject, "version", version, &aside, &e.ts, key.audit_seq)
        })?;
        return Ok(Some(version.into()));
    }
    let aside = ids::conflict_version(version, &e.hash);
    ws.catalog.write(|tx| {
        ledger::insert_rename(tx, &e.author, ctx.seen, &ids::version_node(model, version), &ids::version_node(model, &aside))?;
        ledger::record_conflict(tx, &ctx.remote, &subject, "version", version, &aside, &e.ts, key.audit_seq)
    })?;
    Ok(Some(aside))
}

/// A pulled event of an author whose registration was kept aside, written before they knew:
/// its references to the number mean the version kept aside. Returns the event to replay (its
/// signed record untouched; `subject_here` and `loose` say what differs here) and, for an alias
/// move, the version it points at here.
pub fn mapped(tx: &catalog::Conn, e: &Foreign, ctx: &Ctx) -> Result<(Foreign, Option<String>), CatalogError> {
    let mut out = e.clone();
    let mut target = (e.action == "set_alias").then(|| e.payload["version"].as_str().unwrap_or_default().to_string());
    for (from, to) in ledger::renames(tx, &e.author, ctx.seen)? {
        if e.subject == from {
            out.subject_here = Some(to.clone());
        }
        let model = e.subject.strip_prefix("model:").unwrap_or_default();
        if let Some(t) = &target
            && ids::version_node(model, t) == from
        {
            target = to.rsplit_once('@').map(|(_, v)| v.to_string());
            out.loose.push("version");
        }
    }
    Ok((out, target))
}

/// Closes a conflict on every copy: the owner's choice (`took`: local keeps what holds; remote
/// takes what did not win — an alias was moved by its own event; a version swaps numbers with
/// the one kept aside).
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
    if field == "version" && took == "remote" {
        let (model, version) = subject.rsplit_once('@').unwrap_or_default();
        let (Some(kept), Some(aside)) = (models::version_key(tx, model, version)?, models::version_key(tx, model, other)?) else {
            return Err(CatalogError::Replay(format!("{subject} or {model}@{other} is not here")));
        };
        let swap = format!("{other}.swap");
        models::rename_version(tx, kept.id, &swap, &ids::version_node(model, version), &ids::version_node(model, &swap))?;
        models::rename_version(tx, aside.id, version, &ids::version_node(model, other), &ids::version_node(model, version))?;
        models::rename_version(tx, kept.id, other, &ids::version_node(model, &swap), &ids::version_node(model, other))?;
    }
    let payload = json!({"field": field, "other": other, "took": took});
    let seq = audit::append(tx, &now, actor, "resolve_conflict", subject, &payload)?;
    catalog::remotes::resolve_conflict(tx, id, took, actor, &now, seq)
}
