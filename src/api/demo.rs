//! "Open demo workspace": carries out `demo::plan` through the same operations a user calls
//! (registration, evaluation, approval by an independent validator, promotion, deployment,
//! monitoring, attachments, a drill, a system), each act at its day of a history that ends
//! today, so timelines and "what served at T" have months to show.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::deploy::{DeployRequest, deploy};
use super::governance::{self, ApproveRequest, EvaluateRequest, PromoteRequest};
use super::{ApiError, ErrorCode, Session, register_version};
use crate::demo::{Act, Validated};
use crate::progress::{OnProgress, Progress, Unit};

/// What the demo created.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct DemoSummary {
    pub models: u32,
    pub versions: u32,
    pub dataset_versions: u32,
}

/// How many days of history the demo spans, ending now.
pub const DAYS: i64 = 330;

/// Who approves in the demo: never the person who registered.
fn validator(me: &str) -> String {
    if me == "validator@demo.pedigree" { "checker@demo.pedigree" } else { "validator@demo.pedigree" }.to_string()
}

/// Evaluates a version, has an independent validator approve it, and promotes it.
fn validate(s: &mut Session, v: &Validated) -> Result<(), ApiError> {
    let reference = v.reference.clone();
    let eval = EvaluateRequest { reference: reference.clone(), dataset: v.dataset.into(), metrics: v.metrics.clone() };
    governance::evaluate(s, &eval)?;
    let me = s.actor.clone();
    s.actor = validator(&me);
    let approve = ApproveRequest {
        reference: reference.clone(),
        decision: "approved".into(),
        role: "validator".into(),
        justification: v.justification.into(),
    };
    // Another person: their own key signs the approval (the user's key would be the maker's).
    static VALIDATOR: std::sync::OnceLock<crate::identity::Identity> = std::sync::OnceLock::new();
    let who = VALIDATOR.get_or_init(|| crate::identity::Identity::ephemeral("Demo validator", &s.actor));
    let approved = crate::identity::acting_as(who, || governance::approve(s, &approve));
    s.actor = me;
    approved?;
    governance::promote(s, &PromoteRequest { reference, status: "approved".into(), reason: "validated".into() })?;
    Ok(())
}

fn act(s: &mut Session, a: &Act) -> Result<(), ApiError> {
    match a {
        Act::Register(req) => drop(register_version(s, req, &crate::progress::ignore)?),
        Act::Validate(v) => validate(s, v)?,
        Act::Deploy(d) => {
            let req = DeployRequest {
                reference: d.reference.clone(),
                env: d.env.into(),
                strategy: d.strategy.into(),
                traffic: d.traffic,
                reason: d.reason.into(),
                recorded_from: d.carrier.as_ref().map(|_| "ci".to_string()),
                carrier: d.carrier.clone(),
            };
            drop(deploy(s, &req)?);
        }
        Act::Production(env) => {
            drop(super::deploy::set_environment(s, &super::deploy::EnvRequest { name: env.to_string(), production: true })?)
        }
        Act::Monitor(snapshots) => {
            let req = super::monitor::MonitorImportRequest { text: String::new(), snapshots: snapshots.clone() };
            drop(super::monitor::monitor_import(s, &req)?);
        }
        Act::Rule { env, rule, auto } => {
            let req = super::monitor::MonitorRuleRequest { env: env.to_string(), rule: rule.to_string(), auto: *auto };
            drop(super::monitor::monitor_rule_add(s, &req)?);
        }
        Act::Attach { reference, kind, path } => {
            let req = super::attachments::AttachRequest {
                reference: reference.to_string(),
                kind: kind.to_string(),
                path: path.display().to_string(),
            };
            drop(super::attachments::attach_file(s, &req)?);
        }
        Act::Drill => drop(super::deploy::drill(s, &super::deploy::DrillRequest { env: None })?),
        Act::System { system, components } => {
            let req = super::systems::SystemPinRequest {
                system: system.to_string(),
                components: components.iter().map(|c| c.to_string()).collect(),
                message: "claims triage: photos of the damage and the claim's text".into(),
            };
            drop(super::systems::system_pin(s, &req, &crate::progress::ignore)?);
        }
    }
    Ok(())
}

/// Creates the demo in an empty workspace.
pub fn open_demo(s: &mut Session, progress: OnProgress<'_>) -> Result<DemoSummary, ApiError> {
    let (models, ..) = crate::catalog::graph::counts(s.ws.catalog.conn())?;
    if models > 0 {
        return Err(ApiError::new(ErrorCode::Conflict, "the demo needs an empty workspace; this one already has models"));
    }
    // Whole days back from now, at 09:00 UTC: the history ends before today's events.
    let start = (chrono::Utc::now() - chrono::Duration::days(DAYS + 1))
        .date_naive()
        .and_hms_opt(9, 0, 0)
        .expect("09:00 exists")
        .and_utc();
    let plan = crate::demo::plan(&s.ws.root.join("demo-data"), start)
        .map_err(|e| ApiError::new(ErrorCode::Io, format!("cannot write demo files: {e}")))?;
    let total = plan.acts.len() as u64;
    let tick = |done: u64| progress(&Progress { task: "creating demo".into(), done, total, unit: Unit::Files, detail: None });
    for (i, t) in plan.acts.iter().enumerate() {
        tick(i as u64);
        // Acts of one day a second apart, in the order listed.
        let ts = crate::demo::instant(start, t.day + i as f64 / 86_400.0);
        crate::audit::at(&ts, || act(s, &t.act))?;
    }
    tick(total);
    let (models, versions, dataset_versions, _) = crate::catalog::graph::counts(s.ws.catalog.conn())?;
    Ok(DemoSummary { models, versions, dataset_versions })
}
