//! Scheduled sync: `pedigree remote schedule`, and `pedigree serve` syncing a scheduled remote by
//! itself (at start, then every interval), streaming the outcome as a `sync` event.

use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use super::{peer, seed};
use crate::common::Ws;

struct Serve(Child);

impl Drop for Serve {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn a_scheduled_remote_is_synced_by_serve_without_being_asked_and_its_report_streams_as_an_event() {
    let server = peer::mlflow();
    seed("sched1");
    let w = Ws::new();
    w.json(&["remote", "add", "team", "mlflow", &server.url]);
    let refused = w.fails(&["remote", "schedule", "team", "30s"]);
    assert!(refused.contains("at least 60 seconds"), "{refused}");
    assert!(w.fails(&["remote", "schedule", "team", "soon"]).contains("15m, 1h"));
    let info = w.json(&["remote", "schedule", "team", "1h"]);
    assert_eq!(info["syncEvery"], 3600, "{info}");
    let listed = String::from_utf8(w.run(&["remote", "list"]).stdout).unwrap();
    assert!(listed.contains("every 1h"), "{listed}");
    assert!(w.json(&["audit", "log"]).to_string().contains("schedule_remote"));

    // Only this remote's models: the shared server holds other tests' too.
    let off = w.json(&["remote", "schedule", "team", "off"]);
    assert!(off["syncEvery"].is_null(), "{off}");
    w.json(&["remote", "schedule", "team", "1h"]);
    let mut serve = Serve(
        w.command(&["serve", "--port", "0", "--json", "--no-watch", "--token", "sched-secret-0123456789"])
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap(),
    );
    let mut line = String::new();
    BufReader::new(serve.0.stdout.as_mut().unwrap()).read_line(&mut line).unwrap();
    let url = serde_json::from_str::<serde_json::Value>(&line).unwrap()["url"].as_str().unwrap().to_string();
    let addr = url.trim_start_matches("http://").split('/').next().unwrap().to_string();

    // The event stream, read as a browser would (the token as a bearer header).
    let mut sse = std::net::TcpStream::connect(&addr).unwrap();
    write!(sse, "GET /api/events HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer sched-secret-0123456789\r\nAccept: text/event-stream\r\n\r\n").unwrap();
    sse.set_read_timeout(Some(Duration::from_secs(1))).unwrap();

    let start = Instant::now();
    let mut events = String::new();
    loop {
        let mut buf = [0u8; 4096];
        if let Ok(n) = sse.read(&mut buf) {
            events.push_str(&String::from_utf8_lossy(&buf[..n]));
        }
        if events.contains("event: sync") && events.contains("\"remote\":\"team\"") {
            break;
        }
        assert!(start.elapsed() < Duration::from_secs(180), "no sync event: {events}");
    }
    let data = events.lines().skip_while(|l| *l != "event: sync").nth(1).unwrap().trim_start_matches("data: ").to_string();
    let ev: serde_json::Value = serde_json::from_str(&data).unwrap();
    assert!(ev["error"].is_null(), "{ev}");
    assert!(ev["report"]["pulled"].as_u64().unwrap() >= 2, "{ev}");
    // Nobody asked, yet the versions are here.
    let versions = w.json(&["versions", "sched1-churn"]);
    assert_eq!(versions["versions"].as_array().unwrap().len(), 2, "{versions}");
}
