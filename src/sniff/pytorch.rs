//! Zip-based model archives: PyTorch checkpoints (`torch.save` since 1.6, TorchScript) hold
//! `<archive>/data.pkl`, which is scanned with [`scan_pickle`]; Keras 3 `.keras` files hold
//! `config.json`, `metadata.json` and `model.weights.h5`. Only the central directory and the
//! small entries named here are read, each capped.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{BufReader, Read, Seek, SeekFrom};
use std::path::Path;

use serde_json::Value;
use zip::ZipArchive;

use super::pickle::scan_pickle;
use super::{Format, Interface, MAX_HEADER, SniffError, Sniffed};

/// Largest Keras `config.json` / `metadata.json` read.
const MAX_JSON: u64 = 16 << 20;

type Archive = ZipArchive<BufReader<File>>;

/// Extensions whose files are expected to be zip archives of a known kind: an unreadable zip
/// with one of these is corrupt rather than unknown.
fn expected_format(ext: &str) -> Option<&'static str> {
    match ext {
        "pt" | "pth" | "ckpt" | "bin" => Some("pytorch"),
        "keras" => Some("keras"),
        _ => None,
    }
}

/// Sniff a file that starts with a zip local-file header. An unreadable archive is corrupt when
/// its extension promises a model archive, and unknown otherwise.
pub(crate) fn sniff_zip(path: &Path, mut file: File, len: u64, ext: &str) -> Result<Sniffed, SniffError> {
    let io = |source| SniffError::Io { path: path.to_path_buf(), source };
    let unreadable = |reason: String| match expected_format(ext) {
        Some(format) => {
            Err(SniffError::Corrupt { path: path.to_path_buf(), format, reason: format!("not a readable zip archive: {reason}") })
        }
        None => Ok(Sniffed::unknown()),
    };
    if let Some(size) = central_directory_size(&mut file, len).map_err(io)?
        && size > MAX_HEADER
    {
        return unreadable(format!("central directory of {size} bytes exceeds the {MAX_HEADER}-byte limit"));
    }
    file.seek(SeekFrom::Start(0)).map_err(io)?;
    let mut archive = match ZipArchive::new(BufReader::new(file)) {
        Ok(a) => a,
        Err(e) => return unreadable(e.to_string()),
    };
    let names: Vec<String> = archive.file_names_raw().map(|n| String::from_utf8_lossy(n).into_owned()).collect();
    if let Some(pkl) = data_pkl(&names) {
        return sniff_torch(path, &mut archive, &names, &pkl);
    }
    if names.iter().any(|n| n == "config.json") && names.iter().any(|n| n == "model.weights.h5") {
        return sniff_keras(path, &mut archive, names.len());
    }
    Ok(Sniffed::unknown())
}

/// The `data.pkl` entry closest to the archive root, if any.
fn data_pkl(names: &[String]) -> Option<String> {
    names
        .iter()
        .filter(|n| n.as_str() == "data.pkl" || n.ends_with("/data.pkl"))
        .min_by_key(|n| (n.matches('/').count(), n.len()))
        .cloned()
}

/// Read a whole entry of at most `cap` bytes.
fn read_entry(archive: &mut Archive, name: &str, cap: u64) -> Result<Vec<u8>, String> {
    let entry = archive.by_name(name).map_err(|e| format!("{name}: {e}"))?;
    if entry.size() > cap {
        return Err(format!("{name} is {} bytes, over the {cap}-byte limit", entry.size()));
    }
    let mut buf = Vec::new();
    entry.take(cap + 1).read_to_end(&mut buf).map_err(|e| format!("{name}: {e}"))?;
    if buf.len() as u64 > cap {
        return Err(format!("{name} inflates past the {cap}-byte limit"));
    }
    Ok(buf)
}

fn sniff_torch(path: &Path, archive: &mut Archive, names: &[String], pkl: &str) -> Result<Sniffed, SniffError> {
    let corrupt = |reason: String| SniffError::Corrupt { path: path.to_path_buf(), format: "pytorch", reason };
    let bytes = read_entry(archive, pkl, MAX_HEADER).map_err(corrupt)?;
    let scan = scan_pickle(&bytes).map_err(|e| corrupt(format!("{pkl}: {e}")))?;
    if !scan.unsafe_imports.is_empty() {
        return Err(super::pickle::refusal(path, &scan, Format::Pytorch));
    }
    let prefix = pkl.strip_suffix("data.pkl").unwrap_or_default();
    let mut metadata = BTreeMap::new();
    metadata.insert("archive".to_string(), prefix.trim_end_matches('/').to_string());
    metadata.insert("entries".to_string(), names.len().to_string());
    super::pickle::describe(&scan, &mut metadata);
    metadata.insert("reduce_count".to_string(), scan.reduces.to_string());
    if let Some(p) = scan.protocol {
        metadata.insert("protocol".to_string(), p.to_string());
    }
    let version_entry = format!("{prefix}version");
    if names.contains(&version_entry)
        && let Ok(v) = read_entry(archive, &version_entry, 64)
    {
        metadata.insert("torch_format_version".to_string(), String::from_utf8_lossy(&v).trim().to_string());
    }
    let code = format!("{prefix}code/");
    if names.iter().any(|n| n.starts_with(&code)) {
        metadata.insert("torchscript".to_string(), "true".to_string());
    }
    Ok(Sniffed { format: Format::Pytorch, interface: Interface::default(), metadata })
}

fn sniff_keras(path: &Path, archive: &mut Archive, entries: usize) -> Result<Sniffed, SniffError> {
    let corrupt = |reason: String| SniffError::Corrupt { path: path.to_path_buf(), format: "keras", reason };
    let mut json = |name: &str| -> Result<Option<Value>, SniffError> {
        if archive.index_for_name(name).is_none() {
            return Ok(None);
        }
        let bytes = read_entry(archive, name, MAX_JSON).map_err(corrupt)?;
        serde_json::from_slice(&bytes).map(Some).map_err(|e| corrupt(format!("{name}: {e}")))
    };
    let config = json("config.json")?;
    let meta = json("metadata.json")?;
    let mut metadata = BTreeMap::new();
    metadata.insert("entries".to_string(), entries.to_string());
    for key in ["keras_version", "class_name"] {
        let found = [&meta, &config].into_iter().flatten().find_map(|v| v.get(key).and_then(Value::as_str).map(str::to_string));
        if let Some(v) = found {
            metadata.insert(key.to_string(), v);
        }
    }
    Ok(Sniffed { format: Format::Keras, interface: Interface::default(), metadata })
}

/// Size of the central directory from the end-of-central-directory record, when the archive is
/// not zip64 (`None` if the record is not found or defers to zip64).
fn central_directory_size(file: &mut File, len: u64) -> std::io::Result<Option<u64>> {
    const EOCD: &[u8] = b"PK\x05\x06";
    let tail_len = len.min(22 + 0xffff);
    file.seek(SeekFrom::Start(len - tail_len))?;
    let mut tail = Vec::new();
    file.by_ref().take(tail_len).read_to_end(&mut tail)?;
    let Some(at) = tail.windows(4).rposition(|w| w == EOCD) else {
        return Ok(None);
    };
    let Some(size) = tail.get(at + 12..at + 16) else {
        return Ok(None);
    };
    let size = u32::from_le_bytes([size[0], size[1], size[2], size[3]]);
    Ok((size != u32::MAX).then_some(u64::from(size)))
}
