//! Post-quantum co-signatures (ML-DSA-65 beside Ed25519): switched on by an owner, carried to
//! the team by the ledger, on checkpoints, ledger segments and federated bundles; checked by
//! `audit verify`, `sync` and `bundle import`, which say which signatures were present; and
//! cross-checked by a second implementation of FIPS 204 (dilithium-py, from PyPI).

use std::path::Path;

use serde_json::Value;

use super::common::s;
use super::{Member, team_on};

/// Runs `code` with the test venv's Python; its stdout.
fn python(code: &str, args: &[&str]) -> String {
    let py = std::env::var("PEDIGREE_INTEROP_PYTHON").expect("PEDIGREE_INTEROP_PYTHON is not set: run `make test`");
    let out = std::process::Command::new(py).arg("-c").arg(code).args(args).output().unwrap();
    assert!(out.status.success(), "python: {}{}", String::from_utf8_lossy(&out.stderr), String::from_utf8_lossy(&out.stdout));
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

/// dilithium-py checks a ledger segment's co-signature over the same message as Ed25519
/// (context, then the hex SHA-256 of the canonical JSON without signatures).
const CHECK_SEGMENT: &str = r#"
import sys, json, hashlib, base64
from dilithium_py.ml_dsa import ML_DSA_65
seg = json.load(open(sys.argv[1]))
pq = seg["pq"]
unsigned = dict(seg); del unsigned["signature"]; unsigned["pq"] = dict(pq, signature="")
canon = json.dumps(unsigned, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
msg = b"pedigree ledger segment v1\n" + hashlib.sha256(canon).hexdigest().encode()
ok = ML_DSA_65.verify(base64.b64decode(pq["publicKey"]), msg, base64.b64decode(pq["signature"]))
print(pq["alg"], ok)
"#;

/// dilithium-py derives the person's key from their seed file, checks the checkpoint's
/// co-signature line, and signs the note text itself (deterministic FIPS 204): the same bytes.
const CHECK_NOTE: &str = r#"
import sys, base64
from dilithium_py.ml_dsa import ML_DSA_65
note, seed = open(sys.argv[1]).read(), open(sys.argv[2], "rb").read()
body = note.split("\n\n")[0] + "\n"
pk, sk = ML_DSA_65.key_derive(seed)
line = [l for l in note.splitlines() if l.startswith("\u2014 pedigree-pq/")][0]
sig = base64.b64decode(line.rsplit(" ", 1)[1])[4:]
print(ML_DSA_65.verify(pk, body.encode(), sig), ML_DSA_65.sign(sk, body.encode(), deterministic=True) == sig)
"#;

/// dilithium-py checks a report bundle's ML-DSA-65 signature over the DSSE PAE bytes.
const CHECK_DSSE: &str = r#"
import sys, json, base64, hashlib
from dilithium_py.ml_dsa import ML_DSA_65
d = sys.argv[1]
env = json.load(open(d + "/MANIFEST.intoto.json"))
body, t = base64.b64decode(env["payload"]), env["payloadType"].encode()
pae = b"DSSEv1 %d %s %d %s" % (len(t), t, len(body), body)
pk = base64.b64decode(open(d + "/keys/mldsa65.pub").read().strip())
sig = [s for s in env["signatures"] if s["keyid"] == "mldsa65:" + hashlib.sha256(pk).hexdigest()[:16]][0]
print(ML_DSA_65.verify(pk, pae, base64.b64decode(sig["sig"])))
"#;

fn segments(dir: &Path) -> Vec<Value> {
    let mut names: Vec<_> = std::fs::read_dir(dir.join("segments")).unwrap().map(|e| e.unwrap().path()).collect();
    names.sort();
    names.iter().map(|p| serde_json::from_slice(&std::fs::read(p).unwrap()).unwrap()).collect()
}

#[test]
fn an_owner_switches_co_signing_on_for_the_team_and_a_second_implementation_agrees() {
    let (dir, a, b, c) = team_on("file", "pq");
    let ledger = dir.path().join("pq");
    a.register("churn", 4);
    a.sync();
    b.sync();
    let err = b.refused(&["team", "pq", "on"]);
    assert!(err.contains("only an owner"), "{err}");
    let on = a.ok(&["team", "pq", "on"]);
    assert_eq!((on["on"].as_bool(), on["keys"].as_array().unwrap().len()), (Some(true), 1), "{on}");
    a.sync();

    // The switch reaches B with the ledger: B's next segment is co-signed too.
    b.sync();
    assert_eq!(b.ok(&["team", "pq"])["on"], true);
    b.ok(&["approve", "churn@1.0.0", "--decision", "approved", "--role", "validator", "--justification", "ok"]);
    b.sync();
    let segs = segments(&ledger);
    assert!(segs.first().unwrap().get("pq").is_none(), "segments before the switch have Ed25519 alone");
    let co: Vec<&Value> = segs.iter().filter(|s| s.get("pq").is_some()).collect();
    let bob = b.key();
    assert!(co.len() >= 2 && co.iter().any(|s| bob.starts_with(s["author"].as_str().unwrap())), "{segs:?}");
    for p in std::fs::read_dir(ledger.join("segments")).unwrap() {
        let p = p.unwrap().path();
        let seg: Value = serde_json::from_slice(&std::fs::read(&p).unwrap()).unwrap();
        if seg.get("pq").is_some() {
            assert_eq!(python(CHECK_SEGMENT, &[s(&p)]), "ML-DSA-65 True", "{}", p.display());
        }
    }

    // Checkpoints: signed by the workspace, by the person, and co-signed; verify names all three.
    a.sync();
    let note = a.ok(&["audit", "checkpoint"])["note"].as_str().unwrap().to_string();
    assert!(note.contains("\u{2014} pedigree-person/") && note.contains("\u{2014} pedigree-pq/"), "{note}");
    let verify = a.ok(&["audit", "verify"]);
    assert_eq!((verify["personSignedCheckpoints"].as_u64(), verify["pqCheckpoints"].as_u64()), (Some(1), Some(1)), "{verify}");
    let note_file = a.ws.write("note.txt", note.as_bytes());
    let seed = a.ws.config().join("pedigree/identity/mldsa65.seed");
    assert_eq!(python(CHECK_NOTE, &[s(&note_file), s(&seed)]), "True True");

    // C, new to the ledger, takes everything in; then a co-signature flipped in one segment is refused.
    c.sync();
    assert_eq!(c.digest(), a.digest());
    let d = Member::new("dave@example.com");
    let owner = a.key();
    d.ok(&["remote", "add", "team", "ledger", &format!("file://{}", ledger.display()), "--trust", &owner]);
    let victim = std::fs::read_dir(ledger.join("segments"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| std::fs::read_to_string(p).unwrap().contains("\"pq\""))
        .max()
        .unwrap();
    let mut seg: Value = serde_json::from_slice(&std::fs::read(&victim).unwrap()).unwrap();
    let sig = seg["pq"]["signature"].as_str().unwrap().to_string();
    let flipped = format!("{}{}", if sig.starts_with('A') { "B" } else { "A" }, &sig[1..]);
    seg["pq"]["signature"] = Value::String(flipped);
    std::fs::write(&victim, serde_json::to_vec(&seg).unwrap()).unwrap();
    let t = d.sync_refusing();
    assert!(t.to_string().contains("ML-DSA-65 co-signature does not verify"), "{t}");
}

#[test]
fn a_co_signed_bundle_and_checkpoint_say_so_and_a_broken_co_signature_fails_verify() {
    let a = Member::new("alice@example.com");
    a.register("churn", 4);
    a.ok(&["team", "pq", "on"]);
    let out = a.ws.inputs().join("churn.pdgbundle");
    let exported = a.ok(&["bundle", "export", "churn@1.0.0", "--out", s(&out)]);
    assert_eq!(exported["signatures"], serde_json::json!(["Ed25519", "ML-DSA-65"]));
    let d = Member::new("dave@other.org");
    let imported = d.ok(&["bundle", "import", s(&out), "--trust", &a.key()]);
    assert_eq!(imported["signatures"], serde_json::json!(["Ed25519", "ML-DSA-65"]), "{imported}");

    // A report bundle: signed by the workspace, by the person, and co-signed; verify names each,
    // dilithium-py checks the co-signature over the DSSE PAE bytes, and a forged one fails.
    let report = a.ws.inputs().join("report");
    a.ok(&["report", "churn@1.0.0", "--out", s(&report)]);
    let v = a.ok(&["verify", s(&report)]);
    let names: Vec<&str> =
        v["checks"].as_array().unwrap().iter().filter(|c| c["ok"] == true).map(|c| c["name"].as_str().unwrap()).collect();
    for want in ["manifest signature", "person's signature", "ML-DSA-65 co-signature", "checkpoint co-signatures"] {
        assert!(names.contains(&want), "{want} missing from {v}");
    }
    assert_eq!(python(CHECK_DSSE, &[s(&report)]), "True");
    let manifest = report.join("MANIFEST.intoto.json");
    let mut env: Value = serde_json::from_slice(&std::fs::read(&manifest).unwrap()).unwrap();
    env["signatures"][2]["sig"] = env["signatures"][1]["sig"].clone();
    std::fs::write(&manifest, serde_json::to_vec(&env).unwrap()).unwrap();
    let out = a.run(&["verify", s(&report), "--json"]);
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(
        !out.status.success()
            && v["checks"].as_array().unwrap().iter().any(|c| c["name"] == "ML-DSA-65 co-signature" && c["ok"] == false),
        "{v}"
    );

    // A co-signature line altered in the stored checkpoint: audit verify names it.
    a.ok(&["audit", "checkpoint"]);
    let conn = a.ws.catalog();
    let note: String = conn.query_row("SELECT note FROM checkpoints ORDER BY tree_size DESC LIMIT 1", [], |r| r.get(0)).unwrap();
    let line = note.lines().find(|l| l.starts_with("\u{2014} pedigree-pq/")).unwrap();
    let (head, b64) = line.rsplit_once(' ').unwrap();
    let broken = format!("{head} {}{}", &b64[..20], b64[20..].replacen(|c: char| c.is_ascii_alphabetic(), "0", 1));
    conn.execute("UPDATE checkpoints SET note = ?1 WHERE note = ?2", [note.replace(line, &broken), note.clone()]).unwrap();
    drop(conn);
    let out = a.run(&["audit", "verify"]);
    let said = format!("{}{}", super::common::stdout(&out), super::common::stderr(&out));
    assert!(!out.status.success() && said.contains("ML-DSA-65"), "{said}");
}
