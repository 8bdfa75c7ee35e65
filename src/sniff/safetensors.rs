//! Safetensors: an 8-byte little-endian header length N, N bytes of JSON describing each tensor
//! (`dtype`, `shape`, `data_offsets` into the data section) plus optional `__metadata__`, then the
//! raw data. Only the header is read; offsets and sizes are checked against the file size.

use std::collections::BTreeMap;
use std::fs::File;
use std::path::Path;

use serde_json::Value;

use super::bounded::{Fail, Stream, bad};
use super::{Format, Interface, MAX_HEADER, Sniffed, TensorSpec};

const FORMAT: &str = "safetensors";

/// Bits per element of each safetensors dtype.
fn dtype_bits(dtype: &str) -> Option<u64> {
    Some(match dtype {
        "F4" => 4,
        "F6_E2M3" | "F6_E3M2" => 6,
        "BOOL" | "U8" | "I8" | "F8_E5M2" | "F8_E4M3" | "F8_E8M0" => 8,
        "I16" | "U16" | "F16" | "BF16" => 16,
        "I32" | "U32" | "F32" => 32,
        "I64" | "U64" | "F64" | "C64" => 64,
        _ => return None,
    })
}

/// Sniff a safetensors file.
pub(crate) fn sniff(path: &Path, file: File, len: u64) -> Result<Sniffed, super::SniffError> {
    parse(file, len).map_err(|e| e.at(path, FORMAT))
}

fn parse(file: File, len: u64) -> Result<Sniffed, Fail> {
    if len < 8 {
        return bad(format!("file is {len} bytes, too short for the 8-byte header length"));
    }
    let mut s = Stream::from_file(file, len)?;
    let n = s.u64_le("header length")?;
    if n > MAX_HEADER {
        return bad(format!("header length {n} exceeds the {MAX_HEADER}-byte limit"));
    }
    if n > len - 8 {
        return bad(format!("header length {n} exceeds the file size ({len} bytes)"));
    }
    let header = s.read_vec(n, MAX_HEADER, "header")?;
    parse_header(&header, len - 8 - n)
}

/// Parse the JSON header; `data_len` is the size of the data section that follows it.
fn parse_header(header: &[u8], data_len: u64) -> Result<Sniffed, Fail> {
    let value: Value = match serde_json::from_slice(header) {
        Ok(v) => v,
        Err(e) => return bad(format!("header is not valid JSON: {e}")),
    };
    let Value::Object(map) = value else {
        return bad("header is not a JSON object");
    };
    let mut metadata = BTreeMap::new();
    let mut tensors = Vec::new();
    for (name, entry) in &map {
        if name == "__metadata__" {
            let Value::Object(meta) = entry else {
                return bad("__metadata__ is not an object");
            };
            for (k, v) in meta {
                let v = match v {
                    Value::String(s) => s.clone(),
                    other => other.to_string(),
                };
                metadata.insert(k.clone(), v);
            }
            continue;
        }
        tensors.push(tensor(name, entry, data_len)?);
    }
    tensors.sort();
    metadata.insert("tensor_count".into(), tensors.len().to_string());
    Ok(Sniffed { format: Format::Safetensors, interface: Interface { tensors, ..Interface::default() }, metadata })
}

