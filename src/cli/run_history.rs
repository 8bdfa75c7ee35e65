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
        _ => unreachable!("routed by cli::run"),
    }
    Ok(0)
}
