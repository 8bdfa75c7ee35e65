//! Who is acting: `--actor`, else `PEDIGREE_ACTOR`, else git's user.email / user.name, else
//! the OS user.

use std::process::Command;

/// Resolves the actor name from the explicit value or the environment.
pub fn resolve_actor(explicit: Option<&str>) -> String {
    if let Some(a) = explicit.map(str::trim).filter(|a| !a.is_empty()) {
        return a.to_string();
    }
    if let Ok(a) = std::env::var("PEDIGREE_ACTOR") {
        if !a.trim().is_empty() {
            return a.trim().to_string();
        }
    }
    for key in ["user.email", "user.name"] {
        if let Some(v) = git_config(key) {
            return v;
        }
    }
    for var in ["USER", "LOGNAME", "USERNAME"] {
        if let Ok(u) = std::env::var(var) {
            if !u.is_empty() {
                return u;
            }
        }
    }
    "unknown".to_string()
}

fn git_config(key: &str) -> Option<String> {
    let out = Command::new("git").args(["config", "--get", key]).output().ok()?;
    let v = String::from_utf8(out.stdout).ok()?.trim().to_string();
    (out.status.success() && !v.is_empty()).then_some(v)
}
