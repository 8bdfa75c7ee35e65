//! Names and typed node ids (`model:resnet`, `version:resnet@1.2.0`, `dataset:imagenet@3`,
//! `run:…`, `code:git+https://…@sha`, `env:…`, `source:oci://HOST/REPO@sha256:…` — where a
//! version's files were imported from), stable across transports and used in URLs.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// The kind of a lineage node, taken from its id prefix.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, TS)]
#[serde(rename_all = "lowercase")]
pub enum NodeKind {
    Model,
    Version,
    Dataset,
    Run,
    Code,
    Env,
    Deployment,
    Source,
}

impl NodeKind {
    pub fn prefix(self) -> &'static str {
        match self {
            NodeKind::Model => "model",
            NodeKind::Version => "version",
            NodeKind::Dataset => "dataset",
            NodeKind::Run => "run",
            NodeKind::Code => "code",
            NodeKind::Env => "env",
            NodeKind::Deployment => "deployment",
            NodeKind::Source => "source",
        }
    }

    /// Kind of a node id, or `None` when the prefix is unknown.
    pub fn of(id: &str) -> Option<NodeKind> {
        let (prefix, rest) = id.split_once(':')?;
        if rest.is_empty() {
            return None;
        }
        [
            NodeKind::Model,
            NodeKind::Version,
            NodeKind::Dataset,
            NodeKind::Run,
            NodeKind::Code,
            NodeKind::Env,
            NodeKind::Deployment,
            NodeKind::Source,
        ]
        .into_iter()
        .find(|k| k.prefix() == prefix)
    }
}

/// Why a name or reference was refused.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum NameError {
    #[error(
        "invalid name {0:?}: use lowercase letters, digits, '.', '_' and '-', starting with a letter or digit (at most 128 characters)"
    )]
    InvalidName(String),
    #[error("invalid reference {0:?}: expected NAME@VERSION, e.g. resnet@1.2.0")]
    InvalidRef(String),
    #[error("invalid version {0:?}: expected semantic version X.Y.Z, e.g. 1.2.0")]
    InvalidVersion(String),
    #[error(
        "invalid node id {0:?}: expected model:NAME, version:NAME@X.Y.Z, dataset:NAME@N, run:ID, code:URI, env:ID or deployment:ID"
    )]
    InvalidNode(String),
}

/// Checks a model or dataset name against `[a-z0-9][a-z0-9._-]*` (≤ 128 chars).
pub fn validate_name(name: &str) -> Result<(), NameError> {
    let ok = !name.is_empty()
        && name.len() <= 128
        && name.bytes().next().is_some_and(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        && name.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'.' | b'_' | b'-'));
    if ok { Ok(()) } else { Err(NameError::InvalidName(name.to_string())) }
}

/// Checks a model name: a name, or `MODEL/VARIANT` (a variant line inside model MODEL, with its
/// own semver line: `register --variant edge`), each part a name.
pub fn validate_model(name: &str) -> Result<(), NameError> {
    let bad = || NameError::InvalidName(name.to_string());
    match name.split_once('/') {
        Some((main, variant)) => {
            validate_name(main).map_err(|_| bad())?;
            validate_name(variant).map_err(|_| bad())
        }
        None => validate_name(name),
    }
}

/// A model name's main line and variant: `churn/edge` → (`churn`, `Some("edge")`).
pub fn variant_of(model: &str) -> (&str, Option<&str>) {
    match model.split_once('/') {
        Some((main, variant)) => (main, Some(variant)),
        None => (model, None),
    }
}

/// Parses a strict semantic version (`1.2.0`, `2.0.0-rc.1`).
pub fn parse_version(v: &str) -> Result<semver::Version, NameError> {
    semver::Version::parse(v).map_err(|_| NameError::InvalidVersion(v.to_string()))
}

