//! Integration tests for `pedigree::sniff`: every format's interface from real-layout fixtures,
//! hostile and truncated inputs, unsafe pickles, model folders, and random bytes (never a panic).

#[path = "../common/fixtures.rs"]
mod fixtures;

use std::path::{Path, PathBuf};

mod joblib;
mod keras;
mod libraries;
mod peers;
mod pickles;
mod shards;
mod torchscript;
mod venv;

use fixtures::Dim;
use pedigree::sniff::{Format, SniffError, Sniffed, TensorSpec, sniff_file, sniff_folder};
use proptest::prelude::*;

fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, bytes).expect("write");
    path
}

fn sniff_bytes(name: &str, bytes: &[u8]) -> Result<Sniffed, SniffError> {
    let dir = tempfile::tempdir().expect("tempdir");
    sniff_file(&write(dir.path(), name, bytes))
}

fn spec(name: &str, dtype: &str, shape: &[&str]) -> TensorSpec {
    TensorSpec { name: name.into(), dtype: dtype.into(), shape: shape.iter().map(|s| s.to_string()).collect() }
}

#[track_caller]
fn corrupt_reason(r: Result<Sniffed, SniffError>) -> String {
    match r {
        Err(SniffError::Corrupt { reason, .. }) => reason,
        other => panic!("expected Corrupt, got {other:?}"),
    }
}

#[track_caller]
fn unsafe_imports(r: Result<Sniffed, SniffError>) -> String {
    match r {
        Err(SniffError::UnsafePickle { imports, .. }) => imports,
        other => panic!("expected UnsafePickle, got {other:?}"),
    }
}

// ------------------------------------------------------------------------------- safetensors

#[test]
fn safetensors_interface_and_metadata() {
    let bytes = fixtures::safetensors(
        &[("b.weight", "F32", &[2, 3]), ("a.bias", "BF16", &[3]), ("c.step", "I64", &[])],
        &[("format", "pt")],
    );
    let s = sniff_bytes("model.safetensors", &bytes).unwrap();
    assert_eq!(s.format, Format::Safetensors);
    assert_eq!(
        s.interface.tensors,
        vec![spec("a.bias", "BF16", &["3"]), spec("b.weight", "F32", &["2", "3"]), spec("c.step", "I64", &[])]
    );
    assert_eq!(s.metadata["format"], "pt");
    assert_eq!(s.metadata["tensor_count"], "3");
    assert!(s.interface.inputs.is_empty() && s.interface.task.is_none());
}

#[test]
fn safetensors_without_extension_is_recognised_by_shape() {
    let bytes = fixtures::safetensors(&[("w", "F16", &[4, 4])], &[]);
    let s = sniff_bytes("weights", &bytes).unwrap();
    assert_eq!(s.format, Format::Safetensors);
    assert_eq!(s.interface.tensors, vec![spec("w", "F16", &["4", "4"])]);
}

/// A 640-byte header makes the file start 0x80 0x02, like a protocol-2 pickle.
#[test]
fn safetensors_that_starts_like_a_pickle() {
    let mut name = "w".to_string();
    let bytes = loop {
        let bytes = fixtures::safetensors(&[(&name, "F32", &[2])], &[]);
        if bytes[..2] == [0x80, 0x02] {
            break bytes;
        }
        assert!(bytes[0] < 0x80 || bytes[1] < 0x02, "overshot");
        name.push('w');
    };
    for file in ["model.safetensors", "weights"] {
        let s = sniff_bytes(file, &bytes).unwrap();
        assert_eq!(s.format, Format::Safetensors, "{file}");
        assert_eq!(s.interface.tensors[0].name, name);
    }
}

#[test]
fn safetensors_huge_header_length_is_corrupt() {
    let err = sniff_bytes("model.safetensors", &fixtures::safetensors_with_header_len(1 << 60)).unwrap_err();
    let msg = err.to_string();
    assert!(msg.contains("model.safetensors"), "{msg}");
    assert!(msg.contains("header length"), "{msg}");
    assert!(msg.contains(&(1u64 << 60).to_string()), "{msg}");
    assert!(matches!(err, SniffError::Corrupt { format: "safetensors", .. }));
}

