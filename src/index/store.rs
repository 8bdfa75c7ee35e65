//! Store definitions: parsing a store URI, adding/listing/removing stores (audited), and the
//! resolved configuration the indexer works from. Secrets are sealed (see `secret`).

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use serde_json::json;

use super::{IndexReport, StoreInfo, secret};
use crate::audit;
use crate::catalog::stores::{self as rows, NewStore, StoreRow};
use crate::catalog::{self, CatalogError};
use crate::ids;
use crate::workspace::Workspace;

/// Why a store operation failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error(transparent)]
    Catalog(#[from] CatalogError),
    #[error(transparent)]
    Name(#[from] ids::NameError),
    #[error("store {0:?} already exists; remove it first or pick another name")]
    Exists(String),
    #[error("no store named {0:?} (see the list of stores)")]
    Unknown(String),
    #[error("no artifact with id {0} (see the indexed artifacts)")]
    UnknownArtifact(i64),
    #[error(
        "unsupported store URI {0:?}: use file:///path, s3://bucket/prefix, http(s)://host/path/ or hf-cache:// (the Hugging Face cache)"
    )]
    BadUri(String),
    #[error("{path}: {message}")]
    Local { path: PathBuf, message: String },
    #[error("store {store}: {message}")]
    Remote { store: String, message: String },
    #[error("artifact {id} is a DVC file ({path}); register the model it tracks instead")]
    DvcFile { id: i64, path: String },
    #[error("endpoint {0:?} must start with http:// or https://")]
    BadEndpoint(String),
    #[error("give both an access key id and a secret access key, or neither")]
    HalfCredentials,
    #[error("store {store}: sealed credentials: {message}")]
    Sealed { store: String, message: String },
    #[error("store {0} is remote; watching covers local folders (index remote stores instead)")]
    RemoteWatch(String),
    #[error("cannot watch files: {0}")]
    Watch(String),
    #[error("cannot open the workspace: {0}")]
    Workspace(String),
}

impl StoreError {
    /// The request field (camelCase, as on the wire) the error is about, if one is.
    pub fn field(&self) -> Option<&'static str> {
        match self {
            StoreError::Exists(_) | StoreError::Name(_) => Some("name"),
            StoreError::BadUri(_) => Some("uri"),
            StoreError::BadEndpoint(_) => Some("endpoint"),
            StoreError::HalfCredentials => Some("secretAccessKey"),
            _ => None,
        }
    }
}

/// Where a store's bytes are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Location {
    Local(PathBuf),
    S3 {
        bucket: String,
        prefix: String,
    },
    /// Base URL, ending with `/`.
    Http(String),
    /// A Hugging Face hub cache (`models--ORG--NAME/snapshots/REV/…`), read in place.
    HfCache(PathBuf),
}

impl Location {
    pub fn kind(&self) -> &'static str {
        match self {
            Location::Local(_) => "local",
            Location::S3 { .. } => "s3",
            Location::Http(_) => "http",
            Location::HfCache(_) => "hf-cache",
        }
    }

    /// The folder of a store whose files are on this machine (a plain folder or the HF cache).
    pub fn local_root(&self) -> Option<&Path> {
        match self {
            Location::Local(p) | Location::HfCache(p) => Some(p),
            _ => None,
        }
    }
}

/// Non-secret options, stored as JSON.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StoreOptions {
    pub endpoint: Option<String>,
    pub region: Option<String>,
    pub timeout_secs: Option<u32>,
    pub retries: Option<u32>,
}

/// Secrets, sealed as one JSON document.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Credentials {
    pub access_key_id: Option<String>,
    pub secret_access_key: Option<String>,
    pub session_token: Option<String>,
}

/// A store resolved for indexing.
#[derive(Debug, Clone)]
pub struct Store {
    pub id: i64,
    pub name: String,
    pub uri: String,
    pub location: Location,
    pub options: StoreOptions,
    pub credentials: Option<Credentials>,
}

impl Store {
    /// The URI of a store-relative path.
    pub fn uri_of(&self, rel: &str) -> String {
        let base = self.uri.trim_end_matches('/');
        if rel.is_empty() || rel == "." { base.to_string() } else { format!("{base}/{rel}") }
    }
}

