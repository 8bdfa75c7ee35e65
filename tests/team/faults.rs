//! What the ledger refuses, and what an interrupted sync leaves: a byte flipped in a segment,
//! a segment by someone outside the team, an event by a removed member — each refused and
//! reported, the rest taken in; kill -9 in the middle of a push loses and duplicates nothing.

use std::path::Path;

use super::{Member, settle, team_on};

fn segment_path(dir: &Path, name: &str, n: u64) -> std::path::PathBuf {
    dir.join(name).join("segments").join(format!("{n:012}.json"))
}

fn refusals(t: &serde_json::Value) -> String {
    t["refused"].to_string()
}

#[test]
fn a_flipped_byte_a_non_member_and_a_removed_member_are_refused_and_reported() {
    let (dir, a, b, c) = team_on("file", "faults");
    b.sync();
    c.sync();

    // Someone outside the team writes to the bucket: their segment is refused, the rest flows.
    let mallory = Member::new("mallory@example.com");
    let url = format!("file://{}", dir.path().join("faults").display());
    mallory.ok(&["remote", "add", "team", "ledger", &url, "--trust", &a.key()]);
    mallory.sync();
    let t = b.sync_refusing();
    assert!(refusals(&t).contains("not a member of the team"), "{t}");

    // Carol is removed; an event she writes after that is refused by everyone else.
    a.ok(&["team", "remove", "Carol"]);
    assert!(refusals(&a.sync_refusing()).contains("not a member"));
    assert!(refusals(&c.sync_refusing()).contains("not a member"));
    c.register("carols-model", 4);
    c.sync();
    let t = b.sync_refusing();
    assert!(refusals(&t).contains("removed from the team"), "{t}");
    assert!(b.refused(&["show", "carols-model@1.0.0"]).contains("carols-model"));

    // A byte flipped in Alice's next segment on the ledger: refused, named, not applied.
    a.register("churn", 4);
    let pushed = a.sync_refusing();
    assert!(refusals(&pushed).contains("removed from the team"), "{pushed}");
    let n = pushed["ledgerSegments"].as_u64().unwrap();
    let p = segment_path(dir.path(), "faults", n);
    let mut bytes = std::fs::read(&p).unwrap();
    let at = bytes.windows(7).position(|w| w == b"\"churn\\").or_else(|| bytes.windows(5).position(|w| w == b"churn")).unwrap();
    bytes[at + 1] ^= 0x20;
    // The ledger's own files are create-only for Pedigree, not for whoever holds the bucket.
    std::fs::remove_file(&p).unwrap();
    std::fs::write(&p, &bytes).unwrap();
    let t = b.sync_refusing();
    assert!(refusals(&t).contains(&format!("segment {n}")) && refusals(&t).contains("does not verify"), "{t}");
    assert!(b.refused(&["show", "churn@1.0.0"]).contains("churn"), "the altered registration did not arrive");
    // Alice's later segments wait for the repair, named as such.
    a.ok(&["tag", "set", "churn", "team", "risk"]);
    a.sync();
    let t = b.sync_refusing();
    assert!(refusals(&t).contains("failed its checks"), "{t}");
    // Every copy still verifies: refused events never reached a catalog half-applied.
    for m in [&a, &b, &c] {
        m.verify();
    }
}

