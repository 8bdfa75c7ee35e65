//! HDF5: the 8-byte signature `\x89HDF\r\n\x1a\n` at offset 0, or after a user block at 512,
//! 1024 or 2048. Only the signature and superblock version are read.

use std::collections::BTreeMap;
use std::path::Path;

use super::{Format, Interface, SniffError, Sniffed};

/// The HDF5 format signature.
pub(crate) const SIGNATURE: &[u8; 8] = b"\x89HDF\r\n\x1a\n";

/// Offsets where the signature may appear (user blocks are powers of two from 512).
pub(crate) const OFFSETS: [usize; 4] = [0, 512, 1024, 2048];

/// Offset of the HDF5 signature in `head` (the first bytes of the file), if any.
pub(crate) fn signature_offset(head: &[u8]) -> Option<usize> {
    OFFSETS.into_iter().find(|&o| head.get(o..o + SIGNATURE.len()) == Some(&SIGNATURE[..]))
}

/// Sniff an HDF5 file from its first bytes. A file named `.h5`/`.hdf5` without the signature is
/// corrupt.
pub(crate) fn sniff(path: &Path, head: &[u8]) -> Result<Sniffed, SniffError> {
    let Some(offset) = signature_offset(head) else {
        return Err(SniffError::Corrupt {
            path: path.to_path_buf(),
            format: "hdf5",
            reason: "no HDF5 signature at offset 0, 512, 1024 or 2048".into(),
        });
    };
    let mut metadata = BTreeMap::new();
    metadata.insert("signature_offset".to_string(), offset.to_string());
    if let Some(v) = head.get(offset + SIGNATURE.len()) {
        metadata.insert("superblock_version".to_string(), v.to_string());
    }
    Ok(Sniffed { format: Format::Hdf5, interface: Interface::default(), metadata })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_signature_after_user_block() {
        let mut head = vec![0u8; 600];
        head[512..520].copy_from_slice(SIGNATURE);
        assert_eq!(signature_offset(&head), Some(512));
        assert_eq!(signature_offset(&head[..515]), None);
        assert_eq!(signature_offset(SIGNATURE), Some(0));
    }
}
