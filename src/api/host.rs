//! What every adapter that hosts the UI needs, written once: running an operation by name off
//! the async runtime's threads (hashing must not block it), progress thinned to what a UI can
//! draw, and watching the workspace's local stores. `pedigree serve` and the desktop shell call
//! these; `pedigree watch` calls [`watch_stores`]. The desktop shell can switch its workspace
//! ([`Host::open`]); the messages it exchanges with the UI about that (picking files, opening a
//! workspace, recent workspaces, menu actions) are declared here so their TypeScript is generated
//! with the rest of the API.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::Mutex;
use std::sync::atomic::AtomicBool;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};
use serde_json::Value;
use ts_rs::TS;

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

/// What opening a folder as the workspace found: a workspace (opened, or created when asked),
/// or a folder that is not one yet.
#[derive(Debug)]
pub enum Opening {
    Opened { host: Host, created: bool },
    NotAWorkspace,
}

/// Whether `dir` holds a Pedigree workspace (its catalog).
pub fn is_workspace(dir: &Path) -> bool {
    dir.join(crate::catalog::FILE).is_file()
}

impl Host {
    /// Opens `dir` as the workspace for `actor`. A folder without a workspace is created as one
    /// only when `create` says so; otherwise the answer is [`Opening::NotAWorkspace`] and the UI
    /// asks. A missing folder or a file is an error saying what to do.
    pub fn open(dir: &Path, actor: String, create: bool) -> Result<Opening, ApiError> {
        let shown = dir.display();
        if dir.as_os_str().is_empty() || !dir.is_absolute() {
            return Err(ApiError::new(
                ErrorCode::InvalidInput,
                format!("'{shown}' is not an absolute folder path; choose the folder with File → Open workspace…"),
            ));
        }
        if !dir.exists() {
            return Err(ApiError::new(
                ErrorCode::NotFound,
                format!("{shown} does not exist (moved or deleted?); choose another folder with File → Open workspace…"),
            ));
        }
        if !dir.is_dir() {
            return Err(ApiError::new(
                ErrorCode::InvalidInput,
                format!(
                    "{shown} is a file; a workspace is a folder: choose the folder that holds catalog.sqlite, or an empty folder to create one in"
                ),
            ));
        }
        if !is_workspace(dir) && !create {
            return Ok(Opening::NotAWorkspace);
        }
        let init = super::init_workspace(dir)?;
        Ok(Opening::Opened { host: Host { workspace: dir.to_path_buf(), actor }, created: init.created })
    }

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
            let progress = throttled(emit);
            match ops::dispatch(&mut session, &op, &request, &progress) {
                // A version whose files a remote has and this workspace not yet: fetched, then
                // the operation runs again.
                Err(e) => match super::remotes::fetch_missing(&mut session, &e, &progress)? {
                    Some(_) => ops::dispatch(&mut session, &op, &request, &progress),
                    None => Err(e),
                },
                done => done,
            }
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

/// What the desktop's native file chooser is opened for: the shell picks the dialog's mode and
/// title, so the UI cannot open arbitrary dialogs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub enum PickPurpose {
    /// Model files to register (several may be chosen).
    RegisterFiles,
    /// One model folder to register (MLflow, Hugging Face, a folder of shards).
    RegisterFolder,
    /// A folder to open as the workspace.
    Workspace,
    /// One evidence file to attach to a version.
    Attachment,
}

/// A workspace the desktop app opened before, most recent first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct RecentWorkspace {
    pub path: String,
    /// False when the folder (or its workspace) is gone: shown as missing, not opened.
    pub exists: bool,
    /// The workspace the window shows now.
    pub current: bool,
}

/// The desktop shell's answer to opening a folder as the workspace.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase", tag = "status")]
pub enum OpenWorkspaceResponse {
    /// The window now shows `workspace` (the `workspace` event tells every listener too).
    #[serde(rename_all = "camelCase")]
    Opened { workspace: String, created: bool, recent: Vec<RecentWorkspace> },
    /// `path` holds no workspace; ask before creating one there.
    #[serde(rename_all = "camelCase")]
    NotAWorkspace { path: String },
}

/// The `workspace` event: the desktop window switched to another workspace; views reload.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct WorkspaceChanged {
    pub workspace: String,
}

/// The `menu` event: a native menu item whose work the UI does.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase", tag = "action")]
pub enum MenuAction {
    RegisterFiles,
    RegisterFolder,
    OpenWorkspace,
    OpenRecent {
        path: String,
    },
    /// Show a view (`#/models`, …).
    Navigate {
        hash: String,
    },
}

/// Declares the desktop shell's messages to the TypeScript generator.
pub fn visit_shell_types(v: &mut impl ts_rs::TypeVisitor) {
    v.visit::<PickPurpose>();
    v.visit::<OpenWorkspaceResponse>();
    v.visit::<WorkspaceChanged>();
    v.visit::<MenuAction>();
}
