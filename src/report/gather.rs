//! Gathering what a report is made of, once, through the catalog and the governance rooms:
//! the version and its manifest, its upstream lineage (data, runs, code, environments,
//! parents), its governance record (approvals, evaluations, deployments, erasure requests),
//! the version before it, and the audit events to cite. No SQL here: queries live in
//! [`crate::catalog`].

use std::collections::BTreeSet;

use crate::catalog::datasets::{self, DatasetVersion};
use crate::catalog::graph::{self, EdgeRow};
use crate::catalog::{self, models, reports};
use crate::governance::{self, Approval, Gate, GovError, VersionRef, deploy, erasure, evaluate};
use crate::ids;
use crate::lineage::{LineageGraph, Subgraph};

use super::model::{Report, Subject, Tool};
use super::{Facts, Parent, ReportError, SCHEMA, sections};

/// Audit events cited per subject, at most.
const CITED_PER_SUBJECT: u32 = 500;

/// Gathers the facts and builds report.json (without its integrity block, which the bundle adds
/// once the checkpoint exists).
pub fn gather(conn: &catalog::Conn, reference: &str, generated_by: &str, now: &str) -> Result<Facts, ReportError> {
    let src = Sources::load(conn, reference)?;
    let lineage = lineage_around(conn, &src.version.node)?;
    let report = Report {
        schema: SCHEMA.into(),
        title: format!("Audit report — {}@{}", src.version.model, src.version.version),
        subject: src.subject(),
        generated_at: now.into(),
        generated_by: generated_by.into(),
        tool: Tool::this(),
        sections: sections::all(&src),
        cited_events: src.cited.iter().map(i64::to_string).collect(),
        integrity: None,
    };
    let Sources { cited, record, datasets, parents, evaluations, attachments, .. } = src;
    Ok(Facts { report, lineage, cited, record, datasets, parents, evaluations, attachments })
}

/// The lineage drawn in the report: 3 hops up (data, parents, runs, code), 1 down.
fn lineage_around(conn: &catalog::Conn, node: &str) -> Result<Subgraph, ReportError> {
    let g = LineageGraph::load_around(conn, node, 3, 1)?;
    Ok(g.neighbourhood(node, 3, 1).unwrap_or(Subgraph { focus: node.into(), nodes: vec![], edges: vec![] }))
}

/// Everything the sections are built from.
pub(super) struct Sources {
    /// The version, resolved.
    pub version: VersionRef,
    /// Its stored record (summary, manifest, interface, parameters).
    pub record: models::VersionRecord,
    /// The version just below it, if any.
    pub previous: Option<models::VersionRecord>,
    /// Its upstream links.
    pub links: Links,
    /// The dataset versions it was trained on (directly or through its runs).
    pub datasets: Vec<DatasetVersion>,
    /// The models it was derived from.
    pub parents: Vec<Parent>,
    /// Whether its approval policy is met.
    pub gate: Gate,
    /// The approval decisions on it.
    pub approvals: Vec<Approval>,
    /// The evaluations recorded for it.
    pub evaluations: Vec<evaluate::Evaluation>,
    /// Where it served.
    pub deployments: Vec<deploy::Deployment>,
    /// Erasure requests that touch it or its data.
    pub erasures: Vec<erasure::Erasure>,
    /// Evidence files attached to it.
    pub attachments: Vec<crate::catalog::attachments::Attachment>,
    /// The latest recovery drill of each environment it served in.
    pub drills: Vec<governance::drill::Drill>,
    /// Seqs of the audit events to cite, ascending.
    pub cited: Vec<i64>,
    /// Who signed each cited event that is signed: `NAME (SHA256:…)` with the member's name in
    /// the roster of that time, else the key's fingerprint alone.
    pub signers: std::collections::BTreeMap<i64, String>,
}

/// Who signed these events (see [`Sources::signers`]).
fn signers_of(conn: &catalog::Conn, seqs: &[i64]) -> Result<std::collections::BTreeMap<i64, String>, ReportError> {
    let mut out = std::collections::BTreeMap::new();
    for (seq, key) in catalog::audit_rows::signers_of(conn, seqs)? {
        let Ok(pk) = crate::identity::ssh::parse_public_key_line(&key) else { continue };
        let fp = crate::identity::ssh::fingerprint(&pk);
        let label = match catalog::roster::member_at(conn, &key, seq)? {
            Some(m) => format!("{} ({fp})", m.name),
            None => fp,
        };
        out.insert(seq, label);
    }
    Ok(out)
}

impl Sources {
    /// Reads every source of the report on `reference`.
    fn load(conn: &catalog::Conn, reference: &str) -> Result<Sources, ReportError> {
        let version = governance::resolve(conn, reference)?;
        let record = models::get_version(conn, version.model_id, &version.version)?
            .ok_or_else(|| GovError::UnknownVersion(reference.into()))?;
        let out_edges = graph::edges_from(conn, &version.node)?;
        let links = Links::load(conn, &out_edges)?;
        let cited = cited_events(conn, &version, &links.datasets)?;
        let signers = signers_of(conn, &cited)?;
        Ok(Sources {
            datasets: dataset_versions(conn, &links.datasets)?,
            parents: parents(conn, &out_edges),
            gate: governance::gate(conn, &version)?,
            approvals: governance::approvals(conn, version.id)?,
            evaluations: evaluate::list(conn, version.id)?,
            deployments: deploy::timeline(conn, None, Some(reference))?,
            drills: drills_where_served(conn, version.id)?,
            erasures: erasures_touching(conn, &version.node, &links.datasets)?,
            attachments: crate::catalog::attachments::of_version(conn, version.id)?,
            previous: reports::previous_version(conn, version.model_id, &version.version)?,
            cited,
            signers,
            version,
            record,
            links,
        })
    }

