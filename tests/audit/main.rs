//! The audit chain catches rows edited, deleted or reordered directly in the SQLite file.

#[path = "../common/mod.rs"]
mod common;
#[path = "../common/fixtures.rs"]
mod fixtures;

mod compat;
mod identity;
mod report_json;

use common::{Ws, s};

/// A workspace with five events: create_model, register_version ×3, plus a second model.
fn populated() -> Ws {
    let w = Ws::new();
    for i in 1..=3u64 {
        let f = w.write(&format!("{i}.safetensors"), &fixtures::safetensors(&[("w", "F32", &[i])], &[]));
        w.json(&["register", s(&f), "--model", "m"]);
    }
    let f = w.write("o.safetensors", &fixtures::safetensors(&[("w", "F32", &[9])], &[]));
    w.json(&["register", s(&f), "--model", "o"]);
    let v = w.json(&["audit", "verify"]);
    assert_eq!((v["ok"].as_bool(), v["events"].as_i64()), (Some(true), Some(6)));
    w
}

fn verify_fails_at(w: &Ws, seq: i64) -> String {
    let out = w.run(&["audit", "verify", "--json"]);
    assert!(!out.status.success(), "verify should fail after tampering");
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["firstBadSeq"], seq, "{v}");
    let err = common::stderr(&out);
    assert!(err.contains(&format!("seq {seq}")), "{err}");
    err
}

#[test]
fn an_edited_payload_is_caught_at_its_seq() {
    let w = populated();
    w.catalog().execute("UPDATE audit_events SET payload = replace(payload, 'initial', 'major') WHERE seq = 2", []).unwrap();
    verify_fails_at(&w, 2);
}

#[test]
fn an_edited_actor_with_recomputed_canonical_payload_is_caught() {
    let w = populated();
    w.catalog().execute("UPDATE audit_events SET actor = 'mallory' WHERE seq = 3", []).unwrap();
    assert!(verify_fails_at(&w, 3).contains("edited"));
}

#[test]
fn a_deleted_row_is_caught() {
    let w = populated();
    w.catalog().execute("DELETE FROM audit_events WHERE seq = 4", []).unwrap();
    assert!(verify_fails_at(&w, 4).contains("missing"));
}

#[test]
fn reordered_rows_are_caught() {
    let w = populated();
    let c = w.catalog();
    c.execute("UPDATE audit_events SET seq = 100 WHERE seq = 3", []).unwrap();
    c.execute("UPDATE audit_events SET seq = 3 WHERE seq = 4", []).unwrap();
    c.execute("UPDATE audit_events SET seq = 4 WHERE seq = 100", []).unwrap();
    verify_fails_at(&w, 3);
}

#[test]
fn a_deleted_tail_event_is_caught_through_the_row_that_cites_it() {
    let w = populated();
    w.catalog().execute("DELETE FROM audit_events WHERE seq = 6", []).unwrap();
    let err = verify_fails_at(&w, 6);
    assert!(err.contains("version:o@1.0.0"), "{err}");
}

#[test]
fn a_consistent_rewrite_of_hash_without_chain_is_caught_at_its_signature_or_the_next_row() {
    // Edit seq 2 and recompute its own hash: its author's signature no longer verifies (and,
    // for events from before signatures, the next row's prev_hash no longer matches).
    let w = populated();
    let c = w.catalog();
    let (seq, ts, actor, action, subject, payload, prev): (i64, String, String, String, String, String, String) = c
        .query_row("SELECT seq, ts, actor, action, subject, payload, prev_hash FROM audit_events WHERE seq = 2", [], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?, r.get(6)?))
        })
        .unwrap();
    let forged =
        pedigree::audit::event_hash(seq, &ts, "mallory", &action, &subject, &serde_json::from_str(&payload).unwrap(), &prev);
    let _ = actor;
    c.execute("UPDATE audit_events SET actor = 'mallory', hash = ?1 WHERE seq = 2", [forged]).unwrap();
    assert!(verify_fails_at(&w, 2).contains("signature does not verify"));
    c.execute("DELETE FROM event_signatures", []).unwrap();
    verify_fails_at(&w, 3);
}
