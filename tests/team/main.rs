//! The team ledger (#14) through the real binary: three workspaces, three people and keys,
//! one ledger on a `file://` folder and on a real S3 server (moto, one per test binary,
//! started on a free loopback port and killed by PID at exit).

#[path = "../common/mod.rs"]
mod common;
#[path = "../common/fixtures.rs"]
mod fixtures;
#[path = "../index/peers.rs"]
#[allow(dead_code)]
mod peers;

mod compat;
mod conflicts;
mod converge;
mod faults;
mod federated;
mod history;
mod pq;

use std::process::Output;
use std::sync::OnceLock;

use common::{Ws, s, stderr, stdout};
use serde_json::Value;

/// One person with their own workspace and key.
pub struct Member {
    pub ws: Ws,
    pub actor: &'static str,
}

static MOTO: OnceLock<(u32, String)> = OnceLock::new();

extern "C" fn stop_moto() {
    if let Some((pid, _)) = MOTO.get() {
        // SAFETY: kill(2) on the moto server this binary started.
        unsafe {
            libc::kill(*pid as i32, libc::SIGKILL);
        }
    }
}

/// The S3 endpoint of this binary's moto server (started on first use).
pub fn moto() -> &'static str {
    &MOTO
        .get_or_init(|| {
            let peer = peers::moto(false);
            let (pid, url) = (peer.child.id(), peer.url());
            // The server outlives this value: it is killed by PID when the binary exits.
            std::mem::forget(peer);
            // SAFETY: registers a plain extern "C" function, once (inside get_or_init).
            unsafe {
                libc::atexit(stop_moto);
            }
            (pid, url)
        })
        .1
}

/// A ledger URL of its own: `s3://BUCKET/team` on moto (the bucket made), or a `file://` folder.
pub fn ledger(kind: &str, dir: &std::path::Path, name: &str) -> String {
    match kind {
        "s3" => {
            peers::s3_put(moto(), name, &[]);
            format!("s3://{name}/team")
        }
        _ => format!("file://{}", dir.join(name).display()),
    }
}

impl Member {
    pub fn new(actor: &'static str) -> Member {
        Member { ws: Ws::new(), actor }
    }

    pub fn run(&self, args: &[&str]) -> Output {
        let mut c = self.ws.command(args);
        c.env("PEDIGREE_ACTOR", self.actor);
        if let Some((_, url)) = MOTO.get() {
            c.env("AWS_ENDPOINT_URL", url)
                .env("AWS_ACCESS_KEY_ID", "testing")
                .env("AWS_SECRET_ACCESS_KEY", "testing")
                .env("AWS_REGION", "us-east-1");
        }
        c.output().expect("run pedigree")
    }

    pub fn ok(&self, args: &[&str]) -> Value {
        let mut a = args.to_vec();
        a.push("--json");
        let out = self.run(&a);
        assert!(out.status.success(), "{} {args:?} failed: {}{}", self.actor, stderr(&out), stdout(&out));
        serde_json::from_slice(&out.stdout).unwrap_or(Value::Null)
    }

    pub fn refused(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert!(!out.status.success(), "{} {args:?} should be refused: {}", self.actor, stdout(&out));
        stderr(&out)
    }

    pub fn key(&self) -> String {
        self.ok(&["identity", "show"])["publicKey"].as_str().unwrap().to_string()
    }

    /// `sync team`, which must succeed; its team report.
    pub fn sync(&self) -> Value {
        self.ok(&["sync", "team"])["team"].clone()
    }

    /// `sync team` that refused something (exit 1); its team report.
    pub fn sync_refusing(&self) -> Value {
        let out = self.run(&["sync", "team", "--json"]);
        assert_eq!(out.status.code(), Some(1), "{}: {}{}", self.actor, stderr(&out), stdout(&out));
        serde_json::from_slice::<Value>(&out.stdout).unwrap()["team"].clone()
    }

    pub fn digest(&self) -> String {
        self.ok(&["state-digest"])["digest"].as_str().unwrap().to_string()
    }

    pub fn verify(&self) {
        let out = self.run(&["audit", "verify"]);
        assert!(out.status.success(), "{}: audit verify: {}{}", self.actor, stdout(&out), stderr(&out));
    }

    /// Registers a small safetensors model (`n` floats) as MODEL.
    pub fn register(&self, model: &str, n: u64) -> Value {
        let f = self.ws.write(&format!("{model}-{n}.safetensors"), &fixtures::safetensors(&[("w", "F32", &[n])], &[]));
        self.ok(&["register", s(&f), "--model", model])
    }
}

/// Alice starts a team with Bob (validator) and Carol (deployer); each joins the ledger.
pub fn team(url: &str) -> (Member, Member, Member) {
    let (a, b, c) = (Member::new("alice@example.com"), Member::new("bob@example.com"), Member::new("carol@example.com"));
    a.ok(&["team", "init", "--name", "Alice"]);
    a.ok(&["team", "add", &b.key(), "--name", "Bob", "--role", "validator"]);
    a.ok(&["team", "add", &c.key(), "--name", "Carol", "--role", "deployer"]);
    a.ok(&["remote", "add", "team", "ledger", url]);
    a.sync();
    let owner = a.key();
    for m in [&b, &c] {
        m.ok(&["remote", "add", "team", "ledger", url, "--trust", &owner]);
    }
    (a, b, c)
}

/// A team of three on a ledger of its own (`kind`: "s3" on moto, else a shared folder); the
/// folder the ledger (or nothing) lives in goes with it.
pub fn team_on(kind: &str, name: &str) -> (tempfile::TempDir, Member, Member, Member) {
    let dir = tempfile::tempdir().unwrap();
    let url = ledger(kind, dir.path(), name);
    let (a, b, c) = team(&url);
    (dir, a, b, c)
}

/// Everyone syncs until nobody takes in or pushes anything; returns the digests.
pub fn settle(members: &[&Member]) -> Vec<String> {
    for _ in 0..3 {
        let mut moved = false;
        for m in members {
            let t = m.sync();
            moved |= t["segmentsPulled"].as_u64().unwrap() > 0 || t["segmentsPushed"].as_u64().unwrap() > 0;
        }
        if !moved {
            break;
        }
    }
    members.iter().map(|m| m.digest()).collect()
}
