//! Evaluations: metric values of a version on a dataset, overall or per slice (group), checked
//! against a threshold and against the previous version's value on the same dataset, metric and
//! slice (the baseline).

use rusqlite::Connection;
use serde::{Deserialize, Serialize};
use serde_json::json;
use ts_rs::TS;

use super::{GovError, resolve};
use crate::audit;
use crate::catalog::graph::{EdgeRow, insert_edge};
use crate::catalog::{CatalogError, evaluations};
use crate::ids;

/// One metric value to record.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct MetricInput {
    pub metric: String,
    pub value: f64,
    /// `KEY=VALUE` of the group, e.g. `age=65+`; absent for the overall value.
    #[serde(default)]
    pub slice: Option<String>,
    /// `OP VALUE` with OP one of >=, >, <=, <, ==, e.g. `>= 0.9`.
    #[serde(default)]
    pub threshold: Option<String>,
}

/// A recorded evaluation, with its verdicts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct Evaluation {
    pub dataset: String,
    pub metric: String,
    pub slice: String,
    pub value: f64,
    pub threshold: Option<String>,
    /// Against the threshold (none without one).
    pub passed: Option<bool>,
    pub baseline_version: Option<String>,
    pub baseline: Option<f64>,
    /// better, same or worse than the baseline (direction from the threshold, else from the
    /// metric name: loss/error/latency-like metrics are better when lower).
    pub vs_baseline: Option<String>,
    pub created_by: String,
    pub created_at: String,
    #[ts(type = "number")]
    pub audit_seq: i64,
}

fn parse_threshold(t: &str) -> Result<(String, f64), GovError> {
    let t = t.trim();
    let op = [">=", "<=", "==", ">", "<"].into_iter().find(|op| t.starts_with(op));
    let bad = || GovError::BadValue {
        field: "threshold",
        value: t.to_string(),
        expected: "use OP VALUE with OP one of >=, >, <=, <, == (e.g. \">= 0.9\")",
    };
    let op = op.ok_or_else(bad)?;
    let v: f64 = t[op.len()..].trim().parse().map_err(|_| bad())?;
    if !v.is_finite() {
        return Err(bad());
    }
    Ok((op.to_string(), v))
}

fn passes(op: &str, value: f64, threshold: f64) -> bool {
    match op {
        ">=" => value >= threshold,
        ">" => value > threshold,
        "<=" => value <= threshold,
        "<" => value < threshold,
        _ => (value - threshold).abs() < 1e-12,
    }
}

fn lower_is_better(metric: &str, op: Option<&str>) -> bool {
    match op {
        Some("<=" | "<") => true,
        Some(">=" | ">") => false,
        _ => {
            let m = metric.to_lowercase();
            ["loss", "error", "mse", "mae", "rmse", "latency", "perplexity", "wer", "cer", "fpr", "fnr"]
                .iter()
                .any(|k| m.contains(k))
        }
    }
}

fn verdict(metric: &str, op: Option<&str>, value: f64, baseline: f64) -> &'static str {
    if (value - baseline).abs() < 1e-12 {
        "same"
    } else if (value < baseline) == lower_is_better(metric, op) {
        "better"
    } else {
        "worse"
    }
}

