//! Pull from a remote: list every model (with tags and aliases), compare each with the base kept
//! at the last sync, and only for changed models list their versions. A new version's files are
//! fetched by the remote's kind into `staging/`, registered (hashed, sniffed, never executed)
//! and bound to the remote version; a version whose files cannot be fetched is recorded as such,
//! not dropped. Aliases follow the remote unless they were moved here since the last sync (then
//! it is a conflict and neither side changes). A sync that finds nothing changed writes nothing.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use serde_json::{Value, json};

use super::staging::{self, Staged};
use super::{Item, Listing, SyncError, SyncOptions, SyncReport, local_name};
use crate::audit;
use crate::catalog::remotes::{self, Binding};
use crate::catalog::{aliases, models};
use crate::progress::{OnProgress, Progress, Unit};
use crate::registry::register::{self as reg, RegisterRequest};
use crate::remote::{Fetched, Remote, RemoteModel, RemoteVersion};
use crate::workspace::Workspace;

/// The synced fields of a remote model: what its base snapshot holds.
pub(super) fn model_state(m: &RemoteModel) -> Value {
    json!({"description": m.description, "tags": m.tags, "aliases": m.aliases, "updated": m.updated})
}

/// The stores configured here, as one string: an unreachable version's base keeps it, so a
/// version is tried again when the stores changed.
fn stores_seen(ws: &Workspace) -> Result<String, SyncError> {
    let mut uris: Vec<String> = crate::catalog::stores::list_stores(ws.catalog.conn())?.into_iter().map(|s| s.uri).collect();
    uris.sort();
    Ok(uris.join(" "))
}

/// The binding of a remote version whose files are not here (`remote-only`, `unreachable`).
fn not_here(remote: &str, key: String, base: Value, state: &str) -> Binding {
    Binding {
        remote: remote.into(),
        kind: "version".into(),
        remote_key: key,
        local: None,
        digest: None,
        base: base.to_string(),
        state: state.into(),
    }
}

fn unreachable_state(v: &RemoteVersion, stores: &str, again: Again) -> Value {
    let mut state = version_state(v);
    state["stores"] = json!(stores);
    state["again"] = json!(again == Again::EverySync);
    state
}

fn version_state(v: &RemoteVersion) -> Value {
    json!({"description": v.description, "tags": v.tags, "source": v.source, "runId": v.run_id, "updated": v.updated})
}

/// Pulls every (wanted) model of `remote`.
pub fn pull(
    ws: &mut Workspace,
    remote: &str,
    from: &dyn Remote,
    listing: &Listing,
    opts: &SyncOptions,
    actor: &str,
    progress: OnProgress<'_>,
) -> Result<SyncReport, SyncError> {
    let mut report = SyncReport { remote: remote.into(), dry_run: opts.dry_run, ..Default::default() };
    let bindings: BTreeMap<(String, String), Binding> =
        remotes::bindings(ws.catalog.conn(), remote)?.into_iter().map(|b| ((b.kind.clone(), b.remote_key.clone()), b)).collect();
    let all = &listing.models;
    let stores = stores_seen(ws)?;
    let retry = models_to_retry(&bindings, &stores, opts);
    report.scanned_models = all.len() as u32;
    for (i, m) in all.iter().enumerate() {
        progress(&Progress {
            task: "pulling".into(),
            done: i as u64,
            total: all.len() as u64,
            unit: Unit::Files,
            detail: Some(m.name.clone()),
        });
        let state = model_state(m);
        let base = bindings.get(&("model".into(), m.name.clone())).map(|b| listed_part(&b.base));
        if base.as_ref() == Some(&state) && !retry.contains(m.name.as_str()) && opts.only_model.is_none() {
            report.unchanged += 1;
            continue;
        }
        let versions = listing.versions_of(&m.name);
        if let Err(e) = pull_model(ws, remote, from, m, versions, &state, &bindings, &stores, opts, actor, &mut report) {
            match e {
                SyncError::Remote(e) if e.is_fatal() => return Err(e.into()),
                e => report.failed.push(Item { subject: m.name.clone(), reason: e.to_string() }),
            }
        }
    }
    Ok(report)
}

