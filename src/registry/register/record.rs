//! Step 4 of a registration: ONE catalog transaction writes the model (if new), datasets given
//! by path, the version and its manifest, its lineage edges and their audit events. The checks
//! that guarantee uniqueness and order run again inside it.

use rusqlite::Connection;
use serde_json::json;

use super::super::RegisterError;
use super::super::semver_policy::Bump;
use super::checks::{check_explicit, check_parent, suggest_next};
use super::store::DatasetRef;
use super::{Origin, RegisterRequest, RegisterResponse};
use crate::audit;
use crate::catalog::datasets;
use crate::catalog::graph::{EdgeRow, insert_edge, upsert_node};
use crate::catalog::models::{self, FileEntry, NewVersion};
use crate::ids::{self, dataset_node, model_node, version_node};
use crate::sniff::Interface;
use crate::workspace::Workspace;
use std::collections::BTreeMap;

/// Everything known about the new version before the transaction.
pub(super) struct Facts<'a> {
    pub req: &'a RegisterRequest,
    pub origin: Option<&'a Origin>,
    pub explicit: Option<semver::Version>,
    pub root_digest: String,
    pub manifest_digest: String,
    pub weights_digest: String,
    pub format: String,
    pub interface: Interface,
    pub sniffed: BTreeMap<String, BTreeMap<String, String>>,
    pub entries: Vec<FileEntry>,
    pub new_bytes: u64,
    pub datasets: Vec<DatasetRef>,
    /// Files accepted under `allowUnsafe`: (path, dangerous imports).
    pub unsafe_files: Vec<(String, String)>,
    /// Per-tensor digests: (path, tensor, sha256).
    pub tensors: Vec<(String, String, String)>,
    /// Files put in the store by clone or hard link.
    pub linked: Vec<String>,
}

/// The version number chosen: explicit (checked) or the policy's suggestion, with the reason.
struct Numbered {
    version: semver::Version,
    bump: Bump,
    reason: String,
}

/// Writes the version and everything around it in one transaction.
pub(super) fn record(ws: &mut Workspace, mut facts: Facts<'_>, actor: &str) -> Result<RegisterResponse, RegisterError> {
    let now = audit::now();
    // The datasets move into the transaction (they are written once).
    let dataset_refs: Vec<DatasetRef> = std::mem::take(&mut facts.datasets);
    let f = &facts;
    let req = f.req;
    ws.catalog.write(|tx| {
        let (model_id, created_model) = model_row(tx, &req.model, actor, &now)?;
        let dataset_nodes = record_datasets(tx, dataset_refs, actor, &now)?;
        let n = number(tx, f, model_id, &dataset_nodes)?;
        let vnode = version_node(&req.model, &n.version.to_string());
        let mut parent_nodes = Vec::new();
        for p in &req.parents {
            let (pm, pv) = check_parent(tx, &p.parent)?;
            parent_nodes.push((version_node(pm, pv), p.relation.clone()));
        }
        let payload = json!({
            "rootDigest": f.root_digest, "manifestDigest": f.manifest_digest, "weightsDigest": f.weights_digest,
            "format": f.format, "files": f.entries.len(), "totalSize": f.entries.iter().map(|e| e.size).sum::<u64>(),
            "bump": n.bump.as_str(), "bumpReason": n.reason,
            "parents": parent_nodes.iter().map(|(n, r)| json!({"node": n, "relation": r})).collect::<Vec<_>>(),
            "trainedOn": dataset_nodes, "params": req.params, "metrics": req.metrics, "message": req.message,
            "code": req.code, "environment": req.environment, "run": req.run,
            "source": f.origin.map(|o| &o.uri),
        });
        let payload = with_link(with_unsafe(payload, req, &f.unsafe_files), req, &f.linked);
        let seq = audit::append(tx, &now, actor, "register_version", &vnode, &payload)?;
        let version_id = version_row(tx, f, model_id, &n, actor, &now, seq)?;
        models::insert_tensor_digests(tx, version_id, &f.tensors)?;
        if let Some(o) = f.origin {
            crate::catalog::stores::set_registered(tx, o.artifact_id, &vnode, None)?;
        }
        link(tx, req, &vnode, &parent_nodes, &dataset_nodes, seq)?;
        Ok(RegisterResponse {
            model: req.model.clone(),
            version: n.version.to_string(),
            node: vnode,
            created_model,
            root_digest: f.root_digest.clone(),
            manifest_digest: f.manifest_digest.clone(),
            weights_digest: f.weights_digest.clone(),
            format: f.format.clone(),
            interface: f.interface.clone(),
            bump: n.bump,
            bump_reason: n.reason,
            file_count: f.entries.len() as u32,
            total_size: f.entries.iter().map(|e| e.size).sum(),
            new_bytes: f.new_bytes,
            datasets: dataset_nodes,
            storage: req.link.unwrap_or_default().as_str().to_string(),
            linked_files: f.linked.len() as u32,
            audit_seq: seq,
        })
    })
}

