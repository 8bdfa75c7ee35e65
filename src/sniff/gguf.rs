//! GGUF (llama.cpp): magic "GGUF", version, tensor and metadata counts, typed metadata
//! key/values, then tensor infos (name, dims, ggml type, offset) and the aligned data section.
//! Metadata values become strings; arrays are summarised as `[type; count]` and skipped with
//! bounded seeks. Tensor extents are checked against the file size for known ggml types.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{Read, Seek};
use std::path::Path;

use super::bounded::{Fail, Stream, bad};
use super::{Format, Interface, MAX_HEADER, Sniffed, TensorSpec};

const FORMAT: &str = "gguf";
/// Longest metadata key or tensor name accepted.
const MAX_NAME: u64 = 64 << 10;
/// Longest string value kept; longer ones are skipped and summarised.
const MAX_STRING: u64 = 1 << 20;
const MAX_TENSORS: u64 = 10_000_000;
const MAX_KV: u64 = 1_000_000;
const MAX_DIMS: u32 = 8;
const MAX_ARRAY_DEPTH: u32 = 4;
/// Total bytes of keys, names and string values kept in memory; past it, string values are
/// summarised and further names are an error.
const KEEP_BUDGET: u64 = 4 * MAX_HEADER;

/// Sniff a GGUF file.
pub(crate) fn sniff(path: &Path, file: File, len: u64) -> Result<Sniffed, super::SniffError> {
    let mut s = Stream::from_file(file, len).map_err(|e| e.at(path, FORMAT))?;
    parse(&mut s).map(|(sniffed, _)| sniffed).map_err(|e| e.at(path, FORMAT))
}

/// Byte ranges of each tensor's data (absolute offsets), by name, for per-tensor digests; only
/// tensors whose ggml type has a known block layout. A file that does not parse gives none.
pub fn tensor_ranges(path: &Path) -> Vec<(String, u64, u64)> {
    let ranges = (|| {
        let file = File::open(path).ok()?;
        let len = file.metadata().ok()?.len();
        let mut s = Stream::from_file(file, len).ok()?;
        parse(&mut s).ok().map(|(_, ranges)| ranges)
    })();
    let mut ranges = ranges.unwrap_or_default();
    ranges.sort_by_key(|r| (r.1, r.2));
    ranges
}

/// ggml tensor type name.
fn ggml_type_name(t: u32) -> String {
    let name = match t {
        0 => "F32",
        1 => "F16",
        2 => "Q4_0",
        3 => "Q4_1",
        6 => "Q5_0",
        7 => "Q5_1",
        8 => "Q8_0",
        9 => "Q8_1",
        10 => "Q2_K",
        11 => "Q3_K",
        12 => "Q4_K",
        13 => "Q5_K",
        14 => "Q6_K",
        15 => "Q8_K",
        16 => "IQ2_XXS",
        17 => "IQ2_XS",
        18 => "IQ3_XXS",
        19 => "IQ1_S",
        20 => "IQ4_NL",
        21 => "IQ3_S",
        22 => "IQ2_S",
        23 => "IQ4_XS",
        24 => "I8",
        25 => "I16",
        26 => "I32",
        27 => "I64",
        28 => "F64",
        29 => "IQ1_M",
        30 => "BF16",
        _ => return format!("ggml{t}"),
    };
    name.to_string()
}

/// (elements per block, bytes per block) for the ggml types whose layout is well known.
fn ggml_block(t: u32) -> Option<(u64, u64)> {
    Some(match t {
        0 => (1, 4),
        1 => (1, 2),
        2 => (32, 18),
        3 => (32, 20),
        6 => (32, 22),
        7 => (32, 24),
        8 => (32, 34),
        9 => (32, 36),
        10 => (256, 84),
        11 => (256, 110),
        12 => (256, 144),
        13 => (256, 176),
        14 => (256, 210),
        15 => (256, 292),
        24 => (1, 1),
        25 => (1, 2),
        26 => (1, 4),
        27 => (1, 8),
        28 => (1, 8),
        30 => (1, 2),
        _ => return None,
    })
}

/// GGUF metadata value type name, as used in array summaries.
fn value_type_name(t: u32) -> Option<&'static str> {
    Some(match t {
        0 => "u8",
        1 => "i8",
        2 => "u16",
        3 => "i16",
        4 => "u32",
        5 => "i32",
        6 => "f32",
        7 => "bool",
        8 => "string",
        9 => "array",
        10 => "u64",
        11 => "i64",
        12 => "f64",
        _ => return None,
    })
}

