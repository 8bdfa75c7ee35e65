//! ONNX: a protobuf `ModelProto`. A small streaming protobuf wire-format reader walks the file
//! with seeks, so large length-delimited fields (initializer `raw_data`, node bodies, doc
//! strings) are skipped rather than read; only names, types and shapes are read into memory.
//! Every field must end within its enclosing message, so truncation anywhere is an error.
//! Initializers that keep their bytes in external files are checked against those files
//! (`external`).

use std::collections::{BTreeMap, HashSet};
use std::fs::File;
use std::io::{Read, Seek};
use std::path::Path;

use super::bounded::{Fail, Stream, bad};
use super::{Format, Interface, MAX_HEADER, Sniffed, TensorSpec};

mod external;

use external::External;
pub use external::external_files;

const FORMAT: &str = "onnx";

/// Protobuf wire types.
const VARINT: u8 = 0;
const I64: u8 = 1;
const LEN: u8 = 2;
const I32: u8 = 5;

/// Sniff an ONNX model file; external data files must be beside it (see `external`).
pub(crate) fn sniff(path: &Path, file: File, len: u64) -> Result<Sniffed, super::SniffError> {
    let mut s = Stream::from_file(file, len).map_err(|e| e.at(path, FORMAT))?;
    let (sniffed, externals) = parse_model(&mut s).map_err(|e| e.at(path, FORMAT))?;
    external::check(path, &externals)?;
    Ok(sniffed)
}

/// ONNX `TensorProto.DataType` name.
fn elem_type_name(t: u64) -> String {
    let name = match t {
        1 => "FLOAT",
        2 => "UINT8",
        3 => "INT8",
        4 => "UINT16",
        5 => "INT16",
        6 => "INT32",
        7 => "INT64",
        8 => "STRING",
        9 => "BOOL",
        10 => "FLOAT16",
        11 => "DOUBLE",
        12 => "UINT32",
        13 => "UINT64",
        14 => "COMPLEX64",
        15 => "COMPLEX128",
        16 => "BFLOAT16",
        _ => return format!("type{t}"),
    };
    name.to_string()
}

/// A protobuf reader over a bounded stream; each call takes the end offset of the message it is
/// reading, and nothing is read past it.
struct Pb<'a, R> {
    s: &'a mut Stream<R>,
    /// Bytes of strings still allowed to be kept (names of inputs, outputs, initializers...).
    budget: u64,
}

/// Total bytes of strings read into memory from one model.
const KEEP_BUDGET: u64 = 4 * MAX_HEADER;

impl<R: Read + Seek> Pb<'_, R> {
    fn pos(&self) -> u64 {
        self.s.pos()
    }

    fn varint(&mut self, end: u64) -> Result<u64, Fail> {
        let mut value: u64 = 0;
        for i in 0..10 {
            if self.s.pos() >= end {
                return bad(format!("truncated varint at offset {}", self.s.pos()));
            }
            let b = self.s.u8("varint")?;
            value |= u64::from(b & 0x7f) << (7 * i);
            if b & 0x80 == 0 {
                return Ok(value);
            }
        }
        bad(format!("varint longer than 10 bytes at offset {}", self.s.pos()))
    }

    /// Read a field key: (field number, wire type).
    fn key(&mut self, end: u64) -> Result<(u64, u8), Fail> {
        let k = self.varint(end)?;
        let field = k >> 3;
        if field == 0 {
            return bad(format!("invalid field number 0 at offset {}", self.s.pos()));
        }
        Ok((field, (k & 7) as u8))
    }

    /// Read a length prefix and return the end offset of the payload, checked against `end`.
    fn len_end(&mut self, end: u64) -> Result<u64, Fail> {
        let n = self.varint(end)?;
        let start = self.s.pos();
        match start.checked_add(n) {
            Some(e) if e <= end => Ok(e),
            _ => bad(format!("truncated: field of {n} bytes at offset {start} runs past the end of its message ({end})")),
        }
    }

    fn skip_to(&mut self, to: u64) -> Result<(), Fail> {
        let n = to - self.s.pos();
        self.s.skip(n, "field")
    }

    fn skip(&mut self, wire: u8, end: u64) -> Result<(), Fail> {
        let fixed = |me: &mut Self, n: u64| -> Result<(), Fail> {
            if me.s.pos() + n > end {
                return bad(format!("truncated fixed field at offset {}", me.s.pos()));
            }
            me.s.skip(n, "fixed field")
        };
        match wire {
            VARINT => self.varint(end).map(drop),
            I64 => fixed(self, 8),
            I32 => fixed(self, 4),
            LEN => {
                let e = self.len_end(end)?;
                self.skip_to(e)
            }
            other => bad(format!("unsupported protobuf wire type {other} at offset {}", self.s.pos())),
        }
    }

    fn string(&mut self, end: u64) -> Result<String, Fail> {
        let e = self.len_end(end)?;
        let n = e - self.s.pos();
        if n > self.budget {
            return bad(format!("strings in the model exceed {KEEP_BUDGET} bytes"));
        }
        let bytes = self.s.read_vec(n, MAX_HEADER, "string")?;
        self.budget -= n;
        Ok(String::from_utf8_lossy(&bytes).into_owned())
    }
}

