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
    std::env::var("PEDIGREE_MLFLOW_PYTHON")
        .expect("PEDIGREE_MLFLOW_PYTHON is not set: run `make test`, which installs mlflow[auth]==3.17.2")
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
    let pgid = spawn(dir.path(), port, auth);
    Mlflow { url: format!("http://127.0.0.1:{port}"), pgid, _dir: dir }
}

/// A server of one test's own, stopped and started again on the same port and database (to
/// test a server that goes away); stopped on drop.
pub struct Own {
    pub url: String,
    port: u16,
    pgid: Option<i32>,
    dir: tempfile::TempDir,
}

impl Own {
    pub fn start() -> Own {
        let dir = tempfile::tempdir().unwrap();
        let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let pgid = Some(spawn(dir.path(), port, false));
        Own { url: format!("http://127.0.0.1:{port}"), port, pgid, dir }
    }

    /// Kills the server (SIGKILL to its process group) and waits until the port is closed.
    pub fn stop(&mut self) {
        if let Some(pgid) = self.pgid.take() {
            // SAFETY: kill(2) on the process group this test started.
            unsafe {
                libc::kill(-pgid, libc::SIGKILL);
            }
            let deadline = Instant::now() + Duration::from_secs(10);
            while std::net::TcpStream::connect(("127.0.0.1", self.port)).is_ok() && Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(50));
            }
        }
    }

    /// Where the server keeps artifacts (`--artifacts-destination`).
    pub fn artifacts(&self) -> std::path::PathBuf {
        self.dir.path().join("artifacts")
    }

    pub fn restart(&mut self) {
        self.stop();
        self.pgid = Some(spawn(self.dir.path(), self.port, false));
    }
}

impl Drop for Own {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Starts `mlflow server` on `port` with its database and artifacts in `dir`; returns its process
/// group once it answers.
fn spawn(dir: &std::path::Path, port: u16, auth: bool) -> i32 {
    let bin = std::path::Path::new(&python()).with_file_name("mlflow");
    use std::os::unix::process::CommandExt;
    let mut c = Command::new(bin);
    c.args(["server", "--host", "127.0.0.1", "--port", &port.to_string(), "--workers", "1", "--serve-artifacts"])
        .arg("--backend-store-uri")
        .arg(format!("sqlite:///{}", dir.join("mlflow.db").display()))
        .arg("--artifacts-destination")
        .arg(dir.join("artifacts"))
        .current_dir(dir)
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
    pgid
}

/// Runs a Python script with the MLflow client pointed at the server; returns its stdout.
pub fn client(script: &str, args: &[&str]) -> String {
    client_of(&mlflow().url, script, args, &[])
}

/// [`client`] against the server at `url`, with extra environment (credentials).
pub fn client_of(url: &str, script: &str, args: &[&str], env: &[(&str, &str)]) -> String {
    let out = Command::new(python())
        .arg("-c")
        .arg(script)
        .args(args)
        .envs(env.iter().copied())
        .env("MLFLOW_TRACKING_URI", url)
        .env("GIT_PYTHON_REFRESH", "quiet")
        .output()
        .expect("run python");
    assert!(out.status.success(), "mlflow client script failed: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}
