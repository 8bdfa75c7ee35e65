//! Conflicts: a field changed on both sides since the last sync. Neither side is overwritten;
//! the conflict is recorded (and audited) and blocks only that field until someone resolves it
//! with `pedigree resolve ID --take local|remote`, which applies that side (audited too) and
//! makes it the base of the next sync.

use rusqlite::Connection;
use serde_json::{Value, json};

use super::SyncError;
use crate::audit;
use crate::catalog::remotes::{self, Conflict};
use crate::catalog::{aliases, models};
use crate::remote::config;
use crate::workspace::Workspace;

/// Which side a resolution takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize, ts_rs::TS)]
#[serde(rename_all = "lowercase")]
pub enum Take {
    Local,
    Remote,
}

/// Whether a field of a subject has an open conflict: then neither side changes it. Subjects
/// are the remote's: `MODEL@ALIAS` (field `alias`), `MODEL` or `MODEL/VERSION` (description,
/// stage, `tag:KEY`).
pub(super) fn blocked(tx: &Connection, remote: &str, subject: &str, field: &str) -> Result<bool, SyncError> {
    Ok(remotes::open_conflict_on(tx, remote, subject, field)?.is_some())
}

/// Records a field changed on both sides (once; an open one is kept as it is).
#[allow(clippy::too_many_arguments)]
pub(super) fn record(
    tx: &Connection,
    remote: &str,
    subject: &str,
    field: &str,
    base: Option<String>,
    local: Option<String>,
    remote_value: Option<String>,
    actor: &str,
) -> Result<(), SyncError> {
    if blocked(tx, remote, subject, field)? {
        return Ok(());
    }
    let now = audit::now();
    let payload = json!({"remote": remote, "field": field, "base": base, "local": local, "remoteValue": remote_value});
    let seq = audit::append(tx, &now, actor, "sync_conflict", subject, &payload)?;
    let c = Conflict {
        id: 0,
        remote: remote.into(),
        subject: subject.into(),
        field: field.into(),
        base,
        local,
        remote_value,
        created_at: now,
    };
    remotes::open_conflict(tx, &c, seq)?;
    Ok(())
}

pub fn list(ws: &Workspace) -> Result<Vec<Conflict>, SyncError> {
    Ok(remotes::open_conflicts(ws.catalog.conn())?)
}

/// Applies one side of conflict `id` and closes it.
pub fn resolve(ws: &mut Workspace, id: i64, take: Take, actor: &str) -> Result<Conflict, SyncError> {
    let bad = |expected: String| SyncError::BadValue { field: "id", expected };
    let (c, resolved) = remotes::get_conflict(ws.catalog.conn(), id)?
        .ok_or_else(|| bad(format!("no conflict {id} (see `pedigree conflicts`)")))?;
    if resolved {
        return Err(bad(format!("conflict {id} is resolved already")));
    }
    if crate::catalog::ledger::is_team_remote(ws.catalog.conn(), &c.remote)? {
        super::team::resolve(ws, &c, take, actor)?;
        return Ok(c);
    }
    if c.field != "alias" {
        return resolve_field(ws, c, take, actor);
    }
    let (remote_model, alias) = c.subject.rsplit_once('@').ok_or_else(|| bad(format!("conflict {id} is not about an alias")))?;
    let conn = ws.catalog.conn();
    let local_model = remotes::binding(conn, &c.remote, "model", remote_model)?
        .and_then(|b| b.local?.strip_prefix("model:").map(str::to_string))
        .ok_or_else(|| bad(format!("{remote_model} is not bound to a local model any more")))?;
    // The alias's value on the remote after the resolution.
    let remote_after = match take {
        Take::Remote => c.remote_value.clone(),
        Take::Local => {
            let Some(version) = &c.local else {
                return Err(bad(
                    "removing an alias on the remote is not supported yet; take remote, or set the alias here again".into(),
                ));
            };
            let node = crate::ids::version_node(&local_model, version);
            let key = remotes::bound_key(conn, &node, &c.remote)?
                .ok_or_else(|| bad(format!("{local_model}@{version} is not on {} yet: sync first", c.remote)))?;
            let remote_version = key.rsplit_once('/').map(|(_, v)| v.to_string()).unwrap_or_default();
            let row = config::row(ws, &c.remote)?;
            config::open(ws, &row)?.set_alias(remote_model, alias, &remote_version)?;
            Some(remote_version)
        }
    };
    let remote_name = c.remote.clone();
    ws.catalog.write(|tx| -> Result<(), SyncError> {
        let now = audit::now();
        if take == Take::Remote {
            apply_remote_alias(tx, &remote_name, remote_model, &local_model, alias, c.remote_value.as_deref(), actor, &now)?;
        }
        let took = if take == Take::Local { "local" } else { "remote" };
        let payload = json!({"remote": remote_name, "took": took, "field": c.field, "value": if take == Take::Local { c.local.clone() } else { c.remote_value.clone() }});
        let seq = audit::append(tx, &now, actor, "resolve_conflict", &c.subject, &payload)?;
        remotes::resolve_conflict(tx, id, took, actor, &now, seq)?;
        set_base_alias(tx, &remote_name, remote_model, alias, remote_after.as_deref())?;
        Ok(())
    })?;
    Ok(c)
}

