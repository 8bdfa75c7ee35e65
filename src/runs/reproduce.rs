//! Reproducing a version: the recipe its run recorded (command, folder, code commit, lock files
//! and packages by digest, seeds, data by digest, the outputs to expect) and a check that runs
//! it again where it ran, says how the environment differs now, and compares every output's
//! digest with the recorded one.

use std::collections::BTreeMap;
use std::path::Path;

use rusqlite::Connection;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::{FileDigest, RunCapture, RunError, Start};
use crate::catalog::{datasets, graph, models, runs};
use crate::governance::{GovError, resolve};

/// A dataset version the run used, by digest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct DataInput {
    /// `DATASET@VERSION`.
    pub dataset: String,
    pub root_digest: String,
    pub source_uri: String,
}

/// How to make a version again.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct Recipe {
    /// `MODEL@VERSION`.
    pub reference: String,
    pub run: RunCapture,
    pub code: Option<String>,
    pub environment_id: Option<String>,
    pub data: Vec<DataInput>,
    /// The version's files, by digest.
    pub expected: Vec<FileDigest>,
    /// Variables to set: the seeds the run's environment had.
    pub set_env: BTreeMap<String, String>,
    /// Who recorded the run.
    pub recorded_by: String,
}

/// The recipe of `reference` (a version a captured run produced).
pub fn recipe(conn: &Connection, reference: &str) -> Result<Recipe, GovError> {
    let v = resolve(conn, reference)?;
    let row = runs::of_version(conn, &v.node)?.ok_or_else(|| GovError::NoRun(v.name()))?;
    let run: RunCapture = serde_json::from_str(&row.capture)
        .map_err(|source| GovError::Catalog(crate::catalog::CatalogError::Json { what: "a run's capture", source }))?;
    let record = models::get_version(conn, v.model_id, &v.version)?.ok_or_else(|| GovError::UnknownVersion(v.name()))?;
    let mut data = Vec::new();
    let run_node = format!("run:{}", run.id);
    for e in graph::edges_from(conn, &v.node)?.into_iter().chain(graph::edges_from(conn, &run_node)?) {
        let Some((name, version)) = e.dst.strip_prefix("dataset:").and_then(|d| d.rsplit_once('@')) else { continue };
        if !matches!(e.kind.as_str(), "trained_on" | "used")
            || data.iter().any(|d: &DataInput| d.dataset == format!("{name}@{version}"))
        {
            continue;
        }
        if let Some(d) = datasets::get(conn, name, version)? {
            data.push(DataInput { dataset: format!("{name}@{version}"), root_digest: d.root_digest, source_uri: d.source_uri });
        }
    }
    let set_env =
        run.environment.seeds.iter().filter_map(|(k, x)| k.strip_prefix("env:").map(|k| (k.to_string(), x.clone()))).collect();
    Ok(Recipe {
        reference: v.name(),
        code: run.code_ref(),
        environment_id: run.environment_id(),
        expected: record
            .files
            .iter()
            .map(|f| FileDigest { path: f.path.clone(), sha256: f.sha256.clone(), size: f.size })
            .collect(),
        data,
        set_env,
        recorded_by: row.created_by,
        run,
    })
}

/// One way the environment differs from the recorded one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct Difference {
    pub what: String,
    pub recorded: String,
    pub now: String,
}

/// One recorded output, made again.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct OutputCheck {
    pub path: String,
    pub recorded: String,
    /// Its digest after the re-run (none: it is not there).
    pub now: Option<String>,
    pub same: bool,
}

/// What running the recipe again gave.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct CheckReport {
    pub reference: String,
    /// The run checked.
    pub run: String,
    /// The re-run, captured.
    pub rerun: RunCapture,
    pub differences: Vec<Difference>,
    pub outputs: Vec<OutputCheck>,
    /// Every recorded output came out byte for byte the same.
    pub identical: bool,
}

fn differ(out: &mut Vec<Difference>, what: &str, recorded: Option<String>, now: Option<String>) {
    let (r, n) = (recorded.unwrap_or_else(|| "(none)".into()), now.unwrap_or_else(|| "(none)".into()));
    if r != n {
        out.push(Difference { what: what.to_string(), recorded: r, now: n });
    }
}

/// How the environment `now` differs from the recorded one `was`.
pub fn differences(was: &RunCapture, now: &RunCapture) -> Vec<Difference> {
    let mut out = Vec::new();
    let (a, b) = (&was.environment, &now.environment);
    differ(&mut out, "code commit", a.git.as_ref().map(|g| g.commit.clone()), b.git.as_ref().map(|g| g.commit.clone()));
    differ(
        &mut out,
        "uncommitted changes",
        a.git.as_ref().and_then(|g| g.uncommitted_digest.clone()),
        b.git.as_ref().and_then(|g| g.uncommitted_digest.clone()),
    );
    let locks =
        |e: &super::RunEnvironment| e.locks.iter().map(|l| (l.path.clone(), l.sha256.clone())).collect::<BTreeMap<_, _>>();
    let (la, lb) = (locks(a), locks(b));
    for p in la.keys().chain(lb.keys()).collect::<std::collections::BTreeSet<_>>() {
        differ(&mut out, &format!("lock file {p}"), la.get(p).cloned(), lb.get(p).cloned());
    }
    let py = |e: &super::RunEnvironment, f: fn(&super::capture::Interpreter) -> String| e.interpreter.as_ref().map(f);
    differ(&mut out, "python", py(a, |i| i.version.clone()), py(b, |i| i.version.clone()));
    differ(&mut out, "installed packages", py(a, |i| i.packages_digest.clone()), py(b, |i| i.packages_digest.clone()));
    let gpus = |e: &super::RunEnvironment| {
        Some(e.hardware.gpus.iter().map(|g| format!("{} (driver {})", g.name, g.driver)).collect::<Vec<_>>().join(", "))
    };
    differ(&mut out, "GPUs", gpus(a), gpus(b));
    differ(&mut out, "exit code", Some(was.exit_code.to_string()), Some(now.exit_code.to_string()));
    out
}

/// Runs the recipe again where it ran (`cwd` overrides the folder) and compares.
pub fn check(r: &Recipe, cwd: Option<&Path>, skip: &[&Path]) -> Result<CheckReport, RunError> {
    let folder = cwd.map(Path::to_path_buf).unwrap_or_else(|| r.run.cwd.clone().into());
    let start = Start { argv: &r.run.command, cwd: &folder, extra_env: &r.set_env, skip };
    let (rerun, _) = super::execute(&start)?;
    let outputs: Vec<OutputCheck> = r
        .run
        .outputs
        .iter()
        .map(|o| {
            let now = super::capture::file_digest(&folder.join(&o.path), &o.path).map(|f| f.sha256);
            OutputCheck { path: o.path.clone(), recorded: o.sha256.clone(), same: now.as_deref() == Some(o.sha256.as_str()), now }
        })
        .collect();
    let identical = !outputs.is_empty() && outputs.iter().all(|o| o.same);
    Ok(CheckReport {
        reference: r.reference.clone(),
        run: r.run.id.clone(),
        differences: differences(&r.run, &rerun),
        outputs,
        identical,
        rerun,
    })
}
