//! Sections about the product itself: identity, intended purpose, system context, development
//! (parent models, lineage) and design (interface, parameters).

use super::{MONO, PLAIN, listed, or_else};
use crate::progress::human_size;
use crate::report::gather::Sources;
use crate::report::model::{Block, Section, fact, facts, mono, table, text, todo};

/// Tensors of the interface listed in the design table, at most.
const MAX_TENSORS: usize = 200;

/// Section 1, "Identity and version": names, digests, registration, files.
pub(super) fn identity(src: &Sources) -> Section {
    let (v, record, sum) = (&src.version, &src.record, &src.record.summary);
    let previous = src.previous.as_ref().map(|p| p.summary.version.clone());
    let files = record.files.iter().map(|f| vec![f.path.clone(), human_size(f.size), f.sha256.clone()]).collect();
    Section::new(
        "identity",
        "Identity and version",
        "EU AI Act Annex IV 1(a); NIST AI RMF GOVERN 1.6 (inventory); SR 11-7 / SR 26-2 model inventory; ISO/IEC 42001 A.6.2.7",
        vec![
            facts(vec![
                fact("Model", &v.model),
                fact("Version", &v.version),
                fact("Status", &sum.status),
                fact("Format", &sum.format),
                fact(
                    "Registered by",
                    match src.signers.get(&v.registered_seq) {
                        Some(key) => format!("{} (signed by {key})", sum.created_by),
                        None => sum.created_by.clone(),
                    },
                ),
                fact("Registered at", &sum.created_at),
                mono("Root digest (SHA-256, model-signing v1.0)", &sum.root_digest),
                mono("Manifest digest", &record.manifest_digest),
                mono("Weights digest", &record.weights_digest),
                fact("Version bump", format!("{} — {}", sum.bump, record.bump_reason)),
                fact("Previous version", previous.unwrap_or_else(|| "none (first version)".into())),
                fact("Why this version exists", or_else(&sum.message, "(no message given)")),
            ]),
            table("Files", &[("Path", PLAIN), ("Size", PLAIN), ("SHA-256", MONO)], files),
        ],
    )
}

/// Section 2, "Intended purpose and restrictions on use": the task sniffed from the files, the rest
/// left to the provider.
pub(super) fn purpose(src: &Sources) -> Section {
    let mut blocks = Vec::new();
    if let Some(task) = &src.record.interface.task {
        blocks.push(facts(vec![fact("Task / architecture (from the files)", task)]));
    }
    blocks.extend([
        todo("Intended purpose", "what the system is for, in which context and jurisdiction."),
        todo("Intended users and out-of-scope uses", "who may use it, and the uses it must not be put to (restrictions on use)."),
        todo("Risk classification", "e.g. EU AI Act Annex III point, or the internal materiality tier."),
    ]);
    Section::new(
        "purpose",
        "Intended purpose and restrictions on use",
        "EU AI Act Annex IV 1(a), Art 13(3)(b); NIST AI RMF MAP 1.1; SR 11-7 restrictions on use",
        blocks,
    )
}

/// Section 3, "System context and environment": the environments, code and runs in the lineage.
pub(super) fn context(src: &Sources) -> Section {
    let links = &src.links;
    Section::new(
        "context",
        "System context and environment",
        "EU AI Act Annex IV 1(b)–(h)",
        vec![
            facts(vec![
                fact("Environment", listed(&links.envs)),
                fact("Code", listed(&links.code)),
                fact("Runs", listed(&links.runs)),
            ]),
            todo(
                "Hardware, interfaces and instructions for use",
                "target hardware, how it is placed on the market (API, download, embedded), the user interface and the instructions for use.",
            ),
        ],
    )
}

/// Section 4, "Development method and pre-trained models": the parents and the lineage graph.
pub(super) fn development(src: &Sources) -> Section {
    let rows = src
        .parents
        .iter()
        .map(|p| {
            let relation = p.relation.clone().unwrap_or_else(|| "derived".into());
            vec![p.reference.clone(), relation, p.root_digest.clone().unwrap_or_default()]
        })
        .collect();
    let mut blocks = vec![table("Parent models", &[("Parent", PLAIN), ("Relation", PLAIN), ("Root digest", MONO)], rows)];
    if src.parents.is_empty() {
        blocks.push(text("No parent model is recorded: the version was trained from scratch, or its base was not registered."));
    }
    blocks.push(Block::Lineage);
    Section::new(
        "development",
        "Development method and pre-trained models",
        "EU AI Act Annex IV 2(a); NIST AI RMF GOVERN 6.1, MAP 4.1; CycloneDX pedigree.ancestors",
        blocks,
    )
}

/// Section 5, "Design, architecture and parameters": the sniffed interface and the recorded parameters.
pub(super) fn design(src: &Sources) -> Section {
    let iface = &src.record.interface;
    let params = src.record.params.iter().map(|(k, v)| vec![k.clone(), v.clone()]).collect();
    let mut blocks = vec![
        table(
            "Interface (sniffed from the files)",
            &[("Kind", PLAIN), ("Name", MONO), ("Type", PLAIN), ("Shape", PLAIN)],
            interface_rows(src),
        ),
        table("Parameters", &[("Name", PLAIN), ("Value", PLAIN)], params),
    ];
    let verdicts = crate::sniff::verdicts(&src.record.sniffed);
    if !verdicts.is_empty() {
        let rows = verdicts.iter().map(|v| vec![v.path.clone(), v.risk.clone(), v.summary(), v.imports.join(", ")]).collect();
        blocks.push(table(
            "Loading the model (pickle-family files, read and never run by Pedigree)",
            &[("File", MONO), ("Verdict", PLAIN), ("What loading runs", PLAIN), ("Imports", MONO)],
            rows,
        ));
    }
    if iface.tensors.len() > MAX_TENSORS {
        blocks.push(text(format!("{} more tensors are listed in the version's manifest.", iface.tensors.len() - MAX_TENSORS)));
    }
    blocks.push(todo(
        "Design choices and compute",
        "the general logic, key design choices, what is optimised, and the compute used to train and validate.",
    ));
    Section::new(
        "design",
        "Design, architecture and parameters",
        "EU AI Act Annex IV 2(b), 2(c); SR 11-7 design, theory and logic",
        blocks,
    )
}

/// Inputs, outputs, then the first [`MAX_TENSORS`] tensors: kind, name, type, shape.
fn interface_rows(src: &Sources) -> Vec<Vec<String>> {
    let iface = &src.record.interface;
    let inputs = iface.inputs.iter().map(|t| ("input", t));
    let outputs = iface.outputs.iter().map(|t| ("output", t));
    let tensors = iface.tensors.iter().take(MAX_TENSORS).map(|t| ("tensor", t));
    inputs
        .chain(outputs)
        .chain(tensors)
        .map(|(k, t)| vec![k.to_string(), t.name.clone(), t.dtype.clone(), format!("[{}]", t.shape.join(", "))])
        .collect()
}
