//! One index run over one store: list → compare with the stat cache → examine what is new or
//! changed (in parallel, committed in batches so a killed run keeps its work) → drop what a
//! complete listing no longer shows → derive artifacts → record the report.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use super::derive::derive;
use super::hf;
use super::local::{self, Stat};
use super::remote::{ObjectInfo, Remote};
use super::store::{self, Location, Store, StoreError};
use super::{IndexReport, ItemError, StoreEvent};
use crate::audit;
use crate::catalog::stores::{self as rows, ArtifactRow, FileRow};
use crate::progress::{OnProgress, Progress, Unit};
use crate::workspace::Workspace;

/// Options of a run.
#[derive(Debug, Default, Clone)]
pub struct IndexOptions {
    /// Paths still being written (from the watcher): left as they are this run.
    pub unstable: HashSet<String>,
    /// Collect per-file events (watch); artifact events are always collected.
    pub file_events: bool,
}

/// What is listed for one path.
#[derive(Debug, Clone)]
enum Seen {
    Local(Stat),
    Remote(ObjectInfo),
}

impl Seen {
    fn size(&self) -> u64 {
        match self {
            Seen::Local(s) => s.size,
            Seen::Remote(o) => o.size,
        }
    }

    fn unchanged(&self, row: &FileRow) -> bool {
        match self {
            Seen::Local(s) => s.matches(row),
            Seen::Remote(o) => {
                row.size == o.size
                    && match (&o.etag, &row.etag) {
                        (Some(a), Some(b)) => a == b,
                        _ => row.last_modified.as_deref() == Some(o.last_modified.as_str()),
                    }
            }
        }
    }
}

