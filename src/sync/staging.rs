//! A remote version's files fetched into `staging/` in the workspace before they are registered:
//! from the remote itself, several versions at once ([`fetch_all`]), or, when the remote says
//! they are elsewhere, through a store that covers where they are ([`settle`]).

use std::path::Path;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use super::SyncError;
use super::pull::{Again, Unfetched};
use crate::catalog::models;
use crate::remote::{Fetched, Remote, RemoteError, RemoteVersion};
use crate::workspace::Workspace;

/// Versions fetched from a remote at once.
pub(super) const PARALLEL: usize = 4;

/// A remote version's files fetched into `staging/` in the workspace; the folder is removed when
/// this is dropped.
pub(super) struct Staged {
    root: std::path::PathBuf,
    /// The version's files (named after the local model, as registration names the folder).
    pub(super) dir: std::path::PathBuf,
}

impl Drop for Staged {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.root);
    }
}

impl Staged {
    /// A fresh staging folder for a version of `local` from `remote`.
    pub(super) fn new(ws_root: &Path, remote: &str, local: &str, v: &RemoteVersion) -> Staged {
        let root = ws_root.join(crate::index::stage::STAGING).join(format!("{remote}-{local}-{}", v.version));
        let _ = std::fs::remove_dir_all(&root);
        Staged { dir: root.join(local), root }
    }

    /// The root digest (as registration computes it) of the fetched files.
    pub(super) fn root_digest(&self) -> Result<String, SyncError> {
        root_of(&self.dir, sized_files(&self.dir)?)
    }
}

/// Fetches a version's files into a fresh staging folder. `Ok(Err(why))` when they cannot be
/// fetched.
pub(super) fn stage(
    ws: &Workspace,
    remote: &str,
    from: &dyn Remote,
    local: &str,
    v: &RemoteVersion,
) -> Result<Result<Staged, Unfetched>, RemoteError> {
    let staged = Staged::new(&ws.root, remote, local, v);
    let fetched = from.fetch(v, &staged.dir)?;
    Ok(settle(ws, fetched, &staged.dir).map(|()| staged))
}

/// Fetches each version's files from the remote into its folder, [`PARALLEL`] at a time (the
/// remote's requests are independent; the catalog is not touched). One result per job, in order.
pub(super) fn fetch_all(from: &dyn Remote, jobs: &[(&RemoteVersion, &Path)]) -> Vec<Result<Fetched, RemoteError>> {
    let next = AtomicUsize::new(0);
    let results: Vec<Mutex<Option<Result<Fetched, RemoteError>>>> = jobs.iter().map(|_| Mutex::new(None)).collect();
    std::thread::scope(|s| {
        for _ in 0..PARALLEL.min(jobs.len()) {
            s.spawn(|| {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some((v, dir)) = jobs.get(i) else { break };
                    *results[i].lock().expect("no panic while held") = Some(from.fetch(v, dir));
                }
            });
        }
    });
    results.into_iter().map(|r| r.into_inner().expect("no panic while held").expect("every job ran")).collect()
}

/// What a fetch from the remote came to: the files are in `dir`, or they are fetched now through
/// a store that covers where the remote says they are. `Err(why)` when they cannot be fetched.
pub(super) fn settle(ws: &Workspace, fetched: Fetched, dir: &Path) -> Result<(), Unfetched> {
    match fetched {
        Fetched::Here => Ok(()),
        // No store covers it: the same answer until the stores change.
        Fetched::Elsewhere(uri) => super::sources::fetch(ws, &uri, dir)
            .map_err(|(reason, covered)| Unfetched(reason, if covered { Again::EverySync } else { Again::OnChange })),
        Fetched::Failed(reason) => Err(Unfetched(reason, Again::EverySync)),
    }
}

fn local_err(e: &dyn std::fmt::Display) -> SyncError {
    SyncError::Local(e.to_string())
}

/// The files under `dir` with their sizes, in path order.
pub(super) fn sized_files(dir: &Path) -> Result<Vec<(std::path::PathBuf, u64)>, SyncError> {
    let mut files = Vec::new();
    for e in walkdir::WalkDir::new(dir).sort_by_file_name() {
        let e = e.map_err(|e| local_err(&e))?;
        if e.file_type().is_file() {
            let size = e.metadata().map_err(|e| local_err(&e))?.len();
            files.push((e.into_path(), size));
        }
    }
    Ok(files)
}

/// The root digest (as registration computes it) of files fetched into `dir`.
pub(super) fn root_of(dir: &Path, files: Vec<(std::path::PathBuf, u64)>) -> Result<String, SyncError> {
    let mut entries = Vec::new();
    for (path, _) in files {
        let (sha256, size) = crate::hash::sha256_file(&path, &mut |_| {}).map_err(|e| local_err(&e))?;
        let rel = path.strip_prefix(dir).expect("walked under dir").to_string_lossy().replace('\\', "/");
        entries.push(models::FileEntry { path: rel, size, sha256, format: String::new() });
    }
    entries.sort();
    Ok(crate::registry::manifest::root(&entries))
}
