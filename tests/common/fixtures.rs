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

use std::io::{Cursor, Write};
use std::path::Path;

use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, ZipWriter};

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
