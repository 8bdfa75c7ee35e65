//! Format sniffers: recognise model and data files from their first bytes and read their
//! interface (tensor names, dtypes, shapes; graph inputs/outputs) with bounded reads.
//!
//! Nothing here ever executes file content: pickles are scanned opcode by opcode and their
//! imports listed, never unpickled. Every reader caps how much it reads (`MAX_HEADER`), so a
//! hostile length field (e.g. a safetensors header claiming 2^60 bytes) is an error, not an
//! allocation.

use std::collections::BTreeMap;
use std::fs::File;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use ts_rs::TS;

mod bounded;
pub mod folder;
pub mod gguf;
mod hdf5;
mod onnx;
mod pickle;
pub mod safetensors;
mod zipped;

pub use folder::sniff_folder;
pub use onnx::external_files;
pub use pickle::{PickleScan, Verdict, scan_pickle, verdicts};

/// Largest header/metadata block any sniffer will read into memory (64 MiB).
pub const MAX_HEADER: u64 = 64 << 20;

/// A detected artifact format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    Safetensors,
    Onnx,
    Gguf,
    Pytorch,
    Pickle,
    Keras,
    Hdf5,
    Mlflow,
    Huggingface,
    Unknown,
}

impl Format {
    /// Whether files of this format hold weights (used by the semver policy: "patch" means the
    /// weight files did not change).
    pub fn holds_weights(self) -> bool {
        matches!(
            self,
            Format::Safetensors | Format::Onnx | Format::Gguf | Format::Pytorch | Format::Pickle | Format::Keras | Format::Hdf5
        )
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Format::Safetensors => "safetensors",
            Format::Onnx => "onnx",
            Format::Gguf => "gguf",
            Format::Pytorch => "pytorch",
            Format::Pickle => "pickle",
            Format::Keras => "keras",
            Format::Hdf5 => "hdf5",
            Format::Mlflow => "mlflow",
            Format::Huggingface => "huggingface",
            Format::Unknown => "unknown",
        }
    }
}

/// One tensor (or graph input/output): name, element type and shape. A dimension is either a
/// fixed size or a symbolic name (ONNX `dim_param`, e.g. "batch"); unknown dims are "?".
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, TS)]
pub struct TensorSpec {
    pub name: String,
    pub dtype: String,
    pub shape: Vec<String>,
}

/// The interface of a model as far as its files reveal it. Compared by the semver policy.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct Interface {
    /// Graph/signature inputs (ONNX, MLflow signature).
    pub inputs: Vec<TensorSpec>,
    /// Graph/signature outputs.
    pub outputs: Vec<TensorSpec>,
    /// Stored weight tensors (safetensors, GGUF), sorted by name.
    pub tensors: Vec<TensorSpec>,
    /// Task or architecture when a file says so (HF `architectures`, GGUF `general.architecture`,
    /// MLflow flavor).
    pub task: Option<String>,
    /// Versions of the libraries loading the model needs, as its files record them (e.g.
    /// scikit-learn's `_sklearn_version`, an MLflow flavor's version). A new major version of one
    /// is an incompatible change.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub libraries: Option<BTreeMap<String, String>>,
}

impl Interface {
    pub fn is_empty(&self) -> bool {
        self.inputs.is_empty()
            && self.outputs.is_empty()
            && self.tensors.is_empty()
            && self.task.is_none()
            && self.libraries.is_none()
    }
}

/// What a sniffer learned about one file or folder.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct Sniffed {
    pub format: Format,
    pub interface: Interface,
    /// Format-specific facts (GGUF metadata keys, pickle imports, MLflow flavors, HF card
    /// front matter...), as string key/values so they are easy to show and diff.
    pub metadata: BTreeMap<String, String>,
}

impl Sniffed {
    pub fn unknown() -> Self {
        Sniffed { format: Format::Unknown, interface: Interface::default(), metadata: BTreeMap::new() }
    }
}

