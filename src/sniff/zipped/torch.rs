//! PyTorch zip archives. A `torch.save` checkpoint holds `<archive>/data.pkl` plus raw storages
//! under `<archive>/data/`. A TorchScript archive (`torch.jit.save`) adds `constants.pkl` (the
//! tensor constants its code refers to) and `code/` (the compiled modules, as Python-syntax
//! source that only TorchScript's interpreter runs); its pickles name those classes as
//! `__torch__.*`. Loading a TorchScript archive unpickles both pickles, so both are scanned into
//! one inventory, and a dangerous import in either refuses the file.

use std::collections::BTreeMap;
use std::path::Path;

use super::super::pickle::{PickleScan, merge, scan_pickle};
use super::super::{Format, Interface, MAX_HEADER, SniffError, Sniffed};
use super::{Archive, capped_list, judged, read_entry};

/// Most TorchScript code modules listed in the metadata.
const MAX_MODULES: usize = 200;

/// The `data.pkl` entry closest to the archive root, if any.
pub(super) fn data_pkl(names: &[String]) -> Option<String> {
    names
        .iter()
        .filter(|n| n.as_str() == "data.pkl" || n.ends_with("/data.pkl"))
        .min_by_key(|n| (n.matches('/').count(), n.len()))
        .cloned()
}

pub(super) fn sniff(path: &Path, archive: &mut Archive, names: &[String], pkl: &str) -> Result<Sniffed, SniffError> {
    let prefix = pkl.strip_suffix("data.pkl").unwrap_or_default();
    let modules = code_modules(names, prefix);
    let constants = format!("{prefix}constants.pkl");
    let has_constants = names.contains(&constants);
    let mut scans = vec![scan_entry(path, archive, pkl)?];
    if has_constants {
        scans.push(scan_entry(path, archive, &constants)?);
    }
    let scan = merge(&scans.iter().collect::<Vec<&PickleScan>>());

    let mut metadata = BTreeMap::new();
    metadata.insert("archive".to_string(), prefix.trim_end_matches('/').to_string());
    metadata.insert("entries".to_string(), names.len().to_string());
    metadata.insert("reduce_count".to_string(), scan.reduces.to_string());
    if let Some(p) = scan.protocol {
        metadata.insert("protocol".to_string(), p.to_string());
    }
    let version_entry = format!("{prefix}version");
    if names.contains(&version_entry)
        && let Ok(v) = read_entry(archive, &version_entry, 64)
    {
        metadata.insert("torch_format_version".to_string(), String::from_utf8_lossy(&v).trim().to_string());
    }
    if has_constants || !modules.is_empty() {
        metadata.insert("torchscript".to_string(), "true".to_string());
        metadata.insert("torchscript_modules".to_string(), capped_list(&modules, MAX_MODULES));
        metadata.insert("torchscript_module_count".to_string(), modules.len().to_string());
    }
    judged(path, Format::Pytorch, &scan, Interface::default(), metadata)
}

/// Scan one pickle entry of the archive.
fn scan_entry(path: &Path, archive: &mut Archive, name: &str) -> Result<PickleScan, SniffError> {
    let corrupt = |reason: String| SniffError::Corrupt { path: path.to_path_buf(), format: "pytorch", reason };
    let bytes = read_entry(archive, name, MAX_HEADER).map_err(corrupt)?;
    scan_pickle(&bytes).map_err(|e| corrupt(format!("{name}: {e}")))
}

/// The TorchScript code modules in `<prefix>code/`, as dotted names
/// (`code/__torch__/torch/nn/modules/linear.py` → `__torch__.torch.nn.modules.linear`), sorted.
fn code_modules(names: &[String], prefix: &str) -> Vec<String> {
    let code = format!("{prefix}code/");
    let mut modules: Vec<String> = names
        .iter()
        .filter_map(|n| n.strip_prefix(&code)?.strip_suffix(".py"))
        .filter(|m| !m.is_empty())
        .map(|m| m.replace(['/', ','], "."))
        .collect();
    modules.sort();
    modules.dedup();
    modules
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn code_modules_are_dotted_and_skip_debug_pickles() {
        let names: Vec<String> = [
            "m/code/__torch__.py",
            "m/code/__torch__.py.debug_pkl",
            "m/code/__torch__/torch/nn/modules/linear.py",
            "m/data.pkl",
            "other/code/x.py",
        ]
        .map(String::from)
        .to_vec();
        assert_eq!(code_modules(&names, "m/"), vec!["__torch__", "__torch__.torch.nn.modules.linear"]);
        assert_eq!(data_pkl(&names).as_deref(), Some("m/data.pkl"));
    }
}