    /// The report's subject block.
    fn subject(&self) -> Subject {
        let sum = &self.record.summary;
        Subject {
            model: self.version.model.clone(),
            version: self.version.version.clone(),
            node: self.version.node.clone(),
            root_digest: sum.root_digest.clone(),
            manifest_digest: self.record.manifest_digest.clone(),
            format: sum.format.clone(),
            status: sum.status.clone(),
        }
    }
}

/// The upstream nodes of a version: its runs, and the code, environments and datasets it or its
/// runs link to (in edge order, code and environments of the version before those of its runs).
#[derive(Default)]
pub(super) struct Links {
    /// `produced_by` runs.
    pub runs: Vec<String>,
    /// `built_from` code commits.
    pub code: Vec<String>,
    /// `ran_in` environments.
    pub envs: Vec<String>,
    /// `trained_on` datasets of the version and `used` datasets of its runs.
    pub datasets: BTreeSet<String>,
}

impl Links {
    /// Follows the version's edges (`out_edges`) and those of its runs.
    fn load(conn: &catalog::Conn, out_edges: &[EdgeRow]) -> Result<Links, ReportError> {
        let mut links = Links::default();
        for e in out_edges {
            links.add(e, false);
        }
        for run in links.runs.clone() {
            for e in graph::edges_from(conn, &run)? {
                links.add(&e, true);
            }
        }
        Ok(links)
    }

    /// Files the far end of an edge of the version (or, with `of_run`, of one of its runs).
    fn add(&mut self, e: &EdgeRow, of_run: bool) {
        let dst = e.dst.clone();
        match (e.kind.as_str(), of_run) {
            ("trained_on", false) | ("used", true) => drop(self.datasets.insert(dst)),
            ("produced_by", false) => self.runs.push(dst),
            ("built_from", _) => self.code.push(dst),
            ("ran_in", _) => self.envs.push(dst),
            _ => {}
        }
    }
}

/// The catalog records of `dataset:NAME@VERSION` nodes (unknown ones are skipped).
fn dataset_versions(conn: &catalog::Conn, nodes: &BTreeSet<String>) -> Result<Vec<DatasetVersion>, ReportError> {
    let mut out = Vec::new();
    for node in nodes {
        let Some((name, version)) = node.strip_prefix("dataset:").and_then(|x| x.rsplit_once('@')) else { continue };
        if let Some(dv) = datasets::get(conn, name, version)? {
            out.push(dv);
        }
    }
    Ok(out)
}

/// The `derived_from` parents, with their root digest when the parent is registered.
fn parents(conn: &catalog::Conn, out_edges: &[EdgeRow]) -> Vec<Parent> {
    let root_of = |reference: &str| {
        let p = governance::resolve(conn, reference).ok()?;
        Some(models::get_version(conn, p.model_id, &p.version).ok()??.summary.root_digest)
    };
    out_edges
        .iter()
        .filter(|e| e.kind == "derived_from")
        .map(|e| {
            let reference = e.dst.strip_prefix("version:").unwrap_or(&e.dst).to_string();
            Parent { root_digest: root_of(&reference), relation: e.relation.clone(), reference }
        })
        .collect()
}

/// The latest drill of each environment the version served in.
fn drills_where_served(conn: &catalog::Conn, version_id: i64) -> Result<Vec<governance::drill::Drill>, ReportError> {
    let envs: BTreeSet<String> = catalog::deployments::of_version(conn, version_id)?.into_iter().map(|d| d.env).collect();
    Ok(governance::drill::latest(conn, None)?.into_iter().filter(|d| envs.contains(&d.env)).collect())
}

/// Erasure requests that name the version among their impacts or are about one of its datasets.
fn erasures_touching(
    conn: &catalog::Conn,
    node: &str,
    datasets: &BTreeSet<String>,
) -> Result<Vec<erasure::Erasure>, ReportError> {
    let all = erasure::list(conn)?;
    Ok(all.into_iter().filter(|e| e.impacts.iter().any(|i| i.node == node) || datasets.contains(&e.dataset)).collect())
}

/// Seqs of the audit events about the version, its model and its datasets, ascending.
fn cited_events(conn: &catalog::Conn, v: &VersionRef, datasets: &BTreeSet<String>) -> Result<Vec<i64>, ReportError> {
    let subjects = [v.node.clone(), ids::model_node(&v.model)].into_iter().chain(datasets.iter().cloned());
    let mut cited = Vec::new();
    for subject in subjects {
        cited.extend(reports::event_seqs_about(conn, &subject, CITED_PER_SUBJECT)?);
    }
    cited.sort();
    cited.dedup();
    Ok(cited)
}
