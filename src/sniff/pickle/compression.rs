//! Recognising a compressed pickle (as joblib writes them), which cannot be scanned without
//! decompressing it first.

/// Compressed containers joblib writes, which cannot be scanned without decompressing.
pub(super) fn compression_of(head: &[u8]) -> Option<&'static str> {
    if head.starts_with(b"\x1f\x8b") {
        Some("gzip")
    } else if head.starts_with(b"\xfd7zXZ") {
        Some("xz")
    } else if head.starts_with(b"BZh") {
        Some("bzip2")
    } else if head.starts_with(b"\x04\x22\x4d\x18") {
        Some("lz4")
    } else if head.starts_with(b"ZF") || head.first() == Some(&0x78) {
        Some("zlib")
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compressed_containers_are_named_and_plain_pickles_are_not() {
        assert_eq!(compression_of(b"\x1f\x8b\x08"), Some("gzip"));
        assert_eq!(compression_of(b"\xfd7zXZ\x00"), Some("xz"));
        assert_eq!(compression_of(b"BZh9"), Some("bzip2"));
        assert_eq!(compression_of(b"\x04\x22\x4d\x18"), Some("lz4"));
        assert_eq!(compression_of(b"\x78\x9c"), Some("zlib"));
        assert_eq!(compression_of(b"\x80\x02}q\x00."), None);
    }
}
