//! Bounded reading shared by the sniffers: a position-tracking buffered reader that refuses to
//! read or skip past the end of the file (so truncation is an error, not a short read), capped
//! allocations, and the internal error type the sniffers map to [`SniffError`].

use std::fs::File;
use std::io::{self, BufReader, Read, Seek, SeekFrom};
use std::path::Path;

use super::SniffError;

/// Internal failure of a sniffer: an I/O error, or a reason the content is malformed.
#[derive(Debug)]
pub(crate) enum Fail {
    Io(io::Error),
    Bad(String),
}

impl From<io::Error> for Fail {
    fn from(e: io::Error) -> Self {
        if e.kind() == io::ErrorKind::UnexpectedEof { Fail::Bad("truncated: unexpected end of file".into()) } else { Fail::Io(e) }
    }
}

impl Fail {
    /// Attach the file path and format name.
    pub(crate) fn at(self, path: &Path, format: &'static str) -> SniffError {
        match self {
            Fail::Io(source) => SniffError::Io { path: path.to_path_buf(), source },
            Fail::Bad(reason) => SniffError::Corrupt { path: path.to_path_buf(), format, reason },
        }
    }
}

/// Shorthand for a malformed-content failure.
pub(crate) fn bad<T>(reason: impl Into<String>) -> Result<T, Fail> {
    Err(Fail::Bad(reason.into()))
}

/// A buffered reader over a seekable source of known length that tracks its position and never
/// reads or skips past `len`.
pub(crate) struct Stream<R> {
    inner: BufReader<R>,
    pos: u64,
    len: u64,
}

impl Stream<File> {
    /// Open `file` from its start; `len` is its size.
    pub(crate) fn from_file(mut file: File, len: u64) -> Result<Self, Fail> {
        file.seek(SeekFrom::Start(0))?;
        Ok(Stream { inner: BufReader::with_capacity(64 << 10, file), pos: 0, len })
    }
}

impl<R: Read + Seek> Stream<R> {
    /// Wrap a reader positioned at offset 0 whose total length is `len`.
    #[cfg(test)]
    pub(crate) fn new(inner: R, len: u64) -> Self {
        Stream { inner: BufReader::new(inner), pos: 0, len }
    }

    pub(crate) fn pos(&self) -> u64 {
        self.pos
    }

    pub(crate) fn len(&self) -> u64 {
        self.len
    }

    pub(crate) fn remaining(&self) -> u64 {
        self.len.saturating_sub(self.pos)
    }

    fn need(&self, n: u64, what: &str) -> Result<(), Fail> {
        if n > self.remaining() {
            return bad(format!("truncated: {what} needs {n} bytes at offset {} but only {} remain", self.pos, self.remaining()));
        }
        Ok(())
    }

    /// Fill `buf` exactly.
    pub(crate) fn read_exact(&mut self, buf: &mut [u8], what: &str) -> Result<(), Fail> {
        self.need(buf.len() as u64, what)?;
        self.inner.read_exact(buf)?;
        self.pos += buf.len() as u64;
        Ok(())
    }

    /// Read `n` bytes into a new vector, refusing `n > cap`.
    pub(crate) fn read_vec(&mut self, n: u64, cap: u64, what: &str) -> Result<Vec<u8>, Fail> {
        if n > cap {
            return bad(format!("{what} length {n} exceeds the {cap}-byte limit"));
        }
        self.need(n, what)?;
        let mut buf = vec![0u8; n as usize];
        self.inner.read_exact(&mut buf)?;
        self.pos += n;
        Ok(buf)
    }

    /// Skip `n` bytes without reading them (a seek, so skipping gigabytes is cheap).
    pub(crate) fn skip(&mut self, n: u64, what: &str) -> Result<(), Fail> {
        self.need(n, what)?;
        let delta = i64::try_from(n).map_err(|_| Fail::Bad(format!("{what}: skip of {n} bytes too large")))?;
        self.inner.seek_relative(delta)?;
        self.pos += n;
        Ok(())
    }

    pub(crate) fn u8(&mut self, what: &str) -> Result<u8, Fail> {
        let mut b = [0u8; 1];
        self.read_exact(&mut b, what)?;
        Ok(b[0])
    }

    pub(crate) fn u32_le(&mut self, what: &str) -> Result<u32, Fail> {
        let mut b = [0u8; 4];
        self.read_exact(&mut b, what)?;
        Ok(u32::from_le_bytes(b))
    }

    pub(crate) fn u64_le(&mut self, what: &str) -> Result<u64, Fail> {
        let mut b = [0u8; 8];
        self.read_exact(&mut b, what)?;
        Ok(u64::from_le_bytes(b))
    }
}

/// Read at most `cap` bytes from the start of `file`.
pub(crate) fn read_prefix(file: &mut File, cap: u64) -> io::Result<Vec<u8>> {
    file.seek(SeekFrom::Start(0))?;
    let mut buf = Vec::new();
    file.by_ref().take(cap).read_to_end(&mut buf)?;
    Ok(buf)
}
