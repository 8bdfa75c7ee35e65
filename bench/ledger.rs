//! The team ledger at scale: one member's EVENTS audit events (default 100,000) pushed to a
//! `file://` ledger, then a new member taking them all in — time, requests, events per second —
//! and the cost of a sync that finds nothing new; against `cp -r` of the ledger folder and
//! `openssl dgst -sha256` of its segments in the same run (moving and hashing the same bytes
//! with no checks and no catalog). A program, not a timed test. Run: `make bench-ledger` or
//! `cargo bench --bench ledger -- [EVENTS]`.
//!
//! The events are tag changes on one model (each an `annotate` event, signed), written through
//! the library in one transaction; everything else is the real `pedigree` binary.

use std::path::Path;
use std::process::Command;
use std::time::Instant;

#[path = "common.rs"]
mod common;

/// The real binary as one person (their own key under `cfg`).
fn pedigree(ws: &Path, cfg: &Path, actor: &str, args: &[&str]) -> (f64, serde_json::Value) {
    common::pedigree_timed(ws, &[("XDG_CONFIG_HOME", cfg.as_os_str()), ("PEDIGREE_ACTOR", std::ffi::OsStr::new(actor))], args)
}

fn timed(c: &mut Command) -> f64 {
    let t = Instant::now();
    let st = c.status().expect("run reference");
    assert!(st.success());
    t.elapsed().as_secs_f64()
}

fn main() {
    let events: usize = std::env::args().skip(1).find(|a| !a.starts_with('-')).and_then(|a| a.parse().ok()).unwrap_or(100_000);
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (dir.path().join("a"), dir.path().join("b"));
    let (cfg_a, cfg_b) = (dir.path().join("cfg-a"), dir.path().join("cfg-b"));
    let ledger = dir.path().join("ledger");
    let url = format!("file://{}", ledger.display());
    pedigree(&a, &cfg_a, "alice", &["init"]);
    pedigree(&b, &cfg_b, "bob", &["init"]);
    let bob_key = pedigree(&b, &cfg_b, "bob", &["identity", "show"]).1["publicKey"].as_str().unwrap().to_string();
    let alice_key = pedigree(&a, &cfg_a, "alice", &["identity", "show"]).1["publicKey"].as_str().unwrap().to_string();
    pedigree(&a, &cfg_a, "alice", &["team", "init", "--name", "Alice"]);
    pedigree(&a, &cfg_a, "alice", &["team", "add", &bob_key, "--name", "Bob", "--role", "validator"]);
    let model = dir.path().join("m.bin");
    std::fs::write(&model, b"weights").unwrap();
    pedigree(&a, &cfg_a, "alice", &["register", model.to_str().unwrap(), "--model", "bench"]);

    // EVENTS signed events through the library, in one transaction.
    let t = Instant::now();
    pedigree::identity::enable(cfg_a.join("pedigree").join("identity"));
    let mut ws = pedigree::workspace::Workspace::open(&a).unwrap();
    ws.catalog
        .write(|tx| {
            for i in 0..events {
                pedigree::governance::annotations::put(
                    tx,
                    "model:bench",
                    &format!("tag:k{}", i % 1000),
                    Some(&i.to_string()),
                    "alice",
                    None,
                )?;
            }
            Ok::<_, pedigree::governance::GovError>(())
        })
        .unwrap();
    drop(ws);
    println!("wrote {events} signed events in {:.1} s", t.elapsed().as_secs_f64());

    pedigree(&a, &cfg_a, "alice", &["remote", "add", "team", "ledger", &url]);
    let (push_s, r) = pedigree(&a, &cfg_a, "alice", &["sync", "team"]);
    let segments = r["team"]["segmentsPushed"].as_u64().unwrap();
    println!("push: {} events in {segments} segments, {push_s:.2} s, {} requests", r["team"]["eventsPushed"], r["requests"]);

    pedigree(&b, &cfg_b, "bob", &["remote", "add", "team", "ledger", &url, "--trust", &alice_key]);
    let (pull_s, r) = pedigree(&b, &cfg_b, "bob", &["sync", "team", "--pull-only"]);
    let pulled = r["team"]["eventsPulled"].as_u64().unwrap();
    println!(
        "pull: {pulled} events ({} applied) in {pull_s:.2} s = {:.0} events/s, {} requests",
        r["team"]["projected"],
        pulled as f64 / pull_s,
        r["requests"]
    );
    let (again_s, r) = pedigree(&b, &cfg_b, "bob", &["sync", "team"]);
    println!("no-change sync: {again_s:.3} s, {} requests", r["requests"]);
    let (_, da) = pedigree(&a, &cfg_a, "alice", &["state-digest"]);
    let (_, db) = pedigree(&b, &cfg_b, "bob", &["state-digest"]);
    assert_eq!(da["digest"], db["digest"], "the two copies differ");

    let bytes: u64 = std::fs::read_dir(ledger.join("segments")).unwrap().map(|e| e.unwrap().metadata().unwrap().len()).sum();
    let cp_s = timed(Command::new("cp").arg("-r").arg(&ledger).arg(dir.path().join("ledger-copy")));
    let files: Vec<_> = std::fs::read_dir(ledger.join("segments")).unwrap().map(|e| e.unwrap().path()).collect();
    let sha_s = timed(Command::new("openssl").arg("dgst").arg("-sha256").args(&files).stdout(std::process::Stdio::null()));
    println!(
        "reference: cp -r of the ledger ({:.1} MB of segments) {cp_s:.3} s; openssl dgst -sha256 of the segments {sha_s:.3} s",
        bytes as f64 / 1e6
    );
    println!(
        "ratio: the pull takes {:.0}× cp -r and {:.0}× openssl sha256 of the same bytes; the no-change sync {:.2}× cp -r",
        pull_s / cp_s,
        pull_s / sha_s,
        again_s / cp_s
    );
}
