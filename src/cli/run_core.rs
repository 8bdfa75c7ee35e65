//! `pedigree init|register|models|versions|show|lineage|audit|serve|dev`: the registry itself, its audit log and the server.

use std::path::PathBuf;

use super::args::*;
use super::progress_bar;
use super::requests::register_request;
use super::{Ctx, emit, render, render_sync};
use crate::api::ErrorCode;
use crate::api::{self, ApiError};

/// Runs one of this area's commands (the others are routed elsewhere by `cli::run`).
pub(super) fn run(ctx: &Ctx, command: Command) -> Result<i32, ApiError> {
    match command {
        Command::Init => emit(ctx.json, &api::init_workspace(&ctx.root)?, render::init),
        Command::Register(a) => {
            let req = register_request(a)?;
            let mut s = ctx.open()?;
            let bar = progress_bar::Bar::new();
            let res = api::register_version(&mut s, &req, &|p| bar.update(p));
            bar.finish();
            emit(ctx.json, &res?, render::registered);
        }
        Command::Models { filter, limit, after } => {
            let res = api::list_models(&ctx.open()?, &api::ListModelsRequest { filter, after, limit: Some(limit) })?;
            emit(ctx.json, &res, render::models);
        }
        Command::Versions { model, limit, offset } => {
            let res = api::list_versions(&ctx.open()?, &api::ListVersionsRequest { model, offset, limit: Some(limit) })?;
            emit(ctx.json, &res, render::versions);
        }
        Command::Show { reference, at } => {
            emit(ctx.json, &api::show_version(&ctx.open()?, &api::ShowVersionRequest { reference, at })?, render::show)
        }
        Command::Alias { action } => {
            let res = match action {
                AliasAction::Set { reference, alias } => {
                    api::aliases::set_alias(&mut ctx.open()?, &api::aliases::SetAliasRequest { reference, alias })?
                }
                AliasAction::Remove { model, alias } => {
                    api::aliases::remove_alias(&mut ctx.open()?, &api::aliases::RemoveAliasRequest { model, alias })?
                }
            };
            emit(ctx.json, &res, render::alias_change);
        }
        Command::Aliases { model } => {
            emit(ctx.json, &api::aliases::list_aliases(&ctx.open()?, &api::aliases::AliasesRequest { model })?, render::aliases)
        }
        Command::Describe { target, text } => annotate(ctx, target, "description", Some(text))?,
        Command::Tag { action: TagAction::Set { target, key, value } } => {
            annotate(ctx, target, &format!("tag:{key}"), Some(value))?
        }
        Command::Tag { action: TagAction::Remove { target, key } } => annotate(ctx, target, &format!("tag:{key}"), None)?,
        Command::Stage { target, stage } => {
            let stage = (!stage.eq_ignore_ascii_case("none")).then_some(stage);
            annotate(ctx, target, "stage", stage)?
        }
        Command::Tags { target } => emit(
            ctx.json,
            &api::annotations::annotations(&ctx.open()?, &api::annotations::AnnotationsRequest { target })?,
            render_sync::annotations,
        ),
        Command::Diff { a, b } => {
            emit(ctx.json, &api::diff::diff_versions(&ctx.open()?, &api::diff::DiffRequest { a, b })?, render::diff)
        }
        Command::Lineage { node, up, down, format } => {
            let view = api::LineageRequest { node, up, down };
            let export = |format| -> Result<(), ApiError> {
                let req = api::interchange::ExportLineageRequest { view: view.clone(), format };
                print!("{}", api::interchange::export_lineage(&ctx.open()?, &req)?.text);
                Ok(())
            };
            match (format, ctx.json) {
                (Some(LineageFormat::Prov), _) => export(api::interchange::ExportFormat::Prov)?,
                (Some(LineageFormat::Openlineage), _) => export(api::interchange::ExportFormat::Openlineage)?,
                (Some(LineageFormat::Dot), _) => print!("{}", crate::lineage::to_dot(&api::lineage(&ctx.open()?, &view)?)),
                (Some(LineageFormat::Json), _) | (None, true) => {
                    emit(true, &api::lineage(&ctx.open()?, &view)?, |_| String::new())
                }
                (None, false) => print!("{}", render::lineage(&api::lineage(&ctx.open()?, &view)?)),
            }
        }
        Command::StateDigest { parts } => {
            let r = api::team::state_digest(&ctx.open()?)?;
            emit(ctx.json, &r, |r| {
                let mut out = format!("{}\n", r.digest);
                if parts {
                    for p in &r.parts {
                        out.push_str(&format!("  {:<12} {:>7} rows  {}\n", p.name, p.rows, p.digest));
                    }
                }
                out
            });
        }
        Command::Team { command: TeamCommand::Pq { state } } => {
            let mut s = ctx.open()?;
            let r = match state.as_str() {
                "status" => api::team::pq_status(&s)?,
                on => api::team::pq_set(&mut s, &api::team::PqSetRequest { on: on == "on" })?,
            };
            emit(ctx.json, &r, render::pq_status);
        }
        Command::Team { command } => {
            let mut s = ctx.open()?;
            let r = match command {
                TeamCommand::List => api::team::team_list(&s)?,
                TeamCommand::Init { name } => api::team::team_init(&mut s, &api::team::TeamInitRequest { name })?,
                TeamCommand::Add { public_key, name, roles } => {
                    api::team::team_set(&mut s, &api::team::TeamSetRequest { public_key, name, roles })?
                }
                TeamCommand::Remove { member } => api::team::team_remove(&mut s, &api::team::TeamRemoveRequest { member })?,
                TeamCommand::Pq { .. } => unreachable!("matched above"),
            };
            emit(ctx.json, &r, render::team);
        }
        Command::Identity { command } => {
            let dir = crate::identity::dir();
            let failed = |e: String| ApiError::new(ErrorCode::InvalidInput, e);
            let id = match command {
                IdentityCommand::Show => crate::identity::Identity::load_or_create(&dir),
                IdentityCommand::UseSsh { path } => crate::identity::Identity::use_ssh(&dir, &path),
                IdentityCommand::Set { name, email } => {
                    crate::identity::Identity::set_names(&dir, name.as_deref(), email.as_deref())
                }
            }
            .map_err(failed)?;
            emit(ctx.json, &id.info(), render::identity);
        }
        Command::Import { command: ImportCommand::Openlineage { paths } } => {
            let events = super::requests::openlineage_events(&paths)?;
            let report =
                api::interchange::import_openlineage(&mut ctx.open()?, &api::interchange::ImportOpenLineageRequest { events })?;
            emit(ctx.json, &report, render::openlineage_import);
        }
        Command::Audit { command: AuditCommand::Log { subject, limit } } => {
            let res = api::audit_log(&ctx.open()?, &api::AuditLogRequest { subject, before: None, limit: Some(limit) })?;
            emit(ctx.json, &res, render::audit_log);
        }
        Command::Audit { command: AuditCommand::Verify { against } } => {
            let notes = against
                .iter()
                .map(|d| {
                    let p = d.join("log/checkpoint.txt");
                    std::fs::read_to_string(&p).map(|note| (d.display().to_string(), note)).map_err(|e| {
                        ApiError::new(ErrorCode::InvalidInput, format!("{}: {e} (is it a report bundle?)", p.display()))
                    })
                })
                .collect::<Result<Vec<_>, _>>()?;
            let report = api::audit_verify_against(&ctx.open()?, &notes)?;
            emit(ctx.json, &report, render::verify);
            if !report.ok {
                let problem = report.problem.as_deref().unwrap_or("unknown problem");
                match report.first_bad_seq {
                    Some(seq) => eprintln!("error: audit chain broken at seq {seq}: {problem}"),
                    None => eprintln!("error: {problem}"),
                }
                return Ok(1);
            }
        }
        Command::Audit { command: AuditCommand::Checkpoint } => {
            let c = api::report::checkpoint(&mut ctx.open()?)?;
            emit(ctx.json, &c, |c| c.note.clone());
        }
        Command::Serve { port, bind, token, public_url, no_watch, no_schedule } => {
            let opts = crate::server::ServeOptions {
                workspace: ctx.root.clone(),
                actor: ctx.actor(),
                bind,
                port,
                token,
                public_url,
                watch: !no_watch,
                schedule: !no_schedule,
            };
            let json = ctx.json;
            crate::server::serve(opts, |addr, url| {
                if json {
                    println!("{}", serde_json::json!({ "address": addr.to_string(), "url": url }));
                } else {
                    println!("Pedigree is serving {url}  (Ctrl-C to stop)");
                }
                use std::io::Write;
                let _ = std::io::stdout().flush();
            })?;
        }
        Command::Dev { command: DevCommand::GenTypes } => {
            let path = PathBuf::from(api::typescript::PATH);
            std::fs::create_dir_all(path.parent().expect("has parent"))
                .map_err(|e| ApiError::new(ErrorCode::Io, e.to_string()))?;
            std::fs::write(&path, api::typescript::bindings()).map_err(|e| ApiError::new(ErrorCode::Io, e.to_string()))?;
            eprintln!("wrote {}", path.display());
        }
        other => unreachable!("{other:?} is not a core command"),
    }
    Ok(0)
}

/// Sets or clears one field of a model's or version's metadata and prints it all.
fn annotate(ctx: &Ctx, target: String, field: &str, value: Option<String>) -> Result<(), ApiError> {
    let req = api::annotations::AnnotateRequest { target, field: field.into(), value };
    emit(ctx.json, &api::annotations::annotate(&mut ctx.open()?, &req)?, render_sync::annotations);
    Ok(())
}
