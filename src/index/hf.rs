//! The Hugging Face hub cache as a store, read in place. `huggingface_hub` keeps each repository
//! as `models--ORG--NAME/` with `blobs/` named by the Hub's own hashes (sha256 for LFS files,
//! git's blob SHA-1 for the rest), `refs/BRANCH` holding a commit, and `snapshots/COMMIT/PATH`
//! symlinks into `blobs/`. Each snapshot is one artifact, named `ORG/NAME@COMMIT`; the blob name
//! of every file is recorded (as its ETag: it is the Hub's ETag) and checked against the bytes,
//! so a corrupt or edited cache is reported, not registered.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::local::{self, Stat, Walk};
use super::{ItemError, LineageHint};
use crate::catalog::stores::FileRow;
use crate::catalog::{self, CatalogError};
use crate::registry::register::ParentLink;

/// How a file whose bytes do not match its blob name is reported (such a snapshot is no artifact).
pub const CORRUPT: &str = "the cache blob";

/// Where `huggingface_hub` keeps its cache: `HF_HUB_CACHE`, else `HF_HOME/hub`, else
/// `$XDG_CACHE_HOME/huggingface/hub`, else `~/.cache/huggingface/hub`.
pub fn default_root() -> PathBuf {
    let env = |k: &str| std::env::var_os(k).filter(|v| !v.is_empty()).map(PathBuf::from);
    if let Some(p) = env("HF_HUB_CACHE") {
        return p;
    }
    if let Some(p) = env("HF_HOME") {
        return p.join("hub");
    }
    let cache =
        env("XDG_CACHE_HOME").or_else(|| env("HOME").map(|h| h.join(".cache"))).unwrap_or_else(|| PathBuf::from(".cache"));
    cache.join("huggingface").join("hub")
}

/// A snapshot folder (`models--ORG--NAME/snapshots/REV`) → (`ORG/NAME`, `REV`).
pub fn snapshot_of(folder: &str) -> Option<(String, String)> {
    let mut parts = folder.split('/');
    let (repo, snapshots, rev) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() || snapshots != "snapshots" || rev.is_empty() {
        return None;
    }
    let id = repo.strip_prefix("models--")?;
    let id = match id.split_once("--") {
        Some((org, name)) if !org.is_empty() && !name.is_empty() => format!("{org}/{name}"),
        Some(_) => return None,
        None if !id.is_empty() => id.to_string(),
        None => return None,
    };
    Some((id, rev.to_string()))
}

/// The snapshot folder a cache path lies in.
pub fn snapshot_folder(path: &str) -> Option<&str> {
    let mut cut = 0;
    for (n, (i, _)) in path.match_indices('/').enumerate() {
        if n == 2 {
            cut = i;
            break;
        }
    }
    let folder = &path[..cut];
    (cut > 0 && snapshot_of(folder).is_some()).then_some(folder)
}

/// The artifact name of a snapshot folder: `ORG/NAME@REV`.
pub fn artifact_name(folder: &str) -> Option<String> {
    snapshot_of(folder).map(|(repo, rev)| format!("{repo}@{rev}"))
}

/// Branches and tags (`refs/…` files) of the snapshot's repository that point at its commit.
pub fn refs_of(root: &Path, folder: &str) -> Vec<String> {
    let Some((repo_dir, rev)) = folder.split_once("/snapshots/") else { return Vec::new() };
    let refs = root.join(repo_dir).join("refs");
    let mut out = Vec::new();
    for e in walkdir::WalkDir::new(&refs).follow_links(false).max_depth(4).into_iter().flatten() {
        if !e.file_type().is_file() {
            continue;
        }
        let points_here = local::read_small(e.path(), 256).is_ok_and(|t| t.trim() == rev);
        if let (true, Ok(name)) = (points_here, e.path().strip_prefix(&refs)) {
            out.push(name.to_string_lossy().replace('\\', "/"));
        }
    }
    out.sort();
    out
}

/// Adds what the cache says of a snapshot to its metadata (`hf.repo`, `hf.revision`, `hf.refs`)
/// and returns the model card's `base_model` entries as lineage hints (kind `base_model`, the
/// relation from `base_model_relation`).
pub fn describe(root: &Path, folder: &str, metadata: &mut BTreeMap<String, String>) -> Vec<LineageHint> {
    let Some((repo, rev)) = snapshot_of(folder) else { return Vec::new() };
    metadata.insert("hf.repo".into(), repo);
    metadata.insert("hf.revision".into(), rev);
    let refs = refs_of(root, folder);
    if refs.is_empty() {
        metadata.remove("hf.refs");
    } else {
        metadata.insert("hf.refs".into(), refs.join(","));
    }
    // A folder without config.json (GGUF, adapters) was not read as a Hugging Face folder: its
    // card is read here.
    if !metadata.keys().any(|k| k.starts_with("card."))
        && let Ok(card) = local::read_small(&root.join(folder).join("README.md"), 1 << 20)
    {
        metadata.extend(crate::sniff::folder::card_metadata(&card));
    }
    let relation = metadata.get("card.base_model_relation").cloned();
    let source = match &relation {
        Some(r) => format!("model card base_model (base_model_relation: {r})"),
        None => "model card base_model".to_string(),
    };
    let bases = metadata.get("card.base_model").map(String::as_str).unwrap_or_default();
    bases
        .split(',')
        .map(str::trim)
        .filter(|b| !b.is_empty())
        .map(|b| LineageHint { kind: "base_model".into(), path: b.to_string(), md5: None, source: source.clone() })
        .collect()
}

