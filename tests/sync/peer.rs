//! One real MLflow 3.17.2 tracking server for this test binary (`mlflow server` from the venv
//! `make test` installs, sqlite backend, `--serve-artifacts`), started on a free loopback port
//! on first use and stopped by PID (its whole process group) when the binary exits.

use std::net::TcpListener;
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

pub struct Mlflow {
    pub url: String,
    pgid: i32,
    _dir: tempfile::TempDir,
}

static SERVER: OnceLock<Mlflow> = OnceLock::new();

extern "C" fn stop_server() {
    if let Some(s) = SERVER.get() {
        // SAFETY: kill(2) on the process group the server was started in.
        unsafe {
            libc::kill(-s.pgid, libc::SIGKILL);
        }
    }
}

pub fn python() -> String {
    std::env::var("PEDIGREE_MLFLOW_PYTHON").expect("PEDIGREE_MLFLOW_PYTHON is not set: run `make test`, which installs mlflow[auth]==3.17.2")
}

/// The shared server, started on first use.
pub fn mlflow() -> &'static Mlflow {
    SERVER.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let bin = std::path::Path::new(&python()).with_file_name("mlflow");
        use std::os::unix::process::CommandExt;
        let child = Command::new(bin)
            .args(["server", "--host", "127.0.0.1", "--port", &port.to_string(), "--workers", "1", "--serve-artifacts"])
            .arg("--backend-store-uri")
            .arg(format!("sqlite:///{}", dir.path().join("mlflow.db").display()))
            .arg("--artifacts-destination")
            .arg(dir.path().join("artifacts"))
            .env("MLFLOW_SERVER_ENABLE_JOB_EXECUTION", "false")
            .process_group(0)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start mlflow server");
        let pgid = child.id() as i32;
        // SAFETY: registers a plain extern "C" function, once.
        unsafe {
            libc::atexit(stop_server);
        }
        let url = format!("http://127.0.0.1:{port}");
        let deadline = Instant::now() + Duration::from_secs(90);
        loop {
            let ok = Command::new("curl").args(["-sf", &format!("{url}/health")]).output().is_ok_and(|o| o.status.success());
            if ok {
                break;
            }
            assert!(Instant::now() < deadline, "mlflow server did not start on port {port}");
            std::thread::sleep(Duration::from_millis(200));
        }
        Mlflow { url, pgid, _dir: dir }
    })
}

/// Runs a Python script with the MLflow client pointed at the server; returns its stdout.
pub fn client(script: &str, args: &[&str]) -> String {
    let out = Command::new(python())
        .arg("-c")
        .arg(script)
        .args(args)
        .env("MLFLOW_TRACKING_URI", &mlflow().url)
        .env("GIT_PYTHON_REFRESH", "quiet")
        .output()
        .expect("run python");
    assert!(out.status.success(), "mlflow client script failed: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}
