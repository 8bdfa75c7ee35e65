//! Staging of files dropped in a browser: each file is streamed to
//! `WORKSPACE/uploads/<batch>/<relative path>`, then registered from there like a local path.
//! Batches older than a day are removed when the server starts.

use std::path::{Component, Path, PathBuf};
use std::sync::Arc;

use axum::Json;
use axum::body::Body;
use axum::extract::{Query, State};
use futures_util::StreamExt;
use serde::{Deserialize, Serialize};
use tokio::io::AsyncWriteExt;

use super::AppState;
use crate::api::{ApiError, ErrorCode};

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

pub async fn upload(
    State(st): State<Arc<AppState>>,
    Query(q): Query<UploadQuery>,
    body: Body,
) -> Result<Json<Uploaded>, ApiError> {
    if q.batch.is_empty() || q.batch.len() > 64 || !q.batch.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') {
        return Err(bad("batch must be 1-64 letters, digits or '-'"));
    }
    let rel = safe_relative(&q.path).ok_or_else(|| bad("path must be relative, without '..'"))?;
    let batch_dir = st.workspace.join("uploads").join(&q.batch);
    let dest = batch_dir.join(&rel);
    let io = |e: std::io::Error| ApiError::new(ErrorCode::Io, format!("cannot store upload {}: {e}", rel.display()));
    tokio::fs::create_dir_all(dest.parent().expect("has a parent")).await.map_err(io)?;
    let mut file = tokio::fs::File::create(&dest).await.map_err(io)?;
    let mut stream = body.into_data_stream();
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|e| ApiError::new(ErrorCode::Io, format!("upload interrupted: {e}")))?;
        file.write_all(&chunk).await.map_err(io)?;
    }
    file.flush().await.map_err(io)?;
    Ok(Json(Uploaded { path: dest.display().to_string(), batch_dir: batch_dir.display().to_string() }))
}

/// Removes upload batches older than a day.
pub fn purge_stale(workspace: &Path) {
    let Ok(rd) = std::fs::read_dir(workspace.join("uploads")) else { return };
    for e in rd.flatten() {
        let old =
            e.metadata().and_then(|m| m.modified()).ok().and_then(|t| t.elapsed().ok()).is_some_and(|age| age.as_secs() > 86_400);
        if old {
            let _ = std::fs::remove_dir_all(e.path());
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn only_plain_relative_paths_are_accepted() {
        assert!(super::safe_relative("model/config.json").is_some());
        for bad in ["", "../x", "/etc/passwd", "a/../../b"] {
            assert!(super::safe_relative(bad).is_none(), "{bad}");
        }
    }
}
