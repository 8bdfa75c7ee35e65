//! CNCF ModelPack (model-spec v0.0.7, camelCase config): a Pedigree version as an OCI artifact.
//! One uncompressed (`.raw`) layer per file — its digest is the file's sha256 Pedigree already
//! has — carrying its path in the spec's file-path annotation and in
//! `org.opencontainers.image.title` (generic OCI clients such as `oras` restore file names from
//! it); a config with the descriptor (name, version, `createdAt` taken from the version) and
//! `modelfs.diffIds`. Everything is derived from the version alone and serialised with sorted
//! keys, so exporting a version twice gives the same bytes and the same manifest digest.

use serde_json::{Value, json};

use crate::catalog::models::{FileEntry, VersionRecord};

/// The manifest's own media type (an OCI image manifest).
pub const MANIFEST: &str = "application/vnd.oci.image.manifest.v1+json";
/// What kind of artifact the manifest is.
pub const ARTIFACT_TYPE: &str = "application/vnd.cncf.model.manifest.v1+json";
/// The config blob's media type.
pub const CONFIG: &str = "application/vnd.cncf.model.config.v1+json";
/// Layer annotation: the file's path in the model.
pub const FILEPATH: &str = "org.cncf.model.filepath";
/// Layer annotation generic clients name the file by.
pub const TITLE: &str = "org.opencontainers.image.title";
/// Manifest annotation: Pedigree's manifest digest of the version (its identity).
pub const PEDIGREE_DIGEST: &str = "dev.pedigree.manifest-sha256";

/// One layer: a file of the version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Layer {
    pub path: String,
    /// `sha256:HEX`.
    pub digest: String,
    pub size: u64,
    pub media_type: &'static str,
}

/// A version exported: the blobs to upload (the layers are the version's stored files) and the
/// manifest to put under its tags.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Export {
    pub layers: Vec<Layer>,
    pub config: Vec<u8>,
    pub config_digest: String,
    pub manifest: Vec<u8>,
    /// `sha256:HEX` of `manifest`.
    pub digest: String,
}

/// The ModelPack layer type of a file: weights, their configuration (tokenizer, config.json…),
/// documentation or code; all raw (uncompressed, as the spec recommends for weights).
pub fn media_type(f: &FileEntry) -> &'static str {
    let name = f.path.rsplit('/').next().unwrap_or(&f.path).to_ascii_lowercase();
    let ext = name.rsplit_once('.').map(|(_, e)| e).unwrap_or("");
    if name.starts_with("readme") || name.starts_with("license") || name.starts_with("licence") || matches!(ext, "md" | "rst") {
        "application/vnd.cncf.model.doc.v1.raw"
    } else if matches!(ext, "py" | "ipynb" | "sh") {
        "application/vnd.cncf.model.code.v1.raw"
    } else if matches!(ext, "json" | "yaml" | "yml" | "txt" | "model" | "toml" | "cfg") || name == "mlmodel" {
        "application/vnd.cncf.model.weight.config.v1.raw"
    } else {
        "application/vnd.cncf.model.weight.v1.raw"
    }
}

/// `sha256:HEX` of some bytes, as OCI descriptors name them.
pub(super) fn digest_of(bytes: &[u8]) -> String {
    format!("sha256:{}", crate::hash::sha256_hex(bytes))
}

/// Exports a version. `created_at` is the version's registration instant (RFC 3339).
pub fn export(v: &VersionRecord) -> Export {
    let s = &v.summary;
    let mut files: Vec<&FileEntry> = v.files.iter().collect();
    files.sort_by(|a, b| a.path.cmp(&b.path));
    let layers: Vec<Layer> = files
        .iter()
        .map(|f| Layer { path: f.path.clone(), digest: format!("sha256:{}", f.sha256), size: f.size, media_type: media_type(f) })
        .collect();
    let mut descriptor = json!({"name": s.model, "version": s.version, "createdAt": s.created_at});
    if !s.message.is_empty() {
        descriptor["description"] = json!(s.message);
    }
    let config = json!({
        "descriptor": descriptor,
        "config": {"format": s.format},
        "modelfs": {"type": "layers", "diffIds": layers.iter().map(|l| l.digest.clone()).collect::<Vec<_>>()},
    });
    let config = serde_json::to_vec(&config).expect("JSON serialises");
    let config_digest = digest_of(&config);
    let layer_json: Vec<Value> = layers
        .iter()
        .map(|l| {
            json!({
                "mediaType": l.media_type,
                "digest": l.digest,
                "size": l.size,
                "annotations": {FILEPATH: l.path, TITLE: l.path, "org.cncf.model.file.mediatype.untested": "true"},
            })
        })
        .collect();
    let manifest = json!({
        "schemaVersion": 2,
        "mediaType": MANIFEST,
        "artifactType": ARTIFACT_TYPE,
        "config": {"mediaType": CONFIG, "digest": config_digest, "size": config.len()},
        "layers": layer_json,
        "annotations": {
            "org.opencontainers.image.version": s.version,
            "org.opencontainers.image.created": s.created_at,
            "org.opencontainers.image.title": s.model,
            PEDIGREE_DIGEST: v.manifest_digest,
        },
    });
    let manifest = serde_json::to_vec(&manifest).expect("JSON serialises");
    let digest = digest_of(&manifest);
    Export { layers, config, config_digest, manifest, digest }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_get_the_layer_type_of_their_role() {
        let f = |path: &str| FileEntry { path: path.into(), size: 1, sha256: "00".repeat(32), format: String::new() };
        for (path, want) in [
            ("model.safetensors", "application/vnd.cncf.model.weight.v1.raw"),
            ("shards/model-00001.bin", "application/vnd.cncf.model.weight.v1.raw"),
            ("tokenizer.json", "application/vnd.cncf.model.weight.config.v1.raw"),
            ("MLmodel", "application/vnd.cncf.model.weight.config.v1.raw"),
            ("README.md", "application/vnd.cncf.model.doc.v1.raw"),
            ("LICENSE", "application/vnd.cncf.model.doc.v1.raw"),
            ("src/train.py", "application/vnd.cncf.model.code.v1.raw"),
        ] {
            assert_eq!(media_type(&f(path)), want, "{path}");
        }
    }
}
