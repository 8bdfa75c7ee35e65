//! Remote configuration: `pedigree remote add NAME mlflow URL`, list, remove, test. Credentials come from the
//! MLflow environment variables at sync time (`MLFLOW_TRACKING_USERNAME`/`_PASSWORD`, or
//! `MLFLOW_TRACKING_TOKEN`), or are given once and sealed in the workspace like store
//! credentials; they never reach the audit log or an error message.

use serde::{Deserialize, Serialize};
use serde_json::json;
use ts_rs::TS;

use super::mlflow::{Auth, Client};
use super::{Remote, RemoteError};
use crate::audit;
use crate::catalog::{CatalogError, remotes};
use crate::ids;
use crate::workspace::Workspace;

/// Registry kinds Pedigree syncs with.
pub const KINDS: &[&str] = &["mlflow", "oci", "ledger"];

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error(transparent)]
    Catalog(#[from] CatalogError),
    #[error(transparent)]
    Name(#[from] ids::NameError),
    #[error(transparent)]
    Remote(#[from] RemoteError),
    #[error("no remote named {0} (see `pedigree remote list`)")]
    UnknownRemote(String),
    #[error("a remote named {0} already exists (remove it first, or choose another name)")]
    Exists(String),
    #[error("bad {field} {value:?}: {expected}")]
    BadValue { field: &'static str, value: String, expected: String },
    #[error("{0}")]
    Secret(String),
}

/// Credentials given once (`remote add --username/--password` or `--token`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Credentials {
    pub username: Option<String>,
    pub password: Option<String>,
    pub token: Option<String>,
}

/// A remote as people see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct RemoteInfo {
    pub name: String,
    pub kind: String,
    pub url: String,
    /// "sealed in the workspace" or "MLflow environment variables at sync time".
    pub credentials: String,
    pub last_sync_at: Option<String>,
    /// The last sync's report (`sync::SyncReport`), as it was saved.
    #[ts(type = "SyncReport | null")]
    pub last_report: Option<serde_json::Value>,
    /// Seconds between syncs while `pedigree serve` or the desktop app runs (`null`: only when
    /// asked).
    #[ts(type = "number | null")]
    pub sync_every: Option<u64>,
}

/// What `remote test` found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct RemoteTest {
    pub name: String,
    pub url: String,
    pub server_version: String,
    /// Capabilities the server's version has, in words.
    pub supports: Vec<String>,
    /// Registered models on the server ("1000+" when there are more than one page).
    pub models: String,
}

fn info(r: &remotes::RemoteRow) -> RemoteInfo {
    RemoteInfo {
        name: r.name.clone(),
        kind: r.kind.clone(),
        url: r.url.clone(),
        credentials: match (r.sealed_secret.is_some(), r.kind.as_str()) {
            (true, _) => "sealed in the workspace",
            (false, "oci") => "~/.docker/config.json if it has this registry, else anonymous",
            (false, "ledger") => "the AWS environment (S3), or the file system",
            (false, _) => "MLflow environment variables at sync time",
        }
        .into(),
        last_sync_at: r.last_sync_at.clone(),
        last_report: r.last_report.as_deref().and_then(|j| serde_json::from_str(j).ok()),
        sync_every: r.sync_every.map(|s| s as u64),
    }
}

pub fn add(
    ws: &mut Workspace,
    name: &str,
    kind: &str,
    url: &str,
    creds: Option<&Credentials>,
    actor: &str,
) -> Result<RemoteInfo, ConfigError> {
    ids::validate_name(name)?;
    if !KINDS.contains(&kind) {
        return Err(ConfigError::BadValue {
            field: "kind",
            value: kind.into(),
            expected: format!("use one of {}", KINDS.join(", ")),
        });
    }
    let url = match kind {
        "ledger" => {
            if !(url.starts_with("s3://") || url.starts_with("file:///")) {
                return Err(ConfigError::BadValue {
                    field: "url",
                    value: url.into(),
                    expected: "a team ledger lives on s3://BUCKET/PREFIX or file:///PATH (a shared drive)".into(),
                });
            }
            url.trim_end_matches('/').to_string()
        }
        "oci" => {
            // HOST[:PORT]/PREFIX, kept as given (loopback over plain HTTP, others over HTTPS).
            super::oci::parse_address(url).map_err(|why| ConfigError::BadValue {
                field: "url",
                value: url.into(),
                expected: why,
            })?;
            url.trim_end_matches('/').to_string()
        }
        _ => mlflow_url(url)?,
    };
    let sealed = match creds.filter(|c| c.username.is_some() || c.token.is_some()) {
        Some(c) => Some(
            crate::index::secret::seal(
                &ws.root,
                &format!("remote:{name}"),
                &serde_json::to_vec(c).expect("credentials serialise"),
            )
            .map_err(ConfigError::Secret)?,
        ),
        None => None,
    };
    ws.catalog.write(|tx| {
        if remotes::get(tx, name)?.is_some() {
            return Err(ConfigError::Exists(name.into()));
        }
        let now = audit::now();
        let payload = json!({"kind": kind, "url": url, "credentials": sealed.is_some()});
        let seq = audit::append(tx, &now, actor, "add_remote", &format!("remote:{name}"), &payload)?;
        remotes::insert(tx, name, kind, &url, sealed.as_deref(), actor, &now, seq)?;
        Ok(info(&remotes::get(tx, name)?.expect("just inserted")))
    })
}

