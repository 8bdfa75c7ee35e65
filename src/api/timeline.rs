//! A model's retraining timeline and its wire types: versions over time with their metrics and
//! data, and where they served — one answer for a model of any size (the UI windows it).

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::{ApiError, ErrorCode, Session};
use crate::catalog::deployments::Deployment;
use crate::catalog::models;
use crate::catalog::timeline::{self, TimelinePoint};

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ModelTimelineRequest {
    /// `MODEL` or `MODEL/VARIANT`.
    pub model: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ModelTimeline {
    pub model: String,
    /// Oldest first.
    pub points: Vec<TimelinePoint>,
    /// Metric names the versions carry, the most common first.
    pub metrics: Vec<String>,
    /// Where its versions served, oldest first.
    pub deployments: Vec<Deployment>,
}

pub fn model_timeline(s: &Session, req: &ModelTimelineRequest) -> Result<ModelTimeline, ApiError> {
    let conn = s.ws.catalog.conn();
    let id = models::model_id(conn, &req.model)?
        .ok_or_else(|| ApiError::new(ErrorCode::NotFound, format!("no model named {}", req.model)))?;
    let points = timeline::points(conn, id)?;
    let mut counts: std::collections::BTreeMap<&str, usize> = Default::default();
    for p in &points {
        for k in p.metrics.keys() {
            *counts.entry(k).or_default() += 1;
        }
    }
    let mut metrics: Vec<(&str, usize)> = counts.into_iter().collect();
    metrics.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    let metrics = metrics.into_iter().map(|(k, _)| k.to_string()).collect();
    let deployments = timeline::deployments(conn, id)?;
    Ok(ModelTimeline { model: req.model.clone(), points, metrics, deployments })
}
