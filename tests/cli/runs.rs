//! `pedigree run` and `pedigree reproduce` with a real Python training script (the test venv's
//! interpreter, PEDIGREE_INTEROP_PYTHON) in a real git repository.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

use super::common::{Ws, s, stderr};

/// Writes a safetensors file of 16 weights drawn from `random.Random(seed)` (from the OS when no
/// seed is given), and its loss in metrics.json.
const TRAIN: &str = r#"import argparse, json, os, random, struct
p = argparse.ArgumentParser()
p.add_argument("--lr", type=float, default=0.1)
p.add_argument("--seed", type=int, default=None)
p.add_argument("--fail", action="store_true")
p.add_argument("--data", default=None)
a = p.parse_args()
if a.fail:
    raise SystemExit(4)
seed = a.seed if a.seed is not None else os.environ.get("SEED")
rng = random.Random(int(seed)) if seed is not None else random.Random(os.urandom(8))
w = [rng.random() * a.lr for _ in range(16)]
os.makedirs("out", exist_ok=True)
data = struct.pack("<16f", *w)
h = json.dumps({"w": {"dtype": "F32", "shape": [4, 4], "data_offsets": [0, len(data)]}}).encode()
h += b" " * ((8 - len(h) % 8) % 8)
open("out/model.safetensors", "wb").write(struct.pack("<Q", len(h)) + h + data)
json.dump({"loss": sum(w)}, open("out/metrics.json", "w"))
"#;

fn python() -> String {
    std::env::var("PEDIGREE_INTEROP_PYTHON").expect("PEDIGREE_INTEROP_PYTHON is not set: run `make test`")
}

