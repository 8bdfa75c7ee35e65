//! A small blocking client for the MLflow REST API (model registry and artifact proxy), over
//! reqwest on a private runtime. Every answer is treated as hostile: sizes are capped, JSON is
//! parsed into defaults-everywhere shapes, artifact paths are checked before they reach disk.

use std::io::Write;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use serde::de::DeserializeOwned;

use super::wire::*;
use crate::remote::RemoteError;
pub use crate::remote::http::Auth;
use crate::remote::http::{file_body, read_capped, root_cause};

pub(super) const KIND: &str = "MLflow";

const AUTH_HINT: &str = "set MLFLOW_TRACKING_USERNAME and MLFLOW_TRACKING_PASSWORD (or MLFLOW_TRACKING_TOKEN), or seal them with `pedigree remote add … --username`";

/// Largest JSON answer read (a page of 1,000 models with their tags fits easily).
const MAX_JSON: usize = 64 << 20;

pub struct Client {
    base: url::Url,
    auth: Auth,
    http: reqwest::Client,
    rt: tokio::runtime::Runtime,
    /// Requests made (for the sync report and the benchmark).
    pub requests: AtomicU64,
}

impl Client {
    pub fn new(base: &str, auth: Auth) -> Result<Client, RemoteError> {
        let bad = |why: String| RemoteError::Bad { kind: KIND, what: "the remote URL".into(), why };
        let mut base = url::Url::parse(base).map_err(|e| bad(e.to_string()))?;
        if !base.path().ends_with('/') {
            base.set_path(&format!("{}/", base.path()));
        }
        let (http, rt) = crate::remote::http::client(Duration::from_secs(600)).map_err(bad)?;
        Ok(Client { base, auth, http, rt, requests: AtomicU64::new(0) })
    }

    pub fn url(&self) -> String {
        self.base.as_str().trim_end_matches('/').to_string()
    }

    fn endpoint(&self, path: &str, query: &[(&str, &str)]) -> url::Url {
        let mut u = self.base.join(path).expect("endpoint paths are relative");
        if !query.is_empty() {
            u.query_pairs_mut().extend_pairs(query);
        }
        u
    }

    fn request(&self, method: reqwest::Method, url: url::Url) -> reqwest::RequestBuilder {
        self.requests.fetch_add(1, Ordering::Relaxed);
        let r = self.http.request(method, url);
        match &self.auth {
            Auth::None => r,
            Auth::Basic { user, password } => r.basic_auth(user, Some(password)),
            Auth::Bearer(t) => r.bearer_auth(t),
        }
    }

    /// Sends a request and returns the answer when it is a success, or the error it means.
    async fn send(&self, what: &str, req: reqwest::RequestBuilder) -> Result<reqwest::Response, RemoteError> {
        let resp = req.send().await.map_err(|e| RemoteError::Unreachable { kind: KIND, url: self.url(), why: root_cause(&e) })?;
        let status = resp.status().as_u16();
        if status == 401 || status == 403 {
            return Err(RemoteError::Unauthorized { kind: KIND, url: self.url(), status, hint: AUTH_HINT });
        }
        if !resp.status().is_success() {
            let body = resp.bytes().await.unwrap_or_default();
            let e: ErrorBody = serde_json::from_slice(&body[..body.len().min(MAX_JSON)]).unwrap_or_default();
            let message =
                if e.message.is_empty() { String::from_utf8_lossy(&body[..body.len().min(300)]).into_owned() } else { e.message };
            return Err(RemoteError::Http { kind: KIND, what: what.into(), status, code: e.error_code, message });
        }
        Ok(resp)
    }

    fn get_json<T: DeserializeOwned>(&self, what: &str, path: &str, query: &[(&str, &str)]) -> Result<T, RemoteError> {
        let url = self.endpoint(path, query);
        self.rt.block_on(async {
            let resp = self.send(what, self.request(reqwest::Method::GET, url)).await?;
            let body =
                read_capped(resp, MAX_JSON).await.map_err(|why| RemoteError::Bad { kind: KIND, what: what.into(), why })?;
            serde_json::from_slice(&body).map_err(|e| RemoteError::Bad { kind: KIND, what: what.into(), why: e.to_string() })
        })
    }

