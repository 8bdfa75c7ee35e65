//! The bytes a pickle scan reads: a window over a stream (a file, a decompressor, a slice), so
//! a pickle of any size is scanned in bounded memory. Payloads the scan does not need — the data
//! of BINBYTES arguments, the raw array bytes joblib writes after each array — are read past
//! ([`Input::skip`]), never held. What is held (opcodes and the arguments the machine looks at)
//! is capped at [`MAX_HELD`] per scan; one argument at [`MAX_ARG`].

use std::io::{ErrorKind, Read};

use crate::sniff::MAX_HEADER;

/// Most bytes of opcodes and arguments one scan holds, over all its pickles (256 MiB).
pub(super) const MAX_HELD: u64 = 256 << 20;

/// Largest single argument (a string, a line) held in memory.
pub(super) const MAX_ARG: u64 = MAX_HEADER;

/// How much is read from the source at a time.
const CHUNK: usize = 64 << 10;

/// Why a read stopped: the stream ended, or the source or a limit failed it.
#[derive(Debug)]
pub(super) enum Short {
    /// The stream ended first (a truncated pickle).
    End,
    /// A read error or a limit, with a reason for people.
    Failed(String),
}

/// A forward-only window over a byte stream.
pub(super) struct Input<'a> {
    src: Box<dyn Read + 'a>,
    /// Bytes read from the source and not yet consumed start at `at`.
    buf: Vec<u8>,
    at: usize,
    /// Stream offset of `buf[0]`.
    base: u64,
    /// Bytes consumed by `byte`, `take` and `line` (skips are not counted).
    held: u64,
}

