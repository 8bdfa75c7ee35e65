//! Registering a large sharded model: a copy into the object store, and `--link` (a reflink
//! where the filesystem has them, else `--link=hard`), against `cp -r` and `openssl dgst -sha256`
//! of the same tree in the same run. A program, not a timed test. Run: `make bench-register` or
//! `cargo bench --bench register -- [GIB]` (default 4 GiB; needs about 3 × GIB free).
//!
//! The tree is a Hugging Face style folder: safetensors shards of 64 MiB tensors and a
//! `model.safetensors.index.json`. The real `pedigree` binary registers it, as a user would.
//! The page cache is warmed before each contender, so the figures compare hashing and copying,
//! not the disk.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use rayon::prelude::*;

#[path = "common.rs"]
mod common;
use common::{mbps, openssl_secs};

const TENSOR: u64 = 64 << 20;

/// Writes `gib` GiB of safetensors shards (8 tensors of 64 MiB each per shard) and their index.
fn sharded_model(root: &Path, gib: f64) -> Vec<PathBuf> {
    std::fs::create_dir_all(root).unwrap();
    let tensors = ((gib * (1u64 << 30) as f64) as u64 / TENSOR).max(8);
    let shards = tensors.div_ceil(8);
    let mut rng = fastrand::Rng::with_seed(5);
    let mut chunk = vec![0u8; 4 << 20];
    let mut files = Vec::new();
    let mut weight_map = serde_json::Map::new();
    for s in 0..shards {
        let name = format!("model-{:05}-of-{shards:05}.safetensors", s + 1);
        let here: Vec<u64> = (s * 8..((s + 1) * 8).min(tensors)).collect();
        let mut header = serde_json::Map::new();
        for (i, t) in here.iter().enumerate() {
            let start = i as u64 * TENSOR;
            header.insert(
                format!("layers.{t}.weight"),
                serde_json::json!({"dtype": "F32", "shape": [TENSOR / 4 / 1024, 1024], "data_offsets": [start, start + TENSOR]}),
            );
            weight_map.insert(format!("layers.{t}.weight"), serde_json::json!(name));
        }
        let header = serde_json::to_vec(&header).unwrap();
        let path = root.join(&name);
        let mut f = std::io::BufWriter::new(std::fs::File::create(&path).unwrap());
        f.write_all(&(header.len() as u64).to_le_bytes()).unwrap();
        f.write_all(&header).unwrap();
        for _ in 0..here.len() as u64 * TENSOR / chunk.len() as u64 {
            rng.fill(&mut chunk[..4096]);
            chunk[4096] = rng.u8(..);
            f.write_all(&chunk).unwrap();
        }
        f.flush().unwrap();
        files.push(path);
    }
    let index = serde_json::json!({"metadata": {"total_size": tensors * TENSOR}, "weight_map": weight_map});
    std::fs::write(root.join("model.safetensors.index.json"), serde_json::to_vec_pretty(&index).unwrap()).unwrap();
    files.push(root.join("model.safetensors.index.json"));
    files
}

fn free_bytes(dir: &Path) -> u64 {
    let out = Command::new("df").arg("--output=avail").arg("-B1").arg(dir).output().expect("df");
    String::from_utf8_lossy(&out.stdout).lines().nth(1).and_then(|l| l.trim().parse().ok()).unwrap_or(0)
}

fn timed(cmd: &mut Command) -> (f64, std::process::Output) {
    let t = Instant::now();
    let out = cmd.output().expect("run");
    (t.elapsed().as_secs_f64(), out)
}

