//! Report bundles: every part present, verified offline, hostile text escaped, PDF text and the
//! ML-BOM checked by third-party tools, and any tampering caught with what failed.

use std::path::{Path, PathBuf};
use std::process::Command;

use super::common::{Ws, s};
use super::{model_file, ok_json};
use serde_json::Value;

pub(super) fn flip_byte(p: &Path, at: usize) {
    use std::os::unix::fs::PermissionsExt;
    let _ = std::fs::set_permissions(p, std::fs::Permissions::from_mode(0o644));
    let mut b = std::fs::read(p).unwrap();
    let i = at.min(b.len() - 1);
    b[i] ^= 0x01;
    std::fs::write(p, b).unwrap();
}

fn pdftotext(p: &Path) -> String {
    let out = Command::new("pdftotext")
        .arg("-layout")
        .arg(p)
        .arg("-")
        .output()
        .expect("pdftotext (poppler-utils) is installed by make test");
    assert!(out.status.success(), "pdftotext failed: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).to_string()
}

/// A workspace with a governed, evaluated, deployed version whose texts are hostile.
fn governed(ws: &Ws) -> &'static str {
    let data = ws.write("data/train.csv", b"a,b\n1,2\n");
    let base = model_file(ws, "base.safetensors", 4);
    ok_json(ws, "alice@example.com", &["register", s(&base), "--model", "base", "--trained-on", s(&data)]);
    let m = model_file(ws, "clf.safetensors", 8);
    let long = "x".repeat(3000);
    let hostile = format!("<script>alert(1)</script> #set page(width: 1pt) \"]); نموذج التصنيف {long}");
    ok_json(
        ws,
        "alice@example.com",
        &[
            "register",
            s(&m),
            "--model",
            "clf",
            "--parent",
            "base@1.0.0",
            "--relation",
            "finetune",
            "--trained-on",
            s(&data),
            "--param",
            "lr=3e-5",
            "-m",
            &hostile,
        ],
    );
    ok_json(
        ws,
        "bob@example.com",
        &[
            "approve",
            "clf@1.0.0",
            "--decision",
            "approved",
            "--role",
            "validator",
            "--justification",
            "<img src=x onerror=alert(2)> מודל תקין",
        ],
    );
    ok_json(
        ws,
        "alice@example.com",
        &["evaluate", "clf@1.0.0", "--dataset", "train@1", "--metric", "auc=0.91", "--slice", "age=65+", "--threshold", ">= 0.8"],
    );
    ok_json(ws, "alice@example.com", &["deploy", "clf@1.0.0", "--env", "staging", "--reason", "try"]);
    "clf@1.0.0"
}