/// Records evaluations (one audit event for the batch) and links version → dataset
/// (`validated_on`).
/// Returns the evaluations recorded now.
pub fn evaluate(
    conn: &Connection,
    reference: &str,
    dataset: &str,
    metrics: &[MetricInput],
    actor: &str,
) -> Result<Vec<Evaluation>, GovError> {
    let v = resolve(conn, reference)?;
    let (dn, dv) = super::dataset_ref(conn, dataset)?;
    if metrics.is_empty() {
        return Err(GovError::Missing { field: "metrics", why: "give at least one metric NAME=VALUE" });
    }
    let dnode = ids::dataset_node(dn, dv);
    let mut parsed = Vec::new();
    for m in metrics {
        if m.metric.trim().is_empty() || !m.value.is_finite() {
            return Err(GovError::BadValue {
                field: "metrics",
                value: format!("{}={}", m.metric, m.value),
                expected: "a name and a finite number",
            });
        }
        let slice = m.slice.clone().unwrap_or_default();
        if !slice.is_empty() && !slice.contains('=') {
            return Err(GovError::BadValue { field: "slice", value: slice, expected: "use KEY=VALUE, e.g. age=65+" });
        }
        let th = m.threshold.as_deref().filter(|t| !t.trim().is_empty()).map(parse_threshold).transpose()?;
        parsed.push((m, slice, th));
    }
    let now = audit::now();
    let payload = json!({
        "dataset": dnode,
        "metrics": parsed.iter().map(|(m, slice, th)| json!({"metric": m.metric, "value": m.value, "slice": slice,
            "threshold": th.as_ref().map(|(op, t)| format!("{op} {t}"))})).collect::<Vec<_>>(),
    });
    let seq = audit::append(conn, &now, actor, "evaluate", &v.node, &payload)?;
    for (m, slice, th) in &parsed {
        let row = evaluations::NewEvaluation {
            version_id: v.id,
            dataset: &dnode,
            metric: &m.metric,
            slice,
            value: m.value,
            threshold: th.as_ref().map(|(op, t)| (op.as_str(), *t)),
            created_by: actor,
            created_at: &now,
            audit_seq: seq,
        };
        evaluations::insert(conn, &row)?;
    }
    insert_edge(conn, &EdgeRow { src: v.node.clone(), dst: dnode, kind: "validated_on".into(), relation: None }, seq)?;
    Ok(list(conn, v.id)?.into_iter().filter(|e| e.audit_seq == seq).collect())
}

/// No threshold failed and nothing is worse than its baseline.
pub fn all_passed(evaluations: &[Evaluation]) -> bool {
    evaluations.iter().all(|e| e.passed != Some(false) && e.vs_baseline.as_deref() != Some("worse"))
}

/// Every evaluation of a version, with threshold and baseline verdicts.
pub fn list(conn: &Connection, version_id: i64) -> Result<Vec<Evaluation>, CatalogError> {
    let rows = evaluations::of_version(conn, version_id)?;
    Ok(rows.into_iter().map(judge).collect())
}

/// Adds the verdicts (threshold, baseline) to a stored row.
fn judge(r: evaluations::EvaluationRow) -> Evaluation {
    let threshold = r.threshold.as_ref().map(|(o, t)| format!("{o} {t}"));
    let passed = r.threshold.as_ref().map(|(o, t)| passes(o, r.value, *t));
    let (baseline_version, baseline) = match r.baseline {
        Some((bv, b)) => (Some(bv), Some(b)),
        None => (None, None),
    };
    let op = r.threshold.as_ref().map(|(o, _)| o.as_str());
    Evaluation {
        vs_baseline: baseline.map(|b| verdict(&r.metric, op, r.value, b).to_string()),
        dataset: r.dataset,
        slice: r.slice,
        value: r.value,
        threshold,
        passed,
        baseline_version,
        baseline,
        metric: r.metric,
        created_by: r.created_by,
        created_at: r.created_at,
        audit_seq: r.audit_seq,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thresholds_and_directions() {
        assert_eq!(parse_threshold(">= 0.9").unwrap(), (">=".into(), 0.9));
        assert_eq!(parse_threshold("<0.2").unwrap(), ("<".into(), 0.2));
        assert!(parse_threshold("~ 1").is_err() && parse_threshold(">= x").is_err());
        assert!(passes(">=", 0.9, 0.9) && !passes(">", 0.9, 0.9) && passes("<", 0.1, 0.2));
        assert_eq!(verdict("accuracy", None, 0.91, 0.90), "better");
        assert_eq!(verdict("val_loss", None, 0.91, 0.90), "worse");
        assert_eq!(verdict("accuracy", Some("<="), 0.91, 0.90), "worse");
        assert_eq!(verdict("f1", None, 0.5, 0.5), "same");
    }
}
