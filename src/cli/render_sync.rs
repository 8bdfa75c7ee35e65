//! Human renderings of remotes, syncs, conflicts and annotations.

use super::render::table;
use crate::governance::annotations::Annotations;
use crate::remote::{RemoteInfo, RemoteTest};
use crate::sync::SyncReport;

pub fn remotes(list: &[RemoteInfo]) -> String {
    if list.is_empty() {
        return "No remotes. Add one: pedigree remote add team mlflow https://mlflow.example.com\n".into();
    }
    let rows: Vec<Vec<String>> = list
        .iter()
        .map(|r| {
            vec![
                r.name.clone(),
                r.kind.clone(),
                r.url.clone(),
                r.credentials.clone(),
                r.last_sync_at.clone().unwrap_or_else(|| "never".into()),
                r.sync_every.map(every).unwrap_or_else(|| "when asked".into()),
            ]
        })
        .collect();
    table(&["NAME", "KIND", "URL", "CREDENTIALS", "LAST SYNC", "SYNCS"], &rows)
}

/// A schedule in words: "every 15m".
fn every(seconds: u64) -> String {
    match seconds {
        s if s % 86_400 == 0 => format!("every {}d", s / 86_400),
        s if s % 3600 == 0 => format!("every {}h", s / 3600),
        s if s % 60 == 0 => format!("every {}m", s / 60),
        s => format!("every {s}s"),
    }
}

pub fn remote_test(t: &RemoteTest) -> String {
    format!(
        "{} ({}): MLflow {}; {} registered models; supports {}\n",
        t.name,
        t.url,
        t.server_version,
        t.models,
        t.supports.join(", ")
    )
}

pub fn sync_report(r: &SyncReport) -> String {
    if let Some(t) = &r.team {
        return team_report(&r.remote, t, r.requests);
    }
    let mut out = format!(
        "{}{}: {} models and {} versions scanned; {} pulled, {} recorded without bytes, {} pushed, {} bound, {} unchanged, {} aliases moved here, {} there, {} deleted remotely; {} skipped, {} conflicts, {} failed ({} requests)\n",
        if r.dry_run { "dry run — " } else { "" },
        r.remote,
        r.scanned_models,
        r.scanned_versions,
        r.pulled,
        r.recorded,
        r.pushed,
        r.bound,
        r.unchanged,
        r.aliases_pulled,
        r.aliases_pushed,
        r.deleted_remotely,
        r.skipped.len(),
        r.conflicts.len(),
        r.failed.len(),
        r.requests
    );
    if r.verified > 0 || !r.drifted.is_empty() {
        out.push_str(&format!("  bytes checked again: {} the same, {} drifted\n", r.verified, r.drifted.len()));
    }
    for (label, items) in [("skipped", &r.skipped), ("conflict", &r.conflicts), ("drifted", &r.drifted), ("failed", &r.failed)] {
        for i in items {
            out.push_str(&format!("  {label:<9} {}: {}\n", i.subject, i.reason));
        }
    }
    out
}

pub fn conflicts(l: &crate::api::remotes::ConflictList) -> String {
    if l.conflicts.is_empty() {
        return "No open conflicts: every synced field agrees with its remote.\n".into();
    }
    let none = |v: &Option<String>| v.clone().unwrap_or_else(|| "-".into());
    let rows: Vec<Vec<String>> = l
        .conflicts
        .iter()
        .map(|c| {
            vec![
                c.id.to_string(),
                c.remote.clone(),
                c.subject.clone(),
                c.field.clone(),
                none(&c.base),
                none(&c.local),
                none(&c.remote_value),
            ]
        })
        .collect();
    let mut out = table(&["ID", "REMOTE", "SUBJECT", "FIELD", "BASE", "HERE", "THERE"], &rows);
    // Two versions registered apart under one number: the version diff shows how they differ.
    for c in l.conflicts.iter().filter(|c| c.field == "version") {
        if let (Some((model, _)), Some(other)) = (c.subject.rsplit_once('@'), &c.remote_value) {
            out.push_str(&format!("Compare conflict {}: pedigree diff {} {model}@{other}\n", c.id, c.subject));
        }
    }
    out.push_str("Resolve one: pedigree resolve ID --take local|remote\n");
    out
}

pub fn annotations(a: &Annotations) -> String {
    let mut out = format!("{}\n", a.subject);
    let description = if a.description.is_empty() { "(none)" } else { a.description.as_str() };
    out.push_str(&format!("  description   {description}\n"));
    if let Some(stage) = &a.stage {
        out.push_str(&format!("  stage         {stage}\n"));
    }
    if a.tags.is_empty() {
        out.push_str("  tags          (none; set one: pedigree tag set TARGET KEY VALUE)\n");
    }
    for (k, v) in &a.tags {
        out.push_str(&format!("  tag           {k}={v}\n"));
    }
    out
}

/// A team ledger's sync.
fn team_report(remote: &str, t: &crate::sync::team::TeamSync, requests: u32) -> String {
    let mut out = format!(
        "{remote}: took in {} segments ({} events: {} applied, {} about their author's desktop only, {} refused); pushed {} segments ({} events, {} objects){}; the ledger has {} segments ({requests} requests)\nstate digest {}\n",
        t.segments_pulled,
        t.events_pulled,
        t.projected,
        t.local_only,
        t.refused.len(),
        t.segments_pushed,
        t.events_pushed,
        t.objects_pushed,
        if t.races_lost > 0 { format!(" after losing {} races for a segment number", t.races_lost) } else { String::new() },
        t.ledger_segments,
        t.state_digest,
    );
    for i in &t.refused {
        out.push_str(&format!("  refused {}: {}\n", i.subject, i.reason));
    }
    out
}

pub fn bundle_exported(b: &crate::sync::federated::BundleExported) -> String {
    let bytes = if b.objects == 0 { "without bytes".to_string() } else { format!("{} file object(s)", b.objects) };
    format!(
        "wrote {} ({} bytes), signed by {} ({}): {} version(s) with their lineage, {} event(s), {bytes}\n  {}\n",
        b.file,
        b.size,
        b.signer,
        b.signatures.join(" + "),
        b.versions.len(),
        b.events,
        b.versions.join(", ")
    )
}

pub fn bundle_imported(b: &crate::sync::federated::BundleImported) -> String {
    let mut out = format!(
        "bundle signed by {} (not a member here; {} verified), {} event(s) of its history kept\n",
        b.signer,
        b.signatures.join(" + "),
        b.events
    );
    for v in &b.imported {
        out.push_str(&format!("  imported {v}\n"));
    }
    for v in &b.already {
        out.push_str(&format!("  already here {v}\n"));
    }
    out
}
