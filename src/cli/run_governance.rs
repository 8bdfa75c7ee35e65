//! `pedigree approve|policy|promote|evaluate|rollback|serving|deployments|env|erase|erasure|report|verify`: governance and reports.

use super::args::*;
use super::progress_bar;
use super::requests::evaluate_request;
use super::{Ctx, emit, render};
use crate::api::{self, ApiError};

/// Runs one of this area's commands (the others are routed elsewhere by `cli::run`).
pub(super) fn run(ctx: &Ctx, command: Command) -> Result<i32, ApiError> {
    match command {
        Command::Report { reference, out } => {
            let req = api::report::ReportRequest { reference, out_dir: out.map(|p| p.display().to_string()) };
            let mut s = ctx.open()?;
            let bar = progress_bar::Bar::new();
            let res = api::report::build_report(&mut s, &req, &|p| bar.update(p));
            bar.finish();
            emit(ctx.json, &res?, render::bundle);
        }
        Command::Verify { dir, key } => {
            let req = api::report::VerifyBundleRequest { dir: dir.display().to_string(), key };
            let res = api::report::verify_bundle(&req)?;
            emit(ctx.json, &res, render::bundle_verification);
            if !res.ok {
                let failed: Vec<&str> = res.checks.iter().filter(|c| !c.ok).map(|c| c.name.as_str()).collect();
                eprintln!("error: the bundle does not verify: {}", failed.join(", "));
                return Ok(1);
            }
        }
        Command::Approve { reference, decision, role, justification } => {
            let req = api::governance::ApproveRequest { reference: reference.clone(), decision, role, justification };
            let gate = api::governance::approve(&mut ctx.open()?, &req)?;
            emit(ctx.json, &gate, |gt| render::gate(&reference, gt));
        }
        Command::Policy { model, require } => {
            let roles = api::governance::set_policy(
                &mut ctx.open()?,
                &api::governance::PolicyRequest { model: model.clone(), required_roles: require },
            )?;
            emit(ctx.json, &roles, |r| format!("{model}: versions need approvals from {}\n", r.join(", ")));
        }
        Command::Promote { reference, status, reason } => {
            let st = api::governance::promote(
                &mut ctx.open()?,
                &api::governance::PromoteRequest { reference: reference.clone(), status, reason },
            )?;
            emit(ctx.json, &st, |st| format!("{reference} is now {st}\n"));
        }
        Command::Evaluate { reference, dataset, metrics, slice, threshold, from } => {
            let req = evaluate_request(reference, dataset, metrics, slice, threshold, from)?;
            let res = api::governance::evaluate(&mut ctx.open()?, &req)?;
            emit(ctx.json, &res, render::evaluations);
            if !res.passed {
                return Ok(3);
            }
        }
        Command::Rollback { env, reason } => {
            let req = api::deploy::RollbackRequest { env, reason };
            emit(ctx.json, &api::deploy::rollback(&mut ctx.open()?, &req)?, |d| super::render_history::deployments(d));
        }
        Command::Serving { env, at } => {
            let res = api::deploy::serving(&ctx.open()?, &api::deploy::ServingRequest { env, at })?;
            emit(ctx.json, &res, |r| format!("{} at {}:\n{}", r.env, r.at, super::render_history::deployments(&r.deployments)));
        }
        Command::Deployments { env } => {
            let res = api::deploy::deployments(&ctx.open()?, &api::deploy::TimelineRequest { env, reference: None })?;
            emit(ctx.json, &res, |t| super::render_history::deployments(&t.deployments));
        }
        Command::Env { name, production } => {
            let res = api::deploy::set_environment(&mut ctx.open()?, &api::deploy::EnvRequest { name, production })?;
            emit(ctx.json, &res, |e| format!("{}: {}\n", e.name, if e.production { "production" } else { "not production" }));
        }
        Command::Erase { dataset, subject_hash, reason } => {
            let req = api::erasure::EraseRequest { dataset, subject_hash, reason };
            emit(ctx.json, &api::erasure::erase(&mut ctx.open()?, &req)?, |e| render::erasures(std::slice::from_ref(e)));
        }
        Command::Erasure { command: ErasureCommand::List } => {
            emit(ctx.json, &api::erasure::erasures(&ctx.open()?)?, |l| render::erasures(&l.requests));
        }
        Command::Erasure { command: ErasureCommand::Resolve { id, reference, retrained_as, exception } } => {
            let req = api::erasure::ResolveErasureRequest { id, reference, retrained_as, exception };
            emit(ctx.json, &api::erasure::resolve_erasure(&mut ctx.open()?, &req)?, |e| {
                render::erasures(std::slice::from_ref(e))
            });
        }
        other => unreachable!("{other:?} is not a governance command"),
    }
    Ok(0)
}
