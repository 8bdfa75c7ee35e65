//! Getting an indexed artifact ready to register: local artifacts are registered from where
//! they are (their digest is checked again during registration); remote ones are downloaded
//! once into `staging/` in the workspace, verified (size, If-Match on the ETag, MD5 ETags),
//! and removed after registration.

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use super::remote::Remote;
use super::store::{self, Location, StoreError};
use super::{Artifact, LineageHint, StagedArtifact};
use crate::catalog::stores::{self as rows, ArtifactRow};
use crate::catalog::{self};
use crate::progress::{OnProgress, Progress, Unit};
use crate::registry::register::Origin;
use crate::sniff::Sniffed;
use crate::workspace::Workspace;

/// Folder (in the workspace) holding downloads of remote artifacts.
pub const STAGING: &str = "staging";

/// Where a registration from the index comes from (what its bytes must hash to), and the
/// staging folder to delete after registration (remote artifacts).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndexedSource {
    pub origin: Origin,
    pub staging: Option<PathBuf>,
}

/// The artifact's own name: its file or folder name, or the store's name for a store whose
/// root is the artifact.
fn artifact_name(row: &ArtifactRow) -> String {
    if row.path == "." { row.store.clone() } else { row.path.rsplit('/').next().unwrap_or(&row.path).to_string() }
}

/// How an artifact is named to people: `ORG/NAME@REV` in the Hugging Face cache, else its own name.
fn display_name(location: &Location, row: &ArtifactRow) -> String {
    match location {
        Location::HfCache(_) => super::hf::artifact_name(&row.path).unwrap_or_else(|| row.path.clone()),
        _ => artifact_name(row),
    }
}

/// The API view of an artifact row.
pub fn artifact(conn: &catalog::Conn, ws_root: &Path, row: &ArtifactRow) -> Result<Artifact, StoreError> {
    let sniffed: Sniffed = catalog::json("artifact sniff", &row.sniffed)?;
    let hints: Vec<LineageHint> = catalog::json("artifact hints", &row.hints)?;
    let srow = rows::get_store(conn, &row.store)?.ok_or_else(|| StoreError::Unknown(row.store.clone()))?;
    let st = store::resolve_row(ws_root, &srow)?;
    Ok(Artifact {
        id: row.id,
        name: display_name(&st.location, row),
        store: row.store.clone(),
        path: row.path.clone(),
        uri: st.uri_of(&row.path),
        kind: row.kind.clone(),
        format: row.format.clone(),
        size: row.size,
        file_count: row.file_count,
        digest: row.digest.clone(),
        etag: row.etag.clone(),
        interface: sniffed.interface,
        metadata: sniffed.metadata,
        hints,
        note: row.note.clone(),
        indexed_at: row.indexed_at.clone(),
        registered_as: row.registered_as.clone(),
    })
}

/// Local paths for an artifact (downloading a remote one), plus the hints' local data paths.
pub fn stage(ws: &Workspace, id: i64, progress: OnProgress<'_>) -> Result<(StagedArtifact, IndexedSource), StoreError> {
    let conn = ws.catalog.conn();
    let row = rows::get_artifact(conn, id)?.ok_or(StoreError::UnknownArtifact(id))?;
    if row.kind == "dvc" {
        return Err(StoreError::DvcFile { id, path: row.path.clone() });
    }
    let art = artifact(conn, &ws.root, &row)?;
    let st = store::resolve(&ws.root, conn, &row.store)?;
    let rel_dir = if row.path == "." { "" } else { row.path.as_str() };
    let (paths, trained_on, source) = match st.location.local_root() {
        Some(root) => {
            let p = root.join(rel_dir);
            if !p.exists() {
                return Err(StoreError::Local { path: p, message: "no longer there; run `pedigree index` again".into() });
            }
            let expected_root = match (&row.kind[..], &row.digest) {
                ("folder", Some(d)) => Some(d.clone()),
                (_, Some(d)) => crate::hash::root_digest([d.as_str()]).ok(),
                _ => None,
            };
            let trained_on = art
                .hints
                .iter()
                .filter(|h| h.kind == "trained_on")
                .map(|h| root.join(&h.path))
                .filter(|p| p.exists())
                .map(|p| p.display().to_string())
                .collect::<Vec<_>>();
            let source = IndexedSource { origin: Origin { artifact_id: id, uri: art.uri.clone(), expected_root }, staging: None };
            (vec![p.display().to_string()], trained_on, source)
        }
        None => {
            let remote = Remote::open(&st).map_err(|message| StoreError::Remote { store: st.name.clone(), message })?;
            let dir = download(ws, &remote, &row, progress)?;
            let origin = Origin { artifact_id: id, uri: art.uri.clone(), expected_root: None };
            let source = IndexedSource { origin, staging: Some(dir.clone()) };
            (vec![dir.join("data").join(artifact_name(&row)).display().to_string()], Vec::new(), source)
        }
    };
    let base = match super::hf::snapshot_of(&row.path).filter(|_| matches!(st.location, Location::HfCache(_))) {
        Some((repo, _)) => repo.rsplit('/').next().unwrap_or(&repo).to_lowercase(),
        None => artifact_name(&row),
    };
    let stem = if row.kind == "file" { base.rsplit_once('.').map(|(s, _)| s.to_string()).unwrap_or(base) } else { base };
    let suggested_model = crate::ids::name_from_path(Path::new(&stem), "model");
    let bases = art.hints.iter().filter(|h| h.kind == "base_model").map(|h| h.path.as_str());
    let relation = art.metadata.get("card.base_model_relation").map(String::as_str);
    let parents = super::hf::parents(conn, bases, relation)?;
    Ok((StagedArtifact { artifact: art, paths, trained_on, parents, suggested_model }, source))
}

