//! Keras 3 `.keras` archives: `config.json` (the model as Keras serialises it: every object is
//! `{"module", "class_name", "config", "registered_name", "build_config"}`), `metadata.json`
//! (`keras_version`) and `model.weights.h5`.
//!
//! Loading a `.keras` file imports every class and function its config names, so the config is
//! walked into an import inventory judged like a pickle's: built-in `keras.*` classes are known,
//! custom and registered objects from other modules unknown. Layers that run arbitrary code are
//! dangerous and named: `Lambda` (its function is marshalled Python bytecode, `__lambda__`),
//! `TFSMLayer` (runs a SavedModel from a path), and any other object carrying `__lambda__`
//! bytecode — each reported as `<class import><<layer name>>`. The interface comes from the config
//! too: the input layers' `batch_shape` and, where a layer reveals it (e.g. a `Dense`'s
//! `units`), the outputs' shapes; the Keras version is the library version.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use serde_json::{Map, Value};

use super::super::pickle::{Risk, classify::classify, inventory};
use super::super::{Format, Interface, SniffError, Sniffed, TensorSpec};
use super::{Archive, MAX_DEPTH, judged, read_json};

/// Layers whose loading runs code that the config does not describe.
const CODE_LAYERS: &[&str] = &["Lambda", "TFSMLayer", "TFOpLambda"];

/// Layers whose output has their input's shape.
const SHAPE_PRESERVING: &[&str] = &[
    "Activation",
    "Dropout",
    "Softmax",
    "ReLU",
    "LeakyReLU",
    "ELU",
    "BatchNormalization",
    "LayerNormalization",
    "GaussianNoise",
    "GaussianDropout",
    "Identity",
];

/// Longest name, module or version string kept from the config.
const MAX_NAME: usize = 200;

/// Most dimensions kept from one shape.
const MAX_RANK: usize = 32;

pub(super) fn sniff(path: &Path, archive: &mut Archive, entries: usize) -> Result<Sniffed, SniffError> {
    let corrupt = |reason: String| SniffError::Corrupt { path: path.to_path_buf(), format: "keras", reason };
    let config = read_json(archive, "config.json").map_err(corrupt)?;
    let meta = match archive.index_for_name("metadata.json") {
        Some(_) => Some(read_json(archive, "metadata.json").map_err(corrupt)?),
        None => None,
    };
    let version = meta.as_ref().and_then(|m| m.get("keras_version")).and_then(Value::as_str).map(clean);
    let mut walk = Walk::default();
    walk.value(&config, None, 0);
    if walk.too_deep {
        return Err(corrupt(format!("config.json nests deeper than {MAX_DEPTH} levels")));
    }
    let versions: Vec<(String, String)> = version.iter().map(|v| ("keras".to_string(), v.clone())).collect();
    let scan = inventory(walk.imports, versions, walk.objects);

    let model_class = config.get("class_name").and_then(Value::as_str).map(clean);
    let layers = model_layers(&config);
    let interface = Interface {
        inputs: inputs(&config, &layers),
        outputs: outputs(&config, &layers),
        tensors: Vec::new(),
        task: model_class.clone(),
        libraries: version.as_ref().map(|v| BTreeMap::from([("keras".to_string(), v.clone())])),
    };
    let mut metadata = BTreeMap::new();
    metadata.insert("entries".to_string(), entries.to_string());
    metadata.insert("layers".to_string(), layers.len().to_string());
    if let Some(v) = version {
        metadata.insert("keras_version".to_string(), v);
    }
    if let Some(c) = model_class {
        metadata.insert("class_name".to_string(), c);
    }
    judged(path, Format::Keras, &scan, interface, metadata)
}

/// A string from the config as kept: commas (the metadata's list separator) and control
/// characters replaced, length capped.
fn clean(s: &str) -> String {
    s.chars().take(MAX_NAME).map(|c| if c == ',' || c.is_control() { '_' } else { c }).collect()
}

/// Walks a config, collecting what loading it imports.
#[derive(Default)]
struct Walk {
    imports: BTreeSet<String>,
    /// Serialised objects seen (each is constructed on load).
    objects: usize,
    too_deep: bool,
}

impl Walk {
    /// `layer` is the nearest enclosing named object: (its import, its name).
    fn value(&mut self, v: &Value, layer: Option<(&str, &str)>, depth: usize) {
        if depth > MAX_DEPTH {
            self.too_deep = true;
            return;
        }
        match v {
            Value::Array(items) => items.iter().for_each(|i| self.value(i, layer, depth + 1)),
            Value::Object(map) => {
                let own = map.get("class_name").and_then(Value::as_str).map(|class| self.object(map, class, layer));
                let own_name = object_name(map);
                let inner = match (&own, &own_name) {
                    (Some(Some(import)), Some(name)) => Some((import.as_str(), name.as_str())),
                    _ => layer,
                };
                map.values().for_each(|child| self.value(child, inner, depth + 1));
            }
            _ => {}
        }
    }

