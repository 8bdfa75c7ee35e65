//! Evaluation rows: a metric value of a version on a dataset, per slice, with its threshold and
//! the baseline (the previous version's value for the same dataset, metric and slice).

use rusqlite::{Connection, params};

use super::CatalogError;

/// A new evaluation row.
pub struct NewEvaluation<'a> {
    pub version_id: i64,
    pub dataset: &'a str,
    pub metric: &'a str,
    pub slice: &'a str,
    pub value: f64,
    /// `(op, value)`, e.g. `(">=", 0.9)`.
    pub threshold: Option<(&'a str, f64)>,
    pub created_by: &'a str,
    pub created_at: &'a str,
    pub audit_seq: i64,
}

pub fn insert(conn: &Connection, e: &NewEvaluation<'_>) -> Result<(), CatalogError> {
    conn.execute(
        "INSERT INTO evaluations (version_id, dataset, metric, slice, value, threshold_op, threshold, created_by, created_at, audit_seq)
         VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10)",
        params![
            e.version_id,
            e.dataset,
            e.metric,
            e.slice,
            e.value,
            e.threshold.map(|t| t.0),
            e.threshold.map(|t| t.1),
            e.created_by,
            e.created_at,
            e.audit_seq
        ],
    )?;
    Ok(())
}

/// A stored evaluation with its baseline, before any verdict.
pub struct EvaluationRow {
    pub dataset: String,
    pub metric: String,
    pub slice: String,
    pub value: f64,
    pub threshold: Option<(String, f64)>,
    /// `(MODEL@VERSION, value)` of the closest earlier version with the same dataset, metric, slice.
    pub baseline: Option<(String, f64)>,
    pub created_by: String,
    pub created_at: String,
    pub audit_seq: i64,
}

/// Every evaluation of a version, oldest first.
pub fn of_version(conn: &Connection, version_id: i64) -> Result<Vec<EvaluationRow>, CatalogError> {
    let mut st = conn.prepare_cached(
        "SELECT e.dataset, e.metric, e.slice, e.value, e.threshold_op, e.threshold, e.created_by, e.created_at, e.audit_seq,
                (SELECT m.name || '@' || pv.version || char(9) || pe.value
                   FROM evaluations pe JOIN versions pv ON pv.id = pe.version_id JOIN models m ON m.id = pv.model_id
                  WHERE pv.model_id = v.model_id AND pv.sort_key < v.sort_key
                    AND pe.dataset = e.dataset AND pe.metric = e.metric AND pe.slice = e.slice
                  ORDER BY pv.sort_key DESC, pe.id DESC LIMIT 1)
         FROM evaluations e JOIN versions v ON v.id = e.version_id WHERE e.version_id = ?1 ORDER BY e.id",
    )?;
    let rows = st
        .query_map([version_id], |r| {
            let op: Option<String> = r.get(4)?;
            let th: Option<f64> = r.get(5)?;
            let base: Option<String> = r.get(9)?;
            let baseline = base
                .as_deref()
                .and_then(|b| b.split_once('\t'))
                .and_then(|(bv, val)| val.parse::<f64>().ok().map(|v| (bv.to_string(), v)));
            Ok(EvaluationRow {
                dataset: r.get(0)?,
                metric: r.get(1)?,
                slice: r.get(2)?,
                value: r.get(3)?,
                threshold: op.zip(th),
                baseline,
                created_by: r.get(6)?,
                created_at: r.get(7)?,
                audit_seq: r.get(8)?,
            })
        })?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}
