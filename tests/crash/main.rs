//! Killing `pedigree register` with SIGKILL at random points never leaves a broken catalog, a
//! half-visible version, or a CAS object whose bytes do not match its name; a re-run succeeds.

#[path = "../common/mod.rs"]
mod common;

use std::time::{Duration, Instant};

use common::{Ws, s};

/// A model folder big enough that registration takes a while (several files, ~48 MiB).
fn model_folder(w: &Ws, seed: u64) -> std::path::PathBuf {
    let dir = w.inputs().join(format!("model-{seed}"));
    std::fs::create_dir_all(&dir).unwrap();
    let mut rng = fastrand::Rng::with_seed(seed);
    for i in 0..6 {
        let mut bytes = vec![0u8; 8 << 20];
        rng.fill(&mut bytes[..4096]);
        bytes[(8 << 20) - 1] = i as u8;
        std::fs::write(dir.join(format!("shard-{i}.bin")), &bytes).unwrap();
    }
    std::fs::write(dir.join("config.json"), format!("{{\"seed\": {seed}}}")).unwrap();
    dir
}

fn check_consistent(w: &Ws) {
    let c = w.catalog();
    let ic: String = c.query_row("PRAGMA integrity_check", [], |r| r.get(0)).unwrap();
    assert_eq!(ic, "ok");
    // Every visible version has its whole manifest and its audit event.
    let partial: i64 = c
        .query_row(
            "SELECT COUNT(*) FROM versions v WHERE v.file_count != (SELECT COUNT(*) FROM version_files f WHERE f.version_id = v.id)
                OR NOT EXISTS (SELECT 1 FROM audit_events a WHERE a.seq = v.audit_seq)",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(partial, 0, "a partial version is visible");
    // Every file a version names is in the store.
    let mut stmt = c.prepare("SELECT sha256 FROM version_files").unwrap();
    for d in stmt.query_map([], |r| r.get::<_, String>(0)).unwrap() {
        let d = d.unwrap();
        assert!(w.path().join("objects-v1").join(&d[..2]).join(&d[2..]).is_file(), "object {d} missing");
    }
    let ws = pedigree::workspace::Workspace::open(&w.path()).unwrap();
    assert!(ws.cas.verify().unwrap().is_empty(), "a CAS object does not match its name");
    let v = pedigree::audit::verify(ws.catalog.conn(), None).unwrap();
    assert!(v.ok, "{v:?}");
}

#[test]
fn sigkill_during_registration_is_harmless() {
    let w = Ws::new();
    // Calibrate: how long does one uninterrupted registration take?
    let first = model_folder(&w, 0);
    let t = Instant::now();
    w.json(&["register", s(&first), "--model", "m"]);
    let full = t.elapsed();
    let mut rng = fastrand::Rng::with_seed(0x5eed);
    let mut committed = 0;
    let kills = 24;
    for i in 1..=kills {
        let dir = model_folder(&w, i);
        let delay = Duration::from_micros(rng.u64(0..(full.as_micros() as u64 * 11 / 10).max(1000)));
        let mut child =
            w.command(&["register", s(&dir), "--model", "m", "--json"]).stdout(std::process::Stdio::piped()).spawn().unwrap();
        std::thread::sleep(delay);
        child.kill().unwrap(); // SIGKILL
        let status = child.wait().unwrap();
        if status.success() {
            committed += 1;
        }
        check_consistent(&w);
        std::fs::remove_dir_all(&dir).unwrap();
    }
    // A re-run after the kills succeeds and the store stays valid.
    let again = model_folder(&w, 1000);
    w.json(&["register", s(&again), "--model", "m"]);
    check_consistent(&w);
    let versions: i64 = w.catalog().query_row("SELECT COUNT(*) FROM versions", [], |r| r.get(0)).unwrap();
    eprintln!("{kills} kills over a {full:?} registration; {committed} finished before the kill; {versions} versions visible");
    assert!(versions >= 2);
}
