//! What a run ran in, read before it starts: the code (git commit, and a digest of what was not
//! committed), the environment's lock files by digest, the interpreter and its libraries (a
//! Python command is asked through `importlib.metadata`; nothing of the project is imported),
//! the hardware (CPU, memory, GPUs and their driver through `nvidia-smi` when present), the
//! host, and the random seeds the environment and the arguments set. Each probe that fails
//! leaves its part empty; none stops the run.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::{Command, Stdio};

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::hash::sha256_hex;

/// The code a run was started from.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct GitState {
    pub commit: String,
    /// The repository's origin URL, if it has one.
    pub remote: Option<String>,
    /// Changes not committed (tracked or untracked files).
    pub dirty: bool,
    /// SHA-256 over `git diff HEAD --binary` and each untracked file (path and digest): two runs
    /// with the same commit and digest ran the same code.
    pub uncommitted_digest: Option<String>,
}

impl GitState {
    /// `git+REMOTE@COMMIT` (the version's `code` link).
    pub fn code_ref(&self, top: &str) -> String {
        let repo = self.remote.clone().unwrap_or_else(|| format!("file://{top}"));
        format!("git+{repo}@{}", self.commit)
    }
}

/// A file the run depends on, by digest (a lock file, a configuration named in the arguments).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct FileDigest {
    pub path: String,
    pub sha256: String,
    #[ts(type = "number")]
    pub size: u64,
}

/// The Python interpreter a command ran with.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct Interpreter {
    pub executable: String,
    pub version: String,
    /// SHA-256 of the installed packages as `name==version` lines, sorted (a `pip freeze`); the
    /// list itself is kept in the object store under this digest.
    pub packages_digest: String,
    #[ts(type = "number")]
    pub package_count: u64,
    /// Versions of the ML libraries among them (torch, numpy, scikit-learn…).
    pub libraries: BTreeMap<String, String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct Gpu {
    pub name: String,
    pub driver: String,
    pub memory: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct Hardware {
    pub cpu: String,
    pub cores: u32,
    #[ts(type = "number")]
    pub memory_bytes: u64,
    pub gpus: Vec<Gpu>,
    /// `linux 6.1.0 x86_64`.
    pub os: String,
}

/// Everything read before the run starts.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct RunEnvironment {
    pub git: Option<GitState>,
    /// The repository's top folder, when the run started inside one.
    pub git_top: Option<String>,
    pub locks: Vec<FileDigest>,
    pub interpreter: Option<Interpreter>,
    pub hardware: Hardware,
    pub hostname: String,
    /// Seeds set by the environment (`PYTHONHASHSEED`, `*SEED*`) and the arguments (`--seed 7`).
    pub seeds: BTreeMap<String, String>,
    /// Variables that change results and carry no secrets (CUDA_VISIBLE_DEVICES, thread counts…).
    pub variables: BTreeMap<String, String>,
}

/// Lock and environment files looked for in the working folder and the repository's top.
pub const LOCK_FILES: &[&str] = &[
    "requirements.txt",
    "requirements.lock",
    "requirements-dev.txt",
    "uv.lock",
    "poetry.lock",
    "Pipfile.lock",
    "pdm.lock",
    "pyproject.toml",
    "environment.yml",
    "environment.yaml",
    "conda-lock.yml",
    "Dockerfile",
];

/// Libraries whose versions are named in the capture.
const LIBRARIES: &[&str] = &[
    "torch",
    "tensorflow",
    "jax",
    "jaxlib",
    "keras",
    "numpy",
    "scipy",
    "pandas",
    "scikit-learn",
    "xgboost",
    "lightgbm",
    "catboost",
    "transformers",
    "datasets",
    "accelerate",
    "peft",
    "safetensors",
    "onnx",
    "onnxruntime",
    "tokenizers",
];

/// Variables recorded as they are (none can hold a secret).
const VARIABLES: &[&str] = &[
    "CUDA_VISIBLE_DEVICES",
    "CUBLAS_WORKSPACE_CONFIG",
    "OMP_NUM_THREADS",
    "MKL_NUM_THREADS",
    "TF_DETERMINISTIC_OPS",
    "TF_CUDNN_DETERMINISTIC",
    "PYTHONHASHSEED",
    "TOKENIZERS_PARALLELISM",
];