/// Parses a store URI. Plain paths are taken as local folders.
pub fn parse_uri(uri: &str) -> Result<Location, StoreError> {
    let bad = || StoreError::BadUri(uri.to_string());
    if let Some(rest) = uri.strip_prefix("s3://") {
        let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
        if bucket.len() < 3 {
            return Err(bad());
        }
        return Ok(Location::S3 { bucket: bucket.to_string(), prefix: prefix.trim_matches('/').to_string() });
    }
    if let Some(rest) = uri.strip_prefix("hf-cache://") {
        let path = if rest.is_empty() { super::hf::default_root() } else { PathBuf::from(rest) };
        return Ok(Location::HfCache(path));
    }
    if uri.starts_with("http://") || uri.starts_with("https://") {
        let base = if uri.ends_with('/') { uri.to_string() } else { format!("{uri}/") };
        return Ok(Location::Http(base));
    }
    let path = match uri.strip_prefix("file://") {
        Some(p) => PathBuf::from(p),
        None if uri.contains("://") => return Err(bad()),
        None => PathBuf::from(uri),
    };
    if path.as_os_str().is_empty() {
        return Err(bad());
    }
    Ok(Location::Local(path))
}

fn canonical_uri(loc: &Location) -> String {
    match loc {
        Location::Local(p) => format!("file://{}", p.display()),
        Location::S3 { bucket, prefix } if prefix.is_empty() => format!("s3://{bucket}"),
        Location::S3 { bucket, prefix } => format!("s3://{bucket}/{prefix}"),
        Location::Http(base) => base.clone(),
        Location::HfCache(p) => format!("hf-cache://{}", p.display()),
    }
}

/// Adds a store named `name` at `uri` (audited); credentials given here are sealed. A local
/// folder must exist; remote stores are checked when indexed. Empty strings count as absent.
pub fn add_store(
    ws: &mut Workspace,
    name: &str,
    uri: &str,
    options: StoreOptions,
    creds: Credentials,
    actor: &str,
) -> Result<StoreInfo, StoreError> {
    ids::validate_name(name)?;
    let mut location = parse_uri(uri)?;
    if let Some(p) = location.local_root() {
        let missing = |message: String| StoreError::Local { path: p.to_path_buf(), message };
        let abs = p.canonicalize().map_err(|e| match &location {
            Location::HfCache(_) => missing(format!("{e}: no Hugging Face cache there (HF_HUB_CACHE / HF_HOME say where it is)")),
            _ => missing(e.to_string()),
        })?;
        if !abs.is_dir() {
            return Err(StoreError::Local { path: abs, message: "not a folder".into() });
        }
        location = match location {
            Location::HfCache(_) => Location::HfCache(abs),
            _ => Location::Local(abs),
        };
    }
    let given = |v: Option<String>| v.filter(|s| !s.is_empty());
    let options = StoreOptions { endpoint: given(options.endpoint), region: given(options.region), ..options };
    if let Some(e) = &options.endpoint {
        if !(e.starts_with("http://") || e.starts_with("https://")) {
            return Err(StoreError::BadEndpoint(e.clone()));
        }
    }
    let creds = Credentials {
        access_key_id: given(creds.access_key_id),
        secret_access_key: given(creds.secret_access_key),
        session_token: given(creds.session_token),
    };
    if creds.access_key_id.is_some() != creds.secret_access_key.is_some() {
        return Err(StoreError::HalfCredentials);
    }
    let sealed = if creds == Credentials::default() {
        None
    } else {
        let plain = serde_json::to_vec(&creds).expect("credentials serialise");
        let sealed = secret::seal(&ws.root, name, &plain);
        Some(sealed.map_err(|message| StoreError::Sealed { store: name.to_string(), message })?)
    };
    let uri = canonical_uri(&location);
    let options_json = serde_json::to_string(&options).expect("options serialise");
    let now = audit::now();
    let name = name.to_string();
    ws.catalog.write(|tx| {
        if rows::get_store(tx, &name)?.is_some() {
            return Err(StoreError::Exists(name.clone()));
        }
        // The audit payload names the store and where it points, never the credentials.
        let payload = json!({ "name": name, "uri": uri, "kind": location.kind(), "options": options,
                              "credentials": if sealed.is_some() { "sealed" } else { "environment" } });
        let seq = audit::append(tx, &now, actor, "add_store", &format!("store:{name}"), &payload)?;
        rows::insert_store(
            tx,
            &NewStore {
                name: &name,
                uri: &uri,
                kind: location.kind(),
                options: &options_json,
                sealed_secret: sealed.as_deref(),
                created_by: actor,
                created_at: &now,
                audit_seq: seq,
            },
        )?;
        Ok(())
    })?;
    let row = rows::get_store(ws.catalog.conn(), &name)?.ok_or_else(|| StoreError::Unknown(name.clone()))?;
    info(ws.catalog.conn(), &row)
}