    /// The server's version (`GET /version`), e.g. `3.17.2`.
    pub fn server_version(&self) -> Result<String, RemoteError> {
        let url = self.endpoint("version", &[]);
        self.rt.block_on(async {
            let resp = self.send("GET /version", self.request(reqwest::Method::GET, url)).await?;
            let body =
                read_capped(resp, 256).await.map_err(|why| RemoteError::Bad { kind: KIND, what: "GET /version".into(), why })?;
            Ok(String::from_utf8_lossy(&body).trim().to_string())
        })
    }

    /// One page of registered models (with tags and aliases), by name.
    pub fn search_models(&self, page_token: Option<&str>) -> Result<ModelsPage, RemoteError> {
        let mut q = vec![("max_results", "1000"), ("order_by", "name ASC")];
        if let Some(t) = page_token {
            q.push(("page_token", t));
        }
        self.get_json("registered-models/search", "api/2.0/mlflow/registered-models/search", &q)
    }

    /// One page of a model's versions (with tags), by version number; or of every model's.
    pub fn search_versions(&self, model: Option<&str>, page_token: Option<&str>) -> Result<VersionsPage, RemoteError> {
        let filter = model.map(|m| format!("name = '{}'", m.replace('\'', "\\'")));
        // 1,000 a page like the models (MLflow would give up to 200,000): a page stays a few MB.
        let mut q = vec![("max_results", "1000")];
        match &filter {
            Some(f) => q.extend([("filter", f.as_str()), ("order_by", "version_number ASC")]),
            None => q.extend([("order_by", "name ASC"), ("order_by", "version_number ASC")]),
        }
        if let Some(t) = page_token {
            q.push(("page_token", t));
        }
        self.get_json("model-versions/search", "api/2.0/mlflow/model-versions/search", &q)
    }

    /// A run: info, params, metrics, dataset inputs (`runs/get`).
    pub fn get_run(&self, run_id: &str) -> Result<serde_json::Value, RemoteError> {
        self.get_json("runs/get", "api/2.0/mlflow/runs/get", &[("run_id", run_id)])
    }

    /// Where a version's artifacts are (`get-download-uri`).
    pub fn download_uri(&self, model: &str, version: &str) -> Result<String, RemoteError> {
        let r: DownloadUri = self.get_json(
            "model-versions/get-download-uri",
            "api/2.0/mlflow/model-versions/get-download-uri",
            &[("name", model), ("version", version)],
        )?;
        Ok(r.artifact_uri)
    }

    /// The entries of a folder in the artifact proxy (`mlflow-artifacts:/` paths, relative).
    pub fn list_artifacts(&self, dir: &str) -> Result<Vec<ArtifactFile>, RemoteError> {
        let r: ArtifactList = self.get_json("mlflow-artifacts list", "api/2.0/mlflow-artifacts/artifacts", &[("path", dir)])?;
        Ok(r.files)
    }

    /// Streams one artifact from the proxy into `out`; returns the bytes written.
    pub fn download(&self, path: &str, out: &mut dyn Write, on_bytes: &mut dyn FnMut(u64)) -> Result<u64, RemoteError> {
        let url = self.endpoint(&format!("api/2.0/mlflow-artifacts/artifacts/{}", encode_path(path)), &[]);
        let what = format!("download {path}");
        self.rt.block_on(async {
            let mut resp = self.send(&what, self.request(reqwest::Method::GET, url)).await?;
            let mut n = 0u64;
            while let Some(chunk) =
                resp.chunk().await.map_err(|e| RemoteError::Unreachable { kind: KIND, url: self.url(), why: root_cause(&e) })?
            {
                out.write_all(&chunk).map_err(|e| RemoteError::Bad {
                    kind: KIND,
                    what: what.clone(),
                    why: format!("cannot write: {e}"),
                })?;
                n += chunk.len() as u64;
                on_bytes(chunk.len() as u64);
            }
            Ok(n)
        })
    }
}

/// Percent-encodes each segment of a relative path (keeping the slashes).
fn encode_path(path: &str) -> String {
    path.split('/')
        .map(|s| url::form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>().replace('+', "%20"))
        .collect::<Vec<_>>()
        .join("/")
}

/// Writes: what a push needs (the MLflow 3 logged-model flow, verified against 3.17.2).
impl Client {
    fn post_json<T: DeserializeOwned>(&self, what: &str, path: &str, body: &serde_json::Value) -> Result<T, RemoteError> {
        self.write_json(reqwest::Method::POST, what, path, body)
    }