/// Splits `NAME@VERSION` (the version part is not interpreted); NAME may be `MODEL/VARIANT`.
pub fn split_ref(r: &str) -> Result<(&str, &str), NameError> {
    let (name, ver) = r.rsplit_once('@').ok_or_else(|| NameError::InvalidRef(r.to_string()))?;
    validate_model(name).map_err(|_| NameError::InvalidRef(r.to_string()))?;
    if ver.is_empty() {
        return Err(NameError::InvalidRef(r.to_string()));
    }
    Ok((name, ver))
}

/// The number a version is kept under when another member registered other files under its
/// number first (team ledger): semver build metadata `conflict.HASH8` (the registration event's
/// hash), so it sorts with the number it was given and names where it came from.
pub fn conflict_version(version: &str, event_hash: &str) -> String {
    let sep = if version.contains('+') { '.' } else { '+' };
    format!("{version}{sep}conflict.{}", &event_hash[..8.min(event_hash.len())])
}

/// A node id or version without the conflict part [`conflict_version`] added.
pub fn without_conflict(s: &str) -> &str {
    match s.rfind("conflict.") {
        Some(i) if i > 0 && matches!(s.as_bytes()[i - 1], b'+' | b'.') => &s[..i - 1],
        _ => s,
    }
}

pub fn model_node(model: &str) -> String {
    format!("model:{model}")
}

pub fn version_node(model: &str, version: &str) -> String {
    format!("version:{model}@{version}")
}

pub fn dataset_node(dataset: &str, version: &str) -> String {
    format!("dataset:{dataset}@{version}")
}

/// Accepts a full node id, or a bare `NAME@VERSION` (taken as a model version), or a bare model
/// name, and returns the node id.
pub fn normalize_node(input: &str) -> Result<String, NameError> {
    if NodeKind::of(input).is_some() {
        return Ok(input.to_string());
    }
    if input.contains('@') {
        let (m, v) = split_ref(input).map_err(|_| NameError::InvalidNode(input.to_string()))?;
        return Ok(version_node(m, v));
    }
    validate_model(input).map_err(|_| NameError::InvalidNode(input.to_string()))?;
    Ok(model_node(input))
}

/// A valid model or dataset name derived from a path's last component (extension dropped for
/// files), or `fallback`.
pub fn name_from_path(abs: &std::path::Path, fallback: &str) -> String {
    let raw = if abs.is_file() { abs.file_stem() } else { abs.file_name() };
    let raw = raw.map(|n| n.to_string_lossy().to_lowercase()).unwrap_or_default();
    let mut name: String =
        raw.chars().map(|c| if c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-') { c } else { '-' }).collect();
    name = name.trim_start_matches(['.', '_', '-']).to_string();
    name.truncate(128);
    if name.is_empty() { fallback.into() } else { name }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_follow_the_design_rule() {
        assert!(validate_name("resnet-50.v2_x").is_ok());
        assert!(validate_model("churn/edge").is_ok() && validate_name("churn/edge").is_err());
        for bad in ["churn/", "/edge", "churn/edge/x", "churn/Edge"] {
            assert!(validate_model(bad).is_err(), "{bad:?} should be refused");
        }
        assert_eq!(split_ref("churn/edge@1.0.0").unwrap(), ("churn/edge", "1.0.0"));
        assert_eq!(variant_of("churn/edge"), ("churn", Some("edge")));
        for bad in ["", "Resnet", "-x", ".x", "a b", "a/b", "ä", &"x".repeat(129)] {
            assert!(validate_name(bad).is_err(), "{bad:?} should be refused");
        }
    }

    #[test]
    fn node_ids_normalize() {
        assert_eq!(normalize_node("resnet@1.0.0").unwrap(), "version:resnet@1.0.0");
        assert_eq!(normalize_node("resnet").unwrap(), "model:resnet");
        assert_eq!(normalize_node("dataset:imagenet@3").unwrap(), "dataset:imagenet@3");
        assert!(normalize_node("Bad Name").is_err());
        assert_eq!(NodeKind::of("code:git+https://x@abc"), Some(NodeKind::Code));
        assert_eq!(NodeKind::of("nope:x"), None);
    }
}
