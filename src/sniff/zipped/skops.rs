//! skops files (`skops.io.dump`, also what MLflow's sklearn flavor writes as `model.skops`): a
//! zip of `schema.json` and `.npy` arrays. `schema.json` is a tree of nodes, each
//! `{"__class__", "__module__", "__loader__", "content", ...}`; loading imports
//! `__module__.__class__` for every node (a `MethodNode` also gets an attribute, an
//! `OperatorFuncNode` an `operator` function), except `JsonNode`s, which are plain JSON values.
//! The tree is walked (depth-capped) into an import inventory judged like a pickle's, with the
//! scikit-learn version each estimator records (`_sklearn_version`) as the library version.
//! Arrays are `np.load`ed without pickles by skops and are not read here.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use serde_json::{Map, Value};

use super::super::pickle::inventory;
use super::super::{Format, Interface, SniffError, Sniffed};
use super::{Archive, MAX_DEPTH, judged, read_json};

/// State keys under which libraries record the version that wrote an object.
const VERSION_KEYS: &[(&str, &str)] = &[("_sklearn_version", "sklearn")];

/// Longest module, class or version string kept.
const MAX_NAME: usize = 200;

/// Sniff a zip holding `schema.json`. A `schema.json` that is not a skops node tree leaves the
/// archive unknown.
pub(super) fn sniff(path: &Path, archive: &mut Archive, names: &[String]) -> Result<Sniffed, SniffError> {
    let corrupt = |reason: String| SniffError::Corrupt { path: path.to_path_buf(), format: "skops", reason };
    let schema = read_json(archive, "schema.json").map_err(corrupt)?;
    let Some(root) = schema.as_object().filter(|r| r.contains_key("__loader__") || r.contains_key("_skops_version")) else {
        return Ok(Sniffed::unknown());
    };
    let mut walk = Walk::default();
    walk.node(root, 0);
    if walk.too_deep {
        return Err(corrupt(format!("schema.json nests deeper than {MAX_DEPTH} levels")));
    }
    let mut metadata = BTreeMap::new();
    metadata.insert("serialization".to_string(), "skops".to_string());
    metadata.insert("entries".to_string(), names.len().to_string());
    metadata.insert("arrays".to_string(), names.iter().filter(|n| n.ends_with(".npy")).count().to_string());
    if let Some(v) = root.get("_skops_version").and_then(Value::as_str) {
        metadata.insert("skops_version".to_string(), clean(v));
    }
    if let Some(p) = root.get("protocol").and_then(Value::as_u64) {
        metadata.insert("skops_protocol".to_string(), p.to_string());
    }
    if let Some(import) = import_of(root) {
        metadata.insert("object".to_string(), import);
    }
    let libraries: BTreeMap<String, String> = walk.versions.iter().cloned().collect();
    let interface = Interface { libraries: (!libraries.is_empty()).then_some(libraries), ..Interface::default() };
    let scan = inventory(walk.imports, walk.versions, walk.objects);
    judged(path, Format::Pickle, &scan, interface, metadata)
}

/// A string from the schema as kept: commas (the metadata's list separator) and control
/// characters replaced, length capped.
fn clean(s: &str) -> String {
    s.chars().take(MAX_NAME).map(|c| if c == ',' || c.is_control() { '_' } else { c }).collect()
}

/// Walks a schema tree, collecting imports and recorded library versions.
#[derive(Default)]
struct Walk {
    imports: BTreeSet<String>,
    versions: Vec<(String, String)>,
    /// Nodes whose loading constructs an object.
    objects: usize,
    too_deep: bool,
}

impl Walk {
    fn value(&mut self, v: &Value, depth: usize) {
        match v {
            Value::Array(items) => items.iter().for_each(|i| self.value(i, depth + 1)),
            Value::Object(map) => self.node(map, depth + 1),
            _ => {}
        }
    }

    fn node(&mut self, map: &Map<String, Value>, depth: usize) {
        if depth > MAX_DEPTH {
            self.too_deep = true;
            return;
        }
        if let Some(import) = import_of(map) {
            self.objects += 1;
            self.imports.insert(import);
        }
        for (key, child) in map {
            if let Some((_, lib)) = VERSION_KEYS.iter().find(|(k, _)| k == key)
                && let Some(v) = json_string(child)
            {
                self.versions.push((lib.to_string(), clean(&v)));
            }
            self.value(child, depth);
        }
    }
}

/// What loading a node imports (`None` for JSON values and non-nodes).
fn import_of(node: &Map<String, Value>) -> Option<String> {
    let loader = node.get("__loader__")?.as_str()?;
    if loader == "JsonNode" {
        return None;
    }
    let class = node.get("__class__").and_then(Value::as_str).map(clean).unwrap_or_else(|| "?".into());
    let module = node.get("__module__").and_then(Value::as_str).map(clean);
    Some(match (loader, module) {
        ("OperatorFuncNode", _) => format!("operator.{class}"),
        ("MethodNode", Some(m)) => {
            let func = node.get("content").and_then(|c| c.get("func")).and_then(Value::as_str).map_or("?".into(), clean);
            format!("{m}.{class}.{func}")
        }
        (_, Some(m)) if !m.is_empty() => format!("{m}.{class}"),
        _ => class,
    })
}

/// The string a `JsonNode` holds (its `content` is JSON text, e.g. `"\"1.5.2\""`).
fn json_string(node: &Value) -> Option<String> {
    if node.get("__loader__")?.as_str()? != "JsonNode" {
        return None;
    }
    serde_json::from_str::<String>(node.get("content")?.as_str()?).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn nodes_become_imports_and_versions() {
        let schema = json!({"__class__": "Pipeline", "__module__": "sklearn.pipeline", "__loader__": "ObjectNode",
            "content": {"__class__": "dict", "__module__": "builtins", "__loader__": "DictNode", "content": {
                "f": {"__class__": "log1p", "__module__": "numpy", "__loader__": "FunctionNode"},
                "m": {"__class__": "Scaler", "__module__": "x.y", "__loader__": "MethodNode", "content": {"func": "fit", "obj": {}}},
                "o": {"__class__": "attrgetter", "__module__": "operator", "__loader__": "OperatorFuncNode", "attrs": {}},
                "n": {"__class__": "NoneType", "__module__": "builtins", "__loader__": "JsonNode", "content": "null"},
                "_sklearn_version": {"__class__": "str", "__module__": "builtins", "__loader__": "JsonNode", "content": "\"1.5.2\""}}},
            "protocol": 2, "_skops_version": "0.16.0"});
        let mut walk = Walk::default();
        walk.node(schema.as_object().unwrap(), 0);
        let imports: Vec<&str> = walk.imports.iter().map(String::as_str).collect();
        assert_eq!(
            imports,
            ["builtins.dict", "numpy.log1p", "operator.attrgetter", "sklearn.pipeline.Pipeline", "x.y.Scaler.fit"]
        );
        assert_eq!(walk.versions, vec![("sklearn".to_string(), "1.5.2".to_string())]);
    }
}
