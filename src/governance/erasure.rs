//! Data-erasure requests (GDPR Art. 17): the request names a dataset version and a pseudonymous
//! subject hash (never a raw identifier); its impact is every model version trained on that
//! data — transitively, through runs, fine-tunes, distillations, quantizations — and every
//! deployment of those versions. Impacted versions are tainted until each is resolved
//! (retrained as a version that is not itself impacted, or an exception with justification).

use std::collections::{BTreeSet, VecDeque};

use rusqlite::Connection;
use serde_json::json;

use super::{GovError, resolve};
use crate::audit;
pub use crate::catalog::erasures::{Erasure, ErasureImpact};
use crate::catalog::{CatalogError, erasures, graph};
use crate::ids::{self, NodeKind};

/// Kinds of edges through which training data flows into a version (not `validated_on`:
/// evaluating on data does not train on it).
const TRAINING_EDGES: &[&str] = &["trained_on", "used", "produced_by", "derived_from", "serves"];

/// Versions and deployments downstream of `dataset` through training edges.
pub fn impact(conn: &Connection, dataset: &str) -> Result<(Vec<String>, Vec<String>), CatalogError> {
    let mut seen = BTreeSet::new();
    let mut queue = VecDeque::from([dataset.to_string()]);
    while let Some(n) = queue.pop_front() {
        for e in graph::edges_to(conn, &n)? {
            if TRAINING_EDGES.contains(&e.kind.as_str()) && seen.insert(e.src.clone()) {
                queue.push_back(e.src);
            }
        }
    }
    let of = |k: NodeKind| seen.iter().filter(|id| NodeKind::of(id) == Some(k)).cloned().collect::<Vec<_>>();
    Ok((of(NodeKind::Version), of(NodeKind::Deployment)))
}

/// Records an erasure request and its impact.
pub fn erase(conn: &Connection, dataset: &str, subject_hash: &str, reason: &str, actor: &str) -> Result<Erasure, GovError> {
    let d = dataset.strip_prefix("dataset:").unwrap_or(dataset);
    let (dn, dv) = super::dataset_ref(conn, d)?;
    let h = subject_hash.trim().to_lowercase();
    if !(32..=128).contains(&h.len()) || !h.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(GovError::BadValue {
            field: "subjectHash",
            value: subject_hash.to_string(),
            expected: "a hex digest (32–128 hex chars) of a salted subject id; never record the id itself",
        });
    }
    super::required(reason, "reason")?;
    let dnode = ids::dataset_node(dn, dv);
    let (versions, deployments) = impact(conn, &dnode)?;
    let now = audit::now();
    let payload = json!({"dataset": dnode, "subjectHash": h, "reason": reason, "versions": versions, "deployments": deployments});
    let seq = audit::append(conn, &now, actor, "erasure_request", &dnode, &payload)?;
    let status = if versions.is_empty() { "resolved" } else { "open" };
    let impacts: Vec<(&str, &str)> =
        versions.iter().map(|v| (v.as_str(), "version")).chain(deployments.iter().map(|d| (d.as_str(), "deployment"))).collect();
    let row = erasures::NewErasure {
        dataset: &dnode,
        subject_hash: &h,
        reason,
        status,
        created_by: actor,
        created_at: &now,
        audit_seq: seq,
    };
    let id = erasures::insert(conn, &row, &impacts)?;
    get(conn, id)
}

/// Resolves one impacted version of a request.
/// `retrained_as` names the version that replaces it; or `exception` says why it is kept.
pub fn resolve_impact(
    conn: &Connection,
    id: i64,
    reference: &str,
    retrained_as: Option<&str>,
    exception: Option<&str>,
    actor: &str,
) -> Result<Erasure, GovError> {
    let e = get(conn, id)?;
    let v = resolve(conn, reference)?;
    super::team::require_role(conn, "risk", &format!("resolving erasure request {id}"))?;
    let Some(imp) = e.impacts.iter().find(|i| i.node == v.node) else {
        return Err(GovError::NotAffected { version: v.name(), request: id });
    };
    if imp.resolution.is_some() {
        return Err(GovError::AlreadyResolved { version: v.name(), request: id });
    }
    let (resolution, reference) = match (retrained_as, exception) {
        (Some(r), None) => {
            let nv = resolve(conn, r)?;
            if e.impacts.iter().any(|i| i.node == nv.node) {
                return Err(GovError::RetrainedOnErased(nv.name()));
            }
            ("retrained", nv.node)
        }
        (None, Some(x)) if !x.trim().is_empty() => ("exception", x.to_string()),
        _ => return Err(GovError::ResolutionNeeded),
    };
    let now = audit::now();
    let seq = audit::append(
        conn,
        &now,
        actor,
        "erasure_resolve",
        &v.node,
        &json!({"request": id, "resolution": resolution, "ref": reference}),
    )?;
    let done = erasures::Resolution {
        request: id,
        node: &v.node,
        resolution,
        reference: &reference,
        resolved_by: actor,
        resolved_at: &now,
        audit_seq: seq,
    };
    erasures::resolve(conn, &done)?;
    get(conn, id)
}

pub fn get(conn: &Connection, id: i64) -> Result<Erasure, GovError> {
    erasures::get(conn, id)?.ok_or(GovError::NoErasure(id))
}

/// Every request, newest first.
pub fn list(conn: &Connection) -> Result<Vec<Erasure>, GovError> {
    Ok(erasures::list(conn)?)
}

/// Open requests that taint a node.
pub fn tainting(conn: &Connection, node: &str) -> Result<Vec<Erasure>, GovError> {
    Ok(erasures::tainting(conn, node)?)
}
