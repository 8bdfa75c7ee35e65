//! Remote stores through `object_store` (S3 with SigV4 and HTTP; retries with backoff and
//! timeouts from its client): listing, bounded fetches for sniffing, and verified downloads.
//! HTTP servers without WebDAV listings (plain `index.html`-style autoindex pages, e.g.
//! `python -m http.server` or nginx) are crawled by their links; the objects are still read
//! through `object_store`.

use std::collections::BTreeSet;
use std::io::Write;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use futures_util::StreamExt;
use object_store::aws::AmazonS3Builder;
use object_store::http::HttpBuilder;
use object_store::path::Path as ObjPath;
use object_store::{BackoffConfig, ClientOptions, GetOptions, ObjectStore, ObjectStoreExt, RetryConfig};

use super::ItemError;
use super::store::{Location, Store};
use crate::catalog::stores::FileRow;
use crate::sniff::{self, Format};

/// How much of a candidate object is fetched to sniff it.
pub const SNIFF_PREFIX: u64 = 16 << 20;

/// What a listing says about one object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjectInfo {
    pub size: u64,
    pub etag: Option<String>,
    pub last_modified: String,
    pub version: Option<String>,
}

pub struct Remote {
    store: Arc<dyn ObjectStore>,
    /// Key prefix inside the bucket ("" for the whole bucket / base URL).
    prefix: String,
    http_base: Option<String>,
    rt: tokio::runtime::Runtime,
    timeout: Duration,
}

/// Objects worth fetching to sniff: model formats by extension, folder markers, DVC files.
pub fn is_candidate(rel: &str) -> bool {
    let name = rel.rsplit('/').next().unwrap_or(rel);
    if super::dvc::is_dvc_file(rel) || matches!(name, "MLmodel" | "config.json") {
        return true;
    }
    let ext = name.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase()).unwrap_or_default();
    matches!(
        ext.as_str(),
        "safetensors" | "onnx" | "gguf" | "pt" | "pth" | "ckpt" | "bin" | "pkl" | "pickle" | "joblib" | "keras" | "h5" | "hdf5"
    )
}

/// A one-line explanation of a remote failure that says what to do.
pub fn describe(e: &object_store::Error) -> String {
    use object_store::Error as E;
    // The whole chain of causes: object_store wraps the HTTP status and the transport error.
    let mut full = e.to_string();
    let mut src = std::error::Error::source(e);
    while let Some(s) = src {
        full.push_str(": ");
        full.push_str(&s.to_string());
        src = s.source();
    }
    let lower = full.to_lowercase();
    let denied = "access denied: the credentials are missing, wrong or expired \
         (set AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY, or add the store again with --access-key-id / --secret-access-key)";
    match e {
        E::PermissionDenied { .. } | E::Unauthenticated { .. } => return denied.into(),
        E::NotFound { path, .. } => return format!("{path}: not found on the server"),
        E::Precondition { path, .. } => {
            return format!("{path}: changed on the server since it was indexed; run `pedigree index` again");
        }
        _ => {}
    }
    if lower.contains("403 forbidden") || lower.contains("401 unauthorized") {
        return denied.into();
    }
    if lower.contains("connection refused") {
        return "cannot connect: connection refused (is the server running, and is the endpoint right?)".into();
    }
    if let Some(at) = full.find("status code: ") {
        let status = full[at + 13..].split(':').next().unwrap_or_default().trim();
        return format!("the server answered HTTP {status} (after retries)");
    }
    if lower.contains("timed out") || lower.contains("deadline has elapsed") {
        return "the server did not answer in time; check that it is up, or raise --timeout".into();
    }
    let s = full.strip_prefix("Generic S3 error: ").or_else(|| full.strip_prefix("Generic HTTP error: ")).unwrap_or(&full);
    s.lines().next().unwrap_or_default().to_string()
}

/// A two-thread runtime for one remote's requests.
pub fn runtime() -> Result<tokio::runtime::Runtime, String> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the network runtime: {e}"))
}

