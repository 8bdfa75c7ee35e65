//! Push to a remote: every local version of the wanted models that is not bound there is found
//! again by its digest tag (a retried or interrupted push binds instead of duplicating) or
//! created, then bound; local aliases of bound versions follow, unless the remote moved the
//! alias since the last sync (a conflict: neither side changes). Afterwards the pushed models'
//! bases are taken again from the remote, so the next sync finds nothing to do.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use super::pull::model_state;
use super::{Item, Listing, SyncError, SyncOptions, SyncReport};
use crate::audit;
use crate::catalog::remotes::{self, Binding};
use crate::catalog::{aliases, annotations, models};
use crate::remote::{DIGEST_TAG, Push, Remote};
use crate::workspace::Workspace;

/// Pushes what is here and not there.
pub fn push(
    ws: &mut Workspace,
    remote: &str,
    to: &dyn Remote,
    listing: &Listing,
    opts: &SyncOptions,
    actor: &str,
    report: &mut SyncReport,
) -> Result<(), SyncError> {
    let bindings = remotes::bindings(ws.catalog.conn(), remote)?;
    let bound: BTreeMap<String, String> = bindings
        .iter()
        .filter(|b| b.kind == "version" && b.state != "unreachable")
        .filter_map(|b| Some((b.local.clone()?, b.remote_key.clone())))
        .collect();
    let names: BTreeMap<String, String> = bindings
        .iter()
        .filter(|b| b.kind == "model")
        .filter_map(|b| Some((b.local.clone()?.strip_prefix("model:")?.to_string(), b.remote_key.clone())))
        .collect();
    let mut touched = Vec::new();
    for m in models::list_models(ws.catalog.conn(), "", "", u32::MAX)? {
        let remote_name = names.get(&m.name).cloned().unwrap_or_else(|| m.name.clone());
        if !opts.wants(&remote_name) && !opts.wants(&m.name) {
            continue;
        }
        let model_id = models::model_id(ws.catalog.conn(), &m.name)?.expect("listed models exist");
        let mut versions = models::list_versions(ws.catalog.conn(), model_id, 0, u32::MAX)?;
        versions.reverse();
        let mut pushed_any = false;
        let wanted = |v: &&models::VersionSummary| opts.only_version.as_ref().is_none_or(|only| *only == v.version);
        for v in versions.iter().filter(wanted).filter(|v| !bound.contains_key(&crate::ids::version_node(&m.name, &v.version))) {
            if opts.dry_run {
                report.pushed += 1;
                continue;
            }
            let rec = models::get_version(ws.catalog.conn(), model_id, &v.version)?.expect("listed versions exist");
            match push_version(ws, remote, to, &remote_name, &rec, actor) {
                Ok(true) => report.pushed += 1,
                Ok(false) => report.bound += 1,
                Err(SyncError::Remote(e)) if e.is_fatal() => return Err(e.into()),
                Err(e) => report.failed.push(Item { subject: format!("{}@{}", m.name, v.version), reason: e.to_string() }),
            }
            pushed_any = true;
        }
        if !opts.dry_run && (pushed_any || !aliases::of_model(ws.catalog.conn(), model_id)?.is_empty()) {
            touched.push((m.name.clone(), model_id, remote_name));
        }
    }
    if touched.is_empty() {
        return Ok(());
    }
    push_aliases(ws, remote, to, listing, &touched, actor, report)
}

/// Creates one version on the remote (or finds the one a former push made); binds it. True when
/// a version was created.
fn push_version(
    ws: &mut Workspace,
    remote: &str,
    to: &dyn Remote,
    remote_name: &str,
    rec: &models::VersionRecord,
    actor: &str,
) -> Result<bool, SyncError> {
    let node = crate::ids::version_node(&rec.summary.model, &rec.summary.version);
    // The version's description and tags go up with it, in the create request itself; the
    // stage (a request of its own) after. What is there is the base of the next sync.
    let ours = annotations::current(ws.catalog.conn(), &node)?;
    let mut fields: annotations::Fields =
        ours.iter().filter(|(k, _)| k.as_str() != annotations::STAGE).map(|(k, v)| (k.clone(), v.clone())).collect();
    let (version, created, source) = match to.find_pushed(remote_name, &rec.manifest_digest)? {
        Some(v) => (v, false, None),
        None => {
            let files = rec.files.iter().map(|f| (f.path.clone(), ws.cas.object_path(&f.sha256))).collect();
            let mut tags = vec![
                (DIGEST_TAG.to_string(), rec.manifest_digest.clone()),
                ("pedigree.semver".to_string(), rec.summary.version.clone()),
                ("pedigree.root_sha256".to_string(), rec.summary.root_digest.clone()),
            ];
            tags.extend(fields.iter().filter_map(|(k, v)| Some((k.strip_prefix(annotations::TAG)?.to_string(), v.clone()))));
            let description = fields.get(annotations::DESCRIPTION).cloned().unwrap_or_default();
            let p = Push { model: remote_name.to_string(), files, tags, description, record: Some(rec.clone()) };
            let pushed = to.push(&p)?;
            (pushed.version, true, pushed.source)
        }
    };
    super::crash_point("push-created");
    if let Some(stage) = ours.get(annotations::STAGE)
        && created
        && to.set_field(remote_name, Some(&version), annotations::STAGE, Some(stage)).is_ok()
    {
        fields.insert(annotations::STAGE.into(), stage.clone());
    }
    let key = format!("{remote_name}/{version}");
    // Found again (a push that was interrupted): what reached the remote is not known, so no
    // base; the first merge brings the remote's differences here.
    let mut base = if created { json!({"pushed": true, "fields": fields}) } else { json!({"pushed": true}) };
    if let Some(source) = source {
        base["source"] = json!(source);
    }
    let b = Binding {
        remote: remote.into(),
        kind: "version".into(),
        remote_key: key.clone(),
        local: Some(node.clone()),
        digest: Some(rec.manifest_digest.clone()),
        base: base.to_string(),
        state: "bound".into(),
    };
    ws.catalog.write(|tx| -> Result<(), SyncError> {
        let action = if created { "remote_push" } else { "remote_bind" };
        audit::append(
            tx,
            &audit::now(),
            actor,
            action,
            &node,
            &json!({"remote": remote, "key": key, "manifestDigest": rec.manifest_digest}),
        )?;
        remotes::upsert_binding(tx, &b)?;
        Ok(())
    })?;
    Ok(created)
}

