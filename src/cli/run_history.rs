//! `pedigree run|reproduce|attach|decision|monitor|drill|system`: production history.

use super::args::*;
use super::{Ctx, emit, render_history as render};
use crate::api::{self, ApiError, ErrorCode};

/// Runs one of this area's commands (the others are routed elsewhere by `cli::run`).
pub(super) fn run(ctx: &Ctx, command: Command) -> Result<i32, ApiError> {
    match command {
        Command::Attach(a) => {
            let req =
                api::attachments::AttachRequest { reference: a.reference, kind: a.kind, path: a.file.display().to_string() };
            emit(ctx.json, &api::attachments::attach_file(&mut ctx.open()?, &req)?, render::attached);
        }
        Command::Deploy(d) => return deploy(ctx, d),
        Command::System { command } => system(ctx, command)?,
        Command::Drill { env } => {
            let res = api::deploy::drill(&mut ctx.open()?, &api::deploy::DrillRequest { env })?;
            emit(ctx.json, &res, render::drills);
            return Ok(if res.ok { 0 } else { 3 });
        }
        Command::Monitor { command } => monitor(ctx, command)?,
        Command::Run(r) => return run_and_record(ctx, r),
        Command::Reproduce(r) => return reproduce(ctx, r),
        Command::Decision { env, at } => {
            emit(ctx.json, &api::deploy::decision(&ctx.open()?, &api::deploy::DecisionRequest { env, at })?, render::decision);
        }
        _ => unreachable!("routed by cli::run"),
    }
    Ok(0)
}

fn deploy(ctx: &Ctx, d: DeployArgs) -> Result<i32, ApiError> {
    let Some(file) = d.from_manifest else {
        let req = api::deploy::DeployRequest {
            reference: d.reference.unwrap_or_default(),
            env: d.env,
            strategy: d.strategy,
            traffic: d.traffic,
            reason: d.reason,
            carrier: d.carrier,
            recorded_from: d.recorded_from,
        };
        emit(ctx.json, &api::deploy::deploy(&mut ctx.open()?, &req)?, |d| render::deployments(d));
        return Ok(0);
    };
    let manifest = super::requests::read_text(&file, 1 << 20)?;
    let req = api::deploy::DeployManifestRequest { env: d.env, manifest, reason: d.reason };
    emit(ctx.json, &api::deploy::deploy_manifest(&mut ctx.open()?, &req)?, render::manifest_deployed);
    Ok(0)
}

/// `pedigree run`: the command runs with this terminal; then its capture is recorded (and what
/// it produced registered). Exits with the command's own code when it failed.
fn run_and_record(ctx: &Ctx, r: RunArgs) -> Result<i32, ApiError> {
    let cwd = std::env::current_dir().map_err(|e| ApiError::new(ErrorCode::Io, format!("no working folder: {e}")))?;
    let skip = [ctx.root.as_path()];
    let start = crate::runs::Start { argv: &r.command, cwd: &cwd, extra_env: &Default::default(), skip: &skip };
    let (capture, packages) = crate::runs::execute(&start).map_err(|e| ApiError::new(ErrorCode::InvalidInput, e.to_string()))?;
    let failed = capture.exit_code;
    let register = match r.model {
        Some(model) if failed == 0 => Some(api::runs::RegisterFromRun {
            model,
            version: r.version,
            outputs: r.output,
            trained_on: r.trained_on,
            parents: r.parent.into_iter().map(|parent| api::ParentLink { parent, relation: None }).collect(),
            message: r.message,
            metrics: r.metrics_from.map(|f| metrics_file(&cwd.join(f))).transpose()?.unwrap_or_default(),
        }),
        _ => None,
    };
    let req = api::runs::RecordRunRequest { capture, packages, register };
    let bar = super::progress_bar::Bar::new();
    let res = api::runs::record_run(&mut ctx.open()?, &req, &|p| bar.update(p));
    bar.finish();
    emit(ctx.json, &res?, render::run_recorded);
    Ok(if failed != 0 { failed.clamp(1, 255) } else { 0 })
}