fn tensor(name: &str, entry: &Value, data_len: u64) -> Result<TensorSpec, Fail> {
    let Value::Object(obj) = entry else {
        return bad(format!("tensor {name:?}: entry is not an object"));
    };
    let dtype = match obj.get("dtype") {
        Some(Value::String(d)) => d.as_str(),
        _ => return bad(format!("tensor {name:?}: missing dtype")),
    };
    let Some(bits) = dtype_bits(dtype) else {
        return bad(format!("tensor {name:?}: unknown dtype {dtype:?}"));
    };
    let shape = u64_list(obj.get("shape"), name, "shape")?;
    let offsets = u64_list(obj.get("data_offsets"), name, "data_offsets")?;
    let [begin, end] = offsets[..] else {
        return bad(format!("tensor {name:?}: data_offsets must have two entries"));
    };
    if begin > end || end > data_len {
        return bad(format!("tensor {name:?}: data_offsets [{begin}, {end}] outside the {data_len}-byte data section"));
    }
    let numel = shape.iter().try_fold(1u64, |acc, &d| acc.checked_mul(d));
    let total_bits = numel.and_then(|n| n.checked_mul(bits));
    match total_bits {
        Some(b) if b % 8 == 0 && b / 8 == end - begin => {}
        _ => {
            return bad(format!("tensor {name:?}: {dtype} shape {shape:?} does not match its {} data bytes", end - begin));
        }
    }
    Ok(TensorSpec { name: name.to_string(), dtype: dtype.to_string(), shape: shape.iter().map(u64::to_string).collect() })
}

fn u64_list(v: Option<&Value>, name: &str, field: &str) -> Result<Vec<u64>, Fail> {
    let Some(Value::Array(items)) = v else {
        return bad(format!("tensor {name:?}: missing {field}"));
    };
    items
        .iter()
        .map(|x| x.as_u64().ok_or_else(|| Fail::Bad(format!("tensor {name:?}: {field} entry {x} is not a non-negative integer"))))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_parses_and_sorts() {
        let h = br#"{"b":{"dtype":"F32","shape":[2,3],"data_offsets":[0,24]},"a":{"dtype":"BF16","shape":[],"data_offsets":[24,26]},"__metadata__":{"format":"pt"}}"#;
        let s = parse_header(h, 26).unwrap();
        assert_eq!(s.interface.tensors[0].name, "a");
        assert_eq!(s.interface.tensors[1].shape, vec!["2", "3"]);
        assert_eq!(s.metadata["format"], "pt");
        assert_eq!(s.metadata["tensor_count"], "2");
    }

    #[test]
    fn rejects_bad_offsets_and_dtypes() {
        let h = br#"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}"#;
        assert!(parse_header(h, 4).is_err());
        let h = br#"{"a":{"dtype":"Q9","shape":[2],"data_offsets":[0,8]}}"#;
        assert!(parse_header(h, 8).is_err());
        let h = br#"{"a":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}"#;
        assert!(parse_header(h, 8).is_err());
        let h = br#"{"a":{"dtype":"F32","shape":[4294967296,4294967296,16],"data_offsets":[0,8]}}"#;
        assert!(parse_header(h, 8).is_err());
        assert!(parse_header(b"[1]", 0).is_err());
    }
}

/// Byte ranges of each tensor's data in a safetensors file (absolute offsets), by name, for
/// per-tensor digests. The file has been sniffed already; a header that does not parse gives
/// no ranges.
pub fn tensor_ranges(path: &Path) -> Vec<(String, u64, u64)> {
    let Ok(mut f) = File::open(path) else { return Vec::new() };
    let mut len = [0u8; 8];
    if std::io::Read::read_exact(&mut f, &mut len).is_err() {
        return Vec::new();
    }
    let n = u64::from_le_bytes(len);
    if n > MAX_HEADER {
        return Vec::new();
    }
    let mut header = vec![0u8; n as usize];
    if std::io::Read::read_exact(&mut f, &mut header).is_err() {
        return Vec::new();
    }
    let Ok(Value::Object(map)) = serde_json::from_slice::<Value>(&header) else { return Vec::new() };
    let base = 8 + n;
    let mut out: Vec<(String, u64, u64)> = map
        .iter()
        .filter(|(k, _)| *k != "__metadata__")
        .filter_map(|(k, v)| {
            let o = v.get("data_offsets")?.as_array()?;
            Some((k.clone(), base + o.first()?.as_u64()?, base + o.get(1)?.as_u64()?))
        })
        .collect();
    out.sort_by_key(|r| (r.1, r.2));
    out
}
