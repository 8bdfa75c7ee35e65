//! Keras 3 `.keras` archives, built as Keras 3 writes them (`model.save("m.keras")`: a zip of
//! `metadata.json`, `config.json` and `model.weights.h5`; every object in the config is
//! `{"module", "class_name", "config", "registered_name", "build_config"}`). Keras needs a
//! backend (TensorFlow, JAX or torch) to save a model, each far too large for the test venv, so
//! the configs below are what `keras 3.x` + a CPU backend write for these models, trimmed of
//! fields the sniffer does not read.

use pedigree::registry::semver_policy::Bump;
use pedigree::sniff::{Format, SniffError, sniff_file};

use super::fixtures;
use super::torchscript::{assert_no_crash, mutations};
use super::venv::{register, verdict, workspace};
use super::{spec, write};

const DTYPE: &str = r#"{"module": "keras", "class_name": "DTypePolicy", "config": {"name": "float32"}, "registered_name": null}"#;

fn dense(name: &str, units: u32, input: &str, activation: &str) -> String {
    format!(
        r#"{{"module": "keras.layers", "class_name": "Dense", "config": {{"name": "{name}", "trainable": true, "dtype": {DTYPE}, "units": {units}, "activation": {activation}, "use_bias": true, "kernel_initializer": {{"module": "keras.initializers", "class_name": "GlorotUniform", "config": {{"seed": null}}, "registered_name": null}}}}, "registered_name": null, "build_config": {{"input_shape": {input}}}"#
    )
}

/// `keras.Sequential([keras.Input((4,)), Dense(8, "relu"), Dense(3)])`.
fn sequential() -> String {
    format!(
        r#"{{"module": "keras", "class_name": "Sequential", "config": {{"name": "sequential", "trainable": true, "dtype": {DTYPE}, "layers": [
            {{"module": "keras.layers", "class_name": "InputLayer", "config": {{"batch_shape": [null, 4], "dtype": "float32", "sparse": false, "ragged": false, "name": "input_layer", "optional": false}}, "registered_name": null}},
            {}}},
            {}}}], "build_input_shape": [null, 4]}}, "registered_name": null, "build_config": {{"input_shape": [null, 4]}},
            "compile_config": {{"optimizer": {{"module": "keras.optimizers", "class_name": "Adam", "config": {{"name": "adam", "learning_rate": 0.001}}, "registered_name": null}}, "loss": "mse"}}}}"#,
        dense("dense", 8, "[null, 4]", "\"relu\""),
        dense("dense_1", 3, "[null, 8]", "\"linear\"")
    )
}

/// A Functional model with inputs `tokens` [?, 16] and `extra` [?, 2]; `extra` goes through
/// `layer` (a layer entry's JSON, named `mid`), and the output is `Dense(1)` named `score`.
fn functional(layer: &str) -> String {
    let input = |name: &str, width: u32| {
        format!(
            r#"{{"module": "keras.layers", "class_name": "InputLayer", "config": {{"batch_shape": [null, {width}], "dtype": "int32", "sparse": false, "name": "{name}"}}, "registered_name": null, "name": "{name}", "inbound_nodes": []}}"#
        )
    };
    let tensor = |from: &str| {
        format!(
            r#"{{"class_name": "__keras_tensor__", "config": {{"shape": [null, 16], "dtype": "float32", "keras_history": ["{from}", 0, 0]}}}}"#
        )
    };
    format!(
        r#"{{"module": "keras.src.models.functional", "class_name": "Functional", "config": {{"name": "ranker", "trainable": true, "layers": [
            {}, {},
            {}, "name": "mid", "inbound_nodes": [{{"args": [{}], "kwargs": {{}}}}]}},
            {}, "name": "score", "inbound_nodes": [{{"args": [{}], "kwargs": {{}}}}]}}],
            "input_layers": [["tokens", 0, 0], ["extra", 0, 0]], "output_layers": [["score", 0, 0]]}}, "registered_name": "Functional", "build_config": {{"input_shape": null}}}}"#,
        input("tokens", 16),
        input("extra", 2),
        layer,
        tensor("extra"),
        dense("score", 1, "[null, 16]", "\"sigmoid\""),
        tensor("mid"),
    )
}