/// Downloads a remote artifact into `staging/a<ID>-<tag>/data/<name>` once; a finished
/// download is marked `complete` and reused.
fn download(ws: &Workspace, remote: &Remote, row: &ArtifactRow, progress: OnProgress<'_>) -> Result<PathBuf, StoreError> {
    let staging = ws.root.join(STAGING);
    purge_stale(&staging);
    let tag = crate::hash::sha256_hex(format!("{:?}{:?}{}", row.etag, row.digest, row.size).as_bytes());
    let dir = staging.join(format!("a{}-{}", row.id, &tag[..12]));
    if dir.join("complete").is_file() {
        return Ok(dir);
    }
    let io = |p: &Path| {
        let p = p.to_path_buf();
        move |e: std::io::Error| StoreError::Local { path: p, message: e.to_string() }
    };
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("data")).map_err(io(&dir))?;
    let files = rows::load_files(ws.catalog.conn(), row.store_id)?;
    let name = artifact_name(row);
    let prefix = if row.path == "." { String::new() } else { format!("{}/", row.path) };
    let members: Vec<_> = if row.kind == "file" {
        files.iter().filter(|f| f.path == row.path).collect()
    } else {
        files.iter().filter(|f| prefix.is_empty() || f.path.starts_with(&prefix)).collect()
    };
    let total: u64 = members.iter().map(|f| f.size).sum();
    let mut done = 0u64;
    let task = format!("downloading {}", row.path);
    for (i, f) in members.iter().enumerate() {
        let rel_in = if row.kind == "file" { String::new() } else { f.path[prefix.len()..].to_string() };
        let dest = if rel_in.is_empty() { dir.join("data").join(&name) } else { dir.join("data").join(&name).join(&rel_in) };
        if let Some(parent) = dest.parent() {
            std::fs::create_dir_all(parent).map_err(io(parent))?;
        }
        let detail = Some(format!("{} of {} files", i + 1, members.len()));
        remote
            .download(&f.path, &dest, f.size, f.etag.as_deref(), &mut |n| {
                done += n;
                progress(&Progress { task: task.clone(), done, total, unit: Unit::Bytes, detail: detail.clone() });
            })
            .map_err(|message| {
                let _ = std::fs::remove_dir_all(&dir);
                StoreError::Remote { store: row.store.clone(), message }
            })?;
    }
    std::fs::write(dir.join("complete"), b"").map_err(io(&dir))?;
    Ok(dir)
}

/// Staged downloads older than a day are removed (a form opened and never submitted).
fn purge_stale(staging: &Path) {
    let Ok(entries) = std::fs::read_dir(staging) else { return };
    for e in entries.flatten() {
        let old = e
            .metadata()
            .and_then(|m| m.modified())
            .ok()
            .and_then(|t| SystemTime::now().duration_since(t).ok())
            .is_some_and(|age| age > Duration::from_secs(24 * 3600));
        if old {
            let _ = std::fs::remove_dir_all(e.path());
        }
    }
}