/// Runs a probe for at most a few seconds; its stdout when it succeeded.
fn probe(program: &str, args: &[&str], cwd: &Path) -> Option<String> {
    let mut child = Command::new(program)
        .args(args)
        .current_dir(cwd)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .ok()?;
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    let mut out = child.stdout.take()?;
    let reader = std::thread::spawn(move || {
        let mut s = Vec::new();
        std::io::Read::read_to_end(&mut out, &mut s).ok().map(|_| s)
    });
    loop {
        match child.try_wait() {
            Ok(Some(status)) => {
                let bytes = reader.join().ok()??;
                return status.success().then(|| String::from_utf8_lossy(&bytes).into_owned());
            }
            Ok(None) if std::time::Instant::now() < deadline => std::thread::sleep(std::time::Duration::from_millis(20)),
            _ => {
                let _ = child.kill();
                let _ = child.wait();
                return None;
            }
        }
    }
}

/// A file's digest and size (None when it cannot be read).
pub fn file_digest(path: &Path, shown_as: &str) -> Option<FileDigest> {
    let meta = std::fs::metadata(path).ok().filter(|m| m.is_file())?;
    let (sha256, _) = crate::hash::sha256_file(path, &mut |_| {}).ok()?;
    Some(FileDigest { path: shown_as.to_string(), sha256, size: meta.len() })
}

fn git_state(cwd: &Path) -> Option<(GitState, String)> {
    let top = probe("git", &["rev-parse", "--show-toplevel"], cwd)?.trim().to_string();
    let commit = probe("git", &["rev-parse", "HEAD"], cwd)?.trim().to_string();
    let remote =
        probe("git", &["config", "--get", "remote.origin.url"], cwd).map(|s| s.trim().to_string()).filter(|s| !s.is_empty());
    let diff = probe("git", &["diff", "HEAD", "--binary"], cwd).unwrap_or_default();
    let untracked = probe("git", &["ls-files", "--others", "--exclude-standard", "-z"], Path::new(&top)).unwrap_or_default();
    let mut acc = diff.clone();
    let mut any_untracked = false;
    for rel in untracked.split('\0').filter(|p| !p.is_empty()) {
        any_untracked = true;
        let d = file_digest(&Path::new(&top).join(rel), rel).map(|f| f.sha256).unwrap_or_default();
        acc.push_str(&format!("\0untracked {rel} {d}"));
    }
    let dirty = !diff.is_empty() || any_untracked;
    let uncommitted_digest = dirty.then(|| sha256_hex(acc.as_bytes()));
    Some((GitState { commit, remote, dirty, uncommitted_digest }, top))
}

fn locks(cwd: &Path, top: Option<&str>) -> Vec<FileDigest> {
    let mut out: Vec<FileDigest> = Vec::new();
    let mut dirs = vec![cwd.to_path_buf()];
    if let Some(t) = top.map(Path::new).filter(|t| *t != cwd) {
        dirs.push(t.to_path_buf());
    }
    for dir in &dirs {
        for name in LOCK_FILES {
            let p = dir.join(name);
            let shown = p.strip_prefix(cwd).map(|r| r.display().to_string()).unwrap_or_else(|_| p.display().to_string());
            if let Some(f) = file_digest(&p, &shown) {
                if !out.iter().any(|o| o.sha256 == f.sha256 && o.path.ends_with(name)) {
                    out.push(f);
                }
            }
        }
    }
    out
}

/// The script Python is asked (standard library only; prints one JSON object).
const PY_PROBE: &str = "import sys, json, importlib.metadata as m\n\
pk = {}\n\
for d in m.distributions():\n    n = d.metadata['Name']\n    if n: pk[n.lower().replace('_', '-')] = d.version\n\
print(json.dumps({'executable': sys.executable, 'version': sys.version.split()[0], 'packages': pk}))";

/// Whether `program` is a Python interpreter (`python`, `python3.11`, a venv's `bin/python`).
pub fn is_python(program: &str) -> bool {
    let base = Path::new(program).file_name().and_then(|n| n.to_str()).unwrap_or_default();
    base == "python" || base.strip_prefix("python").is_some_and(|v| v.chars().all(|c| c.is_ascii_digit() || c == '.'))
}

/// The interpreter and its packages; the `name==version` list (the freeze) is returned to be
/// stored by digest.
fn interpreter(program: &str, cwd: &Path) -> Option<(Interpreter, String)> {
    let out = probe(program, &["-c", PY_PROBE], cwd)?;
    let v: serde_json::Value = serde_json::from_str(out.lines().last()?).ok()?;
    let packages: BTreeMap<String, String> = serde_json::from_value(v["packages"].clone()).ok()?;
    let freeze: String = packages.iter().map(|(n, v)| format!("{n}=={v}\n")).collect();
    let libraries = LIBRARIES.iter().filter_map(|l| packages.get(*l).map(|v| (l.to_string(), v.clone()))).collect();
    let i = Interpreter {
        executable: v["executable"].as_str()?.to_string(),
        version: v["version"].as_str()?.to_string(),
        packages_digest: sha256_hex(freeze.as_bytes()),
        package_count: packages.len() as u64,
        libraries,
    };
    Some((i, freeze))
}

