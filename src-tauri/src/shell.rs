//! The window's workspace, switchable while the app runs: the [`Host`] operations run on, the
//! watcher of its local stores, the recent list, and what shows which workspace is open (the
//! window title, the Open recent menu). Operations clone the host when they start, so one that
//! is running when the workspace changes finishes on the workspace it began on.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use pedigree::api::host::{Host, RecentWorkspace, WorkspaceChanged};
use tauri::{AppHandle, Emitter, Manager};

use crate::recent;

/// The managed state: the open workspace and the recent list.
pub struct Shell {
    state: Mutex<Open>,
    recent_file: PathBuf,
}

struct Open {
    host: Host,
    /// Set to stop the current watcher thread.
    stop: Arc<AtomicBool>,
    recent: Vec<PathBuf>,
}

impl Shell {
    /// The shell on `host` (not yet watched: [`Shell::start`] does that once the app runs).
    pub fn new(host: Host, recent_file: PathBuf) -> Shell {
        let recent = recent::remember(&recent::load(&recent_file), &host.workspace);
        recent::save(&recent_file, &recent);
        Shell { state: Mutex::new(Open { host, stop: Arc::new(AtomicBool::new(true)), recent }), recent_file }
    }

    fn lock(&self) -> MutexGuard<'_, Open> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The workspace operations run on now.
    pub fn host(&self) -> Host {
        self.lock().host.clone()
    }

    /// The recent list as the UI and the menu show it.
    pub fn recent(&self) -> Vec<RecentWorkspace> {
        let open = self.lock();
        recent::entries(&open.recent, &open.host.workspace)
    }

    /// Forgets the recent workspaces that are gone (the open one stays).
    pub fn forget_missing(&self, app: &AppHandle) {
        {
            let mut open = self.lock();
            open.recent = recent::without_missing(&open.recent, &open.host.workspace.clone());
            recent::save(&self.recent_file, &open.recent);
        }
        crate::menu::refresh(app);
    }

    /// Shows the current workspace: title, watcher, menu.
    pub fn start(&self, app: &AppHandle) {
        let host = self.host();
        self.watch(app, &host);
        show_title(app, &host.workspace);
        crate::menu::refresh(app);
    }

    /// Switches the window to `host`: the old watcher stops, the new one starts, the recent
    /// list, title and menu follow, and the UI hears a `workspace` event (its views reload).
    pub fn switch(&self, app: &AppHandle, host: Host) {
        let workspace = host.workspace.clone();
        {
            let mut open = self.lock();
            open.stop.store(true, Ordering::Relaxed);
            open.recent = recent::remember(&open.recent, &workspace);
            recent::save(&self.recent_file, &open.recent);
            open.host = host.clone();
        }
        self.watch(app, &host);
        show_title(app, &workspace);
        crate::menu::refresh(app);
        let _ = app.emit("workspace", WorkspaceChanged { workspace: workspace.display().to_string() });
    }

    /// Watches `host`'s local stores and syncs its scheduled remotes until the next switch;
    /// changes reach the UI as `store` and `sync` events (the Stores and Remotes views refresh).
    fn watch(&self, app: &AppHandle, host: &Host) {
        let stop = Arc::new(AtomicBool::new(false));
        self.lock().stop = stop.clone();
        let handle = app.clone();
        host.watch_in_background(stop.clone(), move |ev| {
            let _ = handle.emit("store", ev);
        });
        // Remotes with a schedule sync while the app runs; each outcome is a `sync` event.
        let handle = app.clone();
        host.sync_on_schedule(stop, move |done| {
            let _ = handle.emit("sync", done);
        });
    }
}

/// "Pedigree — /path/to/workspace" on the main window.
fn show_title(app: &AppHandle, workspace: &Path) {
    if let Some(w) = app.get_webview_window("main") {
        let _ = w.set_title(&format!("Pedigree — {}", workspace.display()));
    }
}

/// The workspace the app opens with: the first argument, else `PEDIGREE_WORKSPACE`, else the
/// most recent workspace that still exists, else the default (`~/.local/share/pedigree`).
pub fn startup_workspace(arg: Option<String>, recent: &[PathBuf]) -> PathBuf {
    if let Some(a) = arg.filter(|a| !a.is_empty()) {
        return std::path::absolute(&a).unwrap_or_else(|_| PathBuf::from(a));
    }
    if std::env::var_os("PEDIGREE_WORKSPACE").is_some_and(|v| !v.is_empty()) {
        return pedigree::workspace::default_dir();
    }
    recent.iter().find(|p| pedigree::api::host::is_workspace(p)).cloned().unwrap_or_else(pedigree::workspace::default_dir)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_argument_wins_then_the_most_recent_workspace_that_still_exists() {
        let t = tempfile::tempdir().unwrap();
        let (old, gone) = (t.path().join("old"), t.path().join("gone"));
        pedigree::api::init_workspace(&old).unwrap();
        let recent = [gone, old.clone()];
        assert_eq!(startup_workspace(Some("/data/ws".into()), &recent), PathBuf::from("/data/ws"));
        if std::env::var_os("PEDIGREE_WORKSPACE").is_none() {
            assert_eq!(startup_workspace(None, &recent), old, "a missing recent workspace is skipped");
        }
    }
}
