//! Files written by the libraries themselves (skops, safetensors, onnx — pinned in the test
//! venv by scripts/test.sh), sniffed and registered as a user would: each is described, hostile
//! variants are refused with a reason, and nothing is ever loaded.

use std::path::Path;

use pedigree::registry::semver_policy::Bump;
use pedigree::sniff::{Format, SniffError, sniff_file, sniff_folder};

use super::fixtures;
use super::venv::{register, run_python, verdict, workspace};

// ------------------------------------------------------------------------------- skops

const SKOPS_MODELS: &str = r#"
import os, sys, json, zipfile
import numpy as np, skops.io as sio, sklearn
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
X = np.random.RandomState(0).rand(40, 4); y = (X[:, 0] > 0.5).astype(int)
d = sys.argv[1]
sio.dump(make_pipeline(StandardScaler(), LogisticRegression()).fit(X, y), os.path.join(d, "pipe.skops"))
sio.dump(RandomForestClassifier(n_estimators=3, random_state=0).fit(X, y), os.path.join(d, "forest.skops"))
# The same pipeline as if a future scikit-learn 2 had written it.
with zipfile.ZipFile(os.path.join(d, "pipe.skops")) as src, zipfile.ZipFile(os.path.join(d, "pipe2.skops"), "w") as dst:
    for item in src.infolist():
        data = src.read(item.filename)
        if item.filename == "schema.json":
            data = data.replace(json.dumps(json.dumps(sklearn.__version__)).encode(), json.dumps(json.dumps("2.0.0")).encode())
        dst.writestr(item, data)
print(sklearn.__version__)
"#;

#[test]
fn skops_files_are_described_with_their_scikit_learn_version() {
    let root = tempfile::tempdir().unwrap();
    let version = run_python(SKOPS_MODELS, &[root.path().to_str().unwrap()]).trim().to_string();
    let pipe = sniff_file(&root.path().join("pipe.skops")).unwrap();
    assert_eq!(pipe.format, Format::Pickle);
    assert_eq!(pipe.metadata["serialization"], "skops");
    assert_eq!(pipe.metadata["pickle_risk"], "known", "{:?}", pipe.metadata);
    assert_eq!(pipe.metadata["library_version.sklearn"], version);
    assert_eq!(pipe.metadata["object"], "sklearn.pipeline.Pipeline");
    let imports: Vec<&str> = pipe.metadata["imports"].split(',').collect();
    for class in [
        "sklearn.pipeline.Pipeline",
        "sklearn.preprocessing._data.StandardScaler",
        "sklearn.linear_model._logistic.LogisticRegression",
    ] {
        assert!(imports.contains(&class), "{class} missing from {imports:?}");
    }
    assert!(!pipe.metadata.contains_key("unknown_imports"), "{:?}", pipe.metadata);
    assert_eq!(pipe.interface.libraries.as_ref().unwrap()["sklearn"], version);

    let forest = sniff_file(&root.path().join("forest.skops")).unwrap();
    assert!(forest.metadata["imports"].contains("sklearn.tree._tree.Tree"), "{:?}", forest.metadata);
    assert_eq!(forest.metadata["pickle_risk"], "known");

    // Registered: the verdict names scikit-learn and its version; a major change of it is a
    // major bump with the reason.
    let mut s = workspace(root.path());
    let first = register(&mut s, &[&root.path().join("pipe.skops")], "churn", None).unwrap();
    assert_eq!(first.interface.libraries.as_ref().unwrap()["sklearn"], version);
    let v = verdict(&s, &first, "pipe.skops");
    assert_eq!(v.summary(), format!("loading runs code from numpy, sklearn {version}"));
    let next = register(&mut s, &[&root.path().join("pipe2.skops")], "churn", None).unwrap();
    assert_eq!(next.bump, Bump::Major, "{}", next.bump_reason);
    assert!(next.bump_reason.contains("sklearn"), "{}", next.bump_reason);
}

