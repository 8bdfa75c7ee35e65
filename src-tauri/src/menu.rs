//! The native menu bar, with the usual shortcuts: File (register files or a folder, open a
//! workspace, open recent, close, quit), Edit (undo, redo, cut, copy, paste, select all, so text
//! fields behave as everywhere else), View (reload, the app's views), Help (about). Items whose
//! work happens in the UI (pickers, navigation, opening a workspace) reach it as `menu` events
//! carrying a [`MenuAction`]; the rest is done here.

use pedigree::api::host::{MenuAction, RecentWorkspace};
use tauri::menu::{AboutMetadata, Menu, MenuBuilder, MenuEvent, MenuItem, PredefinedMenuItem, Submenu, SubmenuBuilder};
use tauri::{AppHandle, Emitter, Manager, Wry};

use crate::shell::Shell;

/// Menu ids whose action is fixed; recent workspaces are `recent:<path>`.
const REGISTER_FILES: &str = "register-files";
const REGISTER_FOLDER: &str = "register-folder";
const OPEN_WORKSPACE: &str = "open-workspace";
const RECENT: &str = "recent";
const RECENT_PREFIX: &str = "recent:";
const FORGET_MISSING: &str = "forget-missing";
const CLOSE: &str = "close-window";
const QUIT: &str = "quit";
const UNDO: &str = "undo";
const REDO: &str = "redo";
const RELOAD: &str = "reload";
const VIEW_PREFIX: &str = "view:";

/// The app's views with their shortcuts (Ctrl+1…6), in the order of the top bar.
const VIEWS: [(&str, &str, &str); 6] = [
    ("Lineage", "#/lineage", "CmdOrCtrl+1"),
    ("Models", "#/models", "CmdOrCtrl+2"),
    ("Stores", "#/stores", "CmdOrCtrl+3"),
    ("Deployments", "#/deployments", "CmdOrCtrl+4"),
    ("Reports", "#/reports", "CmdOrCtrl+5"),
    ("Audit", "#/audit", "CmdOrCtrl+6"),
];

/// The Open recent submenu, kept to refill it when the list changes.
struct RecentMenu(Submenu<Wry>);

/// Builds the menu bar (installed by `Builder::menu`).
pub fn build(app: &AppHandle) -> tauri::Result<Menu<Wry>> {
    let item = |id: &str, text: &str, accel: Option<&str>| MenuItem::with_id(app, id, text, true, accel);
    let recent = SubmenuBuilder::with_id(app, RECENT, "Open Recent").build()?;
    app.manage(RecentMenu(recent.clone()));
    let file = SubmenuBuilder::new(app, "File")
        .item(&item(REGISTER_FILES, "Register Files…", Some("CmdOrCtrl+N"))?)
        .item(&item(REGISTER_FOLDER, "Register Folder…", Some("CmdOrCtrl+Shift+N"))?)
        .separator()
        .item(&item(OPEN_WORKSPACE, "Open Workspace…", Some("CmdOrCtrl+O"))?)
        .item(&recent)
        .separator()
        .item(&item(CLOSE, "Close Window", Some("CmdOrCtrl+W"))?)
        .item(&item(QUIT, "Quit", Some("CmdOrCtrl+Q"))?)
        .build()?;
    // GTK has no predefined undo/redo: ours ask the focused field to undo, like its own Ctrl+Z.
    let edit = SubmenuBuilder::new(app, "Edit")
        .item(&item(UNDO, "Undo", Some("CmdOrCtrl+Z"))?)
        .item(&item(REDO, "Redo", Some("CmdOrCtrl+Shift+Z"))?)
        .separator()
        .cut()
        .copy()
        .paste()
        .separator()
        .select_all()
        .build()?;
    let mut view = SubmenuBuilder::new(app, "View").item(&item(RELOAD, "Reload", Some("CmdOrCtrl+R"))?).separator();
    for (label, hash, accel) in VIEWS {
        view = view.item(&item(&format!("{VIEW_PREFIX}{hash}"), label, Some(accel))?);
    }
    let info = app.package_info();
    let about = AboutMetadata {
        name: Some("Pedigree".into()),
        version: Some(info.version.to_string()),
        comments: Some("Versions machine-learning models the way git versions code: content-addressed files, lineage, a tamper-evident audit log.".into()),
        icon: app.default_window_icon().cloned(),
        ..Default::default()
    };
    let help =
        SubmenuBuilder::new(app, "Help").item(&PredefinedMenuItem::about(app, Some("About Pedigree"), Some(about))?).build()?;
    MenuBuilder::new(app).items(&[&file, &edit, &view.build()?, &help]).build()
}

/// Refills Open recent from the shell's list: missing folders are shown, disabled, as such.
pub fn refresh(app: &AppHandle) {
    let (Some(menu), Some(shell)) = (app.try_state::<RecentMenu>(), app.try_state::<Shell>()) else { return };
    if let Err(e) = fill_recent(app, &menu.0, &shell.recent()) {
        eprintln!("warning: cannot update the Open Recent menu: {e}");
    }
}

fn fill_recent(app: &AppHandle, menu: &Submenu<Wry>, list: &[RecentWorkspace]) -> tauri::Result<()> {
    for old in menu.items()? {
        menu.remove(&old)?;
    }
    for w in list {
        let label = match (w.current, w.exists) {
            (true, _) => format!("{} (open)", w.path),
            (false, true) => w.path.clone(),
            (false, false) => format!("{} (missing)", w.path),
        };
        menu.append(&MenuItem::with_id(app, format!("{RECENT_PREFIX}{}", w.path), label, w.exists && !w.current, None::<&str>)?)?;
    }
    if list.is_empty() {
        menu.append(&MenuItem::with_id(app, "recent-none", "No recent workspaces", false, None::<&str>)?)?;
    }
    menu.append(&PredefinedMenuItem::separator(app)?)?;
    let any_missing = list.iter().any(|w| !w.exists);
    menu.append(&MenuItem::with_id(app, FORGET_MISSING, "Remove Missing Folders", any_missing, None::<&str>)?)
}

/// What a menu item does (installed by `Builder::on_menu_event`).
pub fn on_event(app: &AppHandle, event: MenuEvent) {
    let id = event.id().as_ref();
    let ui = |action: MenuAction| {
        let _ = app.emit("menu", action);
    };
    let webview = app.get_webview_window("main");
    let eval = |js: &str| {
        if let Some(w) = &webview {
            let _ = w.eval(js);
        }
    };
    match id {
        REGISTER_FILES => ui(MenuAction::RegisterFiles),
        REGISTER_FOLDER => ui(MenuAction::RegisterFolder),
        OPEN_WORKSPACE => ui(MenuAction::OpenWorkspace),
        FORGET_MISSING => app.state::<Shell>().forget_missing(app),
        CLOSE => {
            if let Some(w) = &webview {
                let _ = w.close();
            }
        }
        QUIT => app.exit(0),
        UNDO => eval("document.execCommand('undo')"),
        REDO => eval("document.execCommand('redo')"),
        RELOAD => eval("window.location.reload()"),
        _ => {
            if let Some(path) = id.strip_prefix(RECENT_PREFIX) {
                ui(MenuAction::OpenRecent { path: path.to_string() });
            } else if let Some(hash) = id.strip_prefix(VIEW_PREFIX) {
                ui(MenuAction::Navigate { hash: hash.to_string() });
            }
        }
    }
}
