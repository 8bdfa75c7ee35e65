#![allow(dead_code)]
//! Builders for real model-format bytes and folders, shared by the integration tests
//! (`#[path = "../common/fixtures.rs"] mod fixtures;`).
//!
//! Every builder produces bytes in the real on-disk layout, not a look-alike. They were checked
//! against the reference readers: safetensors 0.8 `safe_open`, onnx 1.23 `checker.check_model`,
//! gguf-py 0.19 `GGUFReader`, h5py 3.16 and CPython 3.11's `pickletools`/`zipfile`. The pickle
//! bytes are exactly what CPython's `pickle` writes for the objects described (the torch ones
//! reproduce `torch.save`'s pickler, persistent ids included). The MLflow `MLmodel` texts are
//! verbatim from real MLflow 3.17 runs.

use std::io::Write;
use std::path::Path;

// ---------------------------------------------------------------------------------------------
// safetensors

/// Bytes per element of a safetensors dtype (whole-byte dtypes only).
pub fn safetensors_dtype_size(dtype: &str) -> u64 {
    match dtype {
        "BOOL" | "U8" | "I8" | "F8_E5M2" | "F8_E4M3" => 1,
        "I16" | "U16" | "F16" | "BF16" => 2,
        "I32" | "U32" | "F32" => 4,
        "I64" | "U64" | "F64" => 8,
        other => panic!("fixture: unsupported safetensors dtype {other}"),
    }
}

/// A safetensors file: header JSON (with `__metadata__` first when given) padded with spaces to a
/// multiple of 8 bytes as the safetensors library does, then zero-filled tensor data laid out in
/// the order given.
pub fn safetensors(tensors: &[(&str, &str, &[u64])], metadata: &[(&str, &str)]) -> Vec<u8> {
    let (mut out, data_len) = safetensors_header(tensors, metadata);
    out.resize(out.len() + data_len as usize, 0);
    out
}

/// The 8-byte length and padded JSON header of [`safetensors`], and the size of the data
/// section that must follow it.
pub fn safetensors_header(tensors: &[(&str, &str, &[u64])], metadata: &[(&str, &str)]) -> (Vec<u8>, u64) {
    let mut header = serde_json::Map::new();
    if !metadata.is_empty() {
        let meta: serde_json::Map<String, serde_json::Value> =
            metadata.iter().map(|(k, v)| (k.to_string(), serde_json::Value::from(*v))).collect();
        header.insert("__metadata__".into(), serde_json::Value::Object(meta));
    }
    let mut offset = 0u64;
    for (name, dtype, shape) in tensors {
        let bytes = shape.iter().product::<u64>() * safetensors_dtype_size(dtype);
        header.insert(
            name.to_string(),
            serde_json::json!({ "dtype": dtype, "shape": shape, "data_offsets": [offset, offset + bytes] }),
        );
        offset += bytes;
    }
    let mut json = serde_json::to_vec(&serde_json::Value::Object(header)).expect("json");
    while !json.len().is_multiple_of(8) {
        json.push(b' ');
    }
    let mut out = (json.len() as u64).to_le_bytes().to_vec();
    out.extend_from_slice(&json);
    (out, offset)
}

/// A safetensors file whose header-length field says `len` but which holds only a tiny header.
pub fn safetensors_with_header_len(len: u64) -> Vec<u8> {
    let mut out = len.to_le_bytes().to_vec();
    out.extend_from_slice(b"{}      ");
    out
}

// ---------------------------------------------------------------------------------------------
// ONNX (protobuf)

