fn main() {
    // Least privilege: the app exposes exactly these commands (src/commands.rs), and
    // capabilities/default.json must grant each one; the dialog plugin is used from Rust only, so
    // the page gets none of its commands.
    const COMMANDS: &[&str] = &["call", "pick", "save_as", "open_workspace", "recent_workspaces"];
    tauri_build::try_build(tauri_build::Attributes::new().app_manifest(tauri_build::AppManifest::new().commands(COMMANDS)))
        .expect("tauri build script");
}