/// A skops file whose schema names a function that runs commands (as a hostile file would: skops
/// itself refuses to load untrusted types, Pedigree refuses to register them).
#[test]
fn a_skops_file_that_would_import_os_system_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let schema = br#"{"__class__": "FunctionTransformer", "__module__": "sklearn.preprocessing._function_transformer", "__loader__": "ObjectNode",
        "content": {"__class__": "dict", "__module__": "builtins", "__loader__": "DictNode", "content": {
            "func": {"__class__": "system", "__module__": "posix", "__loader__": "FunctionNode"}}},
        "protocol": 2, "_skops_version": "0.16.0"}"#;
    let path = dir.path().join("evil.skops");
    std::fs::write(&path, zip_of(&[("schema.json", schema)])).unwrap();
    match sniff_file(&path) {
        Err(SniffError::UnsafePickle { imports, described, .. }) => {
            assert_eq!(imports, "posix.system");
            assert_eq!(described.metadata["dangerous_imports"], "posix.system");
            assert_eq!(described.metadata["serialization"], "skops");
        }
        other => panic!("expected a refusal, got {other:?}"),
    }
    // Not a zip, or a schema.json that is not JSON: corrupt, named.
    std::fs::write(&path, b"not a zip").unwrap();
    assert!(matches!(sniff_file(&path), Err(SniffError::Corrupt { format: "skops", .. })));
    std::fs::write(&path, zip_of(&[("schema.json", b"{")])).unwrap();
    assert!(matches!(sniff_file(&path), Err(SniffError::Corrupt { format: "skops", .. })));
    // An empty archive (as the demo's placeholder is) holds nothing to judge.
    std::fs::write(&path, [b"PK\x05\x06".as_slice(), &[0u8; 18]].concat()).unwrap();
    assert_eq!(sniff_file(&path).unwrap().format, Format::Unknown);
}

/// `mlflow.sklearn.save_model(serialization_format="skops")` layout with a real skops file: the
/// folder is an MLflow model, the skops file's verdict rides along.
#[test]
fn an_mlflow_folder_with_a_real_skops_model_registers() {
    let root = tempfile::tempdir().unwrap();
    let version = run_python(SKOPS_MODELS, &[root.path().to_str().unwrap()]).trim().to_string();
    let dir = root.path().join("mlflow-model");
    fixtures::mlflow_dir(&dir);
    std::fs::copy(root.path().join("forest.skops"), dir.join("model.skops")).unwrap();
    assert_eq!(sniff_folder(&dir).unwrap().unwrap().format, Format::Mlflow);
    let mut s = workspace(root.path());
    let r = register(&mut s, &[&dir], "fraud", None).unwrap();
    assert_eq!(r.format, "mlflow");
    assert_eq!(r.interface.inputs.len(), 1, "the MLflow signature is the interface");
    assert_eq!(r.interface.libraries.as_ref().unwrap()["sklearn"], version);
    assert_eq!(verdict(&s, &r, "model.skops").risk, "known");
}

// ------------------------------------------------------------------------------- shards

const SHARDED: &str = r#"
import json, os, sys
import numpy as np
from safetensors.numpy import save_file
d = sys.argv[1]
shards = {
    "model-00001-of-00002.safetensors": {"model.embed_tokens.weight": np.zeros((32, 8), np.float16)},
    "model-00002-of-00002.safetensors": {"lm_head.weight": np.zeros((32, 8), np.float16), "model.norm.weight": np.ones(8, np.float32)},
}
weight_map, total = {}, 0
for name, tensors in shards.items():
    save_file(tensors, os.path.join(d, name), metadata={"format": "pt"})
    for k, v in tensors.items():
        weight_map[k] = name; total += v.nbytes
json.dump({"metadata": {"total_size": total}, "weight_map": weight_map}, open(os.path.join(d, "model.safetensors.index.json"), "w"))
json.dump({"architectures": ["LlamaForCausalLM"], "model_type": "llama", "torch_dtype": "float16"}, open(os.path.join(d, "config.json"), "w"))
print(total)
"#;