/// A model binding's base without the metadata fields `sync::fields` keeps in it: what the
/// listing is compared with.
fn listed_part(base: &str) -> Value {
    let mut v: Value = serde_json::from_str(base).unwrap_or(Value::Null);
    if let Some(o) = v.as_object_mut() {
        o.remove("fields");
    }
    v
}

/// The remote models with versions whose files are to be tried again, though the model did not
/// change: at every sync when the server or the network failed, once the stores changed when
/// no store covered them, and (without --metadata-only) those a --metadata-only sync recorded.
/// Otherwise an unchanged model costs nothing. One pass over the bindings, not one per model.
fn models_to_retry<'a>(bindings: &'a BTreeMap<(String, String), Binding>, stores: &str, opts: &SyncOptions) -> BTreeSet<&'a str> {
    bindings
        .values()
        .filter(|b| b.kind == "version")
        .filter(|b| match b.state.as_str() {
            "unreachable" => serde_json::from_str::<Value>(&b.base)
                .map(|v| v["again"] != json!(false) || v["stores"].as_str() != Some(stores))
                .unwrap_or(true),
            "remote-only" => !opts.metadata_only,
            _ => false,
        })
        .filter_map(|b| b.remote_key.rsplit_once('/').map(|(model, _)| model))
        .collect()
}

#[allow(clippy::too_many_arguments)]
fn pull_model(
    ws: &mut Workspace,
    remote: &str,
    from: &dyn Remote,
    m: &RemoteModel,
    versions: &[RemoteVersion],
    state: &Value,
    bindings: &BTreeMap<(String, String), Binding>,
    stores: &str,
    opts: &SyncOptions,
    actor: &str,
    report: &mut SyncReport,
) -> Result<(), SyncError> {
    let local = local_name(&m.name);
    report.scanned_versions += versions.len() as u32;
    let mut seen = BTreeSet::new();
    let mut todo = Vec::new();
    for v in versions {
        let key = format!("{}/{}", m.name, v.version);
        seen.insert(key.clone());
        let binding = bindings.get(&("version".into(), key.clone()));
        let state_here = binding.map(|b| b.state.as_str());
        if let Some(b) = binding.filter(|b| b.state == "bound") {
            moved(ws, remote, b, v, opts, actor, report)?;
        }
        if matches!(state_here, Some("bound" | "drifted" | "superseded")) {
            continue;
        }
        if opts.only_version.as_ref().is_some_and(|only| *only != v.version) {
            continue;
        }
        if opts.metadata_only {
            // Recorded without its bytes: `pedigree fetch`, or a sync without --metadata-only,
            // brings them.
            if state_here != Some("remote-only") {
                report.recorded += 1;
                if !opts.dry_run {
                    let b = not_here(remote, key, version_state(v), "remote-only");
                    ws.catalog.write(|tx| remotes::upsert_binding(tx, &b))?;
                }
            }
            continue;
        }
        if opts.dry_run {
            report.pulled += 1;
            continue;
        }
        todo.push(v);
    }
    // Their files fetched a few versions at a time, several at once; registered in order (the
    // semver a version gets depends on those before it).
    for window in todo.chunks(staging::PARALLEL * 2) {
        let staged: Vec<Staged> = window.iter().map(|v| Staged::new(&ws.root, remote, &local, v)).collect();
        let jobs: Vec<(&RemoteVersion, &Path)> = window.iter().zip(&staged).map(|(v, s)| (*v, s.dir.as_path())).collect();
        let fetched = staging::fetch_all(from, &jobs);
        for ((v, staged), fetched) in window.iter().zip(staged).zip(fetched) {
            let key = format!("{}/{}", m.name, v.version);
            match pull_version(ws, remote, from, &local, v, (staged, fetched), actor) {
                Ok(Pulled::New) => report.pulled += 1,
                Ok(Pulled::Bound) => report.bound += 1,
                Err(Unfetched(reason, again)) => {
                    report.skipped.push(Item { subject: key.clone(), reason: reason.clone() });
                    let b = not_here(remote, key, unreachable_state(v, stores, again), "unreachable");
                    ws.catalog.write(|tx| remotes::upsert_binding(tx, &b))?;
                }
            }
        }
    }
    if opts.dry_run {
        return Ok(());
    }
    // Versions gone on the remote stay here, marked deleted there.
    let gone: Vec<&Binding> = bindings
        .values()
        .filter(|b| {
            b.kind == "version"
                && !matches!(b.state.as_str(), "deleted" | "superseded")
                && b.remote_key.rsplit_once('/').is_some_and(|(n, _)| n == m.name)
        })
        .filter(|b| !seen.contains(&b.remote_key))
        .collect();
    let old = bindings.get(&("model".into(), m.name.clone()));
    let base_aliases = old.and_then(|b| serde_json::from_str::<Value>(&b.base).ok()).map(|v| v["aliases"].clone());
    // The metadata fields kept in the base are `sync::fields`'s to move.
    let state = super::fields::with_fields(state.clone(), old.and_then(super::fields::base_of).as_ref());
    ws.catalog.write(|tx| -> Result<(), SyncError> {
        for b in &gone {
            let mut b = (*b).clone();
            b.state = "deleted".into();
            audit::append(
                tx,
                &audit::now(),
                actor,
                "remote_deleted",
                b.local.as_deref().unwrap_or(&b.remote_key),
                &json!({"remote": remote, "key": b.remote_key}),
            )?;
            remotes::upsert_binding(tx, &b)?;
            report.deleted_remotely += 1;
        }
        pull_aliases(tx, remote, m, &local, base_aliases.as_ref(), actor, report)?;
        let b = Binding {
            remote: remote.into(),
            kind: "model".into(),
            remote_key: m.name.clone(),
            local: Some(format!("model:{local}")),
            digest: None,
            base: state.to_string(),
            state: "bound".into(),
        };
        remotes::upsert_binding(tx, &b)?;
        Ok(())
    })
}

