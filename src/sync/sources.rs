//! Versions whose files are not behind the remote (an MLflow source of `s3://…` or `file://…`):
//! fetched through a store the user configured that covers the URI (`pedigree store add`), with
//! the store's endpoint and sealed credentials — never from a place the user did not name, so a
//! hostile server cannot make a sync read `file:///home/me/.ssh` or another bucket.

use std::path::Path;

use crate::index::remote::Remote as ObjectStore;
use crate::index::store::{self, Location, Store};
use crate::remote::safe_rel;
use crate::workspace::Workspace;

/// Copies the files at `uri` into `dir`, through the store that covers it; why not otherwise,
/// and whether a store covered it (`false`: add one).
pub(super) fn fetch(ws: &Workspace, uri: &str, dir: &Path) -> Result<(), (String, bool)> {
    let not_covered = || {
        format!(
            "its files are at {uri}, outside the tracking server's artifact proxy; add a store that covers it (pedigree store add NAME URI) to fetch them from there"
        )
    };
    let wanted = store::parse_uri(uri).map_err(|_| (not_covered(), false))?;
    let stores = store::all(ws).map_err(|e| (e.to_string(), true))?;
    for s in &stores {
        match (&s.location, &wanted) {
            (Location::Local(root), Location::Local(path)) => {
                let (Ok(root), Ok(path)) = (root.canonicalize(), path.canonicalize()) else { continue };
                if path.starts_with(&root) {
                    return copy_local(&path, dir).map_err(|e| (e, true));
                }
            }
            (Location::S3 { bucket, prefix }, Location::S3 { bucket: b, prefix: p }) if bucket == b && under(p, prefix) => {
                let narrowed =
                    Store { uri: uri.to_string(), location: Location::S3 { bucket: b.clone(), prefix: p.clone() }, ..s.clone() };
                return copy_s3(&narrowed, dir).map_err(|e| (e, true));
            }
            _ => {}
        }
    }
    Err((not_covered(), false))
}

/// Whether key prefix `p` is `prefix` or below it.
fn under(p: &str, prefix: &str) -> bool {
    prefix.is_empty() || p == prefix || p.starts_with(&format!("{prefix}/"))
}

/// A file, or a folder's regular files (symbolic links are not followed out of the store).
fn copy_local(path: &Path, dir: &Path) -> Result<(), String> {
    let io = |p: &Path, e: &dyn std::fmt::Display| format!("{}: {e}", p.display());
    std::fs::create_dir_all(dir).map_err(|e| io(dir, &e))?;
    if path.is_file() {
        let name = path.file_name().ok_or_else(|| io(path, &"no file name"))?;
        std::fs::copy(path, dir.join(name)).map_err(|e| io(path, &e))?;
        return Ok(());
    }
    let mut files = 0;
    for e in walkdir::WalkDir::new(path).follow_links(false) {
        let e = e.map_err(|e| io(path, &e))?;
        if !e.file_type().is_file() {
            continue;
        }
        let rel = e.path().strip_prefix(path).expect("walked under path");
        let dest = dir.join(rel);
        std::fs::create_dir_all(dest.parent().expect("has a parent")).map_err(|e| io(&dest, &e))?;
        std::fs::copy(e.path(), &dest).map_err(|err| io(e.path(), &err))?;
        files += 1;
    }
    if files == 0 {
        return Err(format!("{} holds no files", path.display()));
    }
    Ok(())
}

/// Every object under the (narrowed) store's prefix, each checked for size and MD5 ETag.
fn copy_s3(s: &Store, dir: &Path) -> Result<(), String> {
    let objects = ObjectStore::open(s)?;
    let (listed, errors, complete) = objects.list();
    if let Some(e) = errors.first().filter(|_| !complete) {
        return Err(format!("{}: {}", s.uri_of(""), e.message));
    }
    if listed.is_empty() {
        return Err(format!("{} holds no files", s.uri_of("")));
    }
    for (rel, info) in listed {
        let safe = safe_rel(&rel).ok_or_else(|| format!("the store lists {rel:?}, which is not a path inside the folder"))?;
        let dest = dir.join(safe);
        std::fs::create_dir_all(dest.parent().expect("has a parent")).map_err(|e| format!("{}: {e}", dir.display()))?;
        objects.download(&rel, &dest, info.size, info.etag.as_deref(), &mut |_| {})?;
    }
    Ok(())
}
