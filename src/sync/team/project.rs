//! Projecting another member's event into this workspace: the operation its author ran is run
//! again here, replaying the event (`crate::audit::replay`), so the same rules hold and the
//! catalog rows come out as the author's did. An event whose operation does not hold here is
//! refused — its transaction rolls back — and then kept in the audit log as it was signed
//! (the author's chain stays whole), with the refusal recorded and reported. Events about this
//! desktop only (stores, registry remotes, their syncs) are kept in the log and not projected.

use std::path::{Component, Path};

use serde_json::Value;

use super::conflict;
use super::store::LedgerStore;
use crate::audit::{self, replay::Foreign};
use crate::catalog::{self, datasets, models};
use crate::governance::{self, deploy, evaluate, team};
use crate::ids;
use crate::registry::RegisterRequest;
use crate::registry::register::ParentLink;
use crate::workspace::Workspace;

/// What became of a pulled event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Its operation ran here.
    Projected,
    /// Kept in the log only: it is about its author's desktop (a store, a registry remote).
    LocalOnly,
    /// Its operation does not hold here (why); kept in the log, not projected.
    Refused(String),
}

/// What projecting an event needs to know of where it came from.
#[derive(Debug, Clone)]
pub struct Ctx {
    /// The ledger remote's name here.
    pub remote: String,
    /// This workspace's last own event on the ledger (later ones come after anything taken in).
    pub pushed: i64,
    /// The last segment the event's author had taken in when they wrote it.
    pub seen: i64,
    /// The last segment this workspace had taken in when its unpushed events were written.
    pub own_seen: i64,
}

/// The subject the operation acts on here (see `Foreign::subject_here`).
fn here(e: &Foreign) -> &str {
    e.subject_here.as_deref().unwrap_or(&e.subject)
}

/// The object key of a content-addressed object.
pub fn object_key(sha256: &str) -> String {
    format!("objects/sha256/{sha256}")
}

fn text<'a>(p: &'a Value, k: &str) -> &'a str {
    p.get(k).and_then(Value::as_str).unwrap_or_default()
}

/// `MODEL@VERSION` of a `version:` subject.
fn reference(subject: &str) -> &str {
    subject.strip_prefix("version:").unwrap_or(subject)
}

/// Runs the event's operation replaying it, under a savepoint of the caller's transaction: a
/// refusal (the operation's error, or an operation that wrote no event) undoes it alone.
pub(super) fn replay(
    tx: &catalog::Conn,
    e: &Foreign,
    op: impl FnOnce(&catalog::Conn) -> Result<(), String>,
) -> Result<Outcome, catalog::CatalogError> {
    catalog::savepoint(tx)?;
    let (out, recorded) = audit::replay::replaying(e.clone(), || op(tx));
    match (out, recorded) {
        (Ok(()), Some(_)) => {
            catalog::release_savepoint(tx)?;
            Ok(Outcome::Projected)
        }
        (Ok(()), None) => {
            catalog::rollback_to_savepoint(tx)?;
            Ok(Outcome::Refused("the operation changes nothing here (already done)".into()))
        }
        (Err(why), _) => {
            catalog::rollback_to_savepoint(tx)?;
            Ok(Outcome::Refused(why))
        }
    }
}

/// Keeps the event in the audit log without projecting it (inside the caller's transaction).
pub fn record_only(tx: &catalog::Conn, e: &Foreign) -> Result<i64, catalog::CatalogError> {
    let signed = Foreign { subject_here: None, loose: Vec::new(), ..e.clone() };
    audit::replay::replaying(signed, || audit::append(tx, &e.ts, &e.actor, &e.action, &e.subject, &e.payload)).0
}

/// Whether projecting this event needs the ledger's objects (and so runs on its own, outside a
/// batch of events in one transaction).
pub fn needs_objects(action: &str) -> bool {
    matches!(action, "register_version" | "register_dataset" | "attach" | "run")
}

