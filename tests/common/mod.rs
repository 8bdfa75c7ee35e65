//! Helpers shared by the integration-test binaries: a temp workspace and a way to run the real
//! `pedigree` binary against it.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub struct Ws {
    pub dir: tempfile::TempDir,
}

impl Ws {
    /// A fresh, initialised workspace.
    pub fn new() -> Ws {
        let w = Ws { dir: tempfile::tempdir().expect("tempdir") };
        let out = w.run(&["init"]);
        assert!(out.status.success(), "init failed: {}", stderr(&out));
        w
    }

    pub fn path(&self) -> PathBuf {
        self.dir.path().join("ws")
    }

    /// A scratch folder for input files (outside the workspace).
    pub fn inputs(&self) -> PathBuf {
        let p = self.dir.path().join("inputs");
        std::fs::create_dir_all(&p).unwrap();
        p
    }

    pub fn write(&self, rel: &str, bytes: &[u8]) -> PathBuf {
        let p = self.inputs().join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(&p, bytes).unwrap();
        p
    }

    pub fn command(&self, args: &[&str]) -> Command {
        let mut c = Command::new(env!("CARGO_BIN_EXE_pedigree"));
        // Each test workspace has its own person: a signing key of its own (not the runner's).
        c.arg("--workspace")
            .arg(self.path())
            .args(args)
            .env("PEDIGREE_ACTOR", "alice@example.com")
            .env("XDG_CONFIG_HOME", self.config());
        c
    }

    /// The config folder its person's identity is kept in.
    pub fn config(&self) -> PathBuf {
        self.dir.path().join("config")
    }

    /// A command run by another person: their actor name and a signing key of their own
    /// (alice@example.com is the workspace's own person).
    pub fn command_as(&self, actor: &str, args: &[&str]) -> Command {
        let mut c = self.command(args);
        c.env("PEDIGREE_ACTOR", actor);
        if actor != "alice@example.com" {
            let safe: String = actor.chars().map(|ch| if ch.is_ascii_alphanumeric() { ch } else { '-' }).collect();
            c.env("XDG_CONFIG_HOME", self.dir.path().join(format!("config-{safe}")));
        }
        c
    }

    pub fn run(&self, args: &[&str]) -> Output {
        self.command(args).output().expect("run pedigree")
    }

    /// Runs with `--json`, asserts success, parses stdout.
    pub fn json(&self, args: &[&str]) -> serde_json::Value {
        let mut a = args.to_vec();
        a.push("--json");
        let out = self.run(&a);
        assert!(out.status.success(), "pedigree {args:?} failed: {}", stderr(&out));
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("bad JSON from {args:?}: {e}: {}", stdout(&out)))
    }

    /// Runs, asserts failure, returns stderr.
    pub fn fails(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert!(!out.status.success(), "pedigree {args:?} should fail but printed {}", stdout(&out));
        stderr(&out)
    }

    pub fn catalog(&self) -> rusqlite::Connection {
        rusqlite::Connection::open(self.path().join("catalog.sqlite")).unwrap()
    }

    /// A fingerprint of everything the catalog holds (to prove a failed command changed nothing).
    pub fn snapshot(&self) -> String {
        let c = self.catalog();
        let mut out = String::new();
        for t in [
            "models",
            "versions",
            "version_files",
            "datasets",
            "dataset_versions",
            "dataset_files",
            "edges",
            "nodes",
            "audit_events",
        ] {
            let n: i64 = c.query_row(&format!("SELECT COUNT(*) FROM {t}"), [], |r| r.get(0)).unwrap();
            out.push_str(&format!("{t}={n} "));
        }
        let head: Option<String> = c.query_row("SELECT max(hash) FROM audit_events", [], |r| r.get(0)).unwrap();
        out.push_str(&format!("head={head:?}"));
        out
    }

    /// Number of objects in the CAS.
    pub fn objects(&self) -> usize {
        let root = self.path().join("objects-v1");
        std::fs::read_dir(&root)
            .unwrap()
            .flatten()
            .filter(|e| e.file_name().len() == 2)
            .map(|e| std::fs::read_dir(e.path()).unwrap().count())
            .sum()
    }
}

/// Copies a folder (a fixture into a scratch place; the fixture itself is never written).
pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap().flatten() {
        let dest = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &dest);
        } else {
            std::fs::copy(e.path(), &dest).unwrap();
        }
    }
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).to_string()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).to_string()
}

pub fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}