#[test]
fn kill_9_in_the_middle_of_a_push_loses_nothing_and_duplicates_nothing() {
    let (dir, a, b, _c) = team_on("file", "killed");
    b.sync();
    // A version big enough that its push takes a while (48 MiB of weights).
    let f = a.ws.write("big.safetensors", &super::fixtures::safetensors(&[("w", "F32", &[12 << 20])], &[]));
    a.ok(&["register", super::common::s(&f), "--model", "big"]);
    let segments = || {
        std::fs::read_dir(dir.path().join("killed").join("segments"))
            .unwrap()
            .filter(|e| e.as_ref().unwrap().path().extension().is_some_and(|x| x == "json"))
            .count()
    };
    let before = segments();
    let mut interrupted = 0;
    for delay_ms in [20u64, 80, 200, 600] {
        let mut child =
            a.ws.command(&["sync", "team"])
                .env("PEDIGREE_ACTOR", a.actor)
                .stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::null())
                .spawn()
                .unwrap();
        std::thread::sleep(std::time::Duration::from_millis(delay_ms));
        let _ = child.kill(); // SIGKILL
        let status = child.wait().unwrap();
        if !status.success() && segments() == before {
            interrupted += 1;
        }
        a.verify();
    }
    assert!(interrupted > 0, "no kill landed before the segment was written");
    let t = a.sync();
    assert!(t["refused"].as_array().unwrap().is_empty(), "{t}");
    let digests = settle(&[&a, &b]);
    assert_eq!(digests[0], digests[1]);
    b.ok(&["show", "big@1.0.0"]);
    // Each of Alice's events is on the ledger once: no segment repeats another's events.
    let mut seen = std::collections::HashSet::new();
    for entry in std::fs::read_dir(dir.path().join("killed").join("segments")).unwrap() {
        let path = entry.unwrap().path();
        // A write killed half-way leaves only a staging file (`NAME#N`), never a segment.
        if path.extension().is_none_or(|e| e != "json") {
            continue;
        }
        let seg: serde_json::Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
        for e in seg["events"].as_array().unwrap() {
            let key = (seg["author"].as_str().unwrap().to_string(), e["seq"].as_i64().unwrap());
            assert!(seen.insert(key.clone()), "event {key:?} is on the ledger twice");
        }
    }
    let log = b.ok(&["audit", "log", "--limit", "500"]);
    let registrations = log["events"].as_array().unwrap().iter().filter(|e| e["subject"] == "version:big@1.0.0").count();
    assert_eq!(registrations, 1, "{log}");
}

/// Deletes the newest approval and its audit event from a member's catalog, as someone with the
/// file might.
fn cut_last_approval(m: &Member) {
    let db = m.ws.catalog();
    let seq: i64 = db.query_row("SELECT MAX(seq) FROM audit_events WHERE action = 'approve'", [], |r| r.get(0)).unwrap();
    db.execute("DELETE FROM approvals WHERE audit_seq = ?1", [seq]).unwrap();
    db.execute("DELETE FROM event_signatures WHERE seq = ?1", [seq]).unwrap();
    db.execute("DELETE FROM audit_events WHERE seq = ?1", [seq]).unwrap();
}

/// A validator's rejection deleted from `catalog.sqlite` with its audit event (the newest) is
/// named by `audit verify` and restored from the ledger by the next sync: the gate closes again.
#[test]
fn a_cut_tail_is_named_and_restored_from_the_ledger() {
    let (_dir, a, b, _c) = team_on("file", "cut");
    a.register("credit", 4);
    a.sync();
    b.sync();
    let gate =
        b.ok(&["approve", "credit@1.0.0", "--decision", "rejected", "--role", "validator", "--justification", "bias in age=65+"]);
    assert_eq!(gate["ok"], false);
    b.sync();

    // Cut: the rejection and its event go, as someone with the file might do.
    cut_last_approval(&b);
    let out = b.run(&["audit", "verify"]);
    assert!(!out.status.success(), "the cut tail is named: {}", super::common::stdout(&out));

    let t = b.sync();
    assert_eq!(t["restored"], 1, "{t}");
    b.verify();
    let log = b.ok(&["audit", "log", "--subject", "version:credit@1.0.0"]);
    assert!(log.to_string().contains("bias in age=65+"), "{log}");
    let out = b.run(&["promote", "credit@1.0.0", "--status", "approved", "--reason", "x"]);
    assert!(!out.status.success() && super::common::stderr(&out).contains("rejected"), "{}", super::common::stderr(&out));

    // The same on a colleague's copy: a pulled event cut from Alice's log comes back too.
    a.sync();
    cut_last_approval(&a);
    a.sync();
    a.verify();
    let digests = settle(&[&a, &b]);
    assert_eq!(digests[0], digests[1]);
}