#[derive(Default)]
struct Graph {
    name: Option<String>,
    node_count: u64,
    initializers: HashSet<String>,
    inputs: Vec<TensorSpec>,
    outputs: Vec<TensorSpec>,
    /// Initializers whose bytes live in other files.
    externals: Vec<External>,
}

/// The model's description and its external data references.
fn parse_model<R: Read + Seek>(s: &mut Stream<R>) -> Result<(Sniffed, Vec<External>), Fail> {
    let end = s.len();
    let mut pb = Pb { s, budget: KEEP_BUDGET };
    let mut ir_version = None;
    let mut strings: BTreeMap<&'static str, String> = BTreeMap::new();
    let mut graph = None;
    let mut opsets = Vec::new();
    while pb.pos() < end {
        let (field, wire) = pb.key(end)?;
        match (field, wire) {
            (1, VARINT) => ir_version = Some(pb.varint(end)?),
            (2, LEN) => drop(strings.insert("producer_name", pb.string(end)?)),
            (3, LEN) => drop(strings.insert("producer_version", pb.string(end)?)),
            (4, LEN) => drop(strings.insert("domain", pb.string(end)?)),
            (5, VARINT) => drop(strings.insert("model_version", (pb.varint(end)? as i64).to_string())),
            (7, LEN) => {
                let e = pb.len_end(end)?;
                graph = Some(parse_graph(&mut pb, e)?);
            }
            (8, LEN) => {
                let e = pb.len_end(end)?;
                opsets.push(parse_opset(&mut pb, e)?);
            }
            _ => pb.skip(wire, end)?,
        }
    }
    let Some(graph) = graph else {
        return bad("no graph in model");
    };
    let Some(ir_version) = ir_version else {
        return bad("missing ir_version");
    };
    if ir_version >= 3 && opsets.is_empty() {
        return bad("missing opset_import");
    }
    let mut metadata: BTreeMap<String, String> = strings.into_iter().map(|(k, v)| (k.to_string(), v)).collect();
    metadata.insert("ir_version".into(), ir_version.to_string());
    metadata.insert("opset".into(), opsets.join(","));
    metadata.insert("node_count".into(), graph.node_count.to_string());
    if let Some(name) = graph.name {
        metadata.insert("graph_name".into(), name);
    }
    external::describe(&graph.externals, &mut metadata);
    let initializers = graph.initializers;
    let inputs = graph.inputs.into_iter().filter(|i| !initializers.contains(&i.name)).collect();
    let sniffed = Sniffed {
        format: Format::Onnx,
        interface: Interface { inputs, outputs: graph.outputs, tensors: Vec::new(), task: None, libraries: None },
        metadata,
    };
    Ok((sniffed, graph.externals))
}

fn parse_opset<R: Read + Seek>(pb: &mut Pb<'_, R>, end: u64) -> Result<String, Fail> {
    let mut domain = String::new();
    let mut version = 0u64;
    while pb.pos() < end {
        match pb.key(end)? {
            (1, LEN) => domain = pb.string(end)?,
            (2, VARINT) => version = pb.varint(end)?,
            (_, wire) => pb.skip(wire, end)?,
        }
    }
    let domain = if domain.is_empty() { "ai.onnx".to_string() } else { domain };
    Ok(format!("{domain}:{}", version as i64))
}