/// An MLflow tracking server's URL: http(s), a host, no credentials in it.
fn mlflow_url(url: &str) -> Result<String, ConfigError> {
    let parsed = url::Url::parse(url).ok().filter(|u| matches!(u.scheme(), "http" | "https") && u.host_str().is_some());
    let Some(parsed) = parsed else {
        return Err(ConfigError::BadValue {
            field: "url",
            value: url.into(),
            expected: "an http(s):// URL of the tracking server".into(),
        });
    };
    if !parsed.username().is_empty() || parsed.password().is_some() {
        return Err(ConfigError::BadValue {
            field: "url",
            value: parsed.host_str().unwrap_or_default().into(),
            expected: "credentials do not go in the URL: use --username/--password or the MLflow environment variables".into(),
        });
    }
    let url = parsed.as_str().trim_end_matches('/').to_string();
    Ok(url)
}

pub fn list(ws: &Workspace) -> Result<Vec<RemoteInfo>, ConfigError> {
    Ok(remotes::list(ws.catalog.conn())?.iter().map(info).collect())
}

pub fn remove(ws: &mut Workspace, name: &str, actor: &str) -> Result<Vec<RemoteInfo>, ConfigError> {
    ws.catalog.write(|tx| {
        let row = remotes::get(tx, name)?.ok_or_else(|| ConfigError::UnknownRemote(name.into()))?;
        audit::append(tx, &audit::now(), actor, "remove_remote", &format!("remote:{name}"), &json!({"url": row.url}))?;
        crate::catalog::ledger::remove(tx, name)?;
        remotes::remove(tx, name)?;
        Ok::<_, ConfigError>(())
    })?;
    list(ws)
}

/// The shortest schedule: a scheduled sync lists every model, so not more often than this.
pub const MIN_SYNC_EVERY: u64 = 60;

/// Sets (or with `None` clears) how often the remote is synced while `pedigree serve` or the
/// desktop app runs. Audited.
pub fn schedule(ws: &mut Workspace, name: &str, every: Option<u64>, actor: &str) -> Result<RemoteInfo, ConfigError> {
    if let Some(s) = every.filter(|s| *s < MIN_SYNC_EVERY) {
        return Err(ConfigError::BadValue {
            field: "every",
            value: format!("{s}s"),
            expected: format!("at least {MIN_SYNC_EVERY} seconds (1m), or off"),
        });
    }
    ws.catalog.write(|tx| {
        row_in(tx, name)?;
        let payload = json!({"syncEvery": every});
        audit::append(tx, &audit::now(), actor, "schedule_remote", &format!("remote:{name}"), &payload)?;
        remotes::set_sync_every(tx, name, every.map(|s| s as i64))?;
        Ok(info(&row_in(tx, name)?))
    })
}

fn row_in(tx: &rusqlite::Connection, name: &str) -> Result<remotes::RemoteRow, ConfigError> {
    remotes::get(tx, name)?.ok_or_else(|| ConfigError::UnknownRemote(name.into()))
}

/// `15m`, `1h`, `90s`, `2d` or `off` → seconds (`None` for off).
pub fn parse_every(s: &str) -> Result<Option<u64>, ConfigError> {
    let s = s.trim();
    if s.eq_ignore_ascii_case("off") || s.eq_ignore_ascii_case("never") {
        return Ok(None);
    }
    let bad =
        || ConfigError::BadValue { field: "every", value: s.into(), expected: "a duration like 15m, 1h, 90s, 1d, or off".into() };
    let (n, unit) = s.split_at(s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len()));
    let n: u64 = n.parse().map_err(|_| bad())?;
    let mult = match unit {
        "s" => 1,
        "" | "m" | "min" => 60,
        "h" => 3600,
        "d" => 86_400,
        _ => return Err(bad()),
    };
    n.checked_mul(mult).map(Some).ok_or_else(bad)
}

/// The remote's row, or why there is none.
pub fn row(ws: &Workspace, name: &str) -> Result<remotes::RemoteRow, ConfigError> {
    remotes::get(ws.catalog.conn(), name)?.ok_or_else(|| ConfigError::UnknownRemote(name.into()))
}