#[test]
fn safetensors_header_longer_than_file_is_corrupt() {
    let reason = corrupt_reason(sniff_bytes("m.safetensors", &fixtures::safetensors_with_header_len(1000)));
    assert!(reason.contains("header length 1000"), "{reason}");
}

#[test]
fn safetensors_empty_or_short_is_corrupt() {
    corrupt_reason(sniff_bytes("model.safetensors", b""));
    corrupt_reason(sniff_bytes("model.safetensors", b"\x02\x00\x00"));
}

#[test]
fn safetensors_bad_header_contents_are_corrupt() {
    let good = fixtures::safetensors(&[("w", "F32", &[2, 2])], &[]);
    // Data section cut short: offsets run past the end.
    corrupt_reason(sniff_bytes("m.safetensors", &good[..good.len() - 1]));
    // Unknown dtype.
    let mut bad = good.clone();
    let at = bad.windows(5).position(|w| w == b"\"F32\"").unwrap();
    bad[at + 1..at + 4].copy_from_slice(b"Q99");
    assert!(corrupt_reason(sniff_bytes("m.safetensors", &bad)).contains("dtype"));
    // Header is not JSON.
    let mut bad = good.clone();
    bad[8] = b'[';
    corrupt_reason(sniff_bytes("m.safetensors", &bad));
}

// ------------------------------------------------------------------------------- ONNX

fn sample_onnx() -> Vec<u8> {
    fixtures::onnx(
        &[
            ("input_ids", fixtures::INT64, &[Dim::P("batch"), Dim::P("sequence")]),
            ("attention_mask", fixtures::INT64, &[Dim::P("batch"), Dim::V(128)]),
            ("fc.weight", fixtures::FLOAT, &[Dim::V(4)]),
        ],
        &[
            ("logits", fixtures::FLOAT, &[Dim::P("batch"), Dim::Unknown, Dim::V(-1)]),
            ("pooled", fixtures::FLOAT16, &[Dim::V(1), Dim::V(8)]),
        ],
        &["fc.weight", "fc.bias"],
    )
}

#[test]
fn onnx_interface_and_metadata() {
    let s = sniff_bytes("model.onnx", &sample_onnx()).unwrap();
    assert_eq!(s.format, Format::Onnx);
    assert_eq!(
        s.interface.inputs,
        vec![spec("input_ids", "INT64", &["batch", "sequence"]), spec("attention_mask", "INT64", &["batch", "128"]),],
        "initializer fc.weight must not be listed as an input"
    );
    assert_eq!(s.interface.outputs, vec![spec("logits", "FLOAT", &["batch", "?", "-1"]), spec("pooled", "FLOAT16", &["1", "8"])]);
    assert_eq!(s.metadata["ir_version"], "8");
    assert_eq!(s.metadata["producer_name"], "pytorch");
    assert_eq!(s.metadata["producer_version"], "2.3.0");
    assert_eq!(s.metadata["opset"], "ai.onnx:17");
    assert_eq!(s.metadata["node_count"], "2");
    assert_eq!(s.metadata["graph_name"], "main_graph");
}

#[test]
fn onnx_truncated_anywhere_is_corrupt() {
    let bytes = sample_onnx();
    let dir = tempfile::tempdir().unwrap();
    for cut in (0..bytes.len()).step_by(7).chain([bytes.len() - 1]) {
        let path = write(dir.path(), "model.onnx", &bytes[..cut]);
        match sniff_file(&path) {
            Err(SniffError::Corrupt { format: "onnx", .. }) => {}
            other => panic!("cut at {cut} of {}: expected Corrupt, got {other:?}", bytes.len()),
        }
    }
}

#[test]
fn onnx_garbage_is_corrupt() {
    corrupt_reason(sniff_bytes("model.onnx", b"this is not a protobuf"));
    corrupt_reason(sniff_bytes("model.onnx", b""));
}

// ------------------------------------------------------------------------------- GGUF

