//! Deployments recorded by machines from the manifest that deployed them: a KServe
//! InferenceService, a Seldon Core v1 SeldonDeployment or a Seldon Core v2 Model. Each storage
//! URI in it names a version by digest (an OCI reference `…@sha256:…`, a registered artifact's
//! URI, or the files an indexed store holds there); a `pedigree.dev/version` annotation may name
//! it too, and must then agree. What the manifest says serves is reached from what serves now
//! with the fewest deployments (none when it serves already), each recorded with the image or
//! manifest digest that carried it.

use rusqlite::Connection;
use serde_json::Value;

use super::deploy::{self, Deploy, Deployment};
use super::{GovError, resolve};
use crate::catalog::stores;

/// A manifest is read up to this size.
const MAX_MANIFEST: usize = 1 << 20;
/// The annotation that names a version outright.
pub const ANNOTATION: &str = "pedigree.dev/version";

/// One model the manifest serves.
#[derive(Debug, Clone, PartialEq)]
pub struct Served {
    pub uri: String,
    /// Percent of traffic (0 for a shadow).
    pub traffic: u32,
    pub shadow: bool,
}

/// What a manifest says.
#[derive(Debug, Clone, PartialEq)]
pub struct Manifest {
    /// `kserve` or `seldon`.
    pub kind: &'static str,
    pub name: String,
    pub served: Vec<Served>,
    /// The first container image pinned by digest, if any.
    pub image: Option<String>,
    /// The `pedigree.dev/version` annotation.
    pub annotated: Option<String>,
}

fn bad(expected: &str) -> GovError {
    GovError::BadManifest(expected.to_string())
}

fn uri_at(v: &Value, keys: &[&str]) -> Option<String> {
    keys.iter().find_map(|k| v.get(*k).and_then(Value::as_str)).map(str::to_string)
}

/// The first `image` pinned by digest anywhere in the document.
fn pinned_image(v: &Value) -> Option<String> {
    match v {
        Value::Object(m) => m
            .iter()
            .find_map(|(k, x)| {
                (k == "image").then(|| x.as_str().filter(|s| s.contains("@sha256:")).map(str::to_string)).flatten()
            })
            .or_else(|| m.values().find_map(pinned_image)),
        Value::Array(a) => a.iter().find_map(pinned_image),
        _ => None,
    }
}

/// The first `modelUri` of a Seldon inference graph, depth first.
fn graph_uri(g: &Value) -> Option<String> {
    uri_at(g, &["modelUri"]).or_else(|| g.get("children")?.as_array()?.iter().find_map(graph_uri))
}

