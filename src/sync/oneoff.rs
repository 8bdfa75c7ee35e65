//! One version in or out, outside a full sync: `pedigree push MODEL@VERSION --to NAME`, and
//! `pedigree pull HOST/REPO:TAG` of one OCI artifact — through a configured remote that covers
//! it (bound like any pull), or else read anonymously and registered with where it came from —
//! and `pedigree pull hf://ORG/NAME[@REVISION]` of one Hugging Face Hub repository (read-only).

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::staging::{self, Staged};
use super::{SyncError, SyncOptions, SyncReport};
use crate::catalog::remotes;
use crate::registry::register::{self as reg, RegisterRequest};
use crate::remote::hub::Hub;
use crate::remote::oci::{Oci, parse_address};
use crate::remote::{Remote, RemoteVersion};
use crate::workspace::Workspace;

/// `pedigree push MODEL@VERSION --to NAME`: one local version (and the model's aliases that
/// point at bound versions) sent to a remote, as a push-only sync of that model would; a
/// version there already is bound, not sent twice.
pub fn push_one(ws: &mut Workspace, remote: Option<&str>, reference: &str, actor: &str) -> Result<SyncReport, SyncError> {
    let name = super::one_remote(ws, remote)?;
    let v = crate::governance::resolve(ws.catalog.conn(), reference)?;
    let remote_model = remotes::bindings(ws.catalog.conn(), &name)?
        .into_iter()
        .find(|b| b.kind == "model" && b.local.as_deref() == Some(crate::ids::model_node(&v.model).as_str()))
        .map_or_else(|| v.model.clone(), |b| b.remote_key);
    let opts =
        SyncOptions { push_only: true, only_model: Some(remote_model), only_version: Some(v.version), ..Default::default() };
    super::sync(ws, Some(&name), &opts, actor, &crate::progress::ignore)
}

/// What `pedigree pull` brought.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct Pulled {
    /// `MODEL@VERSION` here.
    pub version: String,
    /// `HOST/REPO@sha256:…` it came from.
    pub source: String,
    /// The remote it is bound on, when a configured one covers it.
    pub remote: Option<String>,
}

/// `HOST[:PORT]/REPO:TAG` (or `…@sha256:…`) → (host, repo, tag or digest).
fn split_reference(reference: &str) -> Result<(String, String, String), SyncError> {
    let bad =
        || SyncError::BadValue { field: "reference", expected: "HOST[:PORT]/REPO:TAG or HOST[:PORT]/REPO@sha256:…".into() };
    let (host, rest) = reference.split_once('/').ok_or_else(bad)?;
    let (repo, tag) = match rest.split_once('@') {
        Some((repo, digest)) => (repo, digest),
        None => rest.rsplit_once(':').ok_or_else(bad)?,
    };
    if repo.is_empty() || tag.is_empty() {
        return Err(bad());
    }
    Ok((host.to_string(), repo.to_string(), tag.to_string()))
}

/// `pedigree pull HOST/REPO:TAG [--model NAME]`, or `pedigree pull hf://ORG/NAME[@REVISION]`.
pub fn pull_ref(ws: &mut Workspace, reference: &str, model: Option<&str>, actor: &str) -> Result<Pulled, SyncError> {
    if let Some(hub_ref) = reference.strip_prefix("hf://") {
        return pull_hub(ws, hub_ref, model, actor);
    }
    let (host, repo, tag) = split_reference(reference)?;
    // A configured remote on that registry whose prefix holds the repository: a pull bound there.
    if model.is_none() {
        for r in remotes::list(ws.catalog.conn())?.into_iter().filter(|r| r.kind == "oci") {
            let Ok((_, h, prefix)) = parse_address(&r.url) else { continue };
            let name = if prefix.is_empty() { Some(repo.as_str()) } else { repo.strip_prefix(&format!("{prefix}/")) };
            if let (true, Some(name)) = (h == host, name) {
                let report = super::fetch(ws, Some(&r.name), name, Some(&tag), actor, &crate::progress::ignore)?;
                let bound = remotes::binding(ws.catalog.conn(), &r.name, "version", &format!("{name}/{tag}"))?
                    .filter(|b| b.state == "bound")
                    .and_then(|b| b.local)
                    .ok_or_else(|| {
                        let why = report.first_reason().unwrap_or("the remote did not list it");
                        SyncError::Local(format!("{reference} was not pulled: {why}"))
                    })?;
                return Ok(Pulled {
                    version: bound.trim_start_matches("version:").into(),
                    source: reference.into(),
                    remote: Some(r.name),
                });
            }
        }
    }
    let oci = Oci::open(&host, crate::remote::http::Auth::None)?;
    let digest = if tag.starts_with("sha256:") {
        tag.clone()
    } else {
        oci.registry()
            .manifest_digest(&repo, &tag)?
            .ok_or_else(|| SyncError::Local(format!("{reference}: no such tag in the registry")))?
    };
    let local = local_model(model, &repo)?;
    let source = format!("{host}/{repo}@{digest}");
    let v = RemoteVersion { model: repo.clone(), version: tag.clone(), source: format!("oci://{source}"), ..Default::default() };
    let staged = Staged::new(&ws.root, "pull", &local, &v);
    let fetched = oci.fetch(&v, &staged.dir)?;
    staging::settle(ws, fetched, &staged.dir).map_err(|u| SyncError::Local(format!("{reference}: {}", u.0)))?;
    let req = RegisterRequest {
        model: local,
        version: crate::ids::parse_version(&tag).is_ok().then(|| tag.clone()),
        message: format!("imported from {source}"),
        ..Default::default()
    };
    let uri = format!("oci://{source}");
    let version =
        register_imported(ws, req, &staged, reference, ("oci_import", serde_json::json!({"source": uri})), &uri, actor)?;
    Ok(Pulled { version, source, remote: None })
}

