//! `pedigree run|reproduce|attach|decision|monitor|drill|system`: production history.

use super::args::*;
use super::{Ctx, emit, render_history as render};
use crate::api::{self, ApiError};

/// Runs one of this area's commands (the others are routed elsewhere by `cli::run`).
pub(super) fn run(ctx: &Ctx, command: Command) -> Result<i32, ApiError> {
    match command {
        Command::Attach(a) => {
            let req = api::attachments::AttachRequest { reference: a.reference, kind: a.kind, path: a.file.display().to_string() };
            emit(ctx.json, &api::attachments::attach_file(&mut ctx.open()?, &req)?, render::attached);
        }
        Command::Deploy(d) => return deploy(ctx, d),
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