#[test]
fn a_report_bundle_has_every_part_verifies_offline_and_escapes_hostile_text() {
    let ws = Ws::new();
    let r = governed(&ws);
    let out_dir = ws.dir.path().join("bundle");
    let b = ok_json(&ws, "alice@example.com", &["report", r, "--out", s(&out_dir)]);
    let files: Vec<&str> = b["files"].as_array().unwrap().iter().map(|f| f["path"].as_str().unwrap()).collect();
    for f in [
        "report.json",
        "report.html",
        "report.pdf",
        "mlbom.cdx.json",
        "model-card.md",
        "log/checkpoint.txt",
        "log/entries.jsonl",
        "log/proofs.json",
        "keys/ed25519.pub",
        "VERIFY.md",
    ] {
        assert!(files.contains(&f), "{f} missing from {files:?}");
    }
    assert!(out_dir.join("MANIFEST.intoto.json").is_file());
    let v = ok_json(&ws, "alice@example.com", &["verify", s(&out_dir)]);
    assert_eq!(v["ok"], true, "{v:#}");

    // report.json is canonical JSON and names what the catalog holds.
    let raw = std::fs::read_to_string(out_dir.join("report.json")).unwrap();
    let report: Value = serde_json::from_str(&raw).unwrap();
    assert_eq!(raw, pedigree::audit::canonical(&report));
    let show = ok_json(&ws, "alice@example.com", &["show", r]);
    let root = show["version"]["rootDigest"].as_str().unwrap().to_string();
    assert_eq!(report["subject"]["rootDigest"], root.as_str());
    let titles: Vec<String> =
        report["sections"].as_array().unwrap().iter().map(|s| s["title"].as_str().unwrap().to_string()).collect();
    assert!(titles.len() >= 10, "{titles:?}");
    let todos = raw.matches("To be completed by the provider").count();
    assert!(todos >= 5, "unknowns are explicit ({todos})");
    // Who acted, by name and key: the approver's key signs their decision, the registrant's
    // key the registration.
    let bob_fp = ok_json(&ws, "bob@example.com", &["identity", "show"])["fingerprint"].as_str().unwrap().to_string();
    let alice_fp = ok_json(&ws, "alice@example.com", &["identity", "show"])["fingerprint"].as_str().unwrap().to_string();
    let approvals = report["sections"].as_array().unwrap().iter().find(|s| s["id"] == "approvals").unwrap().to_string();
    assert!(approvals.contains("Signed by (key)") && approvals.contains(&bob_fp), "{approvals}");
    assert!(approvals.contains(&format!("whose key {alice_fp} signed the registration")), "{approvals}");
    assert!(raw.contains(&format!("(signed by {alice_fp})")), "the registrant with their key");

    // PDF: real text with the root digest and every heading; hostile strings shown literally.
    let text = pdftotext(&out_dir.join("report.pdf"));
    let flat: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(flat.contains(&root), "root digest in the PDF text");
    for t in titles.iter().chain(std::iter::once(&"Integrity appendix".to_string())) {
        assert!(flat.contains(t.as_str()), "heading {t:?} in the PDF");
    }
    assert!(flat.contains("<script>alert(1)</script>"), "shown literally, not interpreted");
    assert!(flat.contains("#set page(width: 1pt)"));
    let info = Command::new("pdfinfo").arg(out_dir.join("report.pdf")).output().unwrap();
    let info = String::from_utf8_lossy(&info.stdout).to_string();
    assert!(info.contains("Pages:"), "{info}");

    // HTML: escaped, no scripts, self-contained.
    let html = std::fs::read_to_string(out_dir.join("report.html")).unwrap();
    assert!(!html.contains("<script>") && !html.contains("<img src=x"), "hostile markup escaped");
    assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;") && html.contains("&lt;img src=x"));
    assert!(html.contains("<svg") && html.contains("מודל תקין") && html.contains(&root));
    assert!(!html.contains("src=\"http") && !html.contains("<link"), "self-contained: no external resources");

    // ML-BOM: valid CycloneDX 1.6 (official schema, via cyclonedx-python-lib).
    super::history::schema_valid(&out_dir.join("mlbom.cdx.json"));
    let bom: Value = serde_json::from_slice(&std::fs::read(out_dir.join("mlbom.cdx.json")).unwrap()).unwrap();
    assert_eq!(bom["metadata"]["component"]["hashes"][0]["content"], root.as_str());
    assert_eq!(bom["metadata"]["component"]["pedigree"]["ancestors"][0]["name"], "base");
    assert_eq!(bom["metadata"]["component"]["modelCard"]["quantitativeAnalysis"]["performanceMetrics"][0]["slice"], "age=65+");
}

fn bundle_for_tamper(ws: &Ws) -> PathBuf {
    governed(ws);
    let d = ws.dir.path().join(format!("b{}", fastrand::u32(..)));
    ok_json(ws, "alice@example.com", &["report", "clf@1.0.0", "--out", s(&d)]);
    d
}

fn verify_fails(ws: &Ws, dir: &Path, check: &str) -> String {
    let out = ws.run(&["--json", "verify", s(dir)]);
    assert!(!out.status.success(), "verify should fail after tampering");
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let failed: Vec<&Value> = v["checks"].as_array().unwrap().iter().filter(|c| c["ok"] == false).collect();
    assert!(failed.iter().any(|c| c["name"] == check), "expected {check} to fail: {failed:#?}");
    failed.iter().map(|c| format!("{}: {}", c["name"], c["detail"])).collect::<Vec<_>>().join("\n")
}

