fn main() {
    // Least privilege: the app exposes exactly one command, `call`, and capabilities must grant it.
    tauri_build::try_build(tauri_build::Attributes::new().app_manifest(tauri_build::AppManifest::new().commands(&["call"])))
        .expect("tauri build script");
}
