//! `pedigree bundle import FILE --trust KEY`: everything in the file checked before anything is
//! written, then each version registered from the verified bytes (parents first) with where it
//! came from and who signed it.

use std::collections::{BTreeMap, HashMap};
use std::io::Read;
use std::path::{Component, Path, PathBuf};

use serde_json::json;

use super::{BODY, Body, BundleImported, BundledVersion, MAX_BODY};
use crate::catalog::{graph, models};
use crate::identity::ssh;
use crate::registry::register::{ParentLink, RegisterRequest};
use crate::remote::RemoteVersion;
use crate::sync::SyncError;
use crate::sync::staging::Staged;
use crate::workspace::Workspace;

fn refused(why: impl std::fmt::Display) -> SyncError {
    SyncError::Local(format!("bundle refused, nothing was imported: {why}"))
}

/// Imports the bundle `file`, whose signer must be `trust` (an `ssh-ed25519 AAAA…` line).
/// Versions go to model `PREFIX + MODEL`.
pub fn import(ws: &mut Workspace, file: &Path, trust: &str, prefix: &str, actor: &str) -> Result<BundleImported, SyncError> {
    let trusted = ssh::parse_public_key_line(trust.trim()).map_err(|e| {
        SyncError::Local(format!(
            "--trust takes the signer's public key line (ssh-ed25519 AAAA…, as `pedigree identity show` prints it): {e}"
        ))
    })?;
    let opened = std::fs::File::open(file).map_err(|e| SyncError::Local(format!("{}: {e}", file.display())))?;
    let mut archive = tar::Archive::new(std::io::BufReader::new(opened));
    let mut entries = archive.entries().map_err(refused)?;
    let (body, signatures) = read_body(&mut entries)?;
    let signer = ssh::parse_public_key_line(&body.signer).map_err(refused)?;
    let who = format!("{} <{}> {}", body.signer_name, body.signer_email, ssh::fingerprint(&signer));
    if signer != trusted {
        return Err(refused(format!("it is signed by {who}, not by the key you trust ({})", ssh::fingerprint(&trusted))));
    }
    check_versions(&body, prefix)?;
    // Verified objects taken out of the bundle, in a folder removed when dropped.
    let staging = ws.root.join(crate::index::stage::STAGING);
    let unpacked = std::fs::create_dir_all(&staging)
        .and_then(|()| tempfile::Builder::new().prefix("bundle-").tempdir_in(&staging))
        .map_err(|e| SyncError::Local(format!("{}: {e}", staging.display())))?;
    let objects = read_objects(ws, &body, &mut entries, unpacked.path())?;

    let source = |v: &BundledVersion| format!("bundle://{}/{}@{}", hex::encode(signer), v.model, v.version);
    let mut already = plan(ws, &body, prefix, &source)?;
    // Bundle `MODEL@VERSION` → the version here (for the parent links of those that follow).
    let mut here: HashMap<String, String> = already.iter().cloned().collect();
    let mut events: HashMap<String, Vec<&crate::audit::wire::WireEvent>> = HashMap::new();
    for e in &body.events {
        let subject: serde_json::Value = serde_json::from_str(&e.record).unwrap_or_default();
        if let Some(s) = subject["subject"].as_str().and_then(|s| s.strip_prefix("version:"))
            && let Some(v) = body.versions.iter().find(|v| v.version_key() == s)
        {
            events.entry(v.version_key()).or_default().push(e);
        }
    }
    let mut imported = Vec::new();
    for v in &body.versions {
        let key = v.version_key();
        if already.iter().any(|(k, _)| *k == key) {
            continue;
        }
        let local = format!("{prefix}{}", v.model);
        let trained_on = ws.catalog.write(|tx| -> Result<Vec<String>, SyncError> {
            let extra = json!({"bundleSigner": ssh::fingerprint(&signer)});
            v.trained_on
                .iter()
                .map(|d| {
                    let name = format!("{prefix}{}", d.dataset);
                    Ok(crate::sync::lineage::external_dataset(tx, &name, &d.root_digest, &d.source_uri, extra.clone(), actor)?)
                })
                .collect()
        })?;
        let staged = Staged::new(
            &ws.root,
            "bundle",
            &local,
            &RemoteVersion { model: v.model.clone(), version: v.version.clone(), ..Default::default() },
        );
        for f in &v.files {
            let dest = staged.dir.join(&f.path);
            let from = objects.get(&f.sha256).cloned().unwrap_or_else(|| ws.cas.object_path(&f.sha256));
            let io = |e: std::io::Error| SyncError::Local(format!("staging {}: {e}", dest.display()));
            std::fs::create_dir_all(dest.parent().expect("staged files are inside the folder")).map_err(io)?;
            if std::fs::hard_link(&from, &dest).is_err() {
                std::fs::copy(&from, &dest).map_err(io)?;
            }
        }
        if staged.root_digest()? != v.root_digest {
            return Err(SyncError::Local(format!(
                "{}@{}: its files do not give the root digest the bundle names; not imported",
                v.model, v.version
            )));
        }
        let parents = v
            .parents
            .iter()
            .map(|p| ParentLink {
                parent: here.get(&p.parent).cloned().unwrap_or_else(|| format!("{prefix}{}", p.parent)),
                relation: p.relation.clone(),
            })
            .collect();
        let mut message = format!("imported from a bundle signed by {who}, not a member here");
        if !v.message.is_empty() {
            message = format!("{} ({message})", v.message);
        }
        let req = RegisterRequest {
            model: local,
            version: Some(v.version.clone()),
            parents,
            trained_on,
            params: v.params.clone(),
            metrics: v.metrics.clone(),
            message,
            code: v.code.clone(),
            environment: v.environment.clone(),
            run: v.run.clone(),
            ..Default::default()
        };
        let uri = source(v);
        let carried = events.get(&key).map(|e| e.as_slice()).unwrap_or_default();
        let payload = json!({
            "source": uri, "signer": body.signer, "signerName": body.signer_name, "signerEmail": body.signer_email,
            "signerFingerprint": ssh::fingerprint(&signer), "trustedBy": "--trust", "events": carried,
        });
        let reference = format!("{}@{}", v.model, v.version);
        let made = crate::sync::oneoff::register_imported(ws, req, &staged, &reference, ("bundle_import", payload), &uri, actor)?;
        here.insert(key, made.clone());
        imported.push(made);
    }
    already.sort();
    Ok(BundleImported {
        imported,
        already: already.into_iter().map(|(_, here)| here).collect(),
        signer: who,
        events: body.events.len() as u32,
        signatures,
    })
}