/// The `object_store` client for an S3 or HTTP location (timeouts, retries with backoff, SigV4
/// from the given credentials or the AWS environment, `AWS_ENDPOINT_URL` for S3-compatible
/// servers), with the key prefix inside the bucket and, for HTTP, the base URL.
pub fn object_store(
    location: &Location,
    options: &super::store::StoreOptions,
    credentials: Option<&super::store::Credentials>,
) -> Result<(Arc<dyn ObjectStore>, String, Option<String>), String> {
    let timeout = Duration::from_secs(options.timeout_secs.unwrap_or(30).max(1) as u64);
    let retries = options.retries.unwrap_or(3) as usize;
    let client = ClientOptions::new()
        .with_timeout(timeout)
        .with_connect_timeout(timeout.min(Duration::from_secs(10)))
        .with_allow_http(true);
    let retry = RetryConfig {
        backoff: BackoffConfig { init_backoff: Duration::from_millis(100), max_backoff: Duration::from_secs(5), base: 2.0 },
        max_retries: retries,
        retry_timeout: timeout * (retries as u32 + 1),
    };
    Ok(match location {
        Location::S3 { bucket, prefix } => {
            let mut b = AmazonS3Builder::from_env().with_bucket_name(bucket).with_client_options(client).with_retry(retry);
            if let Some(e) = &options.endpoint {
                b = b.with_endpoint(e).with_allow_http(e.starts_with("http://"));
            } else if std::env::var("AWS_ENDPOINT_URL").is_ok_and(|e| !e.is_empty()) {
                let e = std::env::var("AWS_ENDPOINT_URL").unwrap_or_default();
                b = b.with_allow_http(e.starts_with("http://")).with_endpoint(e);
            }
            let region = options
                .region
                .clone()
                .or_else(|| std::env::var("AWS_REGION").ok())
                .or_else(|| std::env::var("AWS_DEFAULT_REGION").ok());
            b = b.with_region(region.unwrap_or_else(|| "us-east-1".into()));
            if let Some(c) = credentials {
                if let (Some(k), Some(s)) = (&c.access_key_id, &c.secret_access_key) {
                    b = b.with_access_key_id(k).with_secret_access_key(s);
                }
                if let Some(t) = &c.session_token {
                    b = b.with_token(t);
                }
            }
            (Arc::new(b.build().map_err(|e| describe(&e))?), prefix.clone(), None)
        }
        Location::Http(base) => {
            let s = HttpBuilder::new().with_url(base.clone()).with_client_options(client).with_retry(retry);
            (Arc::new(s.build().map_err(|e| describe(&e))?), String::new(), Some(base.clone()))
        }
        Location::Local(_) | Location::HfCache(_) => return Err("not a remote store".into()),
    })
}

impl Remote {
    pub fn open(store: &Store) -> Result<Remote, String> {
        let timeout = Duration::from_secs(store.options.timeout_secs.unwrap_or(30).max(1) as u64);
        let rt = runtime()?;
        let (obj, prefix, http_base) = object_store(&store.location, &store.options, store.credentials.as_ref())?;
        Ok(Remote { store: obj, prefix, http_base, rt, timeout })
    }

    fn key(&self, rel: &str) -> ObjPath {
        if self.prefix.is_empty() { ObjPath::from(rel) } else { ObjPath::from(format!("{}/{rel}", self.prefix)) }
    }

    fn rel(&self, key: &ObjPath) -> String {
        let k = key.as_ref();
        if self.prefix.is_empty() { k.to_string() } else { k.strip_prefix(&format!("{}/", self.prefix)).unwrap_or(k).to_string() }
    }

    /// Lists every object. On a failure part-way, returns what was listed, the error, and
    /// `complete = false` (the caller then drops nothing).
    pub fn list(&self) -> (Vec<(String, ObjectInfo)>, Vec<ItemError>, bool) {
        let mut out = Vec::new();
        let mut errors = Vec::new();
        let listed = self.rt.block_on(async {
            let prefix = if self.prefix.is_empty() { None } else { Some(ObjPath::from(self.prefix.as_str())) };
            let mut stream = self.store.list(prefix.as_ref());
            while let Some(item) = stream.next().await {
                match item {
                    Ok(m) => out.push((
                        self.rel(&m.location),
                        ObjectInfo {
                            size: m.size,
                            etag: m.e_tag,
                            last_modified: m.last_modified.to_rfc3339(),
                            version: m.version,
                        },
                    )),
                    Err(e) => return Err(e),
                }
            }
            Ok(())
        });
        let complete = match listed {
            Ok(()) => true,
            Err(e) if self.http_base.is_some() && out.is_empty() && !is_auth(&e) => match self.crawl_autoindex() {
                Ok((files, errs)) => {
                    out = files;
                    errors.extend(errs);
                    true
                }
                Err(msg) => {
                    errors.push(ItemError { path: String::new(), message: msg });
                    false
                }
            },
            Err(e) => {
                errors.push(ItemError { path: String::new(), message: format!("listing failed: {}", describe(&e)) });
                false
            }
        };
        out.sort_by(|a, b| a.0.cmp(&b.0));
        (out, errors, complete)
    }

