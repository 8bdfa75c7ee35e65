//! The shared state of a workspace as rows without local ids or seqs: what every member who
//! took in the same ledger segments holds alike (`pedigree state-digest`). Local bookkeeping —
//! stores, indexes, registry remotes and their bindings, sync records, the audit log's local
//! order — is left out. Conflicts between members are in it (what did not win, and how it was
//! resolved); those with registries are not.

use rusqlite::Connection;
use rusqlite::types::ValueRef;
use serde_json::{Map, Value, json};

use super::CatalogError;

/// Each part of the shared state: a name and the query listing it in a fixed order.
const PARTS: &[(&str, &str)] = &[
    ("models", "SELECT name, description, owner, risk_tier, intended_use, created_by, created_at FROM models ORDER BY name"),
    (
        "versions",
        "SELECT m.name, v.version, v.root_digest, v.manifest_digest, v.weights_digest, v.format, v.interface, v.sniffed,
                v.params, v.metrics, v.environment, v.status, v.bump, v.bump_reason, v.message, v.file_count, v.total_size,
                v.created_by, v.created_at
         FROM versions v JOIN models m ON m.id = v.model_id ORDER BY m.name, v.sort_key, v.version",
    ),
    (
        "files",
        "SELECT m.name, v.version, f.path, f.size, f.sha256, f.format
         FROM version_files f JOIN versions v ON v.id = f.version_id JOIN models m ON m.id = v.model_id
         ORDER BY m.name, v.sort_key, v.version, f.path",
    ),
    (
        "datasets",
        "SELECT d.name, dv.version, dv.root_digest, dv.source_uri, dv.file_count, dv.total_size, dv.created_by, dv.created_at
         FROM dataset_versions dv JOIN datasets d ON d.id = dv.dataset_id ORDER BY d.name, dv.version",
    ),
    (
        "lineage",
        "SELECT src, dst, kind, relation FROM edges
         WHERE kind IN ('version_of', 'derived_from', 'trained_on', 'produced_by', 'used', 'built_from', 'ran_in')
         ORDER BY src, dst, kind",
    ),
    ("policies", "SELECT m.name, p.required_roles FROM policies p JOIN models m ON m.id = p.model_id ORDER BY m.name"),
    (
        "approvals",
        "SELECT m.name, v.version, a.actor, a.role, a.decision, a.justification, a.created_at
         FROM approvals a JOIN versions v ON v.id = a.version_id JOIN models m ON m.id = v.model_id
         ORDER BY m.name, v.sort_key, v.version, a.created_at, a.role, a.actor, a.decision",
    ),
    (
        "evaluations",
        "SELECT m.name, v.version, e.dataset, e.metric, e.slice, e.value, e.threshold_op, e.threshold, e.created_by, e.created_at
         FROM evaluations e JOIN versions v ON v.id = e.version_id JOIN models m ON m.id = v.model_id
         ORDER BY m.name, v.sort_key, v.version, e.created_at, e.metric, e.slice, e.dataset",
    ),
    ("environments", "SELECT name, production FROM environments ORDER BY name"),
    (
        "deployments",
        "SELECT d.env, m.name, v.version, d.strategy, d.role, d.traffic, d.started_at, d.ended_at, d.reason, d.created_by,
                d.carrier, d.recorded_from
         FROM deployments d JOIN versions v ON v.id = d.version_id JOIN models m ON m.id = v.model_id
         ORDER BY d.env, d.started_at, m.name, v.sort_key, v.version, d.role",
    ),
    (
        "aliases",
        "SELECT m.name, a.alias, v.version, a.set_by, a.set_at
         FROM aliases a JOIN models m ON m.id = a.model_id JOIN versions v ON v.id = a.version_id ORDER BY m.name, a.alias",
    ),
    ("annotations", "SELECT subject, field, value, set_by, set_at FROM annotations ORDER BY subject, field"),
    (
        "erasures",
        "SELECT dataset, subject_hash, reason, status, created_by, created_at FROM erasure_requests
         ORDER BY created_at, dataset, subject_hash",
    ),
    ("team", "SELECT public_key, name, roles FROM roster WHERE to_seq IS NULL ORDER BY public_key"),
    (
        "attachments",
        "SELECT m.name, v.version, a.sha256, a.kind, a.name, a.size, a.created_by, a.created_at
         FROM attachments a JOIN versions v ON v.id = a.version_id JOIN models m ON m.id = v.model_id
         ORDER BY m.name, v.sort_key, v.version, a.sha256",
    ),
    ("runs", "SELECT id, capture, exit_code, created_by FROM runs ORDER BY id"),
    ("monitor_snapshots", "SELECT env, metric, at, value FROM monitor_snapshots ORDER BY env, metric, at"),
    (
        "monitor_rules",
        "SELECT env, expr, auto, created_by, created_at, removed_seq IS NULL FROM monitor_rules ORDER BY env, expr, created_at",
    ),
    (
        "rollback_proposals",
        "SELECT p.env, p.rule, mf.name, vf.version, p.evidence, p.status, p.resolution, p.created_at
         FROM rollback_proposals p JOIN versions vf ON vf.id = p.from_version JOIN models mf ON mf.id = vf.model_id
         ORDER BY p.env, p.created_at, p.rule",
    ),
    ("drills", "SELECT env, at, ok, restore, checks, created_by FROM drills ORDER BY env, at"),
    (
        "conflicts",
        "SELECT subject, field, remote_value, resolution FROM conflicts WHERE remote IN (SELECT remote FROM ledger_remotes)
         ORDER BY subject, field, remote_value",
    ),
];

fn cell(v: ValueRef<'_>) -> Value {
    match v {
        ValueRef::Null => Value::Null,
        ValueRef::Integer(i) => json!(i),
        ValueRef::Real(f) => json!(f),
        ValueRef::Text(t) => Value::String(String::from_utf8_lossy(t).into_owned()),
        ValueRef::Blob(b) => Value::String(crate::hash::sha256_hex(b)),
    }
}

/// Every part of the shared state, each a list of rows (arrays of column values).
pub fn shared(conn: &Connection) -> Result<Map<String, Value>, CatalogError> {
    let mut out = Map::new();
    for (name, sql) in PARTS {
        let mut stmt = conn.prepare_cached(sql)?;
        let n = stmt.column_count();
        let mut rows = stmt.query([])?;
        let mut list = Vec::new();
        while let Some(r) = rows.next()? {
            list.push(Value::Array((0..n).map(|i| r.get_ref(i).map(cell)).collect::<Result<_, _>>()?));
        }
        out.insert((*name).to_string(), Value::Array(list));
    }
    Ok(out)
}
