//! `pedigree serve`: the same UI and the same operations as the desktop app, over HTTP.
//!
//! - `POST /api/<op>`: JSON request → JSON response via `api::ops::dispatch` (no logic here);
//!   errors are `{code, message}` with a matching status.
//! - `GET /api/events`: Server-Sent Events, one `progress` event per engine progress report,
//!   `store` events while local stores are watched, `sync` events when a scheduled sync ran.
//! - `POST /api/upload?batch=B&path=P`: stages a dropped file for registration (browser drops).
//! - everything else: the UI (`ui/dist`, embedded in release builds).
//!
//! Every request first passes `guard` (host allow-list, origin, the per-launch secret, JSON
//! content type): loopback is not a security boundary against the web pages the user visits.

use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::sync::Arc;

use axum::extract::{DefaultBodyLimit, Path as UrlPath, Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use futures_util::Stream;
use serde_json::Value;
use tokio::sync::broadcast;
use tokio_stream::StreamExt;
use tokio_stream::wrappers::BroadcastStream;

use crate::api::host::Host;
use crate::api::schedule::ScheduledSync;
use crate::api::{ApiError, ErrorCode, Session};
use crate::index::StoreEvent;
use crate::progress::Progress;

mod assets;
pub mod guard;
mod upload;

/// Content Security Policy for the UI: nothing from other origins; inline styles only (React
/// Flow sets element styles); workers from our own origin and blob: (elkjs).
pub const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; \
font-src 'self' data:; connect-src 'self'; worker-src 'self' blob:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'";

/// How to serve.
#[derive(Debug, Clone)]
pub struct ServeOptions {
    pub workspace: PathBuf,
    pub actor: String,
    pub bind: IpAddr,
    pub port: u16,
    /// The secret every request needs (a random one per launch when not given).
    pub token: Option<String>,
    /// The address others use to reach this server (behind a proxy, or by name): its host is
    /// accepted in `Host` and its origin in `Origin`.
    pub public_url: Option<url::Url>,
    /// Watch local stores and stream their changes as `store` events.
    pub watch: bool,
    /// Sync remotes that have a schedule (`pedigree remote schedule`), streamed as `sync` events.
    pub schedule: bool,
}

#[derive(Clone)]
struct AppState {
    /// The workspace and the actor operations run as.
    host: Host,
    guard: guard::Guard,
    events: broadcast::Sender<Progress>,
    store_events: broadcast::Sender<StoreEvent>,
    sync_events: broadcast::Sender<ScheduledSync>,
}

/// Status code for an API error.
fn status(code: ErrorCode) -> StatusCode {
    match code {
        ErrorCode::InvalidInput | ErrorCode::BadFile => StatusCode::BAD_REQUEST,
        ErrorCode::NotFound => StatusCode::NOT_FOUND,
        ErrorCode::Conflict => StatusCode::CONFLICT,
        ErrorCode::Io | ErrorCode::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        ErrorCode::Denied => StatusCode::FORBIDDEN,
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (status(self.code), Json(self)).into_response()
    }
}

async fn call(
    State(st): State<Arc<AppState>>,
    UrlPath(op): UrlPath<String>,
    body: axum::body::Bytes,
) -> Result<Json<Value>, ApiError> {
    let request: Value = if body.is_empty() {
        Value::Object(Default::default())
    } else {
        serde_json::from_slice(&body)
            .map_err(|e| ApiError::new(ErrorCode::InvalidInput, format!("request body is not JSON: {e}")))?
    };
    let events = st.events.clone();
    let out = st.host.call(op, request, move |p| {
        let _ = events.send(p.clone());
    });
    Ok(Json(out.await?))
}

/// `POST /api/v1/lineage`: OpenLineage's HTTP transport (one run event per request, or an array
/// or JSON lines), behind the same checks as every request; 201 with what was recorded.
async fn openlineage(State(st): State<Arc<AppState>>, body: axum::body::Bytes) -> Result<(StatusCode, Json<Value>), ApiError> {
    let text = std::str::from_utf8(&body).map_err(|_| ApiError::new(ErrorCode::InvalidInput, "the body is not UTF-8 text"))?;
    let events = crate::lineage::openlineage::read_events(text).map_err(|e| ApiError::new(ErrorCode::InvalidInput, e))?;
    let out = st.host.call("import_openlineage".into(), serde_json::json!({ "events": events }), |_| {}).await?;
    Ok((StatusCode::CREATED, Json(out)))
}

async fn events(State(st): State<Arc<AppState>>) -> Sse<impl Stream<Item = Result<Event, std::convert::Infallible>>> {
    let progress = BroadcastStream::new(st.events.subscribe()).filter_map(|p| {
        p.ok().map(|p| Ok(Event::default().event("progress").data(serde_json::to_string(&p).expect("progress serialises"))))
    });
    let stores = BroadcastStream::new(st.store_events.subscribe()).filter_map(|e| {
        e.ok().map(|e| Ok(Event::default().event("store").data(serde_json::to_string(&e).expect("events serialise"))))
    });
    let syncs = BroadcastStream::new(st.sync_events.subscribe()).filter_map(|e| {
        e.ok().map(|e| Ok(Event::default().event("sync").data(serde_json::to_string(&e).expect("events serialise"))))
    });
    let stream = progress.merge(stores).merge(syncs);
    Sse::new(stream).keep_alive(KeepAlive::default())
}

/// The checks of `guard` on every request (UI assets included), then the handler.
async fn guarded(State(st): State<Arc<AppState>>, req: Request, next: Next) -> Response {
    match st.guard.check(req.method(), req.uri(), req.headers()) {
        Ok(guard::Verdict::Pass) => next.run(req).await,
        Ok(guard::Verdict::Land { clean }) => (
            StatusCode::SEE_OTHER,
            [
                (header::LOCATION, clean),
                (header::SET_COOKIE, st.guard.set_cookie()),
                (header::CACHE_CONTROL, "no-store".to_string()),
                (header::REFERRER_POLICY, "no-referrer".to_string()),
            ],
        )
            .into_response(),
        Err(refusal) => refusal.into_response(),
    }
}

/// The router (exposed for tests).
fn router(st: Arc<AppState>) -> Router {
    let api = Router::new()
        .route("/api/events", get(events))
        .route("/api/upload", post(upload::upload).layer(DefaultBodyLimit::disable()))
        .route("/api/reports/{name}/{*path}", get(report_file))
        .route("/api/v1/lineage", post(openlineage))
        .route("/api/{op}", post(call));
    api.fallback(assets::serve_asset).layer(middleware::from_fn_with_state(st.clone(), guarded)).with_state(st)
}

/// A random token (hex of 16 random bytes).
pub fn new_token() -> String {
    use ring::rand::SecureRandom;
    let mut b = [0u8; 16];
    ring::rand::SystemRandom::new().fill(&mut b).expect("system randomness");
    hex::encode(b)
}

/// Binds and serves until Ctrl-C / SIGTERM. `ready` is called with the bound address and the
/// URL to open (with the token when one is required).
pub fn serve(opts: ServeOptions, ready: impl FnOnce(SocketAddr, String)) -> Result<(), ApiError> {
    // Fail early (and clearly) if the workspace is missing.
    Session::open(&opts.workspace, opts.actor.clone())?;
    let token = match opts.token.clone() {
        Some(t) if t.len() < guard::MIN_TOKEN_LEN || !t.bytes().all(|b| b.is_ascii_alphanumeric() || b"-._~".contains(&b)) => {
            return Err(ApiError::new(
                ErrorCode::InvalidInput,
                format!("the token must be at least {} characters of A-Z a-z 0-9 - . _ ~", guard::MIN_TOKEN_LEN),
            ));
        }
        Some(t) => t,
        None => new_token(),
    };
    upload::purge_stale(&opts.workspace);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| ApiError::new(ErrorCode::Io, format!("cannot start the server runtime: {e}")))?;
    rt.block_on(async move {
        let listener = tokio::net::TcpListener::bind((opts.bind, opts.port))
            .await
            .map_err(|e| ApiError::new(ErrorCode::Io, format!("cannot listen on {}:{}: {e}", opts.bind, opts.port)))?;
        let addr = listener.local_addr().map_err(|e| ApiError::new(ErrorCode::Io, e.to_string()))?;
        let interfaces: Vec<IpAddr> = if opts.bind.is_loopback() {
            Vec::new()
        } else {
            if_addrs::get_if_addrs().map(|l| l.iter().map(|i| i.ip()).collect()).unwrap_or_default()
        };
        let guard = guard::Guard::new(opts.bind, addr.port(), opts.public_url.as_ref(), &interfaces, token.clone());
        let (events, _) = broadcast::channel(1024);
        let (store_events, _) = broadcast::channel(1024);
        let (sync_events, _) = broadcast::channel(64);
        let st = Arc::new(AppState {
            host: Host { workspace: opts.workspace.clone(), actor: opts.actor.clone() },
            guard,
            events,
            store_events: store_events.clone(),
            sync_events: sync_events.clone(),
        });
        let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let watcher = opts.watch.then(|| {
            st.host.watch_in_background(stop.clone(), move |ev| {
                let _ = store_events.send(ev.clone());
            })
        });
        let scheduler = opts.schedule.then(|| {
            st.host.sync_on_schedule(stop.clone(), move |done| {
                let _ = sync_events.send(done.clone());
            })
        });
        let url = landing_url(addr, opts.public_url.as_ref(), &token);
        ready(addr, url);
        let served = axum::serve(listener, router(st))
            .with_graceful_shutdown(shutdown())
            .await
            .map_err(|e| ApiError::new(ErrorCode::Io, format!("server failed: {e}")));
        stop.store(true, std::sync::atomic::Ordering::Relaxed);
        for w in watcher.into_iter().chain(scheduler) {
            let _ = tokio::task::spawn_blocking(move || w.join()).await;
        }
        served
    })
}