/// Points (or removes) the local alias where the remote's points.
#[allow(clippy::too_many_arguments)]
fn apply_remote_alias(
    tx: &Connection,
    remote: &str,
    remote_model: &str,
    local_model: &str,
    alias: &str,
    remote_version: Option<&str>,
    actor: &str,
    now: &str,
) -> Result<(), SyncError> {
    let model_id = models::model_id(tx, local_model)?.ok_or_else(|| SyncError::Local(format!("model {local_model} is gone")))?;
    let Some(rv) = remote_version else {
        let seq = audit::append(
            tx,
            now,
            actor,
            "remove_alias",
            &format!("model:{local_model}"),
            &json!({"alias": alias, "remote": remote}),
        )?;
        aliases::remove(tx, model_id, alias, actor, now, seq)?;
        return Ok(());
    };
    let local = super::pull::bound_local_version(tx, remote, remote_model, rv)?
        .ok_or_else(|| SyncError::Local(format!("{remote_model}/{rv} is not here yet: sync first")))?;
    let vid = models::version_key(tx, local_model, &local)?
        .map(|k| k.id)
        .ok_or_else(|| SyncError::Local(format!("{local_model}@{local} is gone")))?;
    let seq = audit::append(
        tx,
        now,
        actor,
        "set_alias",
        &format!("model:{local_model}"),
        &json!({"alias": alias, "version": local, "remote": remote}),
    )?;
    aliases::set(tx, model_id, alias, vid, actor, now, seq)?;
    Ok(())
}

/// Makes `value` the alias's base, so the next sync sees both sides agree.
fn set_base_alias(tx: &Connection, remote: &str, remote_model: &str, alias: &str, value: Option<&str>) -> Result<(), SyncError> {
    let Some(mut b) = remotes::binding(tx, remote, "model", remote_model)? else {
        return Ok(());
    };
    let mut base: Value = serde_json::from_str(&b.base).unwrap_or_else(|_| json!({}));
    if !base["aliases"].is_object() {
        base["aliases"] = json!({});
    }
    match value {
        Some(v) => base["aliases"][alias] = json!(v),
        None => {
            base["aliases"].as_object_mut().expect("an object").remove(alias);
        }
    }
    b.base = base.to_string();
    remotes::upsert_binding(tx, &b)?;
    Ok(())
}

/// Applies one side of a conflict on a description, stage or tag, and makes it the field's base.
fn resolve_field(ws: &mut Workspace, c: Conflict, take: Take, actor: &str) -> Result<Conflict, SyncError> {
    let bad = |expected: String| SyncError::BadValue { field: "id", expected };
    // A version's key is `MODEL/VERSION`; a model's name may hold a `/` too (MLflow allows it).
    let conn = ws.catalog.conn();
    let (binding, model, version) = match remotes::binding(conn, &c.remote, "version", &c.subject)? {
        Some(b) => {
            let (m, v) = c.subject.rsplit_once('/').expect("version keys are MODEL/VERSION");
            (Some(b), m, Some(v))
        }
        None => (remotes::binding(conn, &c.remote, "model", &c.subject)?, c.subject.as_str(), None),
    };
    let binding =
        binding.filter(|b| b.local.is_some()).ok_or_else(|| bad(format!("{} is not bound here any more", c.subject)))?;
    let subject = binding.local.clone().expect("filtered above");
    let value = match take {
        Take::Local => c.local.clone(),
        Take::Remote => c.remote_value.clone(),
    };
    if take == Take::Local {
        let row = config::row(ws, &c.remote)?;
        config::open(ws, &row)?.set_field(model, version, &c.field, value.as_deref())?;
    }
    ws.catalog.write(|tx| -> Result<(), SyncError> {
        let now = audit::now();
        if take == Take::Remote {
            crate::governance::annotations::put(tx, &subject, &c.field, value.as_deref(), actor, Some(&c.remote))?;
        }
        let took = if take == Take::Local { "local" } else { "remote" };
        let payload = json!({"remote": c.remote, "took": took, "field": c.field, "value": value});
        let seq = audit::append(tx, &now, actor, "resolve_conflict", &c.subject, &payload)?;
        remotes::resolve_conflict(tx, c.id, took, actor, &now, seq)?;
        let mut fields = super::fields::base_of(&binding).unwrap_or_default();
        super::fields::set(&mut fields, &c.field, value.as_ref());
        let b = remotes::Binding { base: super::fields::with_base(&binding.base, &fields), ..binding.clone() };
        remotes::upsert_binding(tx, &b)?;
        Ok(())
    })?;
    Ok(c)
}
