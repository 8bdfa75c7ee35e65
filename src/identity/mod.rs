//! Who acts, by key: each person has an Ed25519 key — made on first use and kept (0600) under
//! `$XDG_CONFIG_HOME/pedigree/identity/` (else `~/.config/pedigree/identity/`), or an existing
//! OpenSSH ed25519 key (`pedigree identity use-ssh ~/.ssh/id_ed25519`, as teams register for
//! signed git commits). An identity is the key's fingerprint (`SHA256:…`, as `ssh-keygen -l`
//! prints it), a name and an email; `--actor` stays a display name.
//!
//! Every audit event this process writes is signed by the identity (beside the hash chain), once
//! the program turns signing on ([`enable`]: the CLI, `pedigree serve`, the desktop app). The
//! signature covers the event's hash under a fixed context, so it vouches for the whole record.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use base64::Engine;
use ring::signature::{ED25519, Ed25519KeyPair, KeyPair, UnparsedPublicKey};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

pub mod pq;
pub mod ssh;

/// What an event signature covers: this context, then the event's hash (hex).
const EVENT_CONTEXT: &[u8] = b"pedigree audit event v1\n";

/// The person acting, with their signing key.
pub struct Identity {
    pub name: String,
    pub email: String,
    key: Ed25519KeyPair,
    /// Where the key is (the generated key file, or the SSH key used).
    pub key_path: PathBuf,
    /// `pedigree` (made here) or `ssh`.
    pub source: String,
}

/// An identity as people see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct IdentityInfo {
    pub name: String,
    pub email: String,
    /// `SHA256:…` of the SSH public key blob, as `ssh-keygen -l` prints it.
    pub fingerprint: String,
    /// `ssh-ed25519 AAAA… NAME`: what a roster or an `allowed_signers` file lists.
    pub public_key: String,
    pub source: String,
    pub key_path: String,
}

/// The identity's settings file: name, email, and the SSH key used instead of a generated one.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Settings {
    name: String,
    email: String,
    ssh_key: Option<PathBuf>,
}

