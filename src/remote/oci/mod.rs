//! The OCI kind: a registry (Harbor, GHCR, ECR, a plain `registry`) holding models as CNCF
//! ModelPack artifacts, a version at `PREFIX/MODEL:VERSION` and its aliases as extra tags of the
//! same manifest. Listing a registry is a catalog page per 1,000 repositories, a tag list per
//! model and a `HEAD` per tag (a tag's digest is the only way to see it moved). Pushes are
//! ModelPack exports (`modelpack`): the same version gives the same manifest digest, and a blob
//! the registry has is not uploaded again. Pulls verify every blob against its digest while it
//! streams to disk.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Mutex;

use serde_json::Value;

use super::{Fetched, Push, Pushed, Remote, RemoteError, RemoteModel, RemoteRun, RemoteVersion, safe_rel};

mod attest;
pub mod client;
mod layers;
pub mod modelpack;
mod token;

pub use client::Registry;

/// A registry and the repository prefix models live under.
pub struct Oci {
    reg: Registry,
    /// `HOST[:PORT]`, as sources name it.
    host: String,
    /// `team/models` (no slashes around; may be empty).
    prefix: String,
    /// The models under the prefix, and each model's tags and their digests: listed once per
    /// sync (a sync lists models, then versions), again after a push changed them.
    names: Mutex<Option<Vec<String>>>,
    tagged: Mutex<BTreeMap<String, Vec<(String, String)>>>,
}

/// `[http(s)://]HOST[:PORT][/PREFIX]` → (base URL, host, prefix). Without a scheme, loopback
/// hosts are spoken to over plain HTTP (as Docker does) and every other over HTTPS.
pub fn parse_address(address: &str) -> Result<(url::Url, String, String), String> {
    let (scheme, rest) = match address.split_once("://") {
        Some((s @ ("http" | "https"), rest)) => (Some(s), rest),
        Some((s, _)) => {
            return Err(format!(
                "{s}:// is not a registry scheme (use HOST[:PORT]/PREFIX, or http:// for a plain-HTTP registry)"
            ));
        }
        None => (None, address),
    };
    let (host, prefix) = rest.split_once('/').unwrap_or((rest, ""));
    let prefix = prefix.trim_matches('/').to_string();
    let bare = host.rsplit_once(':').map_or(host, |(h, _)| h);
    let loopback = matches!(bare, "localhost" | "127.0.0.1" | "[::1]");
    let scheme = scheme.unwrap_or(if loopback { "http" } else { "https" });
    let base = url::Url::parse(&format!("{scheme}://{host}/")).map_err(|e| format!("{host}: {e}"))?;
    if base.host_str().is_none() || !base.username().is_empty() || base.password().is_some() {
        return Err("give HOST[:PORT]/PREFIX; credentials go in --username (password on stdin)".into());
    }
    if !prefix
        .split('/')
        .all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "._-".contains(c)))
        && !prefix.is_empty()
    {
        return Err(format!("{prefix}: a repository prefix is lower-case letters, digits, '.', '_', '-' and '/'"));
    }
    Ok((base, host.to_string(), prefix))
}

fn is_semver(tag: &str) -> bool {
    crate::ids::parse_version(tag).is_ok()
}

impl Oci {
    pub fn open(address: &str, auth: crate::remote::http::Auth) -> Result<Oci, RemoteError> {
        let (base, host, prefix) =
            parse_address(address).map_err(|why| RemoteError::Bad { kind: client::KIND, what: address.into(), why })?;
        Ok(Oci { reg: Registry::new(base, auth)?, host, prefix, names: Mutex::new(None), tagged: Mutex::new(BTreeMap::new()) })
    }

    pub fn registry(&self) -> &Registry {
        &self.reg
    }

    fn repo(&self, model: &str) -> String {
        if self.prefix.is_empty() { model.to_string() } else { format!("{}/{model}", self.prefix) }
    }

