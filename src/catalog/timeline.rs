//! What a model's retraining timeline draws, in three reads whatever its number of versions:
//! every version (when, number, status, metrics), the data each was trained on, and where its
//! versions served.

use std::collections::BTreeMap;

use rusqlite::{Connection, params};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::CatalogError;
use super::deployments::Deployment;

/// One version on the timeline.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct TimelinePoint {
    pub version: String,
    pub created_at: String,
    pub status: String,
    pub bump: String,
    pub metrics: BTreeMap<String, f64>,
    /// `DATASET@VERSION` it was trained on (directly or through its run).
    pub data: Vec<String>,
}

/// The versions of a model, oldest first.
pub fn points(conn: &Connection, model_id: i64) -> Result<Vec<TimelinePoint>, CatalogError> {
    let mut st = conn.prepare_cached(
        "SELECT v.version, v.created_at, v.status, v.bump, v.metrics, m.name FROM versions v JOIN models m ON m.id = v.model_id
         WHERE v.model_id = ?1 ORDER BY v.created_at, v.sort_key",
    )?;
    let mut out = Vec::new();
    let mut name = String::new();
    let mut rows = st.query([model_id])?;
    while let Some(r) = rows.next()? {
        let metrics: String = r.get(4)?;
        name = r.get(5)?;
        out.push(TimelinePoint {
            version: r.get(0)?,
            created_at: r.get(1)?,
            status: r.get(2)?,
            bump: r.get(3)?,
            metrics: serde_json::from_str(&metrics).map_err(|source| CatalogError::Json { what: "version metrics", source })?,
            data: Vec::new(),
        });
    }
    // The data: `trained_on` edges of the versions, and `used` edges of the runs that produced them.
    let prefix = format!("version:{name}@");
    let mut st = conn.prepare_cached(
        "SELECT e.src, e.dst FROM edges e WHERE e.kind = 'trained_on' AND substr(e.src, 1, length(?1)) = ?1
         UNION
         SELECT p.src, u.dst FROM edges p JOIN edges u ON u.src = p.dst AND u.kind = 'used'
         WHERE p.kind = 'produced_by' AND substr(p.src, 1, length(?1)) = ?1",
    )?;
    let mut data: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut rows = st.query(params![prefix])?;
    while let Some(r) = rows.next()? {
        let (src, dst): (String, String) = (r.get(0)?, r.get(1)?);
        let version = src[prefix.len()..].to_string();
        data.entry(version).or_default().push(dst.trim_start_matches("dataset:").to_string());
    }
    for p in &mut out {
        if let Some(mut d) = data.remove(&p.version) {
            d.sort();
            d.dedup();
            p.data = d;
        }
    }
    Ok(out)
}

/// Every deployment of the model's versions, oldest first.
pub fn deployments(conn: &Connection, model_id: i64) -> Result<Vec<Deployment>, CatalogError> {
    let mut all = super::deployments::of_model(conn, model_id)?;
    all.reverse();
    Ok(all)
}
