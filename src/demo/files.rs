//! Writers for small but real model files used by the demo workspace: safetensors, GGUF (v3),
//! ONNX (protobuf), MLflow and Hugging Face folders. The bytes follow each format's spec so the
//! sniffers read them exactly as they read real files.

use std::path::Path;

/// A safetensors file with zero-filled tensors of F32 (name, shape), plus `fill` written into
/// the last byte so versions can differ in weights only.
pub fn safetensors(tensors: &[(&str, &[u64])], fill: u8) -> Vec<u8> {
    let mut header = serde_json::Map::new();
    let mut offset = 0u64;
    for (name, shape) in tensors {
        let bytes = shape.iter().product::<u64>() * 4;
        header.insert(
            name.to_string(),
            serde_json::json!({"dtype": "F32", "shape": shape, "data_offsets": [offset, offset + bytes]}),
        );
        offset += bytes;
    }
    header.insert("__metadata__".into(), serde_json::json!({"format": "pt"}));
    let mut json = serde_json::to_vec(&serde_json::Value::Object(header)).expect("json");
    while json.len() % 8 != 0 {
        json.push(b' ');
    }
    let mut out = (json.len() as u64).to_le_bytes().to_vec();
    out.extend(json);
    let data_start = out.len();
    out.resize(data_start + offset as usize, 0);
    if let Some(last) = out.last_mut() {
        if offset > 0 {
            *last = fill;
        }
    }
    out
}

fn gguf_str(out: &mut Vec<u8>, s: &str) {
    out.extend((s.len() as u64).to_le_bytes());
    out.extend(s.as_bytes());
}

/// A GGUF v3 file: architecture and name metadata, Q8_0 tensors (name, dims innermost first,
/// each dim a multiple of 32).
pub fn gguf(arch: &str, name: &str, tensors: &[(&str, &[u64])]) -> Vec<u8> {
    let mut out = b"GGUF".to_vec();
    out.extend(3u32.to_le_bytes());
    out.extend((tensors.len() as u64).to_le_bytes());
    out.extend(3u64.to_le_bytes());
    for (k, v) in [("general.architecture", arch), ("general.name", name)] {
        gguf_str(&mut out, k);
        out.extend(8u32.to_le_bytes());
        gguf_str(&mut out, v);
    }
    gguf_str(&mut out, "general.file_type");
    out.extend(4u32.to_le_bytes());
    out.extend(7u32.to_le_bytes());
    let mut offset = 0u64;
    let mut sizes = Vec::new();
    for (tname, dims) in tensors {
        gguf_str(&mut out, tname);
        out.extend((dims.len() as u32).to_le_bytes());
        for d in *dims {
            out.extend(d.to_le_bytes());
        }
        out.extend(8u32.to_le_bytes()); // Q8_0: blocks of 32 values, 34 bytes
        out.extend(offset.to_le_bytes());
        let size = dims.iter().product::<u64>() / 32 * 34;
        sizes.push(size);
        offset += size.div_ceil(32) * 32;
    }
    while out.len() % 32 != 0 {
        out.push(0);
    }
    for size in sizes {
        let start = out.len();
        out.resize(start + (size.div_ceil(32) * 32) as usize, 0);
    }
    out
}

/// Appends a protobuf base-128 varint.
pub fn varint(out: &mut Vec<u8>, mut v: u64) {
    loop {
        let b = (v & 0x7f) as u8;
        v >>= 7;
        if v == 0 {
            out.push(b);
            return;
        }
        out.push(b | 0x80);
    }
}

fn field_bytes(out: &mut Vec<u8>, field: u64, bytes: &[u8]) {
    varint(out, field << 3 | 2);
    varint(out, bytes.len() as u64);
    out.extend(bytes);
}

fn field_varint(out: &mut Vec<u8>, field: u64, v: u64) {
    varint(out, field << 3);
    varint(out, v);
}

/// ValueInfoProto of a FLOAT tensor whose dims are numbers or symbolic names.
fn value_info(name: &str, dims: &[&str]) -> Vec<u8> {
    let mut shape = Vec::new();
    for d in dims {
        let mut dim = Vec::new();
        match d.parse::<u64>() {
            Ok(n) => field_varint(&mut dim, 1, n),
            Err(_) => field_bytes(&mut dim, 2, d.as_bytes()),
        }
        field_bytes(&mut shape, 1, &dim);
    }
    let mut tensor = Vec::new();
    field_varint(&mut tensor, 1, 1); // elem_type FLOAT
    field_bytes(&mut tensor, 2, &shape);
    let mut ty = Vec::new();
    field_bytes(&mut ty, 1, &tensor);
    let mut vi = Vec::new();
    field_bytes(&mut vi, 1, name.as_bytes());
    field_bytes(&mut vi, 2, &ty);
    vi
}