/// `$XDG_CONFIG_HOME/pedigree/identity`, else `~/.config/pedigree/identity`.
pub fn dir() -> PathBuf {
    let base = std::env::var_os("XDG_CONFIG_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| dirs::home_dir().map(|h| h.join(".config")))
        .unwrap_or_else(|| PathBuf::from(".config"));
    base.join("pedigree").join("identity")
}

const KEY_FILE: &str = "ed25519.pk8";
const SETTINGS_FILE: &str = "identity.json";

fn read_settings(dir: &Path) -> Result<Option<Settings>, String> {
    match std::fs::read(dir.join(SETTINGS_FILE)) {
        Ok(b) => serde_json::from_slice(&b).map(Some).map_err(|e| format!("{}: {e}", dir.join(SETTINGS_FILE).display())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(format!("{}: {e}", dir.join(SETTINGS_FILE).display())),
    }
}

fn write_settings(dir: &Path, s: &Settings) -> Result<(), String> {
    let path = dir.join(SETTINGS_FILE);
    crate::workspace::write_private(&path, serde_json::to_string_pretty(s).expect("settings serialise").as_bytes())
        .map_err(|e| format!("{}: {e}", path.display()))
}

/// Name and email for a new identity: git's user.name / user.email, else the actor.
fn default_names() -> (String, String) {
    let actor = crate::audit::resolve_actor(None);
    let git = |k: &str| {
        std::process::Command::new("git")
            .args(["config", "--get", k])
            .output()
            .ok()
            .filter(|o| o.status.success())
            .and_then(|o| String::from_utf8(o.stdout).ok())
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
    };
    let email = git("user.email").unwrap_or_else(|| if actor.contains('@') { actor.clone() } else { String::new() });
    let name = git("user.name").unwrap_or(actor);
    (name, email)
}

impl Identity {
    /// The identity in `dir`, made there (a new key, 0600) when there is none.
    pub fn load_or_create(dir: &Path) -> Result<Identity, String> {
        let settings = match read_settings(dir)? {
            Some(s) => s,
            None => {
                std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
                let (name, email) = default_names();
                let s = Settings { name, email, ssh_key: None };
                write_settings(dir, &s)?;
                s
            }
        };
        let (key, key_path, source) = match &settings.ssh_key {
            Some(p) => (ssh::read_private_key(p)?, p.clone(), "ssh"),
            None => {
                let path = dir.join(KEY_FILE);
                let key = match std::fs::read(&path) {
                    Ok(doc) => {
                        Ed25519KeyPair::from_pkcs8(&doc).map_err(|e| format!("{}: not an Ed25519 key ({e})", path.display()))?
                    }
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                        let doc = Ed25519KeyPair::generate_pkcs8(&ring::rand::SystemRandom::new()).map_err(|e| e.to_string())?;
                        crate::workspace::write_private(&path, doc.as_ref()).map_err(|e| format!("{}: {e}", path.display()))?;
                        Ed25519KeyPair::from_pkcs8(doc.as_ref()).map_err(|e| e.to_string())?
                    }
                    Err(e) => return Err(format!("{}: {e}", path.display())),
                };
                (key, path, "pedigree")
            }
        };
        Ok(Identity { name: settings.name, email: settings.email, key, key_path, source: source.into() })
    }

    /// Uses the OpenSSH ed25519 key at `path` from now on (checked now).
    pub fn use_ssh(dir: &Path, path: &Path) -> Result<Identity, String> {
        let path = path.canonicalize().map_err(|e| format!("{}: {e}", path.display()))?;
        ssh::read_private_key(&path)?;
        std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        let mut s = read_settings(dir)?.unwrap_or_else(|| {
            let (name, email) = default_names();
            Settings { name, email, ssh_key: None }
        });
        s.ssh_key = Some(path);
        write_settings(dir, &s)?;
        Identity::load_or_create(dir)
    }

    /// Sets the name and email shown with the key.
    pub fn set_names(dir: &Path, name: Option<&str>, email: Option<&str>) -> Result<Identity, String> {
        let mut id = Identity::load_or_create(dir)?;
        let mut s = read_settings(dir)?.unwrap_or_default();
        if let Some(n) = name {
            s.name = n.trim().to_string();
        }
        if let Some(e) = email {
            s.email = e.trim().to_string();
        }
        write_settings(dir, &s)?;
        (id.name, id.email) = (s.name, s.email);
        Ok(id)
    }

    pub fn public_key(&self) -> [u8; 32] {
        self.key.public_key().as_ref().try_into().expect("Ed25519 public keys are 32 bytes")
    }

    /// `ssh-ed25519 AAAA…` (no comment): how signatures and the roster name the key.
    pub fn public_key_line(&self) -> String {
        ssh::public_key_line(&self.public_key())
    }

    /// `SHA256:…`, as `ssh-keygen -l` prints it.
    pub fn fingerprint(&self) -> String {
        ssh::fingerprint(&self.public_key())
    }

    pub fn info(&self) -> IdentityInfo {
        let label = if self.email.is_empty() { self.name.clone() } else { self.email.clone() };
        IdentityInfo {
            name: self.name.clone(),
            email: self.email.clone(),
            fingerprint: self.fingerprint(),
            public_key: format!("{} {}", self.public_key_line(), label).trim().to_string(),
            source: self.source.clone(),
            key_path: self.key_path.display().to_string(),
        }
    }

    /// The raw signature of `msg` (callers put their own context first).
    pub fn sign_raw(&self, msg: &[u8]) -> Vec<u8> {
        self.key.sign(msg).as_ref().to_vec()
    }

    /// The signature of an event with hash `hash` (hex), base64.
    pub fn sign_event(&self, hash: &str) -> String {
        let mut msg = EVENT_CONTEXT.to_vec();
        msg.extend_from_slice(hash.as_bytes());
        base64::engine::general_purpose::STANDARD.encode(self.key.sign(&msg).as_ref())
    }
}

/// Whether `signature` (base64) is `signer`'s (an `ssh-ed25519 AAAA…` line) over event `hash`.
pub fn verify_event(signer: &str, hash: &str, signature: &str) -> Result<(), String> {
    let pk = ssh::parse_public_key_line(signer)?;
    let sig =
        base64::engine::general_purpose::STANDARD.decode(signature).map_err(|_| "the signature is not base64".to_string())?;
    let mut msg = EVENT_CONTEXT.to_vec();
    msg.extend_from_slice(hash.as_bytes());
    UnparsedPublicKey::new(&ED25519, pk).verify(&msg, &sig).map_err(|_| "the signature does not verify".to_string())
}

/// What a document's signatures cover: `context` then the hex SHA-256 of the RFC 8785 canonical
/// JSON of the document without its signatures.
pub fn document_message(context: &str, unsigned: &serde_json::Value) -> Vec<u8> {
    let digest = crate::hash::sha256_hex(crate::audit::canonical(unsigned).as_bytes());
    format!("{context}{digest}").into_bytes()
}

/// Whether `signature` (base64) is `signer`'s (an `ssh-ed25519 AAAA…` line) over the document
/// `unsigned` under `context` (see [`pq::sign_document`]). The error names the signer's
/// fingerprint.
pub fn verify_document(signer: &str, context: &str, unsigned: &serde_json::Value, signature: &str) -> Result<(), String> {
    let pk = ssh::parse_public_key_line(signer).map_err(|e| format!("its signer key: {e}"))?;
    let sig =
        base64::engine::general_purpose::STANDARD.decode(signature).map_err(|_| "its signature is not base64".to_string())?;
    UnparsedPublicKey::new(&ED25519, pk)
        .verify(&document_message(context, unsigned), &sig)
        .map_err(|_| format!("its signature by {} does not verify (altered after it was signed)", ssh::fingerprint(&pk)))
}

/// Signing of audit events by this process's person: off until [`enable`]d; the identity is
/// loaded (or made) the first time an event is written.
static ENABLED: OnceLock<PathBuf> = OnceLock::new();
static CURRENT: OnceLock<Result<Identity, String>> = OnceLock::new();

/// Turns signing on with the identity kept in `dir` (see [`dir`]).
pub fn enable(dir: PathBuf) {
    let _ = ENABLED.set(dir);
}

thread_local! {
    /// Another person this thread acts as for a while (see [`acting_as`]).
    static ACTING_AS: std::cell::Cell<Option<&'static Identity>> = const { std::cell::Cell::new(None) };
}

static PQ: OnceLock<Result<pq::PqKey, String>> = OnceLock::new();

/// This process's person's ML-DSA-65 key (made on first use beside their Ed25519 key): `None`
/// when signing is off.
pub fn pq_key() -> Result<Option<&'static pq::PqKey>, String> {
    let Some(dir) = ENABLED.get() else { return Ok(None) };
    PQ.get_or_init(|| pq::PqKey::load_or_create(dir)).as_ref().map(Some).map_err(Clone::clone)
}

