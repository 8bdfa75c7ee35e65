//! Post-quantum co-signatures: a person's ML-DSA-65 key (FIPS 204, RustCrypto's `ml-dsa`)
//! beside their Ed25519 key, used once a workspace or team switches co-signing on
//! (`pedigree pq on`). The key is a 32-byte seed kept (0600) beside the Ed25519 key
//! (`mldsa65.seed`), made on first use. Signatures are FIPS 204 ML-DSA.Sign in its deterministic
//! variant with the empty context, over the same bytes the Ed25519 signature covers, so a
//! document carries two independent signatures over one message; the ML-DSA public key is
//! itself inside what the Ed25519 signature covers (it is announced in a signed event or inside
//! the signed document), which binds it to the person.

use std::path::Path;

use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use ml_dsa::{EncodedSignature, EncodedVerifyingKey, MlDsa65, Signature, SigningKey, VerifyingKey};
use serde::{Deserialize, Serialize};

/// The algorithm's name wherever a co-signature says what it is.
pub const ALG: &str = "ML-DSA-65";
const SEED_FILE: &str = "mldsa65.seed";

/// A person's ML-DSA-65 key.
pub struct PqKey {
    key: SigningKey<MlDsa65>,
}

/// A co-signature as documents carry it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CoSignature {
    pub alg: String,
    /// Base64 of the encoded ML-DSA-65 public key (1,952 bytes).
    pub public_key: String,
    /// Base64 of the signature (3,309 bytes); empty while the document is being signed.
    #[serde(default)]
    pub signature: String,
}

impl PqKey {
    /// The key from its 32-byte seed (FIPS 204 ML-DSA.KeyGen_internal).
    pub fn from_seed(seed: &[u8; 32]) -> PqKey {
        PqKey { key: SigningKey::from_seed(&(*seed).into()) }
    }

    /// The key kept in `dir`, made (from the system's random source) when there is none.
    pub fn load_or_create(dir: &Path) -> Result<PqKey, String> {
        let path = dir.join(SEED_FILE);
        match std::fs::read(&path) {
            Ok(bytes) => {
                let seed: [u8; 32] = bytes.try_into().map_err(|_| format!("{} is not a 32-byte ML-DSA seed", path.display()))?;
                Ok(PqKey::from_seed(&seed))
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let mut seed = [0u8; 32];
                ring::rand::SecureRandom::fill(&ring::rand::SystemRandom::new(), &mut seed)
                    .map_err(|_| "the system's random source failed".to_string())?;
                std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
                crate::workspace::write_private(&path, &seed).map_err(|e| format!("{}: {e}", path.display()))?;
                Ok(PqKey::from_seed(&seed))
            }
            Err(e) => Err(format!("{}: {e}", path.display())),
        }
    }

    /// The encoded public key.
    pub fn public_key(&self) -> Vec<u8> {
        self.key.expanded_key().verifying_key().encode().to_vec()
    }

    pub fn public_key_b64(&self) -> String {
        B64.encode(self.public_key())
    }

    /// The signature of `msg` (deterministic, empty context).
    pub fn sign(&self, msg: &[u8]) -> Vec<u8> {
        self.key.expanded_key().sign_deterministic(msg, &[]).expect("the empty context is within 255 bytes").encode().to_vec()
    }

    /// A co-signature of `msg`.
    pub fn co_sign(&self, msg: &[u8]) -> CoSignature {
        CoSignature { alg: ALG.into(), public_key: self.public_key_b64(), signature: B64.encode(self.sign(msg)) }
    }

    /// A co-signature with its key and no signature yet: what a document holds while the
    /// message both signatures cover is computed.
    pub fn unsigned(&self) -> CoSignature {
        CoSignature { alg: ALG.into(), public_key: self.public_key_b64(), signature: String::new() }
    }
}

/// `SHA256:…`-style short name of a public key: the first 16 hex digits of its SHA-256.
pub fn key_name(public_key: &[u8]) -> String {
    format!("mldsa65:{}", &crate::hash::sha256_hex(public_key)[..16])
}

/// Whether `signature` is `public_key`'s ML-DSA-65 signature of `msg`.
pub fn verify(public_key: &[u8], msg: &[u8], signature: &[u8]) -> Result<(), String> {
    let pk = EncodedVerifyingKey::<MlDsa65>::try_from(public_key)
        .map_err(|_| format!("an {ALG} public key is 1952 bytes, not {}", public_key.len()))?;
    let sig = EncodedSignature::<MlDsa65>::try_from(signature)
        .ok()
        .and_then(|s| Signature::<MlDsa65>::decode(&s))
        .ok_or_else(|| format!("not an {ALG} signature"))?;
    if VerifyingKey::<MlDsa65>::decode(&pk).verify_with_context(msg, &[], &sig) {
        Ok(())
    } else {
        Err(format!("the {ALG} co-signature does not verify"))
    }
}

impl CoSignature {
    /// Checks the co-signature over `msg`.
    pub fn check(&self, msg: &[u8]) -> Result<(), String> {
        if self.alg != ALG {
            return Err(format!("co-signature algorithm {:?}; this Pedigree checks {ALG}", self.alg));
        }
        let pk = B64.decode(&self.public_key).map_err(|_| "the co-signature's key is not base64".to_string())?;
        let sig = B64.decode(&self.signature).map_err(|_| "the co-signature is not base64".to_string())?;
        verify(&pk, msg, &sig)
    }
}

