//! The HTTP server embeds `ui/dist` (rust-embed). Make sure the folder exists so the engine
//! builds before the UI has ever been built; the server then shows a "UI not built" page.
fn main() {
    let dist = std::path::Path::new("ui/dist");
    if !dist.exists() {
        let _ = std::fs::create_dir_all(dist);
    }
    println!("cargo:rerun-if-changed=ui/dist/index.html");
    println!("cargo:rerun-if-changed=build.rs");
}
