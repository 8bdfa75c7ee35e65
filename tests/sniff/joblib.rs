//! Files written by `joblib.dump` itself (the test venv's joblib and scikit-learn): plain and
//! with every compressor joblib offers, arrays of numbers and of objects, a file over the 64 MiB
//! a pickle used to be capped at, and hostile variants — a payload hidden where `pickle.load`
//! (not `joblib.load`) would run it, an object array holding a dangerous global, truncations.
//! Nothing is ever loaded: a marker file the payloads would create stays absent.

use std::path::Path;

use pedigree::sniff::{SniffError, Sniffed, sniff_file};

use super::peers::run_python;

const DUMP_MODELS: &str = r#"
import sys, os, joblib, sklearn, numpy as np
from sklearn.ensemble import RandomForestClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC
d = sys.argv[1]
rng = np.random.RandomState(0)
X = rng.rand(200, 4); y = (X[:, 0] + X[:, 1] > 1).astype(int)
forest = RandomForestClassifier(n_estimators=20, random_state=0).fit(X, y)
pipe = make_pipeline(StandardScaler(), SVC()).fit(X, y)
joblib.dump(forest, os.path.join(d, "forest.joblib"))
joblib.dump(pipe, os.path.join(d, "pipe.pkl"))
for c in ["zlib", "gzip", "bz2", "xz", "lzma", "lz4"]:
    joblib.dump(forest, os.path.join(d, f"forest.{c}.joblib"), compress=(c, 3))
joblib.dump(forest, os.path.join(d, "forest.proto2.joblib"), protocol=2)
print(sklearn.__version__)
"#;