    /// Records what one serialised object imports; returns its import (None for data objects).
    fn object(&mut self, map: &Map<String, Value>, class: &str, layer: Option<(&str, &str)>) -> Option<String> {
        self.objects += 1;
        if class == "__lambda__" {
            // Marshalled Python bytecode: whatever encloses it runs it.
            let (import, name) = layer.unwrap_or(("keras.layers.Lambda", "?"));
            self.imports.insert(format!("{import}<{}>", clean(name)));
            return None;
        }
        if class.starts_with("__") {
            return None; // tensors, arrays, bytes, slices: data
        }
        let import = import_of(map, class);
        let code_layer = CODE_LAYERS.contains(&class) || classify(&import) == Risk::Dangerous;
        match object_name(map).or_else(|| layer.map(|(_, n)| n.to_string())) {
            Some(name) if code_layer => drop(self.imports.insert(format!("{import}<{name}>"))),
            _ => drop(self.imports.insert(import.clone())),
        }
        Some(import)
    }
}

/// What Keras imports to rebuild an object: built-ins by `module.class_name`, functions by
/// `module.<name in config>`, custom objects by their module or registered name.
fn import_of(map: &Map<String, Value>, class: &str) -> String {
    let module = map.get("module").and_then(Value::as_str).map(clean);
    let registered = map.get("registered_name").and_then(Value::as_str).map(|r| clean(r).replace('>', "."));
    let class = clean(class);
    let name = if class == "function" { map.get("config").and_then(Value::as_str).map(clean) } else { None };
    let name = name.unwrap_or_else(|| class.clone());
    match (module.as_deref(), registered) {
        // Keras looks built-in functions up by name in its own modules.
        (Some("builtins"), _) if class == "function" => format!("keras.{name}"),
        (Some(m), _) if !m.is_empty() => format!("{m}.{name}"),
        (_, Some(r)) if !r.is_empty() && r != "function" => r,
        // Legacy (Keras 2) configs name built-in layers without a module.
        _ if CODE_LAYERS.contains(&class.as_str()) => format!("keras.layers.{class}"),
        _ => format!("keras.{name}"),
    }
}

/// An object's `name` (its `config.name`, or the functional layer entry's `name`).
fn object_name(map: &Map<String, Value>) -> Option<String> {
    let config_name = map.get("config").and_then(|c| c.get("name")).and_then(Value::as_str);
    config_name.or_else(|| map.get("name").and_then(Value::as_str)).map(clean)
}

/// The model's layer entries (Sequential and Functional both list them in `config.layers`).
fn model_layers(config: &Value) -> Vec<&Map<String, Value>> {
    match config.pointer("/config/layers") {
        Some(Value::Array(items)) => items.iter().filter_map(Value::as_object).collect(),
        _ => Vec::new(),
    }
}

fn class_of(layer: &Map<String, Value>) -> &str {
    layer.get("class_name").and_then(Value::as_str).unwrap_or("")
}

fn find<'a>(layers: &[&'a Map<String, Value>], name: &str) -> Option<&'a Map<String, Value>> {
    layers.iter().copied().find(|l| object_name(l).as_deref() == Some(name))
}

/// A shape as kept: `null` dims become "?".
fn shape(v: &Value) -> Option<Vec<String>> {
    let dims = v.as_array()?;
    Some(dims.iter().take(MAX_RANK).map(|d| d.as_u64().map_or_else(|| "?".to_string(), |d| d.to_string())).collect())
}

/// A layer's dtype: a plain string or a `DTypePolicy` object's `config.name`.
fn dtype(layer: &Map<String, Value>) -> String {
    let d = layer.get("config").and_then(|c| c.get("dtype"));
    let name = match d {
        Some(Value::String(s)) => Some(s.as_str()),
        Some(obj) => obj.pointer("/config/name").and_then(Value::as_str),
        None => None,
    };
    name.map_or_else(|| "?".to_string(), clean)
}

/// The names a Functional model's `input_layers` / `output_layers` point to: one
/// `[name, node, tensor]` triple, or a list or dict of them.
fn endpoint_names(v: Option<&Value>) -> Vec<String> {
    fn triple(v: &Value) -> Option<String> {
        let items = v.as_array()?;
        (items.len() == 3 && items[1].is_number()).then(|| items[0].as_str().map(clean)).flatten()
    }
    match v {
        Some(v) if triple(v).is_some() => triple(v).into_iter().collect(),
        Some(Value::Array(items)) => items.iter().filter_map(triple).collect(),
        Some(Value::Object(map)) => map.values().filter_map(triple).collect(),
        _ => Vec::new(),
    }
}