/// The remote's kind, opened with its sealed credentials or the MLflow environment variables.
pub fn open(ws: &Workspace, r: &remotes::RemoteRow) -> Result<Box<dyn Remote>, ConfigError> {
    Ok(match r.kind.as_str() {
        "oci" => Box::new(oci(ws, r)?),
        _ => Box::new(client(ws, r)?),
    })
}

/// The credentials sealed with a remote, if any.
fn sealed(ws: &Workspace, r: &remotes::RemoteRow) -> Result<Option<Credentials>, ConfigError> {
    let Some(sealed) = &r.sealed_secret else { return Ok(None) };
    let plain = crate::index::secret::open(&ws.root, &format!("remote:{}", r.name), sealed).map_err(ConfigError::Secret)?;
    Ok(Some(serde_json::from_slice(&plain).map_err(|e| ConfigError::Secret(e.to_string()))?))
}

fn oci(ws: &Workspace, r: &remotes::RemoteRow) -> Result<super::oci::Oci, ConfigError> {
    let auth = match sealed(ws, r)? {
        Some(c) => auth_of(c.username, c.password, c.token),
        None => super::oci::parse_address(&r.url).ok().and_then(|(_, host, _)| docker_auth(&host)).unwrap_or(Auth::None),
    };
    Ok(super::oci::Oci::open(&r.url, auth)?)
}

/// The credentials Docker keeps for `host` (`$DOCKER_CONFIG/config.json`, else
/// `~/.docker/config.json`): `auths.HOST.auth`, base64 of `user:password`, or the identity token
/// `docker login` keeps for token registries (`identitytoken`). Credential helpers (`credsStore`)
/// are not run.
fn docker_auth(host: &str) -> Option<Auth> {
    use base64::Engine;
    let dir = std::env::var_os("DOCKER_CONFIG")
        .map(std::path::PathBuf::from)
        .or_else(|| dirs::home_dir().map(|h| h.join(".docker")))?;
    let text = std::fs::read(dir.join("config.json")).ok()?;
    let v: serde_json::Value = serde_json::from_slice(&text).ok()?;
    let auths = v["auths"].as_object()?;
    let entry = auths.get(host).or_else(|| {
        auths
            .iter()
            .find(|(k, _)| k.trim_start_matches("https://").trim_start_matches("http://").trim_end_matches('/') == host)
            .map(|(_, e)| e)
    })?;
    if let Some(t) = entry["identitytoken"].as_str().filter(|t| !t.is_empty()) {
        return Some(Auth::Bearer(t.to_string()));
    }
    let plain = base64::engine::general_purpose::STANDARD.decode(entry["auth"].as_str()?).ok()?;
    let (user, password) = String::from_utf8(plain).ok()?.split_once(':').map(|(u, p)| (u.to_string(), p.to_string()))?;
    Some(Auth::Basic { user, password })
}

fn client(ws: &Workspace, r: &remotes::RemoteRow) -> Result<Client, ConfigError> {
    let auth = match sealed(ws, r)? {
        Some(c) => auth_of(c.username, c.password, c.token),
        None => {
            let env = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
            auth_of(env("MLFLOW_TRACKING_USERNAME"), env("MLFLOW_TRACKING_PASSWORD"), env("MLFLOW_TRACKING_TOKEN"))
        }
    };
    Ok(Client::new(&r.url, auth)?)
}

/// Basic wins over a token when both are set, as in MLflow's own client.
fn auth_of(user: Option<String>, password: Option<String>, token: Option<String>) -> Auth {
    match (user, token) {
        (Some(user), _) => Auth::Basic { user, password: password.unwrap_or_default() },
        (None, Some(t)) => Auth::Bearer(t),
        (None, None) => Auth::None,
    }
}

/// Connects and says what the server is and can do.
pub fn test(ws: &Workspace, name: &str) -> Result<RemoteTest, ConfigError> {
    let r = row(ws, name)?;
    if r.kind == "oci" {
        let o = oci(ws, &r)?;
        o.registry().ping()?;
        let models = o.models()?.len();
        return Ok(RemoteTest {
            name: r.name,
            url: r.url,
            server_version: "OCI distribution v2".into(),
            supports: vec!["ModelPack artifacts (push and pull)".into(), "aliases as tags".into()],
            models: models.to_string(),
        });
    }
    let c = client(ws, &r)?;
    let version = c.server_version()?;
    let models = c.search_models(None)?;
    let major: u32 = version.split('.').next().and_then(|m| m.parse().ok()).unwrap_or(0);
    let mut supports = vec!["model registry".to_string(), "aliases".to_string()];
    if major >= 3 {
        supports.push("logged models (push through the artifact proxy)".into());
    }
    Ok(RemoteTest {
        name: r.name,
        url: r.url,
        server_version: version,
        supports,
        models: format!("{}{}", models.registered_models.len(), if models.next_page_token.is_some() { "+" } else { "" }),
    })
}