/// Adds `allowUnsafe` (the reason and each file's dangerous imports) to the registration event
/// when files that would run code were accepted.
fn with_unsafe(mut payload: serde_json::Value, req: &RegisterRequest, files: &[(String, String)]) -> serde_json::Value {
    if let (Some(reason), false) = (&req.allow_unsafe, files.is_empty()) {
        let files: Vec<_> = files.iter().map(|(p, i)| json!({"path": p, "imports": i})).collect();
        payload["allowUnsafe"] = json!({"reason": reason.trim(), "files": files});
    }
    payload
}

/// Adds `link` (the mode and the files linked rather than copied) to the registration event
/// when `--link` was asked for.
fn with_link(mut payload: serde_json::Value, req: &RegisterRequest, files: &[String]) -> serde_json::Value {
    if let Some(link) = req.link.filter(|l| *l != crate::cas::Link::Copy) {
        payload["link"] = json!({"mode": link.as_str(), "files": files});
    }
    payload
}

/// The model's id, creating it (with its audit event) when new.
fn model_row(tx: &Connection, model: &str, actor: &str, now: &str) -> Result<(i64, bool), RegisterError> {
    if let Some(id) = models::model_id(tx, model)? {
        return Ok((id, false));
    }
    let seq = audit::append(tx, now, actor, "create_model", &model_node(model), &json!({ "name": model }))?;
    let id = models::insert_model(tx, model, actor, now, seq)?;
    // A variant line (`MODEL/VARIANT`) hangs off its model in the lineage graph.
    if let (main, Some(_)) = crate::ids::variant_of(model) {
        let edge = EdgeRow { src: model_node(model), dst: model_node(main), kind: "variant_of".into(), relation: None };
        insert_edge(tx, &edge, seq)?;
    }
    Ok((id, true))
}

/// The explicit version (checked against the latest) or the policy's suggestion.
fn number(tx: &Connection, f: &Facts<'_>, model_id: i64, datasets: &[String]) -> Result<Numbered, RegisterError> {
    let model = &f.req.model;
    let (latest, suggestion) = suggest_next(tx, model, Some(model_id), &f.interface, &f.weights_digest, Some(datasets))?;
    // Replaying another member's registration (team ledger): their number, bump and reason
    // as they recorded them; only a number taken here already stops it.
    if let (Some(p), Some(v)) = (audit::replay::payload(), &f.explicit) {
        check_explicit(tx, model, model_id, v, None)?;
        let bump = serde_json::from_value(p["bump"].clone()).unwrap_or(Bump::Explicit);
        let reason = p["bumpReason"].as_str().unwrap_or_default().to_string();
        return Ok(Numbered { version: v.clone(), bump, reason });
    }
    Ok(match &f.explicit {
        Some(v) => {
            check_explicit(tx, model, model_id, v, latest.as_ref())?;
            let reason = format!("set by the user; the policy suggested {} ({})", suggestion.version, suggestion.reason);
            Numbered { version: v.clone(), bump: Bump::Explicit, reason }
        }
        None => Numbered { version: suggestion.version.clone(), bump: suggestion.bump, reason: suggestion.reason.clone() },
    })
}