/// Byte size of a fixed-size value type.
fn fixed_size(t: u32) -> Option<u64> {
    Some(match t {
        0 | 1 | 7 => 1,
        2 | 3 => 2,
        4..=6 => 4,
        10..=12 => 8,
        _ => return None,
    })
}

struct Reader<'a, R> {
    s: &'a mut Stream<R>,
    /// Bytes still allowed to be kept (see [`KEEP_BUDGET`]).
    budget: u64,
}

impl<R: Read + Seek> Reader<'_, R> {
    /// A length-prefixed key or tensor name.
    fn name(&mut self, what: &str) -> Result<String, Fail> {
        let n = self.s.u64_le(what)?;
        if n > self.budget {
            return bad(format!("{what}: names and metadata exceed {KEEP_BUDGET} bytes"));
        }
        let bytes = self.s.read_vec(n, MAX_NAME, what)?;
        self.budget -= n;
        Ok(String::from_utf8_lossy(&bytes).into_owned())
    }

    /// Read one metadata value of type `t` as a display string.
    fn value(&mut self, t: u32) -> Result<String, Fail> {
        let mut b = [0u8; 8];
        let v = match t {
            0 => self.s.u8("u8")?.to_string(),
            1 => (self.s.u8("i8")? as i8).to_string(),
            2 => {
                self.s.read_exact(&mut b[..2], "u16")?;
                u16::from_le_bytes([b[0], b[1]]).to_string()
            }
            3 => {
                self.s.read_exact(&mut b[..2], "i16")?;
                i16::from_le_bytes([b[0], b[1]]).to_string()
            }
            4 => self.s.u32_le("u32")?.to_string(),
            5 => (self.s.u32_le("i32")? as i32).to_string(),
            6 => f32::from_bits(self.s.u32_le("f32")?).to_string(),
            7 => match self.s.u8("bool")? {
                0 => "false".into(),
                1 => "true".into(),
                other => return bad(format!("invalid bool value {other}")),
            },
            8 => {
                let n = self.s.u64_le("string length")?;
                if n > MAX_STRING || n > self.budget {
                    self.s.skip(n, "string")?;
                    format!("<string; {n} bytes>")
                } else {
                    let bytes = self.s.read_vec(n, MAX_STRING, "string")?;
                    self.budget -= n;
                    String::from_utf8_lossy(&bytes).into_owned()
                }
            }
            9 => {
                let (elem, count) = self.skip_array(1)?;
                format!("[{elem}; {count}]")
            }
            10 => self.s.u64_le("u64")?.to_string(),
            11 => (self.s.u64_le("i64")? as i64).to_string(),
            12 => f64::from_bits(self.s.u64_le("f64")?).to_string(),
            other => return bad(format!("unknown metadata value type {other}")),
        };
        Ok(v)
    }

    /// Skip an array body (element type, count, elements); returns (element type name, count).
    fn skip_array(&mut self, depth: u32) -> Result<(&'static str, u64), Fail> {
        if depth > MAX_ARRAY_DEPTH {
            return bad("arrays nested too deeply");
        }
        let elem = self.s.u32_le("array element type")?;
        let count = self.s.u64_le("array length")?;
        let Some(elem_name) = value_type_name(elem) else {
            return bad(format!("unknown array element type {elem}"));
        };
        if let Some(size) = fixed_size(elem) {
            let total = count.checked_mul(size).ok_or_else(|| Fail::Bad(format!("array of {count} {elem_name} overflows")))?;
            self.s.skip(total, "array")?;
        } else {
            // Strings (8 bytes of length each at least) or nested arrays (12 bytes of header).
            let min = if elem == 8 { 8 } else { 12 };
            if count > self.s.remaining() / min {
                return bad(format!("truncated: array claims {count} {elem_name} elements"));
            }
            for _ in 0..count {
                if elem == 8 {
                    let n = self.s.u64_le("string length")?;
                    self.s.skip(n, "string")?;
                } else {
                    self.skip_array(depth + 1)?;
                }
            }
        }
        Ok((elem_name, count))
    }
}

/// The sniffed facts, and each tensor's data range (absolute offsets) when its size is known.
type Parsed = (Sniffed, Vec<(String, u64, u64)>);

