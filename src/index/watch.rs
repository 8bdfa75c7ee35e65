//! Watching local stores (`notify`: inotify on Linux). Events are debounced per path: a path is
//! indexed once it has been quiet for `settle` (a file still being written keeps producing
//! events, so it is left alone until it is stable), then an incremental index run picks up
//! what changed and its events are passed on. Stores added while watching are picked up.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use notify::{RecursiveMode, Watcher};

use super::run::{IndexOptions, index_store};
use super::store::{self, StoreError};
use super::{ItemError, StoreEvent};
use crate::workspace::Workspace;

/// Watch settings.
#[derive(Debug, Clone)]
pub struct WatchOptions {
    /// Stores to watch (empty: every local store, including ones added later).
    pub stores: Vec<String>,
    /// How long a path must be quiet before it is indexed.
    pub settle: Duration,
    /// Index every watched store once at start (so changes made while not watching show up).
    pub initial_index: bool,
}

impl Default for WatchOptions {
    fn default() -> Self {
        WatchOptions { stores: Vec::new(), settle: Duration::from_millis(1000), initial_index: true }
    }
}

fn skipped(rel: &str) -> bool {
    rel.split('/').any(|c| matches!(c, ".git" | ".dvc" | "__pycache__"))
}

/// Watches until `stop` is set. `on_event` gets every change, artifact, problem and run summary.
pub fn watch(
    ws_root: &Path,
    opts: &WatchOptions,
    stop: &AtomicBool,
    on_event: &mut dyn FnMut(&StoreEvent),
) -> Result<(), StoreError> {
    let mut ws = Workspace::open(ws_root).map_err(|e| StoreError::Workspace(e.to_string()))?;
    let (tx, rx) = mpsc::channel::<notify::Result<notify::Event>>();
    let mut watcher = notify::recommended_watcher(move |ev| {
        let _ = tx.send(ev);
    })
    .map_err(|e| StoreError::Watch(e.to_string()))?;
    let mut watched: HashMap<String, PathBuf> = HashMap::new();
    let mut pending: HashMap<String, HashMap<String, Instant>> = HashMap::new();
    let mut last_refresh = Instant::now() - Duration::from_secs(60);
    let progress: crate::progress::OnProgress<'_> = &crate::progress::ignore;
    while !stop.load(Ordering::Relaxed) {
        // (Re)discover stores every few seconds.
        if last_refresh.elapsed() >= Duration::from_secs(2) {
            last_refresh = Instant::now();
            let stores = store::all(&ws)?;
            for name in &opts.stores {
                match stores.iter().find(|s| &s.name == name) {
                    None => return Err(StoreError::Unknown(name.clone())),
                    Some(s) if s.location.local_root().is_none() => {
                        return Err(StoreError::RemoteWatch(name.clone()));
                    }
                    Some(_) => {}
                }
            }
            let wanted: Vec<(String, PathBuf)> = stores
                .iter()
                .filter(|s| opts.stores.is_empty() || opts.stores.contains(&s.name))
                .filter_map(|s| s.location.local_root().map(|p| (s.name.clone(), p.to_path_buf())))
                .collect();
            for (name, root) in &wanted {
                if watched.contains_key(name) {
                    continue;
                }
                if let Err(e) = watcher.watch(root, RecursiveMode::Recursive) {
                    on_event(&StoreEvent {
                        store: name.clone(),
                        change: "error".into(),
                        path: String::new(),
                        detail: Some(format!("cannot watch {}: {e}", root.display())),
                    });
                    continue;
                }
                watched.insert(name.clone(), root.clone());
                if opts.initial_index {
                    run(&mut ws, name, HashSet::new(), None, progress, on_event)?;
                }
            }
            let gone: Vec<String> = watched.keys().filter(|n| !wanted.iter().any(|(w, _)| w == *n)).cloned().collect();
            for name in gone {
                if let Some(root) = watched.remove(&name) {
                    let _ = watcher.unwatch(&root);
                }
                pending.remove(&name);
            }
        }

        // Collect events for up to 200 ms.
        let deadline = Instant::now() + Duration::from_millis(200);
        while let Ok(ev) = rx.recv_timeout(deadline.saturating_duration_since(Instant::now())) {
            let Ok(ev) = ev else { continue };
            if matches!(ev.kind, notify::EventKind::Access(_)) {
                continue;
            }
            for p in ev.paths {
                for (name, root) in &watched {
                    if let Ok(rel) = p.strip_prefix(root) {
                        let rel = rel.to_string_lossy().replace('\\', "/");
                        if !rel.is_empty() && !skipped(&rel) {
                            pending.entry(name.clone()).or_default().insert(rel, Instant::now());
                        }
                    }
                }
            }
            if Instant::now() >= deadline {
                break;
            }
        }

        // Index stores whose pending paths have settled; paths still changing are skipped.
        let names: Vec<String> = pending.keys().cloned().collect();
        for name in names {
            let paths = pending.get_mut(&name).expect("listed above");
            let (settled, busy): (Vec<_>, Vec<_>) = paths.iter().partition(|(_, t)| t.elapsed() >= opts.settle);
            if settled.is_empty() {
                continue;
            }
            let busy: HashSet<String> = busy.into_iter().map(|(p, _)| p.clone()).collect();
            // A busy folder holds busy files: skip everything below it as well.
            let settled: Vec<String> = settled.into_iter().map(|(p, _)| p.clone()).collect();
            for p in &settled {
                paths.remove(p);
            }
            let root = watched.get(&name).cloned();
            let mut unstable = busy.clone();
            if let Some(root) = root {
                for b in &busy {
                    let abs = root.join(b);
                    if abs.is_dir() {
                        for e in walkdir::WalkDir::new(&abs).into_iter().flatten() {
                            if let Ok(rel) = e.path().strip_prefix(&root) {
                                unstable.insert(rel.to_string_lossy().replace('\\', "/"));
                            }
                        }
                    }
                }
            }
            run(&mut ws, &name, unstable, Some(&settled), progress, on_event)?;
        }
    }
    Ok(())
}

fn run(
    ws: &mut Workspace,
    name: &str,
    unstable: HashSet<String>,
    changed: Option<&[String]>,
    progress: crate::progress::OnProgress<'_>,
    on_event: &mut dyn FnMut(&StoreEvent),
) -> Result<(), StoreError> {
    match index_store(ws, name, &IndexOptions { unstable, file_events: true }, progress) {
        Ok((_, events)) => {
            // Problems known before are reported again by every run; pass on only those about
            // the paths that changed (all of them on the first run).
            let relevant = |e: &StoreEvent| {
                e.change != "error"
                    || e.path.is_empty()
                    || changed.is_none_or(|c| c.iter().any(|p| e.path == *p || e.path.starts_with(&format!("{p}/"))))
            };
            for e in events.iter().filter(|e| relevant(e)) {
                on_event(e);
            }
            Ok(())
        }
        Err(StoreError::Unknown(_)) => Ok(()), // removed while we were watching
        Err(e) => {
            let err = ItemError { path: String::new(), message: e.to_string() };
            on_event(&StoreEvent { store: name.into(), change: "error".into(), path: err.path, detail: Some(err.message) });
            Ok(())
        }
    }
}
