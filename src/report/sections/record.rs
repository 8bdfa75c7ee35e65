//! Sections from the version's governance record: training data, validation (evaluations and
//! registration metrics), approvals and deployments.

use super::{MONO, PLAIN};
use crate::governance::deploy::Deployment;
use crate::governance::evaluate::Evaluation;
use crate::progress::human_size;
use crate::report::gather::Sources;
use crate::report::model::{Section, fact, facts, table, text, todo};

/// Section 6, "Training data": the dataset versions, with digests and sources.
pub(super) fn data(src: &Sources) -> Section {
    let rows = src
        .datasets
        .iter()
        .map(|d| {
            let size = human_size(d.total_size);
            let name = format!("{}@{}", d.dataset, d.version);
            vec![name, d.root_digest.clone(), d.file_count.to_string(), size, d.source_uri.clone()]
        })
        .collect();
    let columns = [("Dataset", PLAIN), ("Root digest", MONO), ("Files", PLAIN), ("Size", PLAIN), ("Source", PLAIN)];
    Section::new(
        "data",
        "Training data",
        "EU AI Act Annex IV 2(d), Art 10; ISO/IEC 42001 A.7.5 (provenance); NIST AI RMF MEASURE 2",
        vec![
            table("Datasets the version was trained on", &columns, rows),
            todo(
                "Data provenance, collection and preparation",
                "how the data was obtained and selected, labelling and cleaning, and the bias examination (Art 10(2)).",
            ),
        ],
    )
}

/// Section 7, "Validation and testing": evaluations per group, metrics given at registration.
pub(super) fn validation(src: &Sources) -> Section {
    let columns = ["Dataset", "Metric", "Group", "Value", "Threshold", "Result", "Baseline", "By", "When"].map(|c| (c, PLAIN));
    let rows = src.evaluations.iter().map(evaluation_row).collect();
    let mut blocks = vec![table("Evaluations (per group where a slice is given)", &columns, rows)];
    if src.evaluations.is_empty() {
        blocks.push(text("No evaluation is recorded for this version."));
    }
    let metrics = &src.record.summary.metrics;
    if !metrics.is_empty() {
        let rows = metrics.iter().map(|(k, v)| vec![k.clone(), format!("{v}")]).collect();
        blocks.push(table("Metrics given at registration", &[("Metric", PLAIN), ("Value", PLAIN)], rows));
    }
    if !src.attachments.is_empty() {
        let columns =
            [("Kind", PLAIN), ("File in this bundle", MONO), ("Size", PLAIN), ("SHA-256", MONO), ("By", PLAIN), ("When", PLAIN)];
        let rows = src
            .attachments
            .iter()
            .map(|a| {
                let path = crate::report::attachment_path(a);
                vec![a.kind.clone(), path, human_size(a.size), a.sha256.clone(), a.created_by.clone(), a.created_at.clone()]
            })
            .collect();
        blocks.push(table("Attached evidence (explainability, fairness, evaluation, documentation)", &columns, rows));
    }
    blocks
        .push(todo("Appropriateness of the metrics", "why these metrics and thresholds fit the intended purpose (Annex IV 4)."));
    Section::new(
        "validation",
        "Validation and testing",
        "EU AI Act Annex IV 2(g), 3, 4, Art 15; NIST AI RMF MEASURE 2.1; SR 11-7 validation (outcomes analysis)",
        blocks,
    )
}

/// One evaluation: dataset, metric, group, value, threshold, result, baseline, by, when.
fn evaluation_row(e: &Evaluation) -> Vec<String> {
    let result = match e.passed {
        Some(true) => "pass",
        Some(false) => "FAIL",
        None => "-",
    };
    let baseline = match (&e.vs_baseline, &e.baseline_version, e.baseline) {
        (Some(vs), Some(bv), Some(b)) => format!("{vs} than {bv} ({b})"),
        _ => "-".into(),
    };
    vec![
        e.dataset.trim_start_matches("dataset:").to_string(),
        e.metric.clone(),
        if e.slice.is_empty() { "all".into() } else { e.slice.clone() },
        format!("{}", e.value),
        e.threshold.clone().unwrap_or_else(|| "-".into()),
        result.into(),
        baseline,
        e.created_by.clone(),
        e.created_at.clone(),
    ]
}