#[test]
fn safetensors_shards_written_by_the_library_register_as_one_interface() {
    let root = tempfile::tempdir().unwrap();
    let dir = root.path().join("tiny-llama");
    std::fs::create_dir(&dir).unwrap();
    let total = run_python(SHARDED, &[dir.to_str().unwrap()]).trim().to_string();
    let folder = sniff_folder(&dir).unwrap().expect("a Hugging Face folder");
    assert_eq!(folder.metadata["shards.model.safetensors"], "2");
    assert_eq!(folder.metadata["sharded_tensors.model.safetensors"], "3");
    assert_eq!(folder.metadata["shards_total_size.model.safetensors"], total);
    let mut s = workspace(root.path());
    let r = register(&mut s, &[&dir], "tiny-llama", None).unwrap();
    assert_eq!(r.format, "huggingface");
    let tensors: Vec<(&str, &str, Vec<&str>)> = r
        .interface
        .tensors
        .iter()
        .map(|t| (t.name.as_str(), t.dtype.as_str(), t.shape.iter().map(String::as_str).collect()))
        .collect();
    assert_eq!(
        tensors,
        [
            ("lm_head.weight", "F16", vec!["32", "8"]),
            ("model.embed_tokens.weight", "F16", vec!["32", "8"]),
            ("model.norm.weight", "F32", vec!["8"]),
        ]
    );
}