/// A `Lambda` layer as Keras 3 writes `Lambda(lambda x: x * 2, name="mid")`: the function is
/// `marshal.dumps(code)` in base64 (a stand-in here; the sniffer never decodes it).
const LAMBDA: &str = r#"{"module": "keras.layers", "class_name": "Lambda", "config": {"name": "mid", "trainable": true, "dtype": {"module": "keras", "class_name": "DTypePolicy", "config": {"name": "float32"}, "registered_name": null}, "function": {"class_name": "__lambda__", "config": {"code": "4wEAAAAAAAAAAAAAAAEAAAADAAAAQwAAAHMIAAAAfABkARQAUwApAk7pAgAAAKkAKQHaAXhyAgAAAHICAAAA+gg8c3RkaW4+2gg8bGFtYmRhPgEAAABzAgAAAAgA", "defaults": null, "closure": null}}, "arguments": {}}, "registered_name": null, "build_config": {"input_shape": [null, 2]}"#;

/// A custom layer registered with `@keras.saving.register_keras_serializable("acme")`.
const CUSTOM: &str = r#"{"module": "acme.layers", "class_name": "Gate", "config": {"name": "mid", "trainable": true, "dtype": {"module": "keras", "class_name": "DTypePolicy", "config": {"name": "float32"}, "registered_name": null}, "units": 16}, "registered_name": "acme>Gate", "build_config": {"input_shape": [null, 2]}"#;

fn keras_file(config: &str, version: &str) -> Vec<u8> {
    let metadata = format!(r#"{{"keras_version": "{version}", "date_saved": "2026-11-02@10:15:44"}}"#);
    let h5 = fixtures::hdf5_bytes();
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for (name, data) in [("metadata.json", metadata.as_bytes()), ("config.json", config.as_bytes()), ("model.weights.h5", &h5)] {
        zip.start_file(name, zip::write::SimpleFileOptions::default()).unwrap();
        std::io::Write::write_all(&mut zip, data).unwrap();
    }
    zip.finish().unwrap().into_inner()
}

#[test]
fn a_sequential_model_has_its_shapes_layers_and_keras_version() {
    let dir = tempfile::tempdir().unwrap();
    let s = sniff_file(&write(dir.path(), "m.keras", &keras_file(&sequential(), "3.6.0"))).unwrap();
    assert_eq!(s.format, Format::Keras);
    assert_eq!(s.interface.inputs, vec![spec("input_layer", "float32", &["?", "4"])]);
    assert_eq!(s.interface.outputs, vec![spec("dense_1", "float32", &["?", "3"])]);
    assert_eq!(s.interface.task.as_deref(), Some("Sequential"));
    assert_eq!(s.interface.libraries.as_ref().unwrap()["keras"], "3.6.0");
    assert_eq!(s.metadata["layers"], "3");
    assert_eq!(s.metadata["pickle_risk"], "known");
    assert_eq!(s.metadata["loading_runs_code_from"], "keras");
    assert_eq!(s.metadata["library_version.keras"], "3.6.0");
    assert_eq!(
        s.metadata["imports"],
        "keras.DTypePolicy,keras.Sequential,keras.initializers.GlorotUniform,keras.layers.Dense,keras.layers.InputLayer,keras.optimizers.Adam"
    );
}

#[test]
fn a_functional_model_with_a_custom_layer_warns_about_it() {
    let dir = tempfile::tempdir().unwrap();
    let s = sniff_file(&write(dir.path(), "m.keras", &keras_file(&functional(CUSTOM), "3.6.0"))).unwrap();
    assert_eq!(s.interface.inputs, vec![spec("tokens", "int32", &["?", "16"]), spec("extra", "int32", &["?", "2"])]);
    assert_eq!(s.interface.outputs, vec![spec("score", "float32", &["?", "1"])]);
    assert_eq!(s.interface.task.as_deref(), Some("Functional"));
    assert_eq!(s.metadata["pickle_risk"], "unknown");
    assert_eq!(s.metadata["unknown_imports"], "acme.layers.Gate");
}

#[test]
fn a_lambda_layer_is_refused_naming_it_and_registers_only_with_a_reason() {
    let root = tempfile::tempdir().unwrap();
    let path = write(root.path(), "m.keras", &keras_file(&functional(LAMBDA), "3.6.0"));
    match sniff_file(&path) {
        Err(SniffError::UnsafePickle { imports, described, .. }) => {
            assert_eq!(imports, "keras.layers.Lambda<mid>");
            assert_eq!(described.format, Format::Keras);
            assert_eq!(described.interface.inputs.len(), 2, "the refusal still describes the model");
        }
        other => panic!("expected a refusal, got {other:?}"),
    }
    let mut s = workspace(root.path());
    let err = register(&mut s, &[&path], "ranker", None).unwrap_err().message;
    assert!(err.contains("keras.layers.Lambda<mid>"), "{err}");
    let r = register(&mut s, &[&path], "ranker", Some("lambda reviewed: x * 2")).unwrap();
    let v = verdict(&s, &r, "m.keras");
    assert_eq!((v.risk.as_str(), v.dangerous.clone()), ("dangerous", vec!["keras.layers.Lambda<mid>".to_string()]));
    assert_eq!(r.interface.outputs, vec![spec("score", "float32", &["?", "1"])]);
}

/// Bytecode hidden outside a `Lambda` (a lambda activation) and the layers that run a SavedModel
/// are refused too.
#[test]
fn bytecode_anywhere_and_savedmodel_layers_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let activation = r#"{"class_name": "__lambda__", "config": {"code": "4wEAAA==", "defaults": null, "closure": null}}"#;
    let hidden = dense("mid", 16, "[null, 2]", activation);
    let tfsm = r#"{"module": "keras.layers", "class_name": "TFSMLayer", "config": {"name": "mid", "filepath": "/tmp/exported", "call_endpoint": "serve"}, "registered_name": null"#;
    for (layer, named) in [(hidden.as_str(), "keras.layers.Dense<mid>"), (tfsm, "keras.layers.TFSMLayer<mid>")] {
        let path = write(dir.path(), "m.keras", &keras_file(&functional(layer), "3.6.0"));
        match sniff_file(&path) {
            Err(SniffError::UnsafePickle { imports, .. }) => assert_eq!(imports, named),
            other => panic!("expected {named} refused, got {other:?}"),
        }
    }
}

