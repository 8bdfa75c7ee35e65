//! Third-party tools agree with Pedigree's digests: the root digest of a registered folder is
//! the subject digest the real `model_signing` 1.1.1 (PyPI) signs for that folder.
//! Lineage goes out as PROV-JSON the `prov` package round-trips, and in and out as OpenLineage
//! events `openlineage-python` writes and reads (see `openlineage`).
//! `make test` installs them in a venv and sets PEDIGREE_INTEROP_PYTHON.

#[path = "../common/mod.rs"]
mod common;
mod openlineage;
#[path = "../common/server.rs"]
mod server;
mod wire;

use common::{Ws, s};

#[test]
fn root_digest_equals_model_signing_subject_digest() {
    let python = std::env::var("PEDIGREE_INTEROP_PYTHON")
        .expect("PEDIGREE_INTEROP_PYTHON is not set: run `make test`, which installs model-signing in a venv");
    let w = Ws::new();
    let dir = w.inputs().join("model");
    std::fs::create_dir_all(dir.join("tokenizer")).unwrap();
    std::fs::create_dir_all(dir.join(".git")).unwrap();
    std::fs::write(dir.join("config.json"), r#"{"model_type": "bert"}"#).unwrap();
    std::fs::write(dir.join("weights.bin"), vec![7u8; 3 << 20]).unwrap();
    std::fs::write(dir.join("tokenizer/vocab.txt"), "a\nb\n").unwrap();
    std::fs::write(dir.join("Zeta.md"), "capital letters sort first").unwrap();
    std::fs::write(dir.join(".git/HEAD"), "ignored by both").unwrap();
    std::fs::write(dir.join(".gitignore"), "ignored by both").unwrap();
    let ours = w.json(&["register", s(&dir), "--model", "m"])["rootDigest"].as_str().unwrap().to_string();
    let script = "import sys, model_signing\n\
                  from model_signing._signing.signing import Payload\n\
                  print(Payload(model_signing.hashing.hash(sys.argv[1])).statement.pb.subject[0].digest['sha256'])";
    let out = std::process::Command::new(python).args(["-c", script, s(&dir)]).output().unwrap();
    assert!(out.status.success(), "model_signing failed: {}", common::stderr(&out));
    assert_eq!(common::stdout(&out).trim(), ours);
}

#[path = "../common/fixtures.rs"]
mod fixtures;

/// base@1.0.0 (trained on a folder, by run `train-1`, from a git commit) and its fine-tune
/// tuned@1.0.0; returns base's file.
pub fn small_lineage(w: &Ws) -> std::path::PathBuf {
    let data = w.write("faces/rows.csv", b"id,label\n1,a\n");
    let base = w.write("base/model.safetensors", &fixtures::safetensors(&[("w", "F32", &[4])], &[]));
    let ft = w.write("ft/model.safetensors", &fixtures::safetensors(&[("w", "F32", &[8])], &[]));
    let code = "git+https://github.com/acme/train@0123456789abcdef";
    let trained_on = s(data.parent().unwrap());
    w.json(&["register", s(&base), "--model", "base", "--trained-on", trained_on, "--run", "train-1", "--code", code]);
    w.json(&["register", s(&ft), "--model", "tuned", "--parent", "base@1.0.0", "--relation", "finetune"]);
    base
}

/// Python: loads a PROV-JSON file with the `prov` package, serialises it back, loads that again
/// and checks both documents are equal; prints what it read.
const PROV_ROUND_TRIP: &str = r#"
import sys, json, prov
from prov.model import ProvDocument
doc = prov.read(sys.argv[1], format="json")
again = ProvDocument.deserialize(content=doc.serialize(format="json"), format="json")
assert doc == again, "PROV-JSON does not round-trip"
kinds = {}
for r in doc.get_records():
    kinds[r.get_type().localpart] = kinds.get(r.get_type().localpart, 0) + 1
derived = [dict((str(k), str(v)) for k, v in r.attributes) for r in doc.get_records() if r.get_type().localpart == "Derivation"]
print(json.dumps({"kinds": kinds, "derived": derived}))
"#;

#[test]
fn lineage_exported_as_prov_json_loads_in_the_prov_package_and_round_trips() {
    let python = std::env::var("PEDIGREE_INTEROP_PYTHON").expect("PEDIGREE_INTEROP_PYTHON is not set: run `make test`");
    let w = Ws::new();
    small_lineage(&w);
    let out = w.run(&["lineage", "tuned@1.0.0", "--up", "4", "--down", "0", "--format", "prov"]);
    assert!(out.status.success(), "{}", common::stderr(&out));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["activity"]["run:train-1"]["prov:type"]["$"], "pedigree:Run", "{doc}");
    let file = w.dir.path().join("lineage.prov.json");
    std::fs::write(&file, &out.stdout).unwrap();
    let read = std::process::Command::new(python).args(["-c", PROV_ROUND_TRIP, s(&file)]).output().unwrap();
    assert!(read.status.success(), "prov failed: {}", common::stderr(&read));
    let read: serde_json::Value = serde_json::from_str(common::stdout(&read).trim()).unwrap();
    let kinds = &read["kinds"];
    // tuned, base (versions), two models, the dataset, the code: entities; the run: an activity.
    assert_eq!((kinds["Entity"].as_u64(), kinds["Activity"].as_u64()), (Some(6), Some(1)), "{read}");
    assert_eq!((kinds["Generation"].as_u64(), kinds["Specialization"].as_u64()), (Some(1), Some(2)), "{read}");
    assert!(kinds["Usage"].as_u64().unwrap() >= 2, "the run used the data and the code: {read}");
    let derived = read["derived"].as_array().unwrap();
    assert!(
        derived.iter().any(|d| d.to_string().contains("version:base@1.0.0") && d.to_string().contains("finetune")),
        "the fine-tune derives from its parent, with the relation: {read}"
    );
}
