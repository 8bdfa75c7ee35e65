//! Turns the paths a user gave (files and folders) into the list of files of one version,
//! with the relative paths the manifest will use.
//!
//! One folder: paths are relative to it (as model-signing computes a folder's digest). Several
//! inputs: a file is named by its file name, a folder's files by `folder/relative/path`.
//! Like model-signing, `.git`, `.github`, `.gitignore` and `.gitattributes` are skipped.

use std::fs::File;
use std::path::{Path, PathBuf};

use super::RegisterError;

/// Names model-signing ignores by default.
pub const IGNORED: &[&str] = &[".git", ".github", ".gitignore", ".gitattributes"];

/// One file to register.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputFile {
    /// Manifest path, `/`-separated.
    pub rel: String,
    pub abs: PathBuf,
    pub size: u64,
}

/// The files of the inputs, sorted by manifest path, plus the folders given (with the
/// manifest prefix of their files: "" for a single folder).
pub fn collect(paths: &[PathBuf]) -> Result<(Vec<InputFile>, Vec<(PathBuf, String)>), RegisterError> {
    if paths.is_empty() {
        return Err(RegisterError::NoFiles);
    }
    let mut files = Vec::new();
    let mut folders = Vec::new();
    let single = paths.len() == 1;
    for p in paths {
        let meta = std::fs::metadata(p).map_err(|source| RegisterError::Io { path: p.clone(), source })?;
        let name = p
            .canonicalize()
            .ok()
            .and_then(|c| c.file_name().map(|n| n.to_string_lossy().to_string()))
            .unwrap_or_else(|| p.display().to_string());
        if meta.is_dir() {
            let prefix = if single { String::new() } else { format!("{name}/") };
            walk(p, &prefix, &mut files)?;
            folders.push((p.clone(), prefix));
        } else {
            check_readable(p)?;
            files.push(InputFile { rel: name, abs: p.clone(), size: meta.len() });
        }
    }
    files.sort_by(|a, b| a.rel.cmp(&b.rel));
    if let Some(w) = files.windows(2).find(|w| w[0].rel == w[1].rel) {
        return Err(RegisterError::DuplicatePath(w[0].rel.clone()));
    }
    if files.is_empty() {
        return Err(RegisterError::NoFiles);
    }
    Ok((files, folders))
}

fn walk(dir: &Path, prefix: &str, out: &mut Vec<InputFile>) -> Result<(), RegisterError> {
    let it = walkdir::WalkDir::new(dir).follow_links(true).sort_by_file_name().into_iter();
    for entry in it.filter_entry(|e| e.depth() == 0 || !IGNORED.contains(&e.file_name().to_string_lossy().as_ref())) {
        let entry = entry.map_err(|e| {
            let path = e.path().map(Path::to_path_buf).unwrap_or_else(|| dir.to_path_buf());
            let source = e.into_io_error().unwrap_or_else(|| std::io::Error::other("symbolic link loop"));
            RegisterError::Io { path, source }
        })?;
        if !entry.file_type().is_file() {
            continue;
        }
        let rel = entry.path().strip_prefix(dir).expect("walk stays under its root");
        let rel: Vec<String> = rel.components().map(|c| c.as_os_str().to_string_lossy().to_string()).collect();
        let meta = entry.metadata().map_err(|e| RegisterError::Io {
            path: entry.path().to_path_buf(),
            source: e.into_io_error().unwrap_or_else(|| std::io::Error::other("cannot stat")),
        })?;
        check_readable(entry.path())?;
        out.push(InputFile { rel: format!("{prefix}{}", rel.join("/")), abs: entry.path().to_path_buf(), size: meta.len() });
    }
    Ok(())
}

fn check_readable(p: &Path) -> Result<(), RegisterError> {
    File::open(p).map(drop).map_err(|source| RegisterError::Io { path: p.to_path_buf(), source })
}