fn sniffed(path: &Path) -> Sniffed {
    sniff_file(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn scikit_learn_models_saved_by_joblib_are_described_plain_and_with_every_compressor() {
    let dir = tempfile::tempdir().unwrap();
    let version = run_python(DUMP_MODELS, &[dir.path().to_str().unwrap()]).trim().to_string();
    let mut names: Vec<String> =
        std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    names.sort();
    assert_eq!(names.len(), 9, "{names:?}");
    for name in &names {
        let s = sniffed(&dir.path().join(name));
        let m = &s.metadata;
        assert_eq!(m["pickle_risk"], "known", "{name}: {m:?}");
        assert!(m["loading_runs_code_from"].split(',').any(|l| l == "sklearn"), "{name}");
        assert_eq!(m["library_version.sklearn"], version, "{name}");
        assert!(m["imports"].contains("joblib.numpy_pickle.NumpyArrayWrapper"), "{name}");
        let arrays: usize = m["joblib_arrays"].parse().unwrap();
        assert!(arrays >= if name.starts_with("forest") { 20 } else { 3 }, "{name}: {arrays} arrays");
        let compressor = name.split('.').nth(1).filter(|c| !matches!(*c, "joblib" | "pkl" | "proto2"));
        let want = compressor.map(|c| if c == "bz2" { "bzip2" } else { c });
        assert_eq!(m.get("compression").map(String::as_str), want, "{name}");
    }
    // The same forest gives the same inventory whatever the container.
    let plain = sniffed(&dir.path().join("forest.joblib")).metadata;
    for c in ["zlib", "gzip", "bz2", "xz", "lzma", "lz4"] {
        let other = sniffed(&dir.path().join(format!("forest.{c}.joblib"))).metadata;
        assert_eq!(other["imports"], plain["imports"], "{c}");
        assert_eq!(other["joblib_arrays"], plain["joblib_arrays"], "{c}");
    }
}

const DUMP_ODD_ARRAYS: &str = r#"
import sys, os, joblib, numpy as np
d = sys.argv[1]
joblib.dump({
    "labels": np.array(["cat", None, 3.5], dtype=object),
    "text": np.array(["alpha", "beta"], dtype="U7"),
    "raw": np.array([b"ab", b"c"], dtype="S2"),
    "when": np.array(["2024-01-01"], dtype="datetime64[ns]"),
    "rec": np.zeros(3, dtype=[("a", "f4"), ("b", "i2")]),
    "fortran": np.asfortranarray(np.arange(12.0).reshape(3, 4)),
    "empty": np.zeros((0, 5)),
    "scalar": np.array(7, dtype="i8"),
    "after": "the scan reached the end",
}, os.path.join(d, "odd.joblib"))
# Over the 64 MiB a pickle used to be capped at: streamed, never held.
joblib.dump({"big": np.zeros(9_000_000)}, os.path.join(d, "big.joblib"))
joblib.dump({"big": np.zeros(9_000_000)}, os.path.join(d, "big.z.joblib"), compress=1)
"#;

#[test]
fn object_string_record_datetime_and_empty_arrays_and_big_files_are_read_past_exactly() {
    let dir = tempfile::tempdir().unwrap();
    run_python(DUMP_ODD_ARRAYS, &[dir.path().to_str().unwrap()]);
    let odd = sniffed(&dir.path().join("odd.joblib")).metadata;
    assert_eq!(odd["joblib_arrays"], "8", "{odd:?}");
    // Plain data, but joblib's own loader reads it.
    assert_eq!((odd["pickle_risk"].as_str(), odd["loading_runs_code_from"].as_str()), ("known", "joblib"), "{odd:?}");
    let big = dir.path().join("big.joblib");
    assert!(std::fs::metadata(&big).unwrap().len() > 64 << 20);
    assert_eq!(sniffed(&big).metadata["joblib_arrays"], "1");
    let packed = sniffed(&dir.path().join("big.z.joblib")).metadata;
    assert_eq!((packed["joblib_arrays"].as_str(), packed["compression"].as_str()), ("1", "zlib"));
}

/// Payloads that would create `marker` if loaded.
const DUMP_HOSTILE: &str = r#"
import sys, os, joblib, numpy as np
from joblib import numpy_pickle
d, marker = sys.argv[1], sys.argv[2]
# 1. An object array holding os.system: joblib pickles it into the nested stream.
joblib.dump({"fn": np.array([os.system, 1], dtype=object)}, os.path.join(d, "object-system.joblib"))
# 2. A wrapper without alignment (as joblib <= 1.1 wrote), whose "array bytes" are pickle opcodes
#    that pickle.load (not joblib.load) would run.
payload = b"cposix\nsystem\n(S'touch " + marker.encode() + b"'\ntR."
orig = numpy_pickle.NumpyPickler._create_array_wrapper
def unaligned(self, array):
    w = orig(self, array)
    del w.numpy_array_alignment_bytes
    return w
numpy_pickle.NumpyPickler._create_array_wrapper = unaligned
joblib.dump([np.frombuffer(payload, dtype=np.uint8)], os.path.join(d, "hidden-after-wrapper.joblib"))
numpy_pickle.NumpyPickler._create_array_wrapper = orig
# 3. The same object-array payload, compressed, under names that do not say pickle.
joblib.dump({"fn": np.array([os.system], dtype=object)}, os.path.join(d, "object-system.gz.joblib"), compress=("gzip", 3))
joblib.dump({"fn": np.array([os.system], dtype=object)}, os.path.join(d, "model.pkl.xz"), compress=("xz", 3))
joblib.dump({"fn": np.array([os.system], dtype=object)}, os.path.join(d, "weights.bin"), compress=("lz4", 3))
"#;

#[test]
fn dangerous_globals_inside_joblib_arrays_or_behind_them_are_refused_and_never_run() {
    let dir = tempfile::tempdir().unwrap();
    let marker = dir.path().join("PWNED");
    run_python(DUMP_HOSTILE, &[dir.path().to_str().unwrap(), marker.to_str().unwrap()]);
    for name in ["object-system.joblib", "hidden-after-wrapper.joblib", "object-system.gz.joblib", "model.pkl.xz", "weights.bin"]
    {
        match sniff_file(&dir.path().join(name)) {
            Err(SniffError::UnsafePickle { imports, .. }) => assert!(imports.contains("posix.system"), "{name}: {imports}"),
            other => panic!("{name}: expected a refusal naming posix.system, got {other:?}"),
        }
    }
    assert!(!marker.exists(), "a payload ran");
}

#[test]
fn truncated_joblib_files_are_refused_with_a_reason_never_a_panic() {
    let dir = tempfile::tempdir().unwrap();
    run_python(DUMP_MODELS, &[dir.path().to_str().unwrap()]);
    for name in ["forest.joblib", "forest.zlib.joblib", "forest.lz4.joblib"] {
        let bytes = std::fs::read(dir.path().join(name)).unwrap();
        let cut_dir = tempfile::tempdir().unwrap();
        let step = (bytes.len() / 97).max(1);
        for cut in (1..bytes.len()).step_by(step) {
            let path = cut_dir.path().join(name);
            std::fs::write(&path, &bytes[..cut]).unwrap();
            match sniff_file(&path) {
                Err(SniffError::Corrupt { reason, .. }) => assert!(!reason.is_empty()),
                other => panic!("{name} cut at {cut}: expected a corrupt-file refusal, got {other:?}"),
            }
        }
    }
}