/// Projects one verified event that needs the ledger's objects, in transactions of its own.
pub fn apply_with_objects(
    ws: &mut Workspace,
    ledger: &LedgerStore,
    e: &Foreign,
    attachment: Option<&str>,
    ctx: &Ctx,
) -> Result<Outcome, String> {
    match e.action.as_str() {
        "register_dataset" => register_dataset(ws, ledger, e, attachment, ctx),
        "register_version" => register_version(ws, ledger, e, ctx),
        "attach" => attach(ws, ledger, e),
        "run" => run(ws, ledger, e, ctx),
        _ => ws.catalog.write(|tx| apply(tx, e, ctx)).map_err(|x| x.to_string()),
    }
}

/// Projects one verified event inside the caller's transaction (every action but those of
/// [`needs_objects`]).
pub fn apply(tx: &catalog::Conn, e: &Foreign, ctx: &Ctx) -> Result<Outcome, catalog::CatalogError> {
    let (e, alias) = conflict::mapped(tx, e, ctx)?;
    let e = &e;
    let p = &e.payload;
    let actor = e.actor.as_str();
    let gov = |r: Result<(), governance::GovError>| r.map_err(|err| err.to_string());
    let model = e.subject.strip_prefix("model:").unwrap_or_default();
    match e.action.as_str() {
        "create_model" => {
            let Some(id) = models::model_id(tx, model)? else {
                return replay(tx, e, |tx| {
                    let seq = audit::append(tx, &e.ts, actor, "create_model", &e.subject, p).map_err(|x| x.to_string())?;
                    models::insert_model(tx, model, actor, &e.ts, seq).map_err(|x| x.to_string())?;
                    Ok(())
                });
            };
            // Both made the model apart: the creation first in the order is its creation.
            let first_here = models::created_seq(tx, id)?;
            let seq = record_only(tx, e)?;
            if conflict::own_pending(tx, first_here, ctx)? {
                models::set_created(tx, id, actor, &e.ts, seq)?;
            }
            Ok(Outcome::Projected)
        }
        "approve" => replay(tx, e, |tx| {
            gov(governance::approve(
                tx,
                reference(&e.subject),
                text(p, "role"),
                text(p, "decision"),
                text(p, "justification"),
                actor,
            )
            .map(drop))
        }),
        "set_status" => {
            replay(
                tx,
                e,
                |tx| gov(governance::promote(tx, reference(here(e)), text(p, "to"), text(p, "reason"), actor).map(drop)),
            )
        }
        "set_policy" => {
            let roles: Vec<String> = serde_json::from_value(p["requiredRoles"].clone()).unwrap_or_default();
            replay(tx, e, |tx| gov(governance::set_policy(tx, model, &roles, actor).map(drop)))
        }
        "set_environment" => {
            let env = e.subject.strip_prefix("env:").unwrap_or_default();
            let production = p["production"].as_bool().unwrap_or(false);
            replay(tx, e, |tx| gov(deploy::set_env(tx, env, production, actor).map(drop)))
        }
        "deploy" | "rollback" => conflict::env_event(tx, e, ctx),
        "set_alias" | "remove_alias" => conflict::alias_move(tx, e, ctx, alias),
        "evaluate" => {
            let metrics: Vec<evaluate::MetricInput> = p["metrics"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|m| evaluate::MetricInput {
                    metric: text(m, "metric").to_string(),
                    value: m["value"].as_f64().unwrap_or(f64::NAN),
                    slice: Some(text(m, "slice").to_string()).filter(|s| !s.is_empty()),
                    threshold: m["threshold"].as_str().map(str::to_string),
                })
                .collect();
            let dataset = text(p, "dataset").strip_prefix("dataset:").unwrap_or_default();
            replay(tx, e, |tx| gov(evaluate::evaluate(tx, reference(here(e)), dataset, &metrics, actor).map(drop)))
        }
        "annotate" if p.get("remote").is_none() => replay(tx, e, |tx| {
            gov(governance::annotations::put(tx, here(e), text(p, "field"), p["value"].as_str(), actor, None).map(drop))
        }),
        "erasure_request" => replay(tx, e, |tx| {
            gov(governance::erasure::erase(tx, text(p, "dataset"), text(p, "subjectHash"), text(p, "reason"), actor).map(drop))
        }),
        "team_init" => replay(tx, e, |tx| gov(team::init(tx, text(p, "name"), actor).map(drop))),
        "team_set" => {
            let roles: Vec<String> = serde_json::from_value(p["roles"].clone()).unwrap_or_default();
            replay(tx, e, |tx| gov(team::set(tx, text(p, "publicKey"), Some(text(p, "name")), &roles, actor).map(drop)))
        }
        "team_remove" => replay(tx, e, |tx| gov(team::remove(tx, text(p, "publicKey"), actor).map(drop))),
        "pq_cosign" => {
            replay(tx, e, |tx| gov(governance::pq::set(tx, p["on"] == true, p["publicKey"].as_str(), actor).map(drop)))
        }
        "pq_key" => replay(tx, e, |tx| audit::append(tx, &e.ts, actor, "pq_key", "team", p).map(drop).map_err(|x| x.to_string())),
        "monitor_import"
        | "monitor_rule"
        | "monitor_rule_removed"
        | "rollback_proposal"
        | "resolve_proposal"
        | "drill"
        | "run"
        | "reproduce" => super::project_history::apply(tx, e),
        // A registry conflict's resolution names its remote: about that desktop only.
        "resolve_conflict" if p.get("remote").is_none() => conflict::resolve(tx, e),
        _ => Ok(Outcome::LocalOnly),
    }
}

