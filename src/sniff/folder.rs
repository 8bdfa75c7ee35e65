//! Whole-folder formats: an MLflow model folder (an `MLmodel` YAML file: flavors, versions and
//! the JSON-encoded input/output signature) and a Hugging Face model folder (`config.json` with
//! `model_type`/`architectures`, plus the YAML front matter of the `README.md` model card).

use std::collections::BTreeMap;
use std::fs::File;
use std::io::Read;
use std::path::Path;

use serde_json::Value as Json;
use serde_yaml::Value as Yaml;

use super::{Format, Interface, SniffError, Sniffed, TensorSpec};

/// Largest `MLmodel` or `config.json` read.
const MAX_CONFIG: u64 = 16 << 20;
/// Largest prefix of `README.md` read for its front matter.
const MAX_README: u64 = 1 << 20;

/// Recognise a model folder. `Ok(None)` when `dir` is not a folder of a known kind.
pub fn sniff_folder(dir: &Path) -> Result<Option<Sniffed>, SniffError> {
    if !dir.is_dir() {
        return Ok(None);
    }
    let mlmodel = dir.join("MLmodel");
    if mlmodel.is_file() {
        let text = read_capped(&mlmodel, MAX_CONFIG, Some("mlflow"))?;
        return parse_mlmodel(&text).map(Some).map_err(|reason| corrupt(&mlmodel, "mlflow", reason));
    }
    let config = dir.join("config.json");
    if config.is_file() {
        let text = read_capped(&config, MAX_CONFIG, Some("huggingface"))?;
        let readme = dir.join("README.md");
        let card = if readme.is_file() { Some(read_capped(&readme, MAX_README, None)?) } else { None };
        let mut sniffed = parse_hf(&text, card.as_deref()).map_err(|reason| corrupt(&config, "huggingface", reason))?;
        if let Some(s) = sniffed.as_mut() {
            shard_index(dir, &mut s.metadata)?;
        }
        return Ok(sniffed);
    }
    Ok(None)
}

fn corrupt(path: &Path, format: &'static str, reason: String) -> SniffError {
    SniffError::Corrupt { path: path.to_path_buf(), format, reason }
}

/// Read a text file of at most `cap` bytes. A longer file is corrupt when `strict` names its
/// format; otherwise only its first `cap` bytes are read.
fn read_capped(path: &Path, cap: u64, strict: Option<&'static str>) -> Result<String, SniffError> {
    let io = |source| SniffError::Io { path: path.to_path_buf(), source };
    let file = File::open(path).map_err(io)?;
    let mut buf = Vec::new();
    file.take(cap + 1).read_to_end(&mut buf).map_err(io)?;
    if buf.len() as u64 > cap {
        if let Some(format) = strict {
            return Err(corrupt(path, format, format!("file is larger than the {cap}-byte limit")));
        }
        buf.truncate(cap as usize);
    }
    Ok(String::from_utf8_lossy(&buf).into_owned())
}