impl<'a> Input<'a> {
    pub(super) fn new(src: impl Read + 'a) -> Input<'a> {
        Input { src: Box::new(src), buf: Vec::new(), at: 0, base: 0, held: 0 }
    }

    /// Stream offset of the next unread byte.
    pub(super) fn offset(&self) -> u64 {
        self.base + self.at as u64
    }

    /// The next byte, or `None` at the end of the stream.
    pub(super) fn byte(&mut self) -> Result<Option<u8>, Short> {
        if !self.fill(1)? {
            return Ok(None);
        }
        self.hold(1)?;
        self.at += 1;
        Ok(Some(self.buf[self.at - 1]))
    }

    /// The next `n` bytes.
    pub(super) fn take(&mut self, n: u64) -> Result<&[u8], Short> {
        if n > MAX_ARG {
            return Err(Short::Failed(format!("an argument of {n} bytes is over the {MAX_ARG}-byte scan limit")));
        }
        if !self.fill(n as usize)? {
            return Err(Short::End);
        }
        self.hold(n)?;
        let start = self.at;
        self.at += n as usize;
        Ok(&self.buf[start..self.at])
    }

    /// The bytes up to the next newline, which is consumed and not returned.
    pub(super) fn line(&mut self) -> Result<&[u8], Short> {
        let mut searched = 0;
        loop {
            let window = &self.buf[self.at + searched..];
            if let Some(n) = window.iter().position(|&c| c == b'\n') {
                let len = searched + n;
                self.hold(len as u64 + 1)?;
                let start = self.at;
                self.at += len + 1;
                return Ok(&self.buf[start..start + len]);
            }
            searched += window.len();
            if searched as u64 > MAX_ARG {
                return Err(Short::Failed(format!("a line argument is over the {MAX_ARG}-byte scan limit")));
            }
            if !self.fill(searched + 1)? {
                return Err(Short::End);
            }
        }
    }

    /// Reads past `n` bytes without holding them; returns how many there were (fewer than `n`
    /// when the stream ends first).
    pub(super) fn skip(&mut self, n: u64) -> Result<u64, Short> {
        let buffered = (self.buf.len() - self.at) as u64;
        if n <= buffered {
            self.at += n as usize;
            return Ok(n);
        }
        self.base += self.buf.len() as u64;
        self.buf.clear();
        self.at = 0;
        let mut left = n - buffered;
        let mut scratch = vec![0u8; CHUNK];
        while left > 0 {
            let want = left.min(CHUNK as u64) as usize;
            let got = self.read(&mut scratch[..want])?;
            if got == 0 {
                break;
            }
            self.base += got as u64;
            left -= got as u64;
        }
        Ok(n - left)
    }

    /// Reads past everything left in the stream, so a read error there (a damaged compressed
    /// stream) surfaces.
    pub(super) fn drain(&mut self) -> Result<(), String> {
        match self.skip(u64::MAX) {
            Ok(_) => Ok(()),
            Err(Short::End) => Ok(()),
            Err(Short::Failed(why)) => Err(format!("after the pickle: {why}")),
        }
    }

    /// Counts `n` consumed bytes against [`MAX_HELD`].
    fn hold(&mut self, n: u64) -> Result<(), Short> {
        self.held += n;
        if self.held > MAX_HELD {
            return Err(Short::Failed(format!("over {MAX_HELD} bytes of pickle opcodes; too large to scan")));
        }
        Ok(())
    }

    /// Makes at least `n` unread bytes available; false when the stream ends first.
    fn fill(&mut self, n: usize) -> Result<bool, Short> {
        if self.buf.len() - self.at >= n {
            return Ok(true);
        }
        if self.at > 0 {
            self.buf.drain(..self.at);
            self.base += self.at as u64;
            self.at = 0;
        }
        while self.buf.len() < n {
            let have = self.buf.len();
            self.buf.resize(have + (n - have).max(CHUNK), 0);
            let got = match self.read_into(have) {
                Ok(got) => got,
                Err(e) => {
                    self.buf.truncate(have);
                    return Err(e);
                }
            };
            self.buf.truncate(have + got);
            if got == 0 {
                return Ok(false);
            }
        }
        Ok(true)
    }

    fn read_into(&mut self, from: usize) -> Result<usize, Short> {
        let Input { src, buf, .. } = self;
        Self::read_src(src.as_mut(), &mut buf[from..])
    }

    fn read(&mut self, into: &mut [u8]) -> Result<usize, Short> {
        Self::read_src(self.src.as_mut(), into)
    }

    fn read_src(src: &mut dyn Read, into: &mut [u8]) -> Result<usize, Short> {
        loop {
            match src.read(into) {
                Ok(got) => return Ok(got),
                Err(e) if e.kind() == ErrorKind::Interrupted => continue,
                Err(e) => return Err(Short::Failed(format!("cannot read: {e}"))),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A reader that hands out at most 3 bytes per read, to cross window edges.
    struct Dribble<'a>(&'a [u8]);

    impl Read for Dribble<'_> {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            let n = buf.len().min(3).min(self.0.len());
            buf[..n].copy_from_slice(&self.0[..n]);
            self.0 = &self.0[n..];
            Ok(n)
        }
    }

    #[test]
    fn reads_lines_takes_and_skips_across_short_reads() {
        let data = b"abc\nhello world\nXYZ0123456789tail";
        let mut inp = Input::new(Dribble(data));
        assert_eq!(inp.line().unwrap(), b"abc");
        assert_eq!(inp.line().unwrap(), b"hello world");
        assert_eq!(inp.take(3).unwrap(), b"XYZ");
        assert_eq!(inp.skip(10).unwrap(), 10);
        assert_eq!(inp.offset(), 29);
        assert_eq!(inp.byte().unwrap(), Some(b't'));
        assert_eq!(inp.skip(100).unwrap(), 3);
        assert_eq!(inp.byte().unwrap(), None);
        assert!(matches!(inp.take(1), Err(Short::End)));
    }

    #[test]
    fn an_unterminated_line_and_a_huge_argument_are_refused() {
        assert!(matches!(Input::new(&b"no newline"[..]).line(), Err(Short::End)));
        assert!(matches!(Input::new(&b""[..]).take(MAX_ARG + 1), Err(Short::Failed(_))));
    }
}