fn parse_graph<R: Read + Seek>(pb: &mut Pb<'_, R>, end: u64) -> Result<Graph, Fail> {
    let mut g = Graph::default();
    while pb.pos() < end {
        match pb.key(end)? {
            (1, LEN) => {
                g.node_count += 1;
                pb.skip(LEN, end)?;
            }
            (2, LEN) => g.name = Some(pb.string(end)?),
            (5, LEN) => {
                let e = pb.len_end(end)?;
                let (name, external) = parse_tensor(pb, e)?;
                g.externals.extend(external);
                if let Some(name) = name {
                    g.initializers.insert(name);
                }
            }
            (15, LEN) => {
                let e = pb.len_end(end)?;
                g.externals.extend(parse_sparse_tensor(pb, e)?);
            }
            (11, LEN) => {
                let e = pb.len_end(end)?;
                g.inputs.push(parse_value_info(pb, e)?);
            }
            (12, LEN) => {
                let e = pb.len_end(end)?;
                g.outputs.push(parse_value_info(pb, e)?);
            }
            (_, wire) => pb.skip(wire, end)?,
        }
    }
    Ok(g)
}

/// `TensorProto.name` (field 8) and, when `data_location` (14) is EXTERNAL, its
/// `external_data` (13) reference; the data fields are skipped.
fn parse_tensor<R: Read + Seek>(pb: &mut Pb<'_, R>, end: u64) -> Result<(Option<String>, Option<External>), Fail> {
    const EXTERNAL: u64 = 1;
    let mut name = None;
    let mut entries = Vec::new();
    let mut location = 0;
    while pb.pos() < end {
        match pb.key(end)? {
            (8, LEN) => name = Some(pb.string(end)?),
            (13, LEN) => {
                let e = pb.len_end(end)?;
                entries.push(parse_entry(pb, e)?);
            }
            (14, VARINT) => location = pb.varint(end)?,
            (_, wire) => pb.skip(wire, end)?,
        }
    }
    if location != EXTERNAL {
        return Ok((name, None));
    }
    let external = External::from_entries(name.clone().unwrap_or_default(), &entries)?;
    Ok((name, Some(external)))
}

/// The external data of a `SparseTensorProto`'s `values` (1) and `indices` (2) tensors.
fn parse_sparse_tensor<R: Read + Seek>(pb: &mut Pb<'_, R>, end: u64) -> Result<Vec<External>, Fail> {
    let mut externals = Vec::new();
    while pb.pos() < end {
        match pb.key(end)? {
            (1 | 2, LEN) => {
                let e = pb.len_end(end)?;
                externals.extend(parse_tensor(pb, e)?.1);
            }
            (_, wire) => pb.skip(wire, end)?,
        }
    }
    Ok(externals)
}

/// A `StringStringEntryProto`: (key 1, value 2).
fn parse_entry<R: Read + Seek>(pb: &mut Pb<'_, R>, end: u64) -> Result<(String, String), Fail> {
    let (mut key, mut value) = (String::new(), String::new());
    while pb.pos() < end {
        match pb.key(end)? {
            (1, LEN) => key = pb.string(end)?,
            (2, LEN) => value = pb.string(end)?,
            (_, wire) => pb.skip(wire, end)?,
        }
    }
    Ok((key, value))
}

fn parse_value_info<R: Read + Seek>(pb: &mut Pb<'_, R>, end: u64) -> Result<TensorSpec, Fail> {
    let mut spec = TensorSpec { name: String::new(), dtype: "?".into(), shape: Vec::new() };
    while pb.pos() < end {
        match pb.key(end)? {
            (1, LEN) => spec.name = pb.string(end)?,
            (2, LEN) => {
                let e = pb.len_end(end)?;
                let (dtype, shape) = parse_type(pb, e)?;
                spec.dtype = dtype;
                spec.shape = shape;
            }
            (_, wire) => pb.skip(wire, end)?,
        }
    }
    Ok(spec)
}

/// `TypeProto`: tensor_type (1) and sparse_tensor_type (8) are read; sequence (4), map (5) and
/// optional (9) types are named but not descended into.
fn parse_type<R: Read + Seek>(pb: &mut Pb<'_, R>, end: u64) -> Result<(String, Vec<String>), Fail> {
    let mut out = ("?".to_string(), Vec::new());
    while pb.pos() < end {
        match pb.key(end)? {
            (1, LEN) => {
                let e = pb.len_end(end)?;
                out = parse_tensor_type(pb, e)?;
            }
            (8, LEN) => {
                let e = pb.len_end(end)?;
                let (dtype, shape) = parse_tensor_type(pb, e)?;
                out = (format!("sparse:{dtype}"), shape);
            }
            (f @ (4 | 5 | 9), LEN) => {
                let kind = match f {
                    4 => "sequence",
                    5 => "map",
                    _ => "optional",
                };
                out = (kind.to_string(), Vec::new());
                pb.skip(LEN, end)?;
            }
            (_, wire) => pb.skip(wire, end)?,
        }
    }
    Ok(out)
}

