//! Scheduled sync: while `pedigree serve` or the desktop app runs, every remote with a schedule
//! (`pedigree remote schedule NAME 15m`) is synced when the app starts and then every interval,
//! in a background thread, one remote at a time. Each outcome goes to the UI as a `sync` event;
//! a failure is reported and retried at the next interval, never fatal.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::Session;
use super::host::Host;
use super::remotes::{SyncRequest, sync_remote};
use crate::sync::{SyncOptions, SyncReport};

/// What one scheduled sync did (a `sync` event).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ScheduledSync {
    pub remote: String,
    pub at: String,
    pub report: Option<SyncReport>,
    /// Why it failed (the next try is at the next interval).
    pub error: Option<String>,
}

/// How often the schedule is looked at (a new schedule is seen within this).
const TICK: Duration = Duration::from_secs(5);

/// Whether a remote synced `every` at `last` (never: `None`) is due at `now`.
fn due(last: Option<Instant>, every: Duration, now: Instant) -> bool {
    last.is_none_or(|t| now.duration_since(t) >= every)
}

impl Host {
    /// Syncs scheduled remotes in a background thread until `stop` is set.
    pub fn sync_on_schedule(
        &self,
        stop: Arc<AtomicBool>,
        mut on_sync: impl FnMut(&ScheduledSync) + Send + 'static,
    ) -> std::thread::JoinHandle<()> {
        let (workspace, actor) = (self.workspace.clone(), self.actor.clone());
        std::thread::spawn(move || {
            let mut last: HashMap<String, Instant> = HashMap::new();
            let mut next_look = Instant::now();
            while !stop.load(Ordering::Relaxed) {
                if Instant::now() >= next_look {
                    next_look = Instant::now() + TICK;
                    for done in run_due(&workspace, &actor, &mut last, &stop) {
                        on_sync(&done);
                    }
                }
                std::thread::sleep(Duration::from_millis(200));
            }
        })
    }
}

/// Syncs every remote that is due; returns what each did.
fn run_due(workspace: &Path, actor: &str, last: &mut HashMap<String, Instant>, stop: &AtomicBool) -> Vec<ScheduledSync> {
    let Ok(session) = Session::open(workspace, actor.to_string()) else { return Vec::new() };
    let Ok(remotes) = crate::remote::config::list(&session.ws) else { return Vec::new() };
    drop(session);
    let mut out = Vec::new();
    for r in remotes {
        let Some(every) = r.sync_every else { continue };
        if stop.load(Ordering::Relaxed) || !due(last.get(&r.name).copied(), Duration::from_secs(every), Instant::now()) {
            continue;
        }
        last.insert(r.name.clone(), Instant::now());
        let req = SyncRequest { remote: Some(r.name.clone()), options: SyncOptions::default() };
        let result =
            Session::open(workspace, actor.to_string()).and_then(|mut s| sync_remote(&mut s, &req, &crate::progress::ignore));
        let (report, error) = match result {
            Ok(rep) => (Some(rep), None),
            Err(e) => {
                eprintln!("warning: scheduled sync with {} failed: {}", r.name, e.message);
                (None, Some(e.message))
            }
        };
        out.push(ScheduledSync { remote: r.name, at: crate::audit::now(), report, error });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_remote_is_due_at_start_then_once_per_interval() {
        let t0 = Instant::now();
        let every = Duration::from_secs(900);
        assert!(due(None, every, t0));
        assert!(!due(Some(t0), every, t0 + Duration::from_secs(899)));
        assert!(due(Some(t0), every, t0 + every));
    }
}
