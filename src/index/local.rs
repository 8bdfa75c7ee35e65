//! Local folders: walk (following symlinks, loops reported), stat, and examine one file (sniff,
//! DVC parse, sha256).

use std::collections::HashSet;
use std::io::Read;
use std::path::Path;

use super::ItemError;
use super::dvc;
use crate::catalog::stores::FileRow;
use crate::sniff::{self, Format, SniffError};

/// Folders never indexed: VCS and DVC internals (DVC's cache holds copies of the data).
const SKIP_DIRS: &[&str] = &[".git", ".dvc", ".hg", ".svn", "__pycache__", ".ipynb_checkpoints"];

/// What the walk saw of one file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stat {
    pub size: u64,
    pub mtime_ns: i64,
    pub inode: i64,
}

impl Stat {
    pub fn of(meta: &std::fs::Metadata) -> Stat {
        #[cfg(unix)]
        {
            use std::os::unix::fs::MetadataExt;
            Stat { size: meta.len(), mtime_ns: meta.mtime() * 1_000_000_000 + meta.mtime_nsec(), inode: meta.ino() as i64 }
        }
        #[cfg(not(unix))]
        {
            let mtime = meta.modified().ok().and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok());
            Stat { size: meta.len(), mtime_ns: mtime.map_or(0, |d| d.as_nanos() as i64), inode: 0 }
        }
    }

    /// Whether a cached row still describes this file.
    pub fn matches(&self, row: &FileRow) -> bool {
        row.size == self.size && row.mtime_ns == Some(self.mtime_ns) && row.inode == Some(self.inode)
    }
}

/// The result of a walk: files by store-relative path, per-item errors, and the folders that
/// could not be listed (cached rows under them are kept, not dropped).
#[derive(Debug, Default)]
pub struct Walk {
    pub files: Vec<(String, Stat)>,
    pub errors: Vec<ItemError>,
    pub unlisted_dirs: Vec<String>,
}

fn rel_of(root: &Path, p: &Path) -> String {
    p.strip_prefix(root).unwrap_or(p).to_string_lossy().replace('\\', "/")
}

/// Walks `root`. Never fails as a whole unless `root` itself cannot be read.
pub fn walk(root: &Path) -> Result<Walk, String> {
    let meta = std::fs::metadata(root).map_err(|e| format!("{}: {e}", root.display()))?;
    if !meta.is_dir() {
        return Err(format!("{}: not a folder", root.display()));
    }
    std::fs::read_dir(root).map_err(|e| format!("{}: cannot list: {e}", root.display()))?;
    let mut out = Walk::default();
    let mut seen_dirs: HashSet<(u64, u64)> = HashSet::new();
    let it = walkdir::WalkDir::new(root).follow_links(true).into_iter().filter_entry(|e| {
        !(e.depth() > 0 && e.file_type().is_dir() && SKIP_DIRS.contains(&e.file_name().to_string_lossy().as_ref()))
    });
    for entry in it {
        match entry {
            Ok(e) => {
                if e.file_type().is_dir() {
                    // Two symlinks to one folder would index it twice; keep the first.
                    #[cfg(unix)]
                    if let Ok(m) = e.metadata() {
                        use std::os::unix::fs::MetadataExt;
                        if !seen_dirs.insert((m.dev(), m.ino())) {
                            out.errors.push(ItemError {
                                path: rel_of(root, e.path()),
                                message: "skipped: the same folder is reachable through another path (symlink)".into(),
                            });
                        }
                    }
                    continue;
                }
                if !e.file_type().is_file() {
                    continue; // sockets, FIFOs, devices
                }
                match e.metadata() {
                    Ok(m) => out.files.push((rel_of(root, e.path()), Stat::of(&m))),
                    Err(err) => out.errors.push(ItemError { path: rel_of(root, e.path()), message: describe_walk_error(&err) }),
                }
            }
            Err(err) => {
                let path = err.path().map(|p| rel_of(root, p)).unwrap_or_default();
                let is_dir_problem = err.loop_ancestor().is_none()
                    && err.io_error().is_some_and(|io| io.kind() == std::io::ErrorKind::PermissionDenied)
                    || err.path().is_some_and(|p| p.is_dir());
                if is_dir_problem {
                    out.unlisted_dirs.push(path.clone());
                }
                out.errors.push(ItemError { path, message: describe_walk_error(&err) });
            }
        }
    }
    out.files.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(out)
}