/// Removes a store with its stat cache and artifacts (registered versions are kept; audited).
pub fn remove_store(ws: &mut Workspace, name: &str, actor: &str) -> Result<(), StoreError> {
    let now = audit::now();
    ws.catalog.write(|tx| {
        let row = rows::get_store(tx, name)?.ok_or_else(|| StoreError::Unknown(name.to_string()))?;
        audit::append(tx, &now, actor, "remove_store", &format!("store:{name}"), &json!({ "name": name, "uri": row.uri }))?;
        rows::delete_store(tx, row.id)?;
        Ok(())
    })
}

pub fn list_stores(ws: &Workspace) -> Result<Vec<StoreInfo>, StoreError> {
    let conn = ws.catalog.conn();
    rows::list_stores(conn)?.iter().map(|r| info(conn, r)).collect()
}

fn info(conn: &catalog::Conn, row: &StoreRow) -> Result<StoreInfo, StoreError> {
    let options: StoreOptions = catalog::json("store options", &row.options)?;
    let (files, artifacts, unregistered) = rows::store_counts(conn, row.id)?;
    let credentials = match (&row.sealed_secret, row.kind.as_str()) {
        (Some(_), _) => "sealed in the workspace",
        (None, "s3") => "AWS environment variables",
        (None, _) => "none",
    };
    let last_report: Option<IndexReport> = row.last_report.as_deref().map(|t| catalog::json("index report", t)).transpose()?;
    Ok(StoreInfo {
        name: row.name.clone(),
        uri: row.uri.clone(),
        kind: row.kind.clone(),
        endpoint: options.endpoint,
        region: options.region,
        credentials: credentials.to_string(),
        created_at: row.created_at.clone(),
        last_indexed_at: row.last_indexed_at.clone(),
        files,
        artifacts,
        unregistered,
        last_report,
    })
}

/// Loads a store for indexing, opening its sealed credentials.
pub fn resolve(ws_root: &Path, conn: &catalog::Conn, name: &str) -> Result<Store, StoreError> {
    let row = rows::get_store(conn, name)?.ok_or_else(|| StoreError::Unknown(name.to_string()))?;
    resolve_row(ws_root, &row)
}

pub fn resolve_row(ws_root: &Path, row: &StoreRow) -> Result<Store, StoreError> {
    let credentials = match &row.sealed_secret {
        Some(blob) => {
            let sealed = |message: String| StoreError::Sealed { store: row.name.clone(), message };
            let plain = secret::open(ws_root, &row.name, blob).map_err(sealed)?;
            Some(serde_json::from_slice(&plain).map_err(|e| sealed(e.to_string()))?)
        }
        None => None,
    };
    Ok(Store {
        id: row.id,
        name: row.name.clone(),
        uri: row.uri.clone(),
        location: parse_uri(&row.uri)?,
        options: catalog::json("store options", &row.options)?,
        credentials,
    })
}

/// Every store, resolved.
pub fn all(ws: &Workspace) -> Result<Vec<Store>, StoreError> {
    rows::list_stores(ws.catalog.conn())?.iter().map(|r| resolve_row(&ws.root, r)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_store_uris() {
        assert_eq!(parse_uri("s3://models/team/a/").unwrap(), Location::S3 { bucket: "models".into(), prefix: "team/a".into() });
        assert_eq!(parse_uri("s3://models").unwrap(), Location::S3 { bucket: "models".into(), prefix: "".into() });
        assert_eq!(parse_uri("http://h:8/m").unwrap(), Location::Http("http://h:8/m/".into()));
        assert_eq!(parse_uri("file:///data/m").unwrap(), Location::Local("/data/m".into()));
        assert_eq!(parse_uri("./m").unwrap(), Location::Local("./m".into()));
        assert_eq!(parse_uri("hf-cache:///data/hub").unwrap(), Location::HfCache("/data/hub".into()));
        assert!(parse_uri("gs://x/y").is_err());
        assert!(parse_uri("s3://b").is_err());
    }
}
