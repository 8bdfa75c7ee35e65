//! The Pedigree desktop shell: one window showing the web UI, native file drops, a native menu
//! and file chooser, and a few IPC commands ([`commands`]): `call` forwards to
//! `pedigree::api::ops::dispatch` — the same table the HTTP server uses, so no operation is
//! written twice — and the others pick files and switch the workspace ([`shell`]), which
//! persists a recent list ([`recent`]). Progress events are re-emitted as Tauri events.
//!
//! Usage: `pedigree-desktop [WORKSPACE]`; without an argument, `PEDIGREE_WORKSPACE`, else the
//! most recent workspace, else `~/.local/share/pedigree`.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

mod commands;
mod menu;
mod recent;
mod shell;

use pedigree::api::host::Host;
use tauri::{Manager, Url};

use shell::Shell;

/// Whether the window may show `url`: only the app's own pages (`tauri://localhost`, or
/// `http(s)://tauri.localhost` on Windows; the Vite dev server in dev builds) and inline
/// `about:` documents. Links and scripts cannot take the window — and with it the IPC bridge —
/// to remote content; capabilities/default.json grants no `remote` origin either.
fn app_url(url: &Url) -> bool {
    match url.scheme() {
        "tauri" => url.host_str() == Some("localhost"),
        "about" => matches!(url.path(), "blank" | "srcdoc"),
        "http" | "https" if url.host_str() == Some("tauri.localhost") => true,
        "http" if tauri::is_dev() => url.host_str() == Some("localhost") && url.port() == Some(5173),
        _ => false,
    }
}

fn main() {
    let recent_file = recent::file();
    let arg = std::env::args().skip(1).find(|a| !a.starts_with('-'));
    let workspace = recent::normalize(&shell::startup_workspace(arg, &recent::load(&recent_file)));
    if let Err(e) = pedigree::api::init_workspace(&workspace) {
        eprintln!("error: cannot open the workspace at {}: {}", workspace.display(), e.message);
        std::process::exit(1);
    }
    let actor = pedigree::audit::resolve_actor(None);
    // Every audit event the window writes is signed by the person's key (made on first use).
    pedigree::identity::enable(pedigree::identity::dir());
    tauri::Builder::default()
        .manage(Shell::new(Host { workspace, actor }, recent_file))
        .plugin(tauri_plugin_dialog::init())
        .invoke_handler(tauri::generate_handler![
            commands::call,
            commands::pick,
            commands::save_as,
            commands::open_workspace,
            commands::recent_workspaces
        ])
        .plugin(tauri::plugin::Builder::<tauri::Wry>::new("navigation-guard").on_navigation(|_, url| app_url(url)).build())
        .menu(menu::build)
        .on_menu_event(menu::on_event)
        .setup(|app| {
            app.state::<Shell>().start(app.handle());
            Ok(())
        })
        .run(tauri::generate_context!())
        .expect("error while running the Pedigree window");
}
