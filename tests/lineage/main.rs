//! Lineage as a library: neighbourhood, closure, impact and path over a multi-level graph built
//! by real registrations (a fine-tune of a distillation of a model trained on a dataset).

#[path = "../common/fixtures.rs"]
mod fixtures;

use pedigree::api::{self, ParentLink, RegisterRequest, Session};
use pedigree::catalog::graph::EdgeRow;
use pedigree::lineage::{LineageGraph, Way};

fn register(
    s: &mut Session,
    dir: &std::path::Path,
    model: &str,
    n: u64,
    parent: Option<(&str, &str)>,
    data: &[&str],
    run: Option<&str>,
) {
    let f = dir.join(format!("{model}.safetensors"));
    std::fs::write(&f, fixtures::safetensors(&[("w", "F32", &[n])], &[])).unwrap();
    let req = RegisterRequest {
        paths: vec![f.display().to_string()],
        model: model.into(),
        parents: parent.map(|(p, r)| ParentLink { parent: p.into(), relation: Some(r.into()) }).into_iter().collect(),
        trained_on: data.iter().map(|d| d.to_string()).collect(),
        run: run.map(Into::into),
        // "unrelated" shares nothing with the others, so no path reaches it.
        code: (model != "unrelated").then(|| "git+https://github.com/acme/train@0123456789abcdef".into()),
        ..Default::default()
    };
    api::register_version(s, &req, &pedigree::progress::ignore).unwrap();
}

fn setup() -> (tempfile::TempDir, Session) {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("ws");
    api::init_workspace(&root).unwrap();
    let mut s = Session::open(&root, "t".into()).unwrap();
    let data = dir.path().join("faces");
    std::fs::create_dir_all(&data).unwrap();
    std::fs::write(data.join("rows.csv"), "id,label\n1,a\n").unwrap();
    let other = dir.path().join("weather");
    std::fs::create_dir_all(&other).unwrap();
    std::fs::write(other.join("rows.csv"), "t\n1\n").unwrap();
    let d = data.display().to_string();
    let o = other.display().to_string();
    register(&mut s, dir.path(), "base", 1, None, &[&d], Some("train-1"));
    register(&mut s, dir.path(), "small", 2, Some(("base@1.0.0", "distilled")), &[], None);
    register(&mut s, dir.path(), "small-ft", 3, Some(("small@1.0.0", "finetune")), &[], None);
    register(&mut s, dir.path(), "unrelated", 4, None, &[&o], None);
    (dir, s)
}

#[test]
fn impact_of_a_dataset_reaches_fine_tunes_of_distillations() {
    let (_dir, s) = setup();
    let imp = api::impact(&s, &api::ImpactRequest { dataset: "faces@1".into() }).unwrap();
    assert_eq!(imp.versions, ["version:base@1.0.0", "version:small-ft@1.0.0", "version:small@1.0.0"]);
    let other = api::impact(&s, &api::ImpactRequest { dataset: "weather@1".into() }).unwrap();
    assert_eq!(other.versions, ["version:unrelated@1.0.0"]);
    assert!(api::impact(&s, &api::ImpactRequest { dataset: "nope@1".into() }).is_err());
}

#[test]
fn closure_upstream_finds_data_run_code_and_ancestors() {
    let (_dir, s) = setup();
    let up = api::lineage_closure(&s, &api::ClosureRequest { node: "small-ft@1.0.0".into(), way: Way::Upstream }).unwrap();
    for want in [
        "dataset:faces@1",
        "run:train-1",
        "version:base@1.0.0",
        "version:small@1.0.0",
        "model:small-ft",
        "code:git+https://github.com/acme/train@0123456789abcdef",
    ] {
        assert!(up.contains(&want.to_string()), "{want} not in {up:?}");
    }
    assert!(!up.iter().any(|n| n.contains("weather") || n.contains("unrelated")), "{up:?}");
    let down = api::lineage_closure(&s, &api::ClosureRequest { node: "base@1.0.0".into(), way: Way::Downstream }).unwrap();
    assert_eq!(down, ["version:small-ft@1.0.0", "version:small@1.0.0"]);
}

#[test]
fn neighbourhood_respects_hops_and_counts_what_it_hides() {
    let (_dir, s) = setup();
    let g = api::lineage(&s, &api::LineageRequest { node: "small@1.0.0".into(), up: 1, down: 0 }).unwrap();
    let ids: Vec<&str> = g.nodes.iter().map(|n| n.id.as_str()).collect();
    assert!(ids.contains(&"version:base@1.0.0") && !ids.contains(&"version:small-ft@1.0.0"), "{ids:?}");
    let small = g.nodes.iter().find(|n| n.id == "version:small@1.0.0").unwrap();
    assert_eq!(small.hidden_down, 1, "the fine-tune is hidden one hop down");
    let base = g.nodes.iter().find(|n| n.id == "version:base@1.0.0").unwrap();
    assert!(base.hidden_up >= 2, "base's data/run/model are hidden: {base:?}");
    assert!(api::lineage(&s, &api::LineageRequest { node: "ghost@1.0.0".into(), up: 1, down: 1 }).is_err());
}

#[test]
fn path_links_two_nodes_through_the_graph() {
    let (_dir, s) = setup();
    let p = api::lineage_path(&s, &api::PathRequest { from: "small-ft@1.0.0".into(), to: "dataset:faces@1".into() }).unwrap();
    let ids: Vec<&str> = p.nodes.iter().map(|n| n.id.as_str()).collect();
    assert!(ids.contains(&"version:small@1.0.0") && ids.contains(&"version:base@1.0.0"), "{ids:?}");
    assert!(p.edges.len() >= 3);
    assert!(api::lineage_path(&s, &api::PathRequest { from: "small-ft@1.0.0".into(), to: "dataset:weather@1".into() }).is_err());
}

#[test]
fn impact_includes_deployments_serving_affected_versions() {
    let e = |a: &str, b: &str, k: &str| EdgeRow { src: a.into(), dst: b.into(), kind: k.into(), relation: None };
    let g = LineageGraph::from_edges([
        e("version:a@1.0.0", "dataset:d@1", "trained_on"),
        e("version:b@1.0.0", "version:a@1.0.0", "derived_from"),
        e("deployment:prod-1", "version:b@1.0.0", "serves"),
        e("deployment:prod-2", "version:z@1.0.0", "serves"),
    ]);
    let imp = g.impact("dataset:d@1");
    assert_eq!(imp.versions, ["version:a@1.0.0", "version:b@1.0.0"]);
    assert_eq!(imp.deployments, ["deployment:prod-1"]);
    assert_eq!(g.closure("deployment:prod-1", Way::Upstream).len(), 3);
}

#[test]
fn the_indexed_neighbourhood_equals_the_one_from_the_whole_graph() {
    let (_dir, s) = setup();
    let conn = s.ws.catalog.conn();
    let whole = LineageGraph::load(conn).unwrap();
    for node in ["version:small@1.0.0", "dataset:faces@1", "model:base", "run:train-1", "version:unrelated@1.0.0"] {
        for (up, down) in [(0, 0), (1, 0), (0, 1), (1, 1), (2, 3), (5, 5)] {
            let around = LineageGraph::load_around(conn, node, up, down).unwrap();
            assert_eq!(around.neighbourhood(node, up, down), whole.neighbourhood(node, up, down), "{node} up {up} down {down}");
        }
    }
}
