//! Who may talk to `pedigree serve`. Loopback is not a security boundary: any web page the user
//! visits can send requests to 127.0.0.1 (cross-site "simple" requests need no preflight) and,
//! through DNS rebinding, read the answers. Every request — UI assets, API, SSE, uploads, report
//! downloads — passes these checks, in this order:
//!
//! 1. **Host** (421): the `Host` header names this server: `127.0.0.1:PORT`, `localhost:PORT`,
//!    `[::1]:PORT`; beyond loopback also the bound address, the machine's interface addresses and
//!    the host of `--public-url`. A rebinding page's `Host: evil.example:PORT` stops here.
//! 2. **Origin** (403): an `Origin` that is not one of this server's own origins, or
//!    `Sec-Fetch-Site: cross-site`/`same-site`, is refused. Requests with neither (curl, scripts)
//!    are judged by the secret alone.
//! 3. **Secret** (401): a random token per launch, even on loopback. The printed URL carries it
//!    once (`/?token=…`); opening it sets an HttpOnly, `SameSite=Strict` cookie and redirects to
//!    the clean URL, so the token leaves the address bar and EventSource, downloads and iframes
//!    (which cannot send headers) still authenticate. Scripts send `Authorization: Bearer …`.
//!    A token in a query string is accepted only by that landing exchange, never by the API.
//! 4. **Content type** (415): `POST /api/<op>` needs `Content-Type: application/json`, which a
//!    cross-site form or `no-cors` fetch cannot send without a preflight (uploads carry raw bytes).
//!
//! The token is compared in constant time and never written to a log or an audit event.

use std::collections::BTreeSet;
use std::net::IpAddr;

use axum::Json;
use axum::http::{HeaderMap, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};

use crate::api::{ApiError, ErrorCode};

/// The shortest token `--token` accepts.
pub const MIN_TOKEN_LEN: usize = 16;

/// The checks, built once per launch.
#[derive(Debug, Clone)]
pub struct Guard {
    /// Accepted `Host` values, lower case (`host:port`, and `host` alone for a default port).
    hosts: BTreeSet<String>,
    /// Accepted `Origin` values (`scheme://host[:port]`, as browsers serialise them).
    origins: BTreeSet<String>,
    port: u16,
    token: String,
    cookie: String,
    secure_cookie: bool,
}

/// What the request may do once the checks pass.
#[derive(Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Go on to the handler.
    Pass,
    /// A landing with the right `?token=`: set the cookie and redirect to this clean URL.
    Land { clean: String },
}

/// A refused request: its status and the one-line reason shown to the user.
#[derive(Debug, PartialEq, Eq)]
pub struct Refusal {
    pub status: StatusCode,
    pub message: String,
    /// A browser page load (not an API call): answered with a short HTML page.
    pub page: bool,
}

impl Guard {
    /// Allowed hosts for a server bound to `bind:port` (the port actually bound), reached also as
    /// `public_url` when given. `interfaces` are the machine's own addresses (used beyond loopback).
    pub fn new(bind: IpAddr, port: u16, public_url: Option<&url::Url>, interfaces: &[IpAddr], token: String) -> Guard {
        let mut g = Guard {
            hosts: BTreeSet::new(),
            origins: BTreeSet::new(),
            port,
            token,
            cookie: format!("pedigree-{port}"),
            secure_cookie: public_url.is_some_and(|u| u.scheme() == "https"),
        };
        for host in ["127.0.0.1", "localhost", "[::1]"] {
            g.allow("http", host, port);
        }
        if !bind.is_loopback() {
            let mut addrs: Vec<IpAddr> = interfaces.to_vec();
            if !bind.is_unspecified() {
                addrs.push(bind);
            }
            for ip in addrs {
                g.allow("http", &host_of(ip), port);
            }
        }
        if let Some(u) = public_url
            && let (Some(host), Some(p)) = (u.host_str(), u.port_or_known_default())
        {
            g.allow(u.scheme(), &host.to_ascii_lowercase(), p);
        }
        g
    }