    /// Every model: the repositories under the prefix.
    fn model_names(&self) -> Result<Vec<String>, RemoteError> {
        if let Some(n) = self.names.lock().expect("no panic while held").as_ref() {
            return Ok(n.clone());
        }
        let under = if self.prefix.is_empty() { String::new() } else { format!("{}/", self.prefix) };
        let names: Vec<String> =
            self.reg.catalog()?.into_iter().filter_map(|r| r.strip_prefix(&under).map(str::to_string)).collect();
        *self.names.lock().expect("no panic while held") = Some(names.clone());
        Ok(names)
    }

    /// A model's tags and the digests they point at.
    fn tagged(&self, model: &str) -> Result<Vec<(String, String)>, RemoteError> {
        if let Some(t) = self.tagged.lock().expect("no panic while held").get(model) {
            return Ok(t.clone());
        }
        let repo = self.repo(model);
        let mut out = Vec::new();
        for tag in self.reg.tags(&repo)? {
            if let Some(d) = self.reg.manifest_digest(&repo, &tag)? {
                out.push((tag, d));
            }
        }
        self.tagged.lock().expect("no panic while held").insert(model.to_string(), out.clone());
        Ok(out)
    }

    /// The layer digests a ModelPack config lists, when the manifest's config is one (`Ok(Err)`:
    /// the config is refused).
    fn config(&self, repo: &str, manifest: &Value) -> Result<Result<Option<Vec<String>>, String>, RemoteError> {
        let c = &manifest["config"];
        if c["mediaType"].as_str() != Some(modelpack::CONFIG) {
            return Ok(Ok(None));
        }
        let (Some(digest), Some(size)) = (c["digest"].as_str(), c["size"].as_u64().filter(|s| *s <= 1 << 20)) else {
            return Ok(Err("its ModelPack config has no digest, or is over 1 MiB".into()));
        };
        let mut bytes = Vec::new();
        match self.reg.pull_blob(repo, digest, size, &mut bytes) {
            Ok(_) => {}
            Err(RemoteError::Bad { why, .. }) => return Ok(Err(format!("its config: {why}"))),
            Err(e) => return Err(e),
        }
        let config: Value = match serde_json::from_slice(&bytes) {
            Ok(v) => v,
            Err(e) => return Ok(Err(format!("its config is not JSON: {e}"))),
        };
        Ok(layers::diff_ids(&config)
            .map(Some)
            .ok_or_else(|| "its ModelPack config lists no layers (modelfs.diffIds)".to_string()))
    }

    /// After a write to `model`: its tags, and the models (a push may have made its repository),
    /// are listed again when next asked.
    fn forget(&self, model: &str) {
        self.tagged.lock().expect("no panic while held").remove(model);
        *self.names.lock().expect("no panic while held") = None;
    }
}

pub(super) fn bad(what: String, why: impl Into<String>) -> RemoteError {
    RemoteError::Bad { kind: client::KIND, what, why: why.into() }
}

impl Remote for Oci {
    fn models(&self) -> Result<Vec<RemoteModel>, RemoteError> {
        let mut out = Vec::new();
        for name in self.model_names()? {
            let tagged = self.tagged(&name)?;
            let version_of: BTreeMap<&str, &str> =
                tagged.iter().filter(|(t, _)| is_semver(t)).map(|(t, d)| (d.as_str(), t.as_str())).collect();
            // An alias whose manifest no version tag has any more (that tag moved) points at the
            // manifest itself: no version here is bound to it, so nothing follows it.
            let aliases = tagged
                .iter()
                .filter(|(t, _)| !is_semver(t))
                .map(|(t, d)| (t.clone(), version_of.get(d.as_str()).map_or_else(|| d.clone(), |v| v.to_string())))
                .collect();
            // No timestamps here: the change marker is a fingerprint of the tags and where they
            // point, so a tag that moved makes the model look changed.
            let mut listed: Vec<String> = tagged.iter().map(|(t, d)| format!("{t}={d}")).collect();
            listed.sort();
            let print = crate::hash::sha256_hex(listed.join("\n").as_bytes());
            let updated = i64::from_str_radix(&print[..15], 16).expect("hex");
            out.push(RemoteModel { name, aliases, updated, ..Default::default() });
        }
        Ok(out)
    }

