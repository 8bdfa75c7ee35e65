//! Variants: lines inside one model (`register --variant edge`), each with its own semver line,
//! named `MODEL/VARIANT@VERSION` wherever a version is named, listed as the model's lines, and
//! hanging off the model in the lineage graph.

use super::common::{Ws, s};

fn reg(w: &Ws, name: &str, n: u64, extra: &[&str]) -> serde_json::Value {
    let f = w.write(&format!("{name}.safetensors"), &super::st(&[("w", "F32", &[n])]));
    let mut args = vec!["register", s(&f)];
    args.extend_from_slice(extra);
    w.json(&args)
}

#[test]
fn variants_are_lines_with_their_own_semver_named_model_slash_variant() {
    let w = Ws::new();
    reg(&w, "main1", 4, &["--model", "churn"]);
    reg(&w, "main2", 8, &["--model", "churn"]);
    let edge =
        reg(&w, "edge1", 6, &["--model", "churn", "--variant", "edge", "--parent", "churn@1.0.0", "--relation", "quantized"]);
    assert_eq!(
        (edge["model"].as_str(), edge["version"].as_str()),
        (Some("churn/edge"), Some("1.0.0")),
        "its own line starts at 1.0.0: {edge}"
    );
    // The same form by name, and a second version on the edge line only.
    let edge2 = reg(&w, "edge2", 10, &["--model", "churn/edge"]);
    assert_eq!(edge2["version"], "2.0.0", "{edge2}");
    assert_eq!(w.json(&["versions", "churn"])["total"], 2, "the main line keeps its own versions");

    let lines = w.json(&["versions", "churn/edge"]);
    let names: Vec<&str> = lines["lines"].as_array().unwrap().iter().map(|l| l["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["churn", "churn/edge"]);
    assert_eq!(lines["total"], 2);

    // MODEL/VARIANT@VERSION everywhere a version is named: show, alias, lineage, approve.
    let shown = w.json(&["show", "churn/edge@1.0.0"]);
    assert!(
        shown["upstream"].as_array().unwrap().iter().any(|e| e["to"] == "version:churn@1.0.0" && e["relation"] == "quantized"),
        "{shown}"
    );
    w.json(&["alias", "set", "churn/edge@2.0.0", "champion"]);
    assert_eq!(w.json(&["show", "churn/edge@champion"])["version"]["version"], "2.0.0");
    let around = w.json(&["lineage", "model:churn", "--down", "1"]);
    let edges = around["edges"].as_array().unwrap();
    assert!(
        edges.iter().any(|e| e["from"] == "model:churn/edge" && e["to"] == "model:churn" && e["kind"] == "variant_of"),
        "{around}"
    );
    let approved = w
        .command_as(
            "bob@example.com",
            &["approve", "churn/edge@2.0.0", "--decision", "approved", "--role", "validator", "--justification", "ok"],
        )
        .output()
        .unwrap();
    assert!(approved.status.success(), "{}", String::from_utf8_lossy(&approved.stderr));

    // Bad variant names are refused, and --variant with a name that already has one.
    for bad in [
        &["--model", "churn", "--variant", "Edge"][..],
        &["--model", "churn/edge", "--variant", "x"],
        &["--model", "churn/edge/x"],
    ] {
        let f = w.write("bad.safetensors", &super::st(&[("w", "F32", &[3])]));
        let mut args = vec!["register", s(&f)];
        args.extend_from_slice(bad);
        w.fails(&args);
    }
    assert_eq!(w.json(&["models"])["models"].as_array().unwrap().len(), 2);
    let out = w.run(&["audit", "verify"]);
    assert!(out.status.success());
}
