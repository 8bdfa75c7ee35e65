//! Store credentials given on the command line are sealed (ChaCha20-Poly1305) with a random key
//! kept in the workspace's `keys/` (0600), so the catalog never holds them in plain text and a
//! copied catalog alone does not reveal them.

use std::path::Path;

use ring::aead::{Aad, CHACHA20_POLY1305, LessSafeKey, NONCE_LEN, Nonce, UnboundKey};
use ring::rand::{SecureRandom, SystemRandom};

/// The sealing key, relative to the workspace.
pub const KEY_FILE: &str = "keys/store-secrets.key";

fn key(workspace: &Path, create: bool) -> Result<LessSafeKey, String> {
    let path = workspace.join(KEY_FILE);
    let bytes = match std::fs::read(&path) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound && create => {
            let mut b = vec![0u8; 32];
            SystemRandom::new().fill(&mut b).map_err(|_| "no system randomness".to_string())?;
            crate::workspace::write_private(&path, &b).map_err(|e| format!("{}: {e}", path.display()))?;
            b
        }
        Err(e) => return Err(format!("{}: {e}", path.display())),
    };
    let unbound = UnboundKey::new(&CHACHA20_POLY1305, &bytes).map_err(|_| format!("{}: not a 32-byte key", path.display()))?;
    Ok(LessSafeKey::new(unbound))
}

/// Encrypts `plain`; the output is nonce ‖ ciphertext ‖ tag. `label` (the store name) is bound
/// as associated data so a sealed blob cannot be moved to another store.
pub fn seal(workspace: &Path, label: &str, plain: &[u8]) -> Result<Vec<u8>, String> {
    let key = key(workspace, true)?;
    let mut nonce = [0u8; NONCE_LEN];
    SystemRandom::new().fill(&mut nonce).map_err(|_| "no system randomness".to_string())?;
    let mut buf = plain.to_vec();
    key.seal_in_place_append_tag(Nonce::assume_unique_for_key(nonce), Aad::from(label.as_bytes()), &mut buf)
        .map_err(|_| "sealing failed".to_string())?;
    let mut out = nonce.to_vec();
    out.extend_from_slice(&buf);
    Ok(out)
}

/// Decrypts what [`seal`] produced.
pub fn open(workspace: &Path, label: &str, sealed: &[u8]) -> Result<Vec<u8>, String> {
    let key = key(workspace, false)?;
    if sealed.len() < NONCE_LEN {
        return Err("sealed credentials are truncated".into());
    }
    let (nonce, rest) = sealed.split_at(NONCE_LEN);
    let nonce = Nonce::try_assume_unique_for_key(nonce).map_err(|_| "bad nonce".to_string())?;
    let mut buf = rest.to_vec();
    let plain = key
        .open_in_place(nonce, Aad::from(label.as_bytes()), &mut buf)
        .map_err(|_| "sealed credentials do not open with this workspace's key; add the store again".to_string())?;
    Ok(plain.to_vec())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seal_round_trips_and_hides_the_plain_text() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("keys")).unwrap();
        let sealed = seal(dir.path(), "s3", b"secret-value").unwrap();
        assert!(!sealed.windows(6).any(|w| w == b"secret"));
        assert_eq!(open(dir.path(), "s3", &sealed).unwrap(), b"secret-value");
        assert!(open(dir.path(), "other", &sealed).is_err(), "bound to the store name");
        let mut bad = sealed.clone();
        *bad.last_mut().unwrap() ^= 1;
        assert!(open(dir.path(), "s3", &bad).is_err());
    }
}
