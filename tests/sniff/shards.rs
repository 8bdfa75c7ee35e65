//! Sharded Hugging Face checkpoints: the index's weight map must name files of the folder, every
//! shard it names must be there, and registering the folder gives one interface over all shards.

use super::fixtures;
use pedigree::sniff::{SniffError, sniff_folder};

/// A tiny Llama folder whose weights are split over two safetensors shards, as
/// `save_pretrained(max_shard_size=…)` writes them, with `model.safetensors.index.json`.
fn sharded(dir: &std::path::Path, weight_map: &str) {
    fixtures::hf_dir(dir);
    std::fs::remove_file(dir.join("model.safetensors")).unwrap();
    let a = fixtures::safetensors(&[("model.embed_tokens.weight", "BF16", &[32, 8])], &[("format", "pt")]);
    let b =
        fixtures::safetensors(&[("lm_head.weight", "BF16", &[32, 8]), ("model.norm.weight", "BF16", &[8])], &[("format", "pt")]);
    std::fs::write(dir.join("model-00001-of-00002.safetensors"), a).unwrap();
    std::fs::write(dir.join("model-00002-of-00002.safetensors"), b).unwrap();
    let index = format!(r#"{{"metadata": {{"total_size": 1040}}, "weight_map": {weight_map}}}"#);
    std::fs::write(dir.join("model.safetensors.index.json"), index).unwrap();
}

const MAP: &str = r#"{"lm_head.weight": "model-00002-of-00002.safetensors",
  "model.embed_tokens.weight": "model-00001-of-00002.safetensors",
  "model.norm.weight": "model-00002-of-00002.safetensors"}"#;

#[test]
fn a_sharded_checkpoint_is_described_by_its_index() {
    let dir = tempfile::tempdir().unwrap();
    sharded(dir.path(), MAP);
    let s = sniff_folder(dir.path()).unwrap().expect("hf folder");
    assert_eq!(s.metadata["shards.model.safetensors"], "2");
    assert_eq!(s.metadata["sharded_tensors.model.safetensors"], "3");
    assert_eq!(s.metadata["shards_total_size.model.safetensors"], "1040");
}

#[test]
fn an_index_naming_a_missing_or_outside_shard_is_refused() {
    for (map, says) in [
        (MAP.replace("model-00002-of-00002", "model-00003-of-00003"), "missing from the folder"),
        (MAP.replace("model-00002-of-00002.safetensors", "../../etc/passwd"), "not a file in this folder"),
        (r#"{"w": 7}"#.to_string(), "not a file name"),
    ] {
        let dir = tempfile::tempdir().unwrap();
        sharded(dir.path(), &map);
        match sniff_folder(dir.path()) {
            Err(SniffError::Corrupt { reason, .. }) => assert!(reason.contains(says), "{reason}"),
            other => panic!("expected a refusal ({says}), got {other:?}"),
        }
    }
}

#[test]
fn registering_the_folder_gives_one_interface_over_all_shards() {
    let root = tempfile::tempdir().unwrap();
    let dir = root.path().join("tiny-llama");
    sharded(&dir, MAP);
    let ws = root.path().join("ws");
    pedigree::api::init_workspace(&ws).unwrap();
    let mut s = pedigree::api::Session::open(&ws, "tester".into()).unwrap();
    let req = pedigree::api::RegisterRequest {
        paths: vec![dir.display().to_string()],
        model: "tiny-llama".into(),
        ..Default::default()
    };
    let r = pedigree::api::register_version(&mut s, &req, &pedigree::progress::ignore).unwrap();
    let names: Vec<&str> = r.interface.tensors.iter().map(|t| t.name.as_str()).collect();
    assert_eq!(names, ["lm_head.weight", "model.embed_tokens.weight", "model.norm.weight"]);
    assert_eq!(r.format, "huggingface");
}