/// Indexes one store. Errors only when the store cannot be opened at all; every other problem
/// is an item in the report.
pub fn index_store(
    ws: &mut Workspace,
    name: &str,
    opts: &IndexOptions,
    progress: OnProgress<'_>,
) -> Result<(IndexReport, Vec<StoreEvent>), StoreError> {
    let started = Instant::now();
    let store = store::resolve(&ws.root, ws.catalog.conn(), name)?;
    let mut report = IndexReport { store: store.name.clone(), complete: true, ..Default::default() };
    let mut events = Vec::new();
    let task = format!("indexing {}", store.name);
    progress(&Progress { task: task.clone(), done: 0, total: 0, unit: Unit::Files, detail: Some("listing".into()) });

    // 1. List.
    let remote = match &store.location {
        Location::Local(_) | Location::HfCache(_) => None,
        _ => match Remote::open(&store) {
            Ok(r) => Some(r),
            Err(message) => {
                report.errors.push(ItemError { path: String::new(), message });
                report.complete = false;
                return finish(ws, &store, report, events, started);
            }
        },
    };
    let (listing, unlisted): (Vec<(String, Seen)>, Vec<String>) = match (&store.location, &remote) {
        (Location::Local(_) | Location::HfCache(_), _) => match walk(&store.location) {
            Ok(w) => {
                report.errors.extend(w.errors);
                (w.files.into_iter().map(|(p, s)| (p, Seen::Local(s))).collect(), w.unlisted_dirs)
            }
            Err(message) => {
                report.errors.push(ItemError { path: String::new(), message });
                report.complete = false;
                return finish(ws, &store, report, events, started);
            }
        },
        (_, Some(r)) => {
            let (objs, errs, complete) = r.list();
            report.errors.extend(errs);
            report.complete = complete;
            (objs.into_iter().map(|(p, o)| (p, Seen::Remote(o))).collect(), Vec::new())
        }
        _ => unreachable!("remote stores have a connection"),
    };

    // 2. Compare with the stat cache.
    let cached: HashMap<String, FileRow> =
        rows::load_files(ws.catalog.conn(), store.id)?.into_iter().map(|r| (r.path.clone(), r)).collect();
    let mut work: Vec<(String, Seen)> = Vec::new();
    let mut seen: HashSet<&str> = HashSet::with_capacity(listing.len());
    for (path, s) in &listing {
        seen.insert(path.as_str());
        if opts.unstable.contains(path) {
            continue;
        }
        match cached.get(path) {
            Some(row) if s.unchanged(row) => report.unchanged += 1,
            Some(_) => {
                report.changed += 1;
                work.push((path.clone(), s.clone()));
            }
            None => {
                report.added += 1;
                work.push((path.clone(), s.clone()));
            }
        }
    }
    report.files = listing.len() as u64;
    let removed: Vec<&String> = if report.complete {
        cached
            .keys()
            .filter(|p| !seen.contains(p.as_str()))
            .filter(|p| !opts.unstable.contains(*p))
            .filter(|p| !unlisted.iter().any(|d| d.is_empty() || p.starts_with(&format!("{d}/"))))
            .collect()
    } else {
        Vec::new()
    };

    // 3. Examine new and changed files, largest first, committing every ~half second.
    work.sort_by_key(|(_, s)| std::cmp::Reverse(s.size()));
    let total_bytes: u64 = work.iter().map(|(_, s)| s.size()).sum();
    let total_files = work.len() as u64;
    let bytes_done = AtomicU64::new(0);
    let next = AtomicUsize::new(0);
    let threads = match &store.location {
        Location::Local(_) | Location::HfCache(_) => std::thread::available_parallelism().map_or(1, |n| n.get()),
        _ => 8,
    }
    .min(work.len().max(1));
    let (tx, rx) = mpsc::channel::<(String, Option<FileRow>, Option<ItemError>)>();
    let emit = |files_done: u64| {
        progress(&Progress {
            task: task.clone(),
            done: bytes_done.load(Ordering::Relaxed),
            total: total_bytes,
            unit: Unit::Bytes,
            detail: Some(format!("{files_done} of {total_files} files")),
        })
    };
    emit(0);
    let mut vanished: Vec<String> = Vec::new();
    std::thread::scope(|scope| -> Result<(), StoreError> {
        for _ in 0..threads {
            let tx = tx.clone();
            let (work, next, bytes_done, store, remote) = (&work, &next, &bytes_done, &store, &remote);
            scope.spawn(move || {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some((path, seen)) = work.get(i) else { break };
                    let mut tick = |n: u64| {
                        bytes_done.fetch_add(n, Ordering::Relaxed);
                    };
                    let (row, err) = match (seen, &store.location, remote) {
                        (Seen::Local(stat), Location::Local(root), _) => local::examine(root, path, *stat, &mut tick),
                        (Seen::Local(stat), Location::HfCache(root), _) => hf::examine(root, path, *stat, &mut tick),
                        (Seen::Remote(info), _, Some(r)) => r.examine(path, info, &mut tick),
                        _ => {
                            (None, Some(ItemError { path: path.clone(), message: "internal: listing and store disagree".into() }))
                        }
                    };
                    if tx.send((path.clone(), row, err)).is_err() {
                        break;
                    }
                }
            });
        }
        drop(tx);
        let mut batch: Vec<(String, Option<FileRow>, Option<ItemError>)> = Vec::new();
        let mut last_commit = Instant::now();
        let mut last_emit = Instant::now();
        let mut files_done = 0u64;
        loop {
            let msg = rx.recv_timeout(Duration::from_millis(100));
            let closed = matches!(msg, Err(mpsc::RecvTimeoutError::Disconnected));
            if let Ok(m) = msg {
                files_done += 1;
                batch.push(m);
            }
            if last_emit.elapsed() >= Duration::from_millis(100) || closed {
                emit(files_done);
                last_emit = Instant::now();
            }
            if !batch.is_empty() && (closed || batch.len() >= 2000 || last_commit.elapsed() >= Duration::from_millis(500)) {
                let items = std::mem::take(&mut batch);
                ws.catalog.write(|c| {
                    for (path, row, err) in &items {
                        match row {
                            Some(r) => rows::upsert_file(c, store.id, r)?,
                            None if err.as_ref().is_some_and(|e| e.message.starts_with("vanished")) => {
                                rows::delete_file(c, store.id, path)?
                            }
                            None => {} // unreadable now: keep what was indexed before
                        }
                    }
                    Ok::<_, StoreError>(())
                })?;
                for (path, row, err) in items {
                    match (&row, err) {
                        (None, Some(e)) => {
                            if e.message.starts_with("vanished") {
                                vanished.push(path.clone());
                            }
                            report.errors.push(e);
                        }
                        // Rows with a recorded problem are reported by `derive` (with cached ones).
                        _ => {}
                    }
                    if let Some(r) = row {
                        report.hashed_files += 1;
                        report.hashed_bytes += if r.sha256.is_some() { r.size } else { 0 };
                        if opts.file_events && events.len() < 10_000 {
                            let change = if cached.contains_key(&path) { "changed" } else { "added" };
                            events.push(StoreEvent {
                                store: store.name.clone(),
                                change: change.into(),
                                path,
                                detail: Some(r.format),
                            });
                        }
                    }
                }
                last_commit = Instant::now();
            }
            if closed {
                break;
            }
        }
        Ok(())
    })?;
    if remote.is_some() {
        report.hashed_bytes = 0; // nothing is hashed remotely; fetched bytes are in the progress only
    }

    // 4. Drop what is gone.
    if !removed.is_empty() {
        ws.catalog.write(|c| {
            for p in &removed {
                rows::delete_file(c, store.id, p)?;
            }
            Ok::<_, StoreError>(())
        })?;
        report.removed = removed.len() as u64;
        if opts.file_events {
            for p in removed.iter().take(10_000) {
                events.push(StoreEvent { store: store.name.clone(), change: "removed".into(), path: (*p).clone(), detail: None });
            }
        }
    }
    report.removed += vanished.len() as u64;

    // 5. Artifacts.
    let now = audit::now();
    // The stat cache as it is now (re-read only when this run changed it).
    let current: Vec<FileRow> = if report.hashed_files == 0 && report.removed == 0 && vanished.is_empty() {
        let mut rows: Vec<FileRow> = cached.into_values().collect();
        rows.sort_by(|a, b| a.path.cmp(&b.path));
        rows
    } else {
        rows::load_files(ws.catalog.conn(), store.id)?
    };
    let previous: HashMap<String, ArtifactRow> =
        rows::store_artifacts(ws.catalog.conn(), store.id)?.into_iter().map(|a| (a.path.clone(), a)).collect();
    let derived = derive(&store, remote.as_ref(), &current, &previous, &now);
    report.errors.extend(derived.errors);
    let keep: HashSet<&str> = derived.artifacts.iter().map(|a| a.path.as_str()).collect();
    ws.catalog.write(|c| {
        for a in &derived.artifacts {
            let unchanged = previous.get(&a.path).is_some_and(|p| {
                (&p.kind, &p.format, p.size, p.file_count, &p.digest, &p.etag, &p.sniffed, &p.hints, &p.note)
                    == (&a.kind, &a.format, a.size, a.file_count, &a.digest, &a.etag, &a.sniffed, &a.hints, &a.note)
            });
            let id = match previous.get(&a.path) {
                Some(p) if unchanged => p.id,
                _ => rows::upsert_artifact(c, a)?,
            };
            // Registered by path before it was indexed? (same root digest as a version)
            let registered = previous.get(&a.path).is_some_and(|p| unchanged && p.registered_as.is_some());
            if let (false, Some(d)) = (registered, &a.digest) {
                let root = if a.kind == "folder" { Some(d.clone()) } else { crate::hash::root_digest([d.as_str()]).ok() };
                if let Some(v) = root.map(|r| rows::version_with_root(c, &r)).transpose()?.flatten() {
                    rows::set_registered(c, id, &format!("version:{v}"), None)?;
                }
            }
            if unchanged {
                continue;
            }
            if !previous.contains_key(&a.path) {
                report.new_artifacts += 1;
                events.push(StoreEvent {
                    store: store.name.clone(),
                    change: "artifact".into(),
                    path: a.path.clone(),
                    detail: Some(format!("{} {}", a.format, a.kind)),
                });
            }
        }
        if report.complete {
            for (path, p) in &previous {
                if !keep.contains(path.as_str()) && !unlisted.iter().any(|d| path.starts_with(&format!("{d}/"))) {
                    rows::delete_artifact(c, p.id)?;
                }
            }
        }
        Ok::<_, StoreError>(())
    })?;
    report.artifacts = derived.artifacts.len() as u64;
    finish(ws, &store, report, events, started)
}