/// The model's inputs: its input layers' batch shapes, else the shape it was built with.
fn inputs(config: &Value, layers: &[&Map<String, Value>]) -> Vec<TensorSpec> {
    let named = endpoint_names(config.pointer("/config/input_layers"));
    let input_layers: Vec<&Map<String, Value>> = if named.is_empty() {
        layers.iter().copied().filter(|l| class_of(l) == "InputLayer").take(1).collect()
    } else {
        named.iter().filter_map(|n| find(layers, n)).collect()
    };
    let specs: Vec<TensorSpec> = input_layers
        .into_iter()
        .filter_map(|l| {
            let c = l.get("config")?;
            let dims = c.get("batch_shape").or_else(|| c.get("batch_input_shape")).and_then(shape)?;
            Some(TensorSpec { name: object_name(l).unwrap_or_else(|| "input".into()), dtype: dtype(l), shape: dims })
        })
        .collect();
    if !specs.is_empty() {
        return specs;
    }
    let built = config.pointer("/config/build_input_shape").or_else(|| config.pointer("/build_config/input_shape"));
    built
        .and_then(shape)
        .map(|dims| vec![TensorSpec { name: "input".into(), dtype: "?".into(), shape: dims }])
        .unwrap_or_default()
}

/// The model's outputs whose shape a layer reveals: a Functional model's output layers, or a
/// Sequential model's last layer.
fn outputs(config: &Value, layers: &[&Map<String, Value>]) -> Vec<TensorSpec> {
    let named = endpoint_names(config.pointer("/config/output_layers"));
    let out_layers: Vec<&Map<String, Value>> = if named.is_empty() {
        layers.last().copied().into_iter().collect()
    } else {
        named.iter().filter_map(|n| find(layers, n)).collect()
    };
    out_layers
        .into_iter()
        .filter_map(|l| {
            let dims = output_shape(l)?;
            Some(TensorSpec { name: object_name(l).unwrap_or_else(|| "output".into()), dtype: dtype(l), shape: dims })
        })
        .collect()
}

/// A layer's output shape where its config reveals it: a `Dense` maps the last input dimension
/// to `units`; shape-preserving layers keep their input's shape.
fn output_shape(layer: &Map<String, Value>) -> Option<Vec<String>> {
    let input = layer.get("build_config").and_then(|b| b.get("input_shape")).and_then(shape);
    match class_of(layer) {
        "Dense" => {
            let units = layer.get("config")?.get("units")?.as_u64()?;
            let mut dims = input.unwrap_or_else(|| vec!["?".to_string(), "?".to_string()]);
            dims.pop();
            dims.push(units.to_string());
            Some(dims)
        }
        class if SHAPE_PRESERVING.contains(&class) => input,
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn imports_of_builtin_custom_and_function_objects() {
        let m = |v: Value| v.as_object().unwrap().clone();
        let dense = m(json!({"module": "keras.layers", "class_name": "Dense", "config": {"name": "d"}, "registered_name": null}));
        assert_eq!(import_of(&dense, "Dense"), "keras.layers.Dense");
        let custom = m(json!({"module": "mycorp.layers", "class_name": "Gate", "registered_name": "mycorp>Gate"}));
        assert_eq!(import_of(&custom, "Gate"), "mycorp.layers.Gate");
        let registered = m(json!({"module": null, "class_name": "Gate", "registered_name": "mycorp>Gate"}));
        assert_eq!(import_of(&registered, "Gate"), "mycorp.Gate");
        let func = m(json!({"module": "builtins", "class_name": "function", "config": "relu", "registered_name": "function"}));
        assert_eq!(import_of(&func, "function"), "keras.relu");
        let legacy = m(json!({"class_name": "Lambda", "config": {"name": "l"}}));
        assert_eq!(import_of(&legacy, "Lambda"), "keras.layers.Lambda");
    }

    #[test]
    fn bytecode_anywhere_names_its_layer_and_deep_configs_stop() {
        let config = json!({"module": "keras", "class_name": "Sequential", "config": {"name": "s", "layers": [
            {"module": "keras.layers", "class_name": "Dense", "config": {"name": "d1", "units": 2,
                "activation": {"class_name": "__lambda__", "config": {"code": "4wEAAA=="}}}}]}});
        let mut walk = Walk::default();
        walk.value(&config, None, 0);
        assert!(walk.imports.contains("keras.layers.Dense<d1>"), "{:?}", walk.imports);
        assert!(walk.imports.contains("keras.Sequential"));

        let mut deep = json!(1);
        for _ in 0..(MAX_DEPTH + 5) {
            deep = json!([deep]);
        }
        let mut walk = Walk::default();
        walk.value(&deep, None, 0);
        assert!(walk.too_deep);
    }

    #[test]
    fn dense_output_shape_follows_its_input() {
        let l = json!({"class_name": "Dense", "config": {"units": 3}, "build_config": {"input_shape": [null, 7, 4]}});
        assert_eq!(output_shape(l.as_object().unwrap()), Some(vec!["?".into(), "7".into(), "3".into()]));
        assert_eq!(endpoint_names(Some(&json!([["a", 0, 0], ["b", 0, 0]]))), vec!["a", "b"]);
        assert_eq!(endpoint_names(Some(&json!(["a", 0, 0]))), vec!["a"]);
    }
}
