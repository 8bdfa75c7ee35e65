//! From the stat cache of a store to its artifacts: model folders (MLflow `MLmodel`, Hugging
//! Face `config.json`), single model files outside such folders, and DVC files, whose outs and
//! stage deps are attached to the artifacts they describe as lineage hints.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use super::dvc::{self, DvcStage};
use super::hf;
use super::remote::Remote;
use super::store::{Location, Store};
use super::{ItemError, LineageHint};
use crate::catalog::models::FileEntry;
use crate::catalog::stores::{ArtifactRow, FileRow};
use crate::registry::summary::summarize;
use crate::sniff::{self, Format, Sniffed};

/// Artifacts as this run sees them (ids are filled in by the caller), plus per-item errors.
pub struct Derived {
    pub artifacts: Vec<ArtifactRow>,
    pub errors: Vec<ItemError>,
}

fn parent(path: &str) -> &str {
    path.rsplit_once('/').map(|(d, _)| d).unwrap_or("")
}

fn name(path: &str) -> &str {
    path.rsplit('/').next().unwrap_or(path)
}

fn inside(path: &str, folder: &str) -> bool {
    folder.is_empty() || path.strip_prefix(folder).is_some_and(|r| r.starts_with('/'))
}

/// Digest of a remote folder's listing (paths, sizes, ETags): changes when any object does.
fn listing_digest(files: &[&FileRow], folder: &str) -> String {
    let mut text = String::new();
    for f in files {
        let rel = if folder.is_empty() { f.path.as_str() } else { &f.path[folder.len() + 1..] };
        text.push_str(&format!("{rel}\0{}\0{}\n", f.size, f.etag.as_deref().unwrap_or(f.last_modified.as_deref().unwrap_or(""))));
    }
    crate::hash::sha256_hex(text.as_bytes())
}