/// Reads a manifest (YAML or JSON; the first document of a known kind).
pub fn parse(text: &str) -> Result<Manifest, GovError> {
    if text.len() > MAX_MANIFEST {
        return Err(bad("a manifest of at most 1 MiB"));
    }
    let mut doc = None;
    for d in serde_yaml::Deserializer::from_str(text) {
        let v: Value = serde::Deserialize::deserialize(d)
            .map_err(|_| bad("YAML or JSON of a KServe InferenceService or a Seldon deployment"))?;
        if matches!(v.get("kind").and_then(Value::as_str), Some("InferenceService" | "SeldonDeployment" | "Model")) {
            doc = Some(v);
            break;
        }
    }
    let doc = doc.ok_or_else(|| bad("a KServe InferenceService, a SeldonDeployment or a Seldon Model (no such document)"))?;
    let name = doc.pointer("/metadata/name").and_then(Value::as_str).unwrap_or("unnamed").to_string();
    let annotated = doc
        .pointer(&format!("/metadata/annotations/{}", ANNOTATION.replace('/', "~1")))
        .and_then(Value::as_str)
        .map(str::to_string);
    let image = pinned_image(&doc);
    let spec = doc.get("spec").ok_or_else(|| bad("a manifest with a spec"))?;
    let (kind, served) = match doc["kind"].as_str().unwrap_or_default() {
        "InferenceService" => {
            let p = spec.get("predictor").ok_or_else(|| bad("an InferenceService with spec.predictor"))?;
            // spec.predictor.model (KServe ≥ 0.8), else a framework block (sklearn, pytorch…),
            // else a custom container's STORAGE_URI.
            let uri = p
                .get("model")
                .and_then(|m| uri_at(m, &["storageUri", "storageURI"]))
                .or_else(|| p.as_object()?.values().find_map(|b| uri_at(b, &["storageUri", "storageURI"])))
                .or_else(|| {
                    p.get("containers")?.as_array()?.iter().find_map(|c| {
                        c.get("env")?.as_array()?.iter().find(|e| e["name"] == "STORAGE_URI").and_then(|e| uri_at(e, &["value"]))
                    })
                })
                .ok_or_else(|| bad("an InferenceService whose predictor names a storageUri"))?;
            let traffic = match p.get("canaryTrafficPercent").and_then(Value::as_u64) {
                Some(t) if t > 100 => return Err(bad("canaryTrafficPercent of 0–100")),
                Some(t) => t as u32,
                None => 100,
            };
            ("kserve", vec![Served { uri, traffic, shadow: false }])
        }
        "SeldonDeployment" => {
            let preds =
                spec.get("predictors").and_then(Value::as_array).ok_or_else(|| bad("a SeldonDeployment with spec.predictors"))?;
            let single = preds.len() == 1;
            let mut out = Vec::new();
            for p in preds {
                let uri =
                    p.get("graph").and_then(graph_uri).ok_or_else(|| bad("Seldon predictors whose graph names a modelUri"))?;
                let shadow = p.get("shadow").and_then(Value::as_bool).unwrap_or(false);
                let traffic =
                    if shadow { 0 } else { p.get("traffic").and_then(Value::as_u64).unwrap_or(if single { 100 } else { 0 }) };
                if traffic > 100 {
                    return Err(bad("predictor traffic of 0–100"));
                }
                out.push(Served { uri, traffic: traffic as u32, shadow });
            }
            ("seldon", out)
        }
        _ => {
            let uri = uri_at(spec, &["storageUri"]).ok_or_else(|| bad("a Seldon Model with spec.storageUri"))?;
            ("seldon", vec![Served { uri, traffic: 100, shadow: false }])
        }
    };
    let live: u32 = served.iter().filter(|s| !s.shadow).map(|s| s.traffic).sum();
    if kind == "seldon" && live != 100 {
        return Err(bad("predictors whose traffic adds up to 100"));
    }
    Ok(Manifest { kind, name, served, image, annotated })
}

/// The version a storage URI names, by digest.
pub fn locate(conn: &Connection, uri: &str) -> Result<String, GovError> {
    let not_found = |why: &str| GovError::UnknownStorage { uri: uri.to_string(), why: why.to_string() };
    if let Some(node) = stores::registered_at_uri(conn, uri.trim_end_matches('/'))? {
        return Ok(node.trim_start_matches("version:").to_string());
    }
    if let Some((_, hex)) = uri.rsplit_once("sha256:") {
        let hex: String = hex.chars().take_while(char::is_ascii_hexdigit).collect::<String>().to_ascii_lowercase();
        if hex.len() == 64 {
            return match stores::versions_by_digest(conn, &hex)?.as_slice() {
                [one] => Ok(one.clone()),
                [] => Err(not_found("no version here has that digest")),
                _ => Err(not_found("several versions have that digest; annotate the manifest with pedigree.dev/version")),
            };
        }
    }
    let files = stores::files_under_uri(conn, uri)?;
    if files.is_empty() {
        return Err(not_found(
            "register it, index the store that holds it (pedigree store add, pedigree index), or annotate the manifest with pedigree.dev/version",
        ));
    }
    let Some(digests) = files.iter().map(|(_, d)| d.as_deref()).collect::<Option<Vec<&str>>>() else {
        return Err(not_found("its files are indexed but not hashed yet; index the store again"));
    };
    let root = crate::hash::root_digest(digests).map_err(|_| not_found("its index holds a malformed digest"))?;
    match stores::versions_by_digest(conn, &root)?.into_iter().next() {
        Some(v) => Ok(v),
        None => Err(not_found("the files there are not a registered version")),
    }
}

