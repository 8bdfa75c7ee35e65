//! Scale (registry-sync.md M8): 1,200 registered models and 2,500 versions on a server of this
//! test's own. The first sync pages through all of them (models come 1,000 to a page); a sync
//! with nothing changed costs the listing pages and writes nothing; one change costs one model.

use super::{peer, sync};
use crate::common::Ws;

/// Creates MODELS models and VERSIONS versions (every model one, the first ones two or three),
/// in parallel. Their sources are in a bucket no store here covers: the sync records each as out
/// of reach without fetching, which keeps this about paging and change detection.
const SEED_MANY: &str = r#"
import sys
from concurrent.futures import ThreadPoolExecutor
from mlflow import MlflowClient
models, versions = int(sys.argv[1]), int(sys.argv[2])
c = MlflowClient()
def model(i):
    name = f"scale-{i:04d}"
    c.create_registered_model(name, tags={"team": "vision" if i % 2 else "nlp"})
    n = 1 + (versions - models) // models + (1 if i < (versions - models) % models else 0)
    for v in range(n):
        c.create_model_version(name, source=f"s3://elsewhere-bucket/{name}/{v}", await_creation_for=0)
with ThreadPoolExecutor(16) as pool:
    list(pool.map(model, range(models)))
print(len(c.search_registered_models(max_results=1000)))
"#;

const TAG_ONE: &str = r#"
from mlflow import MlflowClient
MlflowClient().set_registered_model_alias("scale-0007", "champion", "1")
"#;

#[test]
fn twelve_hundred_models_page_through_and_a_sync_with_nothing_changed_makes_no_write() {
    let server = peer::Own::start();
    let t0 = std::time::Instant::now();
    peer::client_of(&server.url, SEED_MANY, &["1200", "2500"], &[]);
    eprintln!("seeded 1,200 models and 2,500 versions in {:.1} s", t0.elapsed().as_secs_f64());
    let w = Ws::new();
    w.json(&["remote", "add", "big", "mlflow", &server.url]);

    let t0 = std::time::Instant::now();
    let (code, r) = sync(&w, &["big"]);
    eprintln!("first sync: {:.1} s, {} requests", t0.elapsed().as_secs_f64(), r["requests"]);
    assert_eq!(code, 0, "{}", r["failed"]);
    assert_eq!((r["scannedModels"].as_u64(), r["scannedVersions"].as_u64()), (Some(1200), Some(2500)));
    let skipped = r["skipped"].as_array().unwrap();
    assert_eq!(skipped.len(), 2500);
    assert!(skipped.iter().all(|i| i["reason"].as_str().unwrap().contains("s3://elsewhere-bucket/")));
    let bindings: i64 = w.catalog().query_row("SELECT COUNT(*) FROM bindings WHERE remote = 'big'", [], |r| r.get(0)).unwrap();
    assert_eq!(bindings, 1200 + 2500, "every model and version is recorded, none dropped");

    // Nothing changed: the listing (two pages of at most 1,000 models, three of at most 1,000
    // versions) and not one write.
    let before = (w.snapshot(), w.json(&["audit", "log"])["events"].as_array().unwrap().len());
    let t0 = std::time::Instant::now();
    let (code, r) = sync(&w, &["big"]);
    eprintln!("no-change sync: {:.2} s, {} requests", t0.elapsed().as_secs_f64(), r["requests"]);
    assert_eq!((code, r["unchanged"].as_u64()), (0, Some(1200)), "{r}");
    assert_eq!(r["requests"].as_u64(), Some(5), "{r}");
    assert_eq!((w.snapshot(), w.json(&["audit", "log"])["events"].as_array().unwrap().len()), before);

    // One alias set on the server: that model alone is looked at again.
    peer::client_of(&server.url, TAG_ONE, &[], &[]);
    let (code, r) = sync(&w, &["big"]);
    assert_eq!((code, r["unchanged"].as_u64()), (0, Some(1199)), "{r}");
    // The listing, and a try at each of that model's out-of-reach versions.
    assert!(r["requests"].as_u64().unwrap() <= 8, "{r}");
}
