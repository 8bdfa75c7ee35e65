//! A model's retraining timeline at scale: VERSIONS versions (default 5,000; scheduled retrains
//! with metrics, on a dataset that changes every 100, a production release every 50) registered
//! through the library, then the `model_timeline` operation the model page calls — time and
//! answer size — against the floor in the same run: the catalog's plain listing of the same
//! versions (`list_versions`, one query) serialised, with no lineage or deployments. A program, not a timed test. Run:
//! `make bench-timeline` or `cargo bench --bench timeline -- [VERSIONS] [--keep DIR]` (`--keep`
//! leaves the workspace for a look in the app: `pedigree serve --workspace DIR`).

use std::time::Instant;

use pedigree::api::{self, Session};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let n: usize = args.iter().find(|a| !a.starts_with('-')).and_then(|a| a.parse().ok()).unwrap_or(5000);
    let keep = args.iter().position(|a| a == "--keep").and_then(|i| args.get(i + 1)).map(std::path::PathBuf::from);
    let tmp = tempfile::tempdir().unwrap();
    let root = keep.clone().unwrap_or_else(|| tmp.path().join("ws"));
    let cfg = tmp.path().join("cfg");
    pedigree::identity::enable(cfg.join("pedigree").join("identity"));
    api::init_workspace(&root).unwrap();
    let mut s = Session::open(&root, "scheduler@bench".into()).unwrap();
    let files = tmp.path().join("files");
    std::fs::create_dir_all(&files).unwrap();
    let t = Instant::now();
    for i in 0..n {
        let f = files.join(format!("m{i}.bin"));
        std::fs::write(&f, format!("weights {i}")).unwrap();
        let data = files.join(format!("data-{}.csv", i / 100));
        if !data.exists() {
            std::fs::write(&data, format!("rows of month {}\n", i / 100)).unwrap();
        }
        let auc = 0.85 + 0.05 * ((i as f64) / 300.0).sin();
        let req = api::RegisterRequest {
            paths: vec![f.display().to_string()],
            model: "scheduled".into(),
            version: Some(format!("1.{i}.0")),
            trained_on: vec![data.display().to_string()],
            metrics: [("auc".to_string(), (auc * 1000.0).round() / 1000.0)].into(),
            message: format!("retrain {i}"),
            ..Default::default()
        };
        api::register_version(&mut s, &req, &pedigree::progress::ignore).unwrap();
        if i % 50 == 49 {
            let d = api::deploy::DeployRequest {
                reference: format!("scheduled@1.{i}.0"),
                env: "batch".into(),
                strategy: "full".into(),
                reason: "release".into(),
                ..Default::default()
            };
            api::deploy::deploy(&mut s, &d).unwrap();
        }
    }
    println!("registered {n} versions in {:.1} s", t.elapsed().as_secs_f64());

    let req = api::timeline::ModelTimelineRequest { model: "scheduled".into() };
    let mut best = f64::MAX;
    let mut bytes = 0;
    for _ in 0..5 {
        let t = Instant::now();
        let tl = api::timeline::model_timeline(&s, &req).unwrap();
        bytes = serde_json::to_vec(&tl).unwrap().len();
        best = best.min(t.elapsed().as_secs_f64());
        assert_eq!(tl.points.len(), n);
    }
    let conn = s.ws.catalog.conn();
    let id = pedigree::catalog::models::model_id(conn, "scheduled").unwrap().unwrap();
    let mut floor = f64::MAX;
    for _ in 0..5 {
        let t = Instant::now();
        let rows = pedigree::catalog::models::list_versions(conn, id, 0, n as u32).unwrap();
        assert_eq!(rows.len(), n);
        let _ = serde_json::to_vec(&rows).unwrap();
        floor = floor.min(t.elapsed().as_secs_f64());
    }
    println!(
        "model_timeline: {n} points, {} KiB, {:.1} ms (best of 5); the catalog's plain listing of the same versions {:.1} ms; ratio {:.1}×",
        bytes / 1024,
        best * 1000.0,
        floor * 1000.0,
        best / floor
    );
    if keep.is_some() {
        println!("workspace kept at {}", root.display());
    }
}
