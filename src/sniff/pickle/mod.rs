//! Pickle scanning without unpickling. [`scan_pickle`] walks the opcodes of protocols 0–5 with a
//! small abstract stack (strings, globals, "something else") and a memo, so that the module and
//! name each GLOBAL / STACK_GLOBAL / INST resolves to are known exactly — a pickle cannot hide
//! `builtins.eval` behind string shuffling. Imports outside an allowlist of data-only
//! reconstructors used by PyTorch and numpy checkpoints are reported as unsafe.

//!
//! The opcodes run on an abstract machine (`machine`, `opcodes`) over a bounded window of the
//! stream (`input`), so pickles of any size scan in bounded memory; text arguments are decoded
//! as Python does (`unescape`); the allow-list is in `allow`. Files written by `joblib.dump` are
//! read as `joblib.load` reads them: the raw array bytes after each array wrapper are read past
//! (`joblib`), compressed files are decompressed as a stream with a cap (`compression`).

use std::collections::{BTreeMap, BTreeSet};
use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::path::Path;

use super::{Format, Interface, SniffError, Sniffed};

mod allow;
pub mod classify;
mod compression;
mod input;
mod inventory;
mod joblib;
mod machine;
mod opcodes;
mod unescape;

pub use classify::Risk;
use classify::classify;
use compression::{Compression, MAX_INFLATED, compression_of};
use input::Input;
pub use inventory::{inventory, merge};
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
    /// Arrays joblib wrote after their wrappers, read past (0 for a plain pickle).
    pub arrays: usize,
}

/// Scan one pickle (up to its STOP opcode) without executing it. Errors on an unknown opcode,
/// truncation, or a malformed stack.
pub fn scan_pickle(bytes: &[u8]) -> Result<PickleScan, String> {
    let mut scanner = Scanner::default();
    Machine::new(&mut Input::new(bytes), false).run(&mut scanner)?;
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
    /// joblib arrays read past.
    arrays: usize,
}

impl Scanner {
    fn finish(self) -> PickleScan {
        let mut scan = inventory(self.imports, self.versions, self.reduces);
        scan.protocol = self.protocol;
        scan.arrays = self.arrays;
        scan
    }

    /// Scans `count` consecutive pickles from `inp`; the error says why it stopped early (the
    /// imports seen before that still count).
    fn scan_run(&mut self, inp: &mut Input, count: usize, joblib: bool) -> Result<(), String> {
        for _ in 0..count {
            Machine::new(inp, joblib).run(self)?;
        }
        Ok(())
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

/// Sniff a pickle file: a plain pickle, a `joblib.dump` file (compressed or not), or a legacy
/// (non-zip) `torch.save` file, which is a run of pickles followed by raw storage bytes. The file
/// is streamed, never held whole.
/// `head` is the file's first bytes, already read by the caller.
pub(crate) fn sniff(path: &Path, head: &[u8], mut file: File) -> Result<Sniffed, SniffError> {
    let corrupt = |reason: String| SniffError::Corrupt { path: path.to_path_buf(), format: FORMAT, reason };
    let io = |source| SniffError::Io { path: path.to_path_buf(), source };
    file.seek(SeekFrom::Start(0)).map_err(io)?;
    // A legacy torch file holds: magic, protocol version, sys info, the object, storage keys.
    let legacy_torch = head.starts_with(TORCH_LEGACY_MAGIC);
    let compression = if legacy_torch { None } else { compression_of(&head) };
    let mut scanner = Scanner::default();
    let scanned = match compression {
        Some(kind) => scan_compressed(&mut scanner, &mut file, kind).map_err(corrupt)?,
        None => scanner.scan_run(&mut Input::new(&mut file), if legacy_torch { 5 } else { 1 }, !legacy_torch),
    };
    if scanner.arrays > 0 && compression.is_none() {
        // pickle.load reads the bytes after an array wrapper as opcodes, where joblib.load
        // reads array data: what a plain load would import counts too.
        file.seek(SeekFrom::Start(0)).map_err(io)?;
        let mut plain = Scanner::default();
        let _ = plain.scan_run(&mut Input::new(&mut file), 1, false);
        scanner.imports.extend(plain.imports.into_iter().filter(|i| classify(i) == Risk::Dangerous));
    }
    let scan = scanner.finish();
    if !scan.unsafe_imports.is_empty() {
        return Err(refusal(path, &scan, Format::Pickle));
    }
    scanned.map_err(corrupt)?;
    let mut metadata = BTreeMap::new();
    describe(&scan, &mut metadata);
    metadata.insert("reduce_count".into(), scan.reduces.to_string());
    if let Some(p) = scan.protocol {
        metadata.insert("protocol".into(), p.to_string());
    }
    if legacy_torch {
        metadata.insert("legacy_torch".into(), "true".into());
    }
    if scan.arrays > 0 {
        metadata.insert("joblib_arrays".into(), scan.arrays.to_string());
    }
    if let Some(kind) = compression {
        metadata.insert("compression".into(), kind.name().into());
    }
    Ok(Sniffed { format: Format::Pickle, interface: Interface::default(), metadata })
}

/// Whether a file of any name is a compressed pickle (`model.pkl.gz`, `model.joblib.xz`...): a
/// compressor's magic whose stream starts with a PROTO opcode of protocol 2 to 5. Loading it
/// with joblib would unpickle it, so it is scanned like one.
/// `head` is the file's first bytes, already read by the caller.
pub(crate) fn is_compressed_pickle(head: &[u8], file: &mut File) -> bool {
    let Some(kind) = compression_of(head) else { return false };
    let mut first = [0u8; 2];
    let opened =
        file.seek(SeekFrom::Start(0)).is_ok() && kind.inflate(&mut *file).is_some_and(|mut s| s.read_exact(&mut first).is_ok());
    let _ = file.seek(SeekFrom::Start(0));
    opened && first[0] == 0x80 && (2..=5).contains(&first[1])
}

/// Scans the decompressed stream of a compressed pickle, as joblib loads it. The outer error is
/// a container joblib itself no longer reads; the inner one why the scan stopped.
fn scan_compressed(scanner: &mut Scanner, file: &mut File, kind: Compression) -> Result<Result<(), String>, String> {
    let Some(stream) = kind.inflate(file) else {
        return Err(format!(
            "a {} compressed pickle (joblib before 0.9.3, arrays in side files) cannot be scanned; load and save it \
             again with a current joblib to register it",
            kind.name()
        ));
    };
    let mut inp = Input::new(stream);
    // Read to the end of the stream too, so a truncated or damaged one is noticed even when the
    // pickle's STOP came before the damage.
    let done = scanner.scan_run(&mut inp, 1, true).and_then(|()| inp.drain());
    Ok(if inp.offset() > MAX_INFLATED {
        Err(format!("the {} stream inflates past {MAX_INFLATED} bytes; not scanned", kind.name()))
    } else {
        done.map_err(|e| format!("{e} (in the {}-decompressed stream)", kind.name()))
    })
}