/// Derives the artifacts. `previous` (by path) lets unchanged folders skip re-sniffing.
pub fn derive(
    store: &Store,
    remote: Option<&Remote>,
    rows: &[FileRow],
    previous: &HashMap<String, ArtifactRow>,
    now: &str,
) -> Derived {
    let mut errors = Vec::new();
    let mut artifacts: Vec<ArtifactRow> = Vec::new();
    let remote_store = remote.is_some();

    // 1. Folders: the outermost folder holding an MLmodel or config.json (in the Hugging Face
    // cache: every snapshot).
    let hf_root = match &store.location {
        Location::HfCache(root) => Some(root.as_path()),
        _ => None,
    };
    let mut markers: Vec<&str> = match hf_root {
        Some(_) => rows.iter().filter_map(|r| hf::snapshot_folder(&r.path)).collect(),
        None => rows.iter().filter(|r| matches!(name(&r.path), "MLmodel" | "config.json")).map(|r| parent(&r.path)).collect(),
    };
    markers.sort();
    markers.dedup();
    let mut folders: Vec<&str> = Vec::new();
    for m in markers {
        if !folders.iter().any(|f| inside(m, f) || *f == m) {
            folders.push(m);
        }
    }
    let mut claimed: Vec<&str> = Vec::new();
    for folder in folders {
        let mut files: Vec<&FileRow> = rows.iter().filter(|r| inside(&r.path, folder)).collect();
        files.sort_by(|a, b| a.path.cmp(&b.path)); // digests depend on path order
        let path = if folder.is_empty() { ".".to_string() } else { folder.to_string() };
        let (digest, etag) = if remote_store {
            (None, Some(listing_digest(&files, folder)))
        } else {
            let shas: Option<Vec<&str>> = files.iter().map(|f| f.sha256.as_deref()).collect();
            (shas.and_then(|s| crate::hash::root_digest(s).ok()), None)
        };
        let prev = previous.get(&path).filter(|p| p.kind == "folder" && p.digest == digest && p.etag == etag);
        let sniffed: Result<(Sniffed, Option<String>), String> = match prev {
            Some(p) => Ok((serde_json::from_str(&p.sniffed).unwrap_or_else(|_| Sniffed::unknown()), p.note.clone())),
            None => sniff_folder(store, remote, folder).map(|s| (s, None)),
        };
        if hf_root.is_some() && files.iter().any(|f| f.error.as_deref().is_some_and(|e| e.starts_with(hf::CORRUPT))) {
            continue; // reported per file; nothing to register until it is downloaded again
        }
        match sniffed {
            Ok((s, _)) if s.format == Format::Unknown && hf_root.is_none() => continue, // a config.json that is not a model
            Ok((folder_sniff, note)) => {
                let mut by_path: BTreeMap<String, Sniffed> = BTreeMap::new();
                by_path.insert(".".into(), folder_sniff);
                let entries: Vec<FileEntry> = files
                    .iter()
                    .map(|f| {
                        let rel = if folder.is_empty() { f.path.clone() } else { f.path[folder.len() + 1..].to_string() };
                        if let Some(s) = f.sniffed.as_deref().and_then(|t| serde_json::from_str::<Sniffed>(t).ok()) {
                            by_path.insert(rel.clone(), s);
                        }
                        FileEntry {
                            path: rel,
                            size: f.size,
                            sha256: f.sha256.clone().unwrap_or_default(),
                            format: f.format.clone(),
                        }
                    })
                    .collect();
                let (format, interface) = summarize(&by_path, &entries);
                let folder_sniff = by_path.remove(".").expect("inserted above");
                let mut combined = Sniffed { format: folder_sniff.format, interface, metadata: folder_sniff.metadata };
                let mut hints = Vec::new();
                if let Some(root) = hf_root {
                    hints = hf::describe(root, folder, &mut combined.metadata);
                }
                artifacts.push(ArtifactRow {
                    id: 0,
                    store_id: store.id,
                    store: store.name.clone(),
                    path,
                    kind: "folder".into(),
                    format,
                    size: files.iter().map(|f| f.size).sum(),
                    file_count: files.len() as u32,
                    digest,
                    etag,
                    sniffed: serde_json::to_string(&combined).expect("sniffed serialises"),
                    hints: serde_json::to_string(&hints).expect("hints serialise"),
                    note,
                    indexed_at: now.to_string(),
                    registered_as: None,
                });
                claimed.push(folder);
            }
            Err(message) => {
                // Could not read it this time (e.g. the server went away): keep what was known.
                if let Some(p) = previous.get(&path).filter(|p| p.kind == "folder") {
                    artifacts.push(p.clone());
                    claimed.push(folder);
                }
                errors.push(ItemError { path: path.clone(), message });
            }
        }
    }

    // 2. Single model files outside those folders; 3. DVC files; errors of every file.
    let mut stages: Vec<(String, DvcStage)> = Vec::new();
    for r in rows {
        if let Some(e) = &r.error {
            errors.push(ItemError { path: r.path.clone(), message: e.clone() });
            continue;
        }
        if r.format == "dvc" {
            let parsed: Vec<DvcStage> = r.sniffed.as_deref().and_then(|t| serde_json::from_str(t).ok()).unwrap_or_default();
            let mut hints = Vec::new();
            for st in &parsed {
                let source = stage_label(&r.path, st);
                for o in &st.outs {
                    hints.push(LineageHint {
                        kind: "out".into(),
                        path: o.path.clone(),
                        md5: o.md5.clone(),
                        source: source.clone(),
                    });
                }
                hints.extend(dep_hints(st, &source));
                stages.push((r.path.clone(), st.clone()));
            }
            artifacts.push(file_artifact(store, r, "dvc", Sniffed::unknown(), &hints, None, now));
            continue;
        }
        if r.format == Format::Unknown.as_str() || claimed.iter().any(|f| inside(&r.path, f)) {
            continue;
        }
        let (sniffed, note) = match r.sniffed.as_deref().and_then(|t| serde_json::from_str::<Sniffed>(t).ok()) {
            Some(s) => (s, None),
            None => (
                Sniffed::unknown(),
                Some(format!(
                    "interface not read yet: only the first {} MiB were fetched; it is read on registration",
                    super::remote::SNIFF_PREFIX >> 20
                )),
            ),
        };
        artifacts.push(file_artifact(store, r, "file", sniffed, &[], note, now));
    }

    // 4. Hints: an artifact that is (or lies in, or holds) a DVC out gets the stage's deps.
    for a in artifacts.iter_mut().filter(|a| a.kind != "dvc") {
        let mut hints: Vec<LineageHint> = serde_json::from_str(&a.hints).unwrap_or_default();
        let apath = if a.path == "." { "" } else { a.path.as_str() };
        for (file, st) in &stages {
            for o in &st.outs {
                if o.path == apath || inside(apath, &o.path) || inside(&o.path, apath) {
                    let source = stage_label(file, st);
                    hints.push(LineageHint {
                        kind: "dvc_out".into(),
                        path: file.clone(),
                        md5: o.md5.clone(),
                        source: source.clone(),
                    });
                    hints.extend(dep_hints(st, &source));
                }
            }
        }
        hints.sort();
        hints.dedup();
        a.hints = serde_json::to_string(&hints).expect("hints serialise");
    }
    artifacts.sort_by(|a, b| a.path.cmp(&b.path));
    Derived { artifacts, errors }
}

