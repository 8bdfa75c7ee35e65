//! A workspace from before the team ledger (catalog migration 11: signed events, a roster, signed
//! heads, a checkpoint; written by the code of that time) migrates forward, verifies, and its
//! owner takes it onto a ledger that a new member then takes in whole.

use std::path::Path;

use super::common::copy_dir;
use super::{Member, ledger, settle};

#[test]
fn a_workspace_from_before_the_ledger_migrates_and_joins_one() {
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/before-ledger");
    let a = Member { ws: super::common::Ws { dir: tempfile::tempdir().unwrap() }, actor: "alice@example.com" };
    copy_dir(&fixture.join("ws"), &a.ws.path());
    copy_dir(&fixture.join("config"), &a.ws.config());
    // Git keeps no 0600: the key is made private again, as Pedigree wrote it.
    use std::os::unix::fs::PermissionsExt;
    let key = a.ws.config().join("pedigree/identity/ed25519.pk8");
    std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o600)).unwrap();

    let v = a.ok(&["audit", "verify"]);
    assert_eq!((v["ok"].as_bool(), v["events"].as_u64(), v["signedEvents"].as_u64()), (Some(true), Some(5), Some(5)), "{v}");
    assert_eq!(v["checkpoints"], 1, "its signed checkpoint still matches: {v}");
    assert_eq!(a.ok(&["team", "list"])["members"][0]["name"], "Alice");

    let dir = tempfile::tempdir().unwrap();
    let url = ledger("file", dir.path(), "old");
    let b = Member::new("bob@example.com");
    a.ok(&["team", "add", &b.key(), "--name", "Bob", "--role", "validator"]);
    a.ok(&["remote", "add", "team", "ledger", &url]);
    let pushed = a.sync();
    assert!(pushed["eventsPushed"].as_u64().unwrap() >= 7, "its whole history goes out: {pushed}");
    b.ok(&["remote", "add", "team", "ledger", &url, "--trust", &a.key()]);
    let taken = b.sync();
    assert!(taken["refused"].as_array().unwrap().is_empty(), "{taken}");
    b.ok(&["approve", "churn@1.1.0", "--decision", "approved", "--role", "validator", "--justification", "ok"]);
    let digests = settle(&[&a, &b]);
    assert_eq!(digests[0], digests[1]);
    assert_eq!(b.ok(&["aliases", "churn"])["aliases"][0]["version"], "1.0.0");
    a.verify();
    b.verify();
}