/// An ONNX tensor dimension.
#[derive(Debug, Clone, Copy)]
pub enum Dim {
    /// `dim_value`
    V(i64),
    /// `dim_param` (a symbolic name)
    P(&'static str),
    /// Neither set.
    Unknown,
}

/// ONNX `TensorProto.DataType` codes used by the tests.
pub const FLOAT: i32 = 1;
pub const INT64: i32 = 7;
pub const FLOAT16: i32 = 10;
pub const BFLOAT16: i32 = 16;

fn pb_varint(out: &mut Vec<u8>, v: u64) {
    pedigree::demo::files::varint(out, v);
}

fn pb_key(out: &mut Vec<u8>, field: u32, wire: u8) {
    pb_varint(out, (u64::from(field) << 3) | u64::from(wire));
}

fn pb_int(out: &mut Vec<u8>, field: u32, v: i64) {
    pb_key(out, field, 0);
    pb_varint(out, v as u64);
}

fn pb_bytes(out: &mut Vec<u8>, field: u32, bytes: &[u8]) {
    pb_key(out, field, 2);
    pb_varint(out, bytes.len() as u64);
    out.extend_from_slice(bytes);
}

fn pb_str(out: &mut Vec<u8>, field: u32, s: &str) {
    pb_bytes(out, field, s.as_bytes());
}

/// `ValueInfoProto { name, type { tensor_type { elem_type, shape { dim* } } } }`.
fn onnx_value_info(name: &str, elem_type: i32, dims: &[Dim]) -> Vec<u8> {
    let mut shape = Vec::new();
    for d in dims {
        let mut dim = Vec::new();
        match d {
            Dim::V(v) => pb_int(&mut dim, 1, *v),
            Dim::P(p) => pb_str(&mut dim, 2, p),
            Dim::Unknown => {}
        }
        pb_bytes(&mut shape, 1, &dim);
    }
    let mut tensor_type = Vec::new();
    pb_int(&mut tensor_type, 1, i64::from(elem_type));
    pb_bytes(&mut tensor_type, 2, &shape);
    let mut ty = Vec::new();
    pb_bytes(&mut ty, 1, &tensor_type);
    let mut vi = Vec::new();
    pb_str(&mut vi, 1, name);
    pb_bytes(&mut vi, 2, &ty);
    vi
}

/// An ONNX model (IR version 8, opset ai.onnx 17, produced by "pytorch" 2.3.0) whose graph
/// "main_graph" has the given inputs and outputs, one `Identity` node per output reading the first
/// input (so `onnx.checker` accepts it), and FLOAT `[4]` initializers (16 zero bytes of
/// `raw_data` each). List an initializer's name in `inputs` too to model a
/// `keep_initializers_as_inputs` export. Fields are written in field-number order, as protobuf
/// serialisers do. `inputs` must not be empty.
pub fn onnx(inputs: &[(&str, i32, &[Dim])], outputs: &[(&str, i32, &[Dim])], initializers: &[&str]) -> Vec<u8> {
    let source = inputs.first().map(|i| i.0).expect("fixture: onnx needs an input");
    let mut graph = Vec::new();
    for (i, (out_name, _, _)) in outputs.iter().enumerate() {
        let mut node = Vec::new();
        pb_str(&mut node, 1, source);
        pb_str(&mut node, 2, out_name);
        pb_str(&mut node, 3, &format!("/Identity_{i}"));
        pb_str(&mut node, 4, "Identity");
        pb_bytes(&mut graph, 1, &node);
    }
    pb_str(&mut graph, 2, "main_graph");
    for name in initializers {
        let mut t = Vec::new();
        pb_int(&mut t, 1, 4); // dims
        pb_int(&mut t, 2, i64::from(FLOAT)); // data_type
        pb_str(&mut t, 8, name); // name
        pb_bytes(&mut t, 9, &[0u8; 16]); // raw_data
        pb_bytes(&mut graph, 5, &t);
    }
    for (name, ty, dims) in inputs {
        pb_bytes(&mut graph, 11, &onnx_value_info(name, *ty, dims));
    }
    for (name, ty, dims) in outputs {
        pb_bytes(&mut graph, 12, &onnx_value_info(name, *ty, dims));
    }
    let mut model = Vec::new();
    pb_int(&mut model, 1, 8); // ir_version
    pb_str(&mut model, 2, "pytorch"); // producer_name
    pb_str(&mut model, 3, "2.3.0"); // producer_version
    pb_bytes(&mut model, 7, &graph);
    let mut opset = Vec::new();
    pb_str(&mut opset, 1, "");
    pb_int(&mut opset, 2, 17);
    pb_bytes(&mut model, 8, &opset);
    model
}

/// Write to `path` an ONNX model like [`onnx`] with input `x` FLOAT `[N, 4]`, output `y` and one
/// initializer `big` whose `raw_data` is `raw_len` zero bytes, left as a hole in a sparse file
/// (so multi-GB models can be tested without using the disk).
pub fn write_onnx_with_large_initializer(path: &Path, raw_len: u64) {
    use std::io::{Seek, SeekFrom};
    let mut node = Vec::new();
    pb_str(&mut node, 1, "x");
    pb_str(&mut node, 2, "y");
    pb_str(&mut node, 4, "Identity");
    let mut graph_head = Vec::new();
    pb_bytes(&mut graph_head, 1, &node);
    pb_str(&mut graph_head, 2, "main_graph");
    let mut tensor_head = Vec::new();
    pb_int(&mut tensor_head, 1, (raw_len / 4) as i64);
    pb_int(&mut tensor_head, 2, i64::from(FLOAT));
    pb_str(&mut tensor_head, 8, "big");
    pb_key(&mut tensor_head, 9, 2);
    pb_varint(&mut tensor_head, raw_len);
    let tensor_len = tensor_head.len() as u64 + raw_len;
    pb_key(&mut graph_head, 5, 2);
    pb_varint(&mut graph_head, tensor_len);
    graph_head.extend_from_slice(&tensor_head);
    let mut graph_tail = Vec::new();
    pb_bytes(&mut graph_tail, 11, &onnx_value_info("x", FLOAT, &[Dim::P("N"), Dim::V(4)]));
    pb_bytes(&mut graph_tail, 12, &onnx_value_info("y", FLOAT, &[Dim::P("N"), Dim::V(4)]));
    let graph_len = graph_head.len() as u64 + raw_len + graph_tail.len() as u64;
    let mut head = Vec::new();
    pb_int(&mut head, 1, 8);
    pb_str(&mut head, 2, "pytorch");
    pb_key(&mut head, 7, 2);
    pb_varint(&mut head, graph_len);
    head.extend_from_slice(&graph_head);
    let mut tail = graph_tail;
    let mut opset = Vec::new();
    pb_int(&mut opset, 2, 17);
    pb_bytes(&mut tail, 8, &opset);
    let mut f = std::fs::File::create(path).expect("create");
    f.write_all(&head).expect("write");
    f.seek(SeekFrom::Current(raw_len as i64)).expect("seek");
    f.write_all(&tail).expect("write");
}

/// Write to `path` a safetensors file with one F32 tensor `w` of `[rows, 1024]` whose data is a
/// hole in a sparse file.
pub fn write_large_safetensors(path: &Path, rows: u64) {
    let (header, data_len) = safetensors_header(&[("w", "F32", &[rows, 1024])], &[]);
    let f = std::fs::File::create(path).expect("create");
    (&f).write_all(&header).expect("write");
    f.set_len(header.len() as u64 + data_len).expect("set_len");
}

// ---------------------------------------------------------------------------------------------
// GGUF

/// ggml type codes used by the tests.
pub const GGML_F32: u32 = 0;
pub const GGML_F16: u32 = 1;
pub const GGML_Q4_0: u32 = 2;
pub const GGML_Q8_0: u32 = 8;
pub const GGML_BF16: u32 = 30;

/// (elements per block, bytes per block) of the ggml types the builder can lay out.
fn ggml_block(ty: u32) -> (u64, u64) {
    match ty {
        GGML_F32 => (1, 4),
        GGML_F16 | GGML_BF16 => (1, 2),
        GGML_Q4_0 => (32, 18),
        GGML_Q8_0 => (32, 34),
        other => panic!("fixture: unsupported ggml type {other}"),
    }
}

/// Data bytes of a tensor: whole blocks per row (dims are innermost-first, so `dims[0]` is the
/// row). Rows that are not a multiple of the block size, which llama.cpp would reject, are
/// rounded up to whole blocks so tests may use tiny shapes.
pub fn ggml_nbytes(dims: &[u64], ty: u32) -> u64 {
    let (block, bytes) = ggml_block(ty);
    let numel: u64 = dims.iter().product();
    let row = dims.first().copied().unwrap_or(1);
    if numel == 0 || row == 0 {
        return 0;
    }
    numel / row * row.div_ceil(block) * bytes
}

fn gguf_str(out: &mut Vec<u8>, s: &str) {
    out.extend_from_slice(&(s.len() as u64).to_le_bytes());
    out.extend_from_slice(s.as_bytes());
}

fn gguf_kv_str(out: &mut Vec<u8>, key: &str, value: &str) {
    gguf_str(out, key);
    out.extend_from_slice(&8u32.to_le_bytes());
    gguf_str(out, value);
}

fn gguf_kv_u32(out: &mut Vec<u8>, key: &str, value: u32) {
    gguf_str(out, key);
    out.extend_from_slice(&4u32.to_le_bytes());
    out.extend_from_slice(&value.to_le_bytes());
}

/// Number of metadata key/values [`gguf`] writes.
pub const GGUF_KV_COUNT: u64 = 7;

/// A GGUF v3 file: metadata `general.architecture`, `general.name`,
/// `<arch>.context_length`, `general.file_type`, `tokenizer.ggml.model`, `tokenizer.ggml.tokens`
/// (an array of 4 strings) and `tokenizer.ggml.scores` (an array of 4 f32); then tensor infos
/// (`(name, dims innermost-first, ggml type)`), padding to the 32-byte default alignment, and
/// zero-filled tensor data with each tensor 32-byte aligned (sizes per [`ggml_nbytes`]).
pub fn gguf(arch: &str, tensors: &[(&str, &[u64], u32)]) -> Vec<u8> {
    let mut out = b"GGUF".to_vec();
    out.extend_from_slice(&3u32.to_le_bytes());
    out.extend_from_slice(&(tensors.len() as u64).to_le_bytes());
    out.extend_from_slice(&GGUF_KV_COUNT.to_le_bytes());
    gguf_kv_str(&mut out, "general.architecture", arch);
    gguf_kv_str(&mut out, "general.name", "Fixture Model");
    gguf_kv_u32(&mut out, &format!("{arch}.context_length"), 2048);
    gguf_kv_u32(&mut out, "general.file_type", 1);
    gguf_kv_str(&mut out, "tokenizer.ggml.model", "llama");
    gguf_str(&mut out, "tokenizer.ggml.tokens");
    out.extend_from_slice(&9u32.to_le_bytes()); // array
    out.extend_from_slice(&8u32.to_le_bytes()); // of string
    let tokens = ["<unk>", "<s>", "</s>", "hello"];
    out.extend_from_slice(&(tokens.len() as u64).to_le_bytes());
    for t in tokens {
        gguf_str(&mut out, t);
    }
    gguf_str(&mut out, "tokenizer.ggml.scores");
    out.extend_from_slice(&9u32.to_le_bytes()); // array
    out.extend_from_slice(&6u32.to_le_bytes()); // of f32
    out.extend_from_slice(&4u64.to_le_bytes());
    for score in [0.0f32, 0.0, 0.0, -1.5] {
        out.extend_from_slice(&score.to_le_bytes());
    }
    let mut offset = 0u64;
    let mut sizes = Vec::new();
    for (name, dims, ty) in tensors {
        gguf_str(&mut out, name);
        out.extend_from_slice(&(dims.len() as u32).to_le_bytes());
        for d in *dims {
            out.extend_from_slice(&d.to_le_bytes());
        }
        out.extend_from_slice(&ty.to_le_bytes());
        out.extend_from_slice(&offset.to_le_bytes());
        let size = ggml_nbytes(dims, *ty);
        sizes.push(size);
        offset += size.div_ceil(32) * 32;
    }
    while !out.len().is_multiple_of(32) {
        out.push(0);
    }
    for size in sizes {
        out.resize(out.len() + size as usize, 0);
        while !out.len().is_multiple_of(32) {
            out.push(0);
        }
    }
    out
}

// The container formats (pickles, zip archives, HDF5, model folders) live beside this file.
#[path = "fixtures_containers.rs"]
mod containers;
#[allow(unused_imports)]
pub use containers::*;
