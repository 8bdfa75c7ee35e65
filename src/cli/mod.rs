//! The `pedigree` command line: parses arguments, calls `crate::api`, renders the result
//! (human tables, or one JSON document on stdout with `--json`). Errors: one line on stderr,
//! non-zero exit.

use std::collections::BTreeMap;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};
use serde::Serialize;

use crate::api::{self, ApiError, ErrorCode, Session};
use crate::audit::resolve_actor;
use crate::registry::RegisterError;

mod progress_bar;
mod render;

#[derive(Parser, Debug)]
#[command(
    name = "pedigree",
    version,
    about = "Version ML models the way git versions code: content-addressed versions, lineage, audit log."
)]
struct Cli {
    #[command(flatten)]
    global: Global,
    #[command(subcommand)]
    command: Command,
}

#[derive(Args, Debug, Clone)]
struct Global {
    /// Workspace directory [default: $PEDIGREE_WORKSPACE or ~/.local/share/pedigree]
    #[arg(long, global = true, value_name = "DIR")]
    workspace: Option<PathBuf>,
    /// Machine output: one JSON document on stdout
    #[arg(long, global = true)]
    json: bool,
    /// Who is acting [default: $PEDIGREE_ACTOR, git user.email, OS user]
    #[arg(long, global = true)]
    actor: Option<String>,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Create a workspace (catalog, object store, signing key); safe to re-run
    Init,
    /// Register files or folders as one immutable version of a model
    Register(RegisterArgs),
    /// List models
    Models {
        /// Only models whose name contains this
        #[arg(long, default_value = "")]
        filter: String,
        /// Page size
        #[arg(long, default_value_t = 100)]
        limit: u32,
        /// Start after this model name (paging)
        #[arg(long, default_value = "")]
        after: String,
    },
    /// List a model's versions, highest first
    Versions {
        model: String,
        #[arg(long, default_value_t = 100)]
        limit: u32,
        #[arg(long, default_value_t = 0)]
        offset: u32,
    },
    /// Show one version: files, digests, interface, params, metrics, lineage links
    Show {
        /// MODEL@VERSION
        reference: String,
    },
    /// Show the lineage around a node (model:NAME, NAME@VERSION, dataset:NAME@N, run:ID…)
    Lineage {
        node: String,
        /// Hops upstream (towards data, parents, code)
        #[arg(long, default_value_t = 2)]
        up: u32,
        /// Hops downstream (towards children, deployments)
        #[arg(long, default_value_t = 2)]
        down: u32,
        #[arg(long, value_enum)]
        format: Option<LineageFormat>,
    },
    /// The audit log
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
    /// Artifact stores: local folders, S3 buckets, HTTP listings (indexed, never copied)
    Store {
        #[command(subcommand)]
        command: StoreCommand,
    },
    /// Walk stores and record the artifacts in them (incremental; all stores by default)
    Index {
        /// Store name [default: every store]
        store: Option<String>,
    },
    /// List artifacts found by `pedigree index`
    Artifacts {
        /// Only this store
        store: Option<String>,
        /// Only artifacts not registered yet
        #[arg(long)]
        unregistered: bool,
        /// Only paths containing this
        #[arg(long)]
        filter: Option<String>,
        #[arg(long, default_value_t = 100)]
        limit: u32,
        #[arg(long, default_value_t = 0)]
        offset: u32,
    },
    /// Watch local stores and index files as they land (Ctrl-C to stop); one line (or one JSON
    /// object with --json) per event
    Watch {
        /// Stores to watch [default: every local store, including ones added later]
        stores: Vec<String>,
        /// Milliseconds a file must be quiet before it is indexed
        #[arg(long, default_value_t = 1000)]
        settle_ms: u64,
    },
    /// Record an approval decision (the version's registrant cannot approve it)
    Approve {
        /// MODEL@VERSION
        reference: String,
        #[arg(long, value_parser = ["approved", "rejected"])]
        decision: String,
        #[arg(long, value_parser = ["validator", "owner", "risk"])]
        role: String,
        #[arg(long)]
        justification: String,
    },
    /// Set which roles must approve a model's versions (default: validator)
    Policy {
        model: String,
        /// Roles, comma-separated: validator,owner,risk
        #[arg(long, value_delimiter = ',', required = true)]
        require: Vec<String>,
    },
    /// Change a version's status (approved needs the policy's approvals)
    Promote {
        reference: String,
        #[arg(long, value_parser = ["candidate", "approved", "deprecated", "revoked"])]
        status: String,
        #[arg(long)]
        reason: String,
    },
    /// Record evaluation metrics of a version on a dataset (per slice, with thresholds)
    Evaluate {
        reference: String,
        /// DATASET@VERSION
        #[arg(long)]
        dataset: Option<String>,
        /// NAME=VALUE (repeatable)
        #[arg(long = "metric", value_name = "NAME=VALUE")]
        metrics: Vec<String>,
        /// KEY=VALUE group the metrics are for
        #[arg(long)]
        slice: Option<String>,
        /// OP VALUE applied to the metrics given here, e.g. ">= 0.9"
        #[arg(long, num_args = 1..=2, value_name = "OP VALUE")]
        threshold: Vec<String>,
        /// JSON file: {"dataset": "...", "metrics": [{"metric", "value", "slice"?, "threshold"?}]}
        #[arg(long, value_name = "FILE")]
        from: Option<PathBuf>,
    },
    /// Deploy a version to an environment
    Deploy {
        reference: String,
        #[arg(long)]
        env: String,
        #[arg(long, value_parser = ["full", "blue-green", "canary", "shadow"], default_value = "full")]
        strategy: String,
        /// Percent of traffic (canary)
        #[arg(long)]
        traffic: Option<u32>,
        #[arg(long)]
        reason: String,
    },
    /// Roll an environment back (drop the canary, or restore the previous version)
    Rollback {
        #[arg(long)]
        env: String,
        #[arg(long)]
        reason: String,
    },
    /// Which versions served in an environment at a time (default: now)
    Serving {
        #[arg(long)]
        env: String,
        /// RFC 3339 time, e.g. 2026-11-27T10:00:00Z
        #[arg(long)]
        at: Option<String>,
    },
    /// Deployment history, newest first
    Deployments {
        #[arg(long)]
        env: Option<String>,
    },
    /// Mark an environment as production (deployments there need approved versions)
    Env {
        name: String,
        #[arg(long)]
        production: bool,
    },
    /// Record a data-erasure request and compute which versions and deployments it affects
    Erase {
        /// DATASET@VERSION
        #[arg(long)]
        dataset: String,
        /// Hex digest of the salted subject id (never the id itself)
        #[arg(long)]
        subject_hash: String,
        #[arg(long)]
        reason: String,
    },
    /// Erasure requests: list them, or resolve an affected version
    Erasure {
        #[command(subcommand)]
        command: ErasureCommand,
    },
    /// Write an audit report bundle for a version: report.json/html/pdf, CycloneDX ML-BOM, model
    /// card, cited audit events with inclusion proofs, a signed manifest
    Report {
        reference: String,
        /// Folder to create [default: WORKSPACE/reports/MODEL@VERSION-TIMESTAMP]
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Check a report bundle offline (signatures, every file digest, inclusion proofs, chain);
    /// exits non-zero naming what failed
    Verify {
        dir: PathBuf,
        /// Hex Ed25519 public key the bundle must be signed with
        #[arg(long)]
        key: Option<String>,
    },
    /// Serve the UI and the API over HTTP (loopback by default)
    Serve {
        /// Port (0 picks a free one)
        #[arg(long, default_value_t = 8765)]
        port: u16,
        /// Address to bind (loopback by default)
        #[arg(long, default_value = "127.0.0.1")]
        bind: std::net::IpAddr,
        /// The secret every request needs (cookie set by the printed link, or Authorization:
        /// Bearer) [default: a random one per launch]
        #[arg(long, env = "PEDIGREE_TOKEN", hide_env_values = true)]
        token: Option<String>,
        /// The URL others use to reach this server (behind a proxy or by a name): its host and
        /// origin are accepted
        #[arg(long, value_parser = parse_public_url)]
        public_url: Option<url::Url>,
        /// Do not watch local stores while serving
        #[arg(long)]
        no_watch: bool,
    },
    /// Developer tasks
    #[command(hide = true)]
    Dev {
        #[command(subcommand)]
        command: DevCommand,
    },
}

#[derive(Subcommand, Debug)]
enum AuditCommand {
    /// List events, newest first
    Log {
        /// Only events whose subject starts with this (e.g. version:resnet@)
        #[arg(long, default_value = "")]
        subject: String,
        #[arg(long, default_value_t = 100)]
        limit: u32,
    },
    /// Recompute the hash chain, the signed checkpoints and every stored object; exits non-zero
    /// naming the first problem
    Verify,
    /// Sign a checkpoint of the log (C2SP tlog-checkpoint over the RFC 6962 tree) and print it
    Checkpoint,
}

#[derive(Subcommand, Debug)]
enum ErasureCommand {
    /// List requests and their impact
    List,
    /// Resolve one affected version of a request
    Resolve {
        id: i64,
        /// MODEL@VERSION affected by the request
        reference: String,
        /// The replacing version, trained without the erased data
        #[arg(long, conflicts_with = "exception")]
        retrained_as: Option<String>,
        /// Why the version is kept (e.g. an Art. 17(3) exception)
        #[arg(long)]
        exception: Option<String>,
    },
}

#[derive(Args, Debug)]
struct StoreAddArgs {
    name: String,
    uri: String,
    /// S3-compatible endpoint (path-style), e.g. http://127.0.0.1:9000 [default: $AWS_ENDPOINT_URL or AWS]
    #[arg(long)]
    endpoint: Option<String>,
    /// S3 region [default: $AWS_REGION, $AWS_DEFAULT_REGION or us-east-1]
    #[arg(long)]
    region: Option<String>,
    /// Access key id, sealed in the workspace [default: read $AWS_ACCESS_KEY_ID at index time]
    #[arg(long)]
    access_key_id: Option<String>,
    /// Secret access key, sealed in the workspace (prefer the environment variable)
    #[arg(long, env = "PEDIGREE_SECRET_ACCESS_KEY", hide_env_values = true)]
    secret_access_key: Option<String>,
    /// Session token, sealed in the workspace
    #[arg(long, hide_env_values = true)]
    session_token: Option<String>,
    /// Seconds before a remote request is given up (then retried)
    #[arg(long)]
    timeout: Option<u32>,
    /// Retries (exponential backoff) for transient remote errors
    #[arg(long)]
    retries: Option<u32>,
}

impl From<StoreAddArgs> for crate::index::StoreAddRequest {
    fn from(a: StoreAddArgs) -> Self {
        crate::index::StoreAddRequest {
            name: a.name,
            uri: a.uri,
            endpoint: a.endpoint,
            region: a.region,
            access_key_id: a.access_key_id,
            secret_access_key: a.secret_access_key,
            session_token: a.session_token,
            timeout_secs: a.timeout,
            retries: a.retries,
        }
    }
}

#[derive(Subcommand, Debug)]
enum StoreCommand {
    /// Add a store: file:///path, s3://bucket/prefix or http(s)://host/path/
    Add(StoreAddArgs),
    /// List stores (credentials are never shown)
    List,
    /// Remove a store and what was indexed in it (registered versions stay)
    Remove { name: String },
}

#[derive(Subcommand, Debug)]
enum DevCommand {
    /// Rewrite ui/src/backend/generated/api.ts from the Rust API types
    GenTypes,
}

#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
enum LineageFormat {
    Json,
    Dot,
}

#[derive(Args, Debug)]
struct RegisterArgs {
    /// Files and folders that make up the version
    #[arg(required_unless_present = "from_index", value_name = "PATH")]
    paths: Vec<PathBuf>,
    /// Register an artifact found by `pedigree index` (its id, see `pedigree artifacts`);
    /// remote ones are downloaded once and verified
    #[arg(long, value_name = "ARTIFACT_ID", conflicts_with = "paths")]
    from_index: Option<i64>,
    #[arg(long)]
    model: String,
    /// X.Y.Z; omit to get the semver policy's suggestion
    #[arg(long)]
    version: Option<String>,
    /// Parent version MODEL@VER (repeatable)
    #[arg(long = "parent", value_name = "MODEL@VER")]
    parents: Vec<String>,
    /// How the version derives from its parent: finetune|adapter|merge|quantized|distilled|pruned
    #[arg(long = "relation")]
    relations: Vec<String>,
    /// Training data: DATASET@VER, or a path registered as a dataset (repeatable)
    #[arg(long = "trained-on", value_name = "DATASET@VER|PATH")]
    trained_on: Vec<String>,
    /// Hyper-parameter k=v (repeatable)
    #[arg(long = "param", value_name = "K=V")]
    params: Vec<String>,
    /// Metric k=v with a numeric value (repeatable)
    #[arg(long = "metric", value_name = "K=V")]
    metrics: Vec<String>,
    /// Why this version exists
    #[arg(long, short = 'm', default_value = "")]
    message: String,
    /// Code it was built from, e.g. git+https://github.com/acme/train@3f2a9c1
    #[arg(long)]
    code: Option<String>,
    /// Environment id, e.g. an image digest or lockfile hash
    #[arg(long)]
    environment: Option<String>,
    /// Id of the run that produced it
    #[arg(long)]
    run: Option<String>,
}

/// Runs the CLI with the process arguments; returns the exit code.
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
        "reference" | "name" | "id" | "model" => return None,
        "requiredRoles" => "require".to_string(),
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
    let root = g.workspace.clone().unwrap_or_else(crate::workspace::default_dir);
    let open = || Session::open(&root, resolve_actor(g.actor.as_deref()));
    match cli.command {
        Command::Init => emit(g.json, &api::init_workspace(&root)?, render::init),
        Command::Register(a) => {
            let req = register_request(a)?;
            let mut s = open()?;
            let bar = progress_bar::Bar::new();
            let res = api::register_version(&mut s, &req, &|p| bar.update(p));
            bar.finish();
            emit(g.json, &res?, render::registered);
        }
        Command::Models { filter, limit, after } => {
            let res = api::list_models(&open()?, &api::ListModelsRequest { filter, after, limit: Some(limit) })?;
            emit(g.json, &res, render::models);
        }
        Command::Versions { model, limit, offset } => {
            let res = api::list_versions(&open()?, &api::ListVersionsRequest { model, offset, limit: Some(limit) })?;
            emit(g.json, &res, render::versions);
        }
        Command::Show { reference } => {
            emit(g.json, &api::show_version(&open()?, &api::ShowVersionRequest { reference })?, render::show)
        }
        Command::Lineage { node, up, down, format } => {
            let sub = api::lineage(&open()?, &api::LineageRequest { node, up, down })?;
            match (format, g.json) {
                (Some(LineageFormat::Dot), _) => print!("{}", crate::lineage::to_dot(&sub)),
                (Some(LineageFormat::Json), _) | (None, true) => emit(true, &sub, |_| String::new()),
                (None, false) => print!("{}", render::lineage(&sub)),
            }
        }
        Command::Audit { command: AuditCommand::Log { subject, limit } } => {
            let res = api::audit_log(&open()?, &api::AuditLogRequest { subject, before: None, limit: Some(limit) })?;
            emit(g.json, &res, render::audit_log);
        }
        Command::Audit { command: AuditCommand::Verify } => {
            let report = api::audit_verify(&open()?)?;
            emit(g.json, &report, render::verify);
            if !report.ok {
                let problem = report.problem.as_deref().unwrap_or("unknown problem");
                match report.first_bad_seq {
                    Some(seq) => eprintln!("error: audit chain broken at seq {seq}: {problem}"),
                    None => eprintln!("error: {problem}"),
                }
                return Ok(1);
            }
        }
        Command::Store { command } => match command {
            StoreCommand::Add(args) => {
                let req = crate::index::StoreAddRequest::from(args);
                let info = api::store_add(&mut open()?, &req)?;
                emit(g.json, &info, |i| render::stores(std::slice::from_ref(i)));
            }
            StoreCommand::List => emit(g.json, &api::store_list(&open()?)?, |r| render::stores(&r.stores)),
            StoreCommand::Remove { name } => {
                let res = api::store_remove(&mut open()?, &crate::index::StoreNameRequest { name: name.clone() })?;
                emit(g.json, &res, |_| format!("removed store {name}\n"));
            }
        },
        Command::Index { store } => {
            let mut s = open()?;
            let bar = progress_bar::Bar::new();
            let res = api::index_stores(&mut s, &crate::index::IndexRequest { store }, &|p| bar.update(p));
            bar.finish();
            let res = res?;
            emit(g.json, &res, render::index_reports);
            if res.reports.iter().any(|r| !r.complete) {
                return Ok(2);
            }
        }
        Command::Artifacts { store, unregistered, filter, limit, offset } => {
            let req = crate::index::ListArtifactsRequest {
                store,
                unregistered_only: unregistered,
                query: filter,
                offset: Some(offset),
                limit: Some(limit),
            };
            emit(g.json, &api::list_artifacts(&open()?, &req)?, render::artifacts);
        }
        Command::Watch { stores, settle_ms } => {
            let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
            let flag = stop.clone();
            let _ = ctrlc_flag(flag);
            if !g.json {
                eprintln!("watching (Ctrl-C to stop)…");
            }
            let json = g.json;
            api::host::watch_stores(&root, stores, std::time::Duration::from_millis(settle_ms), &stop, &mut |e| {
                if json {
                    println!("{}", serde_json::to_string(e).expect("events serialise"));
                } else {
                    println!("{}", render::store_event(e));
                }
                use std::io::Write;
                let _ = std::io::stdout().flush();
            })?;
        }
        Command::Report { reference, out } => {
            let req = api::governance::ReportRequest { reference, out_dir: out.map(|p| p.display().to_string()) };
            let mut s = open()?;
            let bar = progress_bar::Bar::new();
            let res = api::governance::build_report(&mut s, &req, &|p| bar.update(p));
            bar.finish();
            emit(g.json, &res?, render::bundle);
        }
        Command::Verify { dir, key } => {
            let req = crate::report::verify::VerifyBundleRequest { dir: dir.display().to_string(), key };
            let res = api::governance::verify_bundle(&req)?;
            emit(g.json, &res, render::bundle_verification);
            if !res.ok {
                let failed: Vec<&str> = res.checks.iter().filter(|c| !c.ok).map(|c| c.name.as_str()).collect();
                eprintln!("error: the bundle does not verify: {}", failed.join(", "));
                return Ok(1);
            }
        }
        Command::Audit { command: AuditCommand::Checkpoint } => {
            let c = api::governance::checkpoint(&mut open()?)?;
            emit(g.json, &c, |c| c.note.clone());
        }
        Command::Approve { reference, decision, role, justification } => {
            let req = crate::governance::ApproveRequest { reference: reference.clone(), decision, role, justification };
            let gate = api::governance::approve(&mut open()?, &req)?;
            emit(g.json, &gate, |gt| render::gate(&reference, gt));
        }
        Command::Policy { model, require } => {
            let roles = api::governance::set_policy(
                &mut open()?,
                &crate::governance::PolicyRequest { model: model.clone(), required_roles: require },
            )?;
            emit(g.json, &roles, |r| format!("{model}: versions need approvals from {}\n", r.join(", ")));
        }
        Command::Promote { reference, status, reason } => {
            let st = api::governance::promote(
                &mut open()?,
                &crate::governance::PromoteRequest { reference: reference.clone(), status, reason },
            )?;
            emit(g.json, &st, |st| format!("{reference} is now {st}\n"));
        }
        Command::Evaluate { reference, dataset, metrics, slice, threshold, from } => {
            let req = evaluate_request(reference, dataset, metrics, slice, threshold, from)?;
            let res = api::governance::evaluate(&mut open()?, &req)?;
            emit(g.json, &res, render::evaluations);
            if !res.passed {
                return Ok(3);
            }
        }
        Command::Deploy { reference, env, strategy, traffic, reason } => {
            let req = crate::governance::deploy::DeployRequest { reference, env, strategy, traffic, reason };
            emit(g.json, &api::governance::deploy(&mut open()?, &req)?, |d| render::deployments(d));
        }
        Command::Rollback { env, reason } => {
            let req = crate::governance::deploy::RollbackRequest { env, reason };
            emit(g.json, &api::governance::rollback(&mut open()?, &req)?, |d| render::deployments(d));
        }
        Command::Serving { env, at } => {
            let res = api::governance::serving(&open()?, &crate::governance::deploy::ServingRequest { env, at })?;
            emit(g.json, &res, |r| format!("{} at {}:\n{}", r.env, r.at, render::deployments(&r.deployments)));
        }
        Command::Deployments { env } => {
            let res =
                api::governance::deployments(&open()?, &crate::governance::deploy::TimelineRequest { env, reference: None })?;
            emit(g.json, &res, |t| render::deployments(&t.deployments));
        }
        Command::Env { name, production } => {
            let res =
                api::governance::set_environment(&mut open()?, &crate::governance::deploy::EnvRequest { name, production })?;
            emit(g.json, &res, |e| format!("{}: {}\n", e.name, if e.production { "production" } else { "not production" }));
        }
        Command::Erase { dataset, subject_hash, reason } => {
            let req = crate::governance::erasure::EraseRequest { dataset, subject_hash, reason };
            emit(g.json, &api::governance::erase(&mut open()?, &req)?, |e| render::erasures(std::slice::from_ref(e)));
        }
        Command::Erasure { command: ErasureCommand::List } => {
            emit(g.json, &api::governance::erasures(&open()?)?, |l| render::erasures(&l.requests));
        }
        Command::Erasure { command: ErasureCommand::Resolve { id, reference, retrained_as, exception } } => {
            let req = crate::governance::erasure::ResolveErasureRequest { id, reference, retrained_as, exception };
            emit(g.json, &api::governance::resolve_erasure(&mut open()?, &req)?, |e| render::erasures(std::slice::from_ref(e)));
        }
        Command::Serve { port, bind, token, public_url, no_watch } => {
            let opts = crate::server::ServeOptions {
                workspace: root.clone(),
                actor: resolve_actor(g.actor.as_deref()),
                bind,
                port,
                token,
                public_url,
                watch: !no_watch,
            };
            let json = g.json;
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
    }
    Ok(0)
}

/// `--public-url`: an http(s) URL with a host.
fn parse_public_url(s: &str) -> Result<url::Url, String> {
    let u = url::Url::parse(s).map_err(|e| format!("not a URL: {e}"))?;
    if !matches!(u.scheme(), "http" | "https") || u.host_str().is_none() {
        return Err("expected http(s)://HOST[:PORT]/".to_string());
    }
    Ok(u)
}

fn evaluate_request(
    reference: String,
    dataset: Option<String>,
    metrics: Vec<String>,
    slice: Option<String>,
    threshold: Vec<String>,
    from: Option<PathBuf>,
) -> Result<crate::governance::evaluate::EvaluateRequest, ApiError> {
    use crate::governance::evaluate::{EvaluateRequest, MetricInput};
    let mut req = match &from {
        Some(path) => {
            let text =
                std::fs::read_to_string(path).map_err(|e| ApiError::new(ErrorCode::Io, format!("{}: {e}", path.display())))?;
            let mut r: EvaluateRequest = serde_json::from_str(&text).map_err(|e| {
                ApiError::new(ErrorCode::InvalidInput, format!("{}: not an evaluation file: {e}", path.display()))
            })?;
            r.reference = reference.clone();
            r
        }
        None => EvaluateRequest { reference: reference.clone(), ..Default::default() },
    };
    if let Some(d) = dataset {
        req.dataset = d;
    }
    if req.dataset.is_empty() {
        return Err(ApiError::new(ErrorCode::InvalidInput, "--dataset DATASET@VERSION is required"));
    }
    let threshold = (!threshold.is_empty()).then(|| threshold.join(" "));
    for (k, v) in key_values("metric", &metrics, " with a numeric value, e.g. accuracy=0.93")? {
        let value: f64 = v.trim().parse().map_err(|_| {
            ApiError::new(ErrorCode::InvalidInput, format!("invalid metric {k}={v}: expected a number, e.g. accuracy=0.93"))
        })?;
        req.metrics.push(MetricInput { metric: k, value, slice: slice.clone(), threshold: threshold.clone() });
    }
    Ok(req)
}

/// Sets `flag` on SIGINT/SIGTERM (the watch loop checks it between event batches).
fn ctrlc_flag(flag: std::sync::Arc<std::sync::atomic::AtomicBool>) -> std::io::Result<()> {
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    std::thread::spawn(move || {
        rt.block_on(async {
            let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).expect("SIGTERM handler");
            tokio::select! { _ = tokio::signal::ctrl_c() => {}, _ = term.recv() => {} }
        });
        flag.store(true, std::sync::atomic::Ordering::Relaxed);
    });
    Ok(())
}

