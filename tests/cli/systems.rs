//! Composite systems through the real binary: pinning components (variant lines included), the
//! semver rule over the components' bumps, proposals when a component moves, and impact and
//! erasure analysis passing through systems.

use serde_json::Value;

use super::common::{Ws, s};
use super::st;

fn reg(w: &Ws, file: &str, n: u64, args: &[&str]) -> Value {
    let f = w.write(file, &st(&[("w", "F32", &[n])]));
    let mut a = vec!["register", s(&f)];
    a.extend_from_slice(args);
    w.json(&a)
}

fn changes(plan: &Value) -> Vec<(String, String)> {
    plan["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["model"].as_str().unwrap().into(), c["bump"].as_str().unwrap().into()))
        .collect()
}

#[test]
fn a_system_pins_components_and_new_component_versions_propose_its_next_version() {
    let w = Ws::new();
    let data = w.write("data/faces.csv", b"id\n1\n");
    reg(&w, "v1.safetensors", 4, &["--model", "vision", "--trained-on", s(&data)]);
    reg(&w, "t1.safetensors", 8, &["--model", "text"]);
    reg(&w, "e1.safetensors", 2, &["--model", "text", "--variant", "edge"]);
    let first = w.json(&["system", "pin", "assistant", "--component", "vision@1.0.0", "--component", "text/edge@1.0.0"]);
    assert_eq!((first["plan"]["version"].as_str(), first["registered"]["version"].as_str()), (Some("1.0.0"), Some("1.0.0")));
    let shown = w.json(&["show", "assistant@1.0.0"]);
    let pinned: Vec<&str> = shown["upstream"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["relation"] == "component")
        .map(|e| e["to"].as_str().unwrap())
        .collect();
    assert_eq!(pinned, ["version:text/edge@1.0.0", "version:vision@1.0.0"]);
    assert_eq!(shown["version"]["files"][0]["path"], "system.json");
    assert_eq!(shown["version"]["format"], "system");
    assert!(w.json(&["system", "propose"]).as_object().unwrap()["proposals"].as_array().unwrap().is_empty());

    // vision moves a patch and text/edge a minor: the system proposes a minor step.
    reg(&w, "v2.safetensors", 5, &["--model", "vision", "--version", "1.0.1"]);
    reg(&w, "e2.safetensors", 3, &["--model", "text/edge", "--version", "1.1.0"]);
    let p = w.json(&["system", "propose"]);
    let plan = &p["proposals"][0];
    assert_eq!(
        (plan["from"].as_str(), plan["version"].as_str(), plan["bump"].as_str()),
        (Some("1.0.0"), Some("1.1.0"), Some("minor")),
        "{p}"
    );
    assert_eq!(changes(plan), [("text/edge".to_string(), "minor".to_string()), ("vision".into(), "patch".into())]);
    let made = w.json(&["system", "propose", "--apply"]);
    assert_eq!(made[0]["version"], "1.1.0");
    // A component's major step is the system's major step; pinning one line keeps the others.
    reg(&w, "v3.safetensors", 6, &["--model", "vision", "--version", "2.0.0"]);
    let r = w.json(&["system", "pin", "assistant", "--component", "vision@2.0.0"]);
    assert_eq!((r["plan"]["version"].as_str(), r["plan"]["bump"].as_str()), (Some("2.0.0"), Some("major")));
    let pins: Vec<String> = r["plan"]["components"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| format!("{}@{}", c["model"].as_str().unwrap(), c["version"].as_str().unwrap()))
        .collect();
    assert_eq!(pins, ["text/edge@1.1.0", "vision@2.0.0"]);
    // Adding a component is a minor step.
    let r = w.json(&["system", "pin", "assistant", "--component", "text@1.0.0"]);
    assert_eq!(
        (r["plan"]["version"].as_str(), changes(&r["plan"])),
        (Some("2.1.0"), vec![("text".to_string(), "minor".to_string())])
    );

    // Refused, nothing written: nothing changes, an unknown component, itself, a line twice.
    let before = w.snapshot();
    assert!(w.fails(&["system", "pin", "assistant", "--component", "text@1.0.0"]).contains("nothing to change"));
    assert!(w.fails(&["system", "pin", "assistant", "--component", "vision@9.9.9"]).contains("not registered"));
    assert!(w.fails(&["system", "pin", "assistant", "--component", "assistant@1.0.0"]).contains("itself"));
    assert!(w.fails(&["system", "pin", "other", "--component", "vision@1.0.0", "--component", "vision@2.0.0"]).contains("twice"));
    assert_eq!(w.snapshot(), before);

    // Impact and erasure pass through systems: faces.csv reaches the systems that pin a vision
    // version trained on it, and only those.
    let impact = w.json(&["lineage", "dataset:faces@1", "--down", "3"]);
    let nodes: Vec<&str> = impact["nodes"].as_array().unwrap().iter().map(|n| n["id"].as_str().unwrap()).collect();
    assert!(nodes.contains(&"version:assistant@1.0.0"), "{nodes:?}");
    let erased = w.json(&["erase", "--dataset", "faces@1", "--subject-hash", &"cd".repeat(32), "--reason", "Art. 17"]);
    let hit: Vec<&str> = erased["impacts"].as_array().unwrap().iter().map(|i| i["node"].as_str().unwrap()).collect();
    assert!(hit.contains(&"version:assistant@1.0.0") && !hit.contains(&"version:assistant@1.1.0"), "{hit:?}");
    assert!(w.run(&["audit", "verify"]).status.success());
}
