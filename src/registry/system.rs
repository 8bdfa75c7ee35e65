//! Composite systems (multimodal pipelines, ensembles): a system is a model whose versions pin
//! component versions (any model, any variant line). A system version's one file,
//! `system.json`, lists its components with their root digests, so the version is content
//! addressed like any other; `derived_from` edges of relation `component` link it to them, so
//! lineage, impact and erasure analysis pass through systems. A new component version proposes
//! a new system version whose number follows the components' bumps: a component's major step
//! (or one removed) is a major step of the system, a minor step (or one added) a minor one, a
//! patch a patch.

use std::collections::BTreeMap;

use rusqlite::Connection;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::catalog::{graph, models};
use crate::ids;

/// The file a system version holds.
pub const FILE: &str = "system.json";

/// One pinned component.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct Pin {
    /// The model's line: `MODEL` or `MODEL/VARIANT`.
    pub model: String,
    pub version: String,
    pub root_digest: String,
}

/// One component's change between two system versions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ComponentChange {
    pub model: String,
    pub from: Option<String>,
    pub to: Option<String>,
    /// major, minor or patch.
    pub bump: String,
}

/// A system version to make.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct SystemPlan {
    pub system: String,
    /// Its latest version now, if it has one.
    pub from: Option<String>,
    /// The version to make.
    pub version: String,
    /// major, minor or patch (major for a first version).
    pub bump: String,
    pub changes: Vec<ComponentChange>,
    pub components: Vec<Pin>,
}

