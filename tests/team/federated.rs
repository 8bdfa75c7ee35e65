//! Federated bundles across organisations: Alice's versions with their lineage and history go
//! to Dave's workspace (another organisation, no shared roster) as a file signed by Alice; Dave
//! trusts her key and nothing else.

use super::Member;
use super::common::s;
use serde_json::Value;

/// Alice registers `base` trained on a dataset, then `tuned` fine-tuned from it; Bob (validator
/// in Alice's team) approves `tuned`. Returns Alice and the two versions.
fn alice_models() -> (Member, Member, String, String) {
    let (a, b) = (Member::new("alice@example.com"), Member::new("bob@example.com"));
    a.ok(&["identity", "set", "--name", "Alice", "--email", "alice@example.com"]);
    a.ok(&["team", "init", "--name", "Alice"]);
    a.ok(&["team", "add", &b.key(), "--name", "Bob", "--role", "validator"]);
    let data = a.ws.write("train.csv", b"x,y\n1,2\n3,4\n");
    let f = a.ws.write("base.safetensors", &super::fixtures::safetensors(&[("w", "F32", &[8])], &[]));
    let base = a.ok(&["register", s(&f), "--model", "base", "--trained-on", s(&data), "--metric", "auc=0.81"]);
    let base = format!("base@{}", base["version"].as_str().unwrap());
    let f = a.ws.write("tuned.safetensors", &super::fixtures::safetensors(&[("w", "F32", &[12])], &[]));
    let tuned = a.ok(&["register", s(&f), "--model", "tuned", "--parent", &base, "--relation", "finetune"]);
    let tuned = format!("tuned@{}", tuned["version"].as_str().unwrap());
    a.ok(&["remote", "add", "team", "ledger", &format!("file://{}", a.ws.inputs().join("ledger").display())]);
    a.sync();
    b.ok(&[
        "remote",
        "add",
        "team",
        "ledger",
        &format!("file://{}", a.ws.inputs().join("ledger").display()),
        "--trust",
        &a.key(),
    ]);
    b.sync();
    b.ok(&["approve", &tuned, "--decision", "approved", "--role", "validator", "--justification", "holdout AUC 0.91"]);
    b.sync();
    a.sync();
    (a, b, base, tuned)
}

fn export(a: &Member, what: &[&str], name: &str) -> std::path::PathBuf {
    let out = a.ws.inputs().join(name);
    let mut args = vec!["bundle", "export"];
    args.extend_from_slice(what);
    args.extend_from_slice(&["--out", s(&out)]);
    let res = a.ok(&args);
    assert_eq!(res["file"].as_str(), Some(s(&out)));
    out
}

fn versions(m: &Member, model: &str) -> usize {
    let out = m.run(&["versions", model, "--json"]);
    if !out.status.success() {
        return 0;
    }
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    v["versions"].as_array().map_or(0, Vec::len)
}

#[test]
fn a_bundle_brings_versions_lineage_and_history_signed_by_a_foreign_person() {
    let (a, _b, base, tuned) = alice_models();
    let file = export(&a, &[&tuned], "tuned.pdgbundle");
    let d = Member::new("dave@other.org");
    let res = d.ok(&["bundle", "import", s(&file), "--trust", &a.key()]);
    assert_eq!(res["imported"], serde_json::json!([base, tuned]), "parents first: {res}");
    assert!(res["signer"].as_str().unwrap().contains("Alice"), "{res}");
    assert!(res["events"].as_u64().unwrap() >= 3, "registrations and Bob's approval carried: {res}");

    // Same bytes, same lineage: fine-tuned from base, trained on the dataset, imported from the bundle.
    let theirs = a.ok(&["show", &tuned]);
    let ours = d.ok(&["show", &tuned]);
    assert_eq!(ours["version"]["rootDigest"], theirs["version"]["rootDigest"]);
    let up = |v: &Value, kind: &str| {
        v["upstream"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["kind"] == kind)
            .map(|e| e["to"].as_str().unwrap().to_string())
            .collect::<Vec<_>>()
    };
    assert_eq!(up(&ours, "derived_from"), vec![format!("version:{base}")]);
    assert_eq!(up(&ours, "imported_from").len(), 1, "{ours}");
    assert!(ours["version"]["message"].as_str().unwrap().contains("signed by Alice"), "{ours}");
    let base_here = d.ok(&["show", &base]);
    assert_eq!(up(&base_here, "trained_on").len(), 1, "the dataset arrives as what the bundle says of it: {base_here}");
    assert_eq!(base_here["version"]["metrics"]["auc"], 0.81);

    // The import events keep the foreign history, Bob's approval among it, each as signed.
    let log = d.ok(&["audit", "log", "--subject", &format!("version:{tuned}")]);
    let import = log["events"].as_array().unwrap().iter().find(|e| e["action"] == "bundle_import").unwrap().clone();
    let payload: Value = serde_json::from_str(import["payload"].as_str().unwrap()).unwrap();
    let carried = payload["events"].as_array().unwrap();
    assert!(carried.iter().any(|e| e["record"].as_str().unwrap().contains("\"action\":\"approve\"")), "{payload}");
    assert!(carried.iter().all(|e| e["signer"].is_string()), "{payload}");
    d.verify();

    // Importing again makes nothing twice.
    let again = d.ok(&["bundle", "import", s(&file), "--trust", &a.key()]);
    assert_eq!(again["imported"], serde_json::json!([]));
    assert_eq!(again["already"].as_array().unwrap().len(), 2, "{again}");
    assert_eq!(versions(&d, "tuned"), 1);
}

