//! Metadata in step: the description, tags and stage of every bound model and version, merged
//! field by field with the base kept at the last sync (MLflow moves no timestamp when a tag
//! changes, so the listing itself is compared). Only the remote changed: the local field follows
//! (audited, naming the remote). Only here: the remote's is set (audited). Both, differently: a
//! conflict, neither side written, until `pedigree resolve`. Pedigree's own tags on the remote
//! (`pedigree.…`) are identity, not metadata, and are left out. A base is written only when it
//! moves, so a sync that finds nothing writes nothing.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Value, json};

use super::{Item, Listing, SyncError, SyncOptions, SyncReport};
use crate::audit;
use crate::catalog::annotations::{self, DESCRIPTION, Fields, STAGE, TAG};
use crate::catalog::remotes::{self, Binding};
use crate::remote::{Remote, RemoteModel, RemoteVersion};
use crate::workspace::Workspace;

/// The fields of a remote's model or version as Pedigree keeps them: the description, the
/// stage when there is one, every tag but Pedigree's own.
fn remote_fields(description: &str, tags: &BTreeMap<String, String>, stage: Option<&str>) -> Fields {
    let mut f = Fields::new();
    f.insert(DESCRIPTION.into(), description.into());
    if let Some(s) = stage {
        f.insert(STAGE.into(), s.into());
    }
    for (k, v) in tags.iter().filter(|(k, _)| !k.starts_with("pedigree.")) {
        f.insert(format!("{TAG}{k}"), v.clone());
    }
    f
}

pub(super) fn of_model(m: &RemoteModel) -> Fields {
    remote_fields(&m.description, &m.tags, None)
}

pub(super) fn of_version(v: &RemoteVersion) -> Fields {
    remote_fields(&v.description, &v.tags, v.stage.as_deref())
}

/// The fields a binding's base holds (`None`: none kept yet, e.g. bound before fields synced).
pub(super) fn base_of(b: &Binding) -> Option<Fields> {
    serde_json::from_str::<Value>(&b.base).ok().and_then(|v| serde_json::from_value(v["fields"].clone()).ok())
}

/// `base` (a binding's base JSON) with its fields replaced.
pub(super) fn with_base(base: &str, fields: &Fields) -> String {
    let v: Value = serde_json::from_str(base).unwrap_or_else(|_| json!({}));
    with_fields(if v.is_object() { v } else { json!({}) }, Some(fields)).to_string()
}

/// A model's listed state (`pull::model_state`) as the base of its binding: with the fields the
/// merge keeps, when there are any (`None`: the first merge has not run).
pub(super) fn with_fields(mut state: Value, fields: Option<&Fields>) -> Value {
    if let Some(f) = fields {
        state["fields"] = json!(f);
    }
    state
}

/// What one field needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Step {
    /// Only the remote changed it: the local field follows.
    Pull,
    /// Only the local side changed it: the remote's follows.
    Push,
    /// Both changed it, differently.
    Conflict,
}

/// One field that differs between the two sides.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Change {
    pub field: String,
    pub base: Option<String>,
    pub local: Option<String>,
    pub remote: Option<String>,
    pub step: Step,
}

/// Three-way merge of one subject's fields. Without a base the local side is taken as it (the
/// remote's differences come here; nothing local is pushed over a remote it never saw).
pub(super) fn merge(base: Option<&Fields>, local: &Fields, remote: &Fields) -> Vec<Change> {
    let keys: BTreeSet<&String> = local.keys().chain(remote.keys()).collect();
    let mut out = Vec::new();
    for k in keys {
        let (l, r) = (local.get(k), remote.get(k));
        if l == r {
            continue;
        }
        let b = match base {
            Some(b) => b.get(k),
            None => l,
        };
        let step = if b == l {
            Step::Pull
        } else if b == r {
            Step::Push
        } else {
            Step::Conflict
        };
        out.push(Change { field: k.clone(), base: b.cloned(), local: l.cloned(), remote: r.cloned(), step });
    }
    out
}

/// The base after a merge: every field both sides agree on, as they have it; others as before.
fn agreed(base: Option<&Fields>, local: &Fields, remote: &Fields) -> Fields {
    let mut out = base.cloned().unwrap_or_else(|| local.clone());
    let keys: BTreeSet<String> = local.keys().chain(remote.keys()).chain(out.keys()).cloned().collect();
    for k in keys {
        match (local.get(&k), remote.get(&k)) {
            (Some(l), Some(r)) if l == r => {
                out.insert(k, l.clone());
            }
            (None, None) => {
                out.remove(&k);
            }
            _ => {}
        }
    }
    out
}

