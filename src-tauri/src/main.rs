//! The Pedigree desktop shell: one window showing the web UI, native file drops, and a single
//! IPC command that forwards to `pedigree::api::ops::dispatch` — the same table the HTTP server
//! uses, so no operation is written twice. Progress events are re-emitted as Tauri events.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

use pedigree::api::ApiError;
use pedigree::api::host::Host;
use serde_json::Value;
use tauri::{AppHandle, Emitter, Manager, State, Url};

/// Runs one API operation in a worker thread (hashing must not block the UI thread); progress
/// is re-emitted as `progress` events.
#[tauri::command]
async fn call(app: AppHandle, host: State<'_, Host>, op: String, request: Value) -> Result<Value, ApiError> {
    host.call(op, request, move |p| {
        let _ = app.emit("progress", p);
    })
    .await
}

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
    let workspace = pedigree::workspace::default_dir();
    if let Err(e) = pedigree::api::init_workspace(&workspace) {
        eprintln!("error: cannot open the workspace at {}: {}", workspace.display(), e.message);
        std::process::exit(1);
    }
    let actor = pedigree::audit::resolve_actor(None);
    tauri::Builder::default()
        .manage(Host { workspace, actor })
        .invoke_handler(tauri::generate_handler![call])
        .plugin(tauri::plugin::Builder::<tauri::Wry>::new("navigation-guard").on_navigation(|_, url| app_url(url)).build())
        .setup(|app| {
            if let Some(w) = app.get_webview_window("main") {
                let ws = app.state::<Host>().workspace.display().to_string();
                let _ = w.set_title(&format!("Pedigree — {ws}"));
            }
            // Local stores are watched while the window is open; changes reach the UI as
            // `store` events (the Stores view refreshes on them).
            let handle = app.handle().clone();
            let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
            app.state::<Host>().watch_in_background(stop, move |ev| {
                let _ = handle.emit("store", ev);
            });
            Ok(())
        })
        .run(tauri::generate_context!())
        .expect("error while running the Pedigree window");
}
