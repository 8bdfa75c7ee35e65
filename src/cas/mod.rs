//! Content-addressed store: `objects-v1/ab/cdef…` named by the SHA-256 of the bytes.
//!
//! Writes are git-like: bytes are hashed while they are copied into a temp file under
//! `objects-v1/tmp/` (same filesystem), the temp file is fsynced, made read-only and renamed
//! atomically onto its final name. An object that already exists is success (deduplication).
//! An interrupted write leaves at most a temp file, never a wrong object; stale temp files of
//! dead processes are removed on the next write.
//!
//! Large models need not take twice the disk ([`Link`]): a copy-on-write clone (reflink) shares
//! the source's blocks until either side is written, and is as safe as a copy; a hard link
//! shares the file itself, so the source is made read-only and rewriting it in place would
//! change the object (which `audit verify`, re-hashing every object, names).

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
    #[error("{path}: {reason}")]
    Link { path: PathBuf, reason: String },
}

/// How a file's bytes get into the store.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize, ts_rs::TS)]
#[serde(rename_all = "lowercase")]
pub enum Link {
    /// Copied (the default): the store owns its bytes.
    #[default]
    Copy,
    /// A copy-on-write clone sharing the source's blocks, where the filesystem supports it.
    Reflink,
    /// A hard link to the source file, which is made read-only.
    Hard,
}

impl Link {
    pub fn as_str(self) -> &'static str {
        match self {
            Link::Copy => "copy",
            Link::Reflink => "reflink",
            Link::Hard => "hardlink",
        }
    }
}

/// Result of putting one file into the store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Put {
    pub sha256: String,
    pub size: u64,
    /// The object was already present (nothing new was stored).
    pub existed: bool,
}

/// A temp file in the store, removed on drop unless it was renamed into place.
struct Tmp(PathBuf);

impl Drop for Tmp {
    fn drop(&mut self) {
        let _ = fs::remove_file(&self.0);
    }
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
        self.put_linked(src, Link::Copy, see)
    }

    /// Puts `src` into the store as `link` says. A clone or hard link is made first and its
    /// bytes hashed after, so the digest is of what the store holds. A file already stored is
    /// not linked again (`existed`), and its source is left as it was.
    pub fn put_linked(&self, src: &Path, link: Link, see: &mut dyn FnMut(&[u8])) -> Result<Put, CasError> {
        let tmp =
            Tmp(self.root.join("tmp").join(format!("{}-{}", std::process::id(), TMP_COUNTER.fetch_add(1, Ordering::Relaxed))));
        let (sha256, size) = match link {
            Link::Copy => self.copy_in(src, &tmp.0, see)?,
            Link::Reflink => {
                clone_file(src, &tmp.0)?;
                hash_in_place(&tmp.0, see)?
            }
            Link::Hard => {
                fs::hard_link(src, &tmp.0).map_err(|e| link_error(src, self.root(), e))?;
                hash_in_place(&tmp.0, see)?
            }
        };
        let write_err = |path: &Path| {
            let path = path.to_path_buf();
            move |source| CasError::Write { path, source }
        };
        let dest = self.object_path(&sha256);
        if dest.is_file() {
            return Ok(Put { sha256, size, existed: true });
        }
        let dir = dest.parent().expect("object path has a parent");
        fs::create_dir_all(dir).map_err(write_err(dir))?;
        set_read_only(&tmp.0).map_err(write_err(&tmp.0))?;
        fs::rename(&tmp.0, &dest).map_err(write_err(&dest))?;
        sync_dir(dir).map_err(write_err(dir))?;
        Ok(Put { sha256, size, existed: false })
    }

    /// Copies `src` to `tmp` while hashing, and syncs it.
    fn copy_in(&self, src: &Path, tmp: &Path, see: &mut dyn FnMut(&[u8])) -> Result<(String, u64), CasError> {
        let mut input = File::open(src).map_err(|source| CasError::Read { path: src.to_path_buf(), source })?;
        let write_err = |source| CasError::Write { path: tmp.to_path_buf(), source };
        let mut out = File::create(tmp).map_err(write_err)?;
        let hashed = hash::hash_copy_seeing(&mut input, Some(&mut out), see).map_err(|e| {
            // Distinguish a failing source from a failing store.
            if e.kind() == io::ErrorKind::StorageFull || e.kind() == io::ErrorKind::QuotaExceeded {
                CasError::Write { path: tmp.to_path_buf(), source: e }
            } else {
                CasError::Read { path: src.to_path_buf(), source: e }
            }
        })?;
        out.sync_all().map_err(write_err)?;
        Ok(hashed)
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

/// Hashes a file already in the store's temp folder (a clone or a link).
fn hash_in_place(path: &Path, see: &mut dyn FnMut(&[u8])) -> Result<(String, u64), CasError> {
    let mut input = File::open(path).map_err(|source| CasError::Read { path: path.to_path_buf(), source })?;
    hash::hash_copy_seeing(&mut input, None, see).map_err(|source| CasError::Read { path: path.to_path_buf(), source })
}

/// A copy-on-write clone of `src` at `dest` (Linux `FICLONE`), or why there cannot be one.
fn clone_file(src: &Path, dest: &Path) -> Result<(), CasError> {
    let read_err = |source| CasError::Read { path: src.to_path_buf(), source };
    let input = File::open(src).map_err(read_err)?;
    let out = File::create(dest).map_err(|source| CasError::Write { path: dest.to_path_buf(), source })?;
    match ficlone(&input, &out) {
        Ok(()) => out.sync_all().map_err(|source| CasError::Write { path: dest.to_path_buf(), source }),
        Err(e) => Err(CasError::Link {
            path: src.to_path_buf(),
            reason: format!(
                "cannot make a copy-on-write clone ({e}): the filesystem does not support reflinks (btrfs, XFS and APFS \
                 do; ext4 and tmpfs do not) or the workspace is on another filesystem. Register without --link to copy, \
                 or with --link=hard to hard-link the file (it is made read-only)"
            ),
        }),
    }
}

#[cfg(target_os = "linux")]
fn ficlone(src: &File, dest: &File) -> io::Result<()> {
    use std::os::fd::AsRawFd;
    /// `_IOW(0x94, 9, int)` from linux/fs.h.
    const FICLONE: libc::c_ulong = 0x4004_9409;
    // SAFETY: both descriptors are open for the duration of the call; FICLONE reads no memory.
    let rc = unsafe { libc::ioctl(dest.as_raw_fd(), FICLONE as _, src.as_raw_fd()) };
    if rc == 0 { Ok(()) } else { Err(io::Error::last_os_error()) }
}

#[cfg(not(target_os = "linux"))]
fn ficlone(_: &File, _: &File) -> io::Result<()> {
    Err(io::Error::new(io::ErrorKind::Unsupported, "reflinks are only made on Linux"))
}

/// Why a hard link into the store failed, with what to do.
fn link_error(src: &Path, store: &Path, e: io::Error) -> CasError {
    let reason = if e.raw_os_error() == Some(libc::EXDEV) {
        format!(
            "cannot hard-link: the workspace's object store ({}) is on another filesystem than this file. Register \
             without --link to copy it",
            store.display()
        )
    } else {
        format!("cannot hard-link it into the object store: {e}. Register without --link to copy it")
    };
    CasError::Link { path: src.to_path_buf(), reason }
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