/// Local aliases of bound versions go to the remote unless the remote moved them since the base;
/// then every touched model's base is taken again from the remote.
fn push_aliases(
    ws: &mut Workspace,
    remote: &str,
    to: &dyn Remote,
    listing: &Listing,
    touched: &[(String, i64, String)],
    actor: &str,
    report: &mut SyncReport,
) -> Result<(), SyncError> {
    // Versions pushed just now may have made a model: list again then.
    let models = if report.pushed > 0 { to.models()? } else { listing.models.clone() };
    let listed: BTreeMap<String, crate::remote::RemoteModel> = models.into_iter().map(|m| (m.name.clone(), m)).collect();
    let bindings = remotes::bindings(ws.catalog.conn(), remote)?;
    let remote_of = |local: &str| {
        // Only a version bound there now (not one superseded by drifted files) has an id there.
        bindings
            .iter()
            .find(|b| b.kind == "version" && b.state == "bound" && b.local.as_deref() == Some(local))
            .map(|b| b.remote_key.clone())
    };
    let mut moved = false;
    for (name, model_id, remote_name) in touched {
        let Some(rm) = listed.get(remote_name) else { continue };
        let base: Value = bindings
            .iter()
            .find(|b| b.kind == "model" && b.remote_key == *remote_name)
            .and_then(|b| serde_json::from_str(&b.base).ok())
            .unwrap_or(Value::Null);
        for a in aliases::of_model(ws.catalog.conn(), *model_id)? {
            let subject = format!("{remote_name}@{}", a.alias);
            if super::conflicts::blocked(ws.catalog.conn(), remote, &subject, "alias")? {
                continue;
            }
            let Some(key) = remote_of(&crate::ids::version_node(name, &a.version)) else { continue };
            let want = key.rsplit_once('/').map(|(_, v)| v.to_string()).unwrap_or_default();
            let there = rm.aliases.get(&a.alias).cloned();
            if there.as_deref() == Some(want.as_str()) {
                continue;
            }
            let base_there = base["aliases"][&a.alias].as_str().map(str::to_string);
            // The remote moved (or removed) it since the base too: a conflict.
            if there != base_there {
                ws.catalog.write(|tx| {
                    super::conflicts::record(tx, remote, &subject, "alias", base_there, Some(a.version.clone()), there, actor)
                })?;
                continue;
            }
            to.set_alias(remote_name, &a.alias, &want)?;
            ws.catalog.write(|tx| {
                audit::append(
                    tx,
                    &audit::now(),
                    actor,
                    "remote_set_alias",
                    &format!("model:{name}"),
                    &json!({"remote": remote, "model": remote_name, "alias": a.alias, "version": want}),
                )
            })?;
            report.aliases_pushed += 1;
            moved = true;
        }
    }
    // The remote as it is now is the base of the next sync.
    let listed = if moved { to.models()?.into_iter().map(|m| (m.name.clone(), m)).collect() } else { listed };
    // A model bound by this push for the first time: its description and tags go up now.
    let mut first = BTreeMap::new();
    for (name, _, remote_name) in touched {
        let bound_before = bindings.iter().any(|x| x.kind == "model" && x.remote_key == *remote_name);
        if let (Some(rm), false) = (listed.get(remote_name), bound_before) {
            first.insert(
                remote_name.clone(),
                super::fields::first_push(ws, remote, to, rm, &format!("model:{name}"), actor, report)?,
            );
        }
    }
    let listed = if first.is_empty() { listed } else { to.models()?.into_iter().map(|m| (m.name.clone(), m)).collect() };
    ws.catalog.write(|tx| -> Result<(), SyncError> {
        for (name, _, remote_name) in touched {
            if let Some(rm) = listed.get(remote_name) {
                let before = bindings.iter().find(|x| x.kind == "model" && x.remote_key == *remote_name);
                // The metadata fields kept in the base are `sync::fields`'s to move.
                let fields = before.and_then(super::fields::base_of).or_else(|| first.get(remote_name).cloned());
                let state = super::fields::with_fields(model_state(rm), fields.as_ref());
                let b = Binding {
                    remote: remote.into(),
                    kind: "model".into(),
                    remote_key: remote_name.clone(),
                    local: Some(format!("model:{name}")),
                    digest: None,
                    base: state.to_string(),
                    state: "bound".into(),
                };
                if before.map(|x| &x.base) != Some(&b.base) {
                    remotes::upsert_binding(tx, &b)?;
                }
            }
        }
        Ok(())
    })
}