impl BundledVersion {
    fn version_key(&self) -> String {
        format!("{}@{}", self.model, self.version)
    }
}

/// The first entry: the body, parsed and its signature checked.
fn read_body<R: Read>(entries: &mut tar::Entries<'_, R>) -> Result<(Body, Vec<String>), SyncError> {
    let mut first = entries.next().ok_or_else(|| refused("the file is empty"))?.map_err(refused)?;
    let path = first.path().map_err(refused)?.to_path_buf();
    if path != Path::new(BODY) {
        return Err(refused(format!("it does not start with {BODY} (is it a Pedigree bundle?)")));
    }
    if first.header().size().map_err(refused)? > MAX_BODY {
        return Err(refused(format!("{BODY} is larger than {} MiB", MAX_BODY >> 20)));
    }
    let mut bytes = Vec::new();
    (&mut first).take(MAX_BODY).read_to_end(&mut bytes).map_err(refused)?;
    let body: Body = serde_json::from_slice(&bytes).map_err(|e| refused(format!("{BODY} is not a bundle body: {e}")))?;
    let signatures = body.check().map_err(refused)?;
    Ok((body, signatures))
}

/// Names, versions, digests and paths: all well-formed, every parent listed before its child.
fn check_versions(body: &Body, prefix: &str) -> Result<(), SyncError> {
    let hex64 = |d: &str| d.len() == 64 && d.bytes().all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase());
    let mut listed = Vec::new();
    for v in &body.versions {
        let what = format!("{}@{}", v.model, v.version);
        crate::ids::validate_model(&format!("{prefix}{}", v.model)).map_err(refused)?;
        crate::ids::parse_version(&v.version).map_err(refused)?;
        if v.files.is_empty() {
            return Err(refused(format!("{what} lists no file")));
        }
        for f in &v.files {
            let p = Path::new(&f.path);
            if !hex64(&f.sha256) || f.path.is_empty() || !p.components().all(|c| matches!(c, Component::Normal(_))) {
                return Err(refused(format!("{what}: file {:?} has a bad path or digest", f.path)));
            }
        }
        for p in &v.parents {
            if !listed.contains(&p.parent) {
                return Err(refused(format!("{what} names parent {} that is not listed before it", p.parent)));
            }
        }
        for d in &v.trained_on {
            crate::ids::validate_name(&format!("{prefix}{}", d.dataset)).map_err(refused)?;
            let plain = |s: &str| !s.is_empty() && s.len() <= 200 && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b':');
            if !plain(&d.root_digest) {
                return Err(refused(format!("{what}: dataset {} has a bad root digest", d.dataset)));
            }
        }
        if listed.contains(&what) {
            return Err(refused(format!("{what} is listed twice")));
        }
        listed.push(what);
    }
    Ok(())
}

