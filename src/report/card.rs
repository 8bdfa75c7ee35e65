//! model-card.md: a Hugging Face-style model card (YAML front matter + sections) from the same
//! facts as the report. Unknown fields are marked "to be completed", never invented.

use serde_json::Value;

use super::Facts;

fn yaml_str(s: &str) -> String {
    serde_json::to_string(s).expect("strings serialise") // a JSON string is a valid YAML scalar
}

/// Markdown-safe text: escapes characters that would start markup.
fn md(s: &str) -> String {
    let mut out = String::new();
    for c in s.chars() {
        if "\\`*_{}[]<>()#+-!|".contains(c) {
            out.push('\\');
        }
        out.push(if c == '\n' { ' ' } else { c });
    }
    out
}

/// model-card.md for the version `report` is about.
pub fn render(f: &Facts, report: &Value) -> String {
    let subj = &report["subject"];
    let model = subj["model"].as_str().unwrap_or_default();
    let version = subj["version"].as_str().unwrap_or_default();
    let mut out = String::from("---\n");
    out.push_str(&format!("model_name: {}\nversion: {}\n", yaml_str(model), yaml_str(version)));
    if !f.parents.is_empty() {
        out.push_str("base_model:\n");
        for p in &f.parents {
            out.push_str(&format!("- {}\n", yaml_str(&p.reference)));
        }
        if let Some(rel) = f.parents.iter().find_map(|p| p.relation.clone()) {
            out.push_str(&format!("base_model_relation: {}\n", yaml_str(&rel)));
        }
    }
    if !f.datasets.is_empty() {
        out.push_str("datasets:\n");
        for d in &f.datasets {
            out.push_str(&format!("- {}\n", yaml_str(&format!("{}@{}", d.dataset, d.version))));
        }
    }
    out.push_str(&format!("root_digest: {}\n---\n\n", yaml_str(&f.record.summary.root_digest)));
    out.push_str(&format!("# {}@{}\n\n", md(model), md(version)));
    out.push_str("## Model Details\n\n");
    out.push_str(&format!(
        "- Format: {}\n- Status: {}\n- Registered by {} at {}\n- Root digest (SHA-256): `{}`\n- Why: {}\n\n",
        md(&f.record.summary.format),
        md(&f.record.summary.status),
        md(&f.record.summary.created_by),
        md(&f.record.summary.created_at),
        f.record.summary.root_digest,
        md(&f.record.summary.message)
    ));
    out.push_str("## Uses\n\n_To be completed by the provider: intended uses, users and out-of-scope uses._\n\n");
    out.push_str("## Bias, Risks, and Limitations\n\n_To be completed by the provider._\n\n");
    out.push_str("## Training Details\n\n");
    if f.datasets.is_empty() {
        out.push_str("No training dataset is recorded.\n\n");
    }
    for d in &f.datasets {
        out.push_str(&format!(
            "- {}@{} — root digest `{}`, {} files, source {}\n",
            md(&d.dataset),
            md(&d.version),
            d.root_digest,
            d.file_count,
            md(&d.source_uri)
        ));
    }
    for p in &f.parents {
        out.push_str(&format!("- Derived from {} ({})\n", md(&p.reference), md(p.relation.as_deref().unwrap_or("derived"))));
    }
    out.push_str("\n## Evaluation\n\n");
    if f.evaluations.is_empty() {
        out.push_str("No evaluation is recorded.\n");
    } else {
        out.push_str("| Dataset | Metric | Group | Value | Threshold | Result |\n|---|---|---|---|---|---|\n");
        for e in &f.evaluations {
            out.push_str(&format!(
                "| {} | {} | {} | {} | {} | {} |\n",
                md(e.dataset.trim_start_matches("dataset:")),
                md(&e.metric),
                md(if e.slice.is_empty() { "all" } else { &e.slice }),
                e.value,
                md(e.threshold.as_deref().unwrap_or("-")),
                match e.passed {
                    Some(true) => "pass",
                    Some(false) => "FAIL",
                    None => "-",
                }
            ));
        }
    }
    out.push_str("\n## Environmental Impact\n\n_To be completed by the provider._\n");
    out
}
