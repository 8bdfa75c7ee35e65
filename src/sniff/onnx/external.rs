//! ONNX external data: a tensor with `data_location = EXTERNAL` keeps its bytes in another file,
//! named by its `external_data` entries (`location`, relative to the model's folder; `offset`
//! and `length` in bytes). Models over protobuf's 2 GB limit are saved this way
//! (`onnx.save_model(..., save_as_external_data=True)`).
//!
//! The model is only usable together with those files, so each must be a plain relative path
//! (an absolute path or `..` could make a loader read any file on the machine: refused as
//! hostile), must exist beside the model inside its folder, and must be long enough for every
//! tensor's `offset + length`. Nothing is read from them: only their sizes are checked.

use std::collections::BTreeMap;
use std::path::{Component, Path};

use super::super::bounded::{Fail, bad};
use super::super::{SniffError, Sniffed};

/// Metadata key listing the files a model's external data lives in (comma-separated, relative
/// to the model's folder).
pub(crate) const FILES_KEY: &str = "external_data.files";

/// One tensor's external data reference.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct External {
    pub tensor: String,
    pub location: String,
    pub offset: u64,
    pub length: Option<u64>,
}

impl External {
    /// From a tensor's `external_data` key/values; the location must be a plain relative path.
    pub(super) fn from_entries(tensor: String, entries: &[(String, String)]) -> Result<External, Fail> {
        let get = |k: &str| entries.iter().find(|(key, _)| key == k).map(|(_, v)| v.as_str());
        let number = |k: &str| -> Result<Option<u64>, Fail> {
            match get(k) {
                None => Ok(None),
                Some(v) => match v.trim().parse::<u64>() {
                    Ok(n) => Ok(Some(n)),
                    Err(_) => bad(format!("tensor {tensor:?}: external_data {k} {v:?} is not a byte count")),
                },
            }
        };
        let Some(location) = get("location") else {
            return bad(format!("tensor {tensor:?} has external data without a location"));
        };
        if let Some(why) = unsafe_location(location) {
            return bad(format!("tensor {tensor:?}: external data location {location:?} {why}; refusing it"));
        }
        let (offset, length) = (number("offset")?.unwrap_or(0), number("length")?);
        Ok(External { location: location.to_string(), offset, length, tensor })
    }
}

/// Why a location is not a plain path inside the model's folder, if it is not.
fn unsafe_location(location: &str) -> Option<&'static str> {
    if location.is_empty() {
        return Some("is empty");
    }
    if location.contains(['\\', ':', ',']) || location.chars().any(char::is_control) {
        return Some("contains a backslash, colon, comma or control character");
    }
    let path = Path::new(location);
    if path.is_absolute() {
        return Some("is an absolute path");
    }
    if path.components().any(|c| !matches!(c, Component::Normal(_) | Component::CurDir)) {
        return Some("leaves the model's folder (..)");
    }
    None
}

/// Records the external data files in the model's metadata.
pub(super) fn describe(externals: &[External], metadata: &mut BTreeMap<String, String>) {
    if externals.is_empty() {
        return;
    }
    let mut files: Vec<&str> = externals.iter().map(|e| e.location.as_str()).collect();
    files.sort_unstable();
    files.dedup();
    metadata.insert(FILES_KEY.into(), files.join(","));
    metadata.insert("external_data.tensors".into(), externals.len().to_string());
}

/// Checks every external data file beside the model at `model`: present, a regular file inside
/// the model's folder, and long enough for each tensor's bytes.
pub(super) fn check(model: &Path, externals: &[External]) -> Result<(), SniffError> {
    let corrupt = |reason: String| SniffError::Corrupt { path: model.to_path_buf(), format: "onnx", reason };
    let io = |source| SniffError::Io { path: model.to_path_buf(), source };
    let dir = model.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let model_name = model.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let mut sizes: BTreeMap<&str, u64> = BTreeMap::new();
    for e in externals {
        let size = match sizes.get(e.location.as_str()) {
            Some(size) => *size,
            None => {
                let file = dir.join(&e.location);
                let meta = match std::fs::metadata(&file) {
                    Ok(m) => m,
                    Err(err) if err.kind() == std::io::ErrorKind::NotFound => {
                        return Err(corrupt(format!(
                            "tensor {:?} keeps its data in {}, which is missing; register the folder that holds both {model_name} and {}",
                            e.tensor, e.location, e.location
                        )));
                    }
                    Err(err) => return Err(io(err)),
                };
                if !meta.is_file() {
                    return Err(corrupt(format!("external data {} of tensor {:?} is not a regular file", e.location, e.tensor)));
                }
                let (real_dir, real_file) = (dir.canonicalize().map_err(io)?, file.canonicalize().map_err(io)?);
                if !real_file.starts_with(&real_dir) {
                    return Err(corrupt(format!("external data {} links outside the model's folder; refusing it", e.location)));
                }
                sizes.insert(&e.location, meta.len());
                meta.len()
            }
        };
        let end = e.offset.checked_add(e.length.unwrap_or(0));
        if end.is_none_or(|end| end > size) || e.offset > size {
            return Err(corrupt(format!(
                "tensor {:?} claims bytes {}..{} of {}, which has only {size} bytes",
                e.tensor,
                e.offset,
                end.map_or_else(|| "overflow".to_string(), |end| end.to_string()),
                e.location
            )));
        }
    }
    Ok(())
}

/// The external data files a sniffed ONNX model needs beside it (paths relative to the model's
/// folder), from its metadata. A registration of the model alone must include them.
pub fn external_files(sniffed: &Sniffed) -> Vec<String> {
    sniffed
        .metadata
        .get(FILES_KEY)
        .map(|v| v.split(',').filter(|f| !f.is_empty()).map(String::from).collect())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entries(location: &str, offset: &str, length: &str) -> Vec<(String, String)> {
        vec![("location".into(), location.into()), ("offset".into(), offset.into()), ("length".into(), length.into())]
    }

    #[test]
    fn hostile_locations_and_numbers_are_refused() {
        for bad_location in ["/etc/passwd", "../x.bin", "a/../../x", "C:\\x.bin", "", "a,b"] {
            assert!(External::from_entries("w".into(), &entries(bad_location, "0", "4")).is_err(), "{bad_location:?}");
        }
        assert!(External::from_entries("w".into(), &entries("w.bin", "-1", "4")).is_err());
        assert!(External::from_entries("w".into(), &entries("w.bin", "0", "lots")).is_err());
        assert!(External::from_entries("w".into(), &[]).is_err());
        let ok = External::from_entries("w".into(), &entries("./data/w.bin", "16", "4")).unwrap();
        assert_eq!((ok.offset, ok.length), (16, Some(4)));
    }

    #[test]
    fn files_must_exist_inside_and_be_long_enough() {
        let dir = tempfile::tempdir().unwrap();
        let model = dir.path().join("m.onnx");
        std::fs::write(dir.path().join("w.bin"), [0u8; 32]).unwrap();
        let ext = |loc: &str, offset, length| External { tensor: "w".into(), location: loc.into(), offset, length };
        assert!(check(&model, &[ext("w.bin", 16, Some(16)), ext("w.bin", 0, None)]).is_ok());
        let err = check(&model, &[ext("w.bin", 16, Some(17))]).unwrap_err().to_string();
        assert!(err.contains("only 32 bytes"), "{err}");
        assert!(check(&model, &[ext("w.bin", u64::MAX, Some(2))]).is_err());
        let err = check(&model, &[ext("gone.bin", 0, None)]).unwrap_err().to_string();
        assert!(err.contains("gone.bin") && err.contains("register the folder"), "{err}");
    }
}
