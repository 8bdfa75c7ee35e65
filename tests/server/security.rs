//! Other web pages cannot use `pedigree serve`: wrong Host (DNS rebinding), foreign Origin,
//! `Sec-Fetch-Site`, missing or wrong secret, non-JSON API calls, uploads beyond the disk — each
//! refused with nothing written. Every request goes over real HTTP to a real server.

use std::io::{Read, Write};
use std::net::TcpStream;

use super::{Ws, raw, start, start_with};

/// Every table's row count and the audit head: equal before and after means nothing was written.
fn everything(w: &Ws) -> String {
    let c = w.catalog();
    let mut tables: Vec<String> = c
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    tables.retain(|t| !t.starts_with("sqlite_"));
    let mut out = w.snapshot();
    for t in tables {
        let n: i64 = c.query_row(&format!("SELECT COUNT(*) FROM \"{t}\""), [], |r| r.get(0)).unwrap();
        out.push_str(&format!(" {t}={n}"));
    }
    out
}

/// Files under the workspace's uploads/ folder.
fn uploaded(w: &Ws) -> Vec<String> {
    walk(&w.path().join("uploads"))
}

fn walk(dir: &std::path::Path) -> Vec<String> {
    let Ok(rd) = std::fs::read_dir(dir) else { return Vec::new() };
    let mut out = Vec::new();
    for e in rd.flatten() {
        if e.file_type().unwrap().is_dir() {
            out.extend(walk(&e.path()));
        } else {
            out.push(e.path().display().to_string());
        }
    }
    out
}

