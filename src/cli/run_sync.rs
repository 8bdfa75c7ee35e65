//! `pedigree remote add|list|remove|test` and `pedigree sync`.

use std::io::BufRead;

use super::args::*;
use super::progress_bar;
use super::{Ctx, emit, render_sync};
use crate::api::remotes::{RemoteAddRequest, RemoteNameRequest, SyncRequest};
use crate::api::{self, ApiError, ErrorCode};
use crate::sync::SyncOptions;
use crate::sync::conflicts::Take;

/// Runs one of this area's commands (the others are routed elsewhere by `cli::run`).
pub(super) fn run(ctx: &Ctx, command: Command) -> Result<i32, ApiError> {
    match command {
        Command::Remote { action } => match action {
            RemoteAction::Add { name, kind, url, username, token_stdin, plain_http, trust } => {
                let secret = if username.is_some() || token_stdin { Some(read_secret()?) } else { None };
                let (password, token) = if token_stdin { (None, secret) } else { (secret, None) };
                let req = RemoteAddRequest {
                    name,
                    kind,
                    url,
                    username,
                    password,
                    token,
                    plain_http: plain_http.then_some(true),
                    trust,
                };
                let info = api::remotes::remote_add(&mut ctx.open()?, &req)?;
                emit(ctx.json, &info, |i| render_sync::remotes(std::slice::from_ref(i)));
            }
            RemoteAction::List => emit(ctx.json, &api::remotes::remote_list(&ctx.open()?)?, |r| render_sync::remotes(&r.remotes)),
            RemoteAction::Remove { name } => {
                let res = api::remotes::remote_remove(&mut ctx.open()?, &RemoteNameRequest { name: name.clone() })?;
                emit(ctx.json, &res, |_| format!("removed remote {name} (the versions it brought stay)\n"));
            }
            RemoteAction::Schedule { name, every } => {
                let every = crate::remote::config::parse_every(&every).map_err(ApiError::from)?;
                let req = api::remotes::RemoteScheduleRequest { name, every };
                let info = api::remotes::remote_schedule(&mut ctx.open()?, &req)?;
                emit(ctx.json, &info, |i| render_sync::remotes(std::slice::from_ref(i)));
            }
            RemoteAction::Test { name } => {
                emit(ctx.json, &api::remotes::remote_test(&ctx.open()?, &RemoteNameRequest { name })?, render_sync::remote_test)
            }
        },
        Command::Sync { remote, pull_only, push_only, dry_run, models, verify, import_drift, metadata_only } => {
            let mut s = ctx.open()?;
            let bar = progress_bar::Bar::new();
            let req = SyncRequest {
                remote,
                options: SyncOptions {
                    models,
                    dry_run,
                    pull_only,
                    push_only,
                    verify,
                    import_drift,
                    metadata_only,
                    ..Default::default()
                },
            };
            let res = api::remotes::sync_remote(&mut s, &req, &|p| bar.update(p));
            bar.finish();
            let res = res?;
            emit(ctx.json, &res, render_sync::sync_report);
            if res.team.as_ref().is_some_and(|t| !t.refused.is_empty()) {
                return Ok(1);
            }
            // Drift not imported is not in step either: both need a decision.
            if !res.conflicts.is_empty() || (!import_drift && !res.drifted.is_empty()) {
                return Ok(3);
            }
            if !res.failed.is_empty() {
                return Ok(1);
            }
        }
        Command::Fetch { target, remote } => {
            // MODEL/NUMBER (the server's version number) or MODEL@VERSION-OR-ALIAS.
            let (model, version) = match (target.rsplit_once('@'), target.rsplit_once('/')) {
                (Some((m, v)), _) if !v.is_empty() => (m.to_string(), Some(v.to_string())),
                (_, Some((m, v))) if !v.is_empty() && v.chars().all(|c| c.is_ascii_digit()) => {
                    (m.to_string(), Some(v.to_string()))
                }
                _ => (target, None),
            };
            let mut s = ctx.open()?;
            let bar = progress_bar::Bar::new();
            let req = api::remotes::FetchRequest { remote, model, version };
            let res = api::remotes::fetch_remote(&mut s, &req, &|p| bar.update(p));
            bar.finish();
            let res = res?;
            emit(ctx.json, &res, render_sync::sync_report);
            if !res.failed.is_empty() || !res.skipped.is_empty() {
                return Ok(1);
            }
        }
        Command::Push { reference, to, attest } => {
            let req = api::remotes::PushRequest { reference, remote: to, attest: attest.then_some(true) };
            let res = api::remotes::push_version(&mut ctx.open()?, &req)?;
            emit(ctx.json, &res, |r| {
                let mut out = render_sync::sync_report(&r.report);
                if let (Some(a), Some(b)) = (&r.attestation, &r.bundle) {
                    out.push_str(&format!("attested: {a}\n  report bundle {b}\n"));
                }
                out
            });
            if !res.report.failed.is_empty() {
                return Ok(1);
            }
        }
        Command::Pull { reference, model } => {
            let res = api::remotes::pull_artifact(&mut ctx.open()?, &api::remotes::PullRequest { reference, model })?;
            emit(ctx.json, &res, |p| {
                let via = p.remote.as_deref().map(|r| format!(" (bound on {r})")).unwrap_or_default();
                format!("pulled {} as {}{via}\n", p.source, p.version)
            });
        }
        Command::Bundle { command: BundleCommand::Export { versions, out, no_bytes } } => {
            let req = api::interchange::ExportBundleRequest { versions, out: out.display().to_string(), no_bytes };
            emit(ctx.json, &api::interchange::export_bundle(&ctx.open()?, &req)?, render_sync::bundle_exported);
        }
        Command::Bundle { command: BundleCommand::Import { file, trust, prefix } } => {
            let req = api::interchange::ImportBundleRequest { file: file.display().to_string(), trust, prefix };
            emit(ctx.json, &api::interchange::import_bundle(&mut ctx.open()?, &req)?, render_sync::bundle_imported);
        }
        Command::Conflicts => emit(ctx.json, &api::remotes::list_conflicts(&ctx.open()?)?, render_sync::conflicts),
        Command::Resolve { id, take } => {
            let take = if take == "local" { Take::Local } else { Take::Remote };
            let c = api::remotes::resolve_conflict(&mut ctx.open()?, &api::remotes::ResolveConflictRequest { id, take })?;
            emit(ctx.json, &c, |c| format!("resolved conflict {} on {} ({})\n", c.id, c.subject, c.remote));
        }
        _ => unreachable!("routed here by cli::run"),
    }
    Ok(0)
}

/// One line from stdin (a password or token), so it stays out of the shell history.
fn read_secret() -> Result<String, ApiError> {
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .map_err(|e| ApiError::new(ErrorCode::InvalidInput, format!("cannot read the secret from stdin: {e}")))?;
    Ok(line.trim_end_matches(['\r', '\n']).to_string())
}
