//! `pedigree serve --port 0` started for a test (the printed URL read for its port and token)
//! and stopped by PID on drop.
#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::process::{Child, Stdio};

use super::common::Ws;

pub struct Server {
    child: Child,
    pub addr: String,
    pub port: u16,
    pub token: String,
    pub url: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn start(w: &Ws, extra: &[&str]) -> Server {
    start_with(w, extra, &[])
}

/// Starts `pedigree serve --port 0` with extra arguments and environment; reads the printed URL.
pub fn start_with(w: &Ws, extra: &[&str], env: &[(&str, &str)]) -> Server {
    let mut args = vec!["serve", "--port", "0", "--json"];
    args.extend_from_slice(extra);
    let mut cmd = w.command(&args);
    cmd.stdout(Stdio::piped());
    for (k, v) in env {
        cmd.env(k, v);
    }
    let mut child = cmd.spawn().unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
    let v: serde_json::Value = serde_json::from_str(&line).unwrap_or_else(|e| panic!("{e}: {line:?}"));
    let url = v["url"].as_str().unwrap().to_string();
    let port: u16 = v["address"].as_str().unwrap().rsplit(':').next().unwrap().parse().unwrap();
    let token = url.split_once("token=").map(|(_, t)| t.to_string()).expect("the printed URL carries the token");
    Server { child, addr: format!("127.0.0.1:{port}"), port, token, url }
}