fn sample_gguf() -> Vec<u8> {
    fixtures::gguf(
        "llama",
        &[
            ("token_embd.weight", &[8, 32], fixtures::GGML_F16),
            ("blk.0.attn_q.weight", &[64, 8], fixtures::GGML_Q8_0),
            ("blk.0.ffn_down.weight", &[32, 8], fixtures::GGML_Q4_0),
            ("output_norm.weight", &[8], fixtures::GGML_F32),
        ],
    )
}

#[test]
fn gguf_interface_and_metadata() {
    let s = sniff_bytes("model.gguf", &sample_gguf()).unwrap();
    assert_eq!(s.format, Format::Gguf);
    assert_eq!(s.interface.task.as_deref(), Some("llama"));
    assert_eq!(
        s.interface.tensors,
        vec![
            spec("blk.0.attn_q.weight", "Q8_0", &["64", "8"]),
            spec("blk.0.ffn_down.weight", "Q4_0", &["32", "8"]),
            spec("output_norm.weight", "F32", &["8"]),
            spec("token_embd.weight", "F16", &["8", "32"]),
        ]
    );
    assert_eq!(s.metadata["gguf.version"], "3");
    assert_eq!(s.metadata["tensor_count"], "4");
    assert_eq!(s.metadata["general.architecture"], "llama");
    assert_eq!(s.metadata["general.name"], "Fixture Model");
    assert_eq!(s.metadata["llama.context_length"], "2048");
    assert_eq!(s.metadata["tokenizer.ggml.tokens"], "[string; 4]");
    assert_eq!(s.metadata["tokenizer.ggml.scores"], "[f32; 4]");
}

#[test]
fn gguf_tiny_quantised_rows_are_accepted() {
    let s = sniff_bytes("q.gguf", &fixtures::gguf("llama", &[("w", &[9], fixtures::GGML_Q8_0)])).unwrap();
    assert_eq!(s.interface.tensors, vec![spec("w", "Q8_0", &["9"])]);
}

#[test]
fn gguf_is_recognised_by_magic_whatever_the_name() {
    assert_eq!(sniff_bytes("blob", &sample_gguf()).unwrap().format, Format::Gguf);
}

#[test]
fn gguf_truncated_anywhere_is_corrupt() {
    let bytes = sample_gguf();
    let dir = tempfile::tempdir().unwrap();
    for cut in (0..bytes.len()).step_by(5).chain([bytes.len() - 1]) {
        let path = write(dir.path(), "model.gguf", &bytes[..cut]);
        match sniff_file(&path) {
            Err(SniffError::Corrupt { .. }) => {}
            other => panic!("cut at {cut} of {}: expected Corrupt, got {other:?}", bytes.len()),
        }
    }
}

#[test]
fn gguf_implausible_counts_are_corrupt() {
    let mut bytes = sample_gguf();
    bytes[8..16].copy_from_slice(&(1u64 << 40).to_le_bytes());
    assert!(corrupt_reason(sniff_bytes("m.gguf", &bytes)).contains("tensor count"));
    let mut bytes = sample_gguf();
    bytes[16..24].copy_from_slice(&u64::MAX.to_le_bytes());
    assert!(corrupt_reason(sniff_bytes("m.gguf", &bytes)).contains("metadata count"));
    // A string claiming 2^62 bytes.
    let mut bytes = sample_gguf();
    bytes[24..32].copy_from_slice(&(1u64 << 62).to_le_bytes());
    corrupt_reason(sniff_bytes("m.gguf", &bytes));
}

// ------------------------------------------------------------------------------- pickles

#[test]
fn pickle_posix_system_is_refused() {
    let imports = unsafe_imports(sniff_bytes("model.pkl", &fixtures::pickle_posix_system()));
    assert_eq!(imports, "posix.system");
    // Recognised by its PROTO opcode without the extension too.
    assert_eq!(unsafe_imports(sniff_bytes("model.bin", &fixtures::pickle_posix_system())), "posix.system");
    let err = sniff_bytes("model.pkl", &fixtures::pickle_posix_system()).unwrap_err();
    assert!(err.to_string().contains("model.pkl"));
}

#[test]
fn pickle_stack_global_eval_is_refused() {
    let imports = unsafe_imports(sniff_bytes("m.pickle", &fixtures::pickle_stack_global_eval()));
    assert_eq!(imports, "builtins.eval");
}