    fn write_json<T: DeserializeOwned>(
        &self,
        method: reqwest::Method,
        what: &str,
        path: &str,
        body: &serde_json::Value,
    ) -> Result<T, RemoteError> {
        let url = self.endpoint(path, &[]);
        let body = serde_json::to_vec(body).expect("JSON bodies serialise");
        self.rt.block_on(async {
            let req = self.request(method, url).header("Content-Type", "application/json").body(body);
            let resp = self.send(what, req).await?;
            let body =
                read_capped(resp, MAX_JSON).await.map_err(|why| RemoteError::Bad { kind: KIND, what: what.into(), why })?;
            let body = if body.is_empty() { b"{}".to_vec() } else { body };
            serde_json::from_slice(&body).map_err(|e| RemoteError::Bad { kind: KIND, what: what.into(), why: e.to_string() })
        })
    }

    /// The id of the experiment pushes log their models in (`pedigree`), created if missing.
    pub fn push_experiment(&self) -> Result<String, RemoteError> {
        let got: Result<serde_json::Value, _> = self.get_json(
            "experiments/get-by-name",
            "api/2.0/mlflow/experiments/get-by-name",
            &[("experiment_name", "pedigree")],
        );
        match got {
            Ok(v) => Ok(v["experiment"]["experiment_id"].as_str().unwrap_or_default().to_string()),
            Err(e) if e.is_not_found() => {
                let v: serde_json::Value = self.post_json(
                    "experiments/create",
                    "api/2.0/mlflow/experiments/create",
                    &serde_json::json!({"name": "pedigree"}),
                )?;
                Ok(v["experiment_id"].as_str().unwrap_or_default().to_string())
            }
            Err(e) => Err(e),
        }
    }

    /// Creates the registered model unless it exists.
    pub fn ensure_model(&self, name: &str, tags: &[(String, String)]) -> Result<(), RemoteError> {
        let tags: Vec<_> = tags.iter().map(|(k, v)| serde_json::json!({"key": k, "value": v})).collect();
        let body = serde_json::json!({"name": name, "tags": tags});
        match self.post_json::<serde_json::Value>("registered-models/create", "api/2.0/mlflow/registered-models/create", &body) {
            Ok(_) => Ok(()),
            Err(RemoteError::Http { code, .. }) if code == "RESOURCE_ALREADY_EXISTS" => Ok(()),
            Err(e) => Err(e),
        }
    }

    /// A logged model to upload files into: `(model_id, proxy path of its artifacts)`.
    pub fn create_logged_model(
        &self,
        experiment_id: &str,
        name: &str,
        tags: &[(String, String)],
    ) -> Result<(String, String), RemoteError> {
        let tags: Vec<_> = tags.iter().map(|(k, v)| serde_json::json!({"key": k, "value": v})).collect();
        let body = serde_json::json!({"experiment_id": experiment_id, "name": name, "tags": tags});
        let v: serde_json::Value = self.post_json("logged-models", "api/2.0/mlflow/logged-models", &body)?;
        let info = &v["model"]["info"];
        let (id, uri) = (info["model_id"].as_str().unwrap_or_default(), info["artifact_uri"].as_str().unwrap_or_default());
        match uri.strip_prefix("mlflow-artifacts:/") {
            Some(path) if !id.is_empty() => Ok((id.to_string(), path.trim_matches('/').to_string())),
            _ => Err(RemoteError::Bad {
                kind: KIND,
                what: "logged-models".into(),
                why: format!(
                    "its artifacts are at {uri:?}, not behind the artifact proxy (start the server with --serve-artifacts)"
                ),
            }),
        }
    }

    /// Uploads one file through the artifact proxy (streamed from disk).
    pub fn upload(&self, path: &str, file: &std::path::Path) -> Result<(), RemoteError> {
        let url = self.endpoint(&format!("api/2.0/mlflow-artifacts/artifacts/{}", encode_path(path)), &[]);
        let what = format!("upload {path}");
        self.rt.block_on(async {
            let f = tokio::fs::File::open(file).await.map_err(|e| RemoteError::Bad {
                kind: KIND,
                what: what.clone(),
                why: e.to_string(),
            })?;
            let len = f.metadata().await.map(|m| m.len()).unwrap_or(0);
            let req = self.request(reqwest::Method::PUT, url).header("Content-Length", len).body(file_body(f));
            self.send(&what, req).await.map(|_| ())
        })
    }