/// An ONNX ModelProto with one Gemm-like node, the given input and output, and a weight
/// initializer of `weights` floats whose last byte is `fill`.
pub fn onnx(input: (&str, &[&str]), output: (&str, &[&str]), weights: usize, fill: u8) -> Vec<u8> {
    let mut node = Vec::new();
    field_bytes(&mut node, 1, input.0.as_bytes());
    field_bytes(&mut node, 1, b"W");
    field_bytes(&mut node, 2, output.0.as_bytes());
    field_bytes(&mut node, 4, b"MatMul");
    let mut init = Vec::new();
    field_varint(&mut init, 1, weights as u64); // dims
    field_varint(&mut init, 2, 1); // data_type FLOAT
    field_bytes(&mut init, 8, b"W");
    let mut raw = vec![0u8; weights * 4];
    if let Some(l) = raw.last_mut() {
        *l = fill;
    }
    field_bytes(&mut init, 9, &raw);
    let mut graph = Vec::new();
    field_bytes(&mut graph, 1, &node);
    field_bytes(&mut graph, 2, b"main");
    field_bytes(&mut graph, 5, &init);
    field_bytes(&mut graph, 11, &value_info(input.0, input.1));
    field_bytes(&mut graph, 12, &value_info(output.0, output.1));
    let mut model = Vec::new();
    field_varint(&mut model, 1, 9);
    field_bytes(&mut model, 2, b"pytorch");
    field_bytes(&mut model, 3, b"2.4.0");
    field_bytes(&mut model, 7, &graph);
    let mut opset = Vec::new();
    field_varint(&mut opset, 2, 17);
    field_bytes(&mut model, 8, &opset);
    model
}

/// A Hugging Face model folder: config.json, README.md with a model card, model.safetensors.
pub fn hf_folder(dir: &Path, arch: &str, base_model: Option<&str>, tensors: &[(&str, &[u64])], fill: u8) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    let config = serde_json::json!({
        "architectures": [arch], "model_type": "llama", "hidden_size": 64, "num_hidden_layers": 2,
        "torch_dtype": "float32", "transformers_version": "4.46.0",
    });
    std::fs::write(dir.join("config.json"), serde_json::to_string_pretty(&config).expect("json"))?;
    let base = base_model.map(|b| format!("base_model: {b}\n")).unwrap_or_default();
    std::fs::write(
        dir.join("README.md"),
        format!(
            "---\nlicense: apache-2.0\nlibrary_name: transformers\npipeline_tag: text-generation\n{base}---\n\n# Model card\n"
        ),
    )?;
    std::fs::write(dir.join("model.safetensors"), safetensors(tensors, fill))
}

/// An MLflow model folder (sklearn flavor) with a column signature.
pub fn mlflow_folder(dir: &Path, columns: &[&str], fill: u8) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    let inputs: Vec<serde_json::Value> =
        columns.iter().map(|c| serde_json::json!({"type": "double", "name": c, "required": true})).collect();
    let inputs = serde_json::to_string(&inputs).expect("json");
    let mlmodel = format!(
        "artifact_path: model\nflavors:\n  python_function:\n    env:\n      virtualenv: python_env.yaml\n    loader_module: mlflow.sklearn\n    model_path: model.skops\n    python_version: 3.11.7\n  sklearn:\n    code: null\n    pickled_model: model.skops\n    serialization_format: skops\n    sklearn_version: 1.5.2\nmlflow_version: 2.17.0\nmodel_uuid: 5f8a7c1e0b2d4e6f8a9b0c1d2e3f4a5{fill:x}\nsignature:\n  inputs: '{inputs}'\n  outputs: '[{{\"type\": \"long\", \"name\": \"churn\", \"required\": true}}]'\n"
    );
    std::fs::write(dir.join("MLmodel"), mlmodel)?;
    std::fs::write(dir.join("requirements.txt"), "mlflow==2.17.0\nscikit-learn==1.5.2\nskops==0.10\n")?;
    std::fs::write(dir.join("python_env.yaml"), "python: 3.11.7\ndependencies:\n- -r requirements.txt\n")?;
    let mut skops = b"PK\x05\x06".to_vec(); // an empty zip: skops archives are zips
    skops.extend([0u8; 18]);
    skops.push(fill);
    std::fs::write(dir.join("model.skops"), skops)
}
