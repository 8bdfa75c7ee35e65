//! Attestations: a version's signed report bundle manifest (a DSSE envelope) attached to its
//! model manifest as an OCI 1.1 referrer — a manifest whose `subject` is the model manifest. A
//! registry with the referrers API indexes it itself; for one without (distribution 2.8), the
//! OCI 1.1 tag-schema fallback is kept: an image index at tag `sha256-<subject hex>` listing
//! every referrer.

use serde_json::{Value, json};

use super::modelpack::{self, digest_of};
use super::{Oci, bad};
use crate::remote::RemoteError;

/// The attestation's artifact type and layer type: a DSSE envelope.
pub const DSSE: &str = "application/vnd.dsse.envelope.v1+json";
/// The empty config OCI 1.1 artifacts carry (`{}`).
const EMPTY: &str = "application/vnd.oci.empty.v1+json";
const INDEX: &str = "application/vnd.oci.image.index.v1+json";

impl Oci {
    /// Attaches `envelope` to `MODEL:VERSION`; returns the attestation manifest's digest and
    /// whether the registry indexed it itself (else the fallback tag was written).
    pub fn attach(&self, model: &str, version: &str, envelope: &[u8]) -> Result<(String, bool), RemoteError> {
        let repo = self.repo(model);
        let (subject, _) = self.reg.manifest(&repo, version)?.ok_or_else(|| bad(format!("{repo}:{version}"), "no such tag"))?;
        let subject = json!({"mediaType": modelpack::MANIFEST, "digest": digest_of(&subject), "size": subject.len()});
        for blob in [&b"{}"[..], envelope] {
            self.reg.push_bytes_once(&repo, blob)?;
        }
        let manifest = json!({
            "schemaVersion": 2,
            "mediaType": modelpack::MANIFEST,
            "artifactType": DSSE,
            "config": {"mediaType": EMPTY, "digest": digest_of(b"{}"), "size": 2},
            "layers": [{"mediaType": DSSE, "digest": digest_of(envelope), "size": envelope.len()}],
            "subject": subject,
        });
        let bytes = serde_json::to_vec(&manifest).expect("JSON serialises");
        let digest = digest_of(&bytes);
        self.reg.put_manifest(&repo, &digest, &bytes, modelpack::MANIFEST)?;
        let subject_digest = subject["digest"].as_str().expect("set above");
        if self.reg.has_referrers_api(&repo, subject_digest)? {
            return Ok((digest, true));
        }
        // The fallback: the index at `sha256-<hex>`, with this referrer added once.
        let tag = subject_digest.replace(':', "-");
        let mut index: Value = match self.reg.manifest(&repo, &tag)? {
            Some((b, _)) => serde_json::from_slice(&b).unwrap_or_else(|_| json!({})),
            None => json!({}),
        };
        if index["manifests"].as_array().is_none() {
            index = json!({"schemaVersion": 2, "mediaType": INDEX, "manifests": []});
        }
        let list = index["manifests"].as_array_mut().expect("made an array above");
        if !list.iter().any(|m| m["digest"].as_str() == Some(digest.as_str())) {
            list.push(json!({"mediaType": modelpack::MANIFEST, "digest": digest, "size": bytes.len(), "artifactType": DSSE}));
        }
        self.reg.put_manifest(&repo, &tag, &serde_json::to_vec(&index).expect("JSON serialises"), INDEX)?;
        Ok((digest, false))
    }
}
