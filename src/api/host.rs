//! What every adapter that hosts the UI needs, written once: running an operation by name off
//! the async runtime's threads (hashing must not block it), progress thinned to what a UI can
//! draw, and watching the workspace's local stores. `pedigree serve` and the desktop shell call
//! these; `pedigree watch` calls [`watch_stores`].

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::Mutex;
use std::sync::atomic::AtomicBool;
use std::time::{Duration, Instant};

use serde_json::Value;

use super::{ApiError, ErrorCode, Session, ops};
use crate::index::StoreEvent;
use crate::index::watch::{self, WatchOptions};
use crate::progress::Progress;

/// The workspace a UI works on and who acts in it.
#[derive(Debug, Clone)]
pub struct Host {
    pub workspace: PathBuf,
    pub actor: String,
}

/// How often a UI is told about progress of one operation (the first and last report always go).
const PROGRESS_EVERY: Duration = Duration::from_millis(50);

/// Passes progress on at most every [`PROGRESS_EVERY`], always the first and the last report.
pub fn throttled(emit: impl Fn(&Progress) + Sync) -> impl Fn(&Progress) + Sync {
    let last = Mutex::new(Instant::now() - Duration::from_secs(1));
    move |p: &Progress| {
        let mut last = last.lock().expect("progress lock");
        if p.done == 0 || p.done == p.total || last.elapsed() >= PROGRESS_EVERY {
            *last = Instant::now();
            emit(p);
        }
    }
}

impl Host {
    /// Runs operation `op` with a JSON request in a blocking worker thread and returns its JSON
    /// response; progress goes to `emit` (throttled).
    pub async fn call(
        &self,
        op: String,
        request: Value,
        emit: impl Fn(&Progress) + Send + Sync + 'static,
    ) -> Result<Value, ApiError> {
        let host = self.clone();
        let name = op.clone();
        tokio::task::spawn_blocking(move || {
            let mut session = Session::open(&host.workspace, host.actor)?;
            ops::dispatch(&mut session, &op, request, &throttled(emit))
        })
        .await
        .map_err(|e| {
            ApiError::new(ErrorCode::Internal, format!("operation {name} crashed ({e}): this is a bug, please report it"))
        })?
    }

    /// Watches every local store in a background thread until `stop` is set; each change goes
    /// to `on_event` (the server streams it, the desktop emits it).
    pub fn watch_in_background(
        &self,
        stop: Arc<AtomicBool>,
        mut on_event: impl FnMut(&StoreEvent) + Send + 'static,
    ) -> std::thread::JoinHandle<()> {
        let workspace = self.workspace.clone();
        std::thread::spawn(move || {
            if let Err(e) = watch::watch(&workspace, &WatchOptions::default(), &stop, &mut on_event) {
                eprintln!("warning: watching stores stopped: {e}");
            }
        })
    }
}

/// Watches `stores` (every local store when empty) until `stop` is set, indexing each path once
/// it has been quiet for `settle`.
pub fn watch_stores(
    workspace: &Path,
    stores: Vec<String>,
    settle: Duration,
    stop: &AtomicBool,
    on_event: &mut dyn FnMut(&StoreEvent),
) -> Result<(), ApiError> {
    let opts = WatchOptions { stores, settle, initial_index: true };
    Ok(watch::watch(workspace, &opts, stop, on_event)?)
}
