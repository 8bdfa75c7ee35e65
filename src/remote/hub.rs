//! The Hugging Face Hub, read-only: one model repository at one revision, over the Hub's HTTP
//! API (`/api/models/REPO/revision/REV` for the commit and the model card's data,
//! `/api/models/REPO/tree/COMMIT?recursive=true` for the files, `/REPO/resolve/COMMIT/PATH` for
//! the bytes). Answers are hostile: listings are capped, paths must stay inside the folder, and
//! every file is checked while it streams — size, and the LFS sha256 (or, for a file kept in git,
//! its git blob id) the listing gave — so a file that does not match refuses the import.

use std::io::Write;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use super::RemoteError;
use super::http::{read_capped, root_cause};

pub const KIND: &str = "Hugging Face Hub";

/// Largest listing or info answer read.
const MAX_JSON: usize = 32 << 20;
/// Most pages of a tree listing followed.
const MAX_PAGES: usize = 1000;

/// One file of a revision.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HubFile {
    pub path: String,
    pub size: u64,
    /// Git's blob id (of the LFS pointer for LFS files).
    pub blob_id: String,
    /// The LFS object's sha256, for files stored in LFS.
    pub lfs_sha256: Option<String>,
}

/// A repository at a revision.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HubRevision {
    /// `ORG/NAME`.
    pub repo: String,
    /// The commit the revision resolved to.
    pub sha: String,
    pub files: Vec<HubFile>,
    /// The model card's `base_model` entries and `base_model_relation`, from `cardData`.
    pub base_models: Vec<String>,
    pub base_model_relation: Option<String>,
}

pub struct Hub {
    endpoint: url::Url,
    token: Option<String>,
    http: reqwest::Client,
    rt: tokio::runtime::Runtime,
    requests: AtomicU64,
}

/// `ORG/NAME` or `NAME`, in the Hub's characters.
pub fn valid_repo(repo: &str) -> bool {
    let part = |p: &str| !p.is_empty() && p.len() <= 96 && p.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b));
    let parts: Vec<&str> = repo.split('/').collect();
    parts.len() <= 2 && parts.iter().all(|p| part(p) && *p != "." && *p != "..")
}

impl Hub {
    /// The Hub at `endpoint`, else `HF_ENDPOINT`, else https://huggingface.co; a token from
    /// `HF_TOKEN` when set (sent to that host only).
    pub fn open(endpoint: Option<&str>) -> Result<Hub, RemoteError> {
        let env = std::env::var("HF_ENDPOINT").ok().filter(|e| !e.is_empty());
        let raw = endpoint.map(str::to_string).or(env).unwrap_or_else(|| "https://huggingface.co".into());
        let bad = |why: String| RemoteError::Bad { kind: KIND, what: "the Hub address".into(), why };
        let mut endpoint = url::Url::parse(&raw).map_err(|e| bad(format!("{raw}: {e}")))?;
        if !matches!(endpoint.scheme(), "http" | "https") {
            return Err(bad(format!("{raw}: not an http(s) address")));
        }
        if !endpoint.path().ends_with('/') {
            endpoint.set_path(&format!("{}/", endpoint.path()));
        }
        let token = std::env::var("HF_TOKEN").ok().filter(|t| !t.is_empty());
        let (http, rt) = super::http::client(Duration::from_secs(3600)).map_err(bad)?;
        Ok(Hub { endpoint, token, http, rt, requests: AtomicU64::new(0) })
    }

    pub fn url(&self) -> String {
        self.endpoint.as_str().trim_end_matches('/').to_string()
    }

    pub fn requests(&self) -> u64 {
        self.requests.load(Ordering::Relaxed)
    }

    fn get(&self, url: url::Url) -> reqwest::RequestBuilder {
        self.requests.fetch_add(1, Ordering::Relaxed);
        let same_host = url.host_str() == self.endpoint.host_str() && url.port() == self.endpoint.port();
        let r = self.http.get(url);
        match &self.token {
            Some(t) if same_host => r.bearer_auth(t),
            _ => r,
        }
    }

    async fn send(&self, what: &str, req: reqwest::RequestBuilder) -> Result<reqwest::Response, RemoteError> {
        let resp = req.send().await.map_err(|e| RemoteError::Unreachable { kind: KIND, url: self.url(), why: root_cause(&e) })?;
        let status = resp.status().as_u16();
        if status == 401 || status == 403 {
            let hint = "the repository is private or gated: set HF_TOKEN to a token that may read it";
            return Err(RemoteError::Unauthorized { kind: KIND, url: self.url(), status, hint });
        }
        if !resp.status().is_success() {
            let code = resp.headers().get("x-error-code").and_then(|v| v.to_str().ok()).unwrap_or_default().to_string();
            let message = resp.headers().get("x-error-message").and_then(|v| v.to_str().ok()).unwrap_or_default().to_string();
            let message = if message.is_empty() { "no such repository, revision or file".to_string() } else { message };
            return Err(RemoteError::Http { kind: KIND, what: what.into(), status, code, message });
        }
        Ok(resp)
    }