    fn versions(&self, model: &str) -> Result<Vec<RemoteVersion>, RemoteError> {
        let repo = self.repo(model);
        Ok(self
            .tagged(model)?
            .into_iter()
            .filter(|(t, _)| is_semver(t))
            .map(|(tag, digest)| RemoteVersion {
                model: model.to_string(),
                source: format!("oci://{}/{repo}@{digest}", self.host),
                tags: [("pedigree.semver".to_string(), tag.clone())].into(),
                version: tag,
                ..Default::default()
            })
            .collect())
    }

    fn all_versions(&self) -> Result<Vec<RemoteVersion>, RemoteError> {
        let mut out = Vec::new();
        for m in self.model_names()? {
            out.extend(self.versions(&m)?);
        }
        Ok(out)
    }

    fn fetch(&self, v: &RemoteVersion, dir: &Path) -> Result<Fetched, RemoteError> {
        let repo = self.repo(&v.model);
        let Some(digest) = v.source.rsplit_once('@').map(|(_, d)| d.to_string()) else {
            return Ok(Fetched::Failed(format!("{} names no manifest digest", v.source)));
        };
        let Some((bytes, _)) = self.reg.manifest(&repo, &digest)? else {
            return Ok(Fetched::Failed(format!("{repo}@{digest} is not in the registry any more")));
        };
        let manifest: Value = serde_json::from_slice(&bytes).map_err(|e| bad(format!("{repo}@{digest}"), e.to_string()))?;
        let layers = match manifest["layers"].as_array() {
            Some(l) if !l.is_empty() => l,
            _ => return Ok(Fetched::Failed(format!("{repo}@{digest} is not an artifact with files (no layers)"))),
        };
        std::fs::create_dir_all(dir).map_err(|e| bad(dir.display().to_string(), e.to_string()))?;
        // A ModelPack config lists its layers (`diffIds`, or `diff_ids` before v0.0.7): a raw
        // layer it does not list is refused.
        let listed = match self.config(&repo, &manifest)? {
            Ok(c) => c,
            Err(why) => return Ok(Fetched::Failed(why)),
        };
        for (i, layer) in layers.iter().enumerate() {
            let media = layer["mediaType"].as_str().unwrap_or_default();
            let notes = &layer["annotations"];
            let path = notes[modelpack::FILEPATH].as_str().or_else(|| notes[modelpack::TITLE].as_str()).unwrap_or_default();
            let kind = layers::kind(media, notes);
            let (Some(ld), Some(size)) = (layer["digest"].as_str(), layer["size"].as_u64()) else {
                return Ok(Fetched::Failed(format!("layer {i}: no digest or size")));
            };
            if kind == layers::Kind::File
                && let Some(ids) = &listed
                && !ids.iter().any(|d| d == ld)
            {
                return Ok(Fetched::Failed(format!("{path}: its layer {ld} is not among the config's diffIds")));
            }
            // A file lands at its path; an archive is read from a file beside the model.
            let dest = match kind {
                layers::Kind::File => match safe_rel(path) {
                    Some(rel) => dir.join(rel),
                    None => return Ok(Fetched::Failed(format!("a layer names {path:?}, which is not a path inside the model"))),
                },
                layers::Kind::Tar(_) => dir.with_file_name(format!("layer-{i}.tar")),
            };
            let local = |e: std::io::Error| bad(dest.display().to_string(), e.to_string());
            std::fs::create_dir_all(dest.parent().expect("joined path has a parent")).map_err(local)?;
            let mut out = std::fs::File::create(&dest).map_err(local)?;
            match self.reg.pull_blob(&repo, ld, size, &mut out) {
                Ok(_) => {}
                // Refused: bytes that are not what the manifest says never reach the catalog.
                Err(RemoteError::Bad { why, .. }) => return Ok(Fetched::Failed(format!("{path}: {why}"))),
                Err(e) => return Err(e),
            }
            if let layers::Kind::Tar(compression) = kind {
                // An archive holds the model's paths (an ORAS folder's start with its name).
                let taken = layers::extract(&dest, compression, dir);
                let _ = std::fs::remove_file(&dest);
                if let Err(why) = taken {
                    return Ok(Fetched::Failed(format!("layer {i} ({media}): {why}")));
                }
            }
        }
        Ok(Fetched::Here)
    }

