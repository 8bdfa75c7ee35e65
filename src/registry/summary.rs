//! What a set of sniffed files is, as one version: its format and merged interface.

use std::collections::BTreeMap;

use crate::catalog::models::FileEntry;
use crate::sniff::{Format, Interface, Sniffed};

/// The version's format and interface: a folder format (MLflow, Hugging Face) wins; otherwise
/// the format of the largest weight file. Interfaces merge: the first inputs/outputs found,
/// tensors from every file.
pub fn summarize(sniffed: &BTreeMap<String, Sniffed>, files: &[FileEntry]) -> (String, Interface) {
    let folder = sniffed
        .iter()
        .filter(|(p, s)| !files.iter().any(|f| &f.path == *p) && s.format != Format::Unknown)
        .map(|(_, s)| s.format)
        .next();
    let largest_weights = files
        .iter()
        .filter_map(|f| sniffed.get(&f.path).filter(|s| s.format.holds_weights()).map(|s| (f.size, s.format)))
        .max_by_key(|(size, _)| *size)
        .map(|(_, fmt)| fmt);
    let format = folder.or(largest_weights).unwrap_or(Format::Unknown);
    let mut iface = Interface::default();
    // Folder sniffs first (they carry signatures), then files in path order.
    let order = sniffed
        .iter()
        .filter(|(p, _)| !files.iter().any(|f| &f.path == *p))
        .chain(sniffed.iter().filter(|(p, _)| files.iter().any(|f| &f.path == *p)));
    for (_, s) in order {
        if iface.inputs.is_empty() {
            iface.inputs = s.interface.inputs.clone();
        }
        if iface.outputs.is_empty() {
            iface.outputs = s.interface.outputs.clone();
        }
        if iface.task.is_none() {
            iface.task = s.interface.task.clone();
        }
        iface.tensors.extend(s.interface.tensors.iter().cloned());
    }
    iface.tensors.sort();
    iface.tensors.dedup_by(|a, b| a.name == b.name);
    let libraries = library_versions(sniffed);
    iface.libraries = (!libraries.is_empty()).then_some(libraries);
    // A composite system's version is its one pins file (`registry::system`).
    let is_system = format == Format::Unknown && files.len() == 1 && files[0].path == super::system::FILE;
    (if is_system { "system" } else { format.as_str() }.to_string(), iface)
}

/// Library versions the files record: pickles' `library_version.<lib>` (e.g. scikit-learn's
/// `_sklearn_version`) and MLflow flavors' `flavor.<flavor>.<lib>_version`. The first file (in
/// path order) that names a library wins.
fn library_versions(sniffed: &BTreeMap<String, Sniffed>) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for s in sniffed.values() {
        for (k, v) in &s.metadata {
            let lib = k.strip_prefix("library_version.").or_else(|| {
                let rest = k.strip_prefix("flavor.")?;
                let (_, key) = rest.split_once('.')?;
                key.strip_suffix("_version").filter(|l| !matches!(*l, "python" | "mlflow" | "code"))
            });
            if let Some(lib) = lib
                && !v.is_empty()
            {
                out.entry(lib.to_string()).or_insert_with(|| v.clone());
            }
        }
    }
    out
}