fn stage_label(file: &str, st: &DvcStage) -> String {
    if name(file) == "dvc.lock" { format!("{file} stage {}", st.name) } else { file.to_string() }
}

fn dep_hints(st: &DvcStage, source: &str) -> Vec<LineageHint> {
    st.deps
        .iter()
        .map(|d| LineageHint {
            kind: if dvc::is_code(&d.path) { "code" } else { "trained_on" }.into(),
            path: d.path.clone(),
            md5: d.md5.clone(),
            source: source.to_string(),
        })
        .collect()
}

fn file_artifact(
    store: &Store,
    r: &FileRow,
    kind: &str,
    sniffed: Sniffed,
    hints: &[LineageHint],
    note: Option<String>,
    now: &str,
) -> ArtifactRow {
    let format = if kind == "dvc" { "dvc".to_string() } else { r.format.clone() };
    ArtifactRow {
        id: 0,
        store_id: store.id,
        store: store.name.clone(),
        path: r.path.clone(),
        kind: kind.into(),
        format,
        size: r.size,
        file_count: 1,
        digest: r.sha256.clone(),
        etag: if r.sha256.is_some() { None } else { r.etag.clone().or_else(|| r.last_modified.clone()) },
        sniffed: serde_json::to_string(&sniffed).expect("sniffed serialises"),
        hints: serde_json::to_string(hints).expect("hints serialise"),
        note,
        indexed_at: now.to_string(),
        registered_as: None,
    }
}

/// Sniffs a model folder: in place for local stores; for remote ones, its marker files
/// (MLmodel, config.json, README.md) are fetched into a temp folder first.
fn sniff_folder(store: &Store, remote: Option<&Remote>, folder: &str) -> Result<Sniffed, String> {
    let strip = |e: sniff::SniffError, base: &Path| super::local::strip_path(&e.to_string(), base);
    match (store.location.local_root(), remote) {
        (Some(root), _) => {
            let dir = root.join(folder);
            match sniff::sniff_folder(&dir) {
                Ok(s) => Ok(s.unwrap_or_else(Sniffed::unknown)),
                Err(e) => Err(strip(e, &dir).replace(&format!("{}/", dir.display()), "")),
            }
        }
        (_, Some(remote)) => {
            let tmp = tempfile::tempdir().map_err(|e| format!("cannot create a temp folder: {e}"))?;
            for marker in ["MLmodel", "config.json", "README.md"] {
                let rel = if folder.is_empty() { marker.to_string() } else { format!("{folder}/{marker}") };
                match remote.fetch_prefix(&rel, 16 << 20, None) {
                    Ok(bytes) => std::fs::write(tmp.path().join(marker), bytes).map_err(|e| e.to_string())?,
                    Err(_) if marker == "README.md" => {}
                    Err(e) if marker == "config.json" && e.contains("not found") => {}
                    Err(e) if marker == "MLmodel" && e.contains("not found") => {}
                    Err(e) => return Err(format!("{rel}: {e}")),
                }
            }
            match sniff::sniff_folder(tmp.path()) {
                Ok(s) => Ok(s.unwrap_or_else(Sniffed::unknown)),
                Err(e) => Err(strip(e, tmp.path()).replace(&format!("{}/", tmp.path().display()), "")),
            }
        }
        _ => Err("remote store without a connection".into()),
    }
}
