//! Drift: MLflow lets a version's artifacts be overwritten after it was registered; Pedigree's
//! registered bytes never change. `sync --verify` fetches every bound version's files again and
//! compares their root digest with the local version's; a difference is reported (and the
//! binding marked `drifted`, audited once), never applied. `--import-drift` registers the
//! remote's current files as a new version derived from the old one and binds the remote
//! version to it (the old one stays bound as `superseded`, so it is not pushed back). A version
//! whose bytes are the same again is bound as before.

use std::collections::BTreeMap;

use serde_json::json;

use super::pull::{self, Pulled, Unfetched};
use super::{Item, SyncError, SyncOptions, SyncReport};
use crate::audit;
use crate::catalog::models;
use crate::catalog::remotes::{self, Binding};
use crate::remote::{Remote, RemoteVersion};
use crate::workspace::Workspace;

pub fn check(
    ws: &mut Workspace,
    remote: &str,
    from: &dyn Remote,
    listing: &super::Listing,
    opts: &SyncOptions,
    actor: &str,
    report: &mut SyncReport,
) -> Result<(), SyncError> {
    let bound: Vec<Binding> = remotes::bindings(ws.catalog.conn(), remote)?
        .into_iter()
        .filter(|b| b.kind == "version" && matches!(b.state.as_str(), "bound" | "drifted") && b.local.is_some())
        .filter(|b| b.remote_key.rsplit_once('/').is_some_and(|(m, _)| opts.wants(m)))
        .collect();
    let listed: BTreeMap<(&str, &str), &RemoteVersion> =
        listing.versions.values().flatten().map(|v| ((v.model.as_str(), v.version.as_str()), v)).collect();
    for b in bound {
        let (model, version) = b.remote_key.rsplit_once('/').expect("filtered above");
        // Gone there: pull marks it deleted; nothing to compare.
        let Some(v) = listed.get(&(model, version)).copied() else { continue };
        let node = b.local.clone().expect("filtered above");
        let (name, semver) =
            crate::ids::split_ref(node.trim_start_matches("version:")).map_err(|e| SyncError::Local(e.to_string()))?;
        let (name, semver) = (name.to_string(), semver.to_string());
        let model_id = models::model_id(ws.catalog.conn(), &name)?
            .ok_or_else(|| SyncError::Local(format!("{node} is bound but not here")))?;
        let here = models::get_version(ws.catalog.conn(), model_id, &semver)?
            .ok_or_else(|| SyncError::Local(format!("{node} is bound but not here")))?
            .summary
            .root_digest;
        // Fetched once: compared, and registered from the same folder when imported.
        let staged = match super::staging::stage(ws, remote, from, &name, v)? {
            Ok(staged) => staged,
            Err(Unfetched(reason, _)) => {
                report.skipped.push(Item { subject: b.remote_key.clone(), reason: format!("bytes not checked: {reason}") });
                continue;
            }
        };
        let there = staged.root_digest()?;
        if there == here {
            report.verified += 1;
            if b.state == "drifted" && !opts.dry_run {
                // The same files again (under the source the remote gives now, if it moved).
                let mut base: serde_json::Value = serde_json::from_str(&b.base).unwrap_or_else(|_| json!({}));
                if base.get("source").is_some() {
                    base["source"] = json!(v.source);
                }
                let b = Binding { state: "bound".into(), base: base.to_string(), ..b };
                ws.catalog.write(|tx| remotes::upsert_binding(tx, &b))?;
            }
            continue;
        }
        let subject = b.remote_key.clone();
        if opts.import_drift && !opts.dry_run {
            let parent = format!("{name}@{semver}");
            let imported = pull::register(ws, remote, from, &name, v, &staged.dir, Some(&parent), actor);
            match imported {
                Ok(Pulled::New) | Ok(Pulled::Bound) => {
                    // The old version keeps a record of where it came from, so it is not pushed
                    // back as a version of its own.
                    let old = Binding { remote_key: format!("{subject}~{semver}"), state: "superseded".into(), ..b };
                    ws.catalog.write(|tx| remotes::upsert_binding(tx, &old))?;
                    let now = remotes::binding(ws.catalog.conn(), remote, "version", &subject)?.and_then(|b| b.local);
                    report.pulled += 1;
                    report.drifted.push(Item {
                        subject,
                        reason: format!(
                            "its files changed on the remote after they were bound to {parent}: imported as {}",
                            now.unwrap_or_default().trim_start_matches("version:")
                        ),
                    });
                }
                Err(e) => report.failed.push(Item { subject, reason: format!("drifted, and not imported: {}", e.0) }),
            }
            continue;
        }
        report.drifted.push(Item {
            subject: subject.clone(),
            reason: format!(
                "its files changed on the remote after they were bound to {name}@{semver} (root {} here, {} there); registered bytes never change — pedigree sync {remote} --import-drift registers them as a new version",
                &here[..12.min(here.len())],
                &there[..12.min(there.len())]
            ),
        });
        if b.state != "drifted" && !opts.dry_run {
            let b = Binding { state: "drifted".into(), ..b };
            ws.catalog.write(|tx| -> Result<(), SyncError> {
                let payload = json!({"remote": remote, "key": subject, "rootHere": here, "rootThere": there});
                audit::append(tx, &audit::now(), actor, "remote_drift", &node, &payload)?;
                remotes::upsert_binding(tx, &b)?;
                Ok(())
            })?;
        }
    }
    Ok(())
}
