//! Building API requests from command-line arguments (and a Ctrl-C flag for long commands).

use std::collections::BTreeMap;
use std::path::PathBuf;

use super::args::RegisterArgs;
use crate::api::{self, ApiError, ErrorCode};
use crate::registry::RegisterError;

pub(super) fn evaluate_request(
    reference: String,
    dataset: Option<String>,
    metrics: Vec<String>,
    slice: Option<String>,
    threshold: Vec<String>,
    from: Option<PathBuf>,
) -> Result<api::governance::EvaluateRequest, ApiError> {
    use crate::api::governance::EvaluateRequest;
    use crate::governance::evaluate::MetricInput;
    let mut req = match &from {
        Some(path) => {
            let text =
                std::fs::read_to_string(path).map_err(|e| ApiError::new(ErrorCode::Io, format!("{}: {e}", path.display())))?;
            let mut r: EvaluateRequest = serde_json::from_str(&text).map_err(|e| {
                ApiError::new(ErrorCode::InvalidInput, format!("{}: not an evaluation file: {e}", path.display()))
            })?;
            r.reference = reference.clone();
            r
        }
        None => EvaluateRequest { reference: reference.clone(), ..Default::default() },
    };
    if let Some(d) = dataset {
        req.dataset = d;
    }
    if req.dataset.is_empty() {
        return Err(ApiError::new(ErrorCode::InvalidInput, "--dataset DATASET@VERSION is required"));
    }
    let threshold = (!threshold.is_empty()).then(|| threshold.join(" "));
    for (k, v) in key_values("metric", &metrics, " with a numeric value, e.g. accuracy=0.93")? {
        let value: f64 = v.trim().parse().map_err(|_| {
            ApiError::new(ErrorCode::InvalidInput, format!("invalid metric {k}={v}: expected a number, e.g. accuracy=0.93"))
        })?;
        req.metrics.push(MetricInput { metric: k, value, slice: slice.clone(), threshold: threshold.clone() });
    }
    Ok(req)
}

/// Sets `flag` on SIGINT/SIGTERM (the watch loop checks it between event batches).
pub(super) fn ctrlc_flag(flag: std::sync::Arc<std::sync::atomic::AtomicBool>) -> std::io::Result<()> {
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    std::thread::spawn(move || {
        rt.block_on(async {
            let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).expect("SIGTERM handler");
            tokio::select! { _ = tokio::signal::ctrl_c() => {}, _ = term.recv() => {} }
        });
        flag.store(true, std::sync::atomic::Ordering::Relaxed);
    });
    Ok(())
}

pub(super) fn key_values(
    kind: &'static str,
    items: &[String],
    hint: &'static str,
) -> Result<BTreeMap<String, String>, RegisterError> {
    let mut out = BTreeMap::new();
    for kv in items {
        match kv.split_once('=') {
            Some((k, v)) if !k.trim().is_empty() => {
                out.insert(k.trim().to_string(), v.to_string());
            }
            _ => return Err(RegisterError::KeyValue { kind, given: kv.clone(), hint }),
        }
    }
    Ok(out)
}

pub(super) fn register_request(a: RegisterArgs) -> Result<api::RegisterRequest, ApiError> {
    let params = key_values("param", &a.params, "")?;
    let mut metrics = BTreeMap::new();
    for (k, v) in key_values("metric", &a.metrics, " with a numeric value, e.g. accuracy=0.93")? {
        let x: f64 = v.trim().parse().ok().filter(|x: &f64| x.is_finite()).ok_or_else(|| RegisterError::KeyValue {
            kind: "metric",
            given: format!("{k}={v}"),
            hint: " with a numeric value, e.g. accuracy=0.93",
        })?;
        metrics.insert(k, x);
    }
    if !a.relations.is_empty() && a.relations.len() != 1 && a.relations.len() != a.parents.len() {
        return Err(RegisterError::RelationCount { given: a.relations.len(), parents: a.parents.len() }.into());
    }
    if a.parents.is_empty() && !a.relations.is_empty() {
        return Err(ApiError::new(ErrorCode::InvalidInput, "--relation needs a --parent MODEL@VER"));
    }
    let parents = a
        .parents
        .iter()
        .enumerate()
        .map(|(i, p)| api::ParentLink {
            parent: p.clone(),
            relation: a.relations.get(if a.relations.len() == 1 { 0 } else { i }).cloned(),
        })
        .collect();
    let model = match &a.variant {
        Some(v) if a.model.contains('/') => {
            return Err(ApiError::new(
                ErrorCode::InvalidInput,
                format!("--model {} already names a variant; drop --variant {v}", a.model),
            ));
        }
        Some(v) => format!("{}/{v}", a.model),
        None => a.model,
    };
    Ok(api::RegisterRequest {
        paths: a.paths.iter().map(|p| p.display().to_string()).collect(),
        model,
        version: a.version,
        parents,
        trained_on: a.trained_on,
        params,
        metrics,
        message: a.message,
        code: a.code,
        environment: a.environment,
        run: a.run,
        from_index: a.from_index,
        allow_unsafe: a.allow_unsafe,
        link: a.link,
    })
}

/// The OpenLineage events in files, folders (every file in them, in name order) or `-` (stdin).
pub(super) fn openlineage_events(paths: &[PathBuf]) -> Result<Vec<serde_json::Value>, ApiError> {
    let bad =
        |p: &std::path::Path, e: &dyn std::fmt::Display| ApiError::new(ErrorCode::InvalidInput, format!("{}: {e}", p.display()));
    let mut files: Vec<PathBuf> = Vec::new();
    for p in paths {
        if p.is_dir() {
            let mut inside: Vec<PathBuf> =
                std::fs::read_dir(p).map_err(|e| bad(p, &e))?.flatten().map(|e| e.path()).filter(|f| f.is_file()).collect();
            inside.sort();
            files.extend(inside);
        } else {
            files.push(p.clone());
        }
    }
    let mut events = Vec::new();
    for f in &files {
        let text = read_text(f, crate::lineage::openlineage::MAX_BYTES as u64)?;
        events.extend(crate::lineage::openlineage::read_events(&text).map_err(|e| bad(f, &e))?);
    }
    Ok(events)
}

/// A text file, or stdin for `-`, read up to `cap` bytes (one more, so that a reader can tell
/// it was cut and refuse it).
pub(super) fn read_text(f: &std::path::Path, cap: u64) -> Result<String, ApiError> {
    use std::io::Read;
    let mut text = String::new();
    let read = if f.as_os_str() == "-" {
        std::io::stdin().take(cap + 1).read_to_string(&mut text)
    } else {
        std::fs::File::open(f).and_then(|h| h.take(cap + 1).read_to_string(&mut text))
    };
    read.map_err(|e| ApiError::new(ErrorCode::InvalidInput, format!("{}: {e}", f.display())))?;
    Ok(text)
}
