//! Peer checks against real tools in the test venv (`make test` installs them):
//!
//! - picklescan 1.0.5: for every global on its unsafe list (and a submodule of every module it
//!   bans whole), a pickle importing it is written; wherever picklescan calls the file
//!   dangerous, Pedigree refuses it too (Pedigree may be stricter, never laxer).
//! - scikit-learn: models written by `pickle.dump` are registered and described, with the
//!   scikit-learn version the file records.

use std::process::Command;

use pedigree::sniff::{SniffError, sniff_file};

fn python() -> String {
    std::env::var("PEDIGREE_INTEROP_PYTHON").expect("PEDIGREE_INTEROP_PYTHON is not set: run `make test`")
}

pub(crate) fn run_python(code: &str, args: &[&str]) -> String {
    let out = Command::new(python()).arg("-c").arg(code).args(args).output().expect("run python");
    assert!(out.status.success(), "python failed: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

/// `c{module}\n{name}\n)R.` in protocol 2: what a pickle calling `module.name()` looks like.
fn calling(module: &str, name: &str) -> Vec<u8> {
    format!("\u{80}\u{2}c{module}\n{name}\n)R.").chars().map(|c| c as u8).collect()
}

const UNSAFE_LIST: &str = r#"
import json
from picklescan import scanner
out = []
for module, names in scanner._unsafe_globals.items():
    if names == "*":
        out += [[module, "anything"], [module + ".sub", "anything"]]
    elif isinstance(names, str):  # a single name written as a string
        out += [[module, names]]
    else:
        out += [[module, n] for n in sorted(names)]
print(json.dumps(out))
"#;

const SCAN_DIR: &str = r#"
import json, os, sys
from picklescan import scanner
d = sys.argv[1]
print(json.dumps({f: scanner.scan_file_path(os.path.join(d, f)).infected_files > 0 for f in sorted(os.listdir(d))}))
"#;

#[test]
fn wherever_picklescan_calls_a_pickle_dangerous_pedigree_refuses_it() {
    let pairs: Vec<(String, String)> = serde_json::from_str(&run_python(UNSAFE_LIST, &[])).unwrap();
    assert!(pairs.len() > 80, "picklescan's list looks too short: {}", pairs.len());
    let dir = tempfile::tempdir().unwrap();
    for (i, (m, n)) in pairs.iter().enumerate() {
        std::fs::write(dir.path().join(format!("{i:03}.pkl")), calling(m, n)).unwrap();
    }
    // Benign controls, which picklescan does not flag.
    std::fs::write(dir.path().join("control-sklearn.pkl"), calling("sklearn.linear_model._base", "LinearRegression")).unwrap();
    std::fs::write(dir.path().join("control-odict.pkl"), calling("collections", "OrderedDict")).unwrap();
    let verdicts: std::collections::BTreeMap<String, bool> =
        serde_json::from_str(&run_python(SCAN_DIR, &[dir.path().to_str().unwrap()])).unwrap();
    let mut flagged = 0;
    let mut laxer = Vec::new();
    for (file, dangerous) in &verdicts {
        let refused = matches!(sniff_file(&dir.path().join(file)), Err(SniffError::UnsafePickle { .. }));
        if *dangerous {
            flagged += 1;
            if !refused {
                let i: usize = file.trim_end_matches(".pkl").parse().unwrap();
                laxer.push(format!("{}.{}", pairs[i].0, pairs[i].1));
            }
        }
    }
    assert!(laxer.is_empty(), "picklescan flags these, Pedigree accepts them: {laxer:?}");
    assert!(flagged >= pairs.len() - 2, "picklescan flagged only {flagged} of {} files", pairs.len());
    assert!(!verdicts["control-sklearn.pkl"] && !verdicts["control-odict.pkl"]);
    assert!(sniff_file(&dir.path().join("control-sklearn.pkl")).is_ok());
}

const SKLEARN_MODELS: &str = r#"
import pickle, sys, os
import numpy as np
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import LogisticRegression
X = np.random.RandomState(0).rand(60, 4); y = (X[:, 0] > 0.5).astype(int)
d = sys.argv[1]
for name, m in [("forest", RandomForestClassifier(n_estimators=5, random_state=0)), ("logreg", LogisticRegression())]:
    m.fit(X, y)
    with open(os.path.join(d, name + ".pkl"), "wb") as f:
        pickle.dump(m, f)
import sklearn; print(sklearn.__version__)
"#;

#[test]
fn scikit_learn_models_written_by_pickle_are_described() {
    let dir = tempfile::tempdir().unwrap();
    let version = run_python(SKLEARN_MODELS, &[dir.path().to_str().unwrap()]).trim().to_string();
    for name in ["forest.pkl", "logreg.pkl"] {
        let s = sniff_file(&dir.path().join(name)).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(s.metadata["pickle_risk"], "known", "{name}: {:?}", s.metadata);
        assert!(s.metadata["loading_runs_code_from"].split(',').any(|l| l == "sklearn"), "{name}");
        assert_eq!(s.metadata["library_version.sklearn"], version, "{name}");
        assert!(s.metadata["imports"].contains("sklearn."), "{name}");
    }
}
