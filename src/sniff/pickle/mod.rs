//! Pickle scanning without unpickling. [`scan_pickle`] walks the opcodes of protocols 0–5 with a
//! small abstract stack (strings, globals, "something else") and a memo, so that the module and
//! name each GLOBAL / STACK_GLOBAL / INST resolves to are known exactly — a pickle cannot hide
//! `builtins.eval` behind string shuffling. Imports outside an allowlist of data-only
//! reconstructors used by PyTorch and numpy checkpoints are reported as unsafe.

//!
//! The opcodes run on an abstract machine (`machine`, `opcodes`); text arguments are decoded as
//! Python does (`unescape`); the allow-list is in `allow`; compressed pickles are recognised
//! and refused (`compression`).

use std::collections::{BTreeMap, BTreeSet};
use std::fs::File;
use std::path::Path;

use super::bounded::read_prefix;
use super::{Format, Interface, MAX_HEADER, SniffError, Sniffed};

mod allow;
pub mod classify;
mod compression;
mod machine;
mod opcodes;
mod unescape;

pub use classify::Risk;
use classify::{classify, library};
use compression::compression_of;
use machine::Machine;

const FORMAT: &str = "pickle";

/// What a scan of one pickle (or of consecutive pickles) found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PickleScan {
    /// Every global the pickle imports, as "module.name", sorted and deduplicated.
    pub imports: Vec<String>,
    /// Number of call opcodes (REDUCE, NEWOBJ, NEWOBJ_EX, OBJ, INST).
    pub reduces: usize,
    /// Protocol from the first PROTO opcode, if any (protocols 0 and 1 have none).
    pub protocol: Option<u8>,
    /// The dangerous imports (commands, code, network, files): a file with any is refused.
    pub unsafe_imports: Vec<String>,
    /// Imports from no known library and not plain data: registered with a warning.
    pub unknown_imports: Vec<String>,
    /// Known libraries whose code loading the file runs (e.g. `sklearn`), sorted.
    pub libraries: Vec<String>,
    /// Library versions the file records, e.g. `("sklearn", "1.5.2")`.
    pub versions: Vec<(String, String)>,
    /// The worst class of any import.
    pub risk: Risk,
}

/// Scan one pickle (up to its STOP opcode) without executing it. Errors on an unknown opcode,
/// truncation, or a malformed stack.
pub fn scan_pickle(bytes: &[u8]) -> Result<PickleScan, String> {
    let mut scanner = Scanner::default();
    scanner.scan(bytes, 0)?;
    Ok(scanner.finish())
}

/// Accumulates imports over one or more consecutive pickles.
#[derive(Default)]
struct Scanner {
    /// Every import seen, as "module.name".
    imports: BTreeSet<String>,
    /// Call opcodes seen.
    reduces: usize,
    /// Protocol of the first pickle that names one.
    protocol: Option<u8>,
    /// Library versions recorded in the pickles.
    versions: Vec<(String, String)>,
}

impl Scanner {
    fn finish(mut self) -> PickleScan {
        let imports: Vec<String> = self.imports.into_iter().collect();
        let judged: Vec<(&String, Risk)> = imports.iter().map(|i| (i, classify(i))).collect();
        let of = |r: Risk| judged.iter().filter(|(_, c)| *c == r).map(|(i, _)| (*i).clone()).collect::<Vec<_>>();
        let (unsafe_imports, unknown_imports) = (of(Risk::Dangerous), of(Risk::Unknown));
        let risk = judged.iter().map(|(_, c)| *c).max().unwrap_or(Risk::Safe);
        let libraries: BTreeSet<String> = of(Risk::Known).iter().filter_map(|i| library(i)).map(String::from).collect();
        self.versions.sort();
        self.versions.dedup();
        PickleScan {
            imports,
            reduces: self.reduces,
            protocol: self.protocol,
            unsafe_imports,
            unknown_imports,
            libraries: libraries.into_iter().collect(),
            versions: self.versions,
            risk,
        }
    }

    /// Scan the pickle starting at `start`; returns the offset just past its STOP.
    fn scan(&mut self, bytes: &[u8], start: usize) -> Result<usize, String> {
        Machine::new(bytes, start).run(self)
    }
}

/// Writes what a scan found into sniffed metadata: the import inventory, the verdict, the
/// libraries whose code loading runs and the versions the file records.
pub(crate) fn describe(scan: &PickleScan, metadata: &mut BTreeMap<String, String>) {
    metadata.insert("imports".into(), scan.imports.join(","));
    metadata.insert("pickle_risk".into(), scan.risk.as_str().into());
    if !scan.libraries.is_empty() {
        metadata.insert("loading_runs_code_from".into(), scan.libraries.join(","));
    }
    if !scan.unknown_imports.is_empty() {
        metadata.insert("unknown_imports".into(), scan.unknown_imports.join(","));
    }
    for (lib, version) in &scan.versions {
        metadata.insert(format!("library_version.{lib}"), version.clone());
    }
}

/// What was recorded about one pickle-family file of a version, read back from its sniffed
/// metadata (see [`describe`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verdict {
    pub path: String,
    /// safe, known, unknown or dangerous.
    pub risk: String,
    /// Libraries whose code loading runs, with the version the file records (`sklearn 1.5.2`).
    pub libraries: Vec<String>,
    pub unknown: Vec<String>,
    pub dangerous: Vec<String>,
    pub imports: Vec<String>,
}