/// A bound version whose source the remote now lists as another one (an OCI tag moved to
/// another manifest): reported as drift and never followed; the binding is marked `drifted`
/// (audited once), so `sync --verify` compares the files and `--import-drift` registers them as
/// a new version. Only a base that recorded the source can tell.
fn moved(
    ws: &mut Workspace,
    remote: &str,
    b: &Binding,
    v: &RemoteVersion,
    opts: &SyncOptions,
    actor: &str,
    report: &mut SyncReport,
) -> Result<(), SyncError> {
    let was = serde_json::from_str::<Value>(&b.base).ok().and_then(|x| x["source"].as_str().map(str::to_string));
    let Some(was) = was.filter(|w| !w.is_empty() && *w != v.source) else { return Ok(()) };
    let local = b.local.as_deref().unwrap_or_default();
    report.drifted.push(Item {
        subject: b.remote_key.clone(),
        reason: format!(
            "the remote now gives {} for it, not {was} (bound to {}); not followed — pedigree sync {remote} --import-drift registers its files as a new version",
            v.source,
            local.trim_start_matches("version:")
        ),
    });
    if !opts.dry_run {
        let nb = Binding { state: "drifted".into(), ..b.clone() };
        ws.catalog.write(|tx| -> Result<(), SyncError> {
            let payload = json!({"remote": remote, "key": b.remote_key, "sourceWas": was, "sourceNow": v.source});
            audit::append(tx, &audit::now(), actor, "remote_drift", local, &payload)?;
            remotes::upsert_binding(tx, &nb)?;
            Ok(())
        })?;
    }
    Ok(())
}