    fn allow(&mut self, scheme: &str, host: &str, port: u16) {
        let default = matches!((scheme, port), ("http", 80) | ("https", 443));
        self.hosts.insert(format!("{host}:{port}"));
        if default {
            self.hosts.insert(host.to_string());
            self.origins.insert(format!("{scheme}://{host}"));
        } else {
            self.origins.insert(format!("{scheme}://{host}:{port}"));
        }
    }

    /// The cookie that carries the session (named per port: cookies do not separate ports).
    pub fn set_cookie(&self) -> String {
        let secure = if self.secure_cookie { "; Secure" } else { "" };
        format!("{}={}; Path=/; HttpOnly; SameSite=Strict{secure}", self.cookie, self.token)
    }

    /// Runs the four checks on a request's method, URI and headers.
    pub fn check(&self, method: &Method, uri: &Uri, headers: &HeaderMap) -> Result<Verdict, Refusal> {
        let api = uri.path() == "/api" || uri.path().starts_with("/api/");
        let refuse = |status: StatusCode, message: String| Err(Refusal { status, message, page: !api });

        // 1. Host.
        let host = headers.get(header::HOST).and_then(|h| h.to_str().ok()).map(str::to_string);
        let host = host.or_else(|| uri.authority().map(|a| a.to_string())).unwrap_or_default().to_ascii_lowercase();
        if !self.hosts.contains(&host) {
            return refuse(
                StatusCode::MISDIRECTED_REQUEST,
                format!(
                    "wrong host {host:?}: open Pedigree at http://127.0.0.1:{}/ \
                     (to reach it through a proxy or another name, start it with --public-url)",
                    self.port
                ),
            );
        }

        // 2. Origin.
        if let Some(origin) = headers.get(header::ORIGIN) {
            let origin = origin.to_str().unwrap_or("").to_ascii_lowercase();
            if !self.origins.contains(&origin) {
                return refuse(StatusCode::FORBIDDEN, format!("requests from other web pages are refused (origin {origin:?})"));
            }
        }
        let site = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok()).unwrap_or("");
        if site.eq_ignore_ascii_case("cross-site") || site.eq_ignore_ascii_case("same-site") {
            return refuse(StatusCode::FORBIDDEN, format!("requests from other web pages are refused (Sec-Fetch-Site: {site})"));
        }

        // 3. Secret.
        let session = self.bearer(headers) || self.cookie_of(headers);
        let landing = *method == Method::GET && !api && query_token(uri).is_some_and(|t| same_secret(&t, &self.token));
        if landing {
            return Ok(Verdict::Land { clean: without_token(uri) });
        }
        if !session {
            let message = if api {
                "no session: open the link `pedigree serve` printed (it carries this launch's secret), \
                 or send Authorization: Bearer TOKEN"
            } else {
                "open the link `pedigree serve` printed in its terminal: it carries this launch's secret"
            };
            return refuse(StatusCode::UNAUTHORIZED, message.to_string());
        }

        // 4. Content type.
        if api && *method == Method::POST && uri.path() != "/api/upload" && !is_json(headers) {
            return refuse(StatusCode::UNSUPPORTED_MEDIA_TYPE, "API calls need Content-Type: application/json".to_string());
        }
        Ok(Verdict::Pass)
    }

    fn bearer(&self, headers: &HeaderMap) -> bool {
        headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .is_some_and(|t| same_secret(t.trim(), &self.token))
    }

    fn cookie_of(&self, headers: &HeaderMap) -> bool {
        headers
            .get_all(header::COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(';'))
            .filter_map(|kv| kv.trim().split_once('='))
            .any(|(k, v)| k == self.cookie && same_secret(v, &self.token))
    }
}

impl Refusal {
    /// The answer: JSON `{code, message}` for API calls, a small page for page loads.
    pub fn into_response(self) -> Response {
        if self.page {
            let body = format!(
                "<!doctype html><meta charset=utf-8><title>Pedigree — open it from its link</title>\
                 <body style=\"font:16px/1.5 system-ui,sans-serif;max-width:40rem;margin:4rem auto;padding:0 1rem;color:#1f2933\">\
                 <h1 style=\"font-size:1.4rem\">Pedigree did not open this page</h1><p>Why: {}.</p>\
                 <p>Each start of <code>pedigree serve</code> makes a new secret, so after a restart open the new \
                 link it printed. Other web pages cannot reach this server, on purpose.</p></body>",
                crate::report::svg::escape(&self.message)
            );
            let headers = [(header::CONTENT_TYPE, "text/html; charset=utf-8"), (header::CONTENT_SECURITY_POLICY, super::CSP)];
            return (self.status, headers, body).into_response();
        }
        (self.status, Json(ApiError::new(ErrorCode::Denied, self.message))).into_response()
    }
}

