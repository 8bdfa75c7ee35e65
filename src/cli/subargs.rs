//! The command line's sub-shapes (clap): the subcommands of `audit`, `erasure`, `store`, `dev`,
//! `remote`, `tag`, `alias` and `import`, and the argument groups commands share.

use std::path::PathBuf;

use clap::{Args, Subcommand, ValueEnum};
#[derive(Subcommand, Debug, Clone)]
pub enum AuditCommand {
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
    Verify {
        /// Also check the log against the signed checkpoint of a report bundle made here
        /// (repeatable): a tail cut from the catalog with its heads still shows
        #[arg(long, value_name = "REPORT-BUNDLE")]
        against: Vec<PathBuf>,
    },
    /// Sign a checkpoint of the log (C2SP tlog-checkpoint over the RFC 6962 tree) and print it
    Checkpoint,
}

#[derive(Subcommand, Debug, Clone)]
pub enum ErasureCommand {
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

#[derive(Args, Debug, Clone)]
pub struct StoreAddArgs {
    pub name: String,
    pub uri: String,
    /// S3-compatible endpoint (path-style), e.g. http://127.0.0.1:9000 [default: $AWS_ENDPOINT_URL or AWS]
    #[arg(long)]
    pub endpoint: Option<String>,
    /// S3 region [default: $AWS_REGION, $AWS_DEFAULT_REGION or us-east-1]
    #[arg(long)]
    pub region: Option<String>,
    /// Access key id, sealed in the workspace [default: read $AWS_ACCESS_KEY_ID at index time]
    #[arg(long)]
    pub access_key_id: Option<String>,
    /// Secret access key, sealed in the workspace (prefer the environment variable)
    #[arg(long, env = "PEDIGREE_SECRET_ACCESS_KEY", hide_env_values = true)]
    pub secret_access_key: Option<String>,
    /// Session token, sealed in the workspace
    #[arg(long, hide_env_values = true)]
    pub session_token: Option<String>,
    /// Seconds before a remote request is given up (then retried)
    #[arg(long)]
    pub timeout: Option<u32>,
    /// Retries (exponential backoff) for transient remote errors
    #[arg(long)]
    pub retries: Option<u32>,
}

impl From<StoreAddArgs> for crate::api::stores::StoreAddRequest {
    fn from(a: StoreAddArgs) -> Self {
        crate::api::stores::StoreAddRequest {
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

#[derive(Subcommand, Debug, Clone)]
pub enum StoreCommand {
    /// Add a store: file:///path, s3://bucket/prefix or http(s)://host/path/
    Add(StoreAddArgs),
    /// List stores (credentials are never shown)
    List,
    /// Remove a store and what was indexed in it (registered versions stay)
    Remove { name: String },
}

#[derive(Subcommand, Debug, Clone)]
pub enum DevCommand {
    /// Rewrite ui/src/backend/generated/api.ts from the Rust API types
    GenTypes,
}

#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum LineageFormat {
    Json,
    Dot,
    /// W3C PROV-JSON
    Prov,
    /// OpenLineage run events, one per line
    Openlineage,
}

#[derive(Subcommand, Debug, Clone)]
pub enum ImportCommand {
    /// OpenLineage run events: a file (JSON lines, a JSON array or one event), a folder of such
    /// files (what openlineage-python's file transport writes), or - for stdin
    Openlineage {
        #[arg(required = true)]
        paths: Vec<PathBuf>,
    },
}

#[derive(Subcommand, Debug, Clone)]
pub enum BundleCommand {
    /// Write versions and their lineage (parents come too) to a file signed by you, for another
    /// organisation's workspace
    Export {
        #[arg(required = true, value_name = "MODEL@VERSION")]
        versions: Vec<String>,
        #[arg(long)]
        out: PathBuf,
        /// Leave the files' bytes out (the receiver must have them already)
        #[arg(long)]
        no_bytes: bool,
    },
    /// Bring a bundle's versions here after checking its signer is the key you trust, its
    /// signature, every event and every byte; nothing is written if anything fails
    Import {
        file: PathBuf,
        /// The signer's public key (ssh-ed25519 AAAA…), as they gave it to you
        #[arg(long, value_name = "PUBLIC-KEY")]
        trust: String,
        /// Register under model names with this prefix (when a name is taken here)
        #[arg(long, default_value = "")]
        prefix: String,
    },
}

#[derive(Args, Debug, Clone)]
pub struct RegisterArgs {
    /// Files and folders that make up the version
    #[arg(required_unless_present = "from_index", value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    /// Register an artifact found by `pedigree index` (its id, see `pedigree artifacts`);
    /// remote ones are downloaded once and verified
    #[arg(long, value_name = "ARTIFACT_ID", conflicts_with = "paths")]
    pub from_index: Option<i64>,
    #[arg(long)]
    pub model: String,
    /// A variant line inside the model (edge, quantized…) with its own semver line, named
    /// MODEL/VARIANT@VERSION; the main line stays MODEL@VERSION
    #[arg(long)]
    pub variant: Option<String>,
    /// X.Y.Z; omit to get the semver policy's suggestion
    #[arg(long)]
    pub version: Option<String>,
    /// Parent version MODEL@VER (repeatable)
    #[arg(long = "parent", value_name = "MODEL@VER")]
    pub parents: Vec<String>,
    /// How the version derives from its parent: finetune|adapter|merge|quantized|distilled|pruned
    #[arg(long = "relation")]
    pub relations: Vec<String>,
    /// Training data: DATASET@VER, or a path registered as a dataset (repeatable)
    #[arg(long = "trained-on", value_name = "DATASET@VER|PATH")]
    pub trained_on: Vec<String>,
    /// Hyper-parameter k=v (repeatable)
    #[arg(long = "param", value_name = "K=V")]
    pub params: Vec<String>,
    /// Metric k=v with a numeric value (repeatable)
    #[arg(long = "metric", value_name = "K=V")]
    pub metrics: Vec<String>,
    /// Why this version exists
    #[arg(long, short = 'm', default_value = "")]
    pub message: String,
    /// Code it was built from, e.g. git+https://github.com/acme/train@3f2a9c1
    #[arg(long)]
    pub code: Option<String>,
    /// Environment id, e.g. an image digest or lockfile hash
    #[arg(long)]
    pub environment: Option<String>,
    /// Id of the run that produced it
    #[arg(long)]
    pub run: Option<String>,
    /// Register files whose pickles would run commands or code on load, for this reason
    /// (recorded in the audit log); they are never loaded by Pedigree
    #[arg(long, value_name = "REASON")]
    pub allow_unsafe: Option<String>,
    /// Store large files without a second copy: `--link` makes copy-on-write clones (reflinks,
    /// on btrfs or XFS); `--link=hard` hard-links them and makes them read-only
    #[arg(long, value_name = "MODE", num_args = 0..=1, require_equals = true, default_missing_value = "reflink", value_parser = parse_link)]
    pub link: Option<crate::cas::Link>,
}

/// `--link=MODE`: reflink (the default) or hard.
fn parse_link(s: &str) -> Result<crate::cas::Link, String> {
    match s {
        "reflink" => Ok(crate::cas::Link::Reflink),
        "hard" => Ok(crate::cas::Link::Hard),
        _ => Err("expected --link (a copy-on-write clone) or --link=hard".to_string()),
    }
}

#[derive(Subcommand, Debug, Clone)]
pub enum RemoteAction {
    /// Add a remote: pedigree remote add team mlflow https://mlflow.acme.internal
    Add {
        name: String,
        /// Registry kind: mlflow or oci; or ledger, a team ledger on object storage
        kind: String,
        /// mlflow: the tracking server's URL; oci: HOST[:PORT]/REPO-PREFIX; ledger:
        /// s3://BUCKET/PREFIX or file:///SHARED/FOLDER
        url: String,
        /// Seal these credentials in the workspace (the password is read from stdin) instead of
        /// reading MLFLOW_TRACKING_USERNAME/PASSWORD at sync time
        #[arg(long)]
        username: Option<String>,
        /// Seal a token read from stdin (MLflow: instead of MLFLOW_TRACKING_TOKEN; OCI: an identity token for the registry's token service)
        #[arg(long)]
        token_stdin: bool,
        /// OCI: speak plain HTTP to a registry on another host (loopback ones always are)
        #[arg(long)]
        plain_http: bool,
        /// Ledger: the team owner's public key (`ssh-ed25519 AAAA…`), which its roster must be
        /// rooted in; asked for, with the owner's fingerprint shown, when you do not own the team
        #[arg(long)]
        trust: Option<String>,
    },
    /// List remotes and their last sync
    List,
    /// Remove a remote (the versions it brought stay)
    Remove { name: String },
    /// Connect and print the server's version and what it supports
    Test { name: String },
    /// Sync this remote every EVERY (15m, 1h, 1d…; at least 1m) while `pedigree serve` or the
    /// desktop app runs, or `off`
    Schedule { name: String, every: String },
}

#[derive(Subcommand, Debug, Clone)]
pub enum TagAction {
    /// Set KEY to VALUE on TARGET (MODEL or MODEL@VERSION)
    Set { target: String, key: String, value: String },
    /// Remove KEY from TARGET
    Remove { target: String, key: String },
}

#[derive(Subcommand, Debug, Clone)]
pub enum AliasAction {
    /// Point ALIAS at MODEL@VERSION (moving it if it pointed elsewhere)
    Set { reference: String, alias: String },
    /// Remove ALIAS from MODEL
    Remove { model: String, alias: String },
}

#[derive(Subcommand, Debug, Clone)]
pub enum IdentityCommand {
    /// Your name, email, key fingerprint and public key (the key is made on first use)
    Show,
    /// Sign with an existing OpenSSH ed25519 key (without a passphrase) from now on
    UseSsh { path: PathBuf },
    /// Set the name and email shown with your key
    Set {
        #[arg(long)]
        name: Option<String>,
        #[arg(long)]
        email: Option<String>,
    },
}

#[derive(Subcommand, Debug, Clone)]
pub enum TeamCommand {
    /// Members, their roles and key fingerprints
    List,
    /// Start the team's roster with you (your key) as its owner
    Init {
        /// Your name in the roster [default: the actor]
        #[arg(long)]
        name: Option<String>,
    },
    /// Add a member by public key (or change an existing member's roles); owners only
    Add {
        /// `ssh-ed25519 AAAA…` (as `pedigree identity show` prints it), an allowed_signers line,
        /// or a file holding one
        public_key: String,
        #[arg(long)]
        name: Option<String>,
        /// owner, validator, risk, deployer (comma-separated)
        #[arg(long = "role", value_delimiter = ',', required = true)]
        roles: Vec<String>,
    },
    /// Remove a member (by key, fingerprint or name); owners only
    Remove { member: String },
    /// Post-quantum co-signatures (ML-DSA-65 beside Ed25519) on checkpoints, ledger segments and
    /// bundles: on, off (owners only once there is a roster; the ledger carries the switch), or status
    Pq {
        #[arg(value_parser = ["on", "off", "status"], default_value = "status")]
        state: String,
    },
}