/// Section 8, "Approvals": the policy, whether its gate is met, and every decision.
pub(super) fn approvals(src: &Sources) -> Section {
    let registrant = &src.record.summary.created_by;
    // The signing key's column appears once a decision is signed (reports of workspaces from
    // before identities stay as they were, byte for byte).
    let signed = src.approvals.iter().any(|a| src.signers.contains_key(&a.audit_seq));
    let rows = src
        .approvals
        .iter()
        .map(|a| {
            let mut row = vec![a.actor.clone()];
            if signed {
                row.push(src.signers.get(&a.audit_seq).cloned().unwrap_or_else(|| "unsigned".into()));
            }
            row.extend([
                a.role.clone(),
                a.decision.clone(),
                a.created_at.clone(),
                a.justification.clone(),
                a.audit_seq.to_string(),
            ]);
            row
        })
        .collect();
    let names: &[&str] = if signed {
        &["Who", "Signed by (key)", "Role", "Decision", "When", "Why", "Audit event"]
    } else {
        &["Who", "Role", "Decision", "When", "Why", "Audit event"]
    };
    let columns: Vec<(&str, _)> = names.iter().map(|c| (*c, PLAIN)).collect();
    Section::new(
        "approvals",
        "Approvals",
        "SR 11-7 / SR 26-2 effective challenge (validator independent of the developer); NIST AI RMF MANAGE 1.1, GOVERN 2; ISO/IEC 42001 5.3",
        vec![
            facts(vec![
                fact("Policy: approvals required from", src.gate.required.join(", ")),
                fact("Approval gate met", if src.gate.ok { "yes" } else { "no" }),
                fact(
                    "Separation of duties",
                    match src.signers.get(&src.version.registered_seq) {
                        Some(key) => {
                            format!("enforced by key: {registrant}, whose key {key} signed the registration, cannot approve")
                        }
                        None => format!("enforced: {registrant} (the registrant) cannot approve"),
                    },
                ),
            ]),
            table("Decisions", &columns, rows),
        ],
    )
}

/// Section 9, "Deployments and rollbacks": every interval the version served.
pub(super) fn deployments(src: &Sources) -> Section {
    let columns = ["Environment", "Role", "Traffic", "Strategy", "From", "Until", "Reason", "By"].map(|c| (c, PLAIN));
    let rows = src.deployments.iter().map(deployment_row).collect();
    let mut blocks = vec![table("Where this version served", &columns, rows)];
    // Shown once a drill has run (reports from before drills stay as they were).
    if !src.drills.is_empty() {
        let columns =
            ["Environment", "When", "Result", "Would restore", "In place of", "Checks failed", "By"].map(|c| (c, PLAIN));
        let rows = src
            .drills
            .iter()
            .map(|d| {
                let failed: Vec<String> =
                    d.checks.iter().filter(|c| !c.ok).map(|c| format!("{}: {}", c.name, c.detail)).collect();
                vec![
                    d.env.clone(),
                    d.at.clone(),
                    if d.ok { "passed".into() } else { "FAILED".into() },
                    d.restore.clone().unwrap_or_else(|| "-".into()),
                    d.current.clone(),
                    if failed.is_empty() { "none".into() } else { failed.join("; ") },
                    d.by.clone(),
                ]
            })
            .collect();
        blocks.push(table("Last recovery drill per environment (can the previous version be restored now)", &columns, rows));
    }
    Section::new(
        "deployments",
        "Deployments and rollbacks",
        "EU AI Act Annex IV 1(d); NIST AI RMF MANAGE 2.4; SR 11-7 inventory (actual usage); ISO/IEC 42001 A.6.2.5",
        blocks,
    )
}

/// One deployment: environment, role, traffic, strategy, from, until, reason, by.
fn deployment_row(d: &Deployment) -> Vec<String> {
    let rollback = if d.rollback_of.is_some() { " (rollback)" } else { "" };
    vec![
        d.env.clone(),
        d.role.clone(),
        format!("{} %", d.traffic),
        format!("{}{rollback}", d.strategy),
        d.started_at.clone(),
        d.ended_at.clone().unwrap_or_else(|| "serving".into()),
        d.reason.clone(),
        d.created_by.clone(),
    ]
}