impl Verdict {
    /// One line for people: what loading the file would run.
    pub fn summary(&self) -> String {
        match self.risk.as_str() {
            "safe" => "plain data only: loading runs no library code".to_string(),
            "known" => format!("loading runs code from {}", self.libraries.join(", ")),
            "unknown" => format!("WARNING: loading runs code from unknown modules: {}", self.unknown.join(", ")),
            _ => format!("DANGER: loading would run commands or code: {}", self.dangerous.join(", ")),
        }
    }
}

/// The verdicts of every pickle-family file in a version's sniffed metadata, by path.
pub fn verdicts(sniffed: &BTreeMap<String, BTreeMap<String, String>>) -> Vec<Verdict> {
    let list = |m: &BTreeMap<String, String>, k: &str| -> Vec<String> {
        m.get(k).map(|v| v.split(',').filter(|x| !x.is_empty()).map(String::from).collect()).unwrap_or_default()
    };
    sniffed
        .iter()
        .filter_map(|(path, m)| {
            let risk = m.get("pickle_risk")?.clone();
            let libraries = list(m, "loading_runs_code_from")
                .into_iter()
                .map(|lib| match m.get(&format!("library_version.{lib}")) {
                    Some(v) => format!("{lib} {v}"),
                    None => lib,
                })
                .collect();
            Some(Verdict {
                path: path.clone(),
                risk,
                libraries,
                unknown: list(m, "unknown_imports"),
                dangerous: list(m, "dangerous_imports"),
                imports: list(m, "imports"),
            })
        })
        .collect()
}

/// The refusal of a file with dangerous imports, carrying what the file is.
pub(crate) fn refusal(path: &Path, scan: &PickleScan, format: Format) -> SniffError {
    let mut metadata = BTreeMap::new();
    describe(scan, &mut metadata);
    metadata.insert("dangerous_imports".into(), scan.unsafe_imports.join(","));
    SniffError::UnsafePickle {
        path: path.to_path_buf(),
        imports: scan.unsafe_imports.join(", "),
        described: Box::new(Sniffed { format, interface: Interface::default(), metadata }),
    }
}

/// The first pickle of a legacy (non-zip) `torch.save` file: the magic number 0x1950a86a20f9469cfc6c.
const TORCH_LEGACY_MAGIC: &[u8] = b"\x80\x02\x8a\x0a\x6c\xfc\x9c\x46\xf9\x20\x6a\xa8\x50\x19\x2e";

/// Scans `count` consecutive pickles from the start of `bytes`: what they import, and why the
/// scan stopped early if it did (the imports seen before that still count).
fn scan_run(bytes: &[u8], count: usize) -> (PickleScan, Option<String>) {
    let mut scanner = Scanner::default();
    let mut at = 0;
    for _ in 0..count {
        match scanner.scan(bytes, at) {
            Ok(end) => at = end,
            Err(e) => return (scanner.finish(), Some(e)),
        }
    }
    (scanner.finish(), None)
}

/// Sniff a pickle file (including legacy `torch.save` files, which are a run of pickles
/// followed by raw storage bytes).
pub(crate) fn sniff(path: &Path, mut file: File, len: u64) -> Result<Sniffed, SniffError> {
    let corrupt = |reason: String| SniffError::Corrupt { path: path.to_path_buf(), format: FORMAT, reason };
    let bytes = read_prefix(&mut file, MAX_HEADER).map_err(|source| SniffError::Io { path: path.to_path_buf(), source })?;
    let legacy_torch = bytes.starts_with(TORCH_LEGACY_MAGIC);
    if !legacy_torch && len > MAX_HEADER {
        return Err(corrupt(format!("pickle of {len} bytes is too large to scan (limit {MAX_HEADER})")));
    }
    if let Some(kind) = compression_of(&bytes) {
        return Err(corrupt(format!("{kind}-compressed pickle cannot be scanned")));
    }
    // A legacy torch file holds: magic, protocol version, sys info, the object, storage keys.
    let (scan, failure) = scan_run(&bytes, if legacy_torch { 5 } else { 1 });
    if !scan.unsafe_imports.is_empty() {
        return Err(refusal(path, &scan, Format::Pickle));
    }
    if let Some(reason) = failure {
        if scan.imports.iter().any(|i| i.starts_with("joblib.numpy_pickle.NumpyArrayWrapper")) {
            return Err(corrupt(format!(
                "{reason}: this is a joblib file with numpy arrays stored inside the pickle stream, which Pedigree \
                 cannot scan yet; save the model with pickle.dump (or skops) to register it"
            )));
        }
        return Err(corrupt(reason));
    }
    let mut metadata = BTreeMap::new();
    describe(&scan, &mut metadata);
    metadata.insert("reduce_count".into(), scan.reduces.to_string());
    if let Some(p) = scan.protocol {
        metadata.insert("protocol".into(), p.to_string());
    }
    if legacy_torch {
        metadata.insert("legacy_torch".into(), "true".into());
    }
    Ok(Sniffed { format: Format::Pickle, interface: Interface::default(), metadata })
}