/// Why a file was refused. Each variant names the file.
#[derive(Debug, thiserror::Error)]
pub enum SniffError {
    #[error("{path}: cannot read: {source}")]
    Io { path: PathBuf, source: std::io::Error },
    #[error("{path}: corrupt {format} file: {reason}")]
    Corrupt { path: PathBuf, format: &'static str, reason: String },
    /// `described` is what the file is (its import inventory, `pickle_risk` = dangerous), for a
    /// registration that accepts the risk with a stated reason.
    #[error("{path}: loading it would run commands or code (imports {imports}); refusing to register it")]
    UnsafePickle { path: PathBuf, imports: String, described: Box<Sniffed> },
}

/// Sniff one regular file. Unknown formats are not an error (`Format::Unknown`); a file that
/// claims a format (by magic bytes or extension) but is malformed is.
///
/// Dispatch: strong magic bytes first (GGUF, zip, HDF5 at offset 0), then the extension
/// (`.safetensors`, `.onnx`, `.gguf`, `.pkl`/`.pickle`/`.joblib`, `.h5`/`.hdf5`, `.keras`, `.skops`,
/// `.pt`/`.pth`), then weak signatures (a pickle PROTO opcode, an HDF5 signature after a user
/// block, a safetensors-shaped header).
pub fn sniff_file(path: &Path) -> Result<Sniffed, SniffError> {
    // Defence in depth: a sniffer bug on hostile bytes becomes a refusal, not a crash.
    std::panic::catch_unwind(|| sniff_file_inner(path)).unwrap_or_else(|_| {
        Err(SniffError::Corrupt {
            path: path.to_path_buf(),
            format: "model",
            reason: "the format sniffer could not parse it".into(),
        })
    })
}

fn sniff_file_inner(path: &Path) -> Result<Sniffed, SniffError> {
    let io = |source| SniffError::Io { path: path.to_path_buf(), source };
    // Checked before opening: opening a FIFO would block.
    if !std::fs::metadata(path).map_err(io)?.is_file() {
        return Err(io(std::io::Error::new(std::io::ErrorKind::InvalidInput, "not a regular file")));
    }
    let mut file = File::open(path).map_err(io)?;
    let len = file.metadata().map_err(io)?.len();
    let head = bounded::read_prefix(&mut file, HEAD_LEN).map_err(io)?;
    let ext = path.extension().and_then(|e| e.to_str()).unwrap_or_default().to_ascii_lowercase();
    let corrupt =
        |format: &'static str, reason: &str| SniffError::Corrupt { path: path.to_path_buf(), format, reason: reason.to_string() };

    if head.starts_with(b"GGUF") {
        return gguf::sniff(path, file, len);
    }
    if head.starts_with(b"PK\x03\x04") {
        return zipped::sniff_zip(path, file, len, &ext);
    }
    if head.starts_with(hdf5::SIGNATURE) {
        return hdf5::sniff(path, &head);
    }
    let pickle_magic = head.first() == Some(&0x80) && head.get(1).is_some_and(|p| (2..=5).contains(p));
    match ext.as_str() {
        "safetensors" => return safetensors::sniff(path, file, len),
        "onnx" => return onnx::sniff(path, file, len),
        "gguf" => return Err(corrupt("gguf", "missing GGUF magic")),
        "pkl" | "pickle" | "joblib" => return pickle::sniff(path, &head, file),
        "h5" | "hdf5" => return hdf5::sniff(path, &head),
        "keras" => return Err(corrupt("keras", "not a zip archive")),
        // An empty zip (its end record first) holds no model: left unknown.
        "skops" if !head.starts_with(b"PK\x05\x06") => return Err(corrupt("skops", "not a zip archive")),
        "pt" | "pth" if !pickle_magic => return Err(corrupt("pytorch", "neither a zip archive nor a pickle")),
        _ => {}
    }
    if pickle::is_compressed_pickle(&head, &mut file) {
        return pickle::sniff(path, &head, file);
    }
    let safetensors_shape = looks_like_safetensors(&head, len);
    if pickle_magic {
        // A safetensors header of 640, 896, 1152... bytes also starts 0x80 0x02..0x05; it is only
        // taken as safetensors if it is not a valid pickle.
        let pickled = match file.try_clone() {
            Ok(f) => pickle::sniff(path, &head, f),
            Err(e) => Err(io(e)),
        };
        return match pickled {
            Err(SniffError::Corrupt { .. }) if safetensors_shape => match safetensors::sniff(path, file, len) {
                Ok(s) => Ok(s),
                Err(_) => pickled,
            },
            other => other,
        };
    }
    if hdf5::signature_offset(&head).is_some() {
        return hdf5::sniff(path, &head);
    }
    if safetensors_shape {
        return Ok(safetensors::sniff(path, file, len).unwrap_or_else(|_| Sniffed::unknown()));
    }
    Ok(Sniffed::unknown())
}

/// How many leading bytes `sniff_file` reads to recognise a format.
const HEAD_LEN: u64 = 4096;

/// An 8-byte header length that fits the file, followed by a JSON object.
fn looks_like_safetensors(head: &[u8], len: u64) -> bool {
    let Some(n) = head.get(..8).and_then(|b| <[u8; 8]>::try_from(b).ok()).map(u64::from_le_bytes) else {
        return false;
    };
    (2..=MAX_HEADER).contains(&n) && n <= len.saturating_sub(8) && head.get(8) == Some(&b'{')
}
