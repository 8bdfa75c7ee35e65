//! `pedigree serve` over real HTTP: operations, errors, progress events, uploads, tokens.

#[path = "../common/mod.rs"]
mod common;
#[path = "../common/fixtures.rs"]
mod fixtures;

use std::io::{Read, Write};
use std::net::TcpStream;

use common::Ws;

mod history;
mod security;
#[path = "../common/server.rs"]
mod server_peer;
pub use server_peer::{Server, start, start_with};

/// An HTTP answer: status, head (lower-cased header lines) and body.
pub struct Answer {
    pub status: u16,
    pub head: String,
    pub body: Vec<u8>,
}

impl Answer {
    pub fn header(&self, name: &str) -> Option<&str> {
        let name = format!("{}:", name.to_ascii_lowercase());
        self.head.lines().find(|l| l.to_ascii_lowercase().starts_with(&name)).map(|l| l[name.len()..].trim())
    }
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).to_string()
    }
}

/// One HTTP/1.1 request with exactly the given headers (plus Content-Length and Connection).
pub fn raw(s: &Server, method: &str, path: &str, headers: &[(&str, &str)], body: &[u8]) -> Answer {
    let mut stream = TcpStream::connect(&s.addr).unwrap();
    let mut req = format!("{method} {path} HTTP/1.1\r\n");
    for (k, v) in headers {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    req.push_str(&format!("Content-Length: {}\r\nConnection: close\r\n\r\n", body.len()));
    stream.write_all(req.as_bytes()).unwrap();
    // A server may answer (e.g. 413) and close before reading the whole body: what it answered
    // is what counts, so a failed body write or a reset after the answer is not an error here.
    let _ = stream.write_all(body);
    let mut raw = Vec::new();
    let mut buf = [0u8; 8192];
    loop {
        match stream.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => raw.extend_from_slice(&buf[..n]),
            Err(e) if !raw.is_empty() => {
                eprintln!("(connection ended with {e} after the answer)");
                break;
            }
            Err(e) => panic!("no answer to {method} {path}: {e}"),
        }
    }
    let split = raw.windows(4).position(|w| w == b"\r\n\r\n").unwrap();
    let head = String::from_utf8_lossy(&raw[..split]).to_string();
    let status: u16 = head.split(' ').nth(1).unwrap().parse().unwrap();
    let mut body = raw[split + 4..].to_vec();
    if head.to_ascii_lowercase().contains("transfer-encoding: chunked") {
        body = dechunk(&body);
    }
    Answer { status, head, body }
}

/// A request as the CLI or a script sends it: right Host, the bearer token when `auth`, JSON
/// content type for API calls.
fn http(s: &Server, method: &str, path: &str, body: &[u8], auth: bool) -> (u16, Vec<u8>) {
    let bearer = format!("Bearer {}", s.token);
    let mut headers = vec![("Host", s.addr.as_str())];
    if auth {
        headers.push(("Authorization", bearer.as_str()));
    }
    if path.starts_with("/api/") && !path.starts_with("/api/upload") {
        headers.push(("Content-Type", "application/json"));
    }
    let a = raw(s, method, path, &headers, body);
    (a.status, a.body)
}

/// Opens a streaming GET (for Server-Sent Events) with the right host and token.
fn stream_get(s: &Server, path: &str) -> TcpStream {
    let mut sse = TcpStream::connect(&s.addr).unwrap();
    write!(sse, "GET {path} HTTP/1.1\r\nHost: {}\r\nAuthorization: Bearer {}\r\n\r\n", s.addr, s.token).unwrap();
    sse
}

fn dechunk(mut b: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    loop {
        let eol = b.windows(2).position(|w| w == b"\r\n").unwrap();
        let n = usize::from_str_radix(std::str::from_utf8(&b[..eol]).unwrap().trim(), 16).unwrap();
        if n == 0 {
            return out;
        }
        out.extend_from_slice(&b[eol + 2..eol + 2 + n]);
        b = &b[eol + 4 + n..];
    }
}

fn call(s: &Server, op: &str, req: serde_json::Value) -> (u16, serde_json::Value) {
    let (status, body) = http(s, "POST", &format!("/api/{op}"), req.to_string().as_bytes(), true);
    (status, serde_json::from_slice(&body).unwrap_or_else(|e| panic!("{op}: {e}: {}", String::from_utf8_lossy(&body))))
}

