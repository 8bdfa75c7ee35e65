//! A registry that uses Docker's token scheme (as GHCR, ECR, Harbor and Docker Hub do): the real
//! `registry` configured with `auth: token`, and a small token service (PyJWT + cryptography in
//! the test venv) that signs RS256 tokens with a certificate the registry trusts. Pedigree
//! answers the registry's `Bearer` challenge with the sealed user and password (or an identity
//! token), and a wrong password is refused in one line.

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use super::oci::Registry;
use super::sync;
use crate::common::Ws;

/// The token service: `GET /token?service&scope` with basic auth (user `tester`, password
/// `s3cret-pass`), or `POST /token` with `grant_type=refresh_token&refresh_token=refresh-abc`;
/// writes its certificate to argv[2] once it listens.
const TOKEN_SERVICE: &str = r#"
import sys, json, time, base64, uuid, datetime, urllib.parse
from http.server import BaseHTTPRequestHandler, HTTPServer
import jwt
from cryptography import x509
from cryptography.x509.oid import NameOID
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
port, cert_path = int(sys.argv[1]), sys.argv[2]
key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "pedigree-test-token-issuer")])
now = datetime.datetime.now(datetime.timezone.utc)
cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256()))
pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
x5c = base64.b64encode(cert.public_bytes(serialization.Encoding.DER)).decode()
def token(user, service, scopes):
    access = []
    for scope in scopes:
        kind, rest = scope.split(":", 1)
        res, actions = rest.rsplit(":", 1)
        access.append({"type": kind, "name": res, "actions": actions.split(",")})
    t = int(time.time())
    claims = {"iss": "pedigree-test-issuer", "sub": user, "aud": service, "exp": t + 300, "nbf": t - 10, "iat": t,
              "jti": str(uuid.uuid4()), "access": access}
    return jwt.encode(claims, pem, algorithm="RS256", headers={"x5c": [x5c]})
class Tokens(BaseHTTPRequestHandler):
    def log_message(self, *a): pass
    def answer(self, status, body):
        data = json.dumps(body).encode()
        self.send_response(status); self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data))); self.end_headers(); self.wfile.write(data)
    def do_GET(self):
        q = urllib.parse.parse_qs(urllib.parse.urlsplit(self.path).query)
        auth = self.headers.get("Authorization", "")
        if auth != "Basic " + base64.b64encode(b"tester:s3cret-pass").decode():
            return self.answer(401, {"details": "wrong user or password"})
        self.answer(200, {"token": token("tester", q["service"][0], q.get("scope", []))})
    def do_POST(self):
        form = urllib.parse.parse_qs(self.rfile.read(int(self.headers["Content-Length"])).decode())
        if form.get("grant_type") != ["refresh_token"] or form.get("refresh_token") != ["refresh-abc"]:
            return self.answer(401, {"details": "bad refresh token"})
        self.answer(200, {"access_token": token("tester", form["service"][0], form.get("scope", [""])[0].split(" "))})
server = HTTPServer(("127.0.0.1", port), Tokens)
open(cert_path, "wb").write(cert.public_bytes(serialization.Encoding.PEM))
server.serve_forever()
"#;

struct TokenService(Child);

impl Drop for TokenService {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A token service and a registry that trusts it.
fn start() -> (TokenService, Registry) {
    let dir = tempfile::tempdir().unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let cert = dir.path().join("token-cert.pem");
    let py = std::env::var("PEDIGREE_INTEROP_PYTHON").expect("PEDIGREE_INTEROP_PYTHON: run `make test`");
    let child =
        Command::new(py).args(["-c", TOKEN_SERVICE, &port.to_string()]).arg(&cert).stderr(Stdio::inherit()).spawn().unwrap();
    let service = TokenService(child);
    let deadline = Instant::now() + Duration::from_secs(30);
    while !cert.is_file() || std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "the token service did not start");
        std::thread::sleep(Duration::from_millis(50));
    }
    let auth = format!(
        "auth:\n  token:\n    realm: http://127.0.0.1:{port}/token\n    service: pedigree-test-registry\n    issuer: pedigree-test-issuer\n    rootcertbundle: {}\n",
        cert.display()
    );
    (service, Registry::launch(dir, &auth))
}

fn add_remote(w: &Ws, host: &str, args: &[&str], stdin: &str) {
    let mut a = vec!["remote", "add", "reg", "oci"];
    let address = format!("{host}/team");
    a.push(&address);
    a.extend_from_slice(args);
    let mut c = w.command(&a);
    c.stdin(Stdio::piped()).stdout(Stdio::piped());
    let mut child = c.spawn().unwrap();
    std::io::Write::write_all(child.stdin.as_mut().unwrap(), format!("{stdin}\n").as_bytes()).unwrap();
    assert!(child.wait_with_output().unwrap().status.success());
}

#[test]
fn a_token_registry_is_answered_with_a_token_for_the_sealed_login_and_refuses_a_wrong_one() {
    let (_tokens, reg) = start();
    let w = Ws::new();
    let f = w.write("m/model.safetensors", &crate::fixtures::safetensors(&[("w", "F32", &[4])], &[]));
    w.json(&["register", f.to_str().unwrap(), "--model", "locked"]);

    // Anonymous: the registry's challenge is answered, the token service refuses.
    w.json(&["remote", "add", "anon", "oci", &format!("{}/team", reg.host)]);
    let docker = tempfile::tempdir().unwrap();
    let out = w.command(&["sync", "anon"]).env("DOCKER_CONFIG", docker.path()).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = crate::common::stderr(&out);
    assert!(err.contains("token service refused the credentials"), "{err}");
    w.json(&["remote", "remove", "anon"]);

    add_remote(&w, &reg.host, &["--username", "tester"], "not-the-password");
    let before = w.snapshot();
    let out = w.run(&["sync", "reg"]);
    assert_eq!(out.status.code(), Some(1));
    let err = crate::common::stderr(&out);
    assert!(err.contains("refused the credentials (HTTP 401)") && !err.contains("not-the-password"), "{err}");
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    assert_eq!(w.snapshot(), before);
    w.json(&["remote", "remove", "reg"]);
    add_remote(&w, &reg.host, &["--username", "tester"], "s3cret-pass");
    let (code, r) = sync(&w, &["reg"]);
    assert_eq!((code, r["pushed"].as_u64()), (0, Some(1)), "pushed through bearer tokens: {r}");

    // An identity token (as `docker login` keeps for token registries) pulls it elsewhere.
    let w2 = Ws::new();
    add_remote(&w2, &reg.host, &["--token-stdin"], "refresh-abc");
    let (code, r) = sync(&w2, &["reg", "--pull-only"]);
    assert_eq!((code, r["pulled"].as_u64()), (0, Some(1)), "{r}");
    assert_eq!(super::files(&w2, "locked@1.0.0"), super::files(&w, "locked@1.0.0"));
}
