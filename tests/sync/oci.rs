//! OCI registries: versions pushed as CNCF ModelPack artifacts to a real `registry` (Debian's
//! docker-registry 2.8, started per test on a free loopback port), read back byte-identical by
//! an independent client (PyPI `oras`), their config valid against the spec's schema; pulled
//! into another workspace; an artifact `oras` pushed imported; a blob whose bytes are not what
//! its manifest says refused.

use std::collections::BTreeMap;
use std::net::TcpListener;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use super::sync;
use crate::common::Ws;

/// A `registry` of one test's own, stopped on drop.
pub(super) struct Registry {
    pub(super) host: String,
    child: std::process::Child,
    dir: tempfile::TempDir,
}

impl Registry {
    fn start() -> Registry {
        Registry::start_with(None)
    }

    /// With basic auth: one user in an htpasswd file (bcrypt, `htpasswd -Bbc`).
    fn start_with(user: Option<(&str, &str)>) -> Registry {
        let dir = tempfile::tempdir().unwrap();
        let mut auth = String::new();
        if let Some((name, password)) = user {
            let file = dir.path().join("htpasswd");
            let ok = Command::new("htpasswd")
                .arg("-Bbc")
                .arg(&file)
                .args([name, password])
                .output()
                .expect("htpasswd (apache2-utils)");
            assert!(ok.status.success());
            auth = format!("auth:\n  htpasswd:\n    realm: basic-realm\n    path: {}\n", file.display());
        }
        Registry::launch(dir, &auth)
    }

    /// Starts one on a free loopback port with its data in `dir` and `auth` (YAML, may be empty).
    pub(super) fn launch(dir: tempfile::TempDir, auth: &str) -> Registry {
        let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let config = dir.path().join("config.yml");
        let yaml = format!(
            "version: 0.1\nlog:\n  level: error\nstorage:\n  filesystem:\n    rootdirectory: {}\nhttp:\n  addr: 127.0.0.1:{port}\n{auth}",
            dir.path().join("data").display()
        );
        std::fs::write(&config, yaml).unwrap();
        let bin = std::env::var("PEDIGREE_OCI_REGISTRY").unwrap_or_else(|_| "/usr/bin/docker-registry".into());
        let child = Command::new(bin)
            .arg("serve")
            .arg(&config)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start docker-registry (Debian's docker-registry package; `make test` installs it)");
        let deadline = Instant::now() + Duration::from_secs(20);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "docker-registry did not start on port {port}");
            std::thread::sleep(Duration::from_millis(50));
        }
        Registry { host: format!("127.0.0.1:{port}"), child, dir }
    }

    /// The file holding a blob on the registry's disk.
    fn blob_file(&self, digest: &str) -> std::path::PathBuf {
        let hex = digest.trim_start_matches("sha256:");
        self.dir.path().join(format!("data/docker/registry/v2/blobs/sha256/{}/{hex}/data", &hex[..2]))
    }
}

