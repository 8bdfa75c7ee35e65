//! SHA-256 of files and of manifests. Uses `ring`, whose SHA-256 is the same assembly as
//! OpenSSL's (AVX2/SHA-NI where the CPU has them), so per-core throughput matches
//! `openssl dgst -sha256`.

use std::io::{self, Read, Write};

use ring::digest::{Context, SHA256};

/// Read buffer size for hashing and copying.
pub const CHUNK: usize = 1 << 20;

/// Hex SHA-256 of a byte slice.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(ring::digest::digest(&SHA256, bytes).as_ref())
}

/// Stream `reader` into `sink` (if any) while hashing it; `on_chunk` gets each chunk's length.
/// Returns the hex digest and the byte count.
pub fn hash_copy(
    reader: &mut dyn Read,
    mut sink: Option<&mut dyn Write>,
    on_chunk: &mut dyn FnMut(u64),
) -> io::Result<(String, u64)> {
    let mut ctx = Context::new(&SHA256);
    let mut buf = vec![0u8; CHUNK];
    let mut total = 0u64;
    loop {
        let n = match reader.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        ctx.update(&buf[..n]);
        if let Some(w) = sink.as_mut() {
            w.write_all(&buf[..n])?;
        }
        total += n as u64;
        on_chunk(n as u64);
    }
    Ok((hex::encode(ctx.finish().as_ref()), total))
}

/// Hex SHA-256 of a file's content.
pub fn sha256_file(path: &std::path::Path, on_chunk: &mut dyn FnMut(u64)) -> io::Result<(String, u64)> {
    let mut f = std::fs::File::open(path)?;
    hash_copy(&mut f, None, on_chunk)
}

/// The model-signing v1.0 "files" root digest: SHA-256 over the concatenation of the raw
/// (binary) per-file digests, in manifest (path) order. Returns an error string for a digest
/// that is not 64 hex characters.
pub fn root_digest<'a>(file_digests: impl IntoIterator<Item = &'a str>) -> Result<String, String> {
    let mut ctx = Context::new(&SHA256);
    for d in file_digests {
        let raw = hex::decode(d).map_err(|_| format!("not a hex digest: {d}"))?;
        if raw.len() != 32 {
            return Err(format!("not a sha256 digest: {d}"));
        }
        ctx.update(&raw);
    }
    Ok(hex::encode(ctx.finish().as_ref()))
}
