//! The `pedigree` command line: parses arguments, calls `crate::api`, renders the result
//! (human tables, or one JSON document on stdout with `--json`). Errors: one line on stderr,
//! non-zero exit; an error about a request field names the flag that sets it.
//!
//! `args` holds the clap definitions, `run_*` one runner per area, `requests` the request
//! builders, `render` the human output.

use std::path::PathBuf;

use clap::Parser;
use serde::Serialize;

use crate::api::{ApiError, Session};
use crate::audit::resolve_actor;
use args::{Cli, Command};

mod args;
mod args_history;
mod progress_bar;
mod render;
mod render_history;
mod render_sync;
mod requests;
mod run_core;
mod run_governance;
mod run_history;
mod run_stores;
mod run_sync;
mod subargs;

/// What every command runs with.
pub(crate) struct Ctx {
    pub root: PathBuf,
    pub json: bool,
    actor: Option<String>,
}

impl Ctx {
    /// Who acts: `--actor`, else `PEDIGREE_ACTOR`, git's user.email, the OS user.
    pub fn actor(&self) -> String {
        resolve_actor(self.actor.as_deref())
    }

    /// Opens the workspace.
    pub fn open(&self) -> Result<Session, ApiError> {
        Session::open(&self.root, self.actor())
    }
}

pub fn main() -> i32 {
    let cli = Cli::parse();
    let json = cli.global.json;
    match run(cli) {
        Ok(code) => code,
        Err(e) => {
            if json {
                println!("{}", serde_json::to_string(&serde_json::json!({ "error": e })).expect("errors serialise"));
            }
            match e.field.as_deref().and_then(flag_of) {
                Some(flag) => eprintln!("error: {} ({flag})", e.message),
                None => eprintln!("error: {}", e.message),
            }
            1
        }
    }
}

/// The flag that sets request field `field` (camelCase), for error hints. Positional arguments
/// (the version reference, a store name) have none.
fn flag_of(field: &str) -> Option<String> {
    let flag = match field {
        "reference" | "name" | "id" | "model" | "path" | "rule" | "proposal" => return None,
        "requiredRoles" => "require".to_string(),
        "manifest" => "from-manifest".to_string(),
        "metrics" => "metric".to_string(),
        "params" => "param".to_string(),
        "parents" => "parent".to_string(),
        f => f.chars().fold(String::new(), |mut out, c| {
            if c.is_ascii_uppercase() {
                out.push('-');
            }
            out.push(c.to_ascii_lowercase());
            out
        }),
    };
    Some(format!("--{flag}"))
}

fn emit<T: Serialize>(json: bool, value: &T, human: impl FnOnce(&T) -> String) {
    if json {
        println!("{}", serde_json::to_string_pretty(value).expect("responses serialise"));
    } else {
        print!("{}", human(value));
    }
}
fn run(cli: Cli) -> Result<i32, ApiError> {
    let g = cli.global;
    // Every audit event this process writes is signed by the person's key (made on first use).
    crate::identity::enable(crate::identity::dir());
    let ctx = Ctx { root: g.workspace.clone().unwrap_or_else(crate::workspace::default_dir), json: g.json, actor: g.actor };
    match run_command(&ctx, cli.command.clone()) {
        // A version whose files a remote has and this workspace not yet (`sync --metadata-only`):
        // fetched when first needed, then the command runs again.
        Err(e) if e.missing.is_some() => {
            let bar = progress_bar::Bar::new();
            let fetched = crate::api::remotes::fetch_missing(&mut ctx.open()?, &e, &|p| bar.update(p));
            bar.finish();
            match fetched? {
                Some(what) => {
                    eprintln!("fetched {what}: its files were not here yet");
                    run_command(&ctx, cli.command)
                }
                None => Err(e),
            }
        }
        done => done,
    }
}

fn run_command(ctx: &Ctx, command: Command) -> Result<i32, ApiError> {
    match command {
        c @ (Command::Remote { .. }
        | Command::Sync { .. }
        | Command::Fetch { .. }
        | Command::Push { .. }
        | Command::Pull { .. }
        | Command::Bundle { .. }
        | Command::Conflicts
        | Command::Resolve { .. }) => run_sync::run(ctx, c),
        c @ (Command::Store { .. } | Command::Index { .. } | Command::Artifacts { .. } | Command::Watch { .. }) => {
            run_stores::run(ctx, c)
        }
        c @ (Command::Report { .. }
        | Command::Verify { .. }
        | Command::Approve { .. }
        | Command::Policy { .. }
        | Command::Promote { .. }
        | Command::Evaluate { .. }
        | Command::Rollback { .. }
        | Command::Serving { .. }
        | Command::Deployments { .. }
        | Command::Env { .. }
        | Command::Erase { .. }
        | Command::Erasure { .. }) => run_governance::run(ctx, c),
        c @ (Command::Attach(_)
        | Command::Deploy(_)
        | Command::Decision { .. }
        | Command::Run(_)
        | Command::Monitor { .. }
        | Command::Drill { .. }
        | Command::System { .. }
        | Command::Reproduce(_)) => run_history::run(ctx, c),
        c => run_core::run(ctx, c),
    }
}