impl Drop for Registry {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Python with `oras` and `jsonschema` (the test venv).
pub(super) fn python(script: &str, args: &[&str]) -> String {
    let py = std::env::var("PEDIGREE_INTEROP_PYTHON").expect("PEDIGREE_INTEROP_PYTHON: run `make test`");
    let out = Command::new(py).arg("-c").arg(script).args(args).output().expect("run python");
    assert!(out.status.success(), "python failed: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

/// `oras pull REF` into a folder: {path: sha256}; the manifest's and config's JSON; the config
/// checked against the ModelPack schema.
const ORAS_PULL: &str = r#"
import sys, json, hashlib, os, tempfile, urllib.request
import oras.client, jsonschema
ref, schema = sys.argv[1], sys.argv[2]
d = tempfile.mkdtemp()
oras.client.OrasClient(insecure=True).pull(target=ref, outdir=d)
files = {}
for root, _, fs in os.walk(d):
    for f in fs:
        full = os.path.join(root, f)
        files[os.path.relpath(full, d)] = hashlib.sha256(open(full, "rb").read()).hexdigest()
host, rest = ref.split("/", 1)
repo, tag = rest.rsplit(":", 1)
req = urllib.request.Request(f"http://{host}/v2/{repo}/manifests/{tag}", headers={"Accept": "application/vnd.oci.image.manifest.v1+json"})
resp = urllib.request.urlopen(req)
digest = resp.headers["Docker-Content-Digest"]
manifest = json.loads(resp.read())
config = json.loads(urllib.request.urlopen(f"http://{host}/v2/{repo}/blobs/{manifest['config']['digest']}").read())
jsonschema.validate(config, json.load(open(schema)))
print(json.dumps({"files": files, "digest": digest, "manifest": manifest, "config": config}))
"#;

/// `oras push REF FILE` (a plain ORAS artifact: one file, its name in the title annotation).
const ORAS_PUSH: &str = r#"
import sys, os, oras.client
ref, path = sys.argv[1], sys.argv[2]
os.chdir(os.path.dirname(path))
oras.client.OrasClient(insecure=True).push(target=ref, files=[os.path.basename(path)])
"#;

/// The `imported_from` node of a shown version.
fn imported_from(shown: &serde_json::Value) -> String {
    let edges = shown["upstream"].as_array().unwrap();
    let e = edges.iter().find(|e| e["kind"] == "imported_from").unwrap_or_else(|| panic!("no imported_from edge: {shown}"));
    e["to"].as_str().unwrap().to_string()
}

fn local_files(w: &Ws, reference: &str) -> BTreeMap<String, String> {
    super::files(w, reference)
}

#[test]
fn a_version_pushed_as_modelpack_reads_back_byte_identical_with_oras_and_pulls_into_another_workspace() {
    let reg = Registry::start();
    let w = Ws::new();
    let dir = w.inputs().join("m");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("model.safetensors"), crate::fixtures::safetensors(&[("w", "F32", &[16])], &[])).unwrap();
    std::fs::write(dir.join("config.json"), b"{\"hidden\": 16}").unwrap();
    std::fs::write(dir.join("README.md"), b"# oci model\n").unwrap();
    w.json(&["register", dir.to_str().unwrap(), "--model", "oci-model", "-m", "first cut"]);
    w.json(&["alias", "set", "oci-model@1.0.0", "champion"]);
    let added = w.json(&["remote", "add", "reg", "oci", &format!("{}/team", reg.host)]);
    assert_eq!(
        (added["kind"].as_str(), added["credentials"].as_str()),
        (Some("oci"), Some("~/.docker/config.json if it has this registry, else anonymous")),
        "{added}"
    );
    let t = w.json(&["remote", "test", "reg"]);
    assert_eq!(t["models"], "0", "{t}");

    let (code, r) = sync(&w, &["reg"]);
    assert_eq!((code, r["pushed"].as_u64(), r["aliasesPushed"].as_u64()), (0, Some(1), Some(1)), "{r}");

    // An independent client restores the files by name, byte-identical; the config is valid.
    let schema = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/modelpack/config-schema.json");
    let pulled: serde_json::Value =
        serde_json::from_str(&python(ORAS_PULL, &[&format!("{}/team/oci-model:1.0.0", reg.host), schema.to_str().unwrap()]))
            .unwrap();
    let got: BTreeMap<String, String> = serde_json::from_value(pulled["files"].clone()).unwrap();
    assert_eq!(got, local_files(&w, "oci-model@1.0.0"));
    let m = &pulled["manifest"];
    assert_eq!(m["artifactType"], "application/vnd.cncf.model.manifest.v1+json", "{m}");
    let types: BTreeMap<String, String> = m["layers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| (l["annotations"]["org.cncf.model.filepath"].as_str().unwrap().into(), l["mediaType"].as_str().unwrap().into()))
        .collect();
    assert_eq!(types["model.safetensors"], "application/vnd.cncf.model.weight.v1.raw");
    assert_eq!(types["config.json"], "application/vnd.cncf.model.weight.config.v1.raw");
    assert_eq!(types["README.md"], "application/vnd.cncf.model.doc.v1.raw");
    let c = &pulled["config"];
    assert_eq!(
        (c["descriptor"]["name"].as_str(), c["descriptor"]["version"].as_str()),
        (Some("oci-model"), Some("1.0.0")),
        "{c}"
    );
    assert_eq!(c["modelfs"]["diffIds"].as_array().unwrap().len(), 3, "{c}");
    // The alias is a second tag of the same manifest.
    let champion: serde_json::Value =
        serde_json::from_str(&python(ORAS_PULL, &[&format!("{}/team/oci-model:champion", reg.host), schema.to_str().unwrap()]))
            .unwrap();
    assert_eq!(champion["digest"], pulled["digest"]);

    // In step: nothing is pushed again.
    let (code, r) = sync(&w, &["reg"]);
    assert_eq!((code, r["pushed"].as_u64(), r["pulled"].as_u64()), (0, Some(0), Some(0)), "{r}");
    // Bindings lost: the version is found again by its digest annotation, not pushed twice.
    w.json(&["remote", "remove", "reg"]);
    w.json(&["remote", "add", "reg", "oci", &format!("{}/team", reg.host)]);
    let (code, r) = sync(&w, &["reg"]);
    assert_eq!((code, r["pushed"].as_u64(), r["bound"].as_u64()), (0, Some(0), Some(1)), "{r}");

    // Exported again (under another prefix): the same manifest, byte for byte.
    w.json(&["remote", "add", "mirror", "oci", &format!("{}/mirror", reg.host)]);
    assert_eq!(sync(&w, &["mirror"]).0, 0);
    let again: serde_json::Value =
        serde_json::from_str(&python(ORAS_PULL, &[&format!("{}/mirror/oci-model:1.0.0", reg.host), schema.to_str().unwrap()]))
            .unwrap();
    assert_eq!(again["digest"], pulled["digest"], "exporting a version twice gives the same manifest digest");

    // Another workspace pulls it: same files, same semver, the alias.
    let w2 = Ws::new();
    w2.json(&["remote", "add", "reg", "oci", &format!("{}/team", reg.host)]);
    let (code, r) = sync(&w2, &["reg", "--pull-only"]);
    assert_eq!((code, r["pulled"].as_u64()), (0, Some(1)), "{r}");
    assert_eq!(local_files(&w2, "oci-model@1.0.0"), local_files(&w, "oci-model@1.0.0"));
    assert_eq!(w2.json(&["show", "oci-model@champion"])["version"]["version"], "1.0.0");
    let shown = w2.json(&["show", "oci-model@1.0.0"]);
    assert_eq!(shown["version"]["manifestDigest"], w.json(&["show", "oci-model@1.0.0"])["version"]["manifestDigest"]);
    // Lineage: imported from that manifest, by digest.
    assert_eq!(imported_from(&shown), format!("source:oci://{}/team/oci-model@{}", reg.host, pulled["digest"].as_str().unwrap()));

    // What `oras` pushes (a plain artifact, the file named by its title) is imported too.
    let f = w2.write("oras/weights.bin", &[7u8; 4096]);
    python(ORAS_PUSH, &[&format!("{}/team/oras-model:2.0.0", reg.host), f.to_str().unwrap()]);
    let (code, r) = sync(&w2, &["reg", "--pull-only"]);
    assert_eq!((code, r["pulled"].as_u64()), (0, Some(1)), "{r}");
    let files = local_files(&w2, "oras-model@2.0.0");
    assert_eq!(files.keys().collect::<Vec<_>>(), ["weights.bin"], "{files:?}");

    // A blob the registry serves with other bytes than its manifest says is refused.
    let g = w2.write("bad/weights.bin", &[9u8; 4096]);
    python(ORAS_PUSH, &[&format!("{}/team/bad-model:1.0.0", reg.host), g.to_str().unwrap()]);
    let digest = format!("sha256:{}", sha256_hex(&[9u8; 4096]));
    std::fs::write(reg.blob_file(&digest), [8u8; 4096]).unwrap();
    let (code, r) = sync(&w2, &["reg", "--pull-only"]);
    assert_eq!((code, r["pulled"].as_u64()), (0, Some(0)), "{r}");
    let skipped = r["skipped"].as_array().unwrap();
    assert!(
        skipped
            .iter()
            .any(|i| i["subject"] == "bad-model/1.0.0" && i["reason"].as_str().unwrap().contains("not what its manifest says")),
        "{r}"
    );
    assert!(w2.json(&["models"])["models"].as_array().unwrap().iter().all(|m| m["name"] != "bad-model"));

    // A tag moved to another manifest is reported, never followed; --import-drift registers the
    // new files as a new version.
    let before = local_files(&w2, "oras-model@2.0.0");
    let h = w2.write("moved/weights.bin", &[5u8; 2048]);
    python(ORAS_PUSH, &[&format!("{}/team/oras-model:2.0.0", reg.host), h.to_str().unwrap()]);
    let (code, r) = sync(&w2, &["reg", "--pull-only"]);
    assert_eq!(code, 3, "{r}");
    let drifted = r["drifted"].as_array().unwrap();
    assert!(
        drifted.iter().any(|i| i["subject"] == "oras-model/2.0.0" && i["reason"].as_str().unwrap().contains("not followed")),
        "{r}"
    );
    assert_eq!(local_files(&w2, "oras-model@2.0.0"), before, "registered bytes never change");
    let (code, r) = sync(&w2, &["reg", "--pull-only", "--import-drift"]);
    assert_eq!((code, r["pulled"].as_u64()), (0, Some(1)), "{r}");
    let versions = w2.json(&["versions", "oras-model"]);
    let newest = versions["versions"][0]["version"].as_str().unwrap().to_string();
    assert_ne!(newest, "2.0.0");
    let moved = local_files(&w2, &format!("oras-model@{newest}"));
    assert_eq!(moved.keys().collect::<Vec<_>>(), ["weights.bin"]);
    assert_ne!(moved, before);

    // The same for a version an alias points at: the alias tag still names the old manifest, so
    // the alias here stays where it was, and nothing is a conflict.
    let h = w2.write("moved2/weights.bin", &[6u8; 2048]);
    python(ORAS_PUSH, &[&format!("{}/team/oci-model:1.0.0", reg.host), h.to_str().unwrap()]);
    let (code, r) = sync(&w2, &["reg", "--pull-only"]);
    assert_eq!((code, r["conflicts"].as_array().map(Vec::len)), (3, Some(0)), "{r}");
    assert!(r["drifted"].as_array().unwrap().iter().any(|i| i["subject"] == "oci-model/1.0.0"), "{r}");
    let (code, r) = sync(&w2, &["reg", "--import-drift"]);
    assert_eq!((code, r["pulled"].as_u64(), r["aliasesPushed"].as_u64()), (0, Some(1), Some(0)), "{r}");
    assert_eq!(w2.json(&["show", "oci-model@champion"])["version"]["version"], "1.0.0");
}

fn sha256_hex(bytes: &[u8]) -> String {
    let out = Command::new("sha256sum").stdin(Stdio::piped()).stdout(Stdio::piped()).spawn().unwrap();
    use std::io::Write;
    out.stdin.as_ref().unwrap().write_all(bytes).unwrap();
    let o = out.wait_with_output().unwrap();
    String::from_utf8(o.stdout).unwrap().split_whitespace().next().unwrap().to_string()
}

#[test]
fn a_registry_with_basic_auth_refuses_a_wrong_password_in_one_line_and_takes_the_sealed_right_one() {
    let reg = Registry::start_with(Some(("tester", "s3cret-pass")));
    let w = Ws::new();
    let f = w.write("m/model.safetensors", &crate::fixtures::safetensors(&[("w", "F32", &[4])], &[]));
    w.json(&["register", f.to_str().unwrap(), "--model", "locked"]);
    let add = |password: &str| {
        let mut c = w.command(&["remote", "add", "reg", "oci", &format!("{}/team", reg.host), "--username", "tester"]);
        c.stdin(Stdio::piped()).stdout(Stdio::piped());
        let mut child = c.spawn().unwrap();
        std::io::Write::write_all(child.stdin.as_mut().unwrap(), format!("{password}\n").as_bytes()).unwrap();
        assert!(child.wait_with_output().unwrap().status.success());
    };
    add("not-the-password");
    let before = w.snapshot();
    let out = w.run(&["sync", "reg"]);
    assert_eq!(out.status.code(), Some(1));
    let err = crate::common::stderr(&out);
    assert!(err.contains("refused the credentials (HTTP 401)"), "{err}");
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    assert!(!err.contains("not-the-password"), "{err}");
    assert_eq!(w.snapshot(), before);
    w.json(&["remote", "remove", "reg"]);
    add("s3cret-pass");
    let (code, r) = sync(&w, &["reg"]);
    assert_eq!((code, r["pushed"].as_u64()), (0, Some(1)), "{r}");

    // Nothing sealed: Docker's own login for that registry is used, none without one.
    let w2 = Ws::new();
    w2.json(&["remote", "add", "reg", "oci", &format!("{}/team", reg.host)]);
    let docker = tempfile::tempdir().unwrap();
    let out = w2.command(&["sync", "reg"]).env("DOCKER_CONFIG", docker.path()).output().unwrap();
    assert_eq!(out.status.code(), Some(1), "no login: refused");
    let login = base64_of("tester:s3cret-pass");
    std::fs::write(docker.path().join("config.json"), format!("{{\"auths\": {{\"{}\": {{\"auth\": \"{login}\"}}}}}}", reg.host))
        .unwrap();
    let out = w2.command(&["sync", "reg", "--json"]).env("DOCKER_CONFIG", docker.path()).output().unwrap();
    let r: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!((out.status.code(), r["pulled"].as_u64()), (Some(0), Some(1)), "{r}");
}

fn base64_of(s: &str) -> String {
    let out = Command::new("base64").arg("-w0").stdin(Stdio::piped()).stdout(Stdio::piped()).spawn().unwrap();
    use std::io::Write;
    out.stdin.as_ref().unwrap().write_all(s.as_bytes()).unwrap();
    String::from_utf8(out.wait_with_output().unwrap().stdout).unwrap()
}

#[test]
fn one_version_goes_out_with_push_and_comes_in_with_pull_with_or_without_a_remote() {
    let reg = Registry::start();
    let w = Ws::new();
    for (i, n) in [4u64, 8].iter().enumerate() {
        let f = w.write(&format!("v{i}/model.safetensors"), &crate::fixtures::safetensors(&[("w", "F32", &[*n])], &[]));
        w.json(&["register", f.to_str().unwrap(), "--model", "one-model"]);
    }
    w.json(&["remote", "add", "reg", "oci", &format!("{}/team", reg.host)]);
    let r = w.json(&["push", "one-model@1.0.0", "--to", "reg"]);
    assert_eq!((r["report"]["pushed"].as_u64(), r["attestation"].as_str()), (Some(1), None), "{r}");
    let again = w.json(&["push", "one-model@1.0.0", "--to", "reg"]);
    assert_eq!(again["report"]["pushed"], 0, "already there: {again}");

    // No remote here: read anonymously, registered with where it came from.
    let w2 = Ws::new();
    let reference = format!("{}/team/one-model:1.0.0", reg.host);
    let p = w2.json(&["pull", &reference]);
    assert_eq!((p["version"].as_str(), p["remote"].as_str()), (Some("one-model@1.0.0"), None), "{p}");
    assert!(p["source"].as_str().unwrap().contains("@sha256:"), "{p}");
    assert_eq!(local_files(&w2, "one-model@1.0.0"), local_files(&w, "one-model@1.0.0"));
    let shown = w2.json(&["show", "one-model@1.0.0"]);
    assert!(shown["version"]["message"].as_str().unwrap().starts_with("imported from"), "{shown}");
    assert_eq!(imported_from(&shown), format!("source:oci://{}", p["source"].as_str().unwrap()));
    let node = w2.json(&["lineage", &imported_from(&shown), "--down", "1"]);
    assert!(node.to_string().contains("version:one-model@1.0.0"), "the source node leads to the version: {node}");
    assert_eq!(w2.json(&["pull", &reference, "--model", "renamed"])["version"], "renamed@1.0.0");
    // Only the version pushed is there.
    let err = w2.fails(&["pull", &format!("{}/team/one-model:2.0.0", reg.host)]);
    assert!(err.contains("no such tag"), "{err}");
    let err = w2.fails(&["pull", "not-a-reference"]);
    assert!(err.contains("HOST[:PORT]/REPO:TAG"), "{err}");

    // A remote that covers it: the pull is bound there like a sync's.
    let w3 = Ws::new();
    w3.json(&["remote", "add", "reg", "oci", &format!("{}/team", reg.host)]);
    let p = w3.json(&["pull", &reference]);
    assert_eq!((p["version"].as_str(), p["remote"].as_str()), (Some("one-model@1.0.0"), Some("reg")), "{p}");
    assert_eq!(w3.json(&["show", "one-model@1.0.0"])["bindings"][0]["key"], "one-model/1.0.0");

    // Another host is spoken to over HTTPS unless asked for plain HTTP.
    assert_eq!(w3.json(&["remote", "add", "lan", "oci", "registry.lan/team", "--plain-http"])["url"], "http://registry.lan/team");
    assert_eq!(w3.json(&["remote", "add", "tls", "oci", "registry.lan/team"])["url"], "registry.lan/team");
    let err = w3.fails(&["remote", "add", "x", "mlflow", "http://mlflow.lan", "--plain-http"]);
    assert!(err.contains("plain HTTP is for OCI registries"), "{err}");
    let err = w3.fails(&["remote", "add", "y", "oci", "registry.lan/Team"]);
    assert!(err.contains("lower-case"), "{err}");
}

/// Python: builds and pushes, over the plain distribution API, a KitOps ModelKit (its own
/// media types, a tar+gzip model layer, or a tar+zstd one made by the `zstd` tool), a ModelPack with the legacy snake_case config, or one
/// whose config does not list a layer; prints the files' sha256 by path.
const PUSH_BY_HAND: &str = r##"
import sys, json, hashlib, io, subprocess, tarfile, urllib.request
host, repo, kind = sys.argv[1:4]
def put_blob(data):
    d = "sha256:" + hashlib.sha256(data).hexdigest()
    loc = urllib.request.urlopen(urllib.request.Request(f"http://{host}/v2/{repo}/blobs/uploads/", method="POST")).headers["Location"]
    url = loc if loc.startswith("http") else f"http://{host}{loc}"
    sep = "&" if "?" in url else "?"
    urllib.request.urlopen(urllib.request.Request(f"{url}{sep}digest={d}", data=data, method="PUT", headers={"Content-Type": "application/octet-stream"}))
    return d
files = {"model/weights.bin": bytes(range(256)) * 16, "README.md": b"# by hand\n"}
manifest = {"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json"}
if kind in ("kitops", "kitops-zstd"):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w" if kind == "kitops-zstd" else "w:gz") as t:
        for name, data in files.items():
            ti = tarfile.TarInfo(name); ti.size = len(data); t.addfile(ti, io.BytesIO(data))
    layer, media = buf.getvalue(), "application/vnd.kitops.modelkit.model.v1.tar+gzip"
    if kind == "kitops-zstd":  # compressed by the reference zstd tool
        layer = subprocess.run(["zstd", "-q", "-c", "-19"], input=layer, capture_output=True, check=True).stdout
        media = "application/vnd.kitops.modelkit.model.v1.tar+zstd"
    config = json.dumps({"manifestVersion": "1.0.0", "package": {"name": "kit"}, "model": {"path": "model"}}).encode()
    manifest["config"] = {"mediaType": "application/vnd.kitops.modelkit.config.v1+json", "digest": put_blob(config), "size": len(config)}
    manifest["layers"] = [{"mediaType": media, "digest": put_blob(layer), "size": len(layer)}]
else:
    layers = [{"mediaType": "application/vnd.cncf.model.weight.v1.raw", "digest": put_blob(data), "size": len(data),
               "annotations": {"org.cncf.model.filepath": name}} for name, data in files.items()]
    listed = [l["digest"] for l in layers][: 1 if kind == "unlisted" else None]
    config = json.dumps({"descriptor": {"name": repo}, "config": {}, "modelfs": {"type": "layers", "diff_ids": listed}}).encode()
    manifest["artifactType"] = "application/vnd.cncf.model.manifest.v1+json"
    manifest["config"] = {"mediaType": "application/vnd.cncf.model.config.v1+json", "digest": put_blob(config), "size": len(config)}
    manifest["layers"] = layers
body = json.dumps(manifest).encode()
urllib.request.urlopen(urllib.request.Request(f"http://{host}/v2/{repo}/manifests/1.0.0", data=body, method="PUT",
                                              headers={"Content-Type": "application/vnd.oci.image.manifest.v1+json"}))
print(json.dumps({k: hashlib.sha256(v).hexdigest() for k, v in files.items()}))
"##;

#[test]
fn kitops_modelkits_and_legacy_modelpacks_are_imported_and_a_layer_the_config_does_not_list_is_refused() {
    let reg = Registry::start();
    let want: BTreeMap<String, String> =
        serde_json::from_str(python(PUSH_BY_HAND, &[&reg.host, "team/kit-model", "kitops"]).trim()).unwrap();
    python(PUSH_BY_HAND, &[&reg.host, "team/kit-zstd-model", "kitops-zstd"]);
    python(PUSH_BY_HAND, &[&reg.host, "team/legacy-model", "legacy"]);
    python(PUSH_BY_HAND, &[&reg.host, "team/unlisted-model", "unlisted"]);
    let w = Ws::new();
    w.json(&["remote", "add", "reg", "oci", &format!("{}/team", reg.host)]);
    let (code, r) = sync(&w, &["reg", "--pull-only"]);
    assert_eq!((code, r["pulled"].as_u64()), (0, Some(3)), "{r}");
    assert_eq!(local_files(&w, "kit-model@1.0.0"), want, "the ModelKit's tar+gzip layer, unpacked");
    assert_eq!(local_files(&w, "kit-zstd-model@1.0.0"), want, "a tar+zstd layer, unpacked");
    assert_eq!(local_files(&w, "legacy-model@1.0.0"), want, "diff_ids, as configs before v0.0.7 spell it");
    let skipped = r["skipped"].as_array().unwrap();
    assert!(
        skipped.iter().any(|i| i["subject"] == "unlisted-model/1.0.0"
            && i["reason"].as_str().unwrap().contains("not among the config's diffIds")),
        "{r}"
    );
}

/// Python: the referrers of `REPO:TAG` through the OCI 1.1 tag-schema fallback, each with its
/// subject and its layer's bytes (hex).
const REFERRERS: &str = r#"
import sys, json, urllib.request
host, repo, tag = sys.argv[1:4]
def get(path, accept):
    r = urllib.request.urlopen(urllib.request.Request(f"http://{host}/v2/{repo}/{path}", headers={"Accept": accept}))
    return r.headers.get("Docker-Content-Digest"), r.read()
subject, _ = get(f"manifests/{tag}", "application/vnd.oci.image.manifest.v1+json")
_, index = get(f"manifests/{subject.replace(':', '-')}", "application/vnd.oci.image.index.v1+json")
out = []
for m in json.loads(index)["manifests"]:
    _, body = get(f"manifests/{m['digest']}", "application/vnd.oci.image.manifest.v1+json")
    a = json.loads(body)
    _, layer = get(f"blobs/{a['layers'][0]['digest']}", "*/*")
    out.append({"artifactType": m["artifactType"], "subject": a["subject"]["digest"], "layer": layer.hex()})
print(json.dumps({"subject": subject, "referrers": out}))
"#;

#[test]
fn push_attest_attaches_the_signed_report_manifest_as_a_referrer_through_the_tag_fallback() {
    let reg = Registry::start();
    let w = Ws::new();
    let f = w.write("m/model.safetensors", &crate::fixtures::safetensors(&[("w", "F32", &[6])], &[]));
    w.json(&["register", f.to_str().unwrap(), "--model", "attested"]);
    w.json(&["remote", "add", "reg", "oci", &format!("{}/team", reg.host)]);
    let r = w.json(&["push", "attested@1.0.0", "--to", "reg", "--attest"]);
    assert_eq!(r["report"]["pushed"], 1, "{r}");
    assert!(r["attestation"].as_str().unwrap().contains("referrers fallback tag"), "registry 2.8 has no referrers API: {r}");
    let bundle = std::path::PathBuf::from(r["bundle"].as_str().unwrap());
    assert_eq!(w.json(&["verify", bundle.to_str().unwrap()])["ok"], true);
    let envelope = std::fs::read(bundle.join("MANIFEST.intoto.json")).unwrap();

    let found: serde_json::Value = serde_json::from_str(&python(REFERRERS, &[&reg.host, "team/attested", "1.0.0"])).unwrap();
    let refs = found["referrers"].as_array().unwrap();
    assert_eq!(refs.len(), 1, "{found}");
    assert_eq!(refs[0]["artifactType"], "application/vnd.dsse.envelope.v1+json");
    assert_eq!(refs[0]["subject"], found["subject"], "it points at the model manifest");
    assert_eq!(refs[0]["layer"].as_str().unwrap(), hex(&envelope), "the bundle's signed manifest, byte for byte");
    // A second attestation (a newer report) is listed beside the first; the push is not repeated.
    let r = w.json(&["push", "attested@1.0.0", "--to", "reg", "--attest"]);
    assert_eq!(r["report"]["pushed"], 0, "{r}");
    let found: serde_json::Value = serde_json::from_str(&python(REFERRERS, &[&reg.host, "team/attested", "1.0.0"])).unwrap();
    assert_eq!(found["referrers"].as_array().unwrap().len(), 2, "{found}");
    let log = w.json(&["audit", "log"]);
    assert_eq!(log["events"].as_array().unwrap().iter().filter(|e| e["action"] == "remote_attest").count(), 2);
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