    /// Lists an HTTP folder by following the links of its autoindex pages (same origin, below
    /// the base URL), then reads each file's size and date with HEAD.
    fn crawl_autoindex(&self) -> Result<(Vec<(String, ObjectInfo)>, Vec<ItemError>), String> {
        let base = self.http_base.clone().expect("http store");
        let client =
            reqwest::Client::builder().timeout(self.timeout).build().map_err(|e| format!("cannot start an HTTP client: {e}"))?;
        self.rt.block_on(async {
            let mut files: BTreeSet<String> = BTreeSet::new();
            let mut errors = Vec::new();
            let mut queue = vec![String::new()];
            let mut seen = BTreeSet::new();
            while let Some(dir) = queue.pop() {
                if !seen.insert(dir.clone()) || seen.len() > 10_000 {
                    continue;
                }
                let url = format!("{base}{dir}");
                let resp = client.get(&url).send().await;
                let body = match resp {
                    Ok(r) if r.status().is_success() => r.text().await.map_err(|e| e.to_string()),
                    Ok(r) => Err(format!("HTTP {}", r.status())),
                    Err(e) => Err(if e.is_timeout() { "the server did not answer in time".to_string() } else { e.to_string() }),
                };
                let body = match body {
                    Ok(b) => b,
                    Err(e) if dir.is_empty() => {
                        return Err(format!("cannot list {url}: {e} (the server offers neither WebDAV nor an autoindex page)"));
                    }
                    Err(e) => {
                        errors.push(ItemError { path: dir.clone(), message: format!("cannot list: {e}") });
                        continue;
                    }
                };
                for href in links(&body) {
                    let Some(rel) = resolve_link(&base, &dir, &href) else { continue };
                    if rel.ends_with('/') {
                        queue.push(rel);
                    } else {
                        files.insert(rel);
                    }
                }
            }
            let mut out = Vec::new();
            for rel in files {
                match self.store.head(&ObjPath::from(rel.as_str())).await {
                    Ok(m) => out.push((
                        rel,
                        ObjectInfo {
                            size: m.size,
                            etag: m.e_tag,
                            last_modified: m.last_modified.to_rfc3339(),
                            version: m.version,
                        },
                    )),
                    Err(e) => errors.push(ItemError { path: rel, message: describe(&e) }),
                }
            }
            Ok((out, errors))
        })
    }

    /// The first `n` bytes of an object (the whole object when shorter), refusing one that
    /// changed since it was listed (`etag`). Servers without range support are read from the
    /// start and cut off.
    pub fn fetch_prefix(&self, rel: &str, n: u64, etag: Option<&str>) -> Result<Vec<u8>, String> {
        let key = self.key(rel);
        self.rt.block_on(async {
            let opts = GetOptions { if_match: etag.map(str::to_string), range: Some((0..n).into()), ..Default::default() };
            match self.store.get_opts(&key, opts).await {
                Ok(r) => r.bytes().await.map(|b| b.to_vec()).map_err(|e| describe(&e)),
                Err(e @ (object_store::Error::Precondition { .. } | object_store::Error::NotFound { .. })) => Err(describe(&e)),
                Err(e) if is_auth(&e) => Err(describe(&e)),
                Err(_) => {
                    // No range support: stream from the start and stop after n bytes.
                    let r = self.store.get(&key).await.map_err(|e| describe(&e))?;
                    let mut stream = r.into_stream();
                    let mut buf = Vec::new();
                    while let Some(chunk) = stream.next().await {
                        buf.extend_from_slice(&chunk.map_err(|e| describe(&e))?);
                        if buf.len() as u64 >= n {
                            buf.truncate(n as usize);
                            break;
                        }
                    }
                    Ok(buf)
                }
            }
        })
    }