fn pedigree(ws: &Path, args: &[&str]) -> (f64, std::process::Output) {
    timed(Command::new(env!("CARGO_BIN_EXE_pedigree")).arg("--workspace").arg(ws).arg("--json").args(args))
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).filter(|a| a != "--bench").collect();
    let gib: f64 = args.iter().find_map(|a| a.parse().ok()).unwrap_or(4.0);
    let base = std::env::var("PEDIGREE_BENCH_DIR").map(PathBuf::from).unwrap_or_else(|_| std::env::temp_dir());
    let need = (gib * 3.2 * (1u64 << 30) as f64) as u64;
    let free = free_bytes(&base);
    if free < need {
        eprintln!(
            "not enough free disk under {}: {:.1} GiB free, {:.1} GiB needed (the tree, a copy and cp -r); set \
             PEDIGREE_BENCH_DIR or a smaller size",
            base.display(),
            free as f64 / (1u64 << 30) as f64,
            need as f64 / (1u64 << 30) as f64
        );
        std::process::exit(2);
    }
    let dir = tempfile::tempdir_in(&base).unwrap();
    let model = dir.path().join("llm");
    eprintln!("generating {gib} GiB of safetensors shards under {} …", model.display());
    let files = sharded_model(&model, gib);
    let bytes: u64 = files.iter().map(|f| std::fs::metadata(f).unwrap().len()).sum();
    let warm = || files.par_iter().for_each(|f| drop(std::fs::read(f)));

    eprintln!("openssl …");
    warm();
    let openssl = openssl_secs(&files);

    eprintln!("cp -r …");
    warm();
    let (cp, out) = timed(Command::new("cp").arg("-r").arg(&model).arg(dir.path().join("cp-copy")));
    assert!(out.status.success());
    std::fs::remove_dir_all(dir.path().join("cp-copy")).unwrap();

    eprintln!("pedigree register (copy) …");
    let ws = dir.path().join("ws-copy");
    assert!(pedigree(&ws, &["init"]).1.status.success());
    warm();
    let (copy, out) = pedigree(&ws, &["register", model.to_str().unwrap(), "--model", "llm"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let r: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(r["totalSize"].as_u64(), Some(bytes), "{r}");
    let tensors = r["interface"]["tensors"].as_array().map(Vec::len).unwrap_or(0);
    std::fs::remove_dir_all(&ws).unwrap();

    eprintln!("pedigree register --link …");
    let ws = dir.path().join("ws-link");
    assert!(pedigree(&ws, &["init"]).1.status.success());
    warm();
    let (mut link_secs, out) = pedigree(&ws, &["register", model.to_str().unwrap(), "--model", "llm", "--link"]);
    let mut mode = "--link (reflink)";
    if !out.status.success() {
        let why = String::from_utf8_lossy(&out.stderr);
        eprintln!("no reflinks here ({}); --link=hard …", why.lines().next().unwrap_or_default());
        warm();
        let (secs, out) = pedigree(&ws, &["register", model.to_str().unwrap(), "--model", "llm", "--link=hard"]);
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        (link_secs, mode) = (secs, "--link=hard (no reflinks on this filesystem)");
    }
    let store_bytes: u64 = walk_bytes(&ws.join("objects-v1"));

    let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1);
    println!(
        "tree: {} files ({} shards + index), {:.2} GiB, {tensors} tensors; {cores} cores; page cache warm",
        files.len(),
        files.len() - 1,
        bytes as f64 / (1u64 << 30) as f64
    );
    println!("{:<52} {:>9} {:>9} {:>12} {:>12}", "", "seconds", "MB/s", "vs openssl", "vs cp -r");
    let row = |name: &str, secs: f64| {
        println!("{name:<52} {secs:>9.2} {:>9.0} {:>11.2}x {:>11.2}x", mbps(bytes, secs), openssl / secs, cp / secs);
    };
    row("openssl dgst -sha256 (1 process)", openssl);
    row("cp -r", cp);
    row("pedigree register (copy: hash + copy + tensors)", copy);
    row(&format!("pedigree register {mode}"), link_secs);
    if mode.starts_with("--link=hard") {
        println!(
            "store after --link=hard: {:.2} GiB of files of its own for {:.2} GiB registered",
            store_bytes as f64 / (1u64 << 30) as f64,
            bytes as f64 / (1u64 << 30) as f64
        );
    } else {
        println!("store after --link: reflinked objects share their blocks with the sources (a file walk cannot see it)");
    }
}

/// Bytes the files under `dir` take that are not shared with another name (hard links counted
/// once, as `du` does; a reflink's shared blocks are not visible this way and count in full).
fn walk_bytes(dir: &Path) -> u64 {
    use std::os::unix::fs::MetadataExt;
    let mut total = 0;
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            let m = e.metadata().unwrap();
            if m.is_dir() {
                stack.push(e.path());
            } else if m.nlink() == 1 {
                total += m.len();
            }
        }
    }
    total
}