fn parse<R: Read + Seek>(s: &mut Stream<R>) -> Result<Parsed, Fail> {
    let mut magic = [0u8; 4];
    s.read_exact(&mut magic, "magic")?;
    if &magic != b"GGUF" {
        return bad("missing GGUF magic");
    }
    let version = s.u32_le("version")?;
    if !(2..=3).contains(&version) {
        return bad(format!("unsupported GGUF version {version}"));
    }
    let tensor_count = s.u64_le("tensor count")?;
    let kv_count = s.u64_le("metadata count")?;
    if tensor_count > MAX_TENSORS {
        return bad(format!("implausible tensor count {tensor_count}"));
    }
    if kv_count > MAX_KV {
        return bad(format!("implausible metadata count {kv_count}"));
    }
    let mut r = Reader { s, budget: KEEP_BUDGET };
    let mut metadata = BTreeMap::new();
    let mut alignment: u64 = 32;
    for _ in 0..kv_count {
        let key = r.name("metadata key")?;
        let t = r.s.u32_le("value type")?;
        let value = r.value(t)?;
        if key == "general.alignment" {
            match (t, value.parse::<u64>()) {
                (4, Ok(a)) if a.is_power_of_two() => alignment = a,
                _ => return bad(format!("invalid general.alignment {value}")),
            }
        }
        metadata.insert(key, value);
    }
    let mut tensors = Vec::new();
    let mut extents = Vec::new();
    for _ in 0..tensor_count {
        let name = r.name("tensor name")?;
        let n_dims = r.s.u32_le("tensor dims")?;
        if n_dims > MAX_DIMS {
            return bad(format!("tensor {name:?} has {n_dims} dimensions"));
        }
        let mut dims = Vec::with_capacity(n_dims as usize);
        for _ in 0..n_dims {
            dims.push(r.s.u64_le("tensor dim")?);
        }
        let ty = r.s.u32_le("tensor type")?;
        let offset = r.s.u64_le("tensor offset")?;
        if offset % alignment != 0 {
            return bad(format!("tensor {name:?} offset {offset} is not {alignment}-aligned"));
        }
        extents.push((name.clone(), offset, tensor_bytes(&name, &dims, ty)?));
        tensors.push(TensorSpec { name, dtype: ggml_type_name(ty), shape: dims.iter().map(u64::to_string).collect() });
    }
    let pos = r.s.pos();
    let data_start = pos.div_ceil(alignment) * alignment;
    let len = r.s.len();
    let mut ranges = Vec::new();
    for (name, offset, bytes) in extents {
        let end = data_start.checked_add(offset).and_then(|o| o.checked_add(bytes.unwrap_or(0)));
        match end {
            Some(e) if e <= len => {
                if bytes.is_some() {
                    ranges.push((name, data_start + offset, e));
                }
            }
            _ => return bad(format!("truncated: tensor {name:?} data at offset {offset} runs past the end of the file")),
        }
    }
    tensors.sort();
    metadata.insert("gguf.version".into(), version.to_string());
    metadata.insert("tensor_count".into(), tensor_count.to_string());
    let task = metadata.get("general.architecture").cloned();
    Ok((Sniffed { format: Format::Gguf, interface: Interface { tensors, task, ..Interface::default() }, metadata }, ranges))
}

/// Data size of a tensor, when its ggml type's block layout is known. Rows whose length is not
/// a multiple of the block size (which ggml itself rejects) are counted as whole blocks rather
/// than refused: the sniffer checks extents, not quantisation rules.
fn tensor_bytes(name: &str, dims: &[u64], ty: u32) -> Result<Option<u64>, Fail> {
    let Some((block, size)) = ggml_block(ty) else {
        return Ok(None);
    };
    let Some(numel) = dims.iter().try_fold(1u64, |acc, &d| acc.checked_mul(d)) else {
        return bad(format!("tensor {name:?} dims {dims:?} overflow"));
    };
    let row = dims.first().copied().unwrap_or(1);
    if numel == 0 || row == 0 {
        return Ok(Some(0));
    }
    match row.div_ceil(block).checked_mul(size).and_then(|row_bytes| (numel / row).checked_mul(row_bytes)) {
        Some(b) => Ok(Some(b)),
        None => bad(format!("tensor {name:?} size overflows")),
    }
}
