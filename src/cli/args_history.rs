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
