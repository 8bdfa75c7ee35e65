//! Fixture builders for container formats: pickles, PyTorch/Keras zip archives, HDF5 and model
//! folders (MLflow, Hugging Face). Part of `fixtures.rs`.
#![allow(dead_code)]

use std::io::{Cursor, Write};
use std::path::Path;

use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, ZipWriter};

#[allow(unused_imports)]
use super::*;

// ---------------------------------------------------------------------------------------------
// Pickles

/// What CPython's `pickle.dumps(obj, protocol=2)` writes on Linux for an object whose
/// `__reduce__` returns `(os.system, ("echo pwned",))`.
pub fn pickle_posix_system() -> Vec<u8> {
    b"\x80\x02cposix\nsystem\nq\x00X\n\x00\x00\x00echo pwnedq\x01\x85q\x02Rq\x03.".to_vec()
}

/// What `pickle.dumps(obj, protocol=4)` writes for an object whose `__reduce__` returns
/// `(eval, ("1+1",))`: a FRAME, SHORT_BINUNICODE "builtins" / "eval", STACK_GLOBAL, REDUCE.
pub fn pickle_stack_global_eval() -> Vec<u8> {
    b"\x80\x04\x95\x1f\x00\x00\x00\x00\x00\x00\x00\x8c\x08builtins\x94\x8c\x04eval\x94\x93\x94\x8c\x031+1\x94\x85\x94R\x94."
        .to_vec()
}

/// `pickle.dumps(OrderedDict([("a", 1), ("b", 2)]), protocol=2)`.
pub fn pickle_safe_ordered_dict() -> Vec<u8> {
    b"\x80\x02ccollections\nOrderedDict\nq\x00)Rq\x01(X\x01\x00\x00\x00aq\x02K\x01X\x01\x00\x00\x00bq\x03K\x02u.".to_vec()
}

/// `data.pkl` of `torch.save({"weight": float32 [2, 3], "bias": float32 [2]})` of a module's
/// state dict (an OrderedDict with `_metadata`), protocol 2, storages as persistent ids
/// `("storage", torch.FloatStorage, key, "cpu", numel)`.
pub fn torch_state_dict_pickle() -> Vec<u8> {
    b"\x80\x02ccollections\nOrderedDict\nq\x00)Rq\x01(X\x06\x00\x00\x00weightq\x02ctorch._utils\n_rebuild_tensor_v2\nq\x03((X\x07\x00\x00\x00storageq\x04ctorch\nFloatStorage\nq\x05X\x01\x00\x00\x000q\x06X\x03\x00\x00\x00cpuq\x07K\x06tq\x08QK\x00K\x02K\x03\x86q\tK\x03K\x01\x86q\n\x89h\x00)Rq\x0btq\x0cRq\rX\x04\x00\x00\x00biasq\x0eh\x03((h\x04h\x05X\x01\x00\x00\x001q\x0fh\x07K\x02tq\x10QK\x00K\x02\x85q\x11K\x01\x85q\x12\x89h\x00)Rq\x13tq\x14Rq\x15u}q\x16X\t\x00\x00\x00_metadataq\x17h\x00)Rq\x18X\x00\x00\x00\x00q\x19}q\x1aX\x07\x00\x00\x00versionq\x1bK\x01sssb.".to_vec()
}

/// `data.pkl` of `torch.save` of an OrderedDict holding a float32 [2, 3] "weight" and a
/// "payload" object whose `__reduce__` is `(os.system, ("echo pwned",))`.
pub fn torch_malicious_pickle() -> Vec<u8> {
    b"\x80\x02ccollections\nOrderedDict\nq\x00)Rq\x01(X\x06\x00\x00\x00weightq\x02ctorch._utils\n_rebuild_tensor_v2\nq\x03((X\x07\x00\x00\x00storageq\x04ctorch\nFloatStorage\nq\x05X\x01\x00\x00\x000q\x06X\x03\x00\x00\x00cpuq\x07K\x06tq\x08QK\x00K\x02K\x03\x86q\tK\x03K\x01\x86q\n\x89h\x00)Rq\x0btq\x0cRq\rX\x07\x00\x00\x00payloadq\x0ecposix\nsystem\nq\x0fX\n\x00\x00\x00echo pwnedq\x10\x85q\x11Rq\x12u.".to_vec()
}

