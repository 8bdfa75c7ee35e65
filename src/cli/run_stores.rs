//! `pedigree store|index|artifacts|watch`: artifact stores.

use super::args::*;
use super::progress_bar;
use super::requests::ctrlc_flag;
use super::{Ctx, emit, render};
use crate::api::{self, ApiError};

/// Runs one of this area's commands (the others are routed elsewhere by `cli::run`).
pub(super) fn run(ctx: &Ctx, command: Command) -> Result<i32, ApiError> {
    match command {
        Command::Store { command } => match command {
            StoreCommand::Add(args) => {
                let req = crate::api::stores::StoreAddRequest::from(args);
                let info = api::stores::store_add(&mut ctx.open()?, &req)?;
                emit(ctx.json, &info, |i| render::stores(std::slice::from_ref(i)));
            }
            StoreCommand::List => emit(ctx.json, &api::stores::store_list(&ctx.open()?)?, |r| render::stores(&r.stores)),
            StoreCommand::Remove { name } => {
                let res =
                    api::stores::store_remove(&mut ctx.open()?, &crate::api::stores::StoreNameRequest { name: name.clone() })?;
                emit(ctx.json, &res, |_| format!("removed store {name}\n"));
            }
        },
        Command::Index { store } => {
            let mut s = ctx.open()?;
            let bar = progress_bar::Bar::new();
            let res = api::stores::index_stores(&mut s, &crate::api::stores::IndexRequest { store }, &|p| bar.update(p));
            bar.finish();
            let res = res?;
            emit(ctx.json, &res, render::index_reports);
            if res.reports.iter().any(|r| !r.complete) {
                return Ok(2);
            }
        }
        Command::Artifacts { store, unregistered, filter, limit, offset } => {
            let req = crate::api::stores::ListArtifactsRequest {
                store,
                unregistered_only: unregistered,
                query: filter,
                offset: Some(offset),
                limit: Some(limit),
            };
            emit(ctx.json, &api::stores::list_artifacts(&ctx.open()?, &req)?, render::artifacts);
        }
        Command::Watch { stores, settle_ms } => {
            let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
            let flag = stop.clone();
            let _ = ctrlc_flag(flag);
            if !ctx.json {
                eprintln!("watching (Ctrl-C to stop)…");
            }
            let json = ctx.json;
            api::host::watch_stores(&ctx.root, stores, std::time::Duration::from_millis(settle_ms), &stop, &mut |e| {
                if json {
                    println!("{}", serde_json::to_string(e).expect("events serialise"));
                } else {
                    println!("{}", render::store_event(e));
                }
                use std::io::Write;
                let _ = std::io::stdout().flush();
            })?;
        }
        other => unreachable!("{other:?} is not a store command"),
    }
    Ok(0)
}
