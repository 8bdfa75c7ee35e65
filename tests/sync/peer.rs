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
static AUTH_SERVER: OnceLock<Mlflow> = OnceLock::new();

/// The admin password of the basic-auth server.
pub const ADMIN_PASSWORD: &str = "admin-pass-12345";

extern "C" fn stop_servers() {
    for s in [SERVER.get(), AUTH_SERVER.get()].into_iter().flatten() {
        // SAFETY: kill(2) on the process group the server was started in.
        unsafe {
            libc::kill(-s.pgid, libc::SIGKILL);
        }
    }
}

static AT_EXIT: std::sync::Once = std::sync::Once::new();

pub fn python() -> String {
    std::env::var("PEDIGREE_MLFLOW_PYTHON").expect("PEDIGREE_MLFLOW_PYTHON is not set: run `make test`, which installs mlflow[auth]==3.17.2")
}

/// The shared server, started on first use.
pub fn mlflow() -> &'static Mlflow {
    SERVER.get_or_init(|| start(false))
}

/// A second server with MLflow's basic-auth app (user `admin`, [`ADMIN_PASSWORD`]).
pub fn mlflow_with_auth() -> &'static Mlflow {
    AUTH_SERVER.get_or_init(|| start(true))
}

fn start(auth: bool) -> Mlflow {
    let dir = tempfile::tempdir().unwrap();
    let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let bin = std::path::Path::new(&python()).with_file_name("mlflow");
    use std::os::unix::process::CommandExt;
    let mut c = Command::new(bin);
    c.args(["server", "--host", "127.0.0.1", "--port", &port.to_string(), "--workers", "1", "--serve-artifacts"])
        .arg("--backend-store-uri")
        .arg(format!("sqlite:///{}", dir.path().join("mlflow.db").display()))
        .arg("--artifacts-destination")
        .arg(dir.path().join("artifacts"))
        .current_dir(dir.path())
        .env("MLFLOW_SERVER_ENABLE_JOB_EXECUTION", "false")
        .process_group(0)
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    if auth {
        c.args(["--app-name", "basic-auth"])
            .env("MLFLOW_AUTH_ADMIN_PASSWORD", ADMIN_PASSWORD)
            .env("MLFLOW_FLASK_SERVER_SECRET_KEY", "pedigree-test-secret");
    }
    let child = c.spawn().expect("start mlflow server");
    let pgid = child.id() as i32;
    // SAFETY: registers a plain extern "C" function, once.
    AT_EXIT.call_once(|| unsafe {
        libc::atexit(stop_servers);
    });
    let url = format!("http://127.0.0.1:{port}");
    let deadline = Instant::now() + Duration::from_secs(90);
    loop {
        // /health answers without credentials on both apps.
        let ok = Command::new("curl").args(["-sf", &format!("{url}/health")]).output().is_ok_and(|o| o.status.success());
        if ok {
            break;
        }
        assert!(Instant::now() < deadline, "mlflow server did not start on port {port}");
        std::thread::sleep(Duration::from_millis(200));
    }
    Mlflow { url, pgid, _dir: dir }
}

/// Runs a Python script with the MLflow client pointed at the server; returns its stdout.
pub fn client(script: &str, args: &[&str]) -> String {
    client_of(mlflow(), script, args, &[])
}

/// [`client`] against `server`, with extra environment (credentials).
pub fn client_of(server: &Mlflow, script: &str, args: &[&str], env: &[(&str, &str)]) -> String {
    let out = Command::new(python())
        .arg("-c")
        .arg(script)
        .args(args)
        .envs(env.iter().copied())
        .env("MLFLOW_TRACKING_URI", &server.url)
        .env("GIT_PYTHON_REFRESH", "quiet")
        .output()
        .expect("run python");
    assert!(out.status.success(), "mlflow client script failed: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}