    async fn json(&self, what: &str, url: url::Url) -> Result<(serde_json::Value, Option<String>), RemoteError> {
        let resp = self.send(what, self.get(url)).await?;
        let next = next_link(resp.headers());
        let bad = |why: String| RemoteError::Bad { kind: KIND, what: what.into(), why };
        let body = read_capped(resp, MAX_JSON).await.map_err(bad)?;
        let v = serde_json::from_slice(&body).map_err(|e| bad(format!("not JSON: {e}")))?;
        Ok((v, next))
    }

    fn api(&self, repo: &str, rest: &str) -> url::Url {
        self.endpoint.join(&format!("api/models/{repo}/{rest}")).expect("a relative path")
    }

    /// The repository at `revision` (a branch, tag or commit): its commit, files and card data.
    pub fn revision(&self, repo: &str, revision: &str) -> Result<HubRevision, RemoteError> {
        let what = format!("{repo}@{revision}");
        let bad = |why: String| RemoteError::Bad { kind: KIND, what: what.clone(), why };
        if !valid_repo(repo) {
            return Err(bad("not a repository id (ORG/NAME)".into()));
        }
        let rev = urlencoding(revision);
        let (info, _) = self.rt.block_on(self.json(&what, self.api(repo, &format!("revision/{rev}"))))?;
        let sha = info["sha"].as_str().unwrap_or_default().to_string();
        if sha.len() != 40 || !sha.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(bad("the answer names no commit (sha)".into()));
        }
        let card = &info["cardData"];
        let base_models = match &card["base_model"] {
            serde_json::Value::String(s) => vec![s.clone()],
            serde_json::Value::Array(a) => a.iter().filter_map(|v| v.as_str().map(str::to_string)).collect(),
            _ => Vec::new(),
        };
        let base_model_relation = card["base_model_relation"].as_str().map(str::to_string);
        let mut files = Vec::new();
        let mut url = Some(self.api(repo, &format!("tree/{sha}?recursive=true")));
        let mut pages = 0;
        while let Some(u) = url.take() {
            pages += 1;
            if pages > MAX_PAGES {
                return Err(bad(format!("the tree listing goes on past {MAX_PAGES} pages")));
            }
            let (page, next) = self.rt.block_on(self.json(&what, u))?;
            let entries = page.as_array().ok_or_else(|| bad("the tree listing is not a list".into()))?;
            for e in entries.iter().filter(|e| e["type"] == "file") {
                files.push(tree_file(e).map_err(bad)?);
            }
            // Only pages of the same Hub are followed.
            url = next
                .and_then(|n| self.endpoint.join(&n).ok())
                .filter(|n| n.host_str() == self.endpoint.host_str() && n.port() == self.endpoint.port());
        }
        files.sort_by(|a, b| a.path.cmp(&b.path));
        files.dedup_by(|a, b| a.path == b.path);
        Ok(HubRevision { repo: repo.to_string(), sha, files, base_models, base_model_relation })
    }

    /// Downloads one file of the commit into `dir` (at its path), checking its size and hash
    /// while it streams; `on_bytes` gets each chunk's length.
    pub fn download(&self, rev: &HubRevision, f: &HubFile, dir: &Path, on_bytes: &mut dyn FnMut(u64)) -> Result<(), RemoteError> {
        let what = format!("{}@{} {}", rev.repo, &rev.sha[..12], f.path);
        let bad = |why: String| RemoteError::Bad { kind: KIND, what: what.clone(), why };
        let rel = super::safe_rel(&f.path).ok_or_else(|| bad("a path outside the repository".into()))?;
        let dest = dir.join(rel);
        if let Some(parent) = dest.parent() {
            std::fs::create_dir_all(parent).map_err(|e| bad(format!("{}: {e}", parent.display())))?;
        }
        let path: String = f.path.split('/').map(urlencoding).collect::<Vec<_>>().join("/");
        let url = self.endpoint.join(&format!("{}/resolve/{}/{path}", rev.repo, rev.sha)).expect("a relative path");
        let mut out = std::fs::File::create(&dest).map_err(|e| bad(format!("{}: {e}", dest.display())))?;
        let result = self.rt.block_on(async {
            let mut resp = self.send(&what, self.get(url)).await?;
            let mut sha256 = openssl::sha::Sha256::new();
            let mut git = crate::hash::GitBlobSha1::new(f.size);
            let mut n = 0u64;
            while let Some(chunk) =
                resp.chunk().await.map_err(|e| RemoteError::Unreachable { kind: KIND, url: self.url(), why: root_cause(&e) })?
            {
                n += chunk.len() as u64;
                if n > f.size {
                    return Err(bad(format!("more than the {} bytes the listing says", f.size)));
                }
                sha256.update(&chunk);
                git.update(&chunk);
                out.write_all(&chunk).map_err(|e| bad(format!("cannot write: {e}")))?;
                on_bytes(chunk.len() as u64);
            }
            if n != f.size {
                return Err(bad(format!("{n} bytes arrived, the listing says {}", f.size)));
            }
            match &f.lfs_sha256 {
                Some(want) => {
                    let got = hex::encode(sha256.finish());
                    if !got.eq_ignore_ascii_case(want) {
                        return Err(bad(format!("the bytes hash to sha256 {got}, the Hub lists {want}")));
                    }
                }
                None => {
                    let got = git.finish();
                    if !got.eq_ignore_ascii_case(&f.blob_id) {
                        return Err(bad(format!("the bytes hash to git blob {got}, the Hub lists {}", f.blob_id)));
                    }
                }
            }
            Ok(())
        });
        if result.is_err() {
            let _ = std::fs::remove_file(&dest);
        }
        result
    }
}