fn parse_tensor_type<R: Read + Seek>(pb: &mut Pb<'_, R>, end: u64) -> Result<(String, Vec<String>), Fail> {
    let mut dtype = "?".to_string();
    let mut shape = Vec::new();
    while pb.pos() < end {
        match pb.key(end)? {
            (1, VARINT) => dtype = elem_type_name(pb.varint(end)?),
            (2, LEN) => {
                let e = pb.len_end(end)?;
                shape = parse_shape(pb, e)?;
            }
            (_, wire) => pb.skip(wire, end)?,
        }
    }
    Ok((dtype, shape))
}

fn parse_shape<R: Read + Seek>(pb: &mut Pb<'_, R>, end: u64) -> Result<Vec<String>, Fail> {
    let mut dims = Vec::new();
    while pb.pos() < end {
        match pb.key(end)? {
            (1, LEN) => {
                let e = pb.len_end(end)?;
                dims.push(parse_dim(pb, e)?);
            }
            (_, wire) => pb.skip(wire, end)?,
        }
    }
    Ok(dims)
}

fn parse_dim<R: Read + Seek>(pb: &mut Pb<'_, R>, end: u64) -> Result<String, Fail> {
    let mut dim = "?".to_string();
    while pb.pos() < end {
        match pb.key(end)? {
            (1, VARINT) => dim = (pb.varint(end)? as i64).to_string(),
            (2, LEN) => dim = pb.string(end)?,
            (_, wire) => pb.skip(wire, end)?,
        }
    }
    Ok(dim)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Cursor;

    fn parse_bytes(b: &[u8]) -> Result<Sniffed, Fail> {
        let mut s = Stream::new(Cursor::new(b), b.len() as u64);
        parse_model(&mut s).map(|(sniffed, _)| sniffed)
    }

    #[test]
    fn empty_and_garbage_are_errors() {
        assert!(parse_bytes(b"").is_err());
        assert!(parse_bytes(&[0xff; 16]).is_err());
        // field 7 claiming 100 bytes with 2 present
        assert!(parse_bytes(&[0x08, 0x07, 0x3a, 100, 0, 0]).is_err());
    }

    #[test]
    fn minimal_model() {
        // ir_version 7; graph { name "g" input { name "x" type { tensor_type { elem_type 1 shape { dim { dim_param "N" } dim { dim_value 3 } } } } } }; opset_import { version 17 }
        let dim_n = [0x0a, 0x03, 0x12, 0x01, b'N'];
        let dim_3 = [0x0a, 0x02, 0x08, 0x03];
        let mut shape = vec![];
        shape.extend_from_slice(&dim_n);
        shape.extend_from_slice(&dim_3);
        let mut tt = vec![0x08, 0x01, 0x12, shape.len() as u8];
        tt.extend_from_slice(&shape);
        let mut ty = vec![0x0a, tt.len() as u8];
        ty.extend_from_slice(&tt);
        let mut vi = vec![0x0a, 0x01, b'x', 0x12, ty.len() as u8];
        vi.extend_from_slice(&ty);
        let mut graph = vec![0x12, 0x01, b'g', 0x5a, vi.len() as u8];
        graph.extend_from_slice(&vi);
        let mut model = vec![0x08, 0x07, 0x3a, graph.len() as u8];
        model.extend_from_slice(&graph);
        model.extend_from_slice(&[0x42, 0x02, 0x10, 0x11]);
        let s = parse_bytes(&model).unwrap();
        assert_eq!(s.interface.inputs[0].name, "x");
        assert_eq!(s.interface.inputs[0].dtype, "FLOAT");
        assert_eq!(s.interface.inputs[0].shape, vec!["N", "3"]);
        assert_eq!(s.metadata["opset"], "ai.onnx:17");
        for cut in 0..model.len() {
            assert!(parse_bytes(&model[..cut]).is_err(), "cut at {cut}");
        }
    }
}