/// A legacy (pre-1.6, `_use_new_zipfile_serialization=False`) `torch.save` file of
/// `{"weight": float32 [2, 3]}`: pickles of the magic number, protocol version 1001 and sys info,
/// the object pickle, the storage-key list `["0"]`, then storage "0" as an 8-byte element count
/// and 24 zero bytes.
pub fn pytorch_legacy() -> Vec<u8> {
    let mut out = b"\x80\x02\x8a\x0a\x6c\xfc\x9c\x46\xf9\x20\x6a\xa8\x50\x19.\x80\x02M\xe9\x03.".to_vec();
    out.extend_from_slice(b"\x80\x02}q\x00(X\x10\x00\x00\x00protocol_versionq\x01M\xe9\x03X\r\x00\x00\x00little_endianq\x02\x88X\n\x00\x00\x00type_sizesq\x03}q\x04(X\x05\x00\x00\x00shortq\x05K\x02X\x03\x00\x00\x00intq\x06K\x04X\x04\x00\x00\x00longq\x07K\x04uu.");
    out.extend_from_slice(b"\x80\x02ccollections\nOrderedDict\nq\x00)Rq\x01X\x06\x00\x00\x00weightq\x02ctorch._utils\n_rebuild_tensor_v2\nq\x03((X\x07\x00\x00\x00storageq\x04ctorch\nFloatStorage\nq\x05X\x01\x00\x00\x000q\x06X\x03\x00\x00\x00cpuq\x07K\x06Ntq\x08QK\x00K\x02K\x03\x86q\tK\x03K\x01\x86q\n\x89h\x00)Rq\x0btq\x0cRq\rs.");
    out.extend_from_slice(b"\x80\x02]q\x00X\x01\x00\x00\x000q\x01a.");
    out.extend_from_slice(&6u64.to_le_bytes());
    out.extend_from_slice(&[0u8; 24]);
    out
}

/// What CPython's `pickle.dumps(obj, protocol=2)` writes for an object of `module.Class` whose
/// state is `{"C": 1.0, "_sklearn_version": version}` (NEWOBJ with an empty tuple, then BUILD).
pub fn pickle_object(module: &str, class: &str, version: &str) -> Vec<u8> {
    let mut b = b"\x80\x02c".to_vec();
    b.extend_from_slice(format!("{module}\n{class}\n").as_bytes());
    b.extend_from_slice(b"q\x00)\x81q\x01}q\x02(X\x01\x00\x00\x00Cq\x03G?\xf0\x00\x00\x00\x00\x00\x00");
    b.extend_from_slice(b"X\x10\x00\x00\x00_sklearn_versionq\x04X");
    b.extend_from_slice(&(version.len() as u32).to_le_bytes());
    b.extend_from_slice(version.as_bytes());
    b.extend_from_slice(b"q\x05ub.");
    b
}

// ---------------------------------------------------------------------------------------------
// Zip archives

fn zip_entries(entries: &[(&str, &[u8])], method: CompressionMethod) -> Vec<u8> {
    let mut zip = ZipWriter::new(Cursor::new(Vec::new()));
    let options = SimpleFileOptions::default().compression_method(method);
    for (name, data) in entries {
        zip.start_file(*name, options).expect("zip entry");
        zip.write_all(data).expect("zip write");
    }
    zip.finish().expect("zip finish").into_inner()
}

/// A `torch.save` zip checkpoint (stored, like torch's writer) with the entries torch 2.x
/// writes: `archive/data.pkl`, `.format_version`, `.storage_alignment`, `byteorder`, the storages
/// under `archive/data/`, `version` and `.data/serialization_id`. With `unsafe_payload` the
/// state dict also holds an object that runs `os.system` on load.
pub fn pytorch_zip(unsafe_payload: bool) -> Vec<u8> {
    let pkl = if unsafe_payload { torch_malicious_pickle() } else { torch_state_dict_pickle() };
    let weight = [0u8; 24];
    let bias = [0u8; 8];
    let mut entries: Vec<(&str, &[u8])> = vec![
        ("archive/data.pkl", &pkl),
        ("archive/.format_version", b"1"),
        ("archive/.storage_alignment", b"64"),
        ("archive/byteorder", b"little"),
        ("archive/data/0", &weight),
    ];
    if !unsafe_payload {
        entries.push(("archive/data/1", &bias));
    }
    entries.push(("archive/version", b"3\n"));
    entries.push(("archive/.data/serialization_id", b"0631419436470727843000004253408395702787"));
    zip_entries(&entries, CompressionMethod::Stored)
}