#[test]
fn a_new_keras_major_version_is_a_major_bump() {
    let root = tempfile::tempdir().unwrap();
    let mut s = workspace(root.path());
    let v3 = write(root.path(), "m.keras", &keras_file(&sequential(), "3.6.0"));
    register(&mut s, &[&v3], "regressor", None).unwrap();
    let v3b = root.path().join("v3b");
    std::fs::create_dir(&v3b).unwrap();
    let minor = write(&v3b, "m.keras", &keras_file(&sequential(), "3.7.0"));
    let r = register(&mut s, &[&minor], "regressor", None).unwrap();
    assert_ne!(r.bump, Bump::Major, "{}", r.bump_reason);
    assert!(r.bump_reason.contains("keras 3.6.0 → 3.7.0"), "{}", r.bump_reason);
    let v4 = root.path().join("v4");
    std::fs::create_dir(&v4).unwrap();
    let major = write(&v4, "m.keras", &keras_file(&sequential(), "4.0.0"));
    let r = register(&mut s, &[&major], "regressor", None).unwrap();
    assert_eq!(r.bump, Bump::Major, "{}", r.bump_reason);
    assert!(r.bump_reason.contains("keras"), "{}", r.bump_reason);
}

#[test]
fn hostile_keras_configs_are_corrupt_not_crashes() {
    let dir = tempfile::tempdir().unwrap();
    let deep = format!("{}1{}", "[".repeat(200), "]".repeat(200));
    for config in ["{", deep.as_str(), "[]", r#"{"class_name": 7, "config": {"layers": "no"}}"#] {
        let r = sniff_file(&write(dir.path(), "m.keras", &keras_file(config, "3.6.0")));
        match r {
            Err(SniffError::Corrupt { format: "keras", .. }) => {}
            Ok(s) => assert!(s.interface.inputs.is_empty(), "{config}: {s:?}"),
            other => panic!("{config}: {other:?}"),
        }
    }
}

#[test]
fn truncated_and_mutated_keras_files_never_crash_the_sniffer() {
    let dir = tempfile::tempdir().unwrap();
    // Stored entries, so mutations reach the JSON itself.
    let config = functional(LAMBDA);
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let stored = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    for (name, data) in [
        ("metadata.json", br#"{"keras_version": "3.6.0"}"#.as_slice()),
        ("config.json", config.as_bytes()),
        ("model.weights.h5", &fixtures::hdf5_bytes()),
    ] {
        zip.start_file(name, stored).unwrap();
        std::io::Write::write_all(&mut zip, data).unwrap();
    }
    for bytes in mutations(&zip.finish().unwrap().into_inner()) {
        assert_no_crash(&write(dir.path(), "m.keras", &bytes));
    }
}
