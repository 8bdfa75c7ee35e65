//! Registration through the API: manifests and digests, scale of listings, progress events.

#[path = "../common/fixtures.rs"]
mod fixtures;

use std::collections::BTreeMap;
use std::sync::Mutex;

use pedigree::api::{self, RegisterRequest, Session};
use pedigree::catalog::models::{self, FileEntry, NewVersion};
use pedigree::registry::manifest;
use proptest::prelude::*;

fn session(dir: &std::path::Path) -> Session {
    let root = dir.join("ws");
    api::init_workspace(&root).unwrap();
    Session::open(&root, "tester".into()).unwrap()
}

fn req(paths: &[&std::path::Path], model: &str) -> RegisterRequest {
    RegisterRequest { paths: paths.iter().map(|p| p.display().to_string()).collect(), model: model.into(), ..Default::default() }
}

#[test]
fn a_folder_manifest_is_sorted_and_its_root_follows_the_model_signing_files_rule() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = session(dir.path());
    let m = dir.path().join("model");
    std::fs::create_dir_all(m.join("sub")).unwrap();
    std::fs::create_dir_all(m.join(".git")).unwrap();
    std::fs::write(m.join("b.txt"), "bee").unwrap();
    std::fs::write(m.join("a.txt"), "ay").unwrap();
    std::fs::write(m.join("sub/c.txt"), "sea").unwrap();
    std::fs::write(m.join(".git/HEAD"), "ref").unwrap();
    std::fs::write(m.join(".gitattributes"), "*").unwrap();
    let r = api::register_version(&mut s, &req(&[&m], "m"), &pedigree::progress::ignore).unwrap();
    let show = api::show_version(&s, &api::ShowVersionRequest { reference: "m@1.0.0".into(), ..Default::default() }).unwrap();
    let paths: Vec<&str> = show.version.files.iter().map(|f| f.path.as_str()).collect();
    assert_eq!(paths, ["a.txt", "b.txt", "sub/c.txt"], "sorted, git files skipped");
    // root = sha256(raw(sha256("ay")) || raw(sha256("bee")) || raw(sha256("sea")))
    let mut concat = Vec::new();
    for content in ["ay", "bee", "sea"] {
        concat.extend(hex::decode(pedigree::hash::sha256_hex(content.as_bytes())).unwrap());
    }
    assert_eq!(r.root_digest, pedigree::hash::sha256_hex(&concat));
    assert_eq!(show.version.summary.root_digest, r.root_digest);
}

#[test]
fn progress_events_count_up_to_the_total_bytes() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = session(dir.path());
    let f = dir.path().join("big.bin");
    std::fs::write(&f, vec![1u8; 5 << 20]).unwrap();
    let seen = Mutex::new(Vec::new());
    api::register_version(&mut s, &req(&[&f], "big"), &|p| seen.lock().unwrap().push(p.clone())).unwrap();
    let seen = seen.into_inner().unwrap();
    assert!(seen.len() >= 5, "one event per chunk at least");
    let last = seen.last().unwrap();
    assert_eq!((last.done, last.total), (5 << 20, 5 << 20));
    assert!(seen.windows(2).all(|w| w[0].done <= w[1].done));
}