    pub fn finalize_logged_model(&self, model_id: &str) -> Result<(), RemoteError> {
        let body = serde_json::json!({"model_id": model_id, "status": "LOGGED_MODEL_READY"});
        self.write_json::<serde_json::Value>(
            reqwest::Method::PATCH,
            "logged-models finalize",
            &format!("api/2.0/mlflow/logged-models/{model_id}"),
            &body,
        )
        .map(|_| ())
    }

    /// Registers the logged model as a new version (tags in the same request); returns its number.
    pub fn create_version(
        &self,
        name: &str,
        model_id: &str,
        tags: &[(String, String)],
        description: &str,
    ) -> Result<String, RemoteError> {
        let tags: Vec<_> = tags.iter().map(|(k, v)| serde_json::json!({"key": k, "value": v})).collect();
        let body = serde_json::json!({"name": name, "source": format!("models:/{model_id}"), "model_id": model_id, "tags": tags, "description": description});
        let v: serde_json::Value = self.post_json("model-versions/create", "api/2.0/mlflow/model-versions/create", &body)?;
        Ok(v["model_version"]["version"].as_str().unwrap_or_default().to_string())
    }

    /// Versions of `name` carrying tag `key` = `value`.
    pub fn versions_tagged(&self, name: &str, key: &str, value: &str) -> Result<Vec<String>, RemoteError> {
        let q = |s: &str| s.replace('\'', "\\'");
        let filter = format!("name = '{}' AND tags.`{}` = '{}'", q(name), q(key), q(value));
        let page: VersionsPage = self.get_json(
            "model-versions/search",
            "api/2.0/mlflow/model-versions/search",
            &[("filter", filter.as_str()), ("max_results", "100"), ("order_by", "version_number ASC")],
        )?;
        Ok(page.model_versions.into_iter().map(|v| v.version).collect())
    }

    pub fn set_alias(&self, name: &str, alias: &str, version: &str) -> Result<(), RemoteError> {
        let body = serde_json::json!({"name": name, "alias": alias, "version": version});
        self.post_json::<serde_json::Value>("registered-models/alias", "api/2.0/mlflow/registered-models/alias", &body)
            .map(|_| ())
    }

    /// A model's (`version` none) or a version's description.
    pub fn set_description(&self, name: &str, version: Option<&str>, text: &str) -> Result<(), RemoteError> {
        let (what, body) = match version {
            None => ("registered-models/update", serde_json::json!({"name": name, "description": text})),
            Some(v) => ("model-versions/update", serde_json::json!({"name": name, "version": v, "description": text})),
        };
        self.write_json::<serde_json::Value>(reqwest::Method::PATCH, what, &format!("api/2.0/mlflow/{what}"), &body).map(|_| ())
    }

    /// Sets (`Some`) or deletes (`None`) a model's (`version` none) or a version's tag.
    pub fn set_tag(&self, name: &str, version: Option<&str>, key: &str, value: Option<&str>) -> Result<(), RemoteError> {
        let kind = if version.is_some() { "model-versions" } else { "registered-models" };
        let mut body = serde_json::json!({"name": name, "key": key});
        if let Some(v) = version {
            body["version"] = serde_json::json!(v);
        }
        let (method, op) = match value {
            Some(value) => {
                body["value"] = serde_json::json!(value);
                (reqwest::Method::POST, "set-tag")
            }
            None => (reqwest::Method::DELETE, "delete-tag"),
        };
        let what = format!("{kind}/{op}");
        self.write_json::<serde_json::Value>(method, &what, &format!("api/2.0/mlflow/{what}"), &body).map(|_| ())
    }

    /// Moves a version to a legacy stage (`None` for none), leaving other versions where they are.
    pub fn transition_stage(&self, name: &str, version: &str, stage: &str) -> Result<(), RemoteError> {
        let body = serde_json::json!({"name": name, "version": version, "stage": stage, "archive_existing_versions": false});
        self.post_json::<serde_json::Value>(
            "model-versions/transition-stage",
            "api/2.0/mlflow/model-versions/transition-stage",
            &body,
        )
        .map(|_| ())
    }
}
