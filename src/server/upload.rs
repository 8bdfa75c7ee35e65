//! Staging of files dropped in a browser: each file is streamed to
//! `WORKSPACE/uploads/<batch>/<relative path>`, then registered from there like a local path.
//! A file is written as `<name>.part` and renamed when complete, so an interrupted or refused
//! upload leaves nothing behind. Its size is capped by the disk: staging and then storing a file
//! takes twice its size, plus a reserve. Batches older than a day (and stray `.part` files) are
//! removed when the server starts.

use std::path::{Component, Path, PathBuf};
use std::sync::Arc;

use axum::Json;
use axum::body::Body;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use futures_util::StreamExt;
use serde::{Deserialize, Serialize};
use tokio::io::AsyncWriteExt;

use super::AppState;
use crate::api::{ApiError, ErrorCode};
use crate::progress::human_size;

#[derive(Deserialize)]
pub struct UploadQuery {
    batch: String,
    path: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Uploaded {
    path: String,
    batch_dir: String,
}

fn bad(msg: &str) -> ApiError {
    ApiError::new(ErrorCode::InvalidInput, msg)
}

/// A relative path with only normal components (no `..`, no root).
fn safe_relative(p: &str) -> Option<PathBuf> {
    let path = Path::new(p);
    let ok = !p.is_empty() && path.components().all(|c| matches!(c, Component::Normal(_)));
    ok.then(|| path.to_path_buf())
}

/// Disk kept free beyond what an upload needs.
const RESERVE: u64 = 256 << 20;

/// The largest upload that fits: staged here, then copied into the object store.
fn cap(free: u64) -> u64 {
    free.saturating_sub(RESERVE) / 2
}

/// Free bytes on the disk holding `dir`. `PEDIGREE_TEST_FREE_BYTES` stands in for a full disk in
/// tests (a real one cannot be produced on demand).
fn free_space(dir: &Path) -> u64 {
    if let Some(n) = std::env::var("PEDIGREE_TEST_FREE_BYTES").ok().and_then(|v| v.parse().ok()) {
        return n;
    }
    fs4::available_space(dir).unwrap_or(u64::MAX)
}

fn too_big(size: u64, free: u64) -> Response {
    let msg = format!(
        "this file needs {} of free disk ({} staged, then stored, plus a {} reserve) and the workspace disk has {} free: \
         free up space, or register it from its own path with `pedigree register`",
        human_size(size.saturating_mul(2).saturating_add(RESERVE)),
        human_size(size),
        human_size(RESERVE),
        human_size(free)
    );
    (StatusCode::PAYLOAD_TOO_LARGE, Json(ApiError::new(ErrorCode::Io, msg))).into_response()
}

pub async fn upload(State(st): State<Arc<AppState>>, Query(q): Query<UploadQuery>, headers: HeaderMap, body: Body) -> Response {
    if q.batch.is_empty() || q.batch.len() > 64 || !q.batch.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') {
        return bad("batch must be 1-64 letters, digits or '-'").into_response();
    }
    let Some(rel) = safe_relative(&q.path) else {
        return bad("path must be relative, without '..'").into_response();
    };
    let batch_dir = st.host.workspace.join("uploads").join(&q.batch);
    let dest = batch_dir.join(&rel);
    let io = |e: std::io::Error| ApiError::new(ErrorCode::Io, format!("cannot store upload {}: {e}", rel.display()));
    if let Err(e) = tokio::fs::create_dir_all(dest.parent().expect("has a parent")).await {
        return io(e).into_response();
    }
    let free = free_space(&batch_dir);
    let declared = headers.get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.parse::<u64>().ok());
    if let Some(size) = declared
        && size > cap(free)
    {
        return too_big(size, free);
    }
    let mut part = dest.clone().into_os_string();
    part.push(".part");
    let part = PathBuf::from(part);
    let written = receive(&part, body, cap(free)).await;
    let out = match written {
        Ok(_) => tokio::fs::rename(&part, &dest).await.map_err(io).map(|_| ()).map_err(IntoResponse::into_response),
        Err(Received::TooBig(n)) => Err(too_big(n, free)),
        Err(Received::Failed(e)) => Err(e.into_response()),
    };
    match out {
        Ok(()) => Json(Uploaded { path: dest.display().to_string(), batch_dir: batch_dir.display().to_string() }).into_response(),
        Err(resp) => {
            let _ = tokio::fs::remove_file(&part).await;
            resp
        }
    }
}

enum Received {
    /// More than the cap arrived (the bytes received so far).
    TooBig(u64),
    Failed(ApiError),
}

/// Streams the body into `part`, stopping as soon as it grows beyond `cap`.
async fn receive(part: &Path, body: Body, cap: u64) -> Result<u64, Received> {
    let io = |e: std::io::Error| Received::Failed(ApiError::new(ErrorCode::Io, format!("cannot store upload: {e}")));
    let mut file = tokio::fs::File::create(part).await.map_err(io)?;
    let mut stream = body.into_data_stream();
    let mut n = 0u64;
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|e| Received::Failed(ApiError::new(ErrorCode::Io, format!("upload interrupted: {e}"))))?;
        n += chunk.len() as u64;
        if n > cap {
            return Err(Received::TooBig(n));
        }
        file.write_all(&chunk).await.map_err(io)?;
    }
    file.sync_all().await.map_err(io)?;
    Ok(n)
}

/// Removes upload batches older than a day, and `.part` files left by a killed server.
pub fn purge_stale(workspace: &Path) {
    let Ok(rd) = std::fs::read_dir(workspace.join("uploads")) else { return };
    for e in rd.flatten() {
        let old =
            e.metadata().and_then(|m| m.modified()).ok().and_then(|t| t.elapsed().ok()).is_some_and(|age| age.as_secs() > 86_400);
        if old {
            let _ = std::fs::remove_dir_all(e.path());
            continue;
        }
        for f in walkdir::WalkDir::new(e.path()).into_iter().flatten() {
            if f.file_type().is_file() && f.path().extension().is_some_and(|x| x == "part") {
                let _ = std::fs::remove_file(f.path());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_cap_leaves_room_to_store_the_file_and_a_reserve() {
        assert_eq!(super::cap(0), 0);
        assert_eq!(super::cap(super::RESERVE + 10), 5);
        assert!(crate::progress::human_size(3 << 30).starts_with("3.0 GiB"));
    }

    #[test]
    fn only_plain_relative_paths_are_accepted() {
        assert!(super::safe_relative("model/config.json").is_some());
        for bad in ["", "../x", "/etc/passwd", "a/../../b"] {
            assert!(super::safe_relative(bad).is_none(), "{bad}");
        }
    }
}