#[test]
fn safe_pickle_is_accepted() {
    let s = sniff_bytes("state.pkl", &fixtures::pickle_safe_ordered_dict()).unwrap();
    assert_eq!(s.format, Format::Pickle);
    assert_eq!(s.metadata["imports"], "collections.OrderedDict");
    assert_eq!(s.metadata["protocol"], "2");
    assert_eq!(s.metadata["reduce_count"], "1");
}

#[test]
fn scan_pickle_reports_torch_reconstructors() {
    let scan = pedigree::sniff::scan_pickle(&fixtures::torch_state_dict_pickle()).unwrap();
    assert_eq!(scan.imports, vec!["collections.OrderedDict", "torch.FloatStorage", "torch._utils._rebuild_tensor_v2"]);
    assert!(scan.unsafe_imports.is_empty());
    assert_eq!(scan.protocol, Some(2));
    // OrderedDict() x1 + per tensor: _rebuild_tensor_v2 and OrderedDict() hooks; + _metadata.
    assert_eq!(scan.reduces, 6);
}

#[test]
fn truncated_pickle_is_corrupt() {
    let bytes = fixtures::pickle_safe_ordered_dict();
    for cut in 0..bytes.len() {
        match sniff_bytes("s.pkl", &bytes[..cut]) {
            Err(SniffError::Corrupt { .. }) => {}
            other => panic!("cut at {cut}: {other:?}"),
        }
    }
}

#[test]
fn legacy_torch_file_is_a_pickle() {
    let s = sniff_bytes("model.pt", &fixtures::pytorch_legacy()).unwrap();
    assert_eq!(s.format, Format::Pickle);
    assert_eq!(s.metadata["legacy_torch"], "true");
    assert_eq!(s.metadata["imports"], "collections.OrderedDict,torch.FloatStorage,torch._utils._rebuild_tensor_v2");
}

// ------------------------------------------------------------------------------- zip archives

#[test]
fn torch_zip_checkpoint() {
    let s = sniff_bytes("model.pt", &fixtures::pytorch_zip(false)).unwrap();
    assert_eq!(s.format, Format::Pytorch);
    assert_eq!(s.metadata["archive"], "archive");
    assert_eq!(s.metadata["entries"], "8");
    assert_eq!(s.metadata["imports"], "collections.OrderedDict,torch.FloatStorage,torch._utils._rebuild_tensor_v2");
    assert_eq!(s.metadata["torch_format_version"], "3");
    // The zip magic wins over the name.
    assert_eq!(sniff_bytes("pytorch_model.bin", &fixtures::pytorch_zip(false)).unwrap().format, Format::Pytorch);
}

#[test]
fn torch_zip_with_unsafe_payload_is_refused() {
    let imports = unsafe_imports(sniff_bytes("pytorch_model.bin", &fixtures::pytorch_zip(true)));
    assert_eq!(imports, "posix.system");
}

#[test]
fn torch_zip_truncated_is_corrupt() {
    let bytes = fixtures::pytorch_zip(false);
    for cut in [10, bytes.len() / 2, bytes.len() - 10] {
        corrupt_reason(sniff_bytes("model.pt", &bytes[..cut]));
    }
}

#[test]
fn keras_archive() {
    let s = sniff_bytes("model.keras", &fixtures::keras_zip()).unwrap();
    assert_eq!(s.format, Format::Keras);
    assert_eq!(s.metadata["keras_version"], "3.6.0");
    assert_eq!(s.metadata["class_name"], "Sequential");
    corrupt_reason(sniff_bytes("model.keras", b"not a zip"));
}

#[test]
fn other_zip_is_unknown() {
    let dir = tempfile::tempdir().unwrap();
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    zip.start_file("notes/readme.txt", zip::write::SimpleFileOptions::default()).unwrap();
    std::io::Write::write_all(&mut zip, b"not a model").unwrap();
    let path = write(dir.path(), "bundle.zip", &zip.finish().unwrap().into_inner());
    assert_eq!(sniff_file(&path).unwrap(), Sniffed::unknown());
}

