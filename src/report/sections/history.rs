//! Sections about change and obligations: changes since the previous version, erasure
//! requests on the version's data, and what only the provider can state.

use std::collections::BTreeMap;

use super::{MONO, PLAIN};
use crate::catalog::models::VersionRecord;
use crate::governance::erasure::Erasure;
use crate::report::gather::Sources;
use crate::report::model::{Block, Section, fact, facts, mono, table, text, todo};

/// Section 10, "Changes since the previous version": classification, files and parameters that differ.
pub(super) fn changes(src: &Sources) -> Section {
    let blocks = match &src.previous {
        None => vec![text("This is the first version of the model.")],
        Some(p) => changes_from(p, &src.record),
    };
    Section::new(
        "changes",
        "Changes since the previous version",
        "EU AI Act Annex IV 2(f), 6, Art 17(1)(a); SR 11-7 change management",
        blocks,
    )
}

/// The blocks comparing `record` with the version before it.
fn changes_from(previous: &VersionRecord, record: &VersionRecord) -> Vec<Block> {
    let sum = &record.summary;
    vec![
        facts(vec![
            fact("Previous version", &previous.summary.version),
            fact("Classification", format!("{} — {}", sum.bump, record.bump_reason)),
            mono("Previous root digest", &previous.summary.root_digest),
        ]),
        table("Files changed", &[("Path", PLAIN), ("Change", PLAIN)], file_changes(previous, record)),
        table("Parameters changed", &[("Name", PLAIN), ("Before", PLAIN), ("After", PLAIN)], param_changes(previous, record)),
    ]
}

/// Files added or changed (in path order), then files removed: path, change.
fn file_changes(previous: &VersionRecord, record: &VersionRecord) -> Vec<Vec<String>> {
    let by_path =
        |r: &VersionRecord| -> BTreeMap<String, String> { r.files.iter().map(|f| (f.path.clone(), f.sha256.clone())).collect() };
    let (old, new) = (by_path(previous), by_path(record));
    let mut rows = Vec::new();
    for (path, sha) in &new {
        match old.get(path) {
            None => rows.push(vec![path.clone(), "added".into()]),
            Some(o) if o != sha => rows.push(vec![path.clone(), "changed".into()]),
            _ => {}
        }
    }
    for path in old.keys().filter(|p| !new.contains_key(*p)) {
        rows.push(vec![path.clone(), "removed".into()]);
    }
    rows
}

/// Parameters set or changed (in name order), then parameters dropped: name, before, after.
fn param_changes(previous: &VersionRecord, record: &VersionRecord) -> Vec<Vec<String>> {
    let (old, new) = (&previous.params, &record.params);
    let mut rows = Vec::new();
    for (k, after) in new {
        if old.get(k) != Some(after) {
            rows.push(vec![k.clone(), old.get(k).cloned().unwrap_or_else(|| "-".into()), after.clone()]);
        }
    }
    for (k, before) in old.iter().filter(|(k, _)| !new.contains_key(*k)) {
        rows.push(vec![k.clone(), before.clone(), "-".into()]);
    }
    rows
}

/// Section 11, "Personal data and erasure requests": the requests on the version's data, and how each touches it.
pub(super) fn erasure(src: &Sources) -> Section {
    let columns = [
        ("Request", PLAIN),
        ("Dataset", PLAIN),
        ("Subject (hash)", MONO),
        ("Status", PLAIN),
        ("This version", PLAIN),
        ("When", PLAIN),
    ];
    let rows = src.erasures.iter().map(|e| erasure_row(e, &src.version.node)).collect();
    Section::new(
        "erasure",
        "Personal data and erasure requests",
        "GDPR Art 17, Art 5(2); EDPB Opinion 28/2024",
        vec![table("Erasure requests on this version's data", &columns, rows)],
    )
}

/// One erasure request: id, dataset, short subject hash, status, its effect on `node`, when.
fn erasure_row(e: &Erasure, node: &str) -> Vec<String> {
    let mine = e.impacts.iter().find(|i| i.node == node);
    let here = match mine.and_then(|m| m.resolution.clone().zip(m.resolution_ref.clone())) {
        Some((resolution, by)) => format!("{resolution}: {by}"),
        None if mine.is_some() => "tainted (open)".into(),
        None => "not affected".into(),
    };
    vec![
        format!("#{}", e.id),
        e.dataset.trim_start_matches("dataset:").to_string(),
        e.subject_hash.chars().take(12).collect(),
        e.status.clone(),
        here,
        e.created_at.clone(),
    ]
}

/// Section 12, "Risk management, oversight, security, standards and monitoring": only the provider can
/// state these.
pub(super) fn provider(_: &Sources) -> Section {
    Section::new(
        "provider",
        "Risk management, oversight, security, standards and monitoring",
        "EU AI Act Annex IV 2(e), 2(h), 3, 5, 7, 8, 9; NIST AI RMF MAP 5, MANAGE 4; ISO/IEC 42001 6.1",
        vec![
            todo("Risk management (Art 9)", "the risk register, residual risks and the impact assessment."),
            todo("Human oversight (Art 14)", "the oversight measures and how a person can override or stop the system."),
            todo(
                "Cybersecurity (Art 15(5))",
                "protection against data or model poisoning, adversarial inputs and confidentiality attacks.",
            ),
            todo(
                "Standards applied and declaration of conformity",
                "the harmonised standards or other specifications applied, and the EU declaration of conformity (Art 47).",
            ),
            todo(
                "Post-market monitoring plan (Art 72)",
                "how performance is monitored in production and how incidents are reported.",
            ),
        ],
    )
}