/// The identity that signs this process's events: `None` when signing is off, an error when
/// the key cannot be read or made.
pub fn current() -> Result<Option<&'static Identity>, String> {
    let Some(dir) = ENABLED.get() else { return Ok(None) };
    if let Some(other) = ACTING_AS.with(|a| a.get()) {
        return Ok(Some(other));
    }
    CURRENT.get_or_init(|| Identity::load_or_create(dir)).as_ref().map(Some).map_err(Clone::clone)
}

/// Who acts, by key, for the rules (roles, maker ≠ checker).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActingKey {
    /// `ssh-ed25519 AAAA…`.
    pub public_key: String,
    pub fingerprint: String,
}

/// The key acting now: the signer of the pulled event this thread replays
/// (`crate::audit::replay`), else this process's identity (`None` when signing is off).
pub fn acting() -> Result<Option<ActingKey>, String> {
    if let Some(signer) = crate::audit::replay::signer() {
        let pk = ssh::parse_public_key_line(&signer)?;
        return Ok(Some(ActingKey { public_key: signer, fingerprint: ssh::fingerprint(&pk) }));
    }
    Ok(current()?.map(|id| ActingKey { public_key: id.public_key_line(), fingerprint: id.fingerprint() }))
}

/// Runs `f` with this thread's events signed by `who` (the demo's fictional validator, whose
/// approval must not carry the user's own key), when signing is on.
pub fn acting_as<R>(who: &'static Identity, f: impl FnOnce() -> R) -> R {
    let before = ACTING_AS.with(|a| a.replace(Some(who)));
    let out = f();
    ACTING_AS.with(|a| a.set(before));
    out
}

impl Identity {
    /// A person with a fresh key kept nowhere (the demo's fictional colleagues: their signatures
    /// verify from the public key stored with each event).
    pub fn ephemeral(name: &str, email: &str) -> Identity {
        let doc = Ed25519KeyPair::generate_pkcs8(&ring::rand::SystemRandom::new()).expect("system randomness");
        Identity {
            name: name.into(),
            email: email.into(),
            key: Ed25519KeyPair::from_pkcs8(doc.as_ref()).expect("a key just made"),
            key_path: PathBuf::new(),
            source: "ephemeral".into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_new_identity_is_kept_private_and_signs_events_that_verify() {
        let d = tempfile::tempdir().unwrap();
        let id = Identity::load_or_create(d.path()).unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(d.path().join(KEY_FILE)).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        let again = Identity::load_or_create(d.path()).unwrap();
        assert_eq!(id.public_key(), again.public_key(), "the key is kept");
        let hash = "ab".repeat(32);
        let sig = id.sign_event(&hash);
        let signer = id.public_key_line();
        verify_event(&signer, &hash, &sig).unwrap();
        assert!(verify_event(&signer, &"cd".repeat(32), &sig).is_err(), "another event");
        let other = Identity::load_or_create(tempfile::tempdir().unwrap().path()).unwrap();
        assert!(verify_event(&other.public_key_line(), &hash, &sig).is_err(), "another key");
        assert!(id.info().fingerprint.starts_with("SHA256:"));
    }
}