#[test]
fn any_one_byte_edit_of_a_bundle_is_caught_with_what_failed() {
    let ws = Ws::new();
    let d = bundle_for_tamper(&ws);
    for (file, at) in
        [("report.json", 40), ("report.pdf", 5000), ("report.html", 300), ("mlbom.cdx.json", 60), ("log/entries.jsonl", 30)]
    {
        let copy = ws.dir.path().join(format!("t-{}", file.replace('/', "_")));
        let out = Command::new("cp").args(["-r", s(&d), s(&copy)]).output().unwrap();
        assert!(out.status.success());
        flip_byte(&copy.join(file), at);
        let detail = verify_fails(&ws, &copy, "file digests");
        assert!(detail.contains(file), "names {file}: {detail}");
    }
    // The manifest itself: its signature fails.
    let copy = ws.dir.path().join("t-manifest");
    Command::new("cp").args(["-r", s(&d), s(&copy)]).output().unwrap();
    let m = copy.join("MANIFEST.intoto.json");
    let text = std::fs::read_to_string(&m).unwrap().replacen("\"payload\": \"ey", "\"payload\": \"ez", 1);
    std::fs::write(&m, text).unwrap();
    verify_fails(&ws, &copy, "manifest signature");
    // An extra file is reported.
    let copy = ws.dir.path().join("t-extra");
    Command::new("cp").args(["-r", s(&d), s(&copy)]).output().unwrap();
    std::fs::write(copy.join("note.txt"), "added later").unwrap();
    assert!(verify_fails(&ws, &copy, "file digests").contains("not listed"));
    // Pinning another key fails.
    let out = ws.run(&["verify", s(&d), "--key", &"ab".repeat(32)]);
    assert!(!out.status.success());
    // The untouched bundle still verifies.
    assert!(ws.run(&["verify", s(&d)]).status.success());
}

#[test]
fn an_edited_audit_entry_fails_its_inclusion_proof_even_when_the_manifest_is_re_signed() {
    // Someone holding the workspace key edits a cited event and re-signs the manifest: the
    // event no longer hashes to its recorded value, and a recomputed hash no longer proves
    // inclusion in the signed checkpoint.
    let ws = Ws::new();
    let d = bundle_for_tamper(&ws);
    let entries = std::fs::read_to_string(d.join("log/entries.jsonl")).unwrap();
    let mut lines: Vec<Value> = entries.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    // The event as it is hashed (its canonical record), with the actor changed and its hash
    // recomputed.
    let mut record: Value = serde_json::from_str(lines[0]["record"].as_str().unwrap()).unwrap();
    record["actor"] = Value::String("mallory@example.com".into());
    let record = pedigree::audit::canonical(&record);
    lines[0]["hash"] = Value::String(pedigree::hash::sha256_hex(record.as_bytes()));
    lines[0]["record"] = Value::String(record);
    let write = |lines: &[Value]| {
        let text: String = lines.iter().map(|l| format!("{}\n", serde_json::to_string(l).unwrap())).collect();
        std::fs::write(d.join("log/entries.jsonl"), text).unwrap();
        resign(&ws, &d);
    };
    // Its author's signature no longer verifies…
    write(&lines);
    let detail = verify_fails(&ws, &d, "audit events");
    assert!(detail.contains("signature does not verify"), "{detail}");
    // …and without it, the recomputed hash does not prove inclusion in the signed checkpoint.
    let o = lines[0].as_object_mut().unwrap();
    o.remove("signer");
    o.remove("signature");
    write(&lines);
    let detail = verify_fails(&ws, &d, "audit events");
    assert!(detail.contains("inclusion proof"), "{detail}");
}

/// Re-signs MANIFEST.intoto.json over the current files with the workspace key.
fn resign(ws: &Ws, d: &Path) {
    use base64::Engine;
    let b64 = base64::engine::general_purpose::STANDARD;
    let m = d.join("MANIFEST.intoto.json");
    let env: Value = serde_json::from_slice(&std::fs::read(&m).unwrap()).unwrap();
    let mut st: Value = serde_json::from_slice(&b64.decode(env["payload"].as_str().unwrap()).unwrap()).unwrap();
    for s in st["subject"].as_array_mut().unwrap() {
        let bytes = std::fs::read(d.join(s["name"].as_str().unwrap())).unwrap();
        s["digest"]["sha256"] = Value::String(pedigree::hash::sha256_hex(&bytes));
    }
    let body = pedigree::audit::canonical(&st).into_bytes();
    let w = pedigree::workspace::Workspace::open(&ws.path()).unwrap();
    let sig = w.signing_key().unwrap().sign(&pedigree::report::bundle::pae(pedigree::report::bundle::PAYLOAD_TYPE, &body));
    let env = serde_json::json!({"payload": b64.encode(&body), "payloadType": pedigree::report::bundle::PAYLOAD_TYPE,
        "signatures": [{"keyid": "x", "sig": b64.encode(sig.as_ref())}]});
    std::fs::write(&m, serde_json::to_vec(&env).unwrap()).unwrap();
}