fn key_values(kind: &'static str, items: &[String], hint: &'static str) -> Result<BTreeMap<String, String>, RegisterError> {
    let mut out = BTreeMap::new();
    for kv in items {
        match kv.split_once('=') {
            Some((k, v)) if !k.trim().is_empty() => {
                out.insert(k.trim().to_string(), v.to_string());
            }
            _ => return Err(RegisterError::KeyValue { kind, given: kv.clone(), hint }),
        }
    }
    Ok(out)
}

fn register_request(a: RegisterArgs) -> Result<api::RegisterRequest, ApiError> {
    let params = key_values("param", &a.params, "")?;
    let mut metrics = BTreeMap::new();
    for (k, v) in key_values("metric", &a.metrics, " with a numeric value, e.g. accuracy=0.93")? {
        let x: f64 = v.trim().parse().ok().filter(|x: &f64| x.is_finite()).ok_or_else(|| RegisterError::KeyValue {
            kind: "metric",
            given: format!("{k}={v}"),
            hint: " with a numeric value, e.g. accuracy=0.93",
        })?;
        metrics.insert(k, x);
    }
    if !a.relations.is_empty() && a.relations.len() != 1 && a.relations.len() != a.parents.len() {
        return Err(RegisterError::RelationCount { given: a.relations.len(), parents: a.parents.len() }.into());
    }
    if a.parents.is_empty() && !a.relations.is_empty() {
        return Err(ApiError::new(ErrorCode::InvalidInput, "--relation needs a --parent MODEL@VER"));
    }
    let parents = a
        .parents
        .iter()
        .enumerate()
        .map(|(i, p)| api::ParentLink {
            parent: p.clone(),
            relation: a.relations.get(if a.relations.len() == 1 { 0 } else { i }).cloned(),
        })
        .collect();
    Ok(api::RegisterRequest {
        paths: a.paths.iter().map(|p| p.display().to_string()).collect(),
        model: a.model,
        version: a.version,
        parents,
        trained_on: a.trained_on,
        params,
        metrics,
        message: a.message,
        code: a.code,
        environment: a.environment,
        run: a.run,
        from_index: a.from_index,
    })
}
