//! Content-addressed store: `objects-v1/ab/cdef…` named by the SHA-256 of the bytes.
//!
//! Writes are git-like: bytes are hashed while they are copied into a temp file under
//! `objects-v1/tmp/` (same filesystem), the temp file is fsynced, made read-only and renamed
//! atomically onto its final name. An object that already exists is success (deduplication).
//! An interrupted write leaves at most a temp file, never a wrong object; stale temp files of
//! dead processes are removed on the next write.

use std::fs::{self, File};
use std::io;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use crate::hash;

/// The store's layout version is in its folder name.
pub const DIR: &str = "objects-v1";

/// A failed store operation, naming the file involved.
#[derive(Debug, thiserror::Error)]
pub enum CasError {
    #[error("{path}: cannot read: {source}")]
    Read { path: PathBuf, source: io::Error },
    #[error("{path}: cannot write to the object store: {source}")]
    Write { path: PathBuf, source: io::Error },
    #[error("object {digest} is not in the store")]
    Missing { digest: String },
}

/// Result of putting one file into the store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Put {
    pub sha256: String,
    pub size: u64,
    /// The object was already present (nothing new was stored).
    pub existed: bool,
}

/// A handle on `WORKSPACE/objects-v1`.
#[derive(Debug, Clone)]
pub struct Cas {
    root: PathBuf,
}

static TMP_COUNTER: AtomicU64 = AtomicU64::new(0);

impl Cas {
    /// Opens (and creates if needed) the store under `workspace`.
    pub fn open(workspace: &Path) -> Result<Cas, CasError> {
        let root = workspace.join(DIR);
        fs::create_dir_all(root.join("tmp")).map_err(|source| CasError::Write { path: root.clone(), source })?;
        Ok(Cas { root })
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Where the object with this hex digest lives (whether or not it exists).
    pub fn object_path(&self, digest: &str) -> PathBuf {
        self.root.join(&digest[..2]).join(&digest[2..])
    }

    pub fn contains(&self, digest: &str) -> bool {
        digest.len() == 64 && self.object_path(digest).is_file()
    }

    /// Copies `src` into the store while hashing it. `on_chunk` receives byte counts as they
    /// are read (for progress bars).
    pub fn put_file(&self, src: &Path, on_chunk: &mut dyn FnMut(u64)) -> Result<Put, CasError> {
        self.put_file_seeing(src, &mut |b| on_chunk(b.len() as u64))
    }

    /// [`Cas::put_file`], handing every chunk of the bytes to `see` as it is stored.
    pub fn put_file_seeing(&self, src: &Path, see: &mut dyn FnMut(&[u8])) -> Result<Put, CasError> {
        let read_err = |source| CasError::Read { path: src.to_path_buf(), source };
        let mut input = File::open(src).map_err(read_err)?;
        let tmp = self.root.join("tmp").join(format!("{}-{}", std::process::id(), TMP_COUNTER.fetch_add(1, Ordering::Relaxed)));
        let write_err = |path: &Path| {
            let path = path.to_path_buf();
            move |source| CasError::Write { path, source }
        };
        let result = (|| {
            let mut out = File::create(&tmp).map_err(write_err(&tmp))?;
            let (sha256, size) = hash::hash_copy_seeing(&mut input, Some(&mut out), see).map_err(|e| {
                // Distinguish a failing source from a failing store.
                if e.kind() == io::ErrorKind::StorageFull || e.kind() == io::ErrorKind::QuotaExceeded {
                    CasError::Write { path: tmp.clone(), source: e }
                } else {
                    CasError::Read { path: src.to_path_buf(), source: e }
                }
            })?;
            out.sync_all().map_err(write_err(&tmp))?;
            drop(out);
            let dest = self.object_path(&sha256);
            if dest.is_file() {
                let _ = fs::remove_file(&tmp);
                return Ok(Put { sha256, size, existed: true });
            }
            let dir = dest.parent().expect("object path has a parent");
            fs::create_dir_all(dir).map_err(write_err(dir))?;
            set_read_only(&tmp).map_err(write_err(&tmp))?;
            fs::rename(&tmp, &dest).map_err(write_err(&dest))?;
            sync_dir(dir).map_err(write_err(dir))?;
            Ok(Put { sha256, size, existed: false })
        })();
        if result.is_err() {
            let _ = fs::remove_file(&tmp);
        }
        result
    }

    /// Every object in the store, as `(digest, path)`; temp files are not objects.
    pub fn objects(&self) -> Result<Vec<(String, PathBuf)>, CasError> {
        let mut out = Vec::new();
        let rd = fs::read_dir(&self.root).map_err(|source| CasError::Read { path: self.root.clone(), source })?;
        for fan in rd.flatten() {
            let name = fan.file_name().to_string_lossy().to_string();
            if name.len() != 2 || !fan.path().is_dir() {
                continue;
            }
            let inner = fs::read_dir(fan.path()).map_err(|source| CasError::Read { path: fan.path(), source })?;
            for obj in inner.flatten() {
                out.push((format!("{name}{}", obj.file_name().to_string_lossy()), obj.path()));
            }
        }
        out.sort();
        Ok(out)
    }

    /// Re-hashes every object and returns the ones whose content no longer matches their name.
    pub fn verify(&self) -> Result<Vec<String>, CasError> {
        let mut bad = Vec::new();
        for (digest, path) in self.objects()? {
            let (actual, _) =
                hash::sha256_file(&path, &mut |_| {}).map_err(|source| CasError::Read { path: path.clone(), source })?;
            if actual != digest {
                bad.push(digest);
            }
        }
        Ok(bad)
    }

    /// Removes temp files left by processes that no longer run (a killed registration).
    pub fn clean_stale_tmp(&self) {
        let Ok(rd) = fs::read_dir(self.root.join("tmp")) else { return };
        for entry in rd.flatten() {
            let name = entry.file_name().to_string_lossy().to_string();
            let pid = name.split('-').next().and_then(|p| p.parse::<u32>().ok());
            if let Some(pid) = pid {
                if pid != std::process::id() && !process_alive(pid) {
                    let _ = fs::remove_file(entry.path());
                }
            }
        }
    }
}

fn process_alive(pid: u32) -> bool {
    if cfg!(target_os = "linux") {
        Path::new("/proc").join(pid.to_string()).exists()
    } else {
        true // unknown: keep the file
    }
}

fn set_read_only(path: &Path) -> io::Result<()> {
    let mut perms = fs::metadata(path)?.permissions();
    perms.set_readonly(true);
    fs::set_permissions(path, perms)
}

fn sync_dir(dir: &Path) -> io::Result<()> {
    #[cfg(unix)]
    {
        File::open(dir)?.sync_all()?;
    }
    let _ = dir;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn put_is_content_addressed_read_only_and_deduplicated() {
        let dir = tempfile::tempdir().unwrap();
        let cas = Cas::open(dir.path()).unwrap();
        let src = dir.path().join("a.bin");
        fs::write(&src, b"hello").unwrap();
        let first = cas.put_file(&src, &mut |_| {}).unwrap();
        assert_eq!(first.sha256, "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824");
        assert!(!first.existed);
        let path = cas.object_path(&first.sha256);
        assert!(fs::metadata(&path).unwrap().permissions().readonly());
        let second = cas.put_file(&src, &mut |_| {}).unwrap();
        assert!(second.existed);
        assert_eq!(cas.objects().unwrap().len(), 1);
        assert!(cas.verify().unwrap().is_empty());
        assert_eq!(fs::read_dir(cas.root().join("tmp")).unwrap().count(), 0, "no temp file left");
    }
}
