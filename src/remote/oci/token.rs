//! Docker's token scheme, which GHCR, ECR, Harbor and Docker Hub use: the registry answers 401
//! with `WWW-Authenticate: Bearer realm="…",service="…",scope="…"`, the client asks the token
//! service at `realm` for a token for that scope — with the user and password (GET, basic), with
//! an identity (refresh) token (POST, OAuth2 `grant_type=refresh_token`), or anonymously — and
//! sends it as `Authorization: Bearer`. The realm comes from the registry's answer, so it is held
//! to HTTPS (plain HTTP only for a registry spoken to over plain HTTP), and the token answer is
//! capped and checked.

use crate::remote::RemoteError;
use crate::remote::http::{Auth, read_capped, root_cause};

use super::client::KIND;

/// A `Bearer` challenge.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Challenge {
    pub realm: String,
    pub service: Option<String>,
    pub scope: Option<String>,
}

/// Parses `Bearer realm="…",service="…",scope="…"` (quoted values may hold commas).
pub(super) fn challenge(header: &str) -> Option<Challenge> {
    let rest = header.trim().strip_prefix("Bearer ").or_else(|| header.trim().strip_prefix("bearer "))?;
    let mut params: Vec<(String, String)> = Vec::new();
    let mut chars = rest.chars().peekable();
    loop {
        while chars.peek().is_some_and(|c| *c == ',' || c.is_whitespace()) {
            chars.next();
        }
        let key: String = std::iter::from_fn(|| chars.next_if(|c| *c != '=')).collect();
        if key.is_empty() || chars.next() != Some('=') {
            break;
        }
        let value: String = if chars.peek() == Some(&'"') {
            chars.next();
            let mut v = String::new();
            while let Some(c) = chars.next() {
                match c {
                    '\\' => v.extend(chars.next()),
                    '"' => break,
                    c => v.push(c),
                }
            }
            v
        } else {
            std::iter::from_fn(|| chars.next_if(|c| *c != ',')).collect::<String>().trim().to_string()
        };
        params.push((key.trim().to_ascii_lowercase(), value));
    }
    let get = |k: &str| params.iter().find(|(p, _)| p == k).map(|(_, v)| v.clone());
    Some(Challenge { realm: get("realm")?, service: get("service"), scope: get("scope") })
}

/// Asks the token service for a token answering `c`.
pub(super) async fn fetch(
    http: &reqwest::Client,
    registry: &url::Url,
    auth: &Auth,
    c: &Challenge,
) -> Result<String, RemoteError> {
    let what = format!("a token from {}", c.realm);
    let bad = |why: String| RemoteError::Bad { kind: KIND, what: what.clone(), why };
    let mut realm = url::Url::parse(&c.realm).map_err(|e| bad(format!("the realm is not a URL: {e}")))?;
    let plain_ok = registry.scheme() == "http";
    if !(realm.scheme() == "https" || realm.scheme() == "http" && plain_ok) {
        return Err(bad("the token service must be reached over HTTPS".into()));
    }
    let mut params: Vec<(&str, String)> = Vec::new();
    params.extend(c.service.clone().map(|s| ("service", s)));
    params.extend(c.scope.clone().map(|s| ("scope", s)));
    let req = match auth {
        Auth::Bearer(refresh) => {
            params.extend([
                ("grant_type", "refresh_token".into()),
                ("refresh_token", refresh.clone()),
                ("client_id", "pedigree".into()),
            ]);
            let body: String = url::form_urlencoded::Serializer::new(String::new())
                .extend_pairs(params.iter().map(|(k, v)| (*k, v.as_str())))
                .finish();
            http.post(realm).header(reqwest::header::CONTENT_TYPE, "application/x-www-form-urlencoded").body(body)
        }
        _ => {
            realm.query_pairs_mut().extend_pairs(params.iter().map(|(k, v)| (*k, v.as_str())));
            match auth {
                Auth::Basic { user, password } => http.get(realm).basic_auth(user, Some(password)),
                _ => http.get(realm),
            }
        }
    };
    let resp =
        req.send().await.map_err(|e| RemoteError::Unreachable { kind: KIND, url: c.realm.clone(), why: root_cause(&e) })?;
    let status = resp.status().as_u16();
    if status == 401 || status == 403 {
        let hint = "the token service refused the credentials: check the user and password (or token) sealed with the remote";
        return Err(RemoteError::Unauthorized { kind: KIND, url: c.realm.clone(), status, hint });
    }
    if !resp.status().is_success() {
        return Err(RemoteError::Http {
            kind: KIND,
            what,
            status,
            code: String::new(),
            message: "the token service failed".into(),
        });
    }
    let body = read_capped(resp, 1 << 20).await.map_err(bad)?;
    let v: serde_json::Value = serde_json::from_slice(&body).map_err(|e| bad(format!("not JSON: {e}")))?;
    let token = v["token"].as_str().or_else(|| v["access_token"].as_str()).unwrap_or_default();
    if token.is_empty() || token.len() > 16 << 10 || !token.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(bad("no usable token in the answer".into()));
    }
    Ok(token.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn challenges_are_parsed_with_quoted_commas() {
        let c = challenge(
            r#"Bearer realm="https://auth.example/token",service="registry.example",scope="repository:team/m:pull,push""#,
        )
        .unwrap();
        assert_eq!(c.realm, "https://auth.example/token");
        assert_eq!(c.service.as_deref(), Some("registry.example"));
        assert_eq!(c.scope.as_deref(), Some("repository:team/m:pull,push"));
        assert_eq!(challenge(r#"Basic realm="x""#), None);
        assert_eq!(challenge("Bearer service=x"), None, "no realm");
    }
}