/// Lists a store on this machine.
fn walk(location: &Location) -> Result<local::Walk, String> {
    match location {
        Location::HfCache(root) => hf::walk(root),
        other => local::walk(other.local_root().expect("a store on this machine")),
    }
}

fn finish(
    ws: &mut Workspace,
    store: &Store,
    mut report: IndexReport,
    mut events: Vec<StoreEvent>,
    started: Instant,
) -> Result<(IndexReport, Vec<StoreEvent>), StoreError> {
    report.errors.sort_by(|a, b| a.path.cmp(&b.path));
    report.errors.dedup();
    report.elapsed_ms = started.elapsed().as_millis() as u64;
    let json = serde_json::to_string(&report).expect("report serialises");
    let now = audit::now();
    ws.catalog.write(|c| rows::set_last_report(c, store.id, &now, &json))?;
    for e in &report.errors {
        if events.len() < 10_000 {
            events.push(StoreEvent {
                store: store.name.clone(),
                change: "error".into(),
                path: e.path.clone(),
                detail: Some(e.message.clone()),
            });
        }
    }
    events.push(StoreEvent {
        store: store.name.clone(),
        change: "indexed".into(),
        path: String::new(),
        detail: Some(format!(
            "{} files, {} read, {} artifacts ({} new), {} problems",
            report.files,
            report.hashed_files,
            report.artifacts,
            report.new_artifacts,
            report.errors.len()
        )),
    });
    Ok((report, events))
}