/// The skops file inside an MLflow sklearn folder is described, not left unknown.
#[test]
fn skops_in_an_mlflow_folder_is_described() {
    let dir = tempfile::tempdir().unwrap();
    fixtures::mlflow_dir(dir.path());
    let s = sniff_file(&dir.path().join("model.skops")).unwrap();
    assert_eq!(s.metadata["serialization"], "skops");
    assert_eq!(s.metadata["imports"], "sklearn.linear_model._logistic.LogisticRegression");
    assert_eq!(s.metadata["pickle_risk"], "known");
}

// ------------------------------------------------------------------------------- HDF5

#[test]
fn hdf5_signature() {
    let s = sniff_bytes("weights.h5", &fixtures::hdf5_bytes()).unwrap();
    assert_eq!(s.format, Format::Hdf5);
    assert_eq!(s.metadata["signature_offset"], "0");
    assert_eq!(s.metadata["superblock_version"], "3");
    // After a 512-byte user block.
    let mut bytes = vec![0u8; 512];
    bytes.extend(fixtures::hdf5_bytes());
    let s = sniff_bytes("weights.hdf5", &bytes).unwrap();
    assert_eq!(s.metadata["signature_offset"], "512");
    assert_eq!(sniff_bytes("weights", &bytes).unwrap().format, Format::Hdf5);
    // Named .h5 but no signature.
    corrupt_reason(sniff_bytes("weights.h5", b"\x89HDF nope"));
}

// ------------------------------------------------------------------------------- unknown

#[test]
fn unknown_files_are_not_errors() {
    assert_eq!(sniff_bytes("notes.txt", b"hello\n").unwrap(), Sniffed::unknown());
    assert_eq!(sniff_bytes("empty", b"").unwrap(), Sniffed::unknown());
    assert_eq!(sniff_bytes("model.bin", &[7u8; 100]).unwrap(), Sniffed::unknown());
}

#[test]
fn missing_file_is_io_error() {
    let dir = tempfile::tempdir().unwrap();
    assert!(matches!(sniff_file(&dir.path().join("nope.onnx")), Err(SniffError::Io { .. })));
    assert!(matches!(sniff_file(dir.path()), Err(SniffError::Io { .. })));
}

// ------------------------------------------------------------------------------- folders

fn mlflow_folder(mlmodel: &str) -> Sniffed {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "MLmodel", mlmodel.as_bytes());
    sniff_folder(dir.path()).unwrap().expect("mlflow folder")
}

#[test]
fn mlflow_logged_sklearn_folder() {
    let dir = tempfile::tempdir().unwrap();
    fixtures::mlflow_dir(dir.path());
    let s = sniff_folder(dir.path()).unwrap().expect("mlflow folder");
    assert_eq!(s.format, Format::Mlflow);
    assert_eq!(s.interface.task.as_deref(), Some("mlflow:sklearn"));
    assert_eq!(s.metadata["flavors"], "python_function,sklearn");
    assert_eq!(s.metadata["mlflow_version"], "3.17.2");
    assert_eq!(s.metadata["model_uuid"], "m-cf97b400adb841ffbdb7ebcf728afbd7");
    assert_eq!(s.metadata["run_id"], "e85e3b0cdcd74096a1c2f0a72f222f2a");
    assert_eq!(s.metadata["python_version"], "3.11.7");
    assert_eq!(s.metadata["flavor.sklearn.sklearn_version"], "1.9.1");
    assert_eq!(s.interface.inputs, vec![spec("col0", "float64", &["-1", "4"])]);
    assert_eq!(s.interface.outputs, vec![spec("col0", "int64", &["-1"])]);
}

#[test]
fn mlflow_saved_sklearn_and_pyfunc() {
    let s = mlflow_folder(fixtures::MLMODEL_SKLEARN);
    assert_eq!(s.metadata["model_uuid"], "29da8e77ac614a0b96aaa6aead76aef1");
    assert!(!s.metadata.contains_key("run_id"));
    assert_eq!(s.interface.inputs, vec![spec("col0", "float64", &["-1", "4"])]);

    let s = mlflow_folder(fixtures::MLMODEL_PYFUNC);
    assert_eq!(s.interface.task.as_deref(), Some("mlflow:python_function"));
    assert_eq!(s.metadata["flavors"], "python_function");
    assert_eq!(s.metadata["flavor.python_function.cloudpickle_version"], "3.1.3");
    assert!(s.interface.inputs.is_empty() && s.interface.outputs.is_empty());
}

