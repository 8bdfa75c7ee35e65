//! Step 2 of a registration: copy the model files into the CAS while hashing them, and hash
//! datasets given by path in place — in parallel, largest first, with one progress bar.

use std::sync::atomic::{AtomicU64, Ordering};

use super::super::RegisterError;
use super::super::manifest;
use super::Inputs;
use crate::cas::Link;
use crate::catalog::models::FileEntry;
use crate::hash::{RangeHasher, par_map_largest_first};
use crate::ids::name_from_path;
use crate::progress::{OnProgress, Progress, Unit};
use crate::registry::collect::InputFile;
use crate::sniff::{Format, gguf, safetensors};
use crate::workspace::Workspace;

/// A dataset given by path, hashed and ready to be recorded.
pub(super) struct NewDataset {
    pub name: String,
    pub source_uri: String,
    pub files: Vec<FileEntry>,
    pub root: String,
}

pub(super) enum DatasetRef {
    Existing(String),
    New(NewDataset),
}

/// What step 2 produced.
pub(super) struct Stored {
    /// The manifest, sorted by path.
    pub entries: Vec<FileEntry>,
    /// Bytes that were not in the store before.
    pub new_bytes: u64,
    pub datasets: Vec<DatasetRef>,
    /// Per-tensor digests of safetensors files: (path, tensor, sha256), hashed in the same pass.
    pub tensors: Vec<(String, String, String)>,
    /// Files put in the store by clone or hard link (not those already stored).
    pub linked: Vec<String>,
}

/// Copies every model file into the CAS and hashes every dataset file, reporting bytes done.
pub(super) fn store_files(ws: &Workspace, inputs: &Inputs, progress: OnProgress<'_>) -> Result<Stored, RegisterError> {
    let total: u64 =
        inputs.files.iter().map(|f| f.size).sum::<u64>() + inputs.datasets.iter().flat_map(|d| &d.1).map(|f| f.size).sum::<u64>();
    let done = AtomicU64::new(0);
    let tick = |n: u64| {
        let d = done.fetch_add(n, Ordering::Relaxed) + n;
        progress(&Progress { task: "hashing".into(), done: d, total, unit: Unit::Bytes, detail: None });
    };
    progress(&Progress { task: "hashing".into(), done: 0, total, unit: Unit::Bytes, detail: None });
    ws.cas.clean_stale_tmp();
    let cas = ws.cas.clone();
    let link = inputs.link;
    let puts: Vec<(FileEntry, bool, Vec<(String, String)>)> = par_map_largest_first(
        &inputs.files,
        |f| f.size,
        |f| {
            let format = inputs.file_formats.get(&f.rel).copied().unwrap_or(Format::Unknown);
            let ranges = match format {
                Format::Safetensors => safetensors::tensor_ranges(&f.abs),
                Format::Gguf => gguf::tensor_ranges(&f.abs),
                _ => Vec::new(),
            };
            let mut tensors = RangeHasher::new(ranges);
            let put = cas.put_linked(&f.abs, link, &mut |b| {
                tensors.update(b);
                tick(b.len() as u64)
            })?;
            Ok::<_, RegisterError>((
                FileEntry { path: f.rel.clone(), size: put.size, sha256: put.sha256, format: format.as_str().to_string() },
                put.existed,
                tensors.finish(),
            ))
        },
    )?;
    let new_bytes = puts.iter().filter(|(_, existed, _)| !existed).map(|(f, _, _)| f.size).sum();
    let linked = match link {
        Link::Copy => Vec::new(),
        _ => puts.iter().filter(|(_, existed, _)| !existed).map(|(f, _, _)| f.path.clone()).collect(),
    };
    let tensors = puts.iter().flat_map(|(f, _, t)| t.iter().map(|(n, d)| (f.path.clone(), n.clone(), d.clone()))).collect();
    let entries: Vec<FileEntry> = puts.into_iter().map(|(f, _, _)| f).collect();
    let mut datasets = Vec::new();
    for (given, dfiles) in &inputs.datasets {
        datasets.push(hash_dataset(given, dfiles, &tick)?);
    }
    Ok(Stored { entries, new_bytes, datasets, tensors, linked })
}

/// A dataset given by path: its files hashed where they are (never copied).
fn hash_dataset(given: &str, files: &[InputFile], tick: &(dyn Fn(u64) + Sync)) -> Result<DatasetRef, RegisterError> {
    if files.is_empty() {
        return Ok(DatasetRef::Existing(given.to_string()));
    }
    let mut entries: Vec<FileEntry> = par_map_largest_first(
        files,
        |f| f.size,
        |f| {
            let (sha256, size) = crate::hash::sha256_file(&f.abs, &mut |n| tick(n))
                .map_err(|source| RegisterError::Io { path: f.abs.clone(), source })?;
            Ok::<_, RegisterError>(FileEntry { path: f.rel.clone(), size, sha256, format: "data".into() })
        },
    )?;
    entries.sort();
    let abs = std::fs::canonicalize(given).map_err(|source| RegisterError::Io { path: given.into(), source })?;
    Ok(DatasetRef::New(NewDataset {
        name: name_from_path(&abs, "dataset"),
        source_uri: format!("file://{}", abs.display()),
        root: manifest::root(&entries),
        files: entries,
    }))
}