/// A deployment or a rollback, by the rules (the conflicts of switches made apart included).
pub(super) fn env_apply(tx: &catalog::Conn, e: &Foreign, ctx: &Ctx) -> Result<Outcome, catalog::CatalogError> {
    let p = &e.payload;
    if e.action == "rollback" {
        let op = |tx: &catalog::Conn| {
            deploy::rollback(tx, text(p, "env"), text(p, "reason"), &e.actor).map(drop).map_err(|x| x.to_string())
        };
        return replay(tx, e, op);
    }
    let req = deploy::Deploy {
        reference: reference(here(e)),
        env: text(p, "env"),
        strategy: text(p, "strategy"),
        traffic: p["traffic"].as_u64().map(|t| t as u32).filter(|_| text(p, "strategy") == "canary"),
        reason: text(p, "reason"),
        carrier: p["carrier"].as_str(),
        recorded_from: p["recordedFrom"].as_str(),
    };
    conflict::deploy(tx, e, ctx, &req)
}

/// [`replay`] in a write transaction of its own.
fn replay_alone(
    ws: &mut Workspace,
    e: &Foreign,
    op: impl FnOnce(&catalog::Conn) -> Result<(), String>,
) -> Result<Outcome, String> {
    ws.catalog.write(|tx| replay(tx, e, op)).map_err(|x| x.to_string())
}