/// The URL to open: the public URL when given, else the bound address (127.0.0.1 for a wildcard
/// bind), carrying the token once.
fn landing_url(addr: SocketAddr, public_url: Option<&url::Url>, token: &str) -> String {
    if let Some(u) = public_url {
        let mut u = u.clone();
        u.query_pairs_mut().append_pair("token", token);
        return u.to_string();
    }
    let host = match addr.ip() {
        ip if ip.is_unspecified() => "127.0.0.1".to_string(),
        IpAddr::V6(v6) => format!("[{v6}]"),
        IpAddr::V4(v4) => v4.to_string(),
    };
    format!("http://{host}:{}/?token={token}", addr.port())
}

/// A file of a report bundle written under the workspace's reports/ folder (for download).
async fn report_file(State(st): State<Arc<AppState>>, UrlPath((name, path)): UrlPath<(String, String)>) -> Response {
    let bad = |code: StatusCode, msg: &str| (code, Json(ApiError::new(ErrorCode::NotFound, msg))).into_response();
    let safe = |p: &str| !p.is_empty() && p.split('/').all(|c| !c.is_empty() && c != "." && c != ".." && !c.contains('\\'));
    if !safe(&name) || !safe(&path) {
        return bad(StatusCode::BAD_REQUEST, "bad report path");
    }
    let file = st.host.workspace.join(crate::api::report::REPORTS_DIR).join(&name).join(&path);
    match tokio::fs::read(&file).await {
        Ok(bytes) => {
            let mime = mime_guess::from_path(&file).first_or_octet_stream();
            let disposition = format!("attachment; filename=\"{}\"", path.rsplit('/').next().unwrap_or("file").replace('"', ""));
            (
                [
                    (header::CONTENT_TYPE, mime.as_ref().to_string()),
                    (header::CONTENT_DISPOSITION, disposition),
                    (header::CONTENT_SECURITY_POLICY, "default-src 'none'; style-src 'unsafe-inline'; img-src data:".to_string()),
                ],
                bytes,
            )
                .into_response()
        }
        Err(_) => bad(StatusCode::NOT_FOUND, "no such report file"),
    }
}

async fn shutdown() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).expect("SIGTERM handler");
        tokio::select! { _ = ctrl_c => {}, _ = term.recv() => {} }
    }
    #[cfg(not(unix))]
    let _ = ctrl_c.await;
}