/// Moves local aliases to where the remote's point, unless one was moved here since the base
/// (a conflict: neither side changes).
fn pull_aliases(
    tx: &rusqlite::Connection,
    remote: &str,
    m: &RemoteModel,
    local: &str,
    base: Option<&Value>,
    actor: &str,
    report: &mut SyncReport,
) -> Result<(), SyncError> {
    let Some(model_id) = models::model_id(tx, local)? else { return Ok(()) };
    for (alias, version) in &m.aliases {
        let subject = format!("{}@{alias}", m.name);
        if super::conflicts::blocked(tx, remote, &subject, "alias")? {
            continue;
        }
        let Some(target) = bound_local_version(tx, remote, &m.name, version)? else { continue };
        let here = aliases::target(tx, model_id, alias)?;
        if here.as_deref() == Some(target.as_str()) {
            continue;
        }
        let base_remote = base.and_then(|b| b[alias].as_str()).map(str::to_string);
        let base_local = match &base_remote {
            Some(v) => bound_local_version(tx, remote, &m.name, v)?,
            None => None,
        };
        if here.is_some() && here != base_local {
            super::conflicts::record(tx, remote, &subject, "alias", base_remote, here, Some(version.clone()), actor)?;
            continue;
        }
        let now = audit::now();
        let payload = json!({"alias": alias, "version": target, "previous": here, "remote": remote, "remoteVersion": version});
        let seq = audit::append(tx, &now, actor, "set_alias", &format!("model:{local}"), &payload)?;
        let vid = models::version_key(tx, local, &target)?.map(|k| k.id).expect("bound versions exist");
        aliases::set(tx, model_id, alias, vid, actor, &now, seq)?;
        report.aliases_pulled += 1;
    }
    // Aliases removed there since the base: removed here too, unless moved here meanwhile.
    for (alias, was) in base.and_then(Value::as_object).into_iter().flatten() {
        let subject = format!("{}@{alias}", m.name);
        if m.aliases.contains_key(alias) || super::conflicts::blocked(tx, remote, &subject, "alias")? {
            continue;
        }
        let Some(here) = aliases::target(tx, model_id, alias)? else { continue };
        let base_local = match was.as_str() {
            Some(v) => bound_local_version(tx, remote, &m.name, v)?,
            None => None,
        };
        if base_local.as_deref() != Some(here.as_str()) {
            let base_remote = was.as_str().map(str::to_string);
            super::conflicts::record(tx, remote, &subject, "alias", base_remote, Some(here), None, actor)?;
            continue;
        }
        let now = audit::now();
        let payload = json!({"alias": alias, "previous": here, "remote": remote});
        let seq = audit::append(tx, &now, actor, "remove_alias", &format!("model:{local}"), &payload)?;
        aliases::remove(tx, model_id, alias, actor, &now, seq)?;
        report.aliases_pulled += 1;
    }
    Ok(())
}

/// The local version (semver) a remote version is bound to.
pub(super) fn bound_local_version(
    tx: &rusqlite::Connection,
    remote: &str,
    model: &str,
    version: &str,
) -> Result<Option<String>, SyncError> {
    Ok(remotes::binding(tx, remote, "version", &format!("{model}/{version}"))?
        .filter(|b| b.state == "bound")
        .and_then(|b| b.local)
        .and_then(|l| l.rsplit_once('@').map(|(_, v)| v.to_string())))
}

pub(super) enum Pulled {
    New,
    Bound,
}

/// Why a version's bytes could not be fetched (it is recorded, not dropped).
pub(super) struct Unfetched(pub(super) String, pub(super) Again);

/// Whether a version that could not be fetched is tried again at every sync (the server or the
/// network failed: it may work next time) or only when something changes (no store covers its
/// files, or its files were refused: the same again until the model or the stores change).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Again {
    EverySync,
    OnChange,
}

impl Unfetched {
    fn transient(reason: String) -> Self {
        Unfetched(reason, Again::EverySync)
    }
}

impl From<SyncError> for Unfetched {
    fn from(e: SyncError) -> Self {
        Unfetched::transient(e.to_string())
    }
}

/// Registers a remote version's files fetched (by [`staging::fetch_all`]) into `staged`.
fn pull_version(
    ws: &mut Workspace,
    remote: &str,
    from: &dyn Remote,
    local: &str,
    v: &RemoteVersion,
    (staged, fetched): (Staged, Result<Fetched, crate::remote::RemoteError>),
    actor: &str,
) -> Result<Pulled, Unfetched> {
    let fetched = fetched.map_err(|e| Unfetched::transient(e.to_string()))?;
    staging::settle(ws, fetched, &staged.dir)?;
    register(ws, remote, from, local, v, &staged.dir, None, actor)
}

/// A local version of the model with exactly these files (bound to, not registered again).
fn same_bytes_here(ws: &Workspace, local: &str, dir: &Path) -> Result<Option<(String, String)>, SyncError> {
    let Some(model_id) = models::model_id(ws.catalog.conn(), local)? else { return Ok(None) };
    let files = staging::sized_files(dir)?;
    // Only a version with as many files and bytes can hold the same files: hash (a second
    // time, registration hashes too) only then.
    let total = files.iter().map(|(_, size)| size).sum();
    if !models::has_version_sized(ws.catalog.conn(), model_id, files.len() as u32, total)? {
        return Ok(None);
    }
    let root = staging::root_of(dir, files)?;
    Ok(models::version_with_root(ws.catalog.conn(), model_id, &root)?)
}