/// A dataset version: its file list is the segment's attachment for the event, checked against
/// the root digest the event signs (dataset bytes are never pushed).
fn register_dataset(
    ws: &mut Workspace,
    ledger: &LedgerStore,
    e: &Foreign,
    attachment: Option<&str>,
    ctx: &Ctx,
) -> Result<Outcome, String> {
    let Some(list_digest) = attachment else {
        return Ok(Outcome::Refused("the segment carries no file list for this dataset".into()));
    };
    let Some(bytes) = ledger.get(&object_key(list_digest))? else {
        return Ok(Outcome::Refused(format!("its file list (object {list_digest}) is missing from the ledger")));
    };
    if crate::hash::sha256_hex(&bytes) != list_digest {
        return Ok(Outcome::Refused(format!("its file list (object {list_digest}) does not match its digest")));
    }
    let files: Vec<models::FileEntry> = match serde_json::from_slice::<Vec<ManifestEntry>>(&bytes) {
        Ok(f) => f
            .into_iter()
            .map(|m| models::FileEntry { path: m.path, size: m.size, sha256: m.sha256, format: String::new() })
            .collect(),
        Err(err) => return Ok(Outcome::Refused(format!("its file list is not readable: {err}"))),
    };
    let root = text(&e.payload, "rootDigest");
    if crate::hash::root_digest(files.iter().map(|f| f.sha256.as_str())).ok().as_deref() != Some(root) {
        return Ok(Outcome::Refused("its file list does not hash to the root digest the event signs".into()));
    }
    let Some((name, version)) = e.subject.strip_prefix("dataset:").and_then(|r| ids::split_ref(r).ok()) else {
        return Ok(Outcome::Refused(format!("{} names no dataset version", e.subject)));
    };
    let (name, version) = (name.to_string(), version.to_string());
    // Registered apart under a number taken here: the same content is nothing to register; other
    // content goes where the ledger's order puts it.
    let Some(number) = conflict::dataset_number(ws, e, ctx, &name, &version).map_err(|x| x.to_string())? else {
        ws.catalog.write(|tx| record_only(tx, e)).map_err(|x| x.to_string())?;
        return Ok(Outcome::Projected);
    };
    let mut e = e.clone();
    if number != version {
        e.subject_here = Some(ids::dataset_node(&name, &number));
    }
    let (e, version) = (&e, number);
    let source = text(&e.payload, "sourceUri").to_string();
    replay_alone(ws, e, |tx| {
        let err = |x: catalog::CatalogError| x.to_string();
        if datasets::get(tx, &name, &version).map_err(err)?.is_some() {
            return Err(format!("dataset {name}@{version} exists here already"));
        }
        let id = match datasets::dataset_id(tx, &name).map_err(err)? {
            Some(id) => id,
            None => datasets::insert_dataset(tx, &name, &e.actor, &e.ts).map_err(err)?,
        };
        let seq = audit::append(tx, &e.ts, &e.actor, "register_dataset", &ids::dataset_node(&name, &version), &e.payload)
            .map_err(err)?;
        datasets::insert_version(tx, id, &version, root, &source, &files, &e.actor, &e.ts, seq).map_err(err)?;
        Ok(())
    })
}

/// An attachment: its bytes come from the ledger by the digest the event signs, checked, then
/// attached as the author did.
fn attach(ws: &mut Workspace, ledger: &LedgerStore, e: &Foreign) -> Result<Outcome, String> {
    let p = &e.payload;
    let sha = text(p, "sha256");
    let size = p["size"].as_u64();
    match fetch_object(ws, ledger, e, sha, size)? {
        Fetched::Here => {}
        Fetched::Missing => return Ok(Outcome::Refused(format!("the attachment (object {sha}) is missing from the ledger"))),
        Fetched::Altered => {
            return Ok(Outcome::Refused("the ledger's attachment does not match the digest its event signs".into()));
        }
    }
    let size = size.unwrap_or(0);
    let file = governance::attach::Stored { sha256: sha, size, name: text(p, "name") };
    replay_alone(ws, e, |tx| {
        governance::attach::attach(tx, reference(here(e)), text(p, "kind"), &file, &e.actor).map(drop).map_err(|x| x.to_string())
    })
}

/// What became of an object an event names by digest.
enum Fetched {
    /// In the object store (it was, or it came from the ledger and matched).
    Here,
    Missing,
    /// The ledger's bytes do not hash to the digest (or size) the event signs.
    Altered,
}