    /// Downloads an object to `dest`, checking its size, that it did not change since it was
    /// indexed (If-Match on the ETag) and, when the ETag is a plain MD5 (single-part uploads),
    /// that the bytes match it.
    pub fn download(
        &self,
        rel: &str,
        dest: &Path,
        size: u64,
        etag: Option<&str>,
        on_bytes: &mut dyn FnMut(u64),
    ) -> Result<(), String> {
        let key = self.key(rel);
        let mut file = std::fs::File::create(dest).map_err(|e| format!("{}: {e}", dest.display()))?;
        let mut md5 = openssl::hash::Hasher::new(openssl::hash::MessageDigest::md5()).map_err(|e| e.to_string())?;
        let got = self.rt.block_on(async {
            let opts = GetOptions { if_match: etag.map(str::to_string), ..Default::default() };
            let r = self.store.get_opts(&key, opts).await.map_err(|e| describe(&e))?;
            let mut stream = r.into_stream();
            let mut got = 0u64;
            while let Some(chunk) = stream.next().await {
                let chunk = chunk.map_err(|e| describe(&e))?;
                file.write_all(&chunk).map_err(|e| format!("{}: {e}", dest.display()))?;
                md5.update(&chunk).map_err(|e| e.to_string())?;
                got += chunk.len() as u64;
                on_bytes(chunk.len() as u64);
            }
            Ok::<_, String>(got)
        })?;
        file.sync_all().map_err(|e| format!("{}: {e}", dest.display()))?;
        if got != size {
            return Err(format!("{rel}: downloaded {got} bytes but the index recorded {size}; run `pedigree index` again"));
        }
        let digest = hex::encode(md5.finish().map_err(|e| e.to_string())?);
        if let Some(tag) = etag.map(|t| t.trim_matches('"')) {
            if tag.len() == 32 && tag.bytes().all(|b| b.is_ascii_hexdigit()) && !tag.eq_ignore_ascii_case(&digest) {
                return Err(format!("{rel}: the downloaded bytes do not match the recorded ETag {tag} (md5 {digest})"));
            }
        }
        Ok(())
    }

    /// Sniffs one object from a bounded prefix (objects that are not candidates are only
    /// recorded). The prefix goes into a sparse temp file of the object's full size, so the
    /// sniffers' length checks hold; when the prefix is too short to read the interface of a
    /// large object, the format comes from its name and the interface is read on registration.
    pub fn examine(&self, rel: &str, info: &ObjectInfo, on_bytes: &mut dyn FnMut(u64)) -> (Option<FileRow>, Option<ItemError>) {
        let mut row = FileRow {
            path: rel.to_string(),
            size: info.size,
            mtime_ns: None,
            inode: None,
            sha256: None,
            etag: info.etag.clone(),
            version_id: info.version.clone(),
            last_modified: Some(info.last_modified.clone()),
            format: Format::Unknown.as_str().into(),
            sniffed: None,
            error: None,
        };
        if !is_candidate(rel) {
            return (Some(row), None);
        }
        let err = |message: String| ItemError { path: rel.to_string(), message };
        let dvc_file = super::dvc::is_dvc_file(rel);
        let want = if dvc_file { super::dvc::MAX_DVC_FILE + 1 } else { SNIFF_PREFIX };
        let bytes = match self.fetch_prefix(rel, want.min(info.size.max(1)), info.etag.as_deref()) {
            Ok(b) => b,
            Err(e) => return (None, Some(err(e))),
        };
        on_bytes(bytes.len() as u64);
        if dvc_file {
            row.format = "dvc".into();
            match super::dvc::parse(rel, &String::from_utf8_lossy(&bytes)) {
                Ok(stages) => row.sniffed = Some(serde_json::to_string(&stages).expect("stages serialise")),
                Err(e) => row.error = Some(format!("corrupt DVC file: {e}")),
            }
            let problem = row.error.clone().map(err);
            return (Some(row), problem);
        }
        let complete = bytes.len() as u64 >= info.size;
        let name = rel.rsplit('/').next().unwrap_or(rel);
        let sniffed = (|| {
            let dir = tempfile::tempdir().map_err(|e| format!("cannot create a temp folder: {e}"))?;
            let path = dir.path().join(name);
            let mut f = std::fs::File::create(&path).map_err(|e| e.to_string())?;
            f.write_all(&bytes).map_err(|e| e.to_string())?;
            f.set_len(info.size).map_err(|e| e.to_string())?;
            drop(f);
            Ok::<_, String>(sniff::sniff_file(&path).map_err(|e| super::local::strip_path(&e.to_string(), &path)))
        })();
        match sniffed {
            Err(e) => return (None, Some(err(e))),
            Ok(Ok(s)) if s.format != Format::Unknown => {
                row.format = s.format.as_str().into();
                row.sniffed = Some(serde_json::to_string(&s).expect("sniffed serialises"));
            }
            Ok(Ok(_)) => {}
            Ok(Err(_)) if super::local::guess_format(rel) == "unknown" => {}
            Ok(Err(e)) if complete => {
                row.format = super::local::guess_format(rel);
                row.error = Some(e);
            }
            // Only a prefix was read: the format from the name, the interface on registration.
            Ok(Err(_)) => row.format = super::local::guess_format(rel),
        }
        let problem = row.error.clone().map(err);
        (Some(row), problem)
    }
}