/// The objects after the body, each streamed into `dir` while hashed: only the digests the
/// versions name, each once, each of its declared size and digest, all of them. Without bytes,
/// the files must be in this workspace's store already. Returns digest → verified file.
fn read_objects<R: Read>(
    ws: &Workspace,
    body: &Body,
    entries: &mut tar::Entries<'_, R>,
    dir: &Path,
) -> Result<BTreeMap<String, PathBuf>, SyncError> {
    let wanted = body.digests();
    let mut got = BTreeMap::new();
    for entry in entries {
        let mut entry = entry.map_err(refused)?;
        let path = entry.path().map_err(refused)?.to_string_lossy().to_string();
        let digest = path.strip_prefix("objects/").unwrap_or_default().to_string();
        let Some(&size) = wanted.get(&digest).filter(|_| body.bytes && entry.header().entry_type().is_file()) else {
            return Err(refused(format!("it holds an entry {path:?} its body does not name")));
        };
        if got.contains_key(&digest) || entry.header().size().map_err(refused)? != size {
            return Err(refused(format!("object {digest} is repeated or not of its declared size")));
        }
        let dest = dir.join(&digest);
        let mut out = std::fs::File::create(&dest).map_err(|e| SyncError::Local(format!("{}: {e}", dest.display())))?;
        let (hash, n) = crate::hash::hash_copy(&mut (&mut entry).take(size), Some(&mut out), &mut |_| {}).map_err(refused)?;
        if hash != digest || n != size {
            return Err(refused(format!("object {digest}: its bytes do not hash to their digest (altered or damaged)")));
        }
        got.insert(digest, dest);
    }
    for (digest, _) in wanted {
        if !got.contains_key(&digest) && !ws.cas.contains(&digest) {
            let v =
                body.versions.iter().find(|v| v.files.iter().any(|f| f.sha256 == digest)).expect("wanted comes from versions");
            let how = if body.bytes {
                "is missing from the file"
            } else {
                "is not carried (exported without bytes) and not in this workspace"
            };
            return Err(refused(format!("the bytes of {}@{} (sha256:{digest}) {how}", v.model, v.version)));
        }
    }
    Ok(got)
}

type Already = Vec<(String, String)>;

/// Which versions are here already (imported from this signer before, or the same bytes under
/// the same name): (bundle `MODEL@VERSION`, `MODEL@VERSION` here). A name taken by other bytes
/// refuses the import.
fn plan(ws: &Workspace, body: &Body, prefix: &str, source: &dyn Fn(&BundledVersion) -> String) -> Result<Already, SyncError> {
    let conn = ws.catalog.conn();
    let mut already = Vec::new();
    for v in &body.versions {
        if let Some(done) = graph::imported_from_prefix(conn, &format!("source:{}", source(v)))?.first() {
            already.push((v.version_key(), done.trim_start_matches("version:").to_string()));
            continue;
        }
        let local = format!("{prefix}{}", v.model);
        let Some(id) = models::model_id(conn, &local)? else { continue };
        if let Some(r) = models::get_version(conn, id, &v.version)? {
            if r.summary.root_digest != v.root_digest {
                return Err(refused(format!(
                    "{local}@{} exists here with other bytes; import under other model names with --prefix (e.g. --prefix partner-)",
                    v.version
                )));
            }
            already.push((v.version_key(), format!("{local}@{}", v.version)));
        }
    }
    Ok(already)
}