/// Brings the object `sha` (of `size` bytes, when the event says) from the ledger into the
/// object store, checked against the digest the event signs.
fn fetch_object(ws: &Workspace, ledger: &LedgerStore, e: &Foreign, sha: &str, size: Option<u64>) -> Result<Fetched, String> {
    if ws.cas.contains(sha) {
        return Ok(Fetched::Here);
    }
    if sha.len() != 64 || !ledger.exists(&object_key(sha))? {
        return Ok(Fetched::Missing);
    }
    let staged = ws.root.join(crate::index::stage::STAGING).join(format!("ledger-{}", &e.hash[..16]));
    let _ = std::fs::remove_file(&staged);
    std::fs::create_dir_all(staged.parent().unwrap_or(&ws.root)).map_err(|x| x.to_string())?;
    let (got, got_size) = ledger.download(&object_key(sha), &staged)?;
    let put = (got == sha && size.is_none_or(|s| s == got_size)).then(|| ws.cas.put_file(&staged, &mut |_| {}));
    let _ = std::fs::remove_file(&staged);
    match put {
        None => Ok(Fetched::Altered),
        Some(r) => r.map(|_| Fetched::Here).map_err(|x| x.to_string()),
    }
}

/// A captured run: its package list comes from the ledger when it is there (checked against the
/// digest the capture names; without it the run is still recorded, by digest), then the run.
fn run(ws: &mut Workspace, ledger: &LedgerStore, e: &Foreign, ctx: &Ctx) -> Result<Outcome, String> {
    if let Some(sha) = e.payload.pointer("/environment/interpreter/packagesDigest").and_then(Value::as_str) {
        if let Fetched::Altered = fetch_object(ws, ledger, e, sha, None)? {
            return Ok(Outcome::Refused("the ledger's package list does not match the digest the capture names".into()));
        }
    }
    ws.catalog.write(|tx| apply(tx, e, ctx)).map_err(|x| x.to_string())
}

/// A line of a version manifest, as its digest covers it.
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct ManifestEntry {
    path: String,
    size: u64,
    sha256: String,
}

/// A path from a manifest that stays inside the folder it is written to.
fn safe_path(p: &str) -> bool {
    !p.is_empty() && !p.contains('\\') && Path::new(p).components().all(|c| matches!(c, Component::Normal(_)))
}

/// A model version: its manifest (the object named by the manifest digest the event signs) and
/// every file (checked against the manifest) are fetched from the ledger into staging, then
/// registered here as the author did, with the event's number.
fn register_version(ws: &mut Workspace, ledger: &LedgerStore, e: &Foreign, ctx: &Ctx) -> Result<Outcome, String> {
    let p = &e.payload;
    let manifest_digest = text(p, "manifestDigest");
    let Some((model, version)) = e.subject.strip_prefix("version:").and_then(|r| ids::split_ref(r).ok()) else {
        return Ok(Outcome::Refused(format!("{} names no model version", e.subject)));
    };
    let Some(number) = conflict::registration_number(ws, e, ctx, model, version).map_err(|x| x.to_string())? else {
        // The same files under the same number here already: nothing to register.
        ws.catalog.write(|tx| record_only(tx, e)).map_err(|x| x.to_string())?;
        return Ok(Outcome::Projected);
    };
    let Some(bytes) = ledger.get(&object_key(manifest_digest))? else {
        return Ok(Outcome::Refused(format!("its manifest (object {manifest_digest}) is missing from the ledger")));
    };
    let entries: Vec<models::FileEntry> = match serde_json::from_slice::<Vec<ManifestEntry>>(&bytes) {
        Ok(f) => {
            let f: Vec<models::FileEntry> = f
                .into_iter()
                .map(|m| models::FileEntry { path: m.path, size: m.size, sha256: m.sha256, format: String::new() })
                .collect();
            if crate::registry::manifest::manifest_digest(&f) != manifest_digest {
                return Ok(Outcome::Refused("its manifest does not match the manifest digest the event signs".into()));
            }
            f
        }
        Err(err) => return Ok(Outcome::Refused(format!("its manifest is not readable: {err}"))),
    };
    if let Some(bad) = entries.iter().find(|f| !safe_path(&f.path)) {
        return Ok(Outcome::Refused(format!("its manifest names a path outside its folder: {:?}", bad.path)));
    }
    let root = ws.root.join(crate::index::stage::STAGING).join(format!("ledger-{}", &e.hash[..16]));
    let _ = std::fs::remove_dir_all(&root);
    let dir = root.join(model);
    let staged = (|| -> Result<Result<(), String>, String> {
        for f in &entries {
            let dest = dir.join(&f.path);
            std::fs::create_dir_all(dest.parent().unwrap_or(&dir)).map_err(|x| format!("{}: {x}", dest.display()))?;
            if !ledger.exists(&object_key(&f.sha256))? {
                return Ok(Err(format!("{} (object {}) is missing from the ledger", f.path, f.sha256)));
            }
            let (sha, size) = ledger.download(&object_key(&f.sha256), &dest)?;
            if sha != f.sha256 || size != f.size {
                return Ok(Err(format!("{}: the ledger's object does not match the manifest (altered)", f.path)));
            }
        }
        Ok(Ok(()))
    })();
    let outcome = match staged {
        Err(why) => Err(why),
        Ok(Err(why)) => Ok(Outcome::Refused(why)),
        Ok(Ok(())) => Ok(register_staged(ws, e, ctx, model, &number, &dir)),
    };
    let _ = std::fs::remove_dir_all(&root);
    outcome
}

