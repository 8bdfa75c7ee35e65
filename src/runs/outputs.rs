//! What a run produced: the files under its folder that are new or changed (size or
//! modification time) after it, compared with before, hashed. Version-control and cache
//! folders are not walked; a folder of more than [`MAX_FILES`] files is compared up to that.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use super::capture::{FileDigest, file_digest};

/// Files compared at most.
pub const MAX_FILES: usize = 200_000;

/// Folders never walked.
const SKIP: &[&str] = &[".git", ".hg", "__pycache__", ".venv", "venv", "node_modules", ".mypy_cache", ".pytest_cache", ".tox"];

/// Files under a folder by path, with size and modification time.
#[derive(Debug, Default)]
pub struct Snapshot {
    files: HashMap<PathBuf, (u64, i128)>,
    pub truncated: bool,
}

/// The files under `root` (not under `skip`).
pub fn snapshot(root: &Path, skip: &[&Path]) -> Snapshot {
    let mut s = Snapshot::default();
    let walk = walkdir::WalkDir::new(root).follow_links(false).into_iter().filter_entry(|e| {
        let name = e.file_name().to_string_lossy();
        !(e.file_type().is_dir() && (SKIP.contains(&name.as_ref()) || skip.iter().any(|p| e.path() == *p)))
    });
    for e in walk.flatten() {
        if !e.file_type().is_file() {
            continue;
        }
        if s.files.len() >= MAX_FILES {
            s.truncated = true;
            break;
        }
        let Ok(meta) = e.metadata() else { continue };
        let mtime =
            meta.modified().ok().and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok()).map_or(0, |d| d.as_nanos() as i128);
        if let Ok(rel) = e.path().strip_prefix(root) {
            s.files.insert(rel.to_path_buf(), (meta.len(), mtime));
        }
    }
    s
}

/// Files of `after` that `before` did not have, or had with another size or time, hashed, in
/// path order.
pub fn produced(root: &Path, before: &Snapshot, after: &Snapshot) -> Vec<FileDigest> {
    let mut changed: Vec<&PathBuf> =
        after.files.iter().filter(|(p, st)| before.files.get(*p) != Some(st)).map(|(p, _)| p).collect();
    changed.sort();
    changed.into_iter().filter_map(|rel| file_digest(&root.join(rel), &rel.display().to_string())).collect()
}

/// Model files by extension: what `pedigree run --model` registers when no `--output` is named.
pub const MODEL_EXTENSIONS: &[&str] =
    &["safetensors", "onnx", "gguf", "pt", "pth", "bin", "ckpt", "pkl", "pickle", "joblib", "keras", "h5", "tflite", "pb"];

/// Whether a produced file looks like a model by its extension.
pub fn is_model_file(path: &str) -> bool {
    Path::new(path)
        .extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| MODEL_EXTENSIONS.contains(&e.to_ascii_lowercase().as_str()))
}