#[test]
fn mlflow_column_signature() {
    let s = mlflow_folder(fixtures::MLMODEL_COLUMNS);
    assert_eq!(
        s.interface.inputs,
        vec![spec("sepal length (cm)", "double", &[]), spec("sepal width (cm)", "double", &[]), spec("col2", "string", &[]),]
    );
    assert_eq!(s.interface.outputs, vec![spec("species", "long", &[])]);
}

#[test]
fn mlflow_broken_mlmodel_is_corrupt() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "MLmodel", b"flavors: [unclosed\n");
    assert!(matches!(sniff_folder(dir.path()), Err(SniffError::Corrupt { format: "mlflow", .. })));
    write(dir.path(), "MLmodel", b"signature:\n  inputs: '[{not json'\n");
    assert!(matches!(sniff_folder(dir.path()), Err(SniffError::Corrupt { format: "mlflow", .. })));
}

#[test]
fn huggingface_folder_with_card() {
    let dir = tempfile::tempdir().unwrap();
    fixtures::hf_dir(dir.path());
    let s = sniff_folder(dir.path()).unwrap().expect("hf folder");
    assert_eq!(s.format, Format::Huggingface);
    assert_eq!(s.interface.task.as_deref(), Some("LlamaForCausalLM"));
    assert_eq!(s.metadata["model_type"], "llama");
    assert_eq!(s.metadata["architectures"], "LlamaForCausalLM");
    assert_eq!(s.metadata["torch_dtype"], "bfloat16");
    assert_eq!(s.metadata["card.license"], "apache-2.0");
    assert_eq!(s.metadata["card.base_model"], "meta-llama/Llama-3.2-1B");
    assert_eq!(s.metadata["card.base_model_relation"], "finetune");
    assert_eq!(s.metadata["card.pipeline_tag"], "text-generation");
    assert_eq!(s.metadata["card.library_name"], "transformers");
    assert_eq!(s.metadata["card.datasets"], "HuggingFaceH4/ultrachat_200k,Open-Orca/SlimOrca");
    assert_eq!(s.metadata["card.language"], "en,fr");
    assert!(!s.metadata.contains_key("card.tags"));
    // The weights inside are sniffable on their own.
    let w = sniff_file(&dir.path().join("model.safetensors")).unwrap();
    assert_eq!(w.interface.tensors.len(), 4);
    assert_eq!(w.interface.tensors[0], spec("lm_head.weight", "BF16", &["32", "8"]));
}

#[test]
fn huggingface_folder_without_card_and_plain_folders() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "config.json", br#"{"model_type": "bert"}"#);
    let s = sniff_folder(dir.path()).unwrap().unwrap();
    assert_eq!(s.interface.task.as_deref(), Some("bert"));
    assert!(!s.metadata.keys().any(|k| k.starts_with("card.")));

    let plain = tempfile::tempdir().unwrap();
    write(plain.path(), "config.json", br#"{"learning_rate": 0.1}"#);
    write(plain.path(), "notes.txt", b"hi");
    assert_eq!(sniff_folder(plain.path()).unwrap(), None);
    assert_eq!(sniff_folder(&plain.path().join("notes.txt")).unwrap(), None);
}

// ------------------------------------------------------------------------------- large files

/// Multi-GB files (sparse, so no disk is used) are sniffed from their headers only.
#[test]
fn large_files_are_read_with_bounded_reads() {
    let dir = tempfile::tempdir().unwrap();
    let start = std::time::Instant::now();

    let st = dir.path().join("big.safetensors");
    fixtures::write_large_safetensors(&st, 1 << 20); // 4 GiB of data
    let s = sniff_file(&st).unwrap();
    assert_eq!(s.interface.tensors, vec![spec("w", "F32", &["1048576", "1024"])]);

    let onnx = dir.path().join("big.onnx");
    fixtures::write_onnx_with_large_initializer(&onnx, 1 << 31); // a 2 GiB initializer
    let s = sniff_file(&onnx).unwrap();
    assert_eq!(s.interface.inputs, vec![spec("x", "FLOAT", &["N", "4"])]);
    assert_eq!(s.interface.outputs, vec![spec("y", "FLOAT", &["N", "4"])]);

    assert!(start.elapsed() < std::time::Duration::from_secs(20), "took {:?}", start.elapsed());
}