/// The write operations a hostile page would aim at, with plausible bodies.
fn writes(w: &Ws) -> Vec<(&'static str, String)> {
    let model = w.write("secret/model.safetensors", &super::fixtures::safetensors(&[("w", "F32", &[2])], &[]));
    vec![
        ("set_environment", r#"{"name":"evil","production":false}"#.to_string()),
        (
            "register_version",
            serde_json::json!({"paths": [model], "model": "stolen", "parents": [], "trainedOn": [], "params": {}, "metrics": {}, "message": ""})
                .to_string(),
        ),
        ("store_add", r#"{"name":"exfil","uri":"file:///"}"#.to_string()),
        ("approve_version", r#"{"reference":"m@1.0.0","role":"validator","decision":"approved","justification":"x"}"#.to_string()),
        ("deploy_version", r#"{"reference":"m@1.0.0","env":"prod","strategy":"full","traffic":100,"reason":"x"}"#.to_string()),
        ("erase_subject", r#"{"dataset":"d@1","subjectHash":"00","reason":"x"}"#.to_string()),
    ]
}

#[test]
fn requests_from_other_web_pages_are_refused_and_write_nothing() {
    let w = Ws::new();
    let s = start(&w, &[]);
    let before = everything(&w);
    let host = s.addr.clone();
    let evil_host = format!("evil.example:{}", s.port);
    let bearer = format!("Bearer {}", s.token);
    let wrong = "Bearer 0123456789abcdef0123456789abcdef".to_string();
    let cookie = format!("pedigree-{}={}", s.port, s.token);
    let token_query = format!("?token={}", s.token);

    // (what the request carries, the status it must get)
    let variants: Vec<(&str, Vec<(&str, &str)>, &str, u16)> = vec![
        // The issue's first request: a "simple" cross-site POST (no preflight), no secret.
        (
            "cross-site text/plain",
            vec![("Host", &host), ("Origin", "http://evil.example"), ("Content-Type", "text/plain")],
            "",
            403,
        ),
        // Even a page that somehow had the secret is refused for its origin.
        (
            "cross-site JSON with the token",
            vec![
                ("Host", &host),
                ("Origin", "http://evil.example"),
                ("Content-Type", "application/json"),
                ("Authorization", &bearer),
            ],
            "",
            403,
        ),
        (
            "another local port's page",
            vec![("Host", &host), ("Origin", "http://127.0.0.1:1"), ("Content-Type", "application/json"), ("Cookie", &cookie)],
            "",
            403,
        ),
        (
            "Sec-Fetch-Site: cross-site",
            vec![("Host", &host), ("Sec-Fetch-Site", "cross-site"), ("Content-Type", "application/json"), ("Cookie", &cookie)],
            "",
            403,
        ),
        (
            "Sec-Fetch-Site: same-site",
            vec![("Host", &host), ("Sec-Fetch-Site", "same-site"), ("Content-Type", "application/json"), ("Cookie", &cookie)],
            "",
            403,
        ),
        // The issue's second request: DNS rebinding (the page's own origin, a foreign Host).
        ("wrong Host", vec![("Host", &evil_host), ("Content-Type", "application/json"), ("Authorization", &bearer)], "", 421),
        ("rebound page", vec![("Host", &evil_host), ("Origin", "http://evil.example"), ("Content-Type", "text/plain")], "", 421),
        ("no Host", vec![("Content-Type", "application/json"), ("Authorization", &bearer)], "", 421),
        ("JSON without a secret", vec![("Host", &host), ("Content-Type", "application/json")], "", 401),
        ("wrong token", vec![("Host", &host), ("Content-Type", "application/json"), ("Authorization", &wrong)], "", 401),
        ("wrong cookie", vec![("Host", &host), ("Content-Type", "application/json"), ("Cookie", "pedigree-1=x")], "", 401),
        (
            "token in the query from a foreign origin",
            vec![("Host", &host), ("Origin", "http://evil.example"), ("Content-Type", "text/plain")],
            &token_query,
            403,
        ),
        ("token in the query of an API call", vec![("Host", &host), ("Content-Type", "application/json")], &token_query, 401),
        ("text/plain with the token", vec![("Host", &host), ("Content-Type", "text/plain"), ("Authorization", &bearer)], "", 415),
        (
            "form post with the cookie",
            vec![("Host", &host), ("Content-Type", "application/x-www-form-urlencoded"), ("Cookie", &cookie)],
            "",
            415,
        ),
    ];
    for (op, body) in writes(&w) {
        for (what, headers, query, want) in &variants {
            let a = raw(&s, "POST", &format!("/api/{op}{query}"), headers, body.as_bytes());
            assert_eq!(a.status, *want, "{op}, {what}: {}", a.text());
            let err: serde_json::Value = serde_json::from_slice(&a.body).unwrap_or_else(|e| panic!("{what}: {e}: {}", a.text()));
            assert_eq!(err["code"], "denied", "{what}");
            assert!(!a.text().contains(&s.token), "{what}: the answer echoes the token");
        }
    }
    // Reads, streams, downloads, uploads and the UI itself are guarded the same way.
    let gets: Vec<(&str, Vec<(&str, &str)>, u16)> = vec![
        ("/api/events", vec![("Host", &evil_host), ("Authorization", &bearer)], 421),
        ("/api/events", vec![("Host", &host)], 401),
        ("/api/events", vec![("Host", &host), ("Sec-Fetch-Site", "cross-site"), ("Cookie", &cookie)], 403),
        ("/api/reports/r/report.json", vec![("Host", &host)], 401),
        ("/", vec![("Host", &evil_host), ("Cookie", &cookie)], 421),
        ("/", vec![("Host", &host)], 401),
        ("/index.html", vec![("Host", &host), ("Origin", "null"), ("Cookie", &cookie)], 403),
    ];
    for (path, headers, want) in &gets {
        assert_eq!(raw(&s, "GET", path, headers, b"").status, *want, "GET {path} {headers:?}");
    }
    let landing = format!("/{token_query}");
    let a = raw(&s, "GET", &landing, &[("Host", &host), ("Sec-Fetch-Site", "cross-site")], b"");
    assert_eq!(a.status, 403, "a foreign page cannot plant the session cookie");
    assert!(a.header("set-cookie").is_none());
    let upload = "/api/upload?batch=b1&path=x.bin";
    assert_eq!(raw(&s, "POST", upload, &[("Host", &host)], b"payload").status, 401);
    assert_eq!(
        raw(&s, "POST", upload, &[("Host", &host), ("Origin", "http://evil.example"), ("Authorization", &bearer)], b"payload")
            .status,
        403
    );
    assert_eq!(raw(&s, "POST", upload, &[("Host", &evil_host), ("Authorization", &bearer)], b"payload").status, 421);

    assert_eq!(everything(&w), before, "a refused request changed the catalog");
    assert!(uploaded(&w).is_empty(), "a refused upload left files: {:?}", uploaded(&w));

    // The same write, from the server's own page, goes through (so the checks above can fail).
    let a = raw(
        &s,
        "POST",
        "/api/set_environment",
        &[
            ("Host", &host),
            ("Origin", &format!("http://{host}")),
            ("Sec-Fetch-Site", "same-origin"),
            ("Content-Type", "application/json"),
            ("Cookie", &cookie),
        ],
        br#"{"name":"staging","production":false}"#,
    );
    assert_eq!(a.status, 200, "{}", a.text());
    assert_ne!(everything(&w), before);
    let log = String::from_utf8(w.run(&["audit", "log", "--json"]).stdout).unwrap();
    assert!(log.contains("staging") && !log.contains(&s.token), "the audit log names the change, never the token");
}

#[test]
fn the_printed_link_sets_a_session_cookie_and_lands_on_the_clean_url() {
    let w = Ws::new();
    let s = start(&w, &[]);
    assert!(s.url.starts_with(&format!("http://127.0.0.1:{}/?token=", s.port)), "{}", s.url);
    assert_eq!(s.token.len(), 32, "a random 128-bit token per launch, even on loopback");
    let host = s.addr.clone();
    let a = raw(&s, "GET", &format!("/?token={}", s.token), &[("Host", &host), ("Sec-Fetch-Site", "none")], b"");
    assert_eq!(a.status, 303, "{}", a.head);
    assert_eq!(a.header("location"), Some("/"));
    let cookie = a.header("set-cookie").expect("a session cookie").to_string();
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"), "{cookie}");
    let pair = cookie.split(';').next().unwrap().to_string();
    assert_eq!(pair, format!("pedigree-{}={}", s.port, s.token));

    // The cookie alone opens the UI, the event stream and API calls (what the browser sends).
    let page = raw(&s, "GET", "/", &[("Host", &host), ("Cookie", &pair), ("Sec-Fetch-Site", "none")], b"");
    assert_eq!(page.status, 200);
    let own = format!("http://{host}");
    let call = raw(
        &s,
        "POST",
        "/api/workspace_info",
        &[("Host", &host), ("Origin", &own), ("Content-Type", "application/json"), ("Cookie", &pair)],
        b"{}",
    );
    assert_eq!(call.status, 200, "{}", call.text());
    let mut sse = TcpStream::connect(&s.addr).unwrap();
    write!(sse, "GET /api/events HTTP/1.1\r\nHost: {host}\r\nCookie: {pair}\r\nSec-Fetch-Site: same-origin\r\n\r\n").unwrap();
    let mut buf = [0u8; 512];
    let n = sse.read(&mut buf).unwrap();
    let head = String::from_utf8_lossy(&buf[..n]).to_ascii_lowercase();
    assert!(head.starts_with("http/1.1 200") && head.contains("text/event-stream"), "{head}");

    // Without it, a page load gets a page that says what to do; a wrong token sets nothing.
    let bare = raw(&s, "GET", "/", &[("Host", &host)], b"");
    assert_eq!(bare.status, 401);
    assert!(bare.text().contains("open the link `pedigree serve` printed"), "{}", bare.text());
    let wrong = raw(&s, "GET", "/?token=0123456789abcdef0123456789abcdef", &[("Host", &host)], b"");
    assert_eq!(wrong.status, 401);
    assert!(wrong.header("set-cookie").is_none());
    // Each launch has its own secret: the old cookie does not open a new server.
    let old_token = s.token.clone();
    drop(s);
    let s2 = start(&w, &[]);
    let old = format!("pedigree-{}={old_token}", s2.port);
    let host2 = s2.addr.clone();
    assert_eq!(raw(&s2, "GET", "/", &[("Host", &host2), ("Cookie", &old)], b"").status, 401);
}

#[test]
fn scripts_name_the_token_and_a_public_url_widens_the_hosts() {
    let w = Ws::new();
    let short = w.run(&["serve", "--port", "0", "--token", "short"]);
    assert!(!short.status.success());
    assert!(super::common::stderr(&short).contains("at least 16"), "{}", super::common::stderr(&short));
    let odd = w.run(&["serve", "--port", "0", "--token", "0123456789abcdef;x"]);
    assert!(!odd.status.success(), "a token that cannot travel in a cookie or URL is refused");

    let token = "a-script-token-of-32-characters_";
    let s = start_with(&w, &["--public-url", "http://models.test:9000/"], &[("PEDIGREE_TOKEN", token)]);
    assert_eq!(s.token, token, "the printed URL carries the given token");
    assert!(s.url.starts_with("http://models.test:9000/?token="), "{}", s.url);
    let bearer = format!("Bearer {token}");
    let via_proxy = [
        ("Host", "models.test:9000"),
        ("Origin", "http://models.test:9000"),
        ("Content-Type", "application/json"),
        ("Authorization", &bearer),
    ];
    assert_eq!(raw(&s, "POST", "/api/workspace_info", &via_proxy, b"{}").status, 200);
    let loopback = [("Host", s.addr.as_str()), ("Content-Type", "application/json"), ("Authorization", &bearer)];
    assert_eq!(raw(&s, "POST", "/api/workspace_info", &loopback, b"{}").status, 200);
    let other = [("Host", "models.test:9001"), ("Content-Type", "application/json"), ("Authorization", &bearer)];
    assert_eq!(raw(&s, "POST", "/api/workspace_info", &other, b"{}").status, 421);
}

#[test]
fn binding_beyond_loopback_accepts_the_machines_addresses_only() {
    let w = Ws::new();
    let s = start(&w, &["--bind", "0.0.0.0"]);
    let bearer = format!("Bearer {}", s.token);
    let ok = raw(
        &s,
        "POST",
        "/api/workspace_info",
        &[("Host", &s.addr), ("Content-Type", "application/json"), ("Authorization", &bearer)],
        b"{}",
    );
    assert_eq!(ok.status, 200, "{}", ok.text());
    let wildcard = format!("0.0.0.0:{}", s.port);
    let a = raw(
        &s,
        "POST",
        "/api/workspace_info",
        &[("Host", &wildcard), ("Content-Type", "application/json"), ("Authorization", &bearer)],
        b"{}",
    );
    assert_eq!(a.status, 421);
    let a = raw(&s, "POST", "/api/workspace_info", &[("Host", &s.addr), ("Content-Type", "application/json")], b"{}");
    assert_eq!(a.status, 401);
}

/// Free space the server believes it has: the reserve plus 2 MiB, so the cap is 1 MiB.
const FREE: u64 = (256 << 20) + (2 << 20);

#[test]
fn uploads_are_capped_by_free_disk_and_never_left_half_written() {
    let w = Ws::new();
    let s = start_with(&w, &[], &[("PEDIGREE_TEST_FREE_BYTES", &FREE.to_string())]);
    let bearer = format!("Bearer {}", s.token);
    let host = s.addr.clone();
    let auth = [("Host", host.as_str()), ("Authorization", bearer.as_str())];

    // Declared too big: refused from the Content-Length alone, before a byte of the body is read
    // (so the client sends only the head here: the answer must not wait for the body).
    let mut c = TcpStream::connect(&s.addr).unwrap();
    write!(c, "POST /api/upload?batch=b1&path=big.bin HTTP/1.1\r\nHost: {host}\r\nAuthorization: {bearer}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n", 3 << 20).unwrap();
    c.set_read_timeout(Some(std::time::Duration::from_secs(10))).unwrap();
    let mut got = Vec::new();
    let mut buf = vec![0u8; 4096];
    while let Ok(n) = c.read(&mut buf) {
        if n == 0 {
            break;
        }
        got.extend_from_slice(&buf[..n]);
        if got.windows(4).any(|w| w == b"free") {
            break;
        }
    }
    let answer = String::from_utf8_lossy(&got).to_string();
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
    assert!(answer.contains("needs 262.0 MiB of free disk"), "{answer}");
    assert!(answer.contains("258.0 MiB free"), "names what is free: {answer}");
    drop(c);

    // Streamed without a length (chunked): stopped at the cap, the partial file removed.
    let mut c = TcpStream::connect(&s.addr).unwrap();
    write!(c, "POST /api/upload?batch=b2&path=streamed.bin HTTP/1.1\r\nHost: {host}\r\nAuthorization: {bearer}\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n").unwrap();
    // The answer is read while the body is still being sent: the server answers at the cap and
    // closes, and a reset after that must not lose the answer.
    let mut r = c.try_clone().unwrap();
    let reader = std::thread::spawn(move || {
        let mut got = Vec::new();
        let mut buf = [0u8; 4096];
        while let Ok(n) = r.read(&mut buf) {
            if n == 0 {
                break;
            }
            got.extend_from_slice(&buf[..n]);
        }
        String::from_utf8_lossy(&got).to_string()
    });
    let chunk = vec![1u8; 64 << 10];
    for _ in 0..40 {
        if write!(c, "{:x}\r\n", chunk.len()).is_err() || c.write_all(&chunk).is_err() || c.write_all(b"\r\n").is_err() {
            break;
        }
    }
    let _ = c.write_all(b"0\r\n\r\n");
    let answer = reader.join().unwrap();
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");

    // Interrupted mid-body: the connection drops, nothing stays.
    let mut c = TcpStream::connect(&s.addr).unwrap();
    write!(c, "POST /api/upload?batch=b3&path=cut.bin HTTP/1.1\r\nHost: {host}\r\nAuthorization: {bearer}\r\nContent-Length: 100000\r\n\r\n").unwrap();
    c.write_all(&[2u8; 30_000]).unwrap();
    drop(c);
    wait_until_no_parts(&w);
    assert!(uploaded(&w).is_empty(), "left behind: {:?}", uploaded(&w));

    // Within the cap: stored under its name.
    let a = raw(&s, "POST", "/api/upload?batch=b4&path=ok.bin", &auth, &[3u8; 100_000]);
    assert_eq!(a.status, 200, "{}", a.text());
    let files = uploaded(&w);
    assert_eq!(files.len(), 1, "{files:?}");
    assert!(files[0].ends_with("b4/ok.bin"));
}

fn wait_until_no_parts(w: &Ws) {
    for _ in 0..50 {
        if uploaded(w).is_empty() {
            return;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
}