/// A signed document (a ledger segment, a federated bundle) as both its signatures cover it: as
/// serialised, without its `signature` and with its co-signature's `pq.signature` empty.
pub fn unsigned<T: Serialize>(doc: &T) -> serde_json::Value {
    let mut v = serde_json::to_value(doc).expect("documents serialise");
    if let Some(o) = v.as_object_mut() {
        o.remove("signature");
        if let Some(pq) = o.get_mut("pq").and_then(|p| p.as_object_mut()) {
            pq.insert("signature".into(), serde_json::Value::String(String::new()));
        }
    }
    v
}

/// A document its author signs (a ledger segment, a federated bundle): its Ed25519 `signature`
/// and its optional ML-DSA co-signature `pq`, both over the same message (see [`unsigned`]).
pub trait SignedDocument: Serialize {
    fn signatures_mut(&mut self) -> (&mut String, &mut Option<CoSignature>);
}

/// Signs `doc` as `me` under `context`, co-signed with `pq` when given (its key goes inside what
/// both signatures cover).
pub fn sign_document<T: SignedDocument>(doc: &mut T, me: &super::Identity, pq: Option<&PqKey>, context: &str) {
    *doc.signatures_mut().1 = pq.map(PqKey::unsigned);
    let msg = super::document_message(context, &unsigned(&*doc));
    let (signature, co) = doc.signatures_mut();
    *signature = B64.encode(me.sign_raw(&msg));
    if let (Some(c), Some(k)) = (co.as_mut(), pq) {
        c.signature = B64.encode(k.sign(&msg));
    }
}

/// Checks a document's Ed25519 signature by `signer` and its co-signature when it has one;
/// returns the algorithms whose signatures were present (and verify).
pub fn verify_document<T: Serialize>(
    signer: &str,
    context: &str,
    doc: &T,
    signature: &str,
    pq: Option<&CoSignature>,
) -> Result<Vec<String>, String> {
    let unsigned = unsigned(doc);
    super::verify_document(signer, context, &unsigned, signature)?;
    let mut present = vec!["Ed25519".to_string()];
    if let Some(c) = pq {
        c.check(&super::document_message(context, &unsigned))?;
        present.push(c.alg.clone());
    }
    Ok(present)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_co_signature_verifies_and_nothing_else_does() {
        let k = PqKey::from_seed(&[7u8; 32]);
        let c = k.co_sign(b"message");
        c.check(b"message").unwrap();
        assert!(c.check(b"messagE").is_err());
        let other = PqKey::from_seed(&[8u8; 32]).co_sign(b"message");
        let swapped = CoSignature { public_key: other.public_key, ..c.clone() };
        assert!(swapped.check(b"message").is_err());
        // Deterministic: the same key and message give the same bytes.
        assert_eq!(k.co_sign(b"message"), c);
    }

    /// NIST ACVP known-answer vectors for ML-DSA-65 (key generation from a seed, deterministic
    /// signing, verification including tampered signatures), as the `ml-dsa` crate's repository
    /// carries them: the crate as built into Pedigree gives the published answers.
    #[test]
    #[allow(deprecated)]
    fn the_crate_gives_nists_known_answers_for_ml_dsa_65() {
        use ml_dsa::{EncodedVerifyingKey, ExpandedSigningKey, ExpandedSigningKeyBytes};
        let kat: serde_json::Value =
            serde_json::from_str(include_str!("../../tests/fixtures/mldsa/acvp-ml-dsa-65.json")).unwrap();
        let h = |v: &serde_json::Value| hex::decode(v.as_str().unwrap()).unwrap();
        for t in kat["keyGen"].as_array().unwrap() {
            let seed: [u8; 32] = h(&t["seed"]).try_into().unwrap();
            assert_eq!(PqKey::from_seed(&seed).public_key(), h(&t["pk"]), "keyGen tcId {}", t["tcId"]);
        }
        for t in kat["sigGen"].as_array().unwrap() {
            let sk = ExpandedSigningKeyBytes::<MlDsa65>::try_from(h(&t["sk"]).as_slice()).unwrap();
            let sk = ExpandedSigningKey::<MlDsa65>::from_expanded(&sk);
            let sig = sk.sign_internal(&[h(&t["message"]).as_slice()], &Default::default());
            assert_eq!(sig.encode().to_vec(), h(&t["signature"]), "sigGen tcId {}", t["tcId"]);
        }
        let mut refused = 0;
        for t in kat["sigVer"].as_array().unwrap() {
            let pk = VerifyingKey::<MlDsa65>::decode(&EncodedVerifyingKey::<MlDsa65>::try_from(h(&t["pk"]).as_slice()).unwrap());
            let ok = EncodedSignature::<MlDsa65>::try_from(h(&t["signature"]).as_slice())
                .ok()
                .and_then(|s| Signature::<MlDsa65>::decode(&s))
                .is_some_and(|sig| pk.verify_internal(&h(&t["message"]), &sig));
            assert_eq!(ok, t["testPassed"] == true, "sigVer tcId {} ({})", t["tcId"], t["reason"]);
            refused += usize::from(!ok);
        }
        assert!(refused >= 3, "the vectors include tampered signatures");
    }
}
