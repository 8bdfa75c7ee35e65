//! OpenSSH's forms of an Ed25519 key: the public key line (`ssh-ed25519 AAAA… comment`, as in
//! `authorized_keys` and git's `allowed_signers`), its `SHA256:` fingerprint, and the private key
//! file (`-----BEGIN OPENSSH PRIVATE KEY-----`, PROTOCOL.key), read without a passphrase.

use base64::Engine;
use ring::signature::Ed25519KeyPair;

const KEY_TYPE: &str = "ssh-ed25519";

/// SSH wire form of a string (u32 length, bytes).
fn put_string(out: &mut Vec<u8>, s: &[u8]) {
    out.extend_from_slice(&(s.len() as u32).to_be_bytes());
    out.extend_from_slice(s);
}

/// The public key blob: `string "ssh-ed25519", string key`.
fn blob(pk: &[u8; 32]) -> Vec<u8> {
    let mut b = Vec::new();
    put_string(&mut b, KEY_TYPE.as_bytes());
    put_string(&mut b, pk);
    b
}

/// `ssh-ed25519 AAAA…` (no comment).
pub fn public_key_line(pk: &[u8; 32]) -> String {
    format!("{KEY_TYPE} {}", base64::engine::general_purpose::STANDARD.encode(blob(pk)))
}

/// `SHA256:…`, unpadded base64 of the blob's sha256 (what `ssh-keygen -l` prints).
pub fn fingerprint(pk: &[u8; 32]) -> String {
    format!("SHA256:{}", base64::engine::general_purpose::STANDARD_NO_PAD.encode(openssl::sha::sha256(&blob(pk))))
}

/// A reader of SSH wire data that refuses to run past the end.
struct Wire<'a>(&'a [u8]);

impl<'a> Wire<'a> {
    fn bytes(&mut self, n: usize) -> Result<&'a [u8], String> {
        if self.0.len() < n {
            return Err("the key is cut short".into());
        }
        let (head, rest) = self.0.split_at(n);
        self.0 = rest;
        Ok(head)
    }

    fn u32(&mut self) -> Result<u32, String> {
        Ok(u32::from_be_bytes(self.bytes(4)?.try_into().expect("4 bytes")))
    }

    fn string(&mut self) -> Result<&'a [u8], String> {
        let n = self.u32()? as usize;
        self.bytes(n)
    }
}

/// The 32-byte key of a public key blob.
fn key_of_blob(b: &[u8]) -> Result<[u8; 32], String> {
    let mut w = Wire(b);
    if w.string()? != KEY_TYPE.as_bytes() {
        return Err("not an ssh-ed25519 key".into());
    }
    w.string()?.try_into().map_err(|_| "an ssh-ed25519 key is 32 bytes".to_string())
}

/// The key of a public key line (`ssh-ed25519 AAAA… [comment]`).
pub fn parse_public_key_line(line: &str) -> Result<[u8; 32], String> {
    let mut parts = line.split_whitespace();
    if parts.next() != Some(KEY_TYPE) {
        return Err(format!("{line:?} is not an ssh-ed25519 public key"));
    }
    let b64 = parts.next().ok_or("the public key has no key data")?;
    let b = base64::engine::general_purpose::STANDARD.decode(b64).map_err(|_| "the public key is not base64".to_string())?;
    key_of_blob(&b)
}

/// Reads an unencrypted OpenSSH ed25519 private key file.
pub fn read_private_key(path: &std::path::Path) -> Result<Ed25519KeyPair, String> {
    let at = |e: String| format!("{}: {e}", path.display());
    let meta = std::fs::metadata(path).map_err(|e| at(e.to_string()))?;
    if meta.len() > 64 << 10 {
        return Err(at("larger than a key file".into()));
    }
    let text = std::fs::read_to_string(path).map_err(|e| at(e.to_string()))?;
    parse_private_key(&text).map_err(at)
}

fn parse_private_key(text: &str) -> Result<Ed25519KeyPair, String> {
    let body: String = text
        .lines()
        .skip_while(|l| l.trim() != "-----BEGIN OPENSSH PRIVATE KEY-----")
        .skip(1)
        .take_while(|l| l.trim() != "-----END OPENSSH PRIVATE KEY-----")
        .map(str::trim)
        .collect();
    if body.is_empty() {
        return Err("not an OpenSSH private key (-----BEGIN OPENSSH PRIVATE KEY-----)".into());
    }
    let raw = base64::engine::general_purpose::STANDARD.decode(body).map_err(|_| "the key is not base64".to_string())?;
    let mut w = Wire(raw.strip_prefix(b"openssh-key-v1\0").ok_or("not an openssh-key-v1 key")?);
    let (cipher, kdf, _kdf_options) = (w.string()?, w.string()?, w.string()?);
    if cipher != b"none" || kdf != b"none" {
        return Err("the key has a passphrase; Pedigree reads keys without one (or makes its own: pedigree identity show)".into());
    }
    if w.u32()? != 1 {
        return Err("the file holds more than one key".into());
    }
    let public = key_of_blob(w.string()?)?;
    let mut p = Wire(w.string()?);
    if p.u32()? != p.u32()? {
        return Err("the key's check numbers differ (damaged)".into());
    }
    if p.string()? != KEY_TYPE.as_bytes() {
        return Err("not an ssh-ed25519 key".into());
    }
    let public2: [u8; 32] = p.string()?.try_into().map_err(|_| "an ssh-ed25519 key is 32 bytes".to_string())?;
    let secret = p.string()?;
    if secret.len() != 64 || public2 != public || secret[32..] != public {
        return Err("the private and public halves do not match (damaged)".into());
    }
    Ed25519KeyPair::from_seed_and_public_key(&secret[..32], &public).map_err(|e| format!("not a valid ed25519 key ({e})"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use ring::signature::KeyPair;

    #[test]
    fn keys_made_by_ssh_keygen_read_back_with_the_same_fingerprint() {
        if std::process::Command::new("ssh-keygen").arg("-?").output().is_err() {
            eprintln!("ssh-keygen is not installed: skipped");
            return;
        }
        let d = tempfile::tempdir().unwrap();
        let key = d.path().join("id_ed25519");
        let made = std::process::Command::new("ssh-keygen")
            .args(["-q", "-t", "ed25519", "-N", "", "-C", "alice@example.com", "-f"])
            .arg(&key)
            .status()
            .unwrap();
        assert!(made.success());
        let pair = read_private_key(&key).unwrap();
        let pk: [u8; 32] = pair.public_key().as_ref().try_into().unwrap();
        let line = std::fs::read_to_string(key.with_extension("pub")).unwrap();
        assert_eq!(parse_public_key_line(&line).unwrap(), pk);
        assert!(line.starts_with(&public_key_line(&pk)));
        let out = std::process::Command::new("ssh-keygen").arg("-lf").arg(key.with_extension("pub")).output().unwrap();
        let printed = String::from_utf8(out.stdout).unwrap();
        assert!(printed.contains(&fingerprint(&pk)), "{printed} vs {}", fingerprint(&pk));
        let locked = d.path().join("locked");
        std::process::Command::new("ssh-keygen")
            .args(["-q", "-t", "ed25519", "-N", "s3cret", "-f"])
            .arg(&locked)
            .status()
            .unwrap();
        assert!(read_private_key(&locked).unwrap_err().contains("passphrase"));
        assert!(parse_private_key("junk").is_err());
        assert!(parse_public_key_line("ssh-rsa AAAA").is_err());
    }
}