/// A Keras 3 `.keras` archive of a `Sequential` model with one `Dense(3)` layer on a 4-wide
/// input: `metadata.json`, `config.json` and `model.weights.h5` (an HDF5 file).
pub fn keras_zip() -> Vec<u8> {
    let metadata = br#"{"keras_version": "3.6.0", "date_saved": "2024-11-02@10:15:44"}"#;
    let config = br#"{"module": "keras", "class_name": "Sequential", "config": {"name": "sequential", "trainable": true, "dtype": {"module": "keras", "class_name": "DTypePolicy", "config": {"name": "float32"}, "registered_name": null}, "layers": [{"module": "keras.layers", "class_name": "InputLayer", "config": {"batch_shape": [null, 4], "dtype": "float32", "sparse": false, "name": "input_layer"}, "registered_name": null}, {"module": "keras.layers", "class_name": "Dense", "config": {"name": "dense", "trainable": true, "dtype": {"module": "keras", "class_name": "DTypePolicy", "config": {"name": "float32"}, "registered_name": null}, "units": 3, "activation": "linear", "use_bias": true}, "registered_name": null, "build_config": {"input_shape": [null, 4]}}], "build_input_shape": [null, 4]}, "registered_name": null, "build_config": {"input_shape": [null, 4]}, "compile_config": null}"#;
    let weights = hdf5_bytes();
    zip_entries(
        &[("metadata.json", metadata), ("config.json", config), ("model.weights.h5", &weights)],
        CompressionMethod::Deflated,
    )
}

// ---------------------------------------------------------------------------------------------
// HDF5

/// An empty HDF5 file exactly as libhdf5 1.14 (via h5py, `libver="latest"`) writes it:
/// superblock version 3 and a root-group object header, 179 bytes.
pub fn hdf5_bytes() -> Vec<u8> {
    let parts: [&[u8]; 6] = [
        b"\x89\x48\x44\x46\x0d\x0a\x1a\x0a\x03\x08\x08\x00\x00\x00\x00\x00\x00\x00\x00\x00\xff\xff\xff\xff\xff\xff\xff\xff\xb3\x00\x00\x00",
        b"\x00\x00\x00\x00\x30\x00\x00\x00\x00\x00\x00\x00\x95\x55\x56\x8b\x4f\x48\x44\x52\x02\x00\x78\x02\x12\x00\x00\x00\x00\xff\xff\xff",
        b"\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\x0a\x02\x00\x01\x00\x00\x00\x58\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00",
        b"\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00",
        b"\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00",
        b"\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\xc5\xb9\xc8\xac",
    ];
    parts.concat()
}

// ---------------------------------------------------------------------------------------------
// Folders

/// `MLmodel` of a scikit-learn model logged to a run by MLflow 3.17.2 (tensor signature).
pub const MLMODEL_SKLEARN_LOGGED: &str = r#"artifact_path: mlflow-artifacts:/2/models/m-cf97b400adb841ffbdb7ebcf728afbd7/artifacts
flavors:
  python_function:
    env:
      conda: conda.yaml
      virtualenv: python_env.yaml
    loader_module: mlflow.sklearn
    model_path: model.skops
    predict_fn: predict
    python_version: 3.11.7
  sklearn:
    code: null
    pickled_model: model.skops
    serialization_format: skops
    sklearn_version: 1.9.1
    skops_trusted_types: null