/// What recording a manifest did.
#[derive(Debug, Clone)]
pub struct Recorded {
    /// `kserve:NAME` or `seldon:NAME`.
    pub recorded_from: String,
    pub carrier: String,
    /// `MODEL@VERSION` per served model, in manifest order.
    pub versions: Vec<String>,
    /// How many deployments were recorded (0: it served so already).
    pub deployments: u32,
    pub serving: Vec<Deployment>,
}

/// Records what the manifest serves in `env`.
pub fn record(conn: &Connection, env: &str, text: &str, reason: &str, actor: &str) -> Result<Recorded, GovError> {
    let m = parse(text)?;
    let carrier = m.image.clone().unwrap_or_else(|| format!("sha256:{}", crate::hash::sha256_hex(text.as_bytes())));
    let recorded_from = format!("{}:{}", m.kind, m.name);
    let mut versions = Vec::new();
    for s in &m.served {
        let v = locate(conn, &s.uri)?;
        if let (Some(a), true) = (&m.annotated, m.served.len() == 1) {
            let named = resolve(conn, a)?;
            if named.name() != v {
                return Err(bad(&format!(
                    "a {ANNOTATION} annotation that agrees with the storage URI (it names {a}, the URI's digest {v})"
                )));
            }
        }
        versions.push(v);
    }
    let reason = if reason.trim().is_empty() { format!("deployed by {recorded_from}") } else { reason.to_string() };
    let mut made = 0;
    let mut go = |reference: &str, strategy: &str, traffic: Option<u32>| -> Result<(), GovError> {
        let d = Deploy {
            reference,
            env,
            strategy,
            traffic,
            reason: &reason,
            carrier: Some(&carrier),
            recorded_from: Some(&recorded_from),
        };
        deploy::deploy(conn, &d, actor)?;
        made += 1;
        Ok(())
    };
    let now = deploy::active(conn, env)?;
    let serves = |v: &str, role: &str, t: Option<u32>| {
        now.iter().any(|d| d.reference() == v && d.role == role && t.is_none_or(|t| t == d.traffic))
    };
    let mut live: Vec<(&Served, &String)> = m.served.iter().zip(&versions).filter(|(s, _)| !s.shadow).collect();
    live.sort_by(|a, b| b.0.traffic.cmp(&a.0.traffic));
    match (m.kind, live.as_slice()) {
        // KServe's canaryTrafficPercent: the new model takes that share from what serves.
        ("kserve", [(s, v)]) if s.traffic < 100 => {
            if !serves(v, "canary", Some(s.traffic)) && !serves(v, "primary", None) {
                go(v, "canary", Some(s.traffic))?;
            }
        }
        (_, [(_, primary), rest @ ..]) => {
            if rest.len() > 1 {
                return Err(bad("one primary and at most one canary per environment"));
            }
            if !serves(primary, "primary", None) {
                go(primary, "full", None)?;
            }
            if let Some((s, v)) = rest.first().filter(|(s, _)| s.traffic > 0) {
                if !serves(v, "canary", Some(s.traffic)) {
                    go(v, "canary", Some(s.traffic))?;
                }
            }
        }
        _ => {}
    }
    for (_, v) in m.served.iter().zip(&versions).filter(|(s, _)| s.shadow) {
        if !serves(v, "shadow", None) {
            go(v, "shadow", None)?;
        }
    }
    Ok(Recorded { recorded_from, carrier, versions, deployments: made, serving: deploy::active(conn, env)? })
}
