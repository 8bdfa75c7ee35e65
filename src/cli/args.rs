//! The command line's shape (clap): every subcommand, flag and its help text.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

pub use super::args_history::*;
pub use super::subargs::*;

#[derive(Parser, Debug)]
#[command(
    name = "pedigree",
    version,
    about = "Version ML models the way git versions code: content-addressed versions, lineage, audit log."
)]
pub struct Cli {
    #[command(flatten)]
    pub global: Global,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Args, Debug, Clone)]
pub struct Global {
    /// Workspace directory [default: $PEDIGREE_WORKSPACE or ~/.local/share/pedigree]
    #[arg(long, global = true, value_name = "DIR")]
    pub workspace: Option<PathBuf>,
    /// Machine output: one JSON document on stdout
    #[arg(long, global = true)]
    pub json: bool,
    /// Who is acting [default: $PEDIGREE_ACTOR, git user.email, OS user]
    #[arg(long, global = true)]
    pub actor: Option<String>,
}

#[derive(Subcommand, Debug, Clone)]
pub enum Command {
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
        /// MODEL@VERSION or MODEL@ALIAS
        reference: String,
        /// With an alias: the version it pointed to at this RFC 3339 time
        #[arg(long)]
        at: Option<String>,
    },
    /// Point, move or remove a model's alias (`MODEL@ALIAS` then works wherever MODEL@VERSION does)
    Alias {
        #[command(subcommand)]
        action: AliasAction,
    },
    /// A model's aliases, and every move of them
    Aliases { model: String },
    /// Set the description of a model (MODEL) or a version (MODEL@VERSION); "" clears it
    Describe { target: String, text: String },
    /// Set or remove a tag of a model (MODEL) or a version (MODEL@VERSION)
    Tag {
        #[command(subcommand)]
        action: TagAction,
    },
    /// The description, tags and stage of a model or a version
    Tags { target: String },
    /// Set MLflow's legacy stage of a version (Staging, Production, Archived; None clears it),
    /// kept in step with MLflow remotes
    Stage { target: String, stage: String },
    /// What changed from version A to version B: files, tensors (which ones' bytes), pickle
    /// imports, params, metrics, links, and the bump the policy would give
    Diff {
        /// MODEL@VERSION (the older one)
        a: String,
        /// MODEL@VERSION
        b: String,
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
    /// Team registries Pedigree syncs with (MLflow)
    Remote {
        #[command(subcommand)]
        action: RemoteAction,
    },
    /// Pull then push: models, versions (bytes verified), aliases; exit 3 when conflicts or drift are open
    Sync {
        /// Remote name [default: the only remote]
        remote: Option<String>,
        /// Only bring the remote's changes here
        #[arg(long, conflicts_with = "push_only")]
        pull_only: bool,
        /// Only send local versions and alias moves to the remote
        #[arg(long)]
        push_only: bool,
        /// Report what would happen; change nothing on either side
        #[arg(long)]
        dry_run: bool,
        /// Only models with this remote name or name prefix (repeatable)
        #[arg(long = "model", value_name = "NAME-OR-PREFIX")]
        models: Vec<String>,
        /// Fetch every bound version's files again and report those changed on the remote (drift)
        #[arg(long)]
        verify: bool,
        /// As --verify, and register drifted files as new versions (derived from the old ones)
        #[arg(long)]
        import_drift: bool,
        /// Record new versions without fetching their files (pedigree fetch, or a sync without
        /// this, brings them)
        #[arg(long)]
        metadata_only: bool,
    },
    /// Fetch, verify and register the files of remote versions a --metadata-only sync recorded
    /// (or that were out of reach): MODEL (every such version) or MODEL/VERSION, by the remote's
    /// name or the local one
    Fetch {
        /// MODEL, MODEL/NUMBER (the server's version number) or MODEL@NUMBER-ALIAS-OR-SEMVER
        #[arg(value_name = "MODEL[/VERSION]")]
        target: String,
        /// Remote name [default: the only remote]
        #[arg(long)]
        remote: Option<String>,
    },
    /// Send one version to a remote (MODEL@VERSION or MODEL@ALIAS); the model's aliases follow
    Push {
        reference: String,
        /// Remote name [default: the only remote]
        #[arg(long)]
        to: Option<String>,
        /// Also attach the version's signed report bundle manifest (DSSE) to it there
        #[arg(long)]
        attest: bool,
    },
    /// The digest of the shared state (models, versions, approvals, deployments, the roster…):
    /// members who took in the same team ledger segments print the same one
    StateDigest {
        /// Also each part's rows and digest, to find where two workspaces differ
        #[arg(long)]
        parts: bool,
    },
    /// The team's roster: members by key, with roles (owner, validator, risk, deployer)
    Team {
        #[command(subcommand)]
        command: TeamCommand,
    },
    /// Who you are, by key: every audit event you write is signed with it
    Identity {
        #[command(subcommand)]
        command: IdentityCommand,
    },
    /// Record lineage other systems wrote (OpenLineage run events); all checked, then recorded
    Import {
        #[command(subcommand)]
        command: ImportCommand,
    },
    /// Federated bundles: versions with their lineage, signed, to and from another organisation
    Bundle {
        #[command(subcommand)]
        command: BundleCommand,
    },
    /// Bring one OCI artifact (HOST[:PORT]/REPO:TAG) or Hugging Face Hub repository
    /// (hf://ORG/NAME[@REVISION], Hub at HF_ENDPOINT) here, verified; bound to a configured
    /// remote that covers it, else registered with where it came from
    Pull {
        reference: String,
        /// The local model to register it in [default: the repository's last name]
        #[arg(long)]
        model: Option<String>,
    },
    /// Open sync conflicts: fields changed on both sides since the last sync
    Conflicts,
    /// Resolve a sync conflict by taking one side (audited)
    Resolve {
        id: i64,
        #[arg(long, value_parser = ["local", "remote"])]
        take: String,
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
    /// Deploy a version to an environment, or record what a serving manifest deployed
    Deploy(DeployArgs),
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
    /// Which model decided this: the versions that served an environment at a time (default:
    /// now), with their traffic shares, approvals, evaluations and attachments
    Decision {
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
    /// Run a training command and capture it (arguments, code commit and uncommitted changes,
    /// lock files, interpreter and libraries, hardware, seeds, outputs); with --model, register
    /// the model it produced
    Run(RunArgs),
    /// How a version was made (command, environment digests, seeds, data digests, code commit);
    /// with --check, run it again and compare the outputs' digests (exit 3 when they differ)
    Reproduce(ReproduceArgs),
    /// Monitoring: import metric snapshots per environment, rules that propose (or, with
    /// --auto, carry out) a rollback, and the proposals
    Monitor {
        #[command(subcommand)]
        command: MonitorCommand,
    },
    /// Recovery drill: can each environment's previous version be restored right now (bytes
    /// present and re-hashing, approvals, erasure, interface)? Recorded; exit 3 when a check fails
    Drill {
        #[arg(long)]
        env: Option<String>,
    },
    /// Composite systems: versions that pin component versions (any model, any variant)
    System {
        #[command(subcommand)]
        command: SystemCommand,
    },
    /// Attach an evidence file to a version (stored by digest, never changed)
    Attach(AttachArgs),
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
        /// Do not sync remotes on their schedules (`pedigree remote schedule`) while serving
        #[arg(long)]
        no_schedule: bool,
    },
    /// Developer tasks
    #[command(hide = true)]
    Dev {
        #[command(subcommand)]
        command: DevCommand,
    },
}

/// `--public-url`: an http(s) URL with a host.
fn parse_public_url(s: &str) -> Result<url::Url, String> {
    let u = url::Url::parse(s).map_err(|e| format!("not a URL: {e}"))?;
    if !matches!(u.scheme(), "http" | "https") || u.host_str().is_none() {
        return Err("expected http(s)://HOST[:PORT]/".to_string());
    }
    Ok(u)
}