/// Versions here that hold repository `repo` (`ORG/NAME`): imported from the Hub or registered
/// from a cache snapshot, latest first, as `MODEL@VERSION`.
pub fn known_versions(conn: &catalog::Conn, repo: &str) -> Result<Vec<String>, CatalogError> {
    let mut out = crate::catalog::graph::imported_from_prefix(conn, &format!("source:hf://{repo}@"))?;
    out.extend(crate::catalog::stores::registered_from_hf_repo(conn, repo)?);
    Ok(out.into_iter().map(|n| n.trim_start_matches("version:").to_string()).collect())
}

/// The parents a model card's `base_model` repositories (`ORG/NAME`) name, where those are
/// here (see [`known_versions`]), with its `base_model_relation` when it is one Pedigree knows.
pub fn parents<'a>(
    conn: &catalog::Conn,
    bases: impl IntoIterator<Item = &'a str>,
    relation: Option<&str>,
) -> Result<Vec<ParentLink>, CatalogError> {
    let relation = relation.filter(|r| crate::registry::RELATIONS.contains(r)).map(str::to_string);
    let mut out = Vec::new();
    for base in bases {
        if let Some(parent) = known_versions(conn, base)?.into_iter().next() {
            out.push(ParentLink { parent, relation: relation.clone() });
        }
    }
    Ok(out)
}

/// Walks the cache, keeping the files of model snapshots (blobs, refs, datasets and spaces are
/// not model artifacts; `.no_exist` records files the Hub does not have).
pub fn walk(root: &Path) -> Result<Walk, String> {
    let mut w = local::walk(root)?;
    w.files.retain(|(p, _)| snapshot_folder(p).is_some());
    w.errors.retain(|e| e.path.starts_with("models--") && !e.path.contains("/blobs/"));
    Ok(w)
}

/// Examines one snapshot file like a local one, then checks its bytes against the name of the
/// blob it links to (the Hub's hash of it), recorded as the row's ETag.
pub fn examine(root: &Path, rel: &str, stat: Stat, on_bytes: &mut dyn FnMut(u64)) -> (Option<FileRow>, Option<ItemError>) {
    // Snapshot files link into the cache's blobs; one that leads elsewhere is not read.
    let inside = match (root.join(rel).canonicalize(), root.canonicalize()) {
        (Ok(target), Ok(root)) => target.starts_with(root),
        _ => true, // vanished: local::examine says so
    };
    if !inside {
        let message = "links outside the Hugging Face cache; not read (snapshot files link into its blobs/)".to_string();
        return (None, Some(ItemError { path: rel.to_string(), message }));
    }
    let (row, err) = local::examine(root, rel, stat, on_bytes);
    let Some(mut row) = row else { return (row, err) };
    let abs = root.join(rel);
    let Some(blob) = std::fs::read_link(&abs).ok().and_then(|t| t.file_name().map(|n| n.to_string_lossy().into_owned())) else {
        return (Some(row), err); // copied, not linked (a cache on a filesystem without symlinks)
    };
    let is_hex = |n: usize| blob.len() == n && blob.bytes().all(|b| b.is_ascii_hexdigit());
    let actual = if is_hex(64) {
        row.sha256.clone()
    } else if is_hex(40) {
        crate::hash::GitBlobSha1::of_file(&abs).ok()
    } else {
        None
    };
    row.etag = Some(blob.clone());
    if let Some(actual) = actual.filter(|a| !a.eq_ignore_ascii_case(&blob)) {
        let message = format!(
            "{CORRUPT} {blob} holds bytes hashing to {actual}: the cache is corrupt or was edited; delete the snapshot and download it again"
        );
        row.error = Some(message.clone());
        return (Some(row), Some(ItemError { path: rel.to_string(), message }));
    }
    (Some(row), err)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snapshot_folders_name_a_repository_and_a_revision() {
        assert_eq!(snapshot_of("models--acme--tiny-bert/snapshots/abc"), Some(("acme/tiny-bert".into(), "abc".into())));
        assert_eq!(snapshot_of("models--gpt2/snapshots/abc"), Some(("gpt2".into(), "abc".into())));
        for bad in ["datasets--a--b/snapshots/x", "models--a--b/blobs/x", "models--a--b/snapshots", "models----b/snapshots/x"] {
            assert_eq!(snapshot_of(bad), None, "{bad}");
        }
        assert_eq!(snapshot_folder("models--a--b/snapshots/r1/sub/config.json"), Some("models--a--b/snapshots/r1"));
        assert_eq!(snapshot_folder("models--a--b/blobs/0123"), None);
        assert_eq!(snapshot_folder("models--a--b/snapshots/r1"), None);
        assert_eq!(artifact_name("models--a--b/snapshots/r1").as_deref(), Some("a/b@r1"));
    }
}