/// Sets (`Some`) or removes (`None`) one field.
pub(super) fn set(fields: &mut Fields, field: &str, value: Option<&String>) {
    match value {
        Some(v) => fields.insert(field.to_string(), v.clone()),
        None => fields.remove(field),
    };
}

/// Merges the fields of every bound model and version the listing has.
pub(super) fn sync(
    ws: &mut Workspace,
    remote: &str,
    to: &dyn Remote,
    listing: &Listing,
    opts: &SyncOptions,
    actor: &str,
    report: &mut SyncReport,
) -> Result<(), SyncError> {
    let bindings = remotes::bindings(ws.catalog.conn(), remote)?;
    let mut local_all = annotations::all(ws.catalog.conn())?;
    let models: BTreeMap<&str, &RemoteModel> = listing.models.iter().map(|m| (m.name.as_str(), m)).collect();
    let versions: BTreeMap<(&str, &str), &RemoteVersion> =
        listing.versions.values().flatten().map(|v| ((v.model.as_str(), v.version.as_str()), v)).collect();
    for b in bindings.iter().filter(|b| b.state == "bound") {
        let Some(subject) = &b.local else { continue };
        let (model, version, theirs) = match (b.kind.as_str(), b.remote_key.rsplit_once('/')) {
            ("model", _) => match models.get(b.remote_key.as_str()) {
                Some(m) => (m.name.as_str(), None, of_model(m)),
                None => continue,
            },
            ("version", Some((m, v))) => match versions.get(&(m, v)) {
                Some(rv) => (m, Some(v), of_version(rv)),
                None => continue,
            },
            _ => continue,
        };
        let ours = annotations::effective(ws.catalog.conn(), subject, local_all.remove(subject).unwrap_or_default())?;
        let base = base_of(b);
        let mut next = agreed(base.as_ref(), &ours, &theirs);
        for c in merge(base.as_ref(), &ours, &theirs) {
            if super::conflicts::blocked(ws.catalog.conn(), remote, &b.remote_key, &c.field)? {
                continue;
            }
            match c.step {
                Step::Pull if !opts.push_only => {
                    // A remote's value is checked like one typed here (a hostile server cannot
                    // store a control-character key or megabytes of text).
                    if let Err(e) = crate::governance::annotations::validate(&c.field, c.remote.as_deref()) {
                        report
                            .skipped
                            .push(Item { subject: format!("{} {}", b.remote_key, c.field), reason: format!("not taken: {e}") });
                        continue;
                    }
                    report.fields_pulled += 1;
                    if !opts.dry_run {
                        ws.catalog.write(|tx| {
                            crate::governance::annotations::put(tx, subject, &c.field, c.remote.as_deref(), actor, Some(remote))
                        })?;
                    }
                    set(&mut next, &c.field, c.remote.as_ref());
                }
                Step::Push if !opts.pull_only => {
                    if opts.dry_run {
                        report.fields_pushed += 1;
                        continue;
                    }
                    match push_field(ws, remote, to, (model, version), subject, &c, actor, report) {
                        Ok(()) => set(&mut next, &c.field, c.local.as_ref()),
                        Err(SyncError::Remote(e)) if !e.is_fatal() => {
                            report.failed.push(Item { subject: format!("{} {}", b.remote_key, c.field), reason: e.to_string() })
                        }
                        Err(e) => return Err(e),
                    }
                }
                Step::Conflict if !opts.dry_run => {
                    ws.catalog.write(|tx| {
                        super::conflicts::record(tx, remote, &b.remote_key, &c.field, c.base, c.local, c.remote, actor)
                    })?;
                }
                _ => {}
            }
        }
        if !opts.dry_run && base.as_ref() != Some(&next) {
            let nb = Binding { base: with_base(&b.base, &next), ..b.clone() };
            ws.catalog.write(|tx| remotes::upsert_binding(tx, &nb))?;
        }
    }
    Ok(())
}