// ------------------------------------------------------------------------------- robustness

const NAMES: [&str; 7] = ["x.safetensors", "x.onnx", "x.gguf", "x.pkl", "x.pt", "x.keras", "x.h5"];

fn valid_samples() -> Vec<(&'static str, Vec<u8>)> {
    vec![
        ("m.safetensors", fixtures::safetensors(&[("w", "F32", &[2, 2])], &[("k", "v")])),
        ("m.onnx", sample_onnx()),
        ("m.gguf", sample_gguf()),
        ("m.pkl", fixtures::torch_state_dict_pickle()),
        ("m.pt", fixtures::pytorch_zip(false)),
        ("m.pt", fixtures::pytorch_legacy()),
        ("m.keras", fixtures::keras_zip()),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    #[test]
    fn random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..1024), magic in 0usize..5) {
        let prefix: &[u8] = [&b""[..], b"GGUF\x03\x00\x00\x00", b"PK\x03\x04", b"\x80\x02", b"\x10\x00\x00\x00\x00\x00\x00\x00{"][magic];
        let mut data = prefix.to_vec();
        data.extend_from_slice(&bytes);
        let dir = tempfile::tempdir().unwrap();
        for name in NAMES {
            let _ = sniff_file(&write(dir.path(), name, &data));
        }
    }

    #[test]
    fn mutated_fixtures_never_panic(which in 0usize..7, edits in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..8), cut in any::<prop::sample::Index>()) {
        let samples = valid_samples();
        let (name, mut bytes) = samples[which].clone();
        for (at, b) in edits {
            let i = at.index(bytes.len());
            bytes[i] = b;
        }
        let keep = cut.index(bytes.len() + 1);
        let dir = tempfile::tempdir().unwrap();
        let _ = sniff_file(&write(dir.path(), name, &bytes));
        let _ = sniff_file(&write(dir.path(), name, &bytes[..keep]));
    }
}

/// Writes every fixture to `$PEDIGREE_FIXTURE_DUMP` (when set) so the reference readers
/// (safetensors, onnx.checker, gguf-py, h5py, pickletools, zipfile) can re-validate them.
#[test]
fn dump_fixtures_for_external_validation() {
    let Some(out) = std::env::var_os("PEDIGREE_FIXTURE_DUMP") else { return };
    let out = PathBuf::from(out);
    std::fs::create_dir_all(&out).unwrap();
    for (name, bytes) in [
        (
            "model.safetensors",
            fixtures::safetensors(&[("b.weight", "F32", &[2, 3]), ("a.bias", "BF16", &[3])], &[("format", "pt")]),
        ),
        ("model.onnx", sample_onnx()),
        ("model.gguf", sample_gguf()),
        ("posix_system.pkl", fixtures::pickle_posix_system()),
        ("stack_global_eval.pkl", fixtures::pickle_stack_global_eval()),
        ("ordered_dict.pkl", fixtures::pickle_safe_ordered_dict()),
        ("torch_legacy.pt", fixtures::pytorch_legacy()),
        ("torch_safe.pt", fixtures::pytorch_zip(false)),
        ("torch_unsafe.pt", fixtures::pytorch_zip(true)),
        ("model.keras", fixtures::keras_zip()),
        ("empty.h5", fixtures::hdf5_bytes()),
    ] {
        write(&out, name, &bytes);
    }
    fixtures::write_onnx_with_large_initializer(&out.join("big_init.onnx"), 1 << 20);
    fixtures::write_large_safetensors(&out.join("big.safetensors"), 16);
    fixtures::mlflow_dir(&out.join("mlflow"));
    fixtures::hf_dir(&out.join("hf"));
}
