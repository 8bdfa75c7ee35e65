//! The command line's shape for production history: run capture and reproduction,
//! attachments, "which model decided this", monitoring, recovery drills, composite systems.

use std::path::PathBuf;

use clap::Args;

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
