//! Indexing throughput and the cost of a no-change re-index, against `openssl dgst -sha256` and
//! DVC (`dvc add`, `dvc status`, PyPI, in a throwaway venv) measured in the same run on the same
//! trees. A program, not a timed test. Run: `make bench-index` or
//! `cargo bench --bench index -- [GIB] [SMALL] [--skip-dvc-small]` (defaults 4 GiB, 100,000 files).
//!
//! The real `pedigree` binary is used (`store add`, `index --json`), as a user would run it.
//! The page cache is warmed before every contender reads the trees, so the figures compare
//! hashing and bookkeeping, not the disk. DVC's default cache type copies the bytes into
//! `.dvc/cache` (that is part of what `dvc add` costs); Pedigree's index copies nothing.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use rayon::prelude::*;

#[path = "common.rs"]
mod common;
use common::{generate, mbps, openssl_secs};

fn pedigree(ws: &Path, args: &[&str]) -> (f64, serde_json::Value) {
    common::pedigree_timed(ws, &[], args)
}

fn dvc(dvc: &str, repo: &Path, args: &[&str]) -> f64 {
    let t = Instant::now();
    let out = Command::new(dvc).args(args).current_dir(repo).output().expect("run dvc");
    let secs = t.elapsed().as_secs_f64();
    assert!(out.status.success(), "dvc {args:?} failed: {}", String::from_utf8_lossy(&out.stderr));
    secs
}

fn small_tree(root: &Path, n: usize) -> Vec<PathBuf> {
    let mut rng = fastrand::Rng::with_seed(11);
    let per = 1000.min(n.max(1));
    let mut files = Vec::with_capacity(n);
    let mut buf = [0u8; 1024];
    for i in 0..n {
        let p = root.join(format!("d{:03}/f{:05}.dat", i / per, i % per));
        if i % per == 0 {
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        }
        rng.fill(&mut buf);
        std::fs::write(&p, buf).unwrap();
        files.push(p);
    }
    files
}

fn report(v: &serde_json::Value) -> &serde_json::Value {
    &v["reports"][0]
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).filter(|a| a != "--bench").collect();
    let nums: Vec<f64> = args.iter().filter_map(|a| a.parse().ok()).collect();
    let gib = nums.first().copied().unwrap_or(4.0);
    let small_n = nums.get(1).copied().unwrap_or(100_000.0) as usize;
    let skip_dvc_small = args.iter().any(|a| a == "--skip-dvc-small");
    let base = std::env::var("PEDIGREE_BENCH_DIR").map(PathBuf::from).unwrap_or_else(|_| std::env::temp_dir());
    let dir = tempfile::tempdir_in(base).unwrap();
    let repo = dir.path().join("repo");
    let (big, small) = (repo.join("big"), repo.join("small"));
    eprintln!("generating {gib} GiB and {small_n} small files under {} …", repo.display());
    let files = generate(&big, (gib * (1u64 << 30) as f64) as u64);
    let bytes: u64 = files.iter().map(|f| std::fs::metadata(f).unwrap().len()).sum();
    let small_files = small_tree(&small, small_n);
    let warm = |fs: &[PathBuf]| fs.par_iter().for_each(|f| drop(std::fs::read(f)));
    warm(&files);
    warm(&small_files);

    eprintln!("openssl …");
    let openssl = openssl_secs(&files).min(openssl_secs(&files));

    eprintln!("pedigree index (cold) …");
    let ws = dir.path().join("ws");
    pedigree(&ws, &["init"]);
    pedigree(&ws, &["store", "add", "big", big.to_str().unwrap()]);
    warm(&files);
    let (cold, out) = pedigree(&ws, &["index", "big"]);
    let rep = report(&out);
    assert_eq!(rep["hashedBytes"].as_u64(), Some(bytes), "every byte hashed: {rep}");
    assert!(rep["errors"].as_array().is_some_and(|e| e.is_empty()), "no errors: {rep}");

    eprintln!("dvc add (cold cache) …");
    let dvc_bin = {
        let out =
            Command::new(concat!(env!("CARGO_MANIFEST_DIR"), "/scripts/dvc-venv.sh")).output().expect("scripts/dvc-venv.sh");
        assert!(out.status.success(), "cannot install DVC: {}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8(out.stdout).unwrap().trim().to_string()
    };
    dvc(&dvc_bin, &repo, &["init", "--no-scm", "-q"]);
    warm(&files);
    let dvc_add = dvc(&dvc_bin, &repo, &["add", "-q", "big"]);
    let _ = std::fs::remove_dir_all(repo.join(".dvc/cache")); // several GiB of copies

    eprintln!("small tree: pedigree …");
    pedigree(&ws, &["store", "add", "small", small.to_str().unwrap()]);
    let (small_cold, _) = pedigree(&ws, &["index", "small"]);
    let (small_again, out) = pedigree(&ws, &["index", "small"]);
    let rep = report(&out);
    assert_eq!(rep["hashedFiles"], 0, "no-change re-index reads nothing: {rep}");
    assert_eq!(rep["unchanged"].as_u64(), Some(small_n as u64));
    let (small_third, _) = pedigree(&ws, &["index", "small"]);
    let small_again = small_again.min(small_third);

    let (dvc_small_add, dvc_status) = if skip_dvc_small {
        (None, None)
    } else {
        eprintln!("small tree: dvc add (slow) …");
        let add = dvc(&dvc_bin, &repo, &["add", "-q", "small"]);
        let st = dvc(&dvc_bin, &repo, &["status", "-q", "small.dvc"]).min(dvc(&dvc_bin, &repo, &["status", "-q", "small.dvc"]));
        (Some(add), Some(st))
    };

    let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1);
    println!(
        "big tree: {} files, {:.2} GiB; small tree: {small_n} files of 1 KiB; {cores} cores; page cache warm",
        files.len(),
        bytes as f64 / (1u64 << 30) as f64
    );
    println!("(dvc add copies the bytes into .dvc/cache, its default; pedigree index copies nothing)");
    println!("{:<44} {:>9} {:>9} {:>8}", "", "seconds", "MB/s", "ratio");
    let row = |name: &str, secs: f64, ratio: f64| {
        println!("{name:<44} {secs:>9.2} {:>9.0} {ratio:>7.2}x", mbps(bytes, secs));
    };
    row("openssl dgst -sha256 (1 process)", openssl, 1.0);
    row("pedigree index, cold (vs openssl)", cold, openssl / cold);
    row("dvc add, cold (pedigree is N× faster)", dvc_add, dvc_add / cold);
    println!("{:<44} {small_cold:>9.2}", "pedigree index, cold, small tree");
    println!("{:<44} {small_again:>9.2}", "pedigree index, no change, small tree");
    if let (Some(add), Some(st)) = (dvc_small_add, dvc_status) {
        println!("{:<44} {add:>9.2}", "dvc add, small tree");
        println!("{:<44} {st:>9.2} {:>17.2}x", "dvc status, no change, small tree", st / small_again);
    }
    println!(
        "summary: index {:.2}x openssl (target >= 1.6x), {:.2}x faster than dvc add (target >= 2x), no-change re-index of {small_n} files {small_again:.2} s (target < 1 s){}",
        openssl / cold,
        dvc_add / cold,
        dvc_status.map(|st| format!(", dvc status {st:.2} s")).unwrap_or_default()
    );
}
