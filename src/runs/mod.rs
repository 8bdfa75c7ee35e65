//! Training runs: `pedigree run -- COMMAND…` runs a command and captures what it ran with
//! ([`capture`]), what it was given (files named in its arguments, by digest; `--key value`
//! hyper-parameters), when it ran, how it ended, and the files it wrote or changed under its
//! working folder ([`outputs`]). The capture is recorded as a `run:ID` node and an audit event
//! (`api::runs`), and a produced model can be registered from it in the same step
//! (`produced_by`). [`reproduce`] turns a version's run back into a recipe and, on request,
//! runs it again and compares what it produces.

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};
use ts_rs::TS;

pub mod capture;
pub mod outputs;
pub mod record;
pub mod reproduce;

pub use capture::{FileDigest, RunEnvironment};

/// One captured run.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct RunCapture {
    /// 16 hex digits of the digest of the rest of the capture.
    pub id: String,
    /// The command as run (argv).
    pub command: Vec<String>,
    /// The folder it ran in.
    pub cwd: String,
    pub environment: RunEnvironment,
    /// Files named in its arguments (the script, configurations), by digest.
    pub inputs: Vec<FileDigest>,
    /// `--key value` and `--key=value` arguments: its hyper-parameters and configuration.
    pub params: BTreeMap<String, String>,
    pub started_at: String,
    pub ended_at: String,
    #[ts(type = "number")]
    pub duration_ms: u64,
    /// Its exit code (128 + N when signal N ended it).
    pub exit_code: i32,
    /// Files it wrote or changed under its folder, by digest (path relative to the folder).
    pub outputs: Vec<FileDigest>,
    /// True when the folder held too many files to compare them all (outputs may be missing).
    #[serde(default)]
    pub outputs_truncated: bool,
}

/// Most bytes of capture accepted from elsewhere (the API, a ledger).
pub const MAX_CAPTURE: usize = 4 << 20;

impl RunCapture {
    /// The id its content gives (the capture without its id, canonical JSON, SHA-256).
    pub fn content_id(&self) -> String {
        let mut v = serde_json::to_value(RunCapture { id: String::new(), ..self.clone() }).expect("captures serialise");
        if let Some(m) = v.as_object_mut() {
            m.remove("id");
        }
        crate::hash::sha256_hex(crate::audit::canonical(&v).as_bytes())[..16].to_string()
    }

    /// The `environment` link of a version it produced: a digest over its lock files and
    /// installed packages (none when neither is known).
    pub fn environment_id(&self) -> Option<String> {
        let e = &self.environment;
        let mut parts: Vec<String> = e.locks.iter().map(|l| format!("{} {}", l.path, l.sha256)).collect();
        if let Some(i) = &e.interpreter {
            parts.push(format!("python {} {}", i.version, i.packages_digest));
        }
        (!parts.is_empty()).then(|| format!("sha256:{}", crate::hash::sha256_hex(parts.join("\n").as_bytes())))
    }

    /// The `code` link: `git+REMOTE@COMMIT` when it ran inside a repository.
    pub fn code_ref(&self) -> Option<String> {
        let e = &self.environment;
        Some(e.git.as_ref()?.code_ref(e.git_top.as_deref().unwrap_or(&self.cwd)))
    }
}

/// `--key value` / `--key=value` pairs of the arguments (flags without a value are `true`).
pub fn argument_params(argv: &[String]) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let mut i = 1;
    while i < argv.len() {
        let a = &argv[i];
        if let Some(flag) = a.strip_prefix("--").filter(|f| !f.is_empty()) {
            match flag.split_once('=') {
                Some((k, v)) => drop(out.insert(k.to_string(), v.to_string())),
                None => match argv.get(i + 1).filter(|v| !v.starts_with("--")) {
                    Some(v) => {
                        out.insert(flag.to_string(), v.clone());
                        i += 1;
                    }
                    None => drop(out.insert(flag.to_string(), "true".into())),
                },
            }
        }
        i += 1;
    }
    out
}

/// Argument files larger than this are not hashed before the run (a dataset named on the
/// command line would hold it up; datasets are recorded with `--trained-on`).
pub const MAX_ARGUMENT_FILE: u64 = 64 << 20;

/// Files the arguments name that exist (the script, a configuration), by digest; at most 64,
/// each up to [`MAX_ARGUMENT_FILE`].
fn argument_files(argv: &[String], cwd: &Path) -> Vec<FileDigest> {
    let mut out = Vec::new();
    for a in argv.iter().skip(1) {
        let value = a.split_once('=').map_or(a.as_str(), |(_, v)| v);
        if value.is_empty() || value.starts_with('-') {
            continue;
        }
        let p = cwd.join(value);
        let small = std::fs::metadata(&p).is_ok_and(|m| m.is_file() && m.len() <= MAX_ARGUMENT_FILE);
        if small && out.len() < 64 {
            if let Some(f) = capture::file_digest(&p, value) {
                out.push(f);
            }
        }
    }
    out
}

fn now() -> String {
    chrono::Utc::now().format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()
}

/// Why a run could not start.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    #[error("no command to run: give it after --, e.g. pedigree run -- python train.py")]
    NoCommand,
    #[error("cannot start {program}: {source} (is it installed and on PATH?)")]
    Start { program: String, source: std::io::Error },
    #[error("the folder {0} is not there (the run's working folder)")]
    NoFolder(String),
}

/// What a run is started with beyond its command.
pub struct Start<'a> {
    pub argv: &'a [String],
    pub cwd: &'a Path,
    /// Variables set for it (on top of this process's environment).
    pub extra_env: &'a BTreeMap<String, String>,
    /// Folders under `cwd` not to compare (the workspace, when it sits there).
    pub skip: &'a [&'a Path],
}

/// Runs the command with this process's terminal, and captures it. The packages list of a
/// Python command comes back beside the capture, to be kept by its digest.
pub fn execute(s: &Start<'_>) -> Result<(RunCapture, Option<String>), RunError> {
    let program = s.argv.first().ok_or(RunError::NoCommand)?;
    if !s.cwd.is_dir() {
        return Err(RunError::NoFolder(s.cwd.display().to_string()));
    }
    let mut env: BTreeMap<String, String> = std::env::vars().collect();
    env.extend(s.extra_env.clone());
    let (environment, freeze) = capture::read(s.argv, s.cwd, &env);
    let inputs = argument_files(s.argv, s.cwd);
    let before = outputs::snapshot(s.cwd, s.skip);
    let started_at = now();
    let t0 = std::time::Instant::now();
    let status = std::process::Command::new(program)
        .args(&s.argv[1..])
        .current_dir(s.cwd)
        .envs(s.extra_env)
        .status()
        .map_err(|source| RunError::Start { program: program.clone(), source })?;
    let duration_ms = t0.elapsed().as_millis() as u64;
    let ended_at = now();
    let exit_code = status.code().unwrap_or_else(|| {
        use std::os::unix::process::ExitStatusExt;
        128 + status.signal().unwrap_or(0)
    });
    let after = outputs::snapshot(s.cwd, s.skip);
    let mut capture = RunCapture {
        id: String::new(),
        command: s.argv.to_vec(),
        cwd: s.cwd.display().to_string(),
        environment,
        inputs,
        params: argument_params(s.argv),
        started_at,
        ended_at,
        duration_ms,
        exit_code,
        outputs: outputs::produced(s.cwd, &before, &after),
        outputs_truncated: before.truncated || after.truncated,
    };
    capture.id = capture.content_id();
    Ok((capture, freeze))
}