/// One `type: file` entry of a tree listing.
fn tree_file(e: &serde_json::Value) -> Result<HubFile, String> {
    let path = e["path"].as_str().ok_or("a tree entry without a path")?.to_string();
    let hex = |v: &serde_json::Value, n: usize| {
        v.as_str().filter(|s| s.len() == n && s.bytes().all(|b| b.is_ascii_hexdigit())).map(str::to_lowercase)
    };
    let blob_id = hex(&e["oid"], 40).ok_or_else(|| format!("{path}: no git blob id (oid)"))?;
    let (size, lfs_sha256) = match e.get("lfs").filter(|l| l.is_object()) {
        Some(l) => {
            let sha = hex(&l["oid"], 64)
                .or_else(|| hex(&l["sha256"], 64))
                .ok_or_else(|| format!("{path}: an LFS entry without its sha256"))?;
            (l["size"].as_u64().ok_or_else(|| format!("{path}: an LFS entry without its size"))?, Some(sha))
        }
        None => (e["size"].as_u64().ok_or_else(|| format!("{path}: no size"))?, None),
    };
    Ok(HubFile { path, size, blob_id, lfs_sha256 })
}

/// The `rel="next"` target of a `Link` header (the Hub pages tree listings this way).
fn next_link(headers: &reqwest::header::HeaderMap) -> Option<String> {
    let link = headers.get(reqwest::header::LINK)?.to_str().ok()?;
    link.split(',').find(|p| p.contains("rel=\"next\"")).and_then(|p| {
        let start = p.find('<')? + 1;
        let end = p.find('>')?;
        (start <= end).then(|| p[start..end].to_string())
    })
}

/// Percent-encodes a path segment (a revision like `refs/pr/1` becomes one segment).
fn urlencoding(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repository_ids_and_tree_entries_are_checked() {
        assert!(valid_repo("acme/tiny-bert") && valid_repo("gpt2"));
        for bad in ["", "a/b/c", "../x", "a/..", "a b/c", "a/"] {
            assert!(!valid_repo(bad), "{bad}");
        }
        let lfs = serde_json::json!({"type": "file", "path": "m.safetensors", "size": 134, "oid": "a".repeat(40),
            "lfs": {"oid": "B".repeat(64), "size": 9000, "pointerSize": 134}});
        let f = tree_file(&lfs).unwrap();
        assert_eq!((f.size, f.lfs_sha256.as_deref()), (9000, Some("b".repeat(64).as_str())));
        let plain = serde_json::json!({"type": "file", "path": "config.json", "size": 20, "oid": "c".repeat(40)});
        assert_eq!(tree_file(&plain).unwrap().lfs_sha256, None);
        assert!(tree_file(&serde_json::json!({"type": "file", "path": "x", "size": 1, "oid": "zz"})).is_err());
        assert_eq!(urlencoding("refs/pr/1"), "refs%2Fpr%2F1");
    }
}