#[test]
fn operations_over_http_match_the_cli() {
    let w = Ws::new();
    let s = start(&w, &[]);
    let (st, info) = call(&s, "workspace_info", serde_json::json!({}));
    assert_eq!((st, info["models"].as_u64()), (200, Some(0)));
    let (st, demo) = call(&s, "open_demo", serde_json::json!({}));
    assert_eq!(st, 200, "{demo}");
    assert!(demo["versions"].as_u64().unwrap() >= 10);
    let cli = w.json(&["models"]);
    let (_, http_models) = call(&s, "list_models", serde_json::json!({}));
    assert_eq!(cli["models"], http_models["models"]);
    let (st, g) = call(&s, "lineage", serde_json::json!({"node": "llm-legal@1.0.1", "up": 2, "down": 1}));
    assert_eq!(st, 200);
    assert!(g["nodes"].as_array().unwrap().iter().any(|n| n["id"] == "version:llm-base@1.1.0"));
    let (st, found) = call(&s, "search_nodes", serde_json::json!({"query": "legal"}));
    assert_eq!(st, 200);
    assert_eq!(found["nodes"][0]["id"], "model:llm-legal");
    let (st, imp) = call(&s, "impact", serde_json::json!({"dataset": "web-text@2"}));
    assert_eq!(st, 200);
    for v in ["version:llm-base@1.1.0", "version:llm-legal@1.0.1", "version:llm-legal/q4@1.0.0", "version:router@1.0.0"] {
        assert!(imp["versions"].as_array().unwrap().iter().any(|x| x == v), "{v} not in {imp}");
    }
    let (st, again) = call(&s, "open_demo", serde_json::json!({}));
    assert_eq!((st, again["code"].as_str()), (409, Some("conflict")));
    let (st, err) = call(&s, "show_version", serde_json::json!({"reference": "nope@1.0.0"}));
    assert_eq!((st, err["code"].as_str()), (404, Some("not_found")));
    let (st, err) = call(&s, "frobnicate", serde_json::json!({}));
    assert_eq!((st, err["code"].as_str()), (404, Some("not_found")));
    let (st, err) = call(&s, "lineage", serde_json::json!({"up": "x"}));
    assert_eq!((st, err["code"].as_str()), (400, Some("invalid_input")));
    let (st, v) = call(&s, "audit_verify", serde_json::json!({}));
    assert_eq!((st, v["ok"].as_bool()), (200, Some(true)));
    // Every event is signed: the person serving, and the demo's validator with a key of its own
    // (an approval under the registrant's key would be the maker's).
    assert_eq!(v["signedEvents"], v["events"], "{v}");
    assert_eq!(v["signers"].as_array().unwrap().len(), 2, "{v}");
}

#[test]
fn uploads_are_staged_then_inspected_and_registered() {
    let w = Ws::new();
    let s = start(&w, &[]);
    let bytes = fixtures::safetensors(&[("w", "F32", &[4, 4])], &[]);
    let (st, body) = http(&s, "POST", "/api/upload?batch=b1&path=drop/model.safetensors", &bytes, true);
    assert_eq!(st, 200, "{}", String::from_utf8_lossy(&body));
    let up: serde_json::Value = serde_json::from_slice(&body).unwrap();
    let folder = format!("{}/drop", up["batchDir"].as_str().unwrap());
    let (st, ins) = call(&s, "inspect_paths", serde_json::json!({"paths": [folder]}));
    assert_eq!(st, 200, "{ins}");
    assert_eq!(
        (ins["format"].as_str(), ins["suggestedVersion"].as_str(), ins["model"].as_str()),
        (Some("safetensors"), Some("1.0.0"), Some("drop"))
    );
    let (st, reg) = call(
        &s,
        "register_version",
        serde_json::json!({"paths": [folder], "model": "dropped", "parents": [], "trainedOn": [], "params": {}, "metrics": {}, "message": "from the browser"}),
    );
    assert_eq!(st, 200, "{reg}");
    assert_eq!(w.json(&["show", "dropped@1.0.0"])["version"]["files"][0]["path"], "model.safetensors");
    let (st, _) = http(&s, "POST", "/api/upload?batch=b1&path=../escape", b"x", true);
    assert_eq!(st, 400);
}

