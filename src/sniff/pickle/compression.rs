//! Compressed pickles, as `joblib.dump(..., compress=…)` writes them: recognised by the same
//! magic bytes joblib's loader checks, and decompressed as a stream for the scan, capped at
//! [`MAX_INFLATED`] so a small file cannot make the scan read without end.

use std::io::{BufReader, Read};

/// Most bytes a compressed pickle may inflate to before the scan gives up (8 GiB).
pub(super) const MAX_INFLATED: u64 = 8 << 30;

/// The compressors joblib writes, in the order its loader tries their prefixes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Compression {
    Zlib,
    Gzip,
    Bzip2,
    Xz,
    Lzma,
    Lz4,
    /// joblib's own container from before 0.9.3 (`ZF` + size + zlib), with arrays in side files.
    JoblibCompat,
}

impl Compression {
    pub(super) fn name(self) -> &'static str {
        match self {
            Compression::Zlib => "zlib",
            Compression::Gzip => "gzip",
            Compression::Bzip2 => "bzip2",
            Compression::Xz => "xz",
            Compression::Lzma => "lzma",
            Compression::Lz4 => "lz4",
            Compression::JoblibCompat => "joblib-0.9",
        }
    }

    /// The decompressed stream of `src`, cut off one byte past [`MAX_INFLATED`] (so that
    /// reaching the cap is visible to the caller). `None` for the old joblib container.
    pub(super) fn inflate<'a>(self, src: impl Read + 'a) -> Option<Box<dyn Read + 'a>> {
        let src = BufReader::new(src);
        let stream: Box<dyn Read + 'a> = match self {
            Compression::Zlib => Box::new(flate2::bufread::ZlibDecoder::new(src)),
            Compression::Gzip => Box::new(flate2::bufread::MultiGzDecoder::new(src)),
            Compression::Bzip2 => Box::new(bzip2::bufread::MultiBzDecoder::new(src)),
            Compression::Xz => Box::new(liblzma::bufread::XzDecoder::new_multi_decoder(src)),
            Compression::Lzma => {
                let stream = liblzma::stream::Stream::new_lzma_decoder(u64::MAX).ok()?;
                Box::new(liblzma::bufread::XzDecoder::new_stream(src, stream))
            }
            Compression::Lz4 => Box::new(lz4_flex::frame::FrameDecoder::new(src)),
            Compression::JoblibCompat => return None,
        };
        Some(Box::new(stream.take(MAX_INFLATED + 1)))
    }
}

/// The compressor a file starts with, by joblib's prefixes (`_detect_compressor`).
pub(super) fn compression_of(head: &[u8]) -> Option<Compression> {
    const PREFIXES: &[(&[u8], Compression)] = &[
        (b"ZF", Compression::JoblibCompat),
        (b"\x78", Compression::Zlib),
        (b"\x1f\x8b", Compression::Gzip),
        (b"BZ", Compression::Bzip2),
        (b"\xfd7zXZ", Compression::Xz),
        (b"\x5d\x00", Compression::Lzma),
        (b"\x04\x22\x4d\x18", Compression::Lz4),
    ];
    PREFIXES.iter().find(|(prefix, _)| head.starts_with(prefix)).map(|(_, c)| *c)
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::*;

    #[test]
    fn compressed_containers_are_named_and_plain_pickles_are_not() {
        let name = |head: &[u8]| compression_of(head).map(Compression::name);
        assert_eq!(name(b"\x1f\x8b\x08"), Some("gzip"));
        assert_eq!(name(b"\xfd7zXZ\x00"), Some("xz"));
        assert_eq!(name(b"BZh9"), Some("bzip2"));
        assert_eq!(name(b"\x04\x22\x4d\x18"), Some("lz4"));
        assert_eq!(name(b"\x78\x9c"), Some("zlib"));
        assert_eq!(name(b"\x5d\x00\x00\x80"), Some("lzma"));
        assert_eq!(name(b"ZF0x00"), Some("joblib-0.9"));
        assert_eq!(name(b"\x80\x02}q\x00."), None);
    }

    #[test]
    fn zlib_inflates_and_the_old_joblib_container_is_not_opened() {
        let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::fast());
        z.write_all(&[0u8; 1000]).unwrap();
        let packed = z.finish().unwrap();
        let mut out = Vec::new();
        Compression::Zlib.inflate(&packed[..]).unwrap().read_to_end(&mut out).unwrap();
        assert_eq!(out.len(), 1000);
        assert!(Compression::JoblibCompat.inflate(&packed[..]).is_none());
    }
}