is_signature_from_type_hint: false
mlflow_version: 3.17.2
model_id: m-cf97b400adb841ffbdb7ebcf728afbd7
model_size_bytes: 9431
model_uuid: m-cf97b400adb841ffbdb7ebcf728afbd7
prompts: null
run_id: e85e3b0cdcd74096a1c2f0a72f222f2a
saved_input_example_info:
  artifact_path: input_example.json
  serving_input_path: serving_input_example.json
  type: ndarray
signature:
  inputs: '[{"type": "tensor", "tensor-spec": {"dtype": "float64", "shape": [-1, 4]}}]'
  outputs: '[{"type": "tensor", "tensor-spec": {"dtype": "int64", "shape": [-1]}}]'
  params: null
type_hint_from_example: false
utc_time_created: '2026-11-26 19:40:21.423597'
"#;

/// `MLmodel` of a scikit-learn model saved with `mlflow.sklearn.save_model` (no run).
pub const MLMODEL_SKLEARN: &str = r#"flavors:
  python_function:
    env:
      conda: conda.yaml
      virtualenv: python_env.yaml
    loader_module: mlflow.sklearn
    model_path: model.skops
    predict_fn: predict
    python_version: 3.11.7
  sklearn:
    code: null
    pickled_model: model.skops
    serialization_format: skops
    sklearn_version: 1.9.1
    skops_trusted_types: null
is_signature_from_type_hint: false
mlflow_version: 3.17.2
model_id: null
model_size_bytes: 9431
model_uuid: 29da8e77ac614a0b96aaa6aead76aef1
prompts: null
saved_input_example_info:
  artifact_path: input_example.json
  serving_input_path: serving_input_example.json
  type: ndarray
signature:
  inputs: '[{"type": "tensor", "tensor-spec": {"dtype": "float64", "shape": [-1, 4]}}]'
  outputs: '[{"type": "tensor", "tensor-spec": {"dtype": "int64", "shape": [-1]}}]'
  params: null
type_hint_from_example: false
utc_time_created: '2026-11-26 19:40:44.223673'
"#;

/// `MLmodel` of a custom `mlflow.pyfunc.PythonModel` (no signature).
pub const MLMODEL_PYFUNC: &str = r#"flavors:
  python_function:
    cloudpickle_version: 3.1.3
    code: null
    env:
      conda: conda.yaml
      virtualenv: python_env.yaml
    loader_module: mlflow.pyfunc.model
    python_model: python_model.pkl
    python_version: 3.11.7
    streamable: false
mlflow_version: 3.17.2
model_id: null
model_size_bytes: 1615
model_uuid: 6e1355f9e3034226ac349fc0b275e5e8
prompts: null
utc_time_created: '2026-11-26 19:40:52.827320'
"#;

/// `MLmodel` with a column-based signature, in the layout MLflow writes for a model logged with
/// a pandas DataFrame input example (one unnamed column to exercise `col<i>` naming).
pub const MLMODEL_COLUMNS: &str = r#"flavors:
  python_function:
    env:
      conda: conda.yaml
      virtualenv: python_env.yaml
    loader_module: mlflow.sklearn
    model_path: model.skops
    predict_fn: predict
    python_version: 3.11.7
  sklearn:
    code: null
    pickled_model: model.skops
    serialization_format: skops
    sklearn_version: 1.9.1
mlflow_version: 3.17.2
model_uuid: 0d7c1b0a8f3b4c6e9a2f5e4d3c2b1a09
signature:
  inputs: '[{"type": "double", "name": "sepal length (cm)", "required": true}, {"type":
    "double", "name": "sepal width (cm)", "required": true}, {"type": "string", "required":
    false}]'
  outputs: '[{"type": "long", "name": "species", "required": true}]'
  params: null
utc_time_created: '2026-11-26 19:41:02.118004'
"#;

fn write(dir: &Path, name: &str, bytes: &[u8]) {
    std::fs::write(dir.join(name), bytes).expect("write fixture file");
}

