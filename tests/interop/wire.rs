//! The event wire form checks out with SHA-256 and Ed25519 alone: a report bundle's
//! `log/entries.jsonl` read by Python (hashlib and the `cryptography` package), without Pedigree.

use super::common::{self, Ws, s};
use super::fixtures;

/// For each line: sha256(record) == hash, the record's prev_hash links to the line before, and
/// the signature verifies under the SSH public key; prints how many were signed.
const CHECK: &str = r#"
import sys, json, hashlib, base64
from cryptography.hazmat.primitives.serialization import load_ssh_public_key
prev, signed = None, 0
for line in open(sys.argv[1]):
    e = json.loads(line)
    assert hashlib.sha256(e["record"].encode()).hexdigest() == e["hash"], "hash"
    record = json.loads(e["record"])
    assert record["seq"] == e["seq"]
    if prev and prev["seq"] + 1 == e["seq"]:
        assert record["prev_hash"] == prev["hash"], "chain"
    if "signature" in e:
        key = load_ssh_public_key(e["signer"].encode())
        key.verify(base64.b64decode(e["signature"]), b"pedigree audit event v1\n" + e["hash"].encode())
        signed += 1
    prev = e
print(signed)
"#;

#[test]
fn bundle_events_verify_with_sha256_and_ed25519_alone() {
    let python = std::env::var("PEDIGREE_INTEROP_PYTHON").expect("PEDIGREE_INTEROP_PYTHON is not set: run `make test`");
    let w = Ws::new();
    let f = w.write("m.safetensors", &fixtures::safetensors(&[("w", "F32", &[4])], &[]));
    w.json(&["register", s(&f), "--model", "m"]);
    w.json(&["audit", "checkpoint"]);
    let bundle = w.dir.path().join("bundle");
    w.json(&["report", "m@1.0.0", "--out", s(&bundle)]);
    let entries = bundle.join("log/entries.jsonl");
    let out = std::process::Command::new(&python).args(["-c", CHECK, s(&entries)]).output().unwrap();
    assert!(out.status.success(), "{}", common::stderr(&out));
    assert_eq!(common::stdout(&out).trim(), "2", "both cited events are signed");
    // A changed signature byte: the independent check refuses it too.
    let text = std::fs::read_to_string(&entries).unwrap();
    let mut lines: Vec<serde_json::Value> = text.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    let sig = lines[0]["signature"].as_str().unwrap().to_string();
    let first = if sig.starts_with('A') { 'B' } else { 'A' };
    let flipped = format!("{first}{}", &sig[1..]);
    lines[0]["signature"] = flipped.into();
    std::fs::write(&entries, lines.iter().map(|l| format!("{l}\n")).collect::<String>()).unwrap();
    let out = std::process::Command::new(&python).args(["-c", CHECK, s(&entries)]).output().unwrap();
    assert!(!out.status.success() && common::stderr(&out).contains("InvalidSignature"), "{}", common::stderr(&out));
    let v = w.run(&["verify", s(&bundle), "--json"]);
    assert!(!v.status.success());
    assert!(common::stdout(&v).contains("signature does not verify"), "{}", common::stdout(&v));
}