fn register_staged(ws: &mut Workspace, e: &Foreign, ctx: &Ctx, model: &str, version: &str, dir: &Path) -> Outcome {
    let p = &e.payload;
    // Parents and datasets by their numbers here: the author's own registrations kept aside
    // before they knew are what they meant.
    let mapped = std::cell::Cell::new(false);
    let here = |node: &str| {
        let to = conflict::node_here(ws.catalog.conn(), e, ctx, node).unwrap_or_else(|_| node.to_string());
        mapped.set(mapped.get() || to != node);
        to
    };
    let parents: Vec<ParentLink> = p["parents"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|x| ParentLink {
            parent: here(text(x, "node")).trim_start_matches("version:").to_string(),
            relation: x["relation"].as_str().map(str::to_string),
        })
        .collect();
    let trained_on: Vec<String> = p["trainedOn"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .map(|d| here(d).trim_start_matches("dataset:").to_string())
        .collect();
    let mut e = e.clone();
    if ids::version_node(model, version) != e.subject {
        e.subject_here = Some(ids::version_node(model, version));
    }
    if mapped.get() {
        e.loose.extend(["parents", "trainedOn"]);
    }
    let e = &e;
    let opt = |k: &str| p.get(k).and_then(Value::as_str).map(str::to_string);
    let req = RegisterRequest {
        paths: vec![dir.display().to_string()],
        model: model.to_string(),
        version: Some(version.to_string()),
        parents,
        trained_on,
        params: serde_json::from_value(p["params"].clone()).unwrap_or_default(),
        metrics: serde_json::from_value(p["metrics"].clone()).unwrap_or_default(),
        message: text(p, "message").to_string(),
        code: opt("code"),
        environment: opt("environment"),
        run: opt("run"),
        from_index: None,
        allow_unsafe: p.get("allowUnsafe").map(|u| text(u, "reason").to_string()),
        link: Some(crate::cas::Link::Hard),
    };
    let (r, recorded) =
        audit::replay::replaying(e.clone(), || crate::registry::register(ws, &req, None, &e.actor, &crate::progress::ignore));
    match (r, recorded) {
        (Ok(_), Some(_)) => Outcome::Projected,
        (Ok(_), None) => Outcome::Refused("registering it wrote no event here".into()),
        (Err(why), _) => Outcome::Refused(why.to_string()),
    }
}