/// A YAML scalar as a string (`None` for null, mappings and sequences).
fn yaml_scalar(v: &Yaml) -> Option<String> {
    match v {
        Yaml::String(s) => Some(s.clone()),
        Yaml::Number(n) => Some(n.to_string()),
        Yaml::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// A YAML scalar or a sequence of scalars, comma-joined.
fn yaml_list(v: &Yaml) -> Option<String> {
    match v {
        Yaml::Sequence(items) => {
            let items: Vec<String> = items.iter().filter_map(yaml_scalar).collect();
            (!items.is_empty()).then(|| items.join(","))
        }
        other => yaml_scalar(other),
    }
}

/// Parse an MLflow `MLmodel` file.
fn parse_mlmodel(text: &str) -> Result<Sniffed, String> {
    let doc: Yaml = serde_yaml::from_str(text).map_err(|e| format!("MLmodel is not valid YAML: {e}"))?;
    if !doc.is_mapping() {
        return Err("MLmodel is not a YAML mapping".into());
    }
    let mut metadata = BTreeMap::new();
    let mut flavor_names = Vec::new();
    if let Some(Yaml::Mapping(flavors)) = doc.get("flavors") {
        for (name, body) in flavors {
            let Some(name) = yaml_scalar(name) else { continue };
            if let Yaml::Mapping(fields) = body {
                for (k, v) in fields {
                    if let (Some(k), Some(v)) = (yaml_scalar(k), yaml_scalar(v))
                        && k.ends_with("_version")
                    {
                        metadata.insert(format!("flavor.{name}.{k}"), v);
                    }
                }
            }
            flavor_names.push(name);
        }
    }
    let task = flavor_names
        .iter()
        .find(|f| f.as_str() != "python_function")
        .or_else(|| flavor_names.first())
        .map(|f| format!("mlflow:{f}"));
    let mut sorted = flavor_names.clone();
    sorted.sort();
    metadata.insert("flavors".into(), sorted.join(","));
    for key in ["mlflow_version", "model_uuid", "run_id"] {
        if let Some(v) = doc.get(key).and_then(yaml_scalar) {
            metadata.insert(key.into(), v);
        }
    }
    let python = doc.get("flavors").and_then(|f| f.get("python_function")).and_then(|p| p.get("python_version"));
    if let Some(v) = python.and_then(yaml_scalar) {
        metadata.insert("python_version".into(), v);
    }
    let signature = doc.get("signature");
    let side = |key: &str| -> Result<Vec<TensorSpec>, String> {
        match signature.and_then(|s| s.get(key)) {
            Some(Yaml::String(json)) => parse_signature(json).map_err(|e| format!("signature.{key}: {e}")),
            _ => Ok(Vec::new()),
        }
    };
    let interface = Interface { inputs: side("inputs")?, outputs: side("outputs")?, tensors: Vec::new(), task, libraries: None };
    Ok(Sniffed { format: Format::Mlflow, interface, metadata })
}

/// Parse one side of an MLflow signature (a JSON list of column or tensor specs).
fn parse_signature(json: &str) -> Result<Vec<TensorSpec>, String> {
    let value: Json = serde_json::from_str(json).map_err(|e| format!("not valid JSON: {e}"))?;
    let Json::Array(items) = value else {
        return Err("not a JSON list".into());
    };
    items
        .iter()
        .enumerate()
        .map(|(i, item)| {
            let name = item.get("name").and_then(Json::as_str).map_or_else(|| format!("col{i}"), str::to_string);
            let kind = item.get("type").and_then(Json::as_str).unwrap_or("?");
            if kind == "tensor" {
                let spec = item.get("tensor-spec");
                let dtype = spec.and_then(|s| s.get("dtype")).and_then(Json::as_str).unwrap_or("?").to_string();
                let shape = match spec.and_then(|s| s.get("shape")) {
                    Some(Json::Array(dims)) => {
                        dims.iter().map(|d| d.as_i64().map_or_else(|| "?".into(), |d| d.to_string())).collect()
                    }
                    _ => Vec::new(),
                };
                Ok(TensorSpec { name, dtype, shape })
            } else {
                Ok(TensorSpec { name, dtype: column_type(item), shape: Vec::new() })
            }
        })
        .collect()
}

/// The type of a column spec; arrays show their element type (`array<double>`).
fn column_type(item: &Json) -> String {
    let kind = item.get("type").and_then(Json::as_str).unwrap_or("?");
    match (kind, item.get("items")) {
        ("array", Some(inner)) => format!("array<{}>", column_type(inner)),
        _ => kind.to_string(),
    }
}

/// Index files of sharded Hugging Face checkpoints.
const SHARD_INDEXES: &[&str] = &["model.safetensors.index.json", "pytorch_model.bin.index.json"];

/// Largest shard index read (a 1-trillion-parameter model's weight map is a few MiB).
const MAX_INDEX: u64 = 32 << 20;

/// Checks a sharded checkpoint's index: its `weight_map` names shards by plain file name, and
/// every shard it names is in the folder. Records the number of shards and tensors and the
/// index's total size. (The interface is already one over all shards: every shard is sniffed
/// and their tensors merged.)
fn shard_index(dir: &Path, metadata: &mut BTreeMap<String, String>) -> Result<(), SniffError> {
    for name in SHARD_INDEXES {
        let path = dir.join(name);
        if !path.is_file() {
            continue;
        }
        let bad = |reason: String| corrupt(&path, "huggingface", reason);
        let text = read_capped(&path, MAX_INDEX, Some("huggingface"))?;
        let index: Json = serde_json::from_str(&text).map_err(|e| bad(format!("not valid JSON: {e}")))?;
        let map = index.get("weight_map").and_then(Json::as_object).ok_or_else(|| bad("no weight_map object".into()))?;
        let mut shards = std::collections::BTreeSet::new();
        for (tensor, shard) in map {
            let shard = shard.as_str().ok_or_else(|| bad(format!("weight_map[{tensor:?}] is not a file name")))?;
            let plain = !shard.is_empty() && !shard.contains(['/', '\\']) && shard != "." && shard != "..";
            if !plain {
                return Err(bad(format!("weight_map[{tensor:?}] names {shard:?}, not a file in this folder")));
            }
            shards.insert(shard);
        }
        if let Some(missing) = shards.iter().find(|s| !dir.join(s).is_file()) {
            return Err(bad(format!("shard {missing} is named by the index but missing from the folder")));
        }
        let key = name.trim_end_matches(".index.json");
        metadata.insert(format!("shards.{key}"), shards.len().to_string());
        metadata.insert(format!("sharded_tensors.{key}"), map.len().to_string());
        if let Some(total) = index.pointer("/metadata/total_size").and_then(Json::as_u64) {
            metadata.insert(format!("shards_total_size.{key}"), total.to_string());
        }
    }
    Ok(())
}

/// Parse a Hugging Face `config.json` and optional model card; `Ok(None)` when the JSON is not a
/// transformers config.
fn parse_hf(config: &str, card: Option<&str>) -> Result<Option<Sniffed>, String> {
    let value: Json = serde_json::from_str(config).map_err(|e| format!("config.json is not valid JSON: {e}"))?;
    let model_type = value.get("model_type").and_then(Json::as_str).map(str::to_string);
    let architectures: Vec<String> = match value.get("architectures") {
        Some(Json::Array(a)) => a.iter().filter_map(Json::as_str).map(str::to_string).collect(),
        _ => Vec::new(),
    };
    if model_type.is_none() && architectures.is_empty() {
        return Ok(None);
    }
    let mut metadata = BTreeMap::new();
    if let Some(t) = &model_type {
        metadata.insert("model_type".into(), t.clone());
    }
    if !architectures.is_empty() {
        metadata.insert("architectures".into(), architectures.join(","));
    }
    let dtype = value.get("torch_dtype").or_else(|| value.get("dtype")).and_then(Json::as_str);
    if let Some(d) = dtype {
        metadata.insert("torch_dtype".into(), d.to_string());
    }
    if let Some(v) = value.get("transformers_version").and_then(Json::as_str) {
        metadata.insert("transformers_version".into(), v.to_string());
    }
    if let Some(card) = card {
        metadata.extend(card_metadata(card));
    }
    let task = architectures.first().cloned().or(model_type);
    Ok(Some(Sniffed { format: Format::Huggingface, interface: Interface { task, ..Interface::default() }, metadata }))
}

/// What a model card's YAML front matter says (`card.license`, `card.base_model`,
/// `card.base_model_relation`, …; lists joined with commas).
pub fn card_metadata(card: &str) -> BTreeMap<String, String> {
    let mut metadata = BTreeMap::new();
    if let Some(front) = front_matter(card)
        && let Ok(yaml) = serde_yaml::from_str::<Yaml>(front)
    {
        for key in ["license", "base_model", "base_model_relation", "pipeline_tag", "library_name", "datasets", "language"] {
            if let Some(v) = yaml.get(key).and_then(yaml_list) {
                metadata.insert(format!("card.{key}"), v);
            }
        }
    }
    metadata
}

/// The YAML between a leading `---` line and the next `---` line of a model card.
fn front_matter(card: &str) -> Option<&str> {
    let card = card.strip_prefix('\u{feff}').unwrap_or(card);
    let mut lines = card.split_inclusive('\n');
    let first = lines.next()?;
    if first.trim_end() != "---" {
        return None;
    }
    let start = first.len();
    let mut at = start;
    for line in lines {
        if line.trim_end() == "---" {
            return card.get(start..at);
        }
        at += line.len();
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn front_matter_between_markers() {
        assert_eq!(front_matter("---\na: 1\n---\n# T"), Some("a: 1\n"));
        assert_eq!(front_matter("---\r\na: 1\r\n---\r\n"), Some("a: 1\r\n"));
        assert_eq!(front_matter("# no\n---\na\n---\n"), None);
        assert_eq!(front_matter("---\nunterminated\n"), None);
    }

    #[test]
    fn column_signature() {
        let s = parse_signature(r#"[{"type": "double", "name": "x", "required": true}, {"type": "string"}, {"type": "array", "items": {"type": "long"}, "name": "ids"}]"#).unwrap();
        assert_eq!(s[0], TensorSpec { name: "x".into(), dtype: "double".into(), shape: vec![] });
        assert_eq!(s[1].name, "col1");
        assert_eq!(s[2].dtype, "array<long>");
    }

    #[test]
    fn hf_config_without_model_keys_is_not_hf() {
        assert_eq!(parse_hf(r#"{"lr": 0.1}"#, None).unwrap(), None);
        assert!(parse_hf("{", None).is_err());
    }
}