/// The local model a pulled repository goes to: `--model`, else the repository's last name.
fn local_model(model: Option<&str>, repo: &str) -> Result<String, SyncError> {
    let local = model.map(str::to_string).unwrap_or_else(|| super::local_name(repo.rsplit('/').next().unwrap_or(repo)));
    crate::ids::validate_name(&local).map_err(|e| SyncError::Local(e.to_string()))?;
    Ok(local)
}

/// Registers the files staged for a one-off pull (hard-linked into the store), then records
/// where they came from: the audit event `(action, payload)` and the `imported_from` edge to
/// `uri`. Returns `MODEL@VERSION`.
pub(super) fn register_imported(
    ws: &mut Workspace,
    mut req: RegisterRequest,
    staged: &Staged,
    reference: &str,
    (action, payload): (&str, serde_json::Value),
    uri: &str,
    actor: &str,
) -> Result<String, SyncError> {
    req.paths = vec![staged.dir.display().to_string()];
    req.link = Some(crate::cas::Link::Hard);
    let r = reg::register(ws, &req, None, actor, &crate::progress::ignore)
        .map_err(|e| SyncError::Local(format!("{reference}: {e}")))?;
    ws.catalog.write(|tx| -> Result<(), SyncError> {
        let seq = crate::audit::append(tx, &crate::audit::now(), actor, action, &r.node, &payload)?;
        super::lineage::imported_from(tx, &r.node, uri, seq)
    })?;
    Ok(format!("{}@{}", r.model, r.version))
}

/// One Hugging Face Hub repository at a revision (default `main`; `HF_ENDPOINT` names another
/// Hub), read-only: every file checked against the LFS sha256 or git blob id the Hub lists,
/// registered with where it came from, and linked to the versions its card's `base_model`
/// names when those were imported (from the Hub or the cache) before. Importing the same commit
/// again returns the version it made.
fn pull_hub(ws: &mut Workspace, reference: &str, model: Option<&str>, actor: &str) -> Result<Pulled, SyncError> {
    let (repo, revision) = reference.split_once('@').unwrap_or((reference, "main"));
    let hub = Hub::open(None)?;
    let rev = hub.revision(repo, revision)?;
    let uri = format!("hf://{repo}@{}", rev.sha);
    let conn = ws.catalog.conn();
    if let Some(done) = crate::catalog::graph::imported_from_prefix(conn, &format!("source:{uri}"))?.first() {
        let version = done.trim_start_matches("version:").to_string();
        return Ok(Pulled { version, source: uri, remote: None });
    }
    if rev.files.is_empty() {
        return Err(SyncError::Local(format!("hf://{reference}: the revision has no files")));
    }
    let local = local_model(model, repo)?;
    let bases = rev.base_models.iter().map(String::as_str);
    let parents = crate::index::hf::parents(conn, bases, rev.base_model_relation.as_deref())?;
    let v =
        RemoteVersion { model: repo.to_string(), version: rev.sha[..12].to_string(), source: uri.clone(), ..Default::default() };
    let staged = Staged::new(&ws.root, "hf", &local, &v);
    for f in &rev.files {
        hub.download(&rev, f, &staged.dir, &mut |_| {})?;
    }
    let req = RegisterRequest { model: local, parents, message: format!("imported from {uri}"), ..Default::default() };
    let payload = serde_json::json!({"source": uri, "files": rev.files.len()});
    let version = register_imported(ws, req, &staged, &format!("hf://{reference}"), ("hf_import", payload), &uri, actor)?;
    Ok(Pulled { version, source: uri, remote: None })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_name_a_registry_a_repository_and_a_tag_or_digest() {
        let (h, r, t) = split_reference("127.0.0.1:5000/team/churn:1.2.0").unwrap();
        assert_eq!((h.as_str(), r.as_str(), t.as_str()), ("127.0.0.1:5000", "team/churn", "1.2.0"));
        let (_, r, t) = split_reference("ghcr.io/acme/m@sha256:abc").unwrap();
        assert_eq!((r.as_str(), t.as_str()), ("acme/m", "sha256:abc"));
        for bad in ["churn", "ghcr.io/acme", "ghcr.io/:x"] {
            assert!(split_reference(bad).is_err(), "{bad}");
        }
    }
}
