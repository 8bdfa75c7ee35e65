//! A small blocking client for the OCI distribution API (`/v2/…`): blobs, manifests, tags and
//! the catalog, over reqwest on a private runtime. Answers are hostile: JSON is capped, every
//! blob is verified against its digest while it streams to disk.

use std::collections::HashMap;
use std::io::Write;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use super::token;
use crate::remote::RemoteError;
use crate::remote::http::{Auth, read_capped, root_cause};

pub(super) const KIND: &str = "OCI registry";

const AUTH_HINT: &str =
    "seal a user and password with `pedigree remote add … --username` (password from stdin), or a token with --token-stdin";

/// The repository a `/v2/REPO/(blobs|manifests|tags|referrers)/…` path is about ("" for others).
fn repo_of(path: &str) -> String {
    let Some(rest) = path.strip_prefix("/v2/") else { return String::new() };
    for marker in ["/blobs/", "/manifests/", "/tags/", "/referrers/"] {
        if let Some(i) = rest.find(marker) {
            return rest[..i].to_string();
        }
    }
    String::new()
}

/// Largest manifest or listing read.
const MAX_JSON: usize = 16 << 20;

/// What a manifest GET accepts: OCI manifests and indexes, Docker v2 manifests.
const ACCEPT: &str = "application/vnd.oci.image.manifest.v1+json, application/vnd.oci.image.index.v1+json, application/vnd.docker.distribution.manifest.v2+json";

pub struct Registry {
    /// `http(s)://HOST[:PORT]/`.
    base: url::Url,
    auth: Auth,
    /// Bearer tokens from the registry's token service, by repository ("" for the catalog):
    /// registries that use Docker's token scheme (GHCR, ECR, Harbor, Docker Hub) answer 401 with
    /// a `WWW-Authenticate: Bearer realm=…,service=…,scope=…` challenge first.
    tokens: Mutex<HashMap<String, String>>,
    http: reqwest::Client,
    rt: tokio::runtime::Runtime,
    pub requests: AtomicU64,
}

impl Registry {
    pub fn new(base: url::Url, auth: Auth) -> Result<Registry, RemoteError> {
        let bad = |why: String| RemoteError::Bad { kind: KIND, what: "the registry address".into(), why };
        let (http, rt) = crate::remote::http::client(Duration::from_secs(3600)).map_err(bad)?;
        Ok(Registry { base, auth, tokens: Mutex::new(HashMap::new()), http, rt, requests: AtomicU64::new(0) })
    }

    pub fn url(&self) -> String {
        self.base.as_str().trim_end_matches('/').to_string()
    }

    fn request(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        self.request_url(method, self.base.join(path).expect("registry paths are relative"))
    }

    fn request_url(&self, method: reqwest::Method, url: url::Url) -> reqwest::RequestBuilder {
        self.http.request(method, url)
    }

    /// The credentials a request to this repository carries: a token the token service gave for
    /// it, else the configured ones.
    fn authorize(&self, request: &mut reqwest::Request, repo: &str) {
        let token = self.tokens.lock().expect("no panic while held").get(repo).cloned();
        let value = match (token.as_ref(), &self.auth) {
            (Some(t), _) | (None, Auth::Bearer(t)) => format!("Bearer {t}"),
            (None, Auth::Basic { user, password }) => {
                use base64::Engine;
                format!("Basic {}", base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}")))
            }
            (None, Auth::None) => return,
        };
        if let Ok(v) = reqwest::header::HeaderValue::from_str(&value) {
            request.headers_mut().insert(reqwest::header::AUTHORIZATION, v);
        }
    }

    async fn perform(&self, request: reqwest::Request) -> Result<reqwest::Response, RemoteError> {
        self.requests.fetch_add(1, Ordering::Relaxed);
        let req = reqwest::RequestBuilder::from_parts(self.http.clone(), request);
        req.send().await.map_err(|e| RemoteError::Unreachable { kind: KIND, url: self.url(), why: root_cause(&e) })
    }

