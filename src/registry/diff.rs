//! What changed between two versions, from the catalog alone (no file is read again): files by
//! digest, the interface (tensors added, removed, reshaped), which tensors' bytes changed (per-
//! tensor digests recorded at registration), pickle imports, params, metrics with deltas, links
//! (datasets, code, environment, parents) and the bump the semver policy would give.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::semver_policy::{self, Bump, Facts};
use crate::catalog::models::VersionRecord;
use crate::sniff::TensorSpec;

/// Names added to, removed from and changed between two versions.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct Changes {
    pub added: Vec<String>,
    pub removed: Vec<String>,
    pub changed: Vec<String>,
}

/// Tensors: added, removed, reshaped (dtype or shape), and changed (same shape, other bytes).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct TensorChanges {
    pub added: Vec<String>,
    pub removed: Vec<String>,
    pub changed: Vec<String>,
    pub reshaped: Vec<String>,
    /// Both versions have per-tensor digests (versions registered before they were recorded
    /// cannot say which tensors' bytes changed).
    pub digests_known: bool,
}

/// One value on each side (absent on one side when added or removed).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ValueChange {
    pub name: String,
    pub a: Option<String>,
    pub b: Option<String>,
}

/// A metric on each side and the difference.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct MetricChange {
    pub name: String,
    pub a: Option<f64>,
    pub b: Option<f64>,
    pub delta: Option<f64>,
}

/// The bump the policy would suggest for B after A, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct BumpVerdict {
    pub bump: Bump,
    pub reason: String,
}

/// Everything that differs between version A and version B.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct VersionDiff {
    pub a: String,
    pub b: String,
    pub files: Changes,
    pub tensors: TensorChanges,
    /// Pickle imports (every `module.name` loading would import).
    pub imports: Changes,
    pub params: Vec<ValueChange>,
    pub metrics: Vec<MetricChange>,
    /// Upstream links (`kind → node`): datasets, code, environment, parents, runs.
    pub links: Changes,
    pub bump: BumpVerdict,
}

/// One side of a diff: the stored record, its per-tensor digests and its upstream links.
pub struct Side<'a> {
    pub name: String,
    pub record: &'a VersionRecord,
    /// tensor name → sha256 (empty when not recorded).
    pub tensor_digests: BTreeMap<String, String>,
    /// `kind → node` of every upstream edge.
    pub links: BTreeSet<String>,
    /// Dataset nodes it was trained on (for the policy).
    pub datasets: Vec<String>,
}

/// Compares A (older) with B.
pub fn diff(a: &Side<'_>, b: &Side<'_>) -> VersionDiff {
    VersionDiff {
        a: a.name.clone(),
        b: b.name.clone(),
        files: files(a.record, b.record),
        tensors: tensors(a, b),
        imports: imports(a.record, b.record),
        params: params(a.record, b.record),
        metrics: metrics(a.record, b.record),
        links: sets(&a.links, &b.links),
        bump: bump(a, b),
    }
}

fn sets(a: &BTreeSet<String>, b: &BTreeSet<String>) -> Changes {
    Changes { added: b.difference(a).cloned().collect(), removed: a.difference(b).cloned().collect(), changed: Vec::new() }
}

fn files(a: &VersionRecord, b: &VersionRecord) -> Changes {
    let da: BTreeMap<&str, &str> = a.files.iter().map(|f| (f.path.as_str(), f.sha256.as_str())).collect();
    let db: BTreeMap<&str, &str> = b.files.iter().map(|f| (f.path.as_str(), f.sha256.as_str())).collect();
    let keys = |m: &BTreeMap<&str, &str>| m.keys().map(|k| k.to_string()).collect::<BTreeSet<_>>();
    let mut c = sets(&keys(&da), &keys(&db));
    c.changed = da.iter().filter(|(p, d)| db.get(*p).is_some_and(|e| e != *d)).map(|(p, _)| p.to_string()).collect();
    c
}

fn tensors(a: &Side<'_>, b: &Side<'_>) -> TensorChanges {
    let specs = |r: &VersionRecord| r.interface.tensors.iter().map(|t| (t.name.clone(), t.clone())).collect::<BTreeMap<_, _>>();
    let (ta, tb): (BTreeMap<String, TensorSpec>, BTreeMap<String, TensorSpec>) = (specs(a.record), specs(b.record));
    let digests_known = !a.tensor_digests.is_empty() && !b.tensor_digests.is_empty();
    let mut out = TensorChanges { digests_known, ..Default::default() };
    out.added = tb.keys().filter(|k| !ta.contains_key(*k)).cloned().collect();
    out.removed = ta.keys().filter(|k| !tb.contains_key(*k)).cloned().collect();
    for (name, sa) in &ta {
        let Some(sb) = tb.get(name) else { continue };
        if sa.dtype != sb.dtype || sa.shape != sb.shape {
            out.reshaped.push(name.clone());
        } else if digests_known && a.tensor_digests.get(name) != b.tensor_digests.get(name) {
            out.changed.push(name.clone());
        }
    }
    out
}

fn imports(a: &VersionRecord, b: &VersionRecord) -> Changes {
    let all = |r: &VersionRecord| -> BTreeSet<String> {
        r.sniffed
            .values()
            .filter(|m| m.contains_key("pickle_risk") || m.contains_key("reduce_count"))
            .filter_map(|m| m.get("imports"))
            .flat_map(|i| i.split(',').filter(|x| !x.is_empty()).map(String::from).collect::<Vec<_>>())
            .collect()
    };
    sets(&all(a), &all(b))
}

fn params(a: &VersionRecord, b: &VersionRecord) -> Vec<ValueChange> {
    let names: BTreeSet<&String> = a.params.keys().chain(b.params.keys()).collect();
    names
        .into_iter()
        .filter(|n| a.params.get(*n) != b.params.get(*n))
        .map(|n| ValueChange { name: n.clone(), a: a.params.get(n).cloned(), b: b.params.get(n).cloned() })
        .collect()
}

fn metrics(a: &VersionRecord, b: &VersionRecord) -> Vec<MetricChange> {
    let (ma, mb) = (&a.summary.metrics, &b.summary.metrics);
    let names: BTreeSet<&String> = ma.keys().chain(mb.keys()).collect();
    names
        .into_iter()
        .filter(|n| ma.get(*n) != mb.get(*n))
        .map(|n| {
            let (x, y) = (ma.get(n).copied(), mb.get(n).copied());
            MetricChange { name: n.clone(), a: x, b: y, delta: x.zip(y).map(|(x, y)| y - x) }
        })
        .collect()
}

fn bump(a: &Side<'_>, b: &Side<'_>) -> BumpVerdict {
    let version = semver::Version::parse(&a.record.summary.version).unwrap_or(semver::Version::new(1, 0, 0));
    let s = semver_policy::suggest(Some((&version, facts(a))), facts(b));
    BumpVerdict { bump: s.bump, reason: s.reason }
}

fn facts<'s>(s: &'s Side<'_>) -> Facts<'s> {
    Facts { interface: &s.record.interface, weights_digest: &s.record.weights_digest, datasets: &s.datasets }
}
