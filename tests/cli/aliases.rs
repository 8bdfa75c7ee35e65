//! Aliases through the CLI: set, move, remove; `MODEL@ALIAS` wherever `MODEL@VERSION` is
//! accepted (show, lineage, diff, promote, register --parent); `show --at` answers what an alias
//! pointed to then; every move is an audit event; bad names and unknown aliases are refused
//! with what to do.

use super::common::{Ws, s};

fn two_versions(w: &Ws) {
    for (i, (n, version)) in [(4u64, "1.0.0"), (8, "1.1.0")].iter().enumerate() {
        let f = w.write(&format!("v{i}/model.safetensors"), &super::st(&[("w", "F32", &[*n])]));
        w.json(&["register", s(&f), "--model", "churn", "--version", version]);
    }
}

#[test]
fn an_alias_moves_resolves_everywhere_and_remembers_where_it_pointed() {
    let w = Ws::new();
    two_versions(&w);
    let set = w.json(&["alias", "set", "churn@1.0.0", "champion"]);
    assert_eq!((set["version"].as_str(), set["previous"].as_str()), (Some("1.0.0"), None), "{set}");
    let shown = w.json(&["show", "churn@champion"]);
    assert_eq!(shown["version"]["version"], "1.0.0");
    assert_eq!(shown["aliases"], serde_json::json!(["champion"]));

    let moved = w.json(&["alias", "set", "churn@1.1.0", "champion"]);
    assert_eq!((moved["version"].as_str(), moved["previous"].as_str()), (Some("1.1.0"), Some("1.0.0")), "{moved}");
    assert_eq!(w.json(&["show", "churn@champion"])["version"]["version"], "1.1.0");
    let again = w.json(&["alias", "set", "churn@champion", "champion"]);
    assert_eq!(again["auditSeq"], moved["auditSeq"], "setting an alias where it already points writes nothing");

    // What it pointed to at the first move's instant, and before any.
    let list = w.json(&["aliases", "churn"]);
    let moves = list["moves"].as_array().unwrap();
    assert_eq!(moves.len(), 2, "{list}");
    let first_at = moves[1]["at"].as_str().unwrap();
    assert_eq!(w.json(&["show", "churn@champion", "--at", first_at])["version"]["version"], "1.0.0");
    let err = w.fails(&["show", "churn@champion", "--at", "2000-01-01T00:00:00Z"]);
    assert!(err.contains("no alias champion at 2000-01-01"), "{err}");

    // Accepted wherever a version reference is.
    let g = w.json(&["lineage", "churn@champion"]);
    assert_eq!(g["focus"], "version:churn@1.1.0", "{g}");
    let d = w.json(&["diff", "churn@1.0.0", "churn@champion"]);
    assert_eq!(d["b"], "churn@1.1.0", "{d}");
    w.json(&["promote", "churn@champion", "--status", "candidate", "--reason", "shadow results good"]);
    assert_eq!(w.json(&["show", "churn@1.1.0"])["version"]["status"], "candidate");
    let f = w.write("child/model.safetensors", &super::st(&[("w", "F32", &[16])]));
    let child = w.json(&["register", s(&f), "--model", "churn-small", "--parent", "churn@champion", "--relation", "distilled"]);
    let up = w.json(&["show", &format!("churn-small@{}", child["version"].as_str().unwrap())])["upstream"].clone();
    assert!(up.as_array().unwrap().iter().any(|e| e["to"] == "version:churn@1.1.0"), "the parent recorded is the version: {up}");

    // Audit events name each move.
    let log = w.json(&["audit", "log"]);
    let sets: Vec<serde_json::Value> = log["events"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == "set_alias")
        .map(|e| serde_json::from_str(e["payload"].as_str().unwrap()).unwrap())
        .collect();
    assert_eq!(sets.len(), 2);
    assert!(sets.contains(&serde_json::json!({"alias": "champion", "version": "1.1.0", "previous": "1.0.0"})), "{sets:?}");
    assert!(sets.contains(&serde_json::json!({"alias": "champion", "version": "1.0.0", "previous": null})), "{sets:?}");

    let removed = w.json(&["alias", "remove", "churn", "champion"]);
    assert_eq!((removed["version"].as_str(), removed["previous"].as_str()), (None, Some("1.1.0")));
    let err = w.fails(&["show", "churn@champion"]);
    assert!(err.contains("has no alias champion") && err.contains("pedigree aliases churn"), "{err}");
    assert_eq!(w.json(&["aliases", "churn"])["moves"].as_array().unwrap().len(), 3);
}

#[test]
fn bad_alias_names_unknown_versions_and_unknown_aliases_are_refused_and_change_nothing() {
    let w = Ws::new();
    two_versions(&w);
    let before = w.snapshot();
    for bad in ["v3", "latest", "1abc", "a b", "-x", &"x".repeat(65)] {
        let err = w.fails(&["alias", "set", "churn@1.0.0", bad]);
        assert!(err.contains("alias"), "{bad}: {err}");
    }
    let err = w.fails(&["alias", "set", "churn@9.9.9", "champion"]);
    assert!(err.contains("churn@9.9.9 is not registered"), "{err}");
    let err = w.fails(&["alias", "remove", "churn", "champion"]);
    assert!(err.contains("pedigree aliases"), "{err}");
    let err = w.fails(&["alias", "set", "nope@1.0.0", "champion"]);
    assert!(err.contains("nope@1.0.0"), "{err}");
    assert_eq!(w.snapshot(), before);
    assert!(w.run(&["aliases", "churn"]).status.success());
}
