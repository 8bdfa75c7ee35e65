//! `pedigree diff A B`: from the catalog alone, which files, tensors (down to whose bytes
//! changed), imports, params, metrics and links differ, and the bump the policy would give.

use super::common::{Ws, s};
use super::fixtures;

fn model(tensors: &[(&str, &str, &[u64])]) -> Vec<u8> {
    fixtures::safetensors(tensors, &[("format", "pt")])
}

#[test]
fn a_fine_tune_that_touched_only_the_head_says_so() {
    let w = Ws::new();
    let base = model(&[("body.weight", "F32", &[4, 4]), ("head.weight", "F32", &[2, 4])]);
    let mut tuned = base.clone();
    *tuned.last_mut().unwrap() = 7; // the last byte belongs to head.weight, laid out last
    let a = w.write("v1/model.safetensors", &base);
    let b = w.write("v2/model.safetensors", &tuned);
    w.json(&["register", s(&a), "--model", "clf", "--param", "lr=1e-3", "--metric", "f1=0.80"]);
    w.json(&["register", s(&b), "--model", "clf", "--param", "lr=3e-4", "--metric", "f1=0.85", "--code", "git+https://x/y@abc"]);
    let d = w.json(&["diff", "clf@1.0.0", "clf@1.1.0"]);
    assert_eq!(d["tensors"]["changed"], serde_json::json!(["head.weight"]), "{d}");
    assert_eq!(d["tensors"]["reshaped"], serde_json::json!([]));
    assert_eq!(d["tensors"]["digestsKnown"], true);
    assert_eq!(d["files"]["changed"], serde_json::json!(["model.safetensors"]));
    assert_eq!(d["bump"]["bump"], "minor");
    assert_eq!(d["params"][0], serde_json::json!({"name": "lr", "a": "1e-3", "b": "3e-4"}));
    assert_eq!(d["metrics"][0]["name"], "f1");
    assert!((d["metrics"][0]["delta"].as_f64().unwrap() - 0.05).abs() < 1e-9, "{d}");
    assert_eq!(d["links"]["added"], serde_json::json!(["built_from → code:git+https://x/y@abc"]));
    for key in ["files", "tensors", "imports", "params", "metrics", "links", "bump"] {
        assert!(d.get(key).is_some(), "{key} missing from {d}");
    }
    let human = super::common::stdout(&w.run(&["diff", "clf@1.0.0", "clf@1.1.0"]));
    assert!(human.contains("bytes changed head.weight"), "{human}");
}

#[test]
fn an_interface_change_is_major_with_the_reason() {
    let w = Ws::new();
    let a = w.write("v1/m.safetensors", &model(&[("head.weight", "F32", &[2, 4])]));
    let b = w.write("v2/m.safetensors", &model(&[("head.weight", "F32", &[3, 4]), ("extra", "F32", &[1])]));
    w.json(&["register", s(&a), "--model", "m"]);
    w.json(&["register", s(&b), "--model", "m", "--version", "1.1.0"]);
    let d = w.json(&["diff", "m@1.0.0", "m@1.1.0"]);
    assert_eq!(d["tensors"]["reshaped"], serde_json::json!(["head.weight"]));
    assert_eq!(d["tensors"]["added"], serde_json::json!(["extra"]));
    assert_eq!(d["bump"]["bump"], "major", "{d}");
    assert!(d["bump"]["reason"].as_str().unwrap().contains("tensor `head.weight` F32[2,4] → F32[3,4]"), "{d}");
    let err = w.fails(&["diff", "m@1.0.0", "m@9.9.9"]);
    assert!(err.contains("m@9.9.9 is not registered"), "{err}");
}

#[test]
fn gguf_tensors_are_digested_too() {
    let w = Ws::new();
    let base = fixtures::gguf("llama", &[("token_embd.weight", &[8, 4], 0), ("output.weight", &[8, 4], 0)]);
    let mut tuned = base.clone();
    *tuned.last_mut().unwrap() ^= 1;
    let a = w.write("v1/m.gguf", &base);
    let b = w.write("v2/m.gguf", &tuned);
    w.json(&["register", s(&a), "--model", "g"]);
    w.json(&["register", s(&b), "--model", "g"]);
    let d = w.json(&["diff", "g@1.0.0", "g@1.1.0"]);
    assert_eq!(d["tensors"]["digestsKnown"], true, "{d}");
    assert_eq!(d["tensors"]["changed"].as_array().unwrap().len(), 1, "exactly one tensor's bytes changed: {d}");
}
