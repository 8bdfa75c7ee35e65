//! The command line's shape for production history: run capture and reproduction,
//! attachments, "which model decided this", monitoring, recovery drills, composite systems.

use std::path::PathBuf;

use clap::{Args, Subcommand};

#[derive(Args, Debug, Clone)]
pub struct AttachArgs {
    /// MODEL@VERSION
    pub reference: String,
    pub file: PathBuf,
    #[arg(long, value_parser = ["explainability", "fairness", "evaluation", "documentation", "other"])]
    pub kind: String,
}

#[derive(Args, Debug, Clone)]
pub struct DeployArgs {
    /// MODEL@VERSION (not with --from-manifest, whose storage URIs name the versions)
    #[arg(required_unless_present = "from_manifest", conflicts_with = "from_manifest")]
    pub reference: Option<String>,
    #[arg(long)]
    pub env: String,
    #[arg(long, value_parser = ["full", "blue-green", "canary", "shadow"], default_value = "full")]
    pub strategy: String,
    /// Percent of traffic (canary)
    #[arg(long)]
    pub traffic: Option<u32>,
    /// Why (with --from-manifest: default "deployed by kserve:NAME")
    #[arg(long, required_unless_present = "from_manifest", default_value = "")]
    pub reason: String,
    /// The image or manifest digest that carried the model: [IMAGE@]sha256:HEX (CI/CD)
    #[arg(long)]
    pub carrier: Option<String>,
    /// What records the deployment when not a person, e.g. ci
    #[arg(long)]
    pub recorded_from: Option<String>,
    /// A KServe InferenceService or Seldon deployment manifest (YAML or JSON, - for stdin):
    /// its storage URIs name the versions by digest, its image digest is the carrier
    #[arg(long, value_name = "FILE", conflicts_with_all = ["strategy", "traffic", "carrier"])]
    pub from_manifest: Option<PathBuf>,
}

#[derive(Args, Debug, Clone)]
pub struct RunArgs {
    /// Register what the run produced as a version of this model (MODEL or MODEL/VARIANT)
    #[arg(long)]
    pub model: Option<String>,
    /// X.Y.Z of that version (default: the semver policy's suggestion)
    #[arg(long, requires = "model")]
    pub version: Option<String>,
    /// A file or folder the run writes that is the model (repeatable; default: every model
    /// file it wrote, by extension)
    #[arg(long, requires = "model")]
    pub output: Vec<String>,
    /// Training data: DATASET@VER, or a path registered as a dataset (repeatable)
    #[arg(long, requires = "model")]
    pub trained_on: Vec<String>,
    /// Parent version MODEL@VER (repeatable)
    #[arg(long, requires = "model")]
    pub parent: Vec<String>,
    /// A JSON file of metrics ({"auc": 0.91}) the run writes, read after it
    #[arg(long, requires = "model", value_name = "FILE")]
    pub metrics_from: Option<PathBuf>,
    #[arg(short, long, default_value = "")]
    pub message: String,
    /// The command, after --
    #[arg(last = true, required = true)]
    pub command: Vec<String>,
}

#[derive(Args, Debug, Clone)]
pub struct ReproduceArgs {
    /// MODEL@VERSION
    pub reference: String,
    /// Run it again where it ran and compare every output's digest with the recorded one
    #[arg(long)]
    pub check: bool,
    /// Run the check in this folder instead of the recorded one
    #[arg(long, requires = "check")]
    pub cwd: Option<PathBuf>,
}

#[derive(Subcommand, Debug, Clone)]
pub enum MonitorCommand {
    /// Import snapshots: JSON lines {"env", "at", "metrics": {…}} or CSV env,at,metric,value
    /// (- for stdin); then every rule of the environments they touch is judged
    Import { file: PathBuf },
    /// Add a rule to an environment: 'METRIC OP VALUE [for N]', e.g. 'auc < 0.7 for 3'
    Rule {
        #[arg(long)]
        env: String,
        rule: String,
        /// Roll back at once when it fires (the reason names the rule and its evidence)
        #[arg(long)]
        auto: bool,
    },
    /// Remove a rule (its expression or id)
    Unrule {
        #[arg(long)]
        env: String,
        rule: String,
    },
    /// The rules, and the rollback proposals they raised
    Rules {
        #[arg(long)]
        env: Option<String>,
    },
    /// Accept a rollback proposal: the rollback runs now
    Accept {
        /// Its id (see `pedigree monitor rules`)
        proposal: String,
        #[arg(long)]
        reason: String,
    },
    /// Dismiss a rollback proposal
    Dismiss {
        proposal: String,
        #[arg(long)]
        reason: String,
    },
    /// One environment's metric over time, with what served
    Show {
        #[arg(long)]
        env: String,
        #[arg(long)]
        metric: Option<String>,
    },
}

#[derive(Subcommand, Debug, Clone)]
pub enum SystemCommand {
    /// Register the next version of a system, pinning these components (the others keep their
    /// pins); its number follows the components' bumps
    Pin {
        system: String,
        /// MODEL@VERSION (repeatable)
        #[arg(long = "component", required = true)]
        components: Vec<String>,
        #[arg(short, long, default_value = "")]
        message: String,
    },
    /// The system versions that components' newer versions propose; --apply registers them
    Propose {
        #[arg(long)]
        apply: bool,
    },
}