    /// Sends with the repository's credentials; a `Bearer` challenge is answered once (a token
    /// from the registry's token service, then the request again); a success, `Ok(None)` for a
    /// 404, or the error the answer means.
    async fn send(&self, what: &str, req: reqwest::RequestBuilder) -> Result<Option<reqwest::Response>, RemoteError> {
        let mut request = req.build().map_err(|e| RemoteError::Bad { kind: KIND, what: what.into(), why: e.to_string() })?;
        let repo = repo_of(request.url().path());
        self.authorize(&mut request, &repo);
        let again = request.try_clone();
        let mut resp = self.perform(request).await?;
        let challenge =
            resp.headers().get(reqwest::header::WWW_AUTHENTICATE).and_then(|v| v.to_str().ok()).and_then(token::challenge);
        if let (401, Some(challenge), Some(mut again)) = (resp.status().as_u16(), challenge, again) {
            let t = token::fetch(&self.http, &self.base, &self.auth, &challenge).await?;
            self.tokens.lock().expect("no panic while held").insert(repo.clone(), t);
            self.authorize(&mut again, &repo);
            resp = self.perform(again).await?;
        }
        let status = resp.status().as_u16();
        if status == 401 || status == 403 {
            return Err(RemoteError::Unauthorized { kind: KIND, url: self.url(), status, hint: AUTH_HINT });
        }
        if status == 404 {
            return Ok(None);
        }
        if !resp.status().is_success() {
            let body = resp.bytes().await.unwrap_or_default();
            let v: serde_json::Value = serde_json::from_slice(&body[..body.len().min(MAX_JSON)]).unwrap_or_default();
            let e = &v["errors"][0];
            let message = e["message"]
                .as_str()
                .map(str::to_string)
                .unwrap_or_else(|| String::from_utf8_lossy(&body[..body.len().min(300)]).into_owned());
            let code = e["code"].as_str().unwrap_or_default().to_string();
            return Err(RemoteError::Http { kind: KIND, what: what.into(), status, code, message });
        }
        Ok(Some(resp))
    }

    /// `GET /v2/`: reachable, and the credentials (if any) accepted.
    pub fn ping(&self) -> Result<(), RemoteError> {
        self.rt.block_on(async { self.send("GET /v2/", self.request(reqwest::Method::GET, "v2/")).await.map(|_| ()) })
    }

    /// Every repository (`/v2/_catalog`, 1,000 a page, following `Link`).
    pub fn catalog(&self) -> Result<Vec<String>, RemoteError> {
        let mut out: Vec<String> = Vec::new();
        loop {
            let mut path = "v2/_catalog?n=1000".to_string();
            if let Some(last) = out.last() {
                path.push_str(&format!("&last={}", url::form_urlencoded::byte_serialize(last.as_bytes()).collect::<String>()));
            }
            let v = self.get_json("GET /v2/_catalog", &path)?.unwrap_or_default();
            let page: Vec<String> = v["repositories"]
                .as_array()
                .map(|a| a.iter().filter_map(|r| r.as_str().map(str::to_string)).collect())
                .unwrap_or_default();
            let full = page.len() >= 1000;
            out.extend(page);
            if !full {
                return Ok(out);
            }
        }
    }

    /// A repository's tags (none when it does not exist).
    pub fn tags(&self, repo: &str) -> Result<Vec<String>, RemoteError> {
        let v = self.get_json(&format!("tags of {repo}"), &format!("v2/{repo}/tags/list?n=10000"))?.unwrap_or_default();
        Ok(v["tags"].as_array().map(|a| a.iter().filter_map(|t| t.as_str().map(str::to_string)).collect()).unwrap_or_default())
    }

    fn get_json(&self, what: &str, path: &str) -> Result<Option<serde_json::Value>, RemoteError> {
        self.rt.block_on(async {
            let Some(resp) = self.send(what, self.request(reqwest::Method::GET, path)).await? else { return Ok(None) };
            let body =
                read_capped(resp, MAX_JSON).await.map_err(|why| RemoteError::Bad { kind: KIND, what: what.into(), why })?;
            serde_json::from_slice(&body).map(Some).map_err(|e| RemoteError::Bad {
                kind: KIND,
                what: what.into(),
                why: e.to_string(),
            })
        })
    }

