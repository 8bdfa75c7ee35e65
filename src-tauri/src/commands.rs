//! The IPC commands the window may call (build.rs declares them, capabilities/default.json grants
//! exactly these; tests/shell.rs keeps the three in step):
//! `call` runs an engine operation — the same table the HTTP server uses — and the rest are the
//! desktop shell's own: the native file chooser, opening a workspace, the recent list.

use std::path::PathBuf;

use pedigree::api::host::{Host, OpenWorkspaceResponse, Opening, PickPurpose, RecentWorkspace};
use pedigree::api::{ApiError, ErrorCode};
use serde_json::Value;
use tauri::{AppHandle, Emitter, State, WebviewWindow};
use tauri_plugin_dialog::DialogExt;

use crate::shell::Shell;

/// Runs one API operation on the open workspace in a worker thread (hashing must not block the
/// UI thread); progress is re-emitted as `progress` events.
#[tauri::command]
pub async fn call(app: AppHandle, shell: State<'_, Shell>, op: String, request: Value) -> Result<Value, ApiError> {
    shell
        .host()
        .call(op, request, move |p| {
            let _ = app.emit("progress", p);
        })
        .await
}

/// Shows the native file chooser for `purpose` over the window; the chosen paths, none when
/// cancelled. The dialog's mode and title are fixed here, not by the page.
#[tauri::command]
pub async fn pick(window: WebviewWindow, shell: State<'_, Shell>, purpose: PickPurpose) -> Result<Vec<String>, ApiError> {
    let start = match purpose {
        PickPurpose::Workspace => shell.host().workspace.parent().map(PathBuf::from),
        _ => None,
    };
    tauri::async_runtime::spawn_blocking(move || {
        let mut dialog = window.dialog().file().set_parent(&window);
        if let Some(dir) = start.filter(|d| d.is_dir()) {
            dialog = dialog.set_directory(dir);
        }
        let picked = match purpose {
            PickPurpose::RegisterFiles => dialog.set_title("Register model files").blocking_pick_files().unwrap_or_default(),
            PickPurpose::RegisterFolder => {
                dialog.set_title("Register a model folder").blocking_pick_folder().into_iter().collect()
            }
            PickPurpose::Workspace => dialog.set_title("Open a Pedigree workspace").blocking_pick_folder().into_iter().collect(),
            PickPurpose::Attachment => {
                dialog.set_title("Attach a file to the version (kept by digest)").blocking_pick_file().into_iter().collect()
            }
        };
        picked.into_iter().map(|p| p.into_path().map(|p| p.display().to_string())).collect::<Result<Vec<_>, _>>().map_err(|e| {
            ApiError::new(
                ErrorCode::InvalidInput,
                format!("the chosen item is not a local file ({e}); choose a file on this computer"),
            )
        })
    })
    .await
    .map_err(|e| ApiError::new(ErrorCode::Internal, format!("the file chooser crashed ({e}): this is a bug, please report it")))?
}

/// Largest text `save_as` writes.
const MAX_SAVED: usize = 256 << 20;

/// Asks where to save `text` (the native Save dialog over the window, `name` suggested) and
/// writes it there; the path, or none when cancelled. Only the place the person chose is written.
#[tauri::command]
pub async fn save_as(window: WebviewWindow, name: String, text: String) -> Result<Option<String>, ApiError> {
    if text.len() > MAX_SAVED {
        return Err(ApiError::new(ErrorCode::InvalidInput, format!("more than {} MiB to save", MAX_SAVED >> 20)));
    }
    let name: String = name.chars().filter(|c| !matches!(c, '/' | '\\' | '\0')).take(200).collect();
    tauri::async_runtime::spawn_blocking(move || {
        let Some(chosen) =
            window.dialog().file().set_parent(&window).set_title("Export lineage").set_file_name(&name).blocking_save_file()
        else {
            return Ok(None);
        };
        let path = chosen.into_path().map_err(|e| {
            ApiError::new(
                ErrorCode::InvalidInput,
                format!("the chosen place is not a local file ({e}); choose one on this computer"),
            )
        })?;
        std::fs::write(&path, text).map_err(|e| ApiError::new(ErrorCode::Io, format!("cannot write {}: {e}", path.display())))?;
        Ok(Some(path.display().to_string()))
    })
    .await
    .map_err(|e| ApiError::new(ErrorCode::Internal, format!("the save dialog crashed ({e}): this is a bug, please report it")))?
}

/// Opens the folder `path` as the window's workspace (File → Open workspace…, Open recent, the
/// top bar's workspace menu). A folder without a workspace is created as one only with
/// `create`; otherwise the answer says so and the UI asks.
#[tauri::command]
pub async fn open_workspace(
    app: AppHandle,
    shell: State<'_, Shell>,
    path: String,
    create: bool,
) -> Result<OpenWorkspaceResponse, ApiError> {
    let dir = crate::recent::normalize(&PathBuf::from(&path));
    let actor = shell.host().actor;
    let opening = tauri::async_runtime::spawn_blocking(move || Host::open(&dir, actor, create)).await.map_err(|e| {
        ApiError::new(ErrorCode::Internal, format!("opening the workspace crashed ({e}): this is a bug, please report it"))
    })??;
    Ok(match opening {
        Opening::NotAWorkspace => OpenWorkspaceResponse::NotAWorkspace { path },
        Opening::Opened { host, created } => {
            let workspace = host.workspace.display().to_string();
            shell.switch(&app, host);
            OpenWorkspaceResponse::Opened { workspace, created, recent: shell.recent() }
        }
    })
}

/// The recent workspaces, most recent first (missing folders marked, the open one flagged).
#[tauri::command]
pub fn recent_workspaces(shell: State<'_, Shell>) -> Vec<RecentWorkspace> {
    shell.recent()
}
