//! The desktop shell's security configuration, read from the files Tauri builds from.

use std::path::{Path, PathBuf};

fn crate_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).to_path_buf()
}

fn read(rel: &str) -> String {
    std::fs::read_to_string(crate_dir().join(rel)).unwrap()
}

/// The quoted names in the first `[...]` after `marker` in `text`.
fn names_after(text: &str, marker: &str) -> Vec<String> {
    let rest = &text[text.find(marker).unwrap_or_else(|| panic!("{marker} not found")) + marker.len()..];
    let list = &rest[rest.find('[').unwrap() + 1..rest.find(']').unwrap()];
    list.split(',').map(|s| s.trim().trim_matches('"').to_string()).filter(|s| !s.is_empty()).collect()
}

/// The app's own commands, as the build script declares them.
fn commands() -> Vec<String> {
    names_after(&read("build.rs"), "const COMMANDS: &[&str] =")
}

/// The desktop shell has no HTTP server; its IPC bridge is reachable only from the app's own
/// pages: no capability names a `remote` origin, and the main window gets just the app's own
/// commands and event listening. (That the window cannot navigate to remote content is checked
/// in the desktop end-to-end test against the real app.)
#[test]
fn desktop_ipc_is_granted_to_the_apps_own_origin_only() {
    let dir = crate_dir().join("capabilities");
    let mut expected: Vec<String> = commands().iter().map(|c| format!("allow-{}", c.replace('_', "-"))).collect();
    expected.extend(["core:event:allow-listen".into(), "core:event:allow-unlisten".into()]);
    let mut seen = 0;
    for e in std::fs::read_dir(&dir).unwrap().flatten() {
        let text = std::fs::read_to_string(e.path()).unwrap();
        let cap: serde_json::Value = serde_json::from_str(&text).unwrap();
        seen += 1;
        assert!(cap.get("remote").is_none(), "{}: grants IPC to remote origins", e.path().display());
        let perms: Vec<&str> = cap["permissions"].as_array().unwrap().iter().map(|p| p.as_str().unwrap()).collect();
        assert_eq!(perms, expected, "{}", e.path().display());
    }
    assert_eq!(seen, 1, "one capability file");
    let conf: serde_json::Value = serde_json::from_str(&read("tauri.conf.json")).unwrap();
    let csp = conf["app"]["security"]["csp"].as_str().unwrap();
    assert!(csp.contains("default-src 'self'") && !csp.contains("http://*") && !csp.contains("https:"), "{csp}");
    assert!(conf["app"]["security"].get("dangerousRemoteDomainIpcAccess").is_none());
    let shell = read("src/main.rs");
    assert!(shell.contains(".on_navigation(|_, url| app_url(url))"), "the shell installs its navigation guard");
}

/// The native file chooser is opened by the shell's `pick` command for a fixed purpose; the
/// page is granted none of the dialog plugin's commands (which would let it open choosers with
/// any title, folder and filter, and message boxes).
#[test]
fn the_page_gets_no_dialog_plugin_permission() {
    let cap: serde_json::Value = serde_json::from_str(&read("capabilities/default.json")).unwrap();
    for p in cap["permissions"].as_array().unwrap() {
        let p = p.as_str().unwrap();
        assert!(!p.starts_with("dialog:"), "the page may call the dialog plugin: {p}");
    }
    assert!(commands().contains(&"pick".to_string()), "the shell has its own pick command");
    assert!(read("src/main.rs").contains(".plugin(tauri_plugin_dialog::init())"), "the plugin is installed for the Rust side");
}

/// The build script's app manifest, the invoke handler and the capability name the same
/// commands, so a new command cannot be reachable without being granted (or granted unnamed).
#[test]
fn every_command_is_declared_registered_and_granted() {
    let names = commands();
    let source = read("src/commands.rs");
    for n in &names {
        assert!(
            source.contains(&format!("pub async fn {n}(")) || source.contains(&format!("pub fn {n}(")),
            "{n} is not a command in src/commands.rs"
        );
    }
    let handler = read("src/main.rs");
    let handler = &handler[handler.find("generate_handler![").unwrap()..];
    let handler = &handler[..handler.find(']').unwrap()];
    for n in &names {
        assert!(handler.contains(&format!("commands::{n}")), "{n} is not in the invoke handler");
    }
    assert_eq!(handler.matches("commands::").count(), names.len(), "the invoke handler has commands build.rs does not declare");
}
