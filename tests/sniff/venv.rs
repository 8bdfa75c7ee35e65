//! Shared by the tests whose fixtures are written by the real libraries in the test venv
//! (`make test` installs them; `PEDIGREE_INTEROP_PYTHON` names its python) and that register
//! what they sniff through the engine, as a user's `pedigree register` does.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

use pedigree::api::{self, ApiError, RegisterRequest, RegisterResponse, Session, ShowVersionRequest};

pub fn python() -> String {
    std::env::var("PEDIGREE_INTEROP_PYTHON").expect("PEDIGREE_INTEROP_PYTHON is not set: run `make test`")
}

/// Runs `code` with `args` in the venv's python; its stdout.
pub fn run_python(code: &str, args: &[&str]) -> String {
    let out = Command::new(python()).arg("-c").arg(code).args(args).output().expect("run python");
    assert!(out.status.success(), "python failed: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

/// A fresh workspace under `root`.
pub fn workspace(root: &Path) -> Session {
    let ws = root.join("ws");
    api::init_workspace(&ws).unwrap();
    Session::open(&ws, "tester".into()).unwrap()
}

/// Registers `paths` as a new version of `model`, accepting dangerous files only with
/// `allow_unsafe`'s reason.
pub fn register(s: &mut Session, paths: &[&Path], model: &str, allow_unsafe: Option<&str>) -> Result<RegisterResponse, ApiError> {
    let req = RegisterRequest {
        paths: paths.iter().map(|p| p.display().to_string()).collect(),
        model: model.into(),
        allow_unsafe: allow_unsafe.map(String::from),
        ..Default::default()
    };
    api::register_version(s, &req, &pedigree::progress::ignore)
}

/// What `show` reads back about a registered version: its sniffed metadata, by path.
pub fn sniffed(s: &Session, r: &RegisterResponse) -> BTreeMap<String, BTreeMap<String, String>> {
    let shown =
        api::show_version(s, &ShowVersionRequest { reference: format!("{}@{}", r.model, r.version), ..Default::default() })
            .unwrap();
    shown.version.sniffed
}

/// The verdict `show`, the report and the ML-BOM give the file at `path` of a version.
pub fn verdict(s: &Session, r: &RegisterResponse, path: &str) -> pedigree::sniff::Verdict {
    let all = pedigree::sniff::verdicts(&sniffed(s, r));
    all.into_iter().find(|v| v.path == path).unwrap_or_else(|| panic!("no verdict for {path}"))
}