/// Sets the local value of a field on the remote's model or version (`(model, version)`), audited.
#[allow(clippy::too_many_arguments)]
fn push_field(
    ws: &mut Workspace,
    remote: &str,
    to: &dyn Remote,
    (model, version): (&str, Option<&str>),
    subject: &str,
    c: &Change,
    actor: &str,
    report: &mut SyncReport,
) -> Result<(), SyncError> {
    to.set_field(model, version, &c.field, c.local.as_deref())?;
    report.fields_pushed += 1;
    let key = version.map_or_else(|| model.to_string(), |v| format!("{model}/{v}"));
    let payload = json!({"remote": remote, "key": key, "field": c.field, "value": c.local});
    ws.catalog.write(|tx| audit::append(tx, &audit::now(), actor, "remote_annotate", subject, &payload))?;
    Ok(())
}

/// A model a push bound for the first time (its remote model was just made, or was there
/// already): its local description and tags go up, audited, where the remote has none; where
/// the remote has another value already, it is a conflict. What the remote then has is the base
/// of the next sync.
pub(super) fn first_push(
    ws: &mut Workspace,
    remote: &str,
    to: &dyn Remote,
    rm: &RemoteModel,
    subject: &str,
    actor: &str,
    report: &mut SyncReport,
) -> Result<Fields, SyncError> {
    let ours = annotations::current(ws.catalog.conn(), subject)?;
    let theirs = of_model(rm);
    let mut base = theirs.clone();
    // With the remote's values as the base, every difference is a change made here.
    for c in merge(Some(&theirs), &ours, &theirs) {
        if c.remote.as_deref().is_some_and(|v| !v.is_empty()) {
            ws.catalog.write(|tx| {
                super::conflicts::record(tx, remote, &rm.name, &c.field, None, c.local.clone(), c.remote.clone(), actor)
            })?;
            continue;
        }
        push_field(ws, remote, to, (&rm.name, None), subject, &c, actor, report)?;
        set(&mut base, &c.field, c.local.as_ref());
    }
    Ok(base)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(pairs: &[(&str, &str)]) -> Fields {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn each_field_goes_the_way_it_changed() {
        let base = fields(&[("description", "a"), ("tag:team", "x"), ("tag:gone", "1")]);
        let local = fields(&[("description", "a"), ("tag:team", "y"), ("tag:gone", "1"), ("tag:new", "n")]);
        let remote = fields(&[("description", "b"), ("tag:team", "x"), ("stage", "Production")]);
        let steps: Vec<(String, Step)> = merge(Some(&base), &local, &remote).into_iter().map(|c| (c.field, c.step)).collect();
        assert_eq!(
            steps,
            [
                ("description".to_string(), Step::Pull),
                ("stage".to_string(), Step::Pull),
                ("tag:gone".to_string(), Step::Pull),
                ("tag:new".to_string(), Step::Push),
                ("tag:team".to_string(), Step::Push),
            ]
        );
    }

    #[test]
    fn both_sides_changing_a_field_differently_is_a_conflict_and_the_same_way_is_not() {
        let base = fields(&[("description", "a"), ("tag:k", "0")]);
        let local = fields(&[("description", "here"), ("tag:k", "1")]);
        let remote = fields(&[("description", "there"), ("tag:k", "1")]);
        let changes = merge(Some(&base), &local, &remote);
        assert_eq!(changes.len(), 1);
        assert_eq!(changes[0].step, Step::Conflict);
        assert_eq!(
            (changes[0].base.as_deref(), changes[0].local.as_deref(), changes[0].remote.as_deref()),
            (Some("a"), Some("here"), Some("there"))
        );
        // The agreed tag becomes the base; the conflicting description keeps its old base.
        assert_eq!(agreed(Some(&base), &local, &remote), fields(&[("description", "a"), ("tag:k", "1")]));
    }

    #[test]
    fn without_a_base_the_remote_side_comes_here() {
        let local = fields(&[("description", "message")]);
        let remote = fields(&[("description", "message"), ("tag:owner", "ana")]);
        let changes = merge(None, &local, &remote);
        assert_eq!(changes.iter().map(|c| (c.field.as_str(), c.step)).collect::<Vec<_>>(), [("tag:owner", Step::Pull)]);
        assert!(merge(None, &local, &local).is_empty());
    }

    #[test]
    fn pedigree_tags_are_identity_not_metadata() {
        let tags: BTreeMap<String, String> =
            [("pedigree.semver", "1.0.0"), ("team", "fraud")].iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        assert_eq!(
            remote_fields("d", &tags, Some("Staging")),
            fields(&[("description", "d"), ("stage", "Staging"), ("tag:team", "fraud")])
        );
    }
}