fn describe_walk_error(err: &walkdir::Error) -> String {
    if let Some(anc) = err.loop_ancestor() {
        return format!("symlink loop back to {}; not followed", anc.display());
    }
    match err.io_error() {
        Some(io) if io.kind() == std::io::ErrorKind::PermissionDenied => {
            "cannot read: permission denied (its files are skipped; fix the permissions and index again)".into()
        }
        Some(io) if io.kind() == std::io::ErrorKind::NotFound => "vanished while indexing (or a broken symlink)".into(),
        Some(io) => format!("cannot read: {io}"),
        None => err.to_string(),
    }
}

/// Sniffs and hashes one file. Returns the row to cache, or an error for the report (with the
/// row still recorded when the bytes were read, so an unchanged bad file is not re-read).
pub fn examine(root: &Path, rel: &str, stat: Stat, on_bytes: &mut dyn FnMut(u64)) -> (Option<FileRow>, Option<ItemError>) {
    let abs = root.join(rel);
    let err = |message: String| ItemError { path: rel.to_string(), message };
    let (format, sniffed, problem) = if dvc::is_dvc_file(rel) {
        match read_small(&abs, dvc::MAX_DVC_FILE) {
            Ok(text) => match dvc::parse(rel, &text) {
                Ok(stages) => ("dvc".to_string(), Some(serde_json::to_string(&stages).expect("stages serialise")), None),
                Err(e) => ("dvc".to_string(), None, Some(format!("corrupt DVC file: {e}"))),
            },
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return (None, Some(err(vanished()))),
            Err(e) => return (None, Some(err(format!("cannot read: {e}")))),
        }
    } else {
        match sniff::sniff_file(&abs) {
            Ok(s) if s.format == Format::Unknown => (Format::Unknown.as_str().to_string(), None, None),
            Ok(s) => (s.format.as_str().to_string(), Some(serde_json::to_string(&s).expect("sniffed serialises")), None),
            Err(SniffError::Io { source, .. }) if source.kind() == std::io::ErrorKind::NotFound => {
                return (None, Some(err(vanished())));
            }
            Err(SniffError::Io { source, .. }) => return (None, Some(err(format!("cannot read: {source}")))),
            // Only a weak signature (e.g. random bytes starting like a pickle) and no model
            // extension: not a model, not a problem.
            Err(SniffError::Corrupt { .. }) if guess_format(rel) == "unknown" => {
                (Format::Unknown.as_str().to_string(), None, None)
            }
            Err(e) => (guess_format(rel), None, Some(strip_path(&e.to_string(), &abs))),
        }
    };
    let sha = match crate::hash::sha256_file(&abs, on_bytes) {
        Ok((sha, _)) => sha,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return (None, Some(err(vanished()))),
        Err(e) => return (None, Some(err(format!("cannot read: {e}")))),
    };
    // A file that changed while it was read is left for the next run (the watcher waits for
    // files to settle; this catches the rest).
    match std::fs::metadata(&abs).map(|m| Stat::of(&m)) {
        Ok(now) if now == stat => {}
        Ok(_) => return (None, Some(err("changed while being read; it will be indexed once it is stable".into()))),
        Err(_) => return (None, Some(err(vanished()))),
    }
    let row = FileRow {
        path: rel.to_string(),
        size: stat.size,
        mtime_ns: Some(stat.mtime_ns),
        inode: Some(stat.inode),
        sha256: Some(sha),
        etag: None,
        version_id: None,
        last_modified: None,
        format,
        sniffed,
        error: problem.clone(),
    };
    (Some(row), problem.map(err))
}

fn vanished() -> String {
    "vanished while indexing".into()
}

/// Reads a small text file, refusing one larger than `cap`.
pub fn read_small(path: &Path, cap: u64) -> std::io::Result<String> {
    let f = std::fs::File::open(path)?;
    let mut buf = Vec::new();
    f.take(cap + 1).read_to_end(&mut buf)?;
    if buf.len() as u64 > cap {
        return Err(std::io::Error::new(std::io::ErrorKind::InvalidData, format!("larger than {cap} bytes")));
    }
    Ok(String::from_utf8_lossy(&buf).into_owned())
}

/// "…/abs/path: message" → "message" (the report names the path already).
pub fn strip_path(msg: &str, abs: &Path) -> String {
    let prefix = format!("{}: ", abs.display());
    msg.strip_prefix(&prefix).unwrap_or(msg).to_string()
}

/// A format from the extension alone (for files whose content could not be read or parsed).
pub fn guess_format(rel: &str) -> String {
    let ext = rel.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase()).unwrap_or_default();
    match ext.as_str() {
        "safetensors" => "safetensors",
        "onnx" => "onnx",
        "gguf" => "gguf",
        "pt" | "pth" | "ckpt" => "pytorch",
        "pkl" | "pickle" | "joblib" => "pickle",
        "keras" => "keras",
        "h5" | "hdf5" => "hdf5",
        _ => "unknown",
    }
    .to_string()
}