    /// A manifest's digest (`HEAD`), or none.
    pub fn manifest_digest(&self, repo: &str, reference: &str) -> Result<Option<String>, RemoteError> {
        let what = format!("manifest {repo}:{reference}");
        self.rt.block_on(async {
            let req = self.request(reqwest::Method::HEAD, &format!("v2/{repo}/manifests/{reference}")).header("Accept", ACCEPT);
            let Some(resp) = self.send(&what, req).await? else { return Ok(None) };
            Ok(resp.headers().get("Docker-Content-Digest").and_then(|d| d.to_str().ok()).map(str::to_string))
        })
    }

    /// A manifest's bytes and media type; the digest is checked when `reference` is one.
    pub fn manifest(&self, repo: &str, reference: &str) -> Result<Option<(Vec<u8>, String)>, RemoteError> {
        let what = format!("manifest {repo}:{reference}");
        self.rt.block_on(async {
            let req = self.request(reqwest::Method::GET, &format!("v2/{repo}/manifests/{reference}")).header("Accept", ACCEPT);
            let Some(resp) = self.send(&what, req).await? else { return Ok(None) };
            let media = resp.headers().get("Content-Type").and_then(|d| d.to_str().ok()).unwrap_or_default().to_string();
            let body =
                read_capped(resp, MAX_JSON).await.map_err(|why| RemoteError::Bad { kind: KIND, what: what.clone(), why })?;
            if let Some(hex) = reference.strip_prefix("sha256:")
                && crate::hash::sha256_hex(&body) != hex
            {
                return Err(RemoteError::Bad { kind: KIND, what, why: "its bytes do not have the digest asked for".into() });
            }
            Ok(Some((body, media)))
        })
    }

    pub fn put_manifest(&self, repo: &str, reference: &str, bytes: &[u8], media_type: &str) -> Result<(), RemoteError> {
        let what = format!("put manifest {repo}:{reference}");
        self.rt.block_on(async {
            let req = self
                .request(reqwest::Method::PUT, &format!("v2/{repo}/manifests/{reference}"))
                .header("Content-Type", media_type)
                .body(bytes.to_vec());
            self.send(&what, req).await?.ok_or_else(|| RemoteError::Http {
                kind: KIND,
                what,
                status: 404,
                code: "NAME_UNKNOWN".into(),
                message: "the registry has no such repository".into(),
            })?;
            Ok(())
        })
    }

    /// Whether the registry answers the OCI 1.1 referrers API for this subject.
    pub fn has_referrers_api(&self, repo: &str, digest: &str) -> Result<bool, RemoteError> {
        let what = format!("referrers of {digest}");
        self.rt.block_on(async {
            let req = self
                .request(reqwest::Method::GET, &format!("v2/{repo}/referrers/{digest}"))
                .header("Accept", "application/vnd.oci.image.index.v1+json");
            match self.send(&what, req).await {
                Ok(Some(resp)) => Ok(resp
                    .headers()
                    .get("Content-Type")
                    .and_then(|c| c.to_str().ok())
                    .is_some_and(|c| c.starts_with("application/vnd.oci.image.index.v1+json"))),
                Ok(None) => Ok(false),
                // A registry that does not know the route may answer 400 or 405.
                Err(RemoteError::Http { status: 400 | 405, .. }) => Ok(false),
                Err(e) => Err(e),
            }
        })
    }

    pub fn blob_exists(&self, repo: &str, digest: &str) -> Result<bool, RemoteError> {
        self.rt.block_on(async {
            let req = self.request(reqwest::Method::HEAD, &format!("v2/{repo}/blobs/{digest}"));
            Ok(self.send(&format!("blob {digest}"), req).await?.is_some())
        })
    }

