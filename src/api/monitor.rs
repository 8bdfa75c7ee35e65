//! Monitoring operations and their wire types: import snapshots, rules, rollback proposals,
//! and what the Deployments view draws for one environment.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::governance::write;
use super::{ApiError, ErrorCode, Session};
use crate::catalog::monitoring as rows;
use crate::governance::deploy::{self, Deployment};
use crate::governance::monitor::{self, Imported, Proposal, Rule, Snapshot};

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct MonitorImportRequest {
    /// JSON lines (`{"env", "at", "metrics": {…}}`) or CSV (`env,at,metric,value`), as exported
    /// by a monitoring system.
    #[serde(default)]
    pub text: String,
    /// Or the snapshots themselves.
    #[serde(default)]
    pub snapshots: Vec<Snapshot>,
}

/// Imports metric snapshots, then judges the rules of the environments they touch.
pub fn monitor_import(s: &mut Session, req: &MonitorImportRequest) -> Result<Imported, ApiError> {
    let mut all = req.snapshots.clone();
    if !req.text.trim().is_empty() {
        all.extend(monitor::input::parse(&req.text)?);
    }
    if all.is_empty() {
        return Err(ApiError::new(ErrorCode::InvalidInput, "no monitoring snapshots given").on(Some("text")));
    }
    write(s, |c, a| monitor::import(c, &all, a, true))
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct MonitorRuleRequest {
    pub env: String,
    /// `METRIC OP VALUE [for N]`, e.g. `auc < 0.7 for 3`.
    pub rule: String,
    /// Roll back without asking when it fires.
    #[serde(default)]
    pub auto: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct MonitorRuleAdded {
    pub rule: Rule,
    /// Proposals it raised at once from the snapshots already there.
    pub proposals: Vec<Proposal>,
}

pub fn monitor_rule_add(s: &mut Session, req: &MonitorRuleRequest) -> Result<MonitorRuleAdded, ApiError> {
    let (rule, proposals) = write(s, |c, a| monitor::add_rule(c, &req.env, &req.rule, req.auto, a, true))?;
    Ok(MonitorRuleAdded { rule, proposals })
}

pub fn monitor_rule_remove(s: &mut Session, req: &MonitorRuleRequest) -> Result<Rule, ApiError> {
    write(s, |c, a| monitor::remove_rule(c, &req.env, &req.rule, a))
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ProposalDecision {
    /// The proposal's id here, or its event hash.
    pub proposal: String,
    /// Roll back now (true) or dismiss it.
    pub accept: bool,
    pub reason: String,
}

pub fn decide_proposal(s: &mut Session, req: &ProposalDecision) -> Result<Proposal, ApiError> {
    write(s, |c, a| monitor::decide(c, &req.proposal, req.accept, &req.reason, a))
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct MonitorRequest {
    /// One environment, or every one (rules and proposals only).
    pub env: Option<String>,
    /// The metric to draw (default: the first a rule watches, else the first there is).
    pub metric: Option<String>,
    /// Snapshots drawn at most (the newest; default 2,000).
    pub limit: Option<u32>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct MetricCount {
    pub metric: String,
    #[ts(type = "number")]
    pub snapshots: u64,
}

/// One environment's monitoring: its metrics, one metric over time with the deployments that
/// served, the rules and the proposals.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct MonitorOverview {
    pub env: Option<String>,
    pub metrics: Vec<MetricCount>,
    pub metric: Option<String>,
    pub series: Vec<Snapshot>,
    pub deployments: Vec<Deployment>,
    pub rules: Vec<Rule>,
    pub proposals: Vec<Proposal>,
}

pub fn monitor_overview(s: &Session, req: &MonitorRequest) -> Result<MonitorOverview, ApiError> {
    let conn = s.ws.catalog.conn();
    let env = req.env.as_deref();
    let rules = rows::rules(conn, env)?;
    let proposals = rows::proposals(conn, env)?;
    let Some(env) = env else {
        return Ok(MonitorOverview {
            env: None,
            metrics: vec![],
            metric: None,
            series: vec![],
            deployments: vec![],
            rules,
            proposals,
        });
    };
    let metrics: Vec<MetricCount> =
        rows::metrics_of(conn, env)?.into_iter().map(|(metric, snapshots)| MetricCount { metric, snapshots }).collect();
    let metric = req
        .metric
        .clone()
        .or_else(|| rules.iter().map(|r| r.metric.clone()).find(|m| metrics.iter().any(|x| &x.metric == m)))
        .or_else(|| metrics.first().map(|m| m.metric.clone()));
    let series = match &metric {
        Some(m) => monitor::series(conn, env, m, req.limit.unwrap_or(2000).clamp(1, 100_000))?,
        None => Vec::new(),
    };
    let deployments = deploy::timeline(conn, Some(env), None)?;
    Ok(MonitorOverview { env: Some(env.to_string()), metrics, metric, series, deployments, rules, proposals })
}
