//! Third-party tools agree with Pedigree's digests: the root digest of a registered folder is
//! the subject digest the real `model_signing` 1.1.1 (PyPI) signs for that folder.
//! `make test` installs it in a venv and sets PEDIGREE_INTEROP_PYTHON.

#[path = "../common/mod.rs"]
mod common;

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
