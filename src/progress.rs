//! Progress of long work, as domain events. The engine emits them; the CLI draws bars, the
//! server streams them, the desktop shell forwards them. Nothing polls.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// What a progress count is measured in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "lowercase")]
pub enum Unit {
    Bytes,
    Files,
}

/// One progress report: `done` of `total` `unit`s of `task` are finished.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct Progress {
    /// Short label, e.g. "hashing".
    pub task: String,
    #[ts(type = "number")]
    pub done: u64,
    #[ts(type = "number")]
    pub total: u64,
    pub unit: Unit,
    /// A second count for people, e.g. "1,204 of 100,000 files" while bytes are measured.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub detail: Option<String>,
}

/// Where progress events go. Must be callable from worker threads.
pub type OnProgress<'a> = &'a (dyn Fn(&Progress) + Sync);

/// A sink that drops every event.
pub fn ignore(_: &Progress) {}

/// Bytes as a short human size.
pub fn human_size(n: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut v = n as f64;
    let mut i = 0;
    while v >= 1024.0 && i < UNITS.len() - 1 {
        v /= 1024.0;
        i += 1;
    }
    if i == 0 { format!("{n} B") } else { format!("{v:.1} {}", UNITS[i]) }
}
