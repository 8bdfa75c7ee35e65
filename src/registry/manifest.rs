//! Version manifests: `{path, size, sha256}` sorted by path, and the digests over them.

use crate::catalog::models::FileEntry;
use crate::hash::root_digest;

/// Root digest of a manifest (model-signing v1.0 "files" rule). `files` must be sorted by path.
pub fn root(files: &[FileEntry]) -> String {
    debug_assert!(files.windows(2).all(|w| w[0].path < w[1].path), "manifest is sorted by path");
    root_digest(files.iter().map(|f| f.sha256.as_str())).expect("manifest digests are sha256 hex")
}

/// Digest over the files whose format holds weights (all files when none does): two versions
/// with the same weights digest differ only in metadata, docs or code.
pub fn weights(files: &[FileEntry]) -> String {
    let weight_files: Vec<FileEntry> = files
        .iter()
        .filter(|f| {
            serde_json::from_value::<crate::sniff::Format>(serde_json::Value::String(f.format.clone()))
                .is_ok_and(|fmt| fmt.holds_weights())
        })
        .cloned()
        .collect();
    if weight_files.is_empty() { root(files) } else { root(&weight_files) }
}

/// SHA-256 of the RFC 8785 canonical JSON of the manifest (`[{path, size, sha256}]` sorted by
/// path): unlike the root digest it also covers paths and sizes, so any byte change in the
/// manifest changes it.
pub fn manifest_digest(files: &[FileEntry]) -> String {
    let list: Vec<serde_json::Value> =
        files.iter().map(|f| serde_json::json!({"path": f.path, "size": f.size, "sha256": f.sha256})).collect();
    crate::hash::sha256_hex(crate::audit::canonical(&serde_json::Value::Array(list)).as_bytes())
}