/// `pytorch_model.bin.index.json` over zip checkpoint shards (torch itself is too large for the
/// venv, so the shards are built to `torch.save`'s layout); a shard with a code-running pickle
/// refuses the whole folder, naming the shard.
#[test]
fn pytorch_bin_shards_are_indexed_and_each_shard_is_judged() {
    let root = tempfile::tempdir().unwrap();
    let dir = root.path().join("bin-model");
    std::fs::create_dir(&dir).unwrap();
    std::fs::write(dir.join("config.json"), br#"{"architectures": ["BertModel"], "model_type": "bert"}"#).unwrap();
    std::fs::write(dir.join("pytorch_model-00001-of-00002.bin"), fixtures::pytorch_zip(false)).unwrap();
    std::fs::write(dir.join("pytorch_model-00002-of-00002.bin"), fixtures::pytorch_zip(false)).unwrap();
    std::fs::write(
        dir.join("pytorch_model.bin.index.json"),
        br#"{"metadata": {"total_size": 32}, "weight_map": {"weight": "pytorch_model-00001-of-00002.bin", "bias": "pytorch_model-00002-of-00002.bin"}}"#,
    )
    .unwrap();
    let folder = sniff_folder(&dir).unwrap().unwrap();
    assert_eq!(folder.metadata["shards.pytorch_model.bin"], "2");
    let mut s = workspace(root.path());
    let r = register(&mut s, &[&dir], "bert", None).unwrap();
    assert_eq!(verdict(&s, &r, "pytorch_model-00001-of-00002.bin").risk, "safe");

    std::fs::write(dir.join("pytorch_model-00002-of-00002.bin"), fixtures::pytorch_zip(true)).unwrap();
    let err = register(&mut s, &[&dir], "bert", None).unwrap_err().message;
    assert!(err.contains("pytorch_model-00002-of-00002.bin") && err.contains("posix.system"), "{err}");
}

// ------------------------------------------------------------------------------- ONNX external data

const ONNX_EXTERNAL: &str = r#"
import sys, onnx
from onnx import helper, numpy_helper, TensorProto
import numpy as np
path, mode = sys.argv[1], sys.argv[2]
w = numpy_helper.from_array(np.ones((4, 3), np.float32), "W")
graph = helper.make_graph([helper.make_node("MatMul", ["X", "W"], ["Y"])], "g",
    [helper.make_tensor_value_info("X", TensorProto.FLOAT, ["N", 4])],
    [helper.make_tensor_value_info("Y", TensorProto.FLOAT, ["N", 3])], [w])
model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
if mode == "save":
    onnx.save_model(model, path, save_as_external_data=True, all_tensors_to_one_file=True, location="model.onnx.data", size_threshold=0)
    onnx.checker.check_model(path)
else:  # a hand-set reference, as a hostile file would carry
    location, offset, length = mode.split("|")
    w = model.graph.initializer[0]
    w.ClearField("raw_data"); w.data_location = TensorProto.EXTERNAL
    for k, v in (("location", location), ("offset", offset), ("length", length)):
        e = w.external_data.add(); e.key = k; e.value = v
    open(path, "wb").write(model.SerializeToString())
"#;

fn onnx_model(path: &Path, mode: &str) {
    run_python(ONNX_EXTERNAL, &[path.to_str().unwrap(), mode]);
}

#[test]
fn onnx_with_external_data_registers_as_a_folder_and_not_alone() {
    let root = tempfile::tempdir().unwrap();
    let dir = root.path().join("onnx-model");
    std::fs::create_dir(&dir).unwrap();
    onnx_model(&dir.join("model.onnx"), "save");
    let s0 = sniff_file(&dir.join("model.onnx")).unwrap();
    assert_eq!(s0.metadata["external_data.files"], "model.onnx.data");
    assert_eq!(s0.metadata["external_data.tensors"], "1");
    assert_eq!(pedigree::sniff::external_files(&s0), vec!["model.onnx.data"]);
    assert_eq!(s0.interface.inputs[0].shape, vec!["N", "4"]);

    let mut s = workspace(root.path());
    let r = register(&mut s, &[&dir], "matmul", None).unwrap();
    assert_eq!((r.format.as_str(), r.file_count), ("onnx", 2));

    // The model file without its data: refused, naming the missing file and what to do.
    let lone = root.path().join("lone");
    std::fs::create_dir(&lone).unwrap();
    std::fs::copy(dir.join("model.onnx"), lone.join("model.onnx")).unwrap();
    let err = sniff_file(&lone.join("model.onnx")).unwrap_err().to_string();
    assert!(err.contains("model.onnx.data") && err.contains("register the folder that holds both"), "{err}");
    let err = register(&mut s, &[&lone.join("model.onnx")], "matmul", None).unwrap_err().message;
    assert!(err.contains("model.onnx.data"), "{err}");
    // The data file next to it, but only the model file given: refused too (the version could
    // not be loaded), with what to do.
    let err = register(&mut s, &[&dir.join("model.onnx")], "matmul", None).unwrap_err().message;
    assert!(err.contains("model.onnx.data") && err.contains("register the folder that holds both"), "{err}");
    // Both files given: registered.
    let r = register(&mut s, &[&dir.join("model.onnx"), &dir.join("model.onnx.data")], "matmul", None).unwrap();
    assert_eq!(r.file_count, 2);
}

#[test]
fn hostile_onnx_external_data_references_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("w.bin"), [0u8; 48]).unwrap();
    std::fs::write(dir.path().join("secret"), b"outside").unwrap();
    let inner = dir.path().join("model");
    std::fs::create_dir(&inner).unwrap();
    std::fs::copy(dir.path().join("w.bin"), inner.join("w.bin")).unwrap();
    let path = inner.join("model.onnx");
    onnx_model(&path, "w.bin|0|48");
    assert_eq!(sniff_file(&path).unwrap().metadata["external_data.files"], "w.bin", "a reference that fits is fine");
    for (mode, says) in [
        ("../secret|0|7", "leaves the model's folder"),
        ("/etc/passwd|0|7", "absolute path"),
        ("w.bin|16|48", "which has only 48 bytes"),
        ("w.bin|18446744073709551615|2", "overflow"),
        ("w.bin|zero|48", "not a byte count"),
    ] {
        onnx_model(&path, mode);
        match sniff_file(&path) {
            Err(SniffError::Corrupt { format: "onnx", reason, .. }) => assert!(reason.contains(says), "{mode}: {reason}"),
            other => panic!("{mode}: expected a refusal ({says}), got {other:?}"),
        }
    }
    #[cfg(unix)]
    {
        std::os::unix::fs::symlink(dir.path().join("secret"), inner.join("link.bin")).unwrap();
        onnx_model(&path, "link.bin|0|7");
        let err = sniff_file(&path).unwrap_err().to_string();
        assert!(err.contains("outside the model's folder"), "{err}");
    }
}

fn zip_of(entries: &[(&str, &[u8])]) -> Vec<u8> {
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for (name, data) in entries {
        zip.start_file(*name, zip::write::SimpleFileOptions::default()).unwrap();
        std::io::Write::write_all(&mut zip, data).unwrap();
    }
    zip.finish().unwrap().into_inner()
}
