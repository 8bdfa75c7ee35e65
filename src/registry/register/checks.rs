//! Checks and lookups a registration (and the registration form) needs: sniffing inputs,
//! refusing what the catalog rules out before any byte is read, and the semver suggestion.

use std::collections::BTreeMap;
use std::path::PathBuf;

use rayon::prelude::*;
use rusqlite::Connection;

use super::super::RegisterError;
use super::super::semver_policy::{self, Facts};
use super::RegisterRequest;
use crate::catalog::graph;
use crate::catalog::models;
use crate::ids::{self, version_node};
use crate::registry::collect::InputFile;
use crate::sniff::{self, Format, Interface, Sniffed};

/// Sniffs the folders given (MLflow, Hugging Face) and every file. Returns all results keyed by
/// manifest path (a folder by its prefix, "." for a single folder) and each file's format.
/// With `allow_unsafe`, files whose pickles would run commands or code are described instead of
/// refused, and listed (path, dangerous imports) as the third part of the result.
#[allow(clippy::type_complexity)]
pub(crate) fn sniff_inputs(
    files: &[InputFile],
    folders: &[(PathBuf, String)],
    allow_unsafe: bool,
) -> Result<(BTreeMap<String, Sniffed>, BTreeMap<String, Format>, Vec<(String, String)>), RegisterError> {
    let mut sniffed: BTreeMap<String, Sniffed> = BTreeMap::new();
    for (dir, prefix) in folders {
        if let Some(s) = sniff::sniff_folder(dir)? {
            let key = if prefix.is_empty() { ".".to_string() } else { prefix.trim_end_matches('/').to_string() };
            sniffed.insert(key, s);
        }
    }
    let file_sniffs: Vec<(String, Sniffed, Option<String>)> = files
        .par_iter()
        .map(|f| match sniff::sniff_file(&f.abs) {
            Ok(s) => Ok((f.rel.clone(), s, None)),
            Err(sniff::SniffError::UnsafePickle { imports, described, .. }) if allow_unsafe => {
                Ok((f.rel.clone(), *described, Some(imports)))
            }
            Err(e) => Err(RegisterError::from(e)),
        })
        .collect::<Result<_, RegisterError>>()?;
    check_external_data(files, &file_sniffs)?;
    let file_formats = file_sniffs.iter().map(|(p, s, _)| (p.clone(), s.format)).collect();
    let unsafe_files = file_sniffs.iter().filter_map(|(p, _, d)| d.clone().map(|d| (p.clone(), d))).collect();
    sniffed.extend(file_sniffs.into_iter().map(|(p, s, _)| (p, s)));
    Ok((sniffed, file_formats, unsafe_files))
}

/// A model whose weights are in other files (ONNX external data) is registered with them: each
/// file it names, relative to its own folder, must be one of the inputs.
fn check_external_data(files: &[InputFile], sniffs: &[(String, Sniffed, Option<String>)]) -> Result<(), RegisterError> {
    let have: std::collections::BTreeSet<&str> = files.iter().map(|f| f.rel.as_str()).collect();
    for (rel, s, _) in sniffs {
        let dir = rel.rsplit_once('/').map(|(d, _)| format!("{d}/")).unwrap_or_default();
        if let Some(missing) = sniff::external_files(s).into_iter().find(|x| !have.contains(format!("{dir}{x}").as_str())) {
            return Err(RegisterError::MissingExternalData { model: rel.clone(), missing });
        }
    }
    Ok(())
}

/// The model's latest version (if any) and the semver policy's suggestion for a new version
/// with this interface, weights and training data. `datasets: None` leaves training data out of
/// the comparison (the registration form does not know it yet).
pub(crate) fn suggest_next(
    conn: &Connection,
    model: &str,
    model_id: Option<i64>,
    interface: &Interface,
    weights_digest: &str,
    datasets: Option<&[String]>,
) -> Result<(Option<semver::Version>, semver_policy::Suggestion), RegisterError> {
    let latest = match model_id {
        Some(id) => models::latest_version(conn, id)?,
        None => None,
    };
    let latest_datasets = match (&latest, datasets) {
        (Some(l), Some(_)) => trained_on_of(conn, &version_node(model, &l.summary.version))?,
        _ => Vec::new(),
    };
    let latest_v = latest.as_ref().map(|l| ids::parse_version(&l.summary.version)).transpose()?;
    let suggestion = semver_policy::suggest(
        latest
            .as_ref()
            .zip(latest_v.as_ref())
            .map(|(l, v)| (v, Facts { interface: &l.interface, weights_digest: &l.weights_digest, datasets: &latest_datasets })),
        Facts { interface, weights_digest, datasets: datasets.unwrap_or(&[]) },
    );
    Ok((latest_v, suggestion))
}

/// Sniffed facts as stored with a version: per path, the metadata plus its `format`.
pub(crate) fn sniffed_metadata(sniffed: &BTreeMap<String, Sniffed>) -> BTreeMap<String, BTreeMap<String, String>> {
    sniffed
        .iter()
        .map(|(p, s)| {
            let mut m = s.metadata.clone();
            m.insert("format".into(), s.format.as_str().into());
            (p.clone(), m)
        })
        .collect()
}

/// Checks that can fail without reading any file: an explicit version that exists or is not
/// greater than the latest, and parents that are not registered.
pub(super) fn preflight(
    conn: &Connection,
    req: &RegisterRequest,
    explicit: Option<&semver::Version>,
) -> Result<(), RegisterError> {
    if let (Some(v), Some(model_id)) = (explicit, models::model_id(conn, &req.model)?) {
        // Replaying another member's registration, its number need not be the newest here.
        let latest = match crate::audit::replay::payload() {
            Some(_) => None,
            None => models::latest_version(conn, model_id)?.map(|l| ids::parse_version(&l.summary.version)).transpose()?,
        };
        check_explicit(conn, &req.model, model_id, v, latest.as_ref())?;
    }
    for p in &req.parents {
        check_parent(conn, &p.parent)?;
    }
    Ok(())
}

pub(super) fn check_explicit(
    conn: &Connection,
    model: &str,
    model_id: i64,
    v: &semver::Version,
    latest: Option<&semver::Version>,
) -> Result<(), RegisterError> {
    if models::get_version(conn, model_id, &v.to_string())?.is_some() {
        return Err(RegisterError::VersionExists { model: model.to_string(), version: v.to_string() });
    }
    match latest {
        Some(lv) if v <= lv => {
            Err(RegisterError::VersionNotGreater { model: model.to_string(), version: v.to_string(), latest: lv.to_string() })
        }
        _ => Ok(()),
    }
}

/// A parent `MODEL@VERSION` that must be registered; returns its parts.
pub(super) fn check_parent<'a>(conn: &Connection, parent: &'a str) -> Result<(&'a str, &'a str), RegisterError> {
    let (pm, pv) = ids::split_ref(parent)?;
    let exists = match models::model_id(conn, pm)? {
        Some(id) => models::get_version(conn, id, pv)?.is_some(),
        None => false,
    };
    if exists { Ok((pm, pv)) } else { Err(RegisterError::UnknownParent(parent.to_string())) }
}

pub(super) fn trained_on_of(tx: &Connection, vnode: &str) -> Result<Vec<String>, RegisterError> {
    let mut v: Vec<String> =
        graph::edges_from(tx, vnode)?.into_iter().filter(|e| e.kind == "trained_on").map(|e| e.dst).collect();
    v.sort();
    Ok(v)
}