#[test]
fn progress_is_streamed_as_server_sent_events() {
    let w = Ws::new();
    let s = start(&w, &[]);
    let mut sse = stream_get(&s, "/api/events");
    std::thread::sleep(std::time::Duration::from_millis(200));
    let big = w.write("big.bin", &vec![5u8; 8 << 20]);
    let (st, _) = call(
        &s,
        "register_version",
        serde_json::json!({"paths": [big], "model": "big", "parents": [], "trainedOn": [], "params": {}, "metrics": {}, "message": ""}),
    );
    assert_eq!(st, 200);
    sse.set_read_timeout(Some(std::time::Duration::from_secs(5))).unwrap();
    let mut got = String::new();
    let mut buf = [0u8; 4096];
    while !got.contains("\"done\":8388608") {
        let n = sse.read(&mut buf).expect("progress events arrive");
        assert!(n > 0, "stream closed: {got}");
        got.push_str(&String::from_utf8_lossy(&buf[..n]));
    }
    assert!(got.contains("event: progress"), "{got}");
    assert!(got.contains("\"total\":8388608"), "{got}");
}

#[test]
fn the_ui_is_served_with_a_strict_csp() {
    let w = Ws::new();
    let s = start(&w, &[]);
    let bearer = format!("Bearer {}", s.token);
    let a = raw(&s, "GET", "/", &[("Host", &s.addr), ("Authorization", &bearer)], b"");
    assert_eq!(a.status, 200, "{}", a.text());
    assert!(a.header("content-security-policy").is_some_and(|c| c.starts_with("default-src 'self'")), "{}", a.head);
    assert!(a.text().contains("<title>"), "{}", a.text());
}

#[test]
fn stores_over_http_and_watch_events_as_server_sent_events() {
    let w = Ws::new();
    let s = start(&w, &[]);
    let tree = w.inputs().join("store");
    std::fs::create_dir_all(&tree).unwrap();
    std::fs::write(tree.join("a.safetensors"), fixtures::safetensors(&[("w", "F32", &[2])], &[])).unwrap();
    let (st, info) = call(&s, "store_add", serde_json::json!({"name": "local", "uri": tree.display().to_string()}));
    assert_eq!(st, 200, "{info}");
    let (st, rep) = call(&s, "index_stores", serde_json::json!({"store": "local"}));
    assert_eq!(st, 200, "{rep}");
    assert_eq!(rep["reports"][0]["artifacts"], 1);
    let (st, arts) = call(&s, "list_artifacts", serde_json::json!({"store": "local", "unregisteredOnly": true}));
    assert_eq!((st, arts["total"].as_u64()), (200, Some(1)));
    let id = arts["artifacts"][0]["id"].clone();
    let (st, staged) = call(&s, "stage_artifact", serde_json::json!({ "id": id }));
    assert_eq!(st, 200, "{staged}");
    assert_eq!(staged["suggestedModel"], "a");
    let (st, bad) = call(&s, "store_add", serde_json::json!({"name": "Bad Name", "uri": "s3://bucket"}));
    assert_eq!(st, 400, "{bad}");

    // The server watches local stores: a new file shows up as `store` events.
    let mut sse = stream_get(&s, "/api/events");
    std::thread::sleep(std::time::Duration::from_millis(2500)); // the watcher picks up stores every 2 s
    std::fs::write(tree.join("b.safetensors"), fixtures::safetensors(&[("w", "F32", &[3])], &[])).unwrap();
    sse.set_read_timeout(Some(std::time::Duration::from_secs(15))).unwrap();
    let mut got = String::new();
    let mut buf = [0u8; 4096];
    while !(got.contains("event: store") && got.contains("\"change\":\"artifact\"") && got.contains("b.safetensors")) {
        let n = sse.read(&mut buf).expect("store events arrive");
        assert!(n > 0, "stream closed: {got}");
        got.push_str(&String::from_utf8_lossy(&buf[..n]));
    }
    let (_, arts) = call(&s, "list_artifacts", serde_json::json!({"store": "local"}));
    assert_eq!(arts["total"], 2);
}
