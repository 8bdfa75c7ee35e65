//! Hashing throughput against `openssl dgst -sha256`, measured in the same run on the same
//! generated tree (a program, not a timed test). Run: `make bench` or
//! `cargo bench --bench hash -- [GIB]` (default 2 GiB; PEDIGREE_BENCH_DIR picks the disk).
//!
//! Prints, each as MB/s and as a ratio to single-process OpenSSL:
//! - pedigree single-thread hashing (per-core speed of the hash),
//! - pedigree parallel hashing (what registration/indexing use, all cores),
//! - a full `register` (hash + copy into the CAS + fsync + catalog), parallel.

use std::path::PathBuf;
use std::time::Instant;

use rayon::prelude::*;

#[path = "common.rs"]
mod common;
use common::{generate, mbps, openssl_secs};

fn main() {
    let gib: f64 = std::env::args().skip(1).find_map(|a| a.parse().ok()).unwrap_or(2.0);
    let total = (gib * (1u64 << 30) as f64) as u64;
    let base = std::env::var("PEDIGREE_BENCH_DIR").map(PathBuf::from).unwrap_or_else(|_| std::env::temp_dir());
    let dir = tempfile::tempdir_in(base).unwrap();
    let tree = dir.path().join("tree");
    eprintln!("generating {gib} GiB under {} …", tree.display());
    let files = generate(&tree, total);
    let bytes: u64 = files.iter().map(|f| std::fs::metadata(f).unwrap().len()).sum();
    // Warm the page cache once so every contender reads from memory.
    files.par_iter().for_each(|f| drop(std::fs::read(f)));

    let openssl = openssl_secs(&files).min(openssl_secs(&files));

    let single_run = || {
        let t = Instant::now();
        for f in &files {
            pedigree::hash::sha256_file(f, &mut |_| {}).unwrap();
        }
        t.elapsed().as_secs_f64()
    };
    let single = single_run().min(single_run());

    let t = Instant::now();
    pedigree::hash::par_map_largest_first(
        &files,
        |f| std::fs::metadata(f).map_or(0, |m| m.len()),
        |f| pedigree::hash::sha256_file(f, &mut |_| {}),
    )
    .unwrap();
    let parallel = t.elapsed().as_secs_f64();

    let ws = dir.path().join("ws");
    pedigree::api::init_workspace(&ws).unwrap();
    let mut s = pedigree::api::Session::open(&ws, "bench".into()).unwrap();
    let t = Instant::now();
    let req =
        pedigree::api::RegisterRequest { paths: vec![tree.display().to_string()], model: "bench".into(), ..Default::default() };
    pedigree::api::register_version(&mut s, &req, &pedigree::progress::ignore).unwrap();
    let register = t.elapsed().as_secs_f64();

    let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1);
    println!("tree: {} files, {:.2} GiB; {cores} cores", files.len(), bytes as f64 / (1u64 << 30) as f64);
    println!("{:<36} {:>9} {:>8}", "", "MB/s", "ratio");
    let row = |name: &str, secs: f64| println!("{name:<36} {:>9.0} {:>7.2}x", mbps(bytes, secs), openssl / secs);
    row("openssl dgst -sha256 (1 process)", openssl);
    row("pedigree hash, 1 thread", single);
    row("pedigree hash, parallel", parallel);
    row("pedigree register (hash+copy+fsync)", register);
}
