//! Data-erasure requests (GDPR Art. 17): the request names a dataset version and a pseudonymous
//! subject hash (never a raw identifier); its impact is every model version trained on that
//! data — transitively, through runs, fine-tunes, distillations, quantizations — and every
//! deployment of those versions. Impacted versions are tainted until each is resolved
//! (retrained as a version that is not itself impacted, or an exception with justification).

use std::collections::{BTreeSet, VecDeque};

use rusqlite::{Connection, params};
use serde::{Deserialize, Serialize};
use serde_json::json;
use ts_rs::TS;

use super::{GovError, resolve};
use crate::audit;
use crate::catalog::{CatalogError, datasets, graph};
use crate::ids::{self, NodeKind};

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct EraseRequest {
    /// `DATASET@VERSION`.
    pub dataset: String,
    /// A salted hash of the data subject's identifier (hex), never the identifier itself.
    pub subject_hash: String,
    pub reason: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ResolveErasureRequest {
    #[ts(type = "number")]
    pub id: i64,
    /// The impacted version being resolved, `MODEL@VERSION`.
    pub reference: String,
    /// The version that replaces it, trained without the erased data.
    pub retrained_as: Option<String>,
    /// Or: why it is kept (Art. 17(3) exception), e.g. "legal hold".
    pub exception: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ErasureImpact {
    /// `version:…` or `deployment:<env>`.
    pub node: String,
    /// version or deployment.
    pub kind: String,
    /// retrained or exception; none while open.
    pub resolution: Option<String>,
    /// The replacing version, or the exception's justification.
    pub resolution_ref: Option<String>,
    pub resolved_by: Option<String>,
    pub resolved_at: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct Erasure {
    #[ts(type = "number")]
    pub id: i64,
    pub dataset: String,
    pub subject_hash: String,
    pub reason: String,
    /// open or resolved.
    pub status: String,
    pub created_by: String,
    pub created_at: String,
    #[ts(type = "number")]
    pub audit_seq: i64,
    pub impacts: Vec<ErasureImpact>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ErasureList {
    pub requests: Vec<Erasure>,
}

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
pub fn erase(conn: &Connection, req: &EraseRequest, actor: &str) -> Result<Erasure, GovError> {
    let d = req.dataset.strip_prefix("dataset:").unwrap_or(&req.dataset);
    let (dn, dv) = ids::split_ref(d).map_err(|_| GovError::Invalid(format!("--dataset {d:?}: use DATASET@VERSION")))?;
    if datasets::get(conn, dn, dv)?.is_none() {
        return Err(GovError::NotFound(format!("dataset {dn}@{dv} is not registered")));
    }
    let h = req.subject_hash.trim().to_lowercase();
    if !(32..=128).contains(&h.len()) || !h.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(GovError::Invalid(
            "--subject-hash must be a hex digest (32–128 hex chars) of a salted subject id; never record the id itself".into(),
        ));
    }
    super::required(&req.reason, "--reason")?;
    let dnode = ids::dataset_node(dn, dv);
    let (versions, deployments) = impact(conn, &dnode)?;
    let now = audit::now();
    let payload =
        json!({"dataset": dnode, "subjectHash": h, "reason": req.reason, "versions": versions, "deployments": deployments});
    let seq = audit::append(conn, &now, actor, "erasure_request", &dnode, &payload)?;
    let status = if versions.is_empty() { "resolved" } else { "open" };
    conn.execute(
        "INSERT INTO erasure_requests (dataset, subject_hash, reason, status, created_by, created_at, audit_seq) VALUES (?1,?2,?3,?4,?5,?6,?7)",
        params![dnode, h, req.reason, status, actor, now, seq],
    )
    .map_err(CatalogError::from)?;
    let id = conn.last_insert_rowid();
    for (node, kind) in versions.iter().map(|v| (v, "version")).chain(deployments.iter().map(|d| (d, "deployment"))) {
        conn.execute("INSERT INTO erasure_impacts (request_id, node, kind) VALUES (?1, ?2, ?3)", params![id, node, kind])
            .map_err(CatalogError::from)?;
    }
    get(conn, id)
}

/// Resolves one impacted version of a request.
pub fn resolve_impact(conn: &Connection, req: &ResolveErasureRequest, actor: &str) -> Result<Erasure, GovError> {
    let e = get(conn, req.id)?;
    let v = resolve(conn, &req.reference)?;
    let Some(imp) = e.impacts.iter().find(|i| i.node == v.node) else {
        return Err(GovError::Invalid(format!("{}@{} is not affected by erasure request {}", v.model, v.version, req.id)));
    };
    if imp.resolution.is_some() {
        return Err(GovError::Refused(format!("{}@{} is already resolved for request {}", v.model, v.version, req.id)));
    }
    let (resolution, reference) = match (&req.retrained_as, &req.exception) {
        (Some(r), None) => {
            let nv = resolve(conn, r)?;
            if e.impacts.iter().any(|i| i.node == nv.node) {
                return Err(GovError::Refused(format!(
                    "{}@{} is itself trained on the erased data; retrain on a dataset version without the subject",
                    nv.model, nv.version
                )));
            }
            ("retrained", nv.node)
        }
        (None, Some(x)) if !x.trim().is_empty() => ("exception", x.clone()),
        _ => return Err(GovError::Invalid("give either --retrained-as MODEL@VERSION or --exception JUSTIFICATION".into())),
    };
    let now = audit::now();
    let seq = audit::append(
        conn,
        &now,
        actor,
        "erasure_resolve",
        &v.node,
        &json!({"request": req.id, "resolution": resolution, "ref": reference}),
    )?;
    conn.execute(
        "UPDATE erasure_impacts SET resolution = ?3, resolution_ref = ?4, resolved_by = ?5, resolved_at = ?6, resolution_seq = ?7
         WHERE request_id = ?1 AND node = ?2",
        params![req.id, v.node, resolution, reference, actor, now, seq],
    )
    .map_err(CatalogError::from)?;
    let open: i64 = conn
        .query_row(
            "SELECT count(*) FROM erasure_impacts WHERE request_id = ?1 AND kind = 'version' AND resolution IS NULL",
            [req.id],
            |r| r.get(0),
        )
        .map_err(CatalogError::from)?;
    if open == 0 {
        conn.execute("UPDATE erasure_requests SET status = 'resolved' WHERE id = ?1", [req.id]).map_err(CatalogError::from)?;
    }
    get(conn, req.id)
}

pub fn get(conn: &Connection, id: i64) -> Result<Erasure, GovError> {
    list_where(conn, "id = ?1", [id])?.into_iter().next().ok_or_else(|| GovError::NotFound(format!("no erasure request {id}")))
}

pub fn list(conn: &Connection) -> Result<ErasureList, GovError> {
    Ok(ErasureList { requests: list_where(conn, "1 = 1", [])? })
}

/// Open requests that taint a node.
pub fn tainting(conn: &Connection, node: &str) -> Result<Vec<Erasure>, GovError> {
    list_where(conn, "id IN (SELECT request_id FROM erasure_impacts WHERE node = ?1 AND resolution IS NULL)", [node])
}

fn list_where(conn: &Connection, filter: &str, p: impl rusqlite::Params) -> Result<Vec<Erasure>, GovError> {
    let mut st = conn
        .prepare(&format!(
            "SELECT id, dataset, subject_hash, reason, status, created_by, created_at, audit_seq FROM erasure_requests WHERE {filter} ORDER BY id DESC"
        ))
        .map_err(CatalogError::from)?;
    let mut out: Vec<Erasure> = st
        .query_map(p, |r| {
            Ok(Erasure {
                id: r.get(0)?,
                dataset: r.get(1)?,
                subject_hash: r.get(2)?,
                reason: r.get(3)?,
                status: r.get(4)?,
                created_by: r.get(5)?,
                created_at: r.get(6)?,
                audit_seq: r.get(7)?,
                impacts: Vec::new(),
            })
        })
        .map_err(CatalogError::from)?
        .collect::<Result<Vec<_>, _>>()
        .map_err(CatalogError::from)?;
    let mut imp = conn
        .prepare_cached(
            "SELECT node, kind, resolution, resolution_ref, resolved_by, resolved_at FROM erasure_impacts WHERE request_id = ?1 ORDER BY kind DESC, node",
        )
        .map_err(CatalogError::from)?;
    for e in &mut out {
        e.impacts = imp
            .query_map([e.id], |r| {
                Ok(ErasureImpact {
                    node: r.get(0)?,
                    kind: r.get(1)?,
                    resolution: r.get(2)?,
                    resolution_ref: r.get(3)?,
                    resolved_by: r.get(4)?,
                    resolved_at: r.get(5)?,
                })
            })
            .map_err(CatalogError::from)?
            .collect::<Result<Vec<_>, _>>()
            .map_err(CatalogError::from)?;
    }
    Ok(out)
}