/// `host` as it appears in a `Host` header (IPv6 in brackets).
fn host_of(ip: IpAddr) -> String {
    match ip {
        IpAddr::V4(v4) => v4.to_string(),
        IpAddr::V6(v6) => format!("[{v6}]"),
    }
}

fn query_token(uri: &Uri) -> Option<String> {
    url::form_urlencoded::parse(uri.query()?.as_bytes()).find(|(k, _)| k == "token").map(|(_, v)| v.into_owned())
}

/// The request's path and query without `token=…` (where the landing redirects to).
fn without_token(uri: &Uri) -> String {
    let rest: Vec<(String, String)> = url::form_urlencoded::parse(uri.query().unwrap_or("").as_bytes())
        .filter(|(k, _)| k != "token")
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    if rest.is_empty() {
        return uri.path().to_string();
    }
    let q = url::form_urlencoded::Serializer::new(String::new()).extend_pairs(rest).finish();
    format!("{}?{q}", uri.path())
}

fn is_json(headers: &HeaderMap) -> bool {
    let ct = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
    ct.split(';').next().unwrap_or("").trim().eq_ignore_ascii_case("application/json")
}

/// Equality that takes the same time wherever the first difference is.
fn same_secret(given: &str, want: &str) -> bool {
    let (a, b) = (given.as_bytes(), want.as_bytes());
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn guard() -> Guard {
        Guard::new(IpAddr::from([127, 0, 0, 1]), 8765, None, &[], "t0k3n-t0k3n-t0k3n".to_string())
    }

    fn req(pairs: &[(&str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.append(axum::http::HeaderName::from_bytes(k.as_bytes()).unwrap(), v.parse().unwrap());
        }
        h
    }

    fn status(g: &Guard, method: Method, uri: &str, h: &[(&str, &str)]) -> StatusCode {
        match g.check(&method, &uri.parse().unwrap(), &req(h)) {
            Ok(Verdict::Pass) => StatusCode::OK,
            Ok(Verdict::Land { .. }) => StatusCode::SEE_OTHER,
            Err(r) => r.status,
        }
    }

    #[test]
    fn checks_run_in_order_host_origin_secret_content_type() {
        let g = guard();
        let ok =
            [("host", "127.0.0.1:8765"), ("authorization", "Bearer t0k3n-t0k3n-t0k3n"), ("content-type", "application/json")];
        assert_eq!(status(&g, Method::POST, "/api/x", &ok), StatusCode::OK);
        // A wrong host wins over everything else.
        let h = [("host", "evil.example:8765"), ("origin", "http://evil.example:8765"), ("content-type", "text/plain")];
        assert_eq!(status(&g, Method::POST, "/api/x", &h), StatusCode::MISDIRECTED_REQUEST);
        let h = [("host", "localhost:8765"), ("origin", "http://evil.example"), ("authorization", "Bearer t0k3n-t0k3n-t0k3n")];
        assert_eq!(status(&g, Method::POST, "/api/x", &h), StatusCode::FORBIDDEN);
        let h = [("host", "[::1]:8765"), ("content-type", "text/plain")];
        assert_eq!(status(&g, Method::POST, "/api/x", &h), StatusCode::UNAUTHORIZED);
        let h = [("host", "127.0.0.1:8765"), ("authorization", "Bearer t0k3n-t0k3n-t0k3n"), ("content-type", "text/plain")];
        assert_eq!(status(&g, Method::POST, "/api/x", &h), StatusCode::UNSUPPORTED_MEDIA_TYPE);
        let h = [("host", "127.0.0.1:8765"), ("authorization", "Bearer t0k3n-t0k3n-t0k3n")];
        assert_eq!(status(&g, Method::POST, "/api/upload?batch=b&path=p", &h), StatusCode::OK, "uploads carry raw bytes");
    }

    #[test]
    fn own_origin_and_same_origin_fetches_pass() {
        let g = guard();
        for origin in ["http://127.0.0.1:8765", "http://localhost:8765", "http://[::1]:8765"] {
            let h = [
                ("host", "127.0.0.1:8765"),
                ("origin", origin),
                ("cookie", "a=b; pedigree-8765=t0k3n-t0k3n-t0k3n"),
                ("content-type", "application/json; charset=utf-8"),
            ];
            assert_eq!(status(&g, Method::POST, "/api/x", &h), StatusCode::OK, "{origin}");
        }
        for site in ["cross-site", "same-site"] {
            let h = [("host", "127.0.0.1:8765"), ("sec-fetch-site", site), ("cookie", "pedigree-8765=t0k3n-t0k3n-t0k3n")];
            assert_eq!(status(&g, Method::GET, "/api/events", &h), StatusCode::FORBIDDEN, "{site}");
        }
        let h = [("host", "127.0.0.1:8765"), ("origin", "null"), ("cookie", "pedigree-8765=t0k3n-t0k3n-t0k3n")];
        assert_eq!(status(&g, Method::GET, "/", &h), StatusCode::FORBIDDEN, "opaque origins are foreign");
        let h = [("host", "127.0.0.1:8765"), ("cookie", "pedigree-9999=t0k3n-t0k3n-t0k3n")];
        assert_eq!(status(&g, Method::GET, "/", &h), StatusCode::UNAUTHORIZED, "another port's cookie");
    }

    #[test]
    fn the_query_token_only_lands_a_page_load() {
        let g = guard();
        let h = [("host", "127.0.0.1:8765"), ("sec-fetch-site", "none")];
        let v = g.check(&Method::GET, &"/?token=t0k3n-t0k3n-t0k3n&x=1".parse().unwrap(), &req(&h)).unwrap();
        assert_eq!(v, Verdict::Land { clean: "/?x=1".to_string() });
        assert_eq!(status(&g, Method::GET, "/?token=wrong", &h), StatusCode::UNAUTHORIZED);
        assert_eq!(status(&g, Method::GET, "/api/events?token=t0k3n-t0k3n-t0k3n", &h), StatusCode::UNAUTHORIZED);
        assert_eq!(status(&g, Method::POST, "/?token=t0k3n-t0k3n-t0k3n", &h), StatusCode::UNAUTHORIZED);
        assert!(g.set_cookie().contains("HttpOnly; SameSite=Strict"));
    }

    #[test]
    fn beyond_loopback_the_bound_interface_and_public_hosts_are_allowed() {
        let public = url::Url::parse("https://models.example.com/pedigree").unwrap();
        let lan = IpAddr::from([192, 168, 1, 7]);
        let g = Guard::new(IpAddr::from([0, 0, 0, 0]), 8765, Some(&public), &[lan], "t0k3n-t0k3n-t0k3n".into());
        for host in ["192.168.1.7:8765", "models.example.com", "models.example.com:443", "localhost:8765"] {
            let h = [("host", host), ("authorization", "Bearer t0k3n-t0k3n-t0k3n")];
            assert_eq!(status(&g, Method::GET, "/", &h), StatusCode::OK, "{host}");
        }
        let h = [("host", "0.0.0.0:8765"), ("authorization", "Bearer t0k3n-t0k3n-t0k3n")];
        assert_eq!(status(&g, Method::GET, "/", &h), StatusCode::MISDIRECTED_REQUEST);
        let h = [
            ("host", "models.example.com"),
            ("origin", "https://models.example.com"),
            ("authorization", "Bearer t0k3n-t0k3n-t0k3n"),
        ];
        assert_eq!(status(&g, Method::GET, "/", &h), StatusCode::OK);
        assert!(g.set_cookie().ends_with("; Secure"));
        let g = guard();
        let h = [("host", "192.168.1.7:8765"), ("authorization", "Bearer t0k3n-t0k3n-t0k3n")];
        assert_eq!(
            status(&g, Method::GET, "/", &h),
            StatusCode::MISDIRECTED_REQUEST,
            "loopback binds answer only loopback names"
        );
    }
}
