//! Test peers started on 127.0.0.1 by the tests and stopped by PID (on drop): moto's S3 server,
//! Python's http.server, and a fake server for faults a real one cannot produce on demand.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// A free loopback port (bound, then released).
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

fn http_status(port: u16, path: &str) -> Option<u16> {
    let mut s = TcpStream::connect(("127.0.0.1", port)).ok()?;
    s.set_read_timeout(Some(Duration::from_secs(2))).ok()?;
    write!(s, "GET {path} HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n").ok()?;
    let mut buf = [0u8; 64];
    let n = s.read(&mut buf).ok()?;
    std::str::from_utf8(&buf[..n]).ok()?.split_whitespace().nth(1)?.parse().ok()
}

fn wait_ready(child: &mut Child, port: u16, path: &str, what: &str) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while Instant::now() < deadline {
        if http_status(port, path).is_some() {
            return;
        }
        if let Ok(Some(st)) = child.try_wait() {
            panic!("{what} exited before it was ready: {st}");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!("{what} did not start on port {port}");
}

/// A child process killed (and reaped) on drop.
pub struct Peer {
    pub child: Child,
    pub port: u16,
}

impl Peer {
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    pub fn stop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Peer {
    fn drop(&mut self) {
        self.stop();
    }
}

/// moto's S3 server from the test venv (`make test` sets PEDIGREE_MOTO_SERVER).
/// `enforce_auth`: every request must carry keys of a real IAM user (moto's
/// INITIAL_NO_AUTH_ACTION_COUNT=0), so made-up credentials are rejected with 403.
pub fn moto(enforce_auth: bool) -> Peer {
    let bin = std::env::var("PEDIGREE_MOTO_SERVER")
        .expect("PEDIGREE_MOTO_SERVER is not set: run `make test`, which installs moto[s3] in the test venv");
    let port = free_port();
    let mut c = Command::new(bin);
    c.args(["-H", "127.0.0.1", "-p", &port.to_string()]).stdout(Stdio::null()).stderr(Stdio::null());
    if enforce_auth {
        c.env("INITIAL_NO_AUTH_ACTION_COUNT", "0");
    }
    let mut child = c.spawn().expect("start moto_server");
    wait_ready(&mut child, port, "/moto-api/", "moto_server");
    Peer { child, port }
}

/// `python3 -m http.server` serving `dir` (autoindex pages, no WebDAV, no Range support).
pub fn http_server(dir: &std::path::Path) -> Peer {
    let port = free_port();
    let mut child = Command::new("python3")
        .args(["-m", "http.server", &port.to_string(), "--bind", "127.0.0.1", "--directory"])
        .arg(dir)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start python3 -m http.server");
    wait_ready(&mut child, port, "/", "http.server");
    Peer { child, port }
}

/// Puts objects into a bucket (created if missing) through object_store, signed like a client.
pub fn s3_put(endpoint: &str, bucket: &str, objects: &[(String, Vec<u8>)]) {
    use object_store::ObjectStoreExt;
    let port: u16 = endpoint.rsplit(':').next().unwrap().parse().unwrap();
    let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    write!(s, "PUT /{bucket} HTTP/1.0\r\nHost: 127.0.0.1\r\nContent-Length: 0\r\n\r\n").unwrap();
    let mut buf = Vec::new();
    let _ = s.read_to_end(&mut buf);
    let store = object_store::aws::AmazonS3Builder::new()
        .with_endpoint(endpoint)
        .with_allow_http(true)
        .with_bucket_name(bucket)
        .with_region("us-east-1")
        .with_access_key_id("testing")
        .with_secret_access_key("testing")
        .build()
        .unwrap();
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    rt.block_on(async {
        for (key, bytes) in objects {
            store.put(&object_store::path::Path::from(key.as_str()), bytes.clone().into()).await.unwrap();
        }
    });
}

/// What the fake server does with each request.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// Answer 500 Internal Server Error.
    Status500,
    /// Accept the connection, read the request, never answer.
    Hang,
}

/// A server that fails every request; counts the requests it saw.
pub struct FaultyServer {
    pub port: u16,
    pub requests: Arc<AtomicUsize>,
    stop: Arc<AtomicBool>,
}

impl FaultyServer {
    pub fn start(fault: Fault) -> FaultyServer {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        let port = listener.local_addr().unwrap().port();
        let requests = Arc::new(AtomicUsize::new(0));
        let stop = Arc::new(AtomicBool::new(false));
        let (r, st) = (requests.clone(), stop.clone());
        std::thread::spawn(move || {
            let mut held = Vec::new();
            while !st.load(Ordering::Relaxed) {
                match listener.accept() {
                    Ok((mut conn, _)) => {
                        let _ = conn.set_nonblocking(false);
                        let _ = conn.set_read_timeout(Some(Duration::from_millis(500)));
                        let mut buf = [0u8; 8192];
                        let _ = conn.read(&mut buf);
                        r.fetch_add(1, Ordering::Relaxed);
                        match fault {
                            Fault::Status500 => {
                                let body = "<Error><Code>InternalError</Code><Message>boom</Message></Error>";
                                let _ = write!(
                                    conn,
                                    "HTTP/1.1 500 Internal Server Error\r\nContent-Type: application/xml\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                                    body.len()
                                );
                            }
                            Fault::Hang => held.push(conn),
                        }
                    }
                    Err(_) => std::thread::sleep(Duration::from_millis(10)),
                }
            }
        });
        FaultyServer { port, requests, stop }
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }
}

impl Drop for FaultyServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}
