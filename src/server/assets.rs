//! The UI's static files. Release builds embed `ui/dist`; debug builds read it from disk, so a
//! `vite build` is picked up without recompiling. Unknown paths get `index.html` (the UI routes
//! with `#/…`, so this only matters for typos).

use axum::http::{StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};

#[derive(rust_embed::RustEmbed)]
#[folder = "ui/dist"]
struct Dist;

const NOT_BUILT: &str = "<!doctype html><title>Pedigree</title><h1>The UI is not built</h1>\
<p>Run <code>make run</code> (or <code>npm --prefix ui run build</code>) and reload. The API is at <code>/api/…</code>.</p>";

pub async fn serve_asset(uri: Uri) -> Response {
    let path = uri.path().trim_start_matches('/');
    let path = if path.is_empty() { "index.html" } else { path };
    let (file, name) = match Dist::get(path) {
        Some(f) => (f, path),
        None => match Dist::get("index.html") {
            Some(f) => (f, "index.html"),
            None => {
                let headers = [(header::CONTENT_TYPE, "text/html"), (header::CONTENT_SECURITY_POLICY, crate::server::CSP)];
                return (StatusCode::OK, headers, NOT_BUILT).into_response();
            }
        },
    };
    let mime = mime_guess::from_path(name).first_or_octet_stream();
    let cache = if name.starts_with("assets/") { "public, max-age=31536000, immutable" } else { "no-cache" };
    (
        [
            (header::CONTENT_TYPE, mime.as_ref().to_string()),
            (header::CACHE_CONTROL, cache.to_string()),
            (header::CONTENT_SECURITY_POLICY, crate::server::CSP.to_string()),
        ],
        file.data.into_owned(),
    )
        .into_response()
}