/// Registers the fetched files (or binds an existing version with the same digest); `parent`:
/// the version they replace, for drifted files imported as a new version.
#[allow(clippy::too_many_arguments)]
pub(super) fn register(
    ws: &mut Workspace,
    remote: &str,
    from: &dyn Remote,
    local: &str,
    v: &RemoteVersion,
    dir: &Path,
    parent: Option<&str>,
    actor: &str,
) -> Result<Pulled, Unfetched> {
    let semver = v.tags.get("pedigree.semver").filter(|s| crate::ids::parse_version(s).is_ok()).cloned();
    let key = format!("{}/{}", v.model, v.version);
    // The run that made it: its params and metrics become the version's, its facts the run node's.
    let run = match v.run_id.as_str() {
        "" => None,
        id => from.run(id).map_err(|e| Unfetched::transient(e.to_string()))?,
    };
    // Its logged datasets become dataset versions the new version was trained on.
    let trained_on = match &run {
        Some(r) if !r.datasets.is_empty() => {
            ws.catalog.write(|tx| super::lineage::record_datasets(tx, remote, r, actor)).map_err(Unfetched::from)?
        }
        _ => Vec::new(),
    };
    let req = RegisterRequest {
        trained_on,
        parents: parent.map(|p| reg::ParentLink { parent: p.into(), relation: None }).into_iter().collect(),
        params: run.as_ref().map(|r| r.params.clone()).unwrap_or_default(),
        metrics: run.as_ref().map(|r| r.metrics.clone()).unwrap_or_default(),
        paths: vec![dir.display().to_string()],
        model: local.into(),
        // Drifted bytes are a new version: the tag names the one they replaced.
        version: semver.filter(|_| parent.is_none()),
        message: if v.description.is_empty() { format!("pulled from {remote} ({key})") } else { v.description.clone() },
        run: (!v.run_id.is_empty()).then(|| format!("{remote}:{}", v.run_id)),
        link: Some(crate::cas::Link::Hard),
        ..Default::default()
    };
    let (local_node, digest, outcome) = match same_bytes_here(ws, local, dir).map_err(|e| Unfetched::transient(e.to_string()))? {
        Some((version, digest)) => (crate::ids::version_node(local, &version), digest, Pulled::Bound),
        None => match reg::register(ws, &req, None, actor, &crate::progress::ignore) {
            Ok(r) => {
                super::crash_point("pull-registered");
                (r.node, r.manifest_digest, Pulled::New)
            }
            Err(e) => return Err(Unfetched(format!("not registered: {e}"), Again::OnChange)),
        },
    };
    // A version registered from the remote starts with its description, tags and stage (they
    // are the base of the next sync); one bound to a version that was here already keeps its
    // own, and the first merge of fields brings the remote's differences (audited).
    let fields = super::fields::of_version(v);
    let mut base = version_state(v);
    if matches!(outcome, Pulled::New) {
        base["fields"] = json!(fields);
    }
    let b = Binding {
        remote: remote.into(),
        kind: "version".into(),
        remote_key: key.clone(),
        local: Some(local_node.clone()),
        digest: Some(digest.clone()),
        base: base.to_string(),
        state: "bound".into(),
    };
    ws.catalog
        .write(|tx| -> Result<(), SyncError> {
            let payload = json!({"remote": remote, "key": key, "manifestDigest": digest, "source": v.source, "runId": v.run_id, "fields": fields});
            let now = audit::now();
            let seq = audit::append(tx, &now, actor, "remote_pull", &local_node, &payload)?;
            super::lineage::imported_from(tx, &local_node, &v.source, seq)?;
            if matches!(outcome, Pulled::New) {
                for (field, value) in &fields {
                    crate::catalog::annotations::put(tx, &local_node, field, Some(value), actor, &now, seq)?;
                }
            }
            remotes::upsert_binding(tx, &b)?;
            if let (Some(r), false) = (&run, v.run_id.is_empty()) {
                let node = format!("run:{remote}:{}", v.run_id);
                crate::catalog::graph::set_node(
                    tx,
                    &node,
                    "run",
                    &format!("{remote} run {}", v.run_id),
                    &super::lineage::run_attrs(remote, r).to_string(),
                )?;
            }
            Ok(())
        })
        .map_err(Unfetched::from)?;
    Ok(outcome)
}
