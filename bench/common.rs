//! Shared by the benchmarks: the generated tree and the MB/s helper.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

/// A tree of `total` bytes: three quarters in 4 large files, the rest in 256 KiB files (random
/// content), under `root`. Returns the files.
pub fn generate(root: &Path, total: u64) -> Vec<PathBuf> {
    std::fs::create_dir_all(root.join("small")).unwrap();
    let mut files = Vec::new();
    let large = total * 3 / 4 / 4;
    let mut rng = fastrand::Rng::with_seed(7);
    let mut chunk = vec![0u8; 1 << 20];
    let mut write = |path: PathBuf, size: u64, rng: &mut fastrand::Rng| {
        use std::io::Write;
        let mut f = std::io::BufWriter::new(std::fs::File::create(&path).unwrap());
        let mut left = size;
        while left > 0 {
            rng.fill(&mut chunk[..4096]);
            let n = left.min(chunk.len() as u64) as usize;
            f.write_all(&chunk[..n]).unwrap();
            left -= n as u64;
        }
        files.push(path);
    };
    for i in 0..4 {
        write(root.join(format!("shard-{i}.bin")), large, &mut rng);
    }
    let small = 256 << 10;
    for i in 0..(total / 4 / small) {
        write(root.join(format!("small/{i:05}.bin")), small, &mut rng);
    }
    files
}

/// Runs the real `pedigree` on workspace `ws` with `--json` and these environment variables,
/// timed; the benchmark fails if it does. Returns the seconds and its JSON output.
pub fn pedigree_timed(ws: &Path, env: &[(&str, &std::ffi::OsStr)], args: &[&str]) -> (f64, serde_json::Value) {
    let t = std::time::Instant::now();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_pedigree"))
        .arg("--workspace")
        .arg(ws)
        .arg("--json")
        .args(args)
        .envs(env.iter().map(|(k, v)| (*k, *v)))
        .output()
        .expect("run pedigree");
    let secs = t.elapsed().as_secs_f64();
    assert!(out.status.success(), "pedigree {args:?} failed: {}", String::from_utf8_lossy(&out.stderr));
    (secs, serde_json::from_slice(&out.stdout).unwrap_or(serde_json::Value::Null))
}

pub fn mbps(bytes: u64, secs: f64) -> f64 {
    bytes as f64 / secs / 1e6
}

/// Seconds `openssl dgst -sha256` (one process at a time, 500 files per call) takes for `files`.
pub fn openssl_secs(files: &[PathBuf]) -> f64 {
    let t = std::time::Instant::now();
    for chunk in files.chunks(500) {
        let out = std::process::Command::new("openssl").arg("dgst").arg("-sha256").args(chunk).output().expect("openssl");
        assert!(out.status.success());
    }
    t.elapsed().as_secs_f64()
}
