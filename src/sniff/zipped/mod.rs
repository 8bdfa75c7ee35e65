//! Zip-based model archives, told apart by their entries:
//!
//! - PyTorch checkpoints (`torch.save` since 1.6) and TorchScript archives (`torch.jit.save`):
//!   `<archive>/data.pkl` (and for TorchScript `constants.pkl` and `code/`) — [`torch`];
//! - Keras 3 `.keras` files: `config.json`, `metadata.json`, `model.weights.h5` — [`keras`];
//! - skops files: `schema.json` and `.npy` arrays — [`skops`].
//!
//! Only the central directory and the small entries named here are read, each capped; array
//! and weight entries are never read.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{BufReader, Read, Seek, SeekFrom};
use std::path::Path;

use zip::ZipArchive;

use super::pickle::{PickleScan, describe, refusal};
use super::{Format, Interface, MAX_HEADER, SniffError, Sniffed};

mod keras;
mod skops;
mod torch;

/// Largest JSON entry (Keras `config.json` / `metadata.json`, skops `schema.json`) read.
const MAX_JSON: u64 = 16 << 20;

/// Deepest nesting walked in a JSON entry (serde_json itself stops at 128).
const MAX_DEPTH: usize = 128;

type Archive = ZipArchive<BufReader<File>>;

/// Extensions whose files are expected to be zip archives of a known kind: an unreadable zip
/// with one of these is corrupt rather than unknown.
fn expected_format(ext: &str) -> Option<&'static str> {
    match ext {
        "pt" | "pth" | "ckpt" | "bin" => Some("pytorch"),
        "keras" => Some("keras"),
        "skops" => Some("skops"),
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
    if let Some(pkl) = torch::data_pkl(&names) {
        return torch::sniff(path, &mut archive, &names, &pkl);
    }
    let has = |name: &str| names.iter().any(|n| n == name);
    if has("config.json") && has("model.weights.h5") {
        return keras::sniff(path, &mut archive, names.len());
    }
    if has("schema.json") {
        return skops::sniff(path, &mut archive, &names);
    }
    Ok(Sniffed::unknown())
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

/// Read and parse a JSON entry of at most [`MAX_JSON`] bytes.
fn read_json(archive: &mut Archive, name: &str) -> Result<serde_json::Value, String> {
    let bytes = read_entry(archive, name, MAX_JSON)?;
    serde_json::from_slice(&bytes).map_err(|e| format!("{name} is not valid JSON: {e}"))
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

/// A list metadata value: at most `cap` items, comma-joined, with a count of the rest.
fn capped_list(items: &[String], cap: usize) -> String {
    let mut out = items.iter().take(cap).cloned().collect::<Vec<_>>().join(",");
    if items.len() > cap {
        out.push_str(&format!(",… {} more", items.len() - cap));
    }
    out
}

/// The result for an archive whose loader would import what `scan` lists: refused when any
/// import is dangerous (the refusal still carries the whole description, for a registration
/// that accepts the risk with a reason), else described with the scan's inventory and verdict.
fn judged(
    path: &Path,
    format: Format,
    scan: &PickleScan,
    interface: Interface,
    mut metadata: BTreeMap<String, String>,
) -> Result<Sniffed, SniffError> {
    if !scan.unsafe_imports.is_empty() {
        let mut refused = refusal(path, scan, format);
        if let SniffError::UnsafePickle { described, .. } = &mut refused {
            described.interface = interface;
            for (k, v) in metadata {
                described.metadata.entry(k).or_insert(v);
            }
        }
        return Err(refused);
    }
    describe(scan, &mut metadata);
    Ok(Sniffed { format, interface, metadata })
}