    /// Uploads a blob (a monolithic upload: POST for a session, PUT with the digest).
    pub fn push_blob(&self, repo: &str, digest: &str, body: reqwest::Body, len: u64) -> Result<(), RemoteError> {
        let what = format!("upload {digest}");
        self.rt.block_on(async {
            let start = self.request(reqwest::Method::POST, &format!("v2/{repo}/blobs/uploads/"));
            let resp = self.send(&what, start).await?.ok_or_else(|| RemoteError::Bad {
                kind: KIND,
                what: what.clone(),
                why: "no upload session".into(),
            })?;
            let location = resp.headers().get("Location").and_then(|l| l.to_str().ok()).ok_or_else(|| RemoteError::Bad {
                kind: KIND,
                what: what.clone(),
                why: "no Location for the upload".into(),
            })?;
            // Relative or absolute; the registry's own host is kept either way.
            let mut url =
                self.base.join(location).map_err(|e| RemoteError::Bad { kind: KIND, what: what.clone(), why: e.to_string() })?;
            if url.host_str() != self.base.host_str() || url.port_or_known_default() != self.base.port_or_known_default() {
                return Err(RemoteError::Bad { kind: KIND, what, why: format!("the upload goes to another host ({url})") });
            }
            url.query_pairs_mut().append_pair("digest", digest);
            let put = self
                .request_url(reqwest::Method::PUT, url)
                .header("Content-Type", "application/octet-stream")
                .header("Content-Length", len)
                .body(body);
            self.send(&what, put).await?;
            Ok(())
        })
    }

    /// Uploads a small blob held in memory unless the repository has it; returns its digest.
    pub fn push_bytes_once(&self, repo: &str, bytes: &[u8]) -> Result<String, RemoteError> {
        let digest = super::modelpack::digest_of(bytes);
        if !self.blob_exists(repo, &digest)? {
            self.push_blob(repo, &digest, bytes.to_vec().into(), bytes.len() as u64)?;
        }
        Ok(digest)
    }

    /// A file's bytes as an upload body, streamed from disk.
    pub fn file_body(&self, path: &std::path::Path) -> Result<reqwest::Body, RemoteError> {
        self.rt.block_on(async {
            let f = tokio::fs::File::open(path).await.map_err(|e| RemoteError::Bad {
                kind: KIND,
                what: path.display().to_string(),
                why: e.to_string(),
            })?;
            Ok(crate::remote::http::file_body(f))
        })
    }

    /// Streams a blob into `out`, checking its size and sha256; returns the bytes written.
    pub fn pull_blob(&self, repo: &str, digest: &str, size: u64, out: &mut dyn Write) -> Result<u64, RemoteError> {
        let what = format!("blob {digest}");
        let want = digest.strip_prefix("sha256:").ok_or_else(|| RemoteError::Bad {
            kind: KIND,
            what: what.clone(),
            why: "only sha256 digests are accepted".into(),
        })?;
        self.rt.block_on(async {
            let req = self.request(reqwest::Method::GET, &format!("v2/{repo}/blobs/{digest}"));
            let mut resp = self.send(&what, req).await?.ok_or_else(|| RemoteError::Http {
                kind: KIND,
                what: what.clone(),
                status: 404,
                code: "BLOB_UNKNOWN".into(),
                message: "the registry does not have it".into(),
            })?;
            let mut hasher = openssl::sha::Sha256::new();
            let mut n = 0u64;
            while let Some(chunk) =
                resp.chunk().await.map_err(|e| RemoteError::Unreachable { kind: KIND, url: self.url(), why: root_cause(&e) })?
            {
                n += chunk.len() as u64;
                if n > size {
                    return Err(RemoteError::Bad {
                        kind: KIND,
                        what,
                        why: format!("more than the {size} bytes its manifest says"),
                    });
                }
                hasher.update(&chunk);
                out.write_all(&chunk).map_err(|e| RemoteError::Bad {
                    kind: KIND,
                    what: what.clone(),
                    why: format!("cannot write: {e}"),
                })?;
            }
            let got = hex::encode(hasher.finish());
            if n != size || got != want {
                return Err(RemoteError::Bad {
                    kind: KIND,
                    what,
                    why: format!("{n} bytes with sha256 {got} arrived, not what its manifest says"),
                });
            }
            Ok(n)
        })
    }
}