fn git(dir: &Path, args: &[&str]) -> String {
    let out = Command::new("git").args(args).current_dir(dir).output().unwrap();
    assert!(out.status.success(), "git {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

/// A training project: a git repository with the script, a requirements file and data.
fn project(ws: &Ws) -> PathBuf {
    let dir = ws.dir.path().join("project");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("train.py"), TRAIN).unwrap();
    std::fs::write(dir.join("requirements.txt"), "numpy==2.4.6\n").unwrap();
    std::fs::write(dir.join(".gitignore"), "out/\n").unwrap();
    std::fs::write(dir.join("data.csv"), "x,y\n1,0\n").unwrap();
    git(&dir, &["init", "-q"]);
    git(&dir, &["-c", "user.email=a@b", "-c", "user.name=a", "add", "-A"]);
    git(&dir, &["-c", "user.email=a@b", "-c", "user.name=a", "commit", "-qm", "train"]);
    dir
}

/// `pedigree ARGS` run in the project folder.
fn in_project(ws: &Ws, dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut c = ws.command(args);
    c.current_dir(dir);
    for (k, v) in env {
        c.env(k, v);
    }
    c.output().unwrap()
}

fn json_of(o: &Output) -> Value {
    assert!(o.status.success(), "failed: {}", stderr(o));
    serde_json::from_slice(&o.stdout).unwrap()
}

#[test]
fn a_run_is_captured_whole_and_registers_what_it_produced() {
    let ws = Ws::new();
    let dir = project(&ws);
    let py = python();
    // A stand-in for the GPU this machine does not have: nvidia-smi as a driver answers.
    let bin = ws.dir.path().join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    let smi = bin.join("nvidia-smi");
    std::fs::write(&smi, "#!/bin/sh\necho 'NVIDIA A100-SXM4-80GB, 535.129.03, 81920 MiB'\n").unwrap();
    // And for the conda this machine does not have: `conda env export` of the active prefix.
    let conda = bin.join("conda");
    std::fs::write(
        &conda,
        "#!/bin/sh\n[ \"$1 $2 $3\" = \"env export --prefix\" ] && printf 'name: train\\ndependencies:\\n  - python=3.11\\n'\n",
    )
    .unwrap();
    use std::os::unix::fs::PermissionsExt;
    for f in [&smi, &conda] {
        std::fs::set_permissions(f, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    let path = format!("{}:{}", bin.display(), std::env::var("PATH").unwrap());
    let args = [
        "run",
        "--model",
        "churn",
        "--trained-on",
        "data.csv",
        "--metrics-from",
        "out/metrics.json",
        "--json",
        "--",
        &py,
        "train.py",
        "--lr",
        "0.05",
        "--seed",
        "7",
    ];
    let env_vars = [
        ("PATH", path.as_str()),
        ("OMP_NUM_THREADS", "2"),
        ("API_TOKEN", "do-not-record"),
        ("CONDA_PREFIX", "/opt/conda/envs/train"),
    ];
    let r = json_of(&in_project(&ws, &dir, &args, &env_vars));
    let run = &r["run"];
    let env = &run["environment"];
    assert_eq!(run["command"][1], "train.py");
    assert_eq!(run["exitCode"], 0);
    assert_eq!(env["git"]["commit"], git(&dir, &["rev-parse", "HEAD"]));
    assert_eq!(env["git"]["dirty"], false);
    let req = env["locks"].as_array().unwrap().iter().find(|l| l["path"] == "requirements.txt").unwrap();
    assert_eq!(req["sha256"].as_str().unwrap(), hex::encode(openssl::sha::sha256(b"numpy==2.4.6\n")));
    let conda = env["locks"].as_array().unwrap().iter().find(|l| l["path"] == "conda env export").expect("conda env export");
    assert_eq!(
        conda["sha256"].as_str().unwrap(),
        hex::encode(openssl::sha::sha256(b"name: train\ndependencies:\n  - python=3.11\n"))
    );
    assert!(env["interpreter"]["version"].as_str().unwrap().starts_with("3."), "{env}");
    assert!(env["interpreter"]["packageCount"].as_u64().unwrap() > 10);
    assert!(env["interpreter"]["libraries"]["numpy"].is_string(), "{env}");
    assert_eq!(env["hardware"]["gpus"][0]["driver"], "535.129.03");
    assert!(env["hardware"]["cores"].as_u64().unwrap() >= 1 && !env["hostname"].as_str().unwrap().is_empty());
    assert_eq!(env["seeds"]["arg:seed"], "7");
    assert_eq!(env["variables"]["OMP_NUM_THREADS"], "2");
    assert!(!run.to_string().contains("do-not-record"), "secrets in the environment stay out");
    assert_eq!((run["params"]["lr"].as_str(), run["params"]["seed"].as_str()), (Some("0.05"), Some("7")));
    assert!(run["inputs"].as_array().unwrap().iter().any(|i| i["path"] == "train.py"));
    let outs: Vec<&str> = run["outputs"].as_array().unwrap().iter().map(|o| o["path"].as_str().unwrap()).collect();
    assert_eq!(outs, ["out/metrics.json", "out/model.safetensors"]);
    // Registered in the same step, linked to the run, its data, code and environment.
    assert_eq!((r["registered"]["model"].as_str(), r["registered"]["version"].as_str()), (Some("churn"), Some("1.0.0")));
    let shown = ws.json(&["show", "churn@1.0.0"]);
    let id = run["id"].as_str().unwrap();
    assert!(
        shown["upstream"].as_array().unwrap().iter().any(|e| e["kind"] == "produced_by" && e["to"] == format!("run:{id}")),
        "{shown}"
    );
    assert!(shown["version"]["metrics"]["loss"].is_number(), "{shown}");
    let lineage = ws.json(&["lineage", &format!("run:{id}")]);
    let kinds: Vec<&str> = lineage["edges"].as_array().unwrap().iter().map(|e| e["kind"].as_str().unwrap()).collect();
    for k in ["used", "built_from", "ran_in"] {
        assert!(kinds.contains(&k), "{k} in {kinds:?}");
    }

    // Seeds from the environment, and code changed but not committed, are captured too; a big
    // file named on the command line is not hashed before the run.
    std::fs::write(dir.join("train.py"), format!("{TRAIN}# tuned\n")).unwrap();
    let big = dir.join("out/big.bin");
    std::fs::File::create(&big).unwrap().set_len(65 << 20).unwrap();
    let r = json_of(&in_project(
        &ws,
        &dir,
        &["run", "--json", "--", &py, "train.py", "--lr=0.1", "--data", "out/big.bin"],
        &[("SEED", "11")],
    ));
    let inputs: Vec<&str> = r["run"]["inputs"].as_array().unwrap().iter().map(|i| i["path"].as_str().unwrap()).collect();
    assert_eq!(inputs, ["train.py"], "{inputs:?}");
    let env = &r["run"]["environment"];
    assert_eq!(env["seeds"]["env:SEED"], "11");
    assert_eq!(env["git"]["dirty"], true);
    assert_eq!(env["git"]["uncommittedDigest"].as_str().map(str::len), Some(64));
    assert!(r["registered"].is_null(), "no --model: the run alone");
}

#[test]
fn reproduce_prints_the_recipe_and_check_tells_a_reproducible_run_from_one_that_is_not() {
    let ws = Ws::new();
    let dir = project(&ws);
    let py = python();
    json_of(&in_project(&ws, &dir, &["run", "--model", "churn", "--json", "--", &py, "train.py", "--seed", "7"], &[]));
    let recipe = ws.json(&["reproduce", "churn@1.0.0"]);
    assert_eq!(recipe["code"].as_str().unwrap(), format!("git+file://{}@{}", dir.display(), git(&dir, &["rev-parse", "HEAD"])));
    assert_eq!(recipe["expected"][0]["path"], "model.safetensors");
    assert!(recipe["environmentId"].as_str().unwrap().starts_with("sha256:"));
    let human = String::from_utf8(ws.run(&["reproduce", "churn@1.0.0"]).stdout).unwrap();
    assert!(human.contains("TO MAKE IT AGAIN") && human.contains("train.py --seed 7"), "{human}");
    // Seeded: the same bytes again (run from anywhere: it runs where it ran).
    let check = ws.run(&["reproduce", "churn@1.0.0", "--check", "--json"]);
    assert_eq!(check.status.code(), Some(0), "{}", stderr(&check));
    let c: Value = serde_json::from_slice(&check.stdout).unwrap();
    assert_eq!(c["identical"], true, "{c}");
    assert!(c["differences"].as_array().unwrap().is_empty(), "{c}");
    // Not seeded: other bytes, exit 3, and the check is on record either way.
    json_of(&in_project(&ws, &dir, &["run", "--model", "churn", "--json", "--", &py, "train.py"], &[]));
    let check = ws.run(&["reproduce", "churn@1.1.0", "--check", "--json"]);
    assert_eq!(check.status.code(), Some(3));
    let c: Value = serde_json::from_slice(&check.stdout).unwrap();
    let model = c["outputs"].as_array().unwrap().iter().find(|o| o["path"] == "out/model.safetensors").unwrap();
    assert_eq!(model["same"], false, "{c}");
    let log = ws.json(&["audit", "log", "--subject", "version:churn@1.1.0"]);
    let check_event = log["events"].as_array().unwrap().iter().find(|e| e["action"] == "reproduce").unwrap();
    assert!(
        check_event.to_string().contains("\\\"identical\\\":false") || check_event["payload"]["identical"] == false,
        "{check_event}"
    );
    // A version no captured run produced has no recipe.
    let f = ws.write("m.safetensors", &super::st(&[("w", "F32", &[2])]));
    ws.json(&["register", s(&f), "--model", "other"]);
    assert!(ws.fails(&["reproduce", "other@1.0.0"]).contains("not produced by a run"));
    assert!(ws.run(&["audit", "verify"]).status.success());
}

#[test]
fn a_failed_run_is_recorded_and_registers_nothing() {
    let ws = Ws::new();
    let dir = project(&ws);
    let before = ws.snapshot();
    let out = in_project(&ws, &dir, &["run", "--model", "churn", "--", &python(), "train.py", "--fail"], &[]);
    assert_eq!(out.status.code(), Some(4), "the command's own exit code: {}", stderr(&out));
    assert!(ws.json(&["models"])["models"].as_array().unwrap().is_empty());
    let log = ws.json(&["audit", "log"]);
    let run = log["events"].as_array().unwrap().iter().find(|e| e["action"] == "run").expect("the run is on record");
    assert!(run.to_string().contains("exitCode"), "{run}");
    assert_ne!(ws.snapshot(), before);
    // A command that does not exist: one line, nothing recorded.
    let before = ws.snapshot();
    let out = in_project(&ws, &dir, &["run", "--", "no-such-trainer"], &[]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("cannot start no-such-trainer"), "{}", stderr(&out));
    assert_eq!(ws.snapshot(), before);
    // A run whose model file is not among its outputs names what to do.
    let out = in_project(&ws, &dir, &["run", "--model", "x", "--", "true"], &[]);
    assert!(stderr(&out).contains("--output"), "{}", stderr(&out));
}
