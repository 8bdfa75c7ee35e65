//! report.json keeps its shape: today's code, run on the workspace kept from before the
//! structure step, writes the very report.json (and HTML, model card, lineage SVG, ML-BOM) of the
//! bundle that the code before the step wrote from it; the typed model reads and writes any
//! such report.json unchanged; and the list of sections and their block kinds is pinned.

use std::path::{Path, PathBuf};

use pedigree::report::{self, Report};
use serde_json::Value;

fn fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/before-structure-step")
}

fn old_file(name: &str) -> String {
    std::fs::read_to_string(fixture().join("bundle").join(name)).unwrap()
}

/// The old report.json, typed.
fn old_report() -> Report {
    serde_json::from_str(&old_file("report.json")).unwrap()
}

/// The facts gathered today from a scratch copy of the old workspace, as of the old bundle.
fn facts_today() -> report::Facts {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(fixture().join("ws/catalog.sqlite"), dir.path().join("catalog.sqlite")).unwrap();
    let cat = pedigree::catalog::Catalog::open(&dir.path().join("catalog.sqlite")).unwrap();
    let old = old_report();
    let mut facts = report::gather(cat.conn(), "churn@2.0.0", &old.generated_by, &old.generated_at).unwrap();
    facts.report.integrity = old.integrity;
    facts
}

#[test]
fn the_typed_model_reads_and_writes_an_old_report_json_unchanged() {
    let raw = old_file("report.json");
    assert_eq!(old_report().canonical(), raw);
}

#[test]
fn todays_report_of_the_old_workspace_is_the_old_bundle_byte_for_byte() {
    let facts = facts_today();
    assert_eq!(facts.report.canonical(), old_file("report.json"));
    let value = facts.report.to_value();
    let svg = report::svg::render(&facts.lineage);
    assert_eq!(svg, old_file("lineage.svg"));
    assert_eq!(report::html::render(&value, Some(&svg)), old_file("report.html"));
    assert_eq!(report::card::render(&facts, &value), old_file("model-card.md"));
    // The ML-BOM differs only in its random serial number.
    let mut bom = report::bom::render(&facts, &value);
    let mut old_bom: Value = serde_json::from_str(&old_file("mlbom.cdx.json")).unwrap();
    old_bom["serialNumber"] = Value::Null;
    bom["serialNumber"] = Value::Null;
    assert_eq!(bom, old_bom);
}

#[test]
fn the_sections_and_their_block_kinds_are_pinned() {
    let outline = facts_today().report.outline();
    let expected: Vec<(&str, Vec<&str>)> = vec![
        ("identity", vec!["facts", "table"]),
        ("purpose", vec!["facts", "todo", "todo", "todo"]),
        ("context", vec!["facts", "todo"]),
        ("development", vec!["table", "text", "lineage"]),
        ("design", vec!["table", "table", "todo"]),
        ("data", vec!["table", "todo"]),
        ("validation", vec!["table", "table", "todo"]),
        ("approvals", vec!["facts", "table"]),
        ("deployments", vec!["table"]),
        ("changes", vec!["facts", "table", "table"]),
        ("erasure", vec!["table"]),
        ("provider", vec!["todo", "todo", "todo", "todo", "todo"]),
    ];
    let got: Vec<(&str, Vec<&str>)> = outline.iter().map(|(id, kinds)| (id.as_str(), kinds.clone())).collect();
    assert_eq!(got, expected);
    let numbers: Vec<String> = facts_today().report.sections.iter().map(|s| s.number.clone()).collect();
    assert_eq!(numbers, (1..=12).map(|n| n.to_string()).collect::<Vec<_>>());
}