/// Why a system version cannot be planned.
#[derive(Debug, thiserror::Error)]
pub enum SystemError {
    #[error(transparent)]
    Catalog(#[from] crate::catalog::CatalogError),
    #[error(transparent)]
    Name(#[from] ids::NameError),
    #[error("{0} is not registered (a component is a registered version: MODEL@VERSION)")]
    UnknownComponent(String),
    #[error("{0} names the same line twice")]
    Twice(String),
    #[error("a system pins at least one component (--component MODEL@VERSION)")]
    Empty,
    #[error("a system cannot pin itself ({0})")]
    ItSelf(String),
    #[error("{0} pins these versions already: nothing to change")]
    Unchanged(String),
}

/// The components a system version pins, in line order.
pub fn pins(conn: &Connection, version_node: &str) -> Result<Vec<Pin>, SystemError> {
    let mut out = Vec::new();
    for e in graph::edges_from(conn, version_node)? {
        if e.kind != "derived_from" || e.relation.as_deref() != Some("component") {
            continue;
        }
        let r = e.dst.trim_start_matches("version:");
        out.push(pin(conn, r)?);
    }
    out.sort_by(|a, b| a.model.cmp(&b.model));
    Ok(out)
}

fn pin(conn: &Connection, reference: &str) -> Result<Pin, SystemError> {
    let (m, v) = ids::split_ref(reference)?;
    let unknown = || SystemError::UnknownComponent(reference.to_string());
    let id = models::model_id(conn, m)?.ok_or_else(unknown)?;
    let rec = models::get_version(conn, id, v)?.ok_or_else(unknown)?;
    Ok(Pin { model: m.to_string(), version: v.to_string(), root_digest: rec.summary.root_digest })
}

/// The latest version of a system and its pins.
fn latest(conn: &Connection, system: &str) -> Result<Option<(String, Vec<Pin>)>, SystemError> {
    let Some(id) = models::model_id(conn, system)? else { return Ok(None) };
    let Some(v) = models::latest_version(conn, id)? else { return Ok(None) };
    let version = v.summary.version;
    let p = pins(conn, &ids::version_node(system, &version))?;
    Ok(Some((version, p)))
}

fn step(from: &str, to: &str) -> &'static str {
    match (semver::Version::parse(from), semver::Version::parse(to)) {
        (Ok(a), Ok(b)) if a.major != b.major => "major",
        (Ok(a), Ok(b)) if a.minor != b.minor => "minor",
        _ => "patch",
    }
}

fn rank(b: &str) -> u8 {
    match b {
        "major" => 3,
        "minor" => 2,
        _ => 1,
    }
}

/// Plans the next version of `system`: its latest pins with `given` (`MODEL@VERSION`, one per
/// line) put in their place; with none given, every component moves to its line's newest
/// version (the proposal).
pub fn plan(conn: &Connection, system: &str, given: &[String]) -> Result<SystemPlan, SystemError> {
    ids::validate_model(system)?;
    let current = latest(conn, system)?;
    let mut next: BTreeMap<String, Pin> =
        current.as_ref().map(|(_, p)| p.iter().map(|x| (x.model.clone(), x.clone())).collect()).unwrap_or_default();
    let mut seen = std::collections::BTreeSet::new();
    for r in given {
        let p = pin(conn, r.strip_prefix("version:").unwrap_or(r))?;
        if p.model == system {
            return Err(SystemError::ItSelf(r.clone()));
        }
        if !seen.insert(p.model.clone()) {
            return Err(SystemError::Twice(p.model));
        }
        next.insert(p.model.clone(), p);
    }
    if given.is_empty() {
        for p in next.values_mut() {
            let Some(id) = models::model_id(conn, &p.model)? else { continue };
            if let Some(newest) = models::latest_version(conn, id)? {
                *p = Pin { model: p.model.clone(), version: newest.summary.version, root_digest: newest.summary.root_digest };
            }
        }
    }
    if next.is_empty() {
        return Err(SystemError::Empty);
    }
    let components: Vec<Pin> = next.into_values().collect();
    let Some((from, old)) = current else {
        let changes = components
            .iter()
            .map(|p| ComponentChange { model: p.model.clone(), from: None, to: Some(p.version.clone()), bump: "major".into() })
            .collect();
        return Ok(SystemPlan {
            system: system.into(),
            from: None,
            version: "1.0.0".into(),
            bump: "major".into(),
            changes,
            components,
        });
    };
    let mut changes = Vec::new();
    for p in &components {
        match old.iter().find(|o| o.model == p.model) {
            Some(o) if o.version == p.version => {}
            Some(o) => changes.push(ComponentChange {
                model: p.model.clone(),
                from: Some(o.version.clone()),
                to: Some(p.version.clone()),
                bump: step(&o.version, &p.version).into(),
            }),
            None => changes.push(ComponentChange {
                model: p.model.clone(),
                from: None,
                to: Some(p.version.clone()),
                bump: "minor".into(),
            }),
        }
    }
    if changes.is_empty() {
        return Err(SystemError::Unchanged(format!("{system}@{from}")));
    }
    let bump = changes.iter().map(|c| c.bump.as_str()).max_by_key(|b| rank(b)).unwrap_or("patch").to_string();
    let v = semver::Version::parse(&from).unwrap_or(semver::Version::new(0, 0, 0));
    let version = match bump.as_str() {
        "major" => semver::Version::new(v.major + 1, 0, 0),
        "minor" => semver::Version::new(v.major, v.minor + 1, 0),
        _ => semver::Version::new(v.major, v.minor, v.patch + 1),
    };
    Ok(SystemPlan { system: system.into(), from: Some(from), version: version.to_string(), bump, changes, components })
}

/// For every system, the next version its components' newest versions propose (systems that
/// are up to date are left out).
pub fn proposals(conn: &Connection) -> Result<Vec<SystemPlan>, SystemError> {
    let mut out = Vec::new();
    for system in graph::system_models(conn)? {
        match plan(conn, &system, &[]) {
            Ok(p) => out.push(p),
            Err(SystemError::Unchanged(_)) => {}
            Err(e) => return Err(e),
        }
    }
    Ok(out)
}

/// The bytes of a system version's file: its components, canonical JSON.
pub fn file_bytes(plan: &SystemPlan) -> Vec<u8> {
    let v = serde_json::json!({"pedigree": "system/v1", "system": plan.system, "components": plan.components});
    crate::audit::canonical(&v).into_bytes()
}