#[test]
fn listings_stay_indexed_with_100k_versions() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = session(dir.path());
    let t = std::time::Instant::now();
    let iface = Default::default();
    let empty = BTreeMap::new();
    s.ws.catalog
        .write(|tx| -> Result<(), pedigree::catalog::CatalogError> {
            let seq = pedigree::audit::append(tx, "t", "x", "create_model", "model:big", &serde_json::json!({}))?;
            let id = models::insert_model(tx, "big", "x", "t", seq)?;
            for i in 0..100_000u64 {
                let v = semver::Version::new(i / 1000, i % 1000, 0);
                let files = [FileEntry { path: "w".into(), size: 1, sha256: format!("{i:064x}"), format: "unknown".into() }];
                models::insert_version(
                    tx,
                    &NewVersion {
                        model_id: id,
                        version: &v,
                        root_digest: "r",
                        manifest_digest: "m",
                        weights_digest: "w",
                        format: "unknown",
                        interface: &iface,
                        sniffed: &BTreeMap::new(),
                        params: &empty,
                        metrics: &BTreeMap::new(),
                        environment: None,
                        bump: "minor",
                        bump_reason: "",
                        message: "",
                        files: &files,
                        storage: "copy",
                        created_by: "x",
                        created_at: "t",
                        audit_seq: seq,
                    },
                )?;
            }
            Ok(())
        })
        .unwrap();
    eprintln!("inserted 100k versions in {:?}", t.elapsed());
    let t = std::time::Instant::now();
    let page = api::list_versions(&s, &api::ListVersionsRequest { model: "big".into(), offset: 0, limit: Some(50) }).unwrap();
    let deep =
        api::list_versions(&s, &api::ListVersionsRequest { model: "big".into(), offset: 99_990, limit: Some(50) }).unwrap();
    let models = api::list_models(&s, &Default::default()).unwrap();
    eprintln!("first page + deep page + models list over 100k versions: {:?}", t.elapsed());
    assert_eq!(page.total, 100_000);
    assert_eq!(page.versions[0].version, "99.999.0");
    assert_eq!(deep.versions.len(), 10);
    assert_eq!(deep.versions.last().unwrap().version, "0.0.0");
    assert_eq!(models.models[0].latest_version.as_deref(), Some("99.999.0"));
    // The queries use indexes, never a full scan of versions.
    let conn = s.ws.catalog.conn();
    for sql in [
        "SELECT version FROM versions WHERE model_id = 1 ORDER BY sort_key DESC LIMIT 50 OFFSET 0",
        "SELECT version FROM versions WHERE model_id = 1 ORDER BY sort_key DESC LIMIT 1",
        "SELECT 1 FROM version_files WHERE sha256 = 'x'",
    ] {
        let plan: Vec<String> = conn
            .prepare(&format!("EXPLAIN QUERY PLAN {sql}"))
            .unwrap()
            .query_map([], |r| r.get::<_, String>(3))
            .unwrap()
            .map(Result::unwrap)
            .collect();
        assert!(plan.iter().all(|p| !p.starts_with("SCAN") && !p.contains("TEMP B-TREE")), "{sql}: {plan:?}");
    }
}

fn entries(files: &[(String, u64, [u8; 32])]) -> Vec<FileEntry> {
    let mut v: Vec<FileEntry> = files
        .iter()
        .map(|(p, size, d)| FileEntry { path: p.clone(), size: *size, sha256: hex::encode(d), format: "unknown".into() })
        .collect();
    v.sort();
    v.dedup_by(|a, b| a.path == b.path);
    v
}

proptest! {
    /// Any byte changed in any file digest changes the root digest; any byte changed anywhere
    /// in the manifest (path, size or digest) changes the manifest digest.
    #[test]
    fn any_byte_change_changes_the_digests(
        files in proptest::collection::vec(("[a-z]{1,8}(/[a-z]{1,8})?", 0u64..1 << 40, any::<[u8; 32]>()), 1..8),
        which in any::<proptest::sample::Index>(),
        byte in 0usize..32,
        flip in 1u8..=255,
        size_delta in 1u64..1000,
    ) {
        let base = entries(&files);
        let i = which.index(base.len());
        let mut changed = base.clone();
        let mut raw = hex::decode(&changed[i].sha256).unwrap();
        raw[byte] ^= flip;
        changed[i].sha256 = hex::encode(raw);
        prop_assert_ne!(manifest::root(&base), manifest::root(&changed));
        prop_assert_ne!(manifest::manifest_digest(&base), manifest::manifest_digest(&changed));
        let mut resized = base.clone();
        resized[i].size += size_delta;
        prop_assert_ne!(manifest::manifest_digest(&base), manifest::manifest_digest(&resized));
        let mut renamed = base.clone();
        renamed[i].path.push('x');
        renamed.sort();
        prop_assert_ne!(manifest::manifest_digest(&base), manifest::manifest_digest(&renamed));
    }
}
