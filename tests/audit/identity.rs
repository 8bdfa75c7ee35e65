//! Personal signing keys (#14, identity): every audit event is signed by the key of the person
//! who wrote it, `audit verify` checks each signature, and a removed or forged signature is
//! caught; an OpenSSH key can be the identity; a workspace from before signatures migrates and
//! its old events stay valid unsigned.

use std::path::Path;
use std::process::Command;

use serde_json::Value;

use super::common::{Ws, s, stderr};
use super::fixtures;

fn verify(w: &Ws) -> Value {
    let out = w.run(&["audit", "verify", "--json"]);
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", stderr(&out)))
}

/// Runs as another person: their own config folder (key), their own actor name.
fn as_person(w: &Ws, config: &Path, actor: &str, args: &[&str]) -> Value {
    let mut a = args.to_vec();
    a.push("--json");
    let out = w.command(&a).env("XDG_CONFIG_HOME", config).env("PEDIGREE_ACTOR", actor).output().unwrap();
    assert!(out.status.success(), "{args:?}: {}", stderr(&out));
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn every_event_is_signed_by_its_author_and_a_removed_or_forged_signature_is_caught() {
    let w = Ws::new();
    let me = w.json(&["identity", "show"]);
    let fp = me["fingerprint"].as_str().unwrap().to_string();
    assert!(fp.starts_with("SHA256:") && me["publicKey"].as_str().unwrap().starts_with("ssh-ed25519 AAAA"), "{me}");
    assert_eq!(w.json(&["identity", "show"])["fingerprint"], fp, "the key is kept");
    let key = Path::new(me["keyPath"].as_str().unwrap());
    assert!(key.starts_with(w.config()), "kept in XDG_CONFIG_HOME: {key:?}");
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(std::fs::metadata(key).unwrap().permissions().mode() & 0o777, 0o600);

    for i in 1..=2u64 {
        let f = w.write(&format!("{i}.safetensors"), &fixtures::safetensors(&[("w", "F32", &[i])], &[]));
        w.json(&["register", s(&f), "--model", "m"]);
    }
    // Bob approves with his own key.
    let bob = w.dir.path().join("bob-config");
    let bob_fp = as_person(&w, &bob, "bob@example.com", &["identity", "show"])["fingerprint"].as_str().unwrap().to_string();
    as_person(
        &w,
        &bob,
        "bob@example.com",
        &["approve", "m@2.0.0", "--role", "validator", "--decision", "approved", "--justification", "ok"],
    );
    let v = verify(&w);
    let events = v["events"].as_u64().unwrap();
    assert_eq!((v["ok"].as_bool(), v["signedEvents"].as_u64()), (Some(true), Some(events)), "{v}");
    let mut want = vec![fp.clone(), bob_fp];
    want.sort();
    assert_eq!(v["signers"], serde_json::json!(want));
    let human = super::common::stdout(&w.run(&["audit", "verify"]));
    assert!(human.contains(&format!("{events} event signature(s) by 2 key(s) verify")), "{human}");

    // Maker ≠ checker compares keys: the registrant's key under another name is refused.
    let out = w
        .command(&["approve", "m@2.0.0", "--role", "risk", "--decision", "approved", "--justification", "mine"])
        .env("PEDIGREE_ACTOR", "mallory@example.com")
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(err.contains("maker ≠ checker") && err.contains(&fp), "{err}");

    // A signature taken away from one event: named.
    let c = w.catalog();
    let (signer, sig): (String, String) =
        c.query_row("SELECT signer, signature FROM event_signatures WHERE seq = 2", [], |r| Ok((r.get(0)?, r.get(1)?))).unwrap();
    c.execute("DELETE FROM event_signatures WHERE seq = 2", []).unwrap();
    let v = verify(&w);
    assert_eq!((v["ok"].as_bool(), v["firstBadSeq"].as_i64()), (Some(false), Some(2)), "{v}");
    assert!(v["problem"].as_str().unwrap().contains("not signed"), "{v}");
    // Another event's signature put there: it does not verify.
    let other: String = c.query_row("SELECT signature FROM event_signatures WHERE seq = 3", [], |r| r.get(0)).unwrap();
    c.execute("INSERT INTO event_signatures (seq, signer, signature) VALUES (2, ?1, ?2)", [&signer, &other]).unwrap();
    let v = verify(&w);
    assert_eq!(v["firstBadSeq"], 2, "{v}");
    assert!(v["problem"].as_str().unwrap().contains("does not verify"), "{v}");
    c.execute("UPDATE event_signatures SET signature = ?1 WHERE seq = 2", [&sig]).unwrap();
    assert_eq!(verify(&w)["ok"], true);
    // The newest event cut away, its signature left behind: named.
    c.execute("DELETE FROM audit_events WHERE seq = (SELECT max(seq) FROM audit_events)", []).unwrap();
    let v = verify(&w);
    assert_eq!(v["ok"], false, "{v}");
    assert!(v["problem"].as_str().unwrap().contains("missing"), "{v}");
}

#[test]
fn an_openssh_key_can_sign_and_its_fingerprint_is_the_one_ssh_keygen_prints() {
    let w = Ws::new();
    let key = w.dir.path().join("id_ed25519");
    let made =
        Command::new("ssh-keygen").args(["-q", "-t", "ed25519", "-N", "", "-C", "carol@example.com", "-f"]).arg(&key).status();
    assert!(made.expect("ssh-keygen (openssh-client)").success());
    let id = w.json(&["identity", "use-ssh", s(&key)]);
    let printed = Command::new("ssh-keygen").arg("-lf").arg(key.with_extension("pub")).output().unwrap();
    let printed = String::from_utf8(printed.stdout).unwrap();
    assert!(printed.contains(id["fingerprint"].as_str().unwrap()), "{printed} vs {id}");
    assert_eq!(id["source"], "ssh");
    let public = std::fs::read_to_string(key.with_extension("pub")).unwrap();
    assert!(public.starts_with(id["publicKey"].as_str().unwrap().rsplit_once(' ').unwrap().0), "{public} vs {id}");
    w.json(&["identity", "set", "--name", "Carol", "--email", "carol@example.com"]);
    let f = w.write("c.safetensors", &fixtures::safetensors(&[("w", "F32", &[3])], &[]));
    w.json(&["register", s(&f), "--model", "c"]);
    let v = verify(&w);
    assert_eq!(v["signers"], serde_json::json!([id["fingerprint"]]), "{v}");
    // A key with a passphrase is refused with what to do; nothing changes.
    let locked = w.dir.path().join("locked");
    Command::new("ssh-keygen").args(["-q", "-t", "ed25519", "-N", "pass phrase", "-f"]).arg(&locked).status().unwrap();
    let err = w.fails(&["identity", "use-ssh", s(&locked)]);
    assert!(err.contains("passphrase"), "{err}");
    assert_eq!(w.json(&["identity", "show"])["fingerprint"], id["fingerprint"]);
}

#[test]
fn a_workspace_from_before_signatures_migrates_and_new_events_are_signed() {
    let w = Ws { dir: tempfile::tempdir().unwrap() };
    super::compat::copy_dir(&Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/before-signatures/ws"), &w.path());
    let v = verify(&w);
    assert_eq!((v["ok"].as_bool(), v["events"].as_u64(), v["signedEvents"].as_u64()), (Some(true), Some(5), Some(0)), "{v}");
    assert_eq!(v["checkpoints"], 2, "its signed checkpoints still match: {v}");
    let human = super::common::stdout(&w.run(&["audit", "verify"]));
    assert!(human.contains("no event signatures (written before identities)"), "{human}");
    w.json(&["tag", "set", "churn@1.1.0", "team", "risk"]);
    let v = verify(&w);
    assert_eq!((v["ok"].as_bool(), v["events"].as_u64(), v["signedEvents"].as_u64()), (Some(true), Some(6), Some(1)), "{v}");
}

#[test]
fn a_tail_cut_from_the_catalog_is_named_by_the_signed_head_kept_outside_it() {
    // The case: a validator's rejection deleted with its audit event (the newest one).
    let w = Ws::new();
    let f = w.write("credit.safetensors", &fixtures::safetensors(&[("w", "F32", &[4])], &[]));
    w.json(&["register", s(&f), "--model", "credit"]);
    let bob = w.dir.path().join("bob-config");
    as_person(
        &w,
        &bob,
        "bob@example.com",
        &[
            "approve",
            "credit@1.0.0",
            "--role",
            "validator",
            "--decision",
            "rejected",
            "--justification",
            "fails on the 2025 cohort",
        ],
    );
    let v = verify(&w);
    let events = v["events"].as_i64().unwrap();
    assert_eq!(v["ok"], true, "{v}");
    let heads = std::fs::read_to_string(w.path().join("log/heads.jsonl")).unwrap();
    assert!(heads.lines().count() >= 2, "a signed head after every write: {heads}");

    let c = w.catalog();
    c.execute("DELETE FROM approvals", []).unwrap();
    c.execute("DELETE FROM audit_events WHERE seq = ?1", [events]).unwrap();
    c.execute("DELETE FROM event_signatures WHERE seq = ?1", [events]).unwrap();
    let v = verify(&w);
    assert_eq!((v["ok"].as_bool(), v["firstBadSeq"].as_i64()), (Some(false), Some(events)), "{v}");
    let problem = v["problem"].as_str().unwrap();
    assert!(
        problem.contains(&format!("events {events} to {events} are missing")) && problem.contains("tail was cut"),
        "{problem}"
    );
    let out = w.run(&["audit", "verify"]);
    assert!(!out.status.success() && stderr(&out).contains("missing"), "{}", stderr(&out));

    // A head line whose signature does not verify is noise, not evidence.
    let w2 = Ws::new();
    let f = w2.write("m.safetensors", &fixtures::safetensors(&[("w", "F32", &[2])], &[]));
    w2.json(&["register", s(&f), "--model", "m"]);
    let someone = pedigree::identity::Identity::ephemeral("x", "x@example.com");
    let forged = serde_json::json!({"seq": 999, "hash": "0".repeat(64),
        "signer": pedigree::identity::ssh::public_key_line(&someone.public_key()),
        "signature": base64_sig(&someone, 998, &"0".repeat(64))});
    let file = w2.path().join("log/heads.jsonl");
    let mut heads = std::fs::read_to_string(&file).unwrap();
    heads.push_str(&format!("{forged}\nnot json\n"));
    std::fs::write(&file, heads).unwrap();
    assert_eq!(verify(&w2)["ok"], true);
}

#[test]
fn a_tail_cut_with_the_heads_beside_it_still_shows_against_a_report_bundle() {
    // Whoever can edit the workspace cuts the rejection, the stored checkpoints and the heads
    // file; a report bundle made before, kept elsewhere, still holds a signed head.
    let w = Ws::new();
    let f = w.write("credit.safetensors", &fixtures::safetensors(&[("w", "F32", &[4])], &[]));
    w.json(&["register", s(&f), "--model", "credit"]);
    let bob = w.dir.path().join("bob-config");
    let reject = ["approve", "credit@1.0.0", "--role", "validator", "--decision", "rejected", "--justification", "2025 cohort"];
    as_person(&w, &bob, "bob@example.com", &reject);
    let bundle = w.inputs().join("report");
    w.json(&["report", "credit@1.0.0", "--out", s(&bundle)]);
    let events = verify(&w)["events"].as_i64().unwrap();
    assert_eq!(verify(&w)["ok"], true);
    let ok = w.json(&["audit", "verify", "--against", s(&bundle)]);
    assert_eq!(ok["ok"], true, "the bundle's checkpoint matches the log as it is: {ok}");

    let c = w.catalog();
    c.execute("DELETE FROM approvals", []).unwrap();
    let last_approve: i64 = c.query_row("SELECT MAX(seq) FROM audit_events WHERE action = 'approve'", [], |r| r.get(0)).unwrap();
    c.execute("DELETE FROM audit_events WHERE seq >= ?1", [last_approve]).unwrap();
    c.execute("DELETE FROM event_signatures WHERE seq >= ?1", [last_approve]).unwrap();
    c.execute("DELETE FROM checkpoints", []).unwrap();
    drop(c);
    std::fs::remove_file(w.path().join("log/heads.jsonl")).unwrap();
    assert!(last_approve <= events);
    assert_eq!(verify(&w)["ok"], true, "nothing left inside the workspace can see it");
    let out = w.run(&["audit", "verify", "--against", s(&bundle), "--json"]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(!out.status.success(), "{v}");
    let problem = v["problem"].as_str().unwrap();
    assert!(problem.contains("was cut") && problem.contains(s(&bundle)), "{problem}");
    assert_eq!(v["firstBadSeq"].as_i64(), Some(last_approve), "{v}");
    // Not a report bundle: said so.
    let err = w.fails(&["audit", "verify", "--against", s(&w.inputs())]);
    assert!(err.contains("is it a report bundle?"), "{err}");
}

fn base64_sig(id: &pedigree::identity::Identity, seq: i64, hash: &str) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(id.sign_raw(format!("pedigree audit head v1\n{seq}\n{hash}").as_bytes()))
}