#[test]
fn a_bundle_from_another_key_or_altered_is_refused_and_writes_nothing() {
    let (a, b, _base, tuned) = alice_models();
    let file = export(&a, &[&tuned], "tuned.pdgbundle");
    let d = Member::new("dave@other.org");

    // Signed by Alice, but Dave was told to trust Bob's key: refused.
    let err = d.refused(&["bundle", "import", s(&file), "--trust", &b.key()]);
    assert!(err.contains("not by the key you trust") && err.contains("nothing was imported"), "{err}");
    let err = d.refused(&["bundle", "import", s(&file), "--trust", "not a key"]);
    assert!(err.contains("--trust takes"), "{err}");

    // One byte of a model file flipped inside the bundle: refused while streaming it.
    let bytes = std::fs::read(&file).unwrap();
    let weights = std::fs::read(a.ws.inputs().join("tuned.safetensors")).unwrap();
    let at = bytes.windows(weights.len()).position(|w| w == weights.as_slice()).expect("the file's bytes are in the bundle");
    let mut flipped = bytes.clone();
    flipped[at + weights.len() - 1] ^= 1;
    let bad = d.ws.write("flipped.pdgbundle", &flipped);
    let err = d.refused(&["bundle", "import", s(&bad), "--trust", &a.key()]);
    assert!(err.contains("do not hash to their digest"), "{err}");

    // The body altered (a metric raised): its signature no longer verifies.
    let text = String::from_utf8_lossy(&bytes).to_string();
    let forged = d.ws.write("forged.pdgbundle", text.replacen("\"auc\":0.81", "\"auc\":0.99", 1).as_bytes());
    let err = d.refused(&["bundle", "import", s(&forged), "--trust", &a.key()]);
    assert!(err.contains("does not verify"), "{err}");
    assert_eq!(versions(&d, "tuned") + versions(&d, "base"), 0, "nothing was written");
    d.verify();
}

#[test]
fn a_name_taken_here_needs_a_prefix_and_a_bundle_without_bytes_needs_them_here() {
    let (a, _b, base, tuned) = alice_models();
    let d = Member::new("dave@other.org");
    // Dave has a model called `base` of his own, with other bytes.
    d.register("base", 3);
    let file = export(&a, &[&tuned], "tuned.pdgbundle");
    let err = d.refused(&["bundle", "import", s(&file), "--trust", &a.key()]);
    assert!(err.contains("exists here with other bytes") && err.contains("--prefix"), "{err}");
    let res = d.ok(&["bundle", "import", s(&file), "--trust", &a.key(), "--prefix", "alice-"]);
    assert_eq!(res["imported"], serde_json::json!([format!("alice-{base}"), format!("alice-{tuned}")]));
    let shown = d.ok(&["show", &format!("alice-{tuned}")]);
    assert!(shown["upstream"].as_array().unwrap().iter().any(|e| e["to"] == format!("version:alice-{base}")), "{shown}");

    // Without bytes: refused where the files are not here, imported where they are.
    let thin = a.ws.inputs().join("thin.pdgbundle");
    let res = a.ok(&["bundle", "export", &base, "--out", s(&thin), "--no-bytes"]);
    assert_eq!(res["objects"], 0);
    assert!(std::fs::metadata(&thin).unwrap().len() < std::fs::metadata(&file).unwrap().len());
    let e = Member::new("erin@third.org");
    let err = e.refused(&["bundle", "import", s(&thin), "--trust", &a.key()]);
    assert!(err.contains("exported without bytes"), "{err}");
    // Erin gets the same file another way (registered as a model of her own), then imports.
    e.ok(&["register", s(&a.ws.inputs().join("base.safetensors")), "--model", "received"]);
    let res = e.ok(&["bundle", "import", s(&thin), "--trust", &a.key()]);
    assert_eq!(res["imported"], serde_json::json!([base]));
    e.verify();
    // Dave imported that version before (under alice-): it is not made twice.
    let res = d.ok(&["bundle", "import", s(&thin), "--trust", &a.key(), "--prefix", "thin-"]);
    assert_eq!(res["already"], serde_json::json!([format!("alice-{base}")]));
}