/// A metrics file the run wrote: a JSON object of numbers.
fn metrics_file(p: &std::path::Path) -> Result<std::collections::BTreeMap<String, f64>, ApiError> {
    let text = super::requests::read_text(p, 1 << 20)?;
    serde_json::from_str(&text).map_err(|e| {
        ApiError::new(ErrorCode::InvalidInput, format!("{}: a metrics file is a JSON object of numbers: {e}", p.display()))
            .on(Some("metricsFrom"))
    })
}

fn reproduce(ctx: &Ctx, r: ReproduceArgs) -> Result<i32, ApiError> {
    let recipe = api::runs::recipe(&ctx.open()?, &api::runs::RecipeRequest { reference: r.reference })?;
    if !r.check {
        emit(ctx.json, &recipe, render::recipe);
        return Ok(0);
    }
    let skip = [ctx.root.as_path()];
    let report = crate::runs::reproduce::check(&recipe, r.cwd.as_deref(), &skip)
        .map_err(|e| ApiError::new(ErrorCode::InvalidInput, e.to_string()))?;
    api::runs::record_check(&mut ctx.open()?, &report)?;
    emit(ctx.json, &report, render::check);
    Ok(if report.identical { 0 } else { 3 })
}

fn monitor(ctx: &Ctx, command: MonitorCommand) -> Result<(), ApiError> {
    use api::monitor as m;
    let accept = matches!(command, MonitorCommand::Accept { .. });
    match command {
        MonitorCommand::Import { file } => {
            let text = super::requests::read_text(&file, 256 << 20)?;
            let req = m::MonitorImportRequest { text, snapshots: Vec::new() };
            emit(ctx.json, &m::monitor_import(&mut ctx.open()?, &req)?, render::imported);
        }
        MonitorCommand::Rule { env, rule, auto } => {
            let res = m::monitor_rule_add(&mut ctx.open()?, &m::MonitorRuleRequest { env, rule, auto })?;
            emit(ctx.json, &res, |r| {
                format!(
                    "{}: {}{}\n{}",
                    r.rule.env,
                    r.rule.expr,
                    if r.rule.auto { " (auto)" } else { "" },
                    render::proposals(&r.proposals)
                )
            });
        }
        MonitorCommand::Unrule { env, rule } => {
            let res = m::monitor_rule_remove(&mut ctx.open()?, &m::MonitorRuleRequest { env, rule, auto: false })?;
            emit(ctx.json, &res, |r| format!("removed {}: {}\n", r.env, r.expr));
        }
        MonitorCommand::Rules { env } => {
            let res = m::monitor_overview(&ctx.open()?, &m::MonitorRequest { env, metric: None, limit: Some(1) })?;
            emit(ctx.json, &res, |o| format!("{}{}", render::rules(&o.rules), render::proposals(&o.proposals)));
        }
        MonitorCommand::Accept { proposal, reason } | MonitorCommand::Dismiss { proposal, reason } => {
            let res = m::decide_proposal(&mut ctx.open()?, &m::ProposalDecision { proposal, accept, reason })?;
            emit(ctx.json, &res, |p| render::proposals(std::slice::from_ref(p)));
        }
        MonitorCommand::Show { env, metric } => {
            let res = m::monitor_overview(&ctx.open()?, &m::MonitorRequest { env: Some(env), metric, limit: None })?;
            emit(ctx.json, &res, render::monitor);
        }
    }
    Ok(())
}

fn system(ctx: &Ctx, command: SystemCommand) -> Result<(), ApiError> {
    use api::systems as sys;
    match command {
        SystemCommand::Pin { system, components, message } => {
            let res = sys::system_pin(&mut ctx.open()?, &sys::SystemPinRequest { system, components, message }, &|_| {})?;
            emit(ctx.json, &res, |r| render::system_plans(std::slice::from_ref(&r.plan)));
        }
        SystemCommand::Propose { apply } => {
            let list = sys::system_proposals(&ctx.open()?)?;
            if !apply {
                emit(ctx.json, &list, |l| render::system_plans(&l.proposals));
                return Ok(());
            }
            let mut made = Vec::new();
            for p in list.proposals {
                let req = sys::SystemPinRequest { system: p.system, components: Vec::new(), message: String::new() };
                made.push(sys::system_pin(&mut ctx.open()?, &req, &|_| {})?.plan);
            }
            emit(ctx.json, &made, |m| render::system_plans(m));
        }
    }
    Ok(())
}