fn version_row(
    tx: &Connection,
    f: &Facts<'_>,
    model_id: i64,
    n: &Numbered,
    actor: &str,
    now: &str,
    seq: i64,
) -> Result<i64, RegisterError> {
    let req = f.req;
    Ok(models::insert_version(
        tx,
        &NewVersion {
            model_id,
            version: &n.version,
            root_digest: &f.root_digest,
            manifest_digest: &f.manifest_digest,
            weights_digest: &f.weights_digest,
            format: &f.format,
            interface: &f.interface,
            sniffed: &f.sniffed,
            params: &req.params,
            metrics: &req.metrics,
            environment: req.environment.as_deref(),
            bump: n.bump.as_str(),
            bump_reason: &n.reason,
            message: &req.message,
            files: &f.entries,
            storage: req.link.unwrap_or_default().as_str(),
            created_by: actor,
            created_at: now,
            audit_seq: seq,
        },
    )?)
}

/// Lineage: version → model, parents, datasets; with a run, version ← run ← data/code/env,
/// without one the version links code and environment directly.
fn link(
    tx: &Connection,
    req: &RegisterRequest,
    vnode: &str,
    parents: &[(String, Option<String>)],
    datasets: &[String],
    seq: i64,
) -> Result<(), RegisterError> {
    let edge = |src: &str, dst: &str, kind: &str, relation: Option<String>| {
        insert_edge(tx, &EdgeRow { src: src.into(), dst: dst.into(), kind: kind.into(), relation }, seq)
    };
    edge(vnode, &model_node(&req.model), "version_of", None)?;
    for (p, rel) in parents {
        edge(vnode, p, "derived_from", rel.clone())?;
    }
    for d in datasets {
        edge(vnode, d, "trained_on", None)?;
    }
    let origin = match &req.run {
        Some(run) => {
            let rnode = format!("run:{run}");
            upsert_node(tx, &rnode, "run", run, "{}")?;
            edge(vnode, &rnode, "produced_by", None)?;
            for d in datasets {
                edge(&rnode, d, "used", None)?;
            }
            rnode
        }
        None => vnode.to_string(),
    };
    if let Some(code) = &req.code {
        let cnode = format!("code:{code}");
        upsert_node(tx, &cnode, "code", &short_code_label(code), "{}")?;
        edge(&origin, &cnode, "built_from", None)?;
    }
    if let Some(env) = &req.environment {
        let enode = format!("env:{env}");
        upsert_node(tx, &enode, "env", env, "{}")?;
        edge(&origin, &enode, "ran_in", None)?;
    }
    Ok(())
}

/// Records datasets given by path (reusing a version with the same content) and returns the
/// dataset node ids, in the order given.
fn record_datasets(tx: &Connection, refs: Vec<DatasetRef>, actor: &str, now: &str) -> Result<Vec<String>, RegisterError> {
    let mut nodes = Vec::new();
    for r in refs {
        match r {
            DatasetRef::Existing(given) => {
                let (n, v) = ids::split_ref(&given)?;
                nodes.push(dataset_node(n, v));
            }
            DatasetRef::New(d) => {
                if let Some(existing) = datasets::by_root(tx, &d.root)? {
                    nodes.push(dataset_node(&existing.dataset, &existing.version));
                    continue;
                }
                let id = match datasets::dataset_id(tx, &d.name)? {
                    Some(id) => id,
                    None => datasets::insert_dataset(tx, &d.name, actor, now)?,
                };
                let version = (datasets::version_count(tx, id)? + 1).to_string();
                let node = dataset_node(&d.name, &version);
                let payload = json!({
                    "rootDigest": d.root, "sourceUri": d.source_uri, "files": d.files.len(),
                    "totalSize": d.files.iter().map(|f| f.size).sum::<u64>(),
                });
                let seq = audit::append(tx, now, actor, "register_dataset", &node, &payload)?;
                datasets::insert_version(tx, id, &version, &d.root, &d.source_uri, &d.files, actor, now, seq)?;
                nodes.push(node);
            }
        }
    }
    nodes.sort();
    nodes.dedup();
    Ok(nodes)
}

fn short_code_label(code: &str) -> String {
    match code.rsplit_once('@') {
        Some((repo, sha)) => {
            let repo = repo.trim_end_matches(".git").rsplit('/').next().unwrap_or(repo);
            format!("{repo}@{}", &sha[..sha.len().min(8)])
        }
        None => code.to_string(),
    }
}