/// The MLflow model folder of a logged scikit-learn model, as MLflow 3.17.2 wrote it (the
/// `model.skops` here is a small skops-style zip, not the real 9 KB one).
pub fn mlflow_dir(dir: &Path) {
    std::fs::create_dir_all(dir).expect("mkdir");
    write(dir, "MLmodel", MLMODEL_SKLEARN_LOGGED.as_bytes());
    write(
        dir,
        "conda.yaml",
        b"channels:\n- conda-forge\ndependencies:\n- python=3.11.7\n- pip<=26.3\n- pip:\n  - mlflow==3.17.2\n  - numpy==2.4.6\n  - pandas==3.1.1\n  - scikit-learn==1.9.1\n  - scipy==1.17.1\n  - skops==0.16.0\nname: mlflow-env\n",
    );
    write(
        dir,
        "python_env.yaml",
        b"python: 3.11.7\nbuild_dependencies:\n- pip==26.3\n- setuptools==65.5.0\n- wheel\ndependencies:\n- -r requirements.txt\n",
    );
    write(
        dir,
        "requirements.txt",
        b"mlflow==3.17.2\nnumpy==2.4.6\npandas==3.1.1\nscikit-learn==1.9.1\nscipy==1.17.1\nskops==0.16.0",
    );
    write(dir, "input_example.json", b"[[5.1, 3.5, 1.4, 0.2], [4.9, 3.0, 1.4, 0.2]]");
    write(
        dir,
        "serving_input_example.json",
        b"{\n  \"inputs\": [\n    [\n      5.1,\n      3.5,\n      1.4,\n      0.2\n    ],\n    [\n      4.9,\n      3.0,\n      1.4,\n      0.2\n    ]\n  ]\n}",
    );
    let schema = br#"{"__class__": "LogisticRegression", "__module__": "sklearn.linear_model._logistic", "__loader__": "ObjectNode", "content": {}, "protocol": 2, "_skops_version": "0.16.0"}"#;
    write(dir, "model.skops", &zip_entries(&[("schema.json", schema)], CompressionMethod::Stored));
}

/// A Hugging Face model folder: `config.json` of a tiny Llama (bfloat16), `generation_config.json`,
/// `model.safetensors` matching the config, and a `README.md` model card whose YAML front matter
/// has license, base_model (a list), base_model_relation, pipeline_tag, library_name, datasets
/// and language.
pub fn hf_dir(dir: &Path) {
    std::fs::create_dir_all(dir).expect("mkdir");
    write(
        dir,
        "config.json",
        br#"{
  "architectures": [
    "LlamaForCausalLM"
  ],
  "attention_bias": false,
  "bos_token_id": 1,
  "eos_token_id": 2,
  "hidden_act": "silu",
  "hidden_size": 8,
  "intermediate_size": 16,
  "max_position_embeddings": 2048,
  "model_type": "llama",
  "num_attention_heads": 2,
  "num_hidden_layers": 1,
  "num_key_value_heads": 2,
  "rms_norm_eps": 1e-05,
  "rope_theta": 10000.0,
  "tie_word_embeddings": false,
  "torch_dtype": "bfloat16",
  "transformers_version": "4.46.0",
  "use_cache": true,
  "vocab_size": 32
}
"#,
    );
    write(
        dir,
        "generation_config.json",
        br#"{"_from_model_config": true, "bos_token_id": 1, "eos_token_id": 2, "transformers_version": "4.46.0"}"#,
    );
    write(
        dir,
        "model.safetensors",
        &safetensors(
            &[
                ("model.embed_tokens.weight", "BF16", &[32, 8]),
                ("model.layers.0.self_attn.q_proj.weight", "BF16", &[8, 8]),
                ("model.norm.weight", "BF16", &[8]),
                ("lm_head.weight", "BF16", &[32, 8]),
            ],
            &[("format", "pt")],
        ),
    );
    write(
        dir,
        "README.md",
        b"---\nlicense: apache-2.0\nbase_model:\n- meta-llama/Llama-3.2-1B\nbase_model_relation: finetune\npipeline_tag: text-generation\nlibrary_name: transformers\ndatasets:\n- HuggingFaceH4/ultrachat_200k\n- Open-Orca/SlimOrca\nlanguage:\n- en\n- fr\ntags:\n- llama\n- chat\n---\n\n# tiny-llama-chat\n\nA fine-tune of Llama-3.2-1B for chat.\n\n---\n\nMore text after a horizontal rule.\n",
    );
}
