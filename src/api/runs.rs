//! Captured runs and reproduction, and their wire types: record a run (and register what it
//! produced, `produced_by`), a version's recipe, a reproduction check's result.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::{ApiError, ErrorCode, ParentLink, RegisterRequest, RegisterResponse, Session};
use crate::progress::OnProgress;
use crate::runs::reproduce::{self, CheckReport, Recipe};
use crate::runs::{RunCapture, outputs, record};

/// Registering what a run produced.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct RegisterFromRun {
    /// `MODEL` or `MODEL/VARIANT`.
    pub model: String,
    pub version: Option<String>,
    /// Files or folders the run wrote (absolute, or relative to its folder); none: every model
    /// file among its outputs.
    pub outputs: Vec<String>,
    pub trained_on: Vec<String>,
    pub parents: Vec<ParentLink>,
    pub message: String,
    pub metrics: BTreeMap<String, f64>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct RecordRunRequest {
    pub capture: RunCapture,
    /// The Python packages as `name==version` lines (kept by the digest the capture names).
    pub packages: Option<String>,
    pub register: Option<RegisterFromRun>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct RunRecorded {
    pub run: RunCapture,
    /// False when this run was recorded already.
    pub created: bool,
    pub registered: Option<RegisterResponse>,
}

fn invalid(msg: impl Into<String>, field: &str) -> ApiError {
    ApiError::new(ErrorCode::InvalidInput, msg).on(Some(field))
}

/// Records a captured run and, when asked, registers the model it produced.
pub fn record_run(s: &mut Session, req: &RecordRunRequest, progress: OnProgress<'_>) -> Result<RunRecorded, ApiError> {
    let c = &req.capture;
    record::validate(c).map_err(|m| invalid(m, "capture"))?;
    if let Some(text) = &req.packages {
        let want = c.environment.interpreter.as_ref().map(|i| i.packages_digest.as_str());
        if want != Some(crate::hash::sha256_hex(text.as_bytes()).as_str()) {
            return Err(invalid("the package list does not match the digest the capture names", "packages"));
        }
        let tmp = tempfile::NamedTempFile::new_in(s.ws.cas.root().join("tmp"))
            .map_err(|e| ApiError::new(ErrorCode::Io, e.to_string()))?;
        std::fs::write(tmp.path(), text).map_err(|e| ApiError::new(ErrorCode::Io, e.to_string()))?;
        s.ws.cas.put_file(tmp.path(), &mut |_| {}).map_err(|e| ApiError::new(ErrorCode::Io, e.to_string()))?;
    }
    // What to register is settled before anything is written.
    let register = req.register.as_ref().map(|r| register_request(c, r)).transpose()?;
    let actor = s.actor.clone();
    let created = s.ws.catalog.write(|tx| record::record(tx, c, &actor))?;
    let registered = match register {
        Some(r) => Some(super::register_version(s, &r, progress)?),
        None => None,
    };
    Ok(RunRecorded { run: c.clone(), created, registered })
}

/// The registration of what run `c` produced.
fn register_request(c: &RunCapture, r: &RegisterFromRun) -> Result<RegisterRequest, ApiError> {
    if c.exit_code != 0 {
        return Err(ApiError::new(
            ErrorCode::Conflict,
            format!("the run failed (exit code {}): nothing is registered from it; the run itself is recorded", c.exit_code),
        ));
    }
    let cwd = Path::new(&c.cwd);
    let paths: Vec<PathBuf> = if r.outputs.is_empty() {
        c.outputs.iter().filter(|o| outputs::is_model_file(&o.path)).map(|o| cwd.join(&o.path)).collect()
    } else {
        r.outputs.iter().map(|o| cwd.join(o)).collect()
    };
    if paths.is_empty() {
        return Err(invalid(
            format!(
                "the run wrote no model file ({}); name what to register with --output",
                outputs::MODEL_EXTENSIONS.join(", ")
            ),
            "outputs",
        ));
    }
    // A produced file changed since the run is not what the run produced.
    for o in &c.outputs {
        let p = cwd.join(&o.path);
        if paths.iter().any(|x| p.starts_with(x)) {
            let now = crate::runs::capture::file_digest(&p, &o.path).map(|f| f.sha256);
            if now.as_deref() != Some(o.sha256.as_str()) {
                return Err(ApiError::new(ErrorCode::Conflict, format!("{} changed after the run wrote it", p.display())));
            }
        }
    }
    let message =
        if r.message.is_empty() { format!("produced by run {}: {}", c.id, c.command.join(" ")) } else { r.message.clone() };
    Ok(RegisterRequest {
        paths: paths.iter().map(|p| p.display().to_string()).collect(),
        model: r.model.clone(),
        version: r.version.clone(),
        parents: r.parents.clone(),
        trained_on: r.trained_on.clone(),
        params: c.params.clone(),
        metrics: r.metrics.clone(),
        message,
        code: c.code_ref(),
        environment: c.environment_id(),
        run: Some(c.id.clone()),
        ..RegisterRequest::default()
    })
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct RecipeRequest {
    /// `MODEL@VERSION`.
    pub reference: String,
}

/// How a version was made: its run's command, folder, code, environment digests, seeds, data.
pub fn recipe(s: &Session, req: &RecipeRequest) -> Result<Recipe, ApiError> {
    Ok(reproduce::recipe(s.ws.catalog.conn(), &req.reference)?)
}

/// Records a reproduction check's result against the version (an audit event with the
/// digests compared).
pub fn record_check(s: &mut Session, report: &CheckReport) -> Result<(), ApiError> {
    let outputs: Vec<serde_json::Value> =
        report.outputs.iter().map(|o| serde_json::json!({"path": o.path, "recorded": o.recorded, "now": o.now})).collect();
    let payload = serde_json::json!({
        "run": report.run, "rerun": report.rerun.id, "identical": report.identical,
        "differences": report.differences.iter().map(|d| d.what.clone()).collect::<Vec<_>>(), "outputs": outputs,
    });
    let actor = s.actor.clone();
    let (model, version) = crate::ids::split_ref(&report.reference)?;
    let node = crate::ids::version_node(model, version);
    s.ws.catalog.write(|tx| {
        crate::runs::record::record(tx, &report.rerun, &actor)?;
        crate::audit::append(tx, &crate::audit::now(), &actor, "reproduce", &node, &payload).map(drop)
    })?;
    Ok(())
}
