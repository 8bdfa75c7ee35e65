//! Audit reports for one model version: one canonical `report.json` (RFC 8785) from which the
//! HTML and the PDF are rendered, plus a CycloneDX 1.6 ML-BOM, a model card, the cited audit
//! events with RFC 6962 inclusion proofs against a signed checkpoint, and a signed in-toto
//! manifest (DSSE) of every file. `pedigree verify DIR` checks such a bundle offline.
//!
//! Sections follow EU AI Act Annex IV (with the NIST AI RMF and SR 11-7/26-2 items they
//! evidence). What Pedigree cannot know — intended purpose, risk narrative, standards applied,
//! human oversight — is an explicit "to be completed by the provider" block, never invented.

use std::collections::BTreeSet;

use serde_json::{Value, json};

use crate::catalog::{self, graph, models};
use crate::governance::{self, deploy, erasure, evaluate};
use crate::ids;
use crate::lineage::{LineageGraph, Subgraph};
use crate::progress::human_size;

pub mod bom;
pub mod bundle;
pub mod card;
pub mod html;
pub mod pdf;
pub mod svg;
pub mod verify;

/// Schema id of report.json.
pub const SCHEMA: &str = "pedigree.report/v1";

/// Why a report could not be built.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    #[error(transparent)]
    Gov(#[from] governance::GovError),
    #[error(transparent)]
    Catalog(#[from] catalog::CatalogError),
    #[error("{0}")]
    Io(String),
}

/// Everything a report is made of, gathered once.
pub struct Facts {
    pub report: Value,
    pub lineage: Subgraph,
    /// Seqs of the audit events the report cites.
    pub cited: Vec<i64>,
    pub record: models::VersionRecord,
    pub datasets: Vec<catalog::datasets::DatasetVersion>,
    pub parents: Vec<(String, Option<String>, Option<String>)>,
    pub evaluations: Vec<evaluate::Evaluation>,
}

fn s(v: impl ToString) -> Value {
    Value::String(v.to_string())
}

fn fact(label: &str, value: impl ToString) -> Value {
    json!({"label": label, "value": value.to_string()})
}

fn mono(label: &str, value: impl ToString) -> Value {
    json!({"label": label, "value": value.to_string(), "mono": true})
}

fn facts(items: Vec<Value>) -> Value {
    json!({"kind": "facts", "items": items})
}

fn table(title: &str, columns: &[&str], mono_cols: &[bool], rows: Vec<Vec<String>>) -> Value {
    json!({"kind": "table", "title": title, "columns": columns, "mono": mono_cols, "rows": rows})
}

fn text(t: impl ToString) -> Value {
    json!({"kind": "text", "text": t.to_string()})
}

fn todo(label: &str, hint: &str) -> Value {
    json!({"kind": "todo", "label": label, "hint": format!("To be completed by the provider: {hint}")})
}

fn section(id: &str, number: usize, title: &str, basis: &str, blocks: Vec<Value>) -> Value {
    json!({"id": id, "number": number.to_string(), "title": title, "basis": basis, "blocks": blocks})
}

/// Gathers the facts and builds report.json (without its integrity block, which the bundle adds
/// once the checkpoint exists).
pub fn gather(conn: &catalog::Conn, reference: &str, generated_by: &str, now: &str) -> Result<Facts, ReportError> {
    let v = governance::resolve(conn, reference)?;
    let record = models::get_version(conn, v.model_id, &v.version)?
        .ok_or_else(|| governance::GovError::UnknownVersion(reference.into()))?;
    let sum = &record.summary;
    let vnode = v.node.clone();

    // Lineage around the version: 3 hops up (data, parents, runs, code), 1 down.
    let g = LineageGraph::load_around(conn, &vnode, 3, 1)?;
    let lineage = g.neighbourhood(&vnode, 3, 1).unwrap_or(Subgraph { focus: vnode.clone(), nodes: vec![], edges: vec![] });

    let out_edges = graph::edges_from(conn, &vnode)?;
    let mut dataset_nodes: BTreeSet<String> =
        out_edges.iter().filter(|e| e.kind == "trained_on").map(|e| e.dst.clone()).collect();
    let mut runs = Vec::new();
    let mut code = Vec::new();
    let mut envs = Vec::new();
    for e in &out_edges {
        match e.kind.as_str() {
            "produced_by" => runs.push(e.dst.clone()),
            "built_from" => code.push(e.dst.clone()),
            "ran_in" => envs.push(e.dst.clone()),
            _ => {}
        }
    }
    for r in &runs {
        for e in graph::edges_from(conn, r)? {
            match e.kind.as_str() {
                "used" => {
                    dataset_nodes.insert(e.dst);
                }
                "built_from" => code.push(e.dst),
                "ran_in" => envs.push(e.dst),
                _ => {}
            }
        }
    }
    let mut datasets = Vec::new();
    for d in &dataset_nodes {
        if let Some((n, ver)) = d.strip_prefix("dataset:").and_then(|x| x.rsplit_once('@')) {
            if let Some(dv) = catalog::datasets::get(conn, n, ver)? {
                datasets.push(dv);
            }
        }
    }
    let mut parents = Vec::new();
    for e in out_edges.iter().filter(|e| e.kind == "derived_from") {
        let pref = e.dst.strip_prefix("version:").unwrap_or(&e.dst).to_string();
        let root = governance::resolve(conn, &pref)
            .ok()
            .and_then(|p| models::get_version(conn, p.model_id, &p.version).ok().flatten())
            .map(|r| r.summary.root_digest);
        parents.push((pref, e.relation.clone(), root));
    }

    let gate = governance::gate(conn, &v)?;
    let approvals = governance::approvals(conn, v.id)?;
    let evaluations = evaluate::list(conn, v.id)?;
    let deployments =
        deploy::timeline(conn, &deploy::TimelineRequest { env: None, reference: Some(reference.into()) })?.deployments;
    let mut erasures: Vec<erasure::Erasure> = Vec::new();
    for e in erasure::list(conn)?.requests {
        if e.impacts.iter().any(|i| i.node == vnode) || dataset_nodes.contains(&e.dataset) {
            erasures.push(e);
        }
    }

    // The previous version (for "changes since").
    let previous: Option<models::VersionRecord> = {
        let prev: Option<String> = conn
            .query_row(
                "SELECT version FROM versions WHERE model_id = ?1 AND sort_key < (SELECT sort_key FROM versions WHERE model_id = ?1 AND version = ?2)
                 ORDER BY sort_key DESC LIMIT 1",
                rusqlite::params![v.model_id, v.version],
                |r| r.get(0),
            )
            .ok();
        match prev {
            Some(p) => models::get_version(conn, v.model_id, &p)?,
            None => None,
        }
    };

    // Cited audit events: about this version, its model, its datasets.
    let mut subjects: Vec<String> = vec![vnode.clone(), ids::model_node(&v.model)];
    subjects.extend(dataset_nodes.iter().cloned());
    let mut cited = Vec::new();
    for subj in &subjects {
        let mut st = conn
            .prepare_cached("SELECT seq FROM audit_events WHERE subject = ?1 ORDER BY seq LIMIT 500")
            .map_err(catalog::CatalogError::from)?;
        let seqs = st.query_map([subj], |r| r.get::<_, i64>(0)).map_err(catalog::CatalogError::from)?;
        for q in seqs {
            cited.push(q.map_err(catalog::CatalogError::from)?);
        }
    }
    cited.sort();
    cited.dedup();

    let short = |d: &str| d.chars().take(12).collect::<String>();
    let yes_no = |b: bool| if b { "yes" } else { "no" };
    let mut secs = Vec::new();
    let mut n = 0;
    let mut next = || {
        n += 1;
        n
    };

    // 1. Identity.
    secs.push(section(
        "identity",
        next(),
        "Identity and version",
        "EU AI Act Annex IV 1(a); NIST AI RMF GOVERN 1.6 (inventory); SR 11-7 / SR 26-2 model inventory; ISO/IEC 42001 A.6.2.7",
        vec![
            facts(vec![
                fact("Model", &v.model),
                fact("Version", &v.version),
                fact("Status", &sum.status),
                fact("Format", &sum.format),
                fact("Registered by", &sum.created_by),
                fact("Registered at", &sum.created_at),
                mono("Root digest (SHA-256, model-signing v1.0)", &sum.root_digest),
                mono("Manifest digest", &record.manifest_digest),
                mono("Weights digest", &record.weights_digest),
                fact("Version bump", format!("{} — {}", sum.bump, record.bump_reason)),
                fact(
                    "Previous version",
                    previous.as_ref().map(|p| p.summary.version.clone()).unwrap_or_else(|| "none (first version)".into()),
                ),
                fact(
                    "Why this version exists",
                    if sum.message.is_empty() { "(no message given)".to_string() } else { sum.message.clone() },
                ),
            ]),
            table(
                "Files",
                &["Path", "Size", "SHA-256"],
                &[false, false, true],
                record.files.iter().map(|f| vec![f.path.clone(), human_size(f.size), f.sha256.clone()]).collect(),
            ),
        ],
    ));
    // 2. Intended purpose.
    let mut purpose = Vec::new();
    if let Some(task) = &record.interface.task {
        purpose.push(facts(vec![fact("Task / architecture (from the files)", task)]));
    }
    purpose.push(todo("Intended purpose", "what the system is for, in which context and jurisdiction."));
    purpose.push(todo(
        "Intended users and out-of-scope uses",
        "who may use it, and the uses it must not be put to (restrictions on use).",
    ));
    purpose.push(todo("Risk classification", "e.g. EU AI Act Annex III point, or the internal materiality tier."));
    secs.push(section(
        "purpose",
        next(),
        "Intended purpose and restrictions on use",
        "EU AI Act Annex IV 1(a), Art 13(3)(b); NIST AI RMF MAP 1.1; SR 11-7 restrictions on use",
        purpose,
    ));
    // 3. System context.
    secs.push(section(
        "context",
        next(),
        "System context and environment",
        "EU AI Act Annex IV 1(b)–(h)",
        vec![
            facts(vec![
                fact("Environment", if envs.is_empty() { "(not recorded)".to_string() } else { envs.join(", ") }),
                fact("Code", if code.is_empty() { "(not recorded)".to_string() } else { code.join(", ") }),
                fact("Runs", if runs.is_empty() { "(not recorded)".to_string() } else { runs.join(", ") }),
            ]),
            todo("Hardware, interfaces and instructions for use", "target hardware, how it is placed on the market (API, download, embedded), the user interface and the instructions for use."),
        ],
    ));
    // 4. Development and parent models.
    let mut dev = vec![table(
        "Parent models",
        &["Parent", "Relation", "Root digest"],
        &[false, false, true],
        parents
            .iter()
            .map(|(p, r, d)| vec![p.clone(), r.clone().unwrap_or_else(|| "derived".into()), d.clone().unwrap_or_default()])
            .collect(),
    )];
    if parents.is_empty() {
        dev.push(text("No parent model is recorded: the version was trained from scratch, or its base was not registered."));
    }
    dev.push(json!({"kind": "lineage"}));
    secs.push(section(
        "development",
        next(),
        "Development method and pre-trained models",
        "EU AI Act Annex IV 2(a); NIST AI RMF GOVERN 6.1, MAP 4.1; CycloneDX pedigree.ancestors",
        dev,
    ));
    // 5. Design.
    let iface = &record.interface;
    let tensor_rows: Vec<Vec<String>> = iface
        .inputs
        .iter()
        .map(|t| ("input", t))
        .chain(iface.outputs.iter().map(|t| ("output", t)))
        .chain(iface.tensors.iter().take(200).map(|t| ("tensor", t)))
        .map(|(k, t)| vec![k.to_string(), t.name.clone(), t.dtype.clone(), format!("[{}]", t.shape.join(", "))])
        .collect();
    let mut design = vec![
        table(
            "Interface (sniffed from the files)",
            &["Kind", "Name", "Type", "Shape"],
            &[false, true, false, false],
            tensor_rows,
        ),
        table(
            "Parameters",
            &["Name", "Value"],
            &[false, false],
            record.params.iter().map(|(k, v)| vec![k.clone(), v.clone()]).collect(),
        ),
    ];
    if iface.tensors.len() > 200 {
        design.push(text(format!("{} more tensors are listed in the version's manifest.", iface.tensors.len() - 200)));
    }
    design.push(todo(
        "Design choices and compute",
        "the general logic, key design choices, what is optimised, and the compute used to train and validate.",
    ));
    secs.push(section(
        "design",
        next(),
        "Design, architecture and parameters",
        "EU AI Act Annex IV 2(b), 2(c); SR 11-7 design, theory and logic",
        design,
    ));
    // 6. Data.
    secs.push(section(
        "data",
        next(),
        "Training data",
        "EU AI Act Annex IV 2(d), Art 10; ISO/IEC 42001 A.7.5 (provenance); NIST AI RMF MEASURE 2",
        vec![
            table(
                "Datasets the version was trained on",
                &["Dataset", "Root digest", "Files", "Size", "Source"],
                &[false, true, false, false, false],
                datasets
                    .iter()
                    .map(|d| {
                        vec![
                            format!("{}@{}", d.dataset, d.version),
                            d.root_digest.clone(),
                            d.file_count.to_string(),
                            human_size(d.total_size),
                            d.source_uri.clone(),
                        ]
                    })
                    .collect(),
            ),
            todo(
                "Data provenance, collection and preparation",
                "how the data was obtained and selected, labelling and cleaning, and the bias examination (Art 10(2)).",
            ),
        ],
    ));
    // 7. Validation.
    let mut val = vec![table(
        "Evaluations (per group where a slice is given)",
        &["Dataset", "Metric", "Group", "Value", "Threshold", "Result", "Baseline", "By", "When"],
        &[false; 9],
        evaluations
            .iter()
            .map(|e| {
                vec![
                    e.dataset.trim_start_matches("dataset:").to_string(),
                    e.metric.clone(),
                    if e.slice.is_empty() { "all".into() } else { e.slice.clone() },
                    format!("{}", e.value),
                    e.threshold.clone().unwrap_or_else(|| "-".into()),
                    match e.passed {
                        Some(true) => "pass".into(),
                        Some(false) => "FAIL".into(),
                        None => "-".into(),
                    },
                    match (&e.vs_baseline, &e.baseline_version, e.baseline) {
                        (Some(vs), Some(bv), Some(b)) => format!("{vs} than {bv} ({b})"),
                        _ => "-".into(),
                    },
                    e.created_by.clone(),
                    e.created_at.clone(),
                ]
            })
            .collect(),
    )];
    if evaluations.is_empty() {
        val.push(text("No evaluation is recorded for this version."));
    }
    if !sum.metrics.is_empty() {
        val.push(table(
            "Metrics given at registration",
            &["Metric", "Value"],
            &[false, false],
            sum.metrics.iter().map(|(k, v)| vec![k.clone(), format!("{v}")]).collect(),
        ));
    }
    val.push(todo("Appropriateness of the metrics", "why these metrics and thresholds fit the intended purpose (Annex IV 4)."));
    secs.push(section(
        "validation",
        next(),
        "Validation and testing",
        "EU AI Act Annex IV 2(g), 3, 4, Art 15; NIST AI RMF MEASURE 2.1; SR 11-7 validation (outcomes analysis)",
        val,
    ));
    // 8. Approvals.
    secs.push(section(
        "approvals",
        next(),
        "Approvals",
        "SR 11-7 / SR 26-2 effective challenge (validator independent of the developer); NIST AI RMF MANAGE 1.1, GOVERN 2; ISO/IEC 42001 5.3",
        vec![
            facts(vec![
                fact("Policy: approvals required from", gate.required.join(", ")),
                fact("Approval gate met", yes_no(gate.ok)),
                fact("Separation of duties", format!("enforced: {} (the registrant) cannot approve", sum.created_by)),
            ]),
            table(
                "Decisions",
                &["Who", "Role", "Decision", "When", "Why", "Audit event"],
                &[false; 6],
                approvals
                    .iter()
                    .map(|a| vec![a.actor.clone(), a.role.clone(), a.decision.clone(), a.created_at.clone(), a.justification.clone(), a.audit_seq.to_string()])
                    .collect(),
            ),
        ],
    ));
    // 9. Deployments.
    secs.push(section(
        "deployments",
        next(),
        "Deployments and rollbacks",
        "EU AI Act Annex IV 1(d); NIST AI RMF MANAGE 2.4; SR 11-7 inventory (actual usage); ISO/IEC 42001 A.6.2.5",
        vec![table(
            "Where this version served",
            &["Environment", "Role", "Traffic", "Strategy", "From", "Until", "Reason", "By"],
            &[false; 8],
            deployments
                .iter()
                .map(|d| {
                    vec![
                        d.env.clone(),
                        d.role.clone(),
                        format!("{} %", d.traffic),
                        format!("{}{}", d.strategy, if d.rollback_of.is_some() { " (rollback)" } else { "" }),
                        d.started_at.clone(),
                        d.ended_at.clone().unwrap_or_else(|| "serving".into()),
                        d.reason.clone(),
                        d.created_by.clone(),
                    ]
                })
                .collect(),
        )],
    ));
    // 10. Changes since the previous version.
    let mut changes = Vec::new();
    match &previous {
        None => changes.push(text("This is the first version of the model.")),
        Some(p) => {
            let old: std::collections::BTreeMap<&str, &str> =
                p.files.iter().map(|f| (f.path.as_str(), f.sha256.as_str())).collect();
            let new: std::collections::BTreeMap<&str, &str> =
                record.files.iter().map(|f| (f.path.as_str(), f.sha256.as_str())).collect();
            let mut rows = Vec::new();
            for (path, sha) in &new {
                match old.get(path) {
                    None => rows.push(vec![path.to_string(), "added".into()]),
                    Some(o) if o != sha => rows.push(vec![path.to_string(), "changed".into()]),
                    _ => {}
                }
            }
            for path in old.keys().filter(|p| !new.contains_key(*p)) {
                rows.push(vec![path.to_string(), "removed".into()]);
            }
            changes.push(facts(vec![
                fact("Previous version", &p.summary.version),
                fact("Classification", format!("{} — {}", sum.bump, record.bump_reason)),
                mono("Previous root digest", &p.summary.root_digest),
            ]));
            changes.push(table("Files changed", &["Path", "Change"], &[false, false], rows));
            let mut prow = Vec::new();
            for (k, v2) in &record.params {
                if p.params.get(k) != Some(v2) {
                    prow.push(vec![k.clone(), p.params.get(k).cloned().unwrap_or_else(|| "-".into()), v2.clone()]);
                }
            }
            for (k, v1) in &p.params {
                if !record.params.contains_key(k) {
                    prow.push(vec![k.clone(), v1.clone(), "-".into()]);
                }
            }
            changes.push(table("Parameters changed", &["Name", "Before", "After"], &[false; 3], prow));
        }
    }
    secs.push(section(
        "changes",
        next(),
        "Changes since the previous version",
        "EU AI Act Annex IV 2(f), 6, Art 17(1)(a); SR 11-7 change management",
        changes,
    ));
    // 11. Personal data and erasure.
    secs.push(section(
        "erasure",
        next(),
        "Personal data and erasure requests",
        "GDPR Art 17, Art 5(2); EDPB Opinion 28/2024",
        vec![table(
            "Erasure requests on this version's data",
            &["Request", "Dataset", "Subject (hash)", "Status", "This version", "When"],
            &[false, false, true, false, false, false],
            erasures
                .iter()
                .map(|e| {
                    let mine = e.impacts.iter().find(|i| i.node == vnode);
                    vec![
                        format!("#{}", e.id),
                        e.dataset.trim_start_matches("dataset:").to_string(),
                        short(&e.subject_hash),
                        e.status.clone(),
                        match mine.and_then(|m| m.resolution.clone().zip(m.resolution_ref.clone())) {
                            Some((r, x)) => format!("{r}: {x}"),
                            None if mine.is_some() => "tainted (open)".into(),
                            None => "not affected".into(),
                        },
                        e.created_at.clone(),
                    ]
                })
                .collect(),
        )],
    ));
    // 12. What only the provider can state.
    secs.push(section(
        "provider",
        next(),
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
    ));
    let report = json!({
        "schema": SCHEMA,
        "title": format!("Audit report — {}@{}", v.model, v.version),
        "subject": {
            "model": v.model, "version": v.version, "node": vnode, "rootDigest": sum.root_digest,
            "manifestDigest": record.manifest_digest, "format": sum.format, "status": sum.status,
        },
        "generatedAt": now,
        "generatedBy": generated_by,
        "tool": {"name": "pedigree", "version": env!("CARGO_PKG_VERSION")},
        "sections": secs,
        "citedEvents": cited.iter().map(|q| s(q)).collect::<Vec<_>>(),
    });
    Ok(Facts { report, lineage, cited, record, datasets, parents, evaluations })
}
