//! Every kind of dangerous pickle payload, as a user would meet it: `pedigree register` refuses
//! each one, naming the import, records nothing, and runs nothing — each payload would create a
//! marker file if loaded, and none exists after the registrations. Then, to prove the payloads
//! are real, Python's own `pickle.load` runs each one in a scratch folder and every marker
//! appears.

use std::path::Path;
use std::process::Command;

use super::common::{Ws, s};

/// Writes one payload per pattern into argv[1]; each creates argv[2]/<name>.marker when loaded.
const PAYLOADS: &str = r#"
import os, pickle, sys, subprocess, builtins, runpy, shutil, importlib, marshal, types
out, marks = sys.argv[1], sys.argv[2]
def mark(name): return os.path.join(marks, name + ".marker")
class Call:
    def __init__(self, fn, *args): self.fn, self.args = fn, args
    def __reduce__(self): return (self.fn, self.args)
src = os.path.join(out, "seed.txt")
open(src, "w").write("x")
code = lambda n: f"open({mark(n)!r}, 'w').write('ran')"
payloads = {
    "os-system": Call(os.system, f"touch {mark('os-system')}"),
    "subprocess-call": Call(subprocess.call, ["touch", mark("subprocess-call")]),
    "subprocess-popen": Call(subprocess.Popen, ["touch", mark("subprocess-popen")]),
    "subprocess-check-output": Call(subprocess.check_output, ["touch", mark("subprocess-check-output")]),
    "subprocess-run": Call(subprocess.run, ["touch", mark("subprocess-run")]),
    "builtins-eval": Call(builtins.eval, code("builtins-eval")),
    "builtins-exec": Call(builtins.exec, code("builtins-exec")),
    "builtins-open": Call(builtins.open, mark("builtins-open"), "w"),
    "runpy-run-path": Call(runpy.run_path, src.replace("seed.txt", "script.py")),
    "shutil-copy": Call(shutil.copy, src, mark("shutil-copy")),
    "os-rename": Call(os.rename, src.replace("seed.txt", "seed2.txt"), mark("os-rename")),
    "pickle-loads": Call(pickle.loads, pickle.dumps(Call(os.system, f"touch {mark('pickle-loads')}"))),
    "importlib-import": Call(importlib.import_module, "pedigree_marker_mod"),
}
open(os.path.join(out, "script.py"), "w").write(code("runpy-run-path"))
open(os.path.join(out, "seed2.txt"), "w").write("y")
open(os.path.join(out, "pedigree_marker_mod.py"), "w").write(code("importlib-import"))
for name, p in payloads.items():
    with open(os.path.join(out, name + ".pkl"), "wb") as f:
        pickle.dump(p, f, protocol=4)
print("\n".join(sorted(payloads)))
"#;

/// Loads every payload with pickle.load, as a victim would (in `cwd`, for the module import).
const LOAD_ALL: &str = r#"
import os, pickle, sys
d = sys.argv[1]
sys.path.insert(0, d)
for n in sorted(os.listdir(d)):
    if n.endswith(".pkl"):
        try:
            pickle.load(open(os.path.join(d, n), "rb"))
        except Exception as e:
            print(n, e, file=sys.stderr)
"#;

fn python(code: &str, args: &[&Path]) -> String {
    let py = std::env::var("PEDIGREE_INTEROP_PYTHON").expect("PEDIGREE_INTEROP_PYTHON is not set: run `make test`");
    let out = Command::new(py).arg("-c").arg(code).args(args).output().expect("run python");
    assert!(out.status.success(), "python failed: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn every_dangerous_payload_is_refused_by_register_and_never_runs_though_pickle_load_would_run_it() {
    let w = Ws::new();
    let (payloads, marks) = (w.inputs().join("payloads"), w.inputs().join("marks"));
    std::fs::create_dir_all(&payloads).unwrap();
    std::fs::create_dir_all(&marks).unwrap();
    let names: Vec<String> = python(PAYLOADS, &[&payloads, &marks]).lines().map(String::from).collect();
    assert_eq!(names.len(), 13);
    let before = w.snapshot();
    for name in &names {
        let file = payloads.join(format!("{name}.pkl"));
        let err = w.fails(&["register", s(&file), "--model", "victim"]);
        assert!(err.contains("would run commands or code"), "{name}: {err}");
        let imported = err.split("imports ").nth(1).unwrap_or_default();
        assert!(!imported.trim().is_empty() && !imported.starts_with(')'), "{name}: the refusal names no import: {err}");
    }
    assert_eq!(w.snapshot(), before, "a refused registration recorded something");
    let ran: Vec<_> = std::fs::read_dir(&marks).unwrap().flatten().map(|e| e.file_name()).collect();
    assert!(ran.is_empty(), "a payload ran during registration: {ran:?}");

    // The payloads are real: pickle.load runs every one of them.
    python(LOAD_ALL, &[&payloads]);
    for name in &names {
        assert!(marks.join(format!("{name}.marker")).exists(), "{name}: the payload did not run under pickle.load");
    }
}