fn hardware(cwd: &Path) -> Hardware {
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let cpu = cpuinfo
        .lines()
        .find_map(|l| l.strip_prefix("model name").and_then(|r| r.split_once(':')).map(|(_, v)| v.trim().to_string()))
        .unwrap_or_default();
    let meminfo = std::fs::read_to_string("/proc/meminfo").unwrap_or_default();
    let memory_bytes = meminfo
        .lines()
        .find_map(|l| l.strip_prefix("MemTotal:").and_then(|r| r.split_whitespace().next()).and_then(|k| k.parse::<u64>().ok()))
        .map_or(0, |k| k * 1024);
    let gpus = probe("nvidia-smi", &["--query-gpu=name,driver_version,memory.total", "--format=csv,noheader"], cwd)
        .unwrap_or_default()
        .lines()
        .filter_map(|l| {
            let mut f = l.split(',').map(str::trim);
            Some(Gpu {
                name: f.next()?.to_string(),
                driver: f.next()?.to_string(),
                memory: f.next().unwrap_or_default().to_string(),
            })
        })
        .filter(|g| !g.name.is_empty())
        .collect();
    let release = std::fs::read_to_string("/proc/sys/kernel/osrelease").unwrap_or_default();
    Hardware {
        cpu,
        cores: std::thread::available_parallelism().map_or(1, |n| n.get() as u32),
        memory_bytes,
        gpus,
        os: format!("{} {} {}", std::env::consts::OS, release.trim(), std::env::consts::ARCH),
    }
}

/// Seeds the arguments set: `--seed 7`, `--seed=7`, `seed=7`, `--random-seed 7`.
pub fn argument_seeds(argv: &[String]) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for (i, a) in argv.iter().enumerate() {
        let bare = a.trim_start_matches('-');
        if !bare.to_ascii_lowercase().contains("seed") {
            continue;
        }
        match bare.split_once('=') {
            Some((k, v)) => drop(out.insert(format!("arg:{k}"), v.to_string())),
            None if a.starts_with('-') => {
                if let Some(v) = argv.get(i + 1).filter(|v| !v.starts_with('-')) {
                    out.insert(format!("arg:{bare}"), v.clone());
                }
            }
            None => {}
        }
    }
    out
}

/// Reads the environment a run of `argv` in `cwd` starts in. `freeze` receives the package list
/// (to store by its digest).
pub fn read(argv: &[String], cwd: &Path, env: &BTreeMap<String, String>) -> (RunEnvironment, Option<String>) {
    let (git, git_top) = match git_state(cwd) {
        Some((g, top)) => (Some(g), Some(top)),
        None => (None, None),
    };
    let (interpreter, freeze) = match argv.first().filter(|p| is_python(p)).and_then(|p| interpreter(p, cwd)) {
        Some((i, f)) => (Some(i), Some(f)),
        None => (None, None),
    };
    let mut seeds: BTreeMap<String, String> = env
        .iter()
        .filter(|(k, _)| k.to_ascii_uppercase().contains("SEED"))
        .map(|(k, v)| (format!("env:{k}"), v.clone()))
        .collect();
    seeds.extend(argument_seeds(argv));
    let variables = VARIABLES.iter().filter_map(|k| env.get(*k).map(|v| (k.to_string(), v.clone()))).collect();
    let hostname = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .or_else(|| probe("hostname", &[], cwd))
        .unwrap_or_default()
        .trim()
        .to_string();
    let mut locks = locks(cwd, git_top.as_deref());
    // An active conda environment: what `conda env export` says of it, by digest.
    if let Some(prefix) = env.get("CONDA_PREFIX").filter(|p| !p.is_empty()) {
        if let Some(text) = probe("conda", &["env", "export", "--prefix", prefix], cwd).filter(|t| !t.trim().is_empty()) {
            locks.push(FileDigest {
                path: "conda env export".into(),
                sha256: sha256_hex(text.as_bytes()),
                size: text.len() as u64,
            });
        }
    }
    let e = RunEnvironment { locks, git, git_top, interpreter, hardware: hardware(cwd), hostname, seeds, variables };
    (e, freeze)
}
