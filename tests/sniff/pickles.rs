//! Pickle-family files are judged by what they import: plain data and known ML libraries are
//! stored and described (the library, and the version the file records), unknown classes with a
//! warning, and anything that runs commands or code is refused — all without executing them.

use super::{fixtures, sniff_bytes};
use pedigree::sniff::{PickleScan, scan_pickle};

fn scan(bytes: &[u8]) -> PickleScan {
    scan_pickle(bytes).unwrap()
}

#[test]
fn a_scikit_learn_pickle_is_described_not_refused() {
    let bytes = fixtures::pickle_object("sklearn.linear_model._logistic", "LogisticRegression", "1.5.2");
    let sc = scan(&bytes);
    assert_eq!(sc.imports, ["sklearn.linear_model._logistic.LogisticRegression"]);
    assert_eq!((sc.risk.as_str(), sc.libraries.clone()), ("known", vec!["sklearn".to_string()]));
    assert_eq!(sc.versions, [("sklearn".to_string(), "1.5.2".to_string())]);
    assert!(sc.unsafe_imports.is_empty() && sc.unknown_imports.is_empty());
    for name in ["churn.pkl", "churn.joblib"] {
        let s = sniff_bytes(name, &bytes).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(s.metadata["pickle_risk"], "known", "{name}");
        assert_eq!(s.metadata["loading_runs_code_from"], "sklearn");
        assert_eq!(s.metadata["library_version.sklearn"], "1.5.2");
    }
}

#[test]
fn an_unknown_class_is_registered_with_a_warning() {
    let s = sniff_bytes("model.pkl", &fixtures::pickle_object("__main__", "MyModel", "1.4.0")).unwrap();
    assert_eq!(s.metadata["pickle_risk"], "unknown");
    assert_eq!(s.metadata["unknown_imports"], "__main__.MyModel");
}

#[test]
fn a_dangerous_import_inside_a_library_looking_file_is_still_refused() {
    // The same object, but its class is subprocess.Popen: refused, naming the import.
    let err = sniff_bytes("model.pkl", &fixtures::pickle_object("subprocess", "Popen", "1.5.2")).unwrap_err();
    assert!(err.to_string().contains("subprocess.Popen"), "{err}");
    // torch.load inside a torch-looking pickle is dangerous even though torch is a known library.
    let err = sniff_bytes("model.pkl", &fixtures::pickle_object("torch", "load", "1.0")).unwrap_err();
    assert!(err.to_string().contains("torch.load"), "{err}");
}

#[test]
fn the_version_must_follow_its_key() {
    // A string that merely looks like a version, elsewhere in the state, is not taken.
    let mut bytes = fixtures::pickle_object("sklearn.svm._classes", "SVC", "1.5.2");
    let at = bytes.windows(16).position(|w| w == b"_sklearn_version").unwrap();
    bytes[at..at + 16].copy_from_slice(b"_something_other");
    assert!(scan(&bytes).versions.is_empty());
}

/// Every truncation and many single-byte mutations of library pickles: each either sniffs or is
/// refused with a reason — never a sniffer panic (which `sniff_file` would report as "could not
/// parse it"), never a hang.
#[test]
fn mutated_and_truncated_pickles_never_crash_or_hang() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("m.pkl");
    let mut rng = fastrand::Rng::with_seed(11);
    let seeds = [
        fixtures::pickle_object("sklearn.ensemble._forest", "RandomForestClassifier", "1.5.2"),
        fixtures::pickle_object("__main__", "Custom", "0.1"),
        fixtures::pickle_posix_system(),
        fixtures::pickle_stack_global_eval(),
    ];
    let started = std::time::Instant::now();
    let mut checked = 0;
    for seed in &seeds {
        let mut variants: Vec<Vec<u8>> = (0..seed.len()).map(|n| seed[..n].to_vec()).collect();
        for _ in 0..300 {
            let mut v = seed.clone();
            let i = rng.usize(..v.len());
            v[i] = rng.u8(..);
            variants.push(v);
        }
        for v in variants {
            std::fs::write(&path, &v).unwrap();
            if let Err(e) = pedigree::sniff::sniff_file(&path) {
                assert!(!e.to_string().contains("could not parse it"), "sniffer panicked on {v:?}");
            }
            checked += 1;
        }
    }
    assert!(checked > 1200);
    assert!(started.elapsed() < std::time::Duration::from_secs(60), "too slow: {:?}", started.elapsed());
}