fn is_auth(e: &object_store::Error) -> bool {
    matches!(e, object_store::Error::PermissionDenied { .. } | object_store::Error::Unauthenticated { .. })
}

/// `href` values of an HTML page.
fn links(html: &str) -> Vec<String> {
    let mut out = Vec::new();
    let lower = html.to_ascii_lowercase();
    let mut at = 0;
    while let Some(i) = lower[at..].find("href=") {
        let start = at + i + 5;
        let rest = &html[start..];
        let (quote, body) = match rest.chars().next() {
            Some(q @ ('"' | '\'')) => (q, &rest[1..]),
            _ => (' ', rest),
        };
        let end = body.find(|c: char| c == quote || c == '>' || (quote == ' ' && c.is_whitespace())).unwrap_or(body.len());
        out.push(body[..end].to_string());
        at = start + end.max(1);
    }
    out
}

/// A link on the page for folder `dir` as a base-relative path, or None when it leaves the base
/// (parent links, other hosts, queries, anchors).
fn resolve_link(base: &str, dir: &str, href: &str) -> Option<String> {
    let href = href.replace("&amp;", "&");
    if href.is_empty() || href.starts_with('#') || href.starts_with('?') || href.contains("..") || href.starts_with("mailto:") {
        return None;
    }
    let rel = if let Some(rest) = href.strip_prefix(base) {
        rest.to_string()
    } else if href.contains("://") {
        return None;
    } else if href.starts_with('/') {
        let path = base.splitn(4, '/').nth(3).map(|p| format!("/{p}")).unwrap_or_else(|| "/".into());
        href.strip_prefix(&path)?.to_string()
    } else {
        format!("{dir}{href}")
    };
    let rel = percent_decode(rel.split(['?', '#']).next().unwrap_or_default());
    if rel.is_empty() || rel == "/" { None } else { Some(rel) }
}

fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' && i + 2 < b.len() {
            if let Ok(v) = u8::from_str_radix(&s[i + 1..i + 3], 16) {
                out.push(v);
                i += 3;
                continue;
            }
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn follows_autoindex_links_below_the_base_only() {
        let page = r#"<ul><li><a href="model.safetensors">m</a></li><li><a href='sub/'>s</a>
            <a href="../up/">u</a><a href="http://other/x">o</a><a href="?C=N;O=D">sort</a>
            <a href="/models/abs.onnx">a</a><a href="my%20file.gguf">f</a></ul>"#;
        let base = "http://127.0.0.1:8000/models/";
        let got: Vec<String> = links(page).iter().filter_map(|h| resolve_link(base, "d/", h)).collect();
        assert_eq!(got, vec!["d/model.safetensors", "d/sub/", "abs.onnx", "d/my file.gguf"]);
    }

    #[test]
    fn candidates_are_model_files_folder_markers_and_dvc_files() {
        for yes in ["a/model.safetensors", "MLmodel", "x/config.json", "dvc.lock", "data.csv.dvc", "w.GGUF", "p.bin"] {
            assert!(is_candidate(yes), "{yes}");
        }
        for no in ["data.csv", "README", "x/tokenizer.json"] {
            assert!(!is_candidate(no), "{no}");
        }
    }
}