    fn requests(&self) -> u32 {
        self.reg.requests.load(std::sync::atomic::Ordering::Relaxed) as u32
    }

    fn find_pushed(&self, model: &str, manifest_digest: &str) -> Result<Option<String>, RemoteError> {
        let repo = self.repo(model);
        for (tag, digest) in self.tagged(model)?.into_iter().filter(|(t, _)| is_semver(t)) {
            let Some((bytes, _)) = self.reg.manifest(&repo, &digest)? else { continue };
            let m: Value = serde_json::from_slice(&bytes).unwrap_or_default();
            if m["annotations"][modelpack::PEDIGREE_DIGEST].as_str() == Some(manifest_digest) {
                return Ok(Some(tag));
            }
        }
        Ok(None)
    }

    fn push(&self, p: &Push) -> Result<Pushed, RemoteError> {
        let record = p.record.as_ref().ok_or_else(|| bad(p.model.clone(), "nothing to export"))?;
        let export = modelpack::export(record);
        let repo = self.repo(&p.model);
        let files: BTreeMap<&str, &std::path::PathBuf> = p.files.iter().map(|(rel, f)| (rel.as_str(), f)).collect();
        for l in &export.layers {
            if self.reg.blob_exists(&repo, &l.digest)? {
                continue;
            }
            let file = files.get(l.path.as_str()).ok_or_else(|| bad(l.path.clone(), "not among the version's files"))?;
            let body = self.reg.file_body(file)?;
            self.reg.push_blob(&repo, &l.digest, body, l.size)?;
        }
        self.reg.push_bytes_once(&repo, &export.config)?;
        crate::sync::crash_point("push-uploaded");
        self.reg.put_manifest(&repo, &record.summary.version, &export.manifest, modelpack::MANIFEST)?;
        self.forget(&p.model);
        Ok(Pushed {
            version: record.summary.version.clone(),
            source: Some(format!("oci://{}/{repo}@{}", self.host, export.digest)),
        })
    }

    fn set_alias(&self, model: &str, alias: &str, version: &str) -> Result<(), RemoteError> {
        let repo = self.repo(model);
        let (bytes, media) = self.reg.manifest(&repo, version)?.ok_or_else(|| bad(format!("{repo}:{version}"), "no such tag"))?;
        let media = if media.is_empty() { modelpack::MANIFEST.to_string() } else { media };
        self.reg.put_manifest(&repo, alias, &bytes, &media)?;
        self.forget(model);
        Ok(())
    }

    fn run(&self, _run_id: &str) -> Result<Option<RemoteRun>, RemoteError> {
        Ok(None)
    }

    fn set_field(&self, model: &str, _version: Option<&str>, field: &str, _value: Option<&str>) -> Result<(), RemoteError> {
        Err(bad(format!("{field} of {model}"), "an OCI registry keeps no descriptions or tags"))
    }

    fn has_fields(&self) -> bool {
        false
    }

    fn attach(&self, model: &str, version: &str, envelope: &[u8]) -> Result<String, RemoteError> {
        let (digest, native) = Oci::attach(self, model, version, envelope)?;
        let how = if native { "indexed by the registry's referrers API" } else { "listed at the referrers fallback tag" };
        Ok(format!("{}/{}@{digest} ({how})", self.host, self.repo(model)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_name_a_host_and_a_prefix_with_loopback_over_plain_http() {
        let (base, host, prefix) = parse_address("127.0.0.1:5000/team/models").unwrap();
        assert_eq!((base.as_str(), host.as_str(), prefix.as_str()), ("http://127.0.0.1:5000/", "127.0.0.1:5000", "team/models"));
        let (base, _, prefix) = parse_address("ghcr.io/acme").unwrap();
        assert_eq!((base.as_str(), prefix.as_str()), ("https://ghcr.io/", "acme"));
        assert_eq!(parse_address("http://registry.lan/x").unwrap().0.as_str(), "http://registry.lan/");
        for bad in ["ftp://x/y", "user:pw@ghcr.io/acme", "ghcr.io/Acme", "ghcr.io/a//b"] {
            assert!(parse_address(bad).is_err(), "{bad}");
        }
    }
}
