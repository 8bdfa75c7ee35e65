//! Pickle scanning without unpickling. [`scan_pickle`] walks the opcodes of protocols 0–5 with a
//! small abstract stack (strings, globals, "something else") and a memo, so that the module and
//! name each GLOBAL / STACK_GLOBAL / INST resolves to are known exactly — a pickle cannot hide
//! `builtins.eval` behind string shuffling. Imports outside an allowlist of data-only
//! reconstructors used by PyTorch and numpy checkpoints are reported as unsafe.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fs::File;
use std::path::Path;
use std::rc::Rc;

use super::bounded::read_prefix;
use super::{Format, Interface, MAX_HEADER, SniffError, Sniffed};

const FORMAT: &str = "pickle";

/// What a scan of one pickle (or of consecutive pickles) found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PickleScan {
    /// Every global the pickle imports, as "module.name", sorted and deduplicated.
    pub imports: Vec<String>,
    /// Number of call opcodes (REDUCE, NEWOBJ, NEWOBJ_EX, OBJ, INST).
    pub reduces: usize,
    /// Protocol from the first PROTO opcode, if any (protocols 0 and 1 have none).
    pub protocol: Option<u8>,
    /// The imports that are not on the allowlist: loading the pickle would call them.
    pub unsafe_imports: Vec<String>,
}

/// Scan one pickle (up to its STOP opcode) without executing it. Errors on an unknown opcode,
/// truncation, or a malformed stack.
pub fn scan_pickle(bytes: &[u8]) -> Result<PickleScan, String> {
    let mut scanner = Scanner::default();
    scanner.scan(bytes, 0)?;
    Ok(scanner.finish())
}

/// Whether loading `import` is known to only rebuild data (tensors, arrays, containers).
fn is_safe_import(import: &str) -> bool {
    const EXACT: &[&str] = &[
        "collections.OrderedDict",
        "torch._utils._rebuild_tensor",
        "torch._utils._rebuild_tensor_v2",
        "torch._utils._rebuild_tensor_v3",
        "torch._utils._rebuild_parameter",
        "torch._utils._rebuild_parameter_with_state",
        "torch._utils._rebuild_qtensor",
        "torch._utils._rebuild_sparse_tensor",
        "torch._utils._rebuild_meta_tensor_no_storage",
        "torch._utils._rebuild_device_tensor_from_numpy",
        "torch._tensor._rebuild_from_type_v2",
        "torch.nn.parameter.Parameter",
        "torch.storage.UntypedStorage",
        "torch.storage._load_from_bytes",
        "torch.serialization._get_layout",
        "torch.device",
        "torch.Size",
        "numpy.core.multiarray._reconstruct",
        "numpy._core.multiarray._reconstruct",
        "numpy.core.multiarray.scalar",
        "numpy._core.multiarray.scalar",
        "numpy.ndarray",
        "numpy.dtype",
        "builtins.set",
        "builtins.frozenset",
        "builtins.slice",
        "builtins.complex",
        "__builtin__.set",
        "_codecs.encode",
    ];
    const TORCH_DTYPES: &[&str] = &[
        "float32",
        "float",
        "float64",
        "double",
        "float16",
        "half",
        "bfloat16",
        "complex32",
        "complex64",
        "cfloat",
        "complex128",
        "cdouble",
        "uint8",
        "uint16",
        "uint32",
        "uint64",
        "int8",
        "int16",
        "short",
        "int32",
        "int",
        "int64",
        "long",
        "bool",
        "quint8",
        "qint8",
        "qint32",
        "quint4x2",
        "quint2x4",
        "float8_e4m3fn",
        "float8_e5m2",
        "float8_e4m3fnuz",
        "float8_e5m2fnuz",
        "float8_e8m0fnu",
        "strided",
        "sparse_coo",
        "sparse_csr",
        "per_tensor_affine",
        "per_channel_affine",
    ];
    if EXACT.contains(&import) {
        return true;
    }
    let Some(name) = import.strip_prefix("torch.") else {
        return false;
    };
    if TORCH_DTYPES.contains(&name) {
        return true;
    }
    // torch.FloatStorage, torch.HalfStorage, torch.BFloat16Storage, ...
    name.len() > "Storage".len() && name.ends_with("Storage") && name.bytes().all(|b| b.is_ascii_alphanumeric())
}

/// A value on the abstract stack: only strings and globals matter.
#[derive(Debug, Clone)]
enum V {
    Str(Rc<str>),
    Global,
    Other,
}

/// Accumulates imports over one or more consecutive pickles.
#[derive(Default)]
struct Scanner {
    imports: BTreeSet<String>,
    reduces: usize,
    protocol: Option<u8>,
}

impl Scanner {
    fn finish(self) -> PickleScan {
        let imports: Vec<String> = self.imports.into_iter().collect();
        let unsafe_imports = imports.iter().filter(|i| !is_safe_import(i)).cloned().collect();
        PickleScan { imports, reduces: self.reduces, protocol: self.protocol, unsafe_imports }
    }

    /// Scan the pickle starting at `start`; returns the offset just past its STOP.
    fn scan(&mut self, bytes: &[u8], start: usize) -> Result<usize, String> {
        let mut m =
            Machine { b: bytes, i: start, op_at: start, proto: 0, stack: Vec::new(), marks: Vec::new(), memo: HashMap::new() };
        m.run(self)
    }
}

struct Machine<'a> {
    b: &'a [u8],
    i: usize,
    op_at: usize,
    /// Protocol of the current pickle (0 until a PROTO opcode).
    proto: u8,
    stack: Vec<V>,
    marks: Vec<usize>,
    memo: HashMap<u64, V>,
}

impl<'a> Machine<'a> {
    fn err<T>(&self, what: impl std::fmt::Display) -> Result<T, String> {
        Err(format!("{what} (opcode at offset {})", self.op_at))
    }

    fn take(&mut self, n: u64) -> Result<&'a [u8], String> {
        let left = (self.b.len() - self.i) as u64;
        if n > left {
            return self.err(format!("truncated: argument of {n} bytes but {left} remain"));
        }
        let s = &self.b[self.i..self.i + n as usize];
        self.i += n as usize;
        Ok(s)
    }

    fn le(&mut self, n: u64) -> Result<u64, String> {
        let bytes = self.take(n)?;
        Ok(bytes.iter().rev().fold(0u64, |acc, &b| (acc << 8) | u64::from(b)))
    }

    fn i32_len(&mut self) -> Result<u64, String> {
        let v = self.le(4)? as u32 as i32;
        if v < 0 {
            return self.err(format!("negative length {v}"));
        }
        Ok(v as u64)
    }

    /// A newline-terminated argument, without the newline.
    fn line(&mut self) -> Result<&'a [u8], String> {
        let rest = &self.b[self.i..];
        match rest.iter().position(|&c| c == b'\n') {
            Some(n) => {
                self.i += n + 1;
                Ok(&rest[..n])
            }
            None => self.err("truncated: unterminated line argument"),
        }
    }

    fn decimal(&mut self) -> Result<u64, String> {
        let line = self.line()?;
        match std::str::from_utf8(line).ok().and_then(|s| s.trim().parse::<u64>().ok()) {
            Some(v) => Ok(v),
            None => self.err("invalid memo index"),
        }
    }

    fn base(&self) -> usize {
        self.marks.last().copied().unwrap_or(0)
    }

    fn pop(&mut self) -> Result<V, String> {
        if self.stack.len() <= self.base() {
            return self.err("stack underflow");
        }
        match self.stack.pop() {
            Some(v) => Ok(v),
            None => self.err("stack underflow"),
        }
    }

    fn pop_n(&mut self, n: usize) -> Result<(), String> {
        for _ in 0..n {
            self.pop()?;
        }
        Ok(())
    }

    fn top(&self) -> Result<V, String> {
        match self.stack.last() {
            Some(v) if self.stack.len() > self.base() => Ok(v.clone()),
            _ => self.err("empty stack"),
        }
    }

    fn pop_mark(&mut self) -> Result<Vec<V>, String> {
        match self.marks.pop() {
            Some(m) => Ok(self.stack.split_off(m.min(self.stack.len()))),
            None => self.err("no MARK on the stack"),
        }
    }

    fn push_str(&mut self, s: String) {
        self.stack.push(V::Str(Rc::from(s)));
    }

    /// Record an import by GLOBAL or INST, renamed as Python 3 does for protocols below 3.
    fn text_import(&self, sc: &mut Scanner, module: &str, name: &str) {
        let (module, name) = if self.proto < 3 { py2_compat(module, name) } else { (module, name) };
        sc.imports.insert(format!("{module}.{name}"));
    }

    fn global(&mut self, sc: &mut Scanner, module: &str, name: &str) {
        sc.imports.insert(format!("{module}.{name}"));
        self.stack.push(V::Global);
    }

    fn memo_get(&mut self, idx: u64) -> Result<(), String> {
        match self.memo.get(&idx) {
            Some(v) => {
                let v = v.clone();
                self.stack.push(v);
                Ok(())
            }
            None => self.err(format!("memo key {idx} not found")),
        }
    }

    fn memo_put(&mut self, idx: u64) -> Result<(), String> {
        let v = self.top()?;
        self.memo.insert(idx, v);
        Ok(())
    }

    fn run(&mut self, sc: &mut Scanner) -> Result<usize, String> {
        loop {
            self.op_at = self.i;
            let Some(&op) = self.b.get(self.i) else {
                return self.err("truncated: no STOP opcode");
            };
            self.i += 1;
            match op {
                b'.' => return Ok(self.i),
                // Framing and protocol.
                0x80 => {
                    let p = self.take(1)?[0];
                    if p > 5 {
                        return self.err(format!("unsupported pickle protocol {p}"));
                    }
                    self.proto = p;
                    sc.protocol.get_or_insert(p);
                }
                0x95 => drop(self.take(8)?),
                // Stack manipulation.
                b'(' => self.marks.push(self.stack.len()),
                b'0' => {
                    if self.stack.len() > self.base() {
                        self.pop()?;
                    } else {
                        self.pop_mark()?;
                    }
                }
                b'1' => drop(self.pop_mark()?),
                b'2' => {
                    let v = self.top()?;
                    self.stack.push(v);
                }
                // Numbers and constants.
                b'I' | b'L' | b'F' => {
                    self.line()?;
                    self.stack.push(V::Other);
                }
                b'J' => self.push_arg(4)?,
                b'K' => self.push_arg(1)?,
                b'M' => self.push_arg(2)?,
                b'G' => self.push_arg(8)?,
                0x8a => {
                    let n = self.le(1)?;
                    self.push_arg(n)?;
                }
                0x8b => {
                    let n = self.i32_len()?;
                    self.push_arg(n)?;
                }
                b'N' | 0x88 | 0x89 => self.stack.push(V::Other),
                // Strings.
                b'S' => {
                    let raw = self.line()?;
                    let quoted = raw.len() >= 2 && raw[0] == raw[raw.len() - 1] && (raw[0] == b'\'' || raw[0] == b'"');
                    if !quoted {
                        return self.err("STRING argument must be quoted");
                    }
                    self.push_str(unescape_string(&raw[1..raw.len() - 1]));
                }
                b'V' => {
                    let raw = self.line()?;
                    self.push_str(raw_unicode_unescape(raw));
                }
                b'T' => {
                    let n = self.i32_len()?;
                    self.push_bytes_str(n)?;
                }
                b'U' | 0x8c => {
                    let n = self.le(1)?;
                    self.push_bytes_str(n)?;
                }
                b'X' => {
                    let n = self.le(4)?;
                    self.push_bytes_str(n)?;
                }
                0x8d => {
                    let n = self.le(8)?;
                    self.push_bytes_str(n)?;
                }
                // Bytes.
                b'B' => {
                    let n = self.le(4)?;
                    self.push_arg(n)?;
                }
                b'C' => {
                    let n = self.le(1)?;
                    self.push_arg(n)?;
                }
                0x8e | 0x96 => {
                    let n = self.le(8)?;
                    self.push_arg(n)?;
                }
                0x97 => self.stack.push(V::Other),
                0x98 => {
                    self.pop()?;
                    self.stack.push(V::Other);
                }
                // Containers.
                b')' | b']' | b'}' | 0x8f => self.stack.push(V::Other),
                b'l' | b't' | b'd' | 0x91 => {
                    self.pop_mark()?;
                    self.stack.push(V::Other);
                }
                0x85..=0x87 => {
                    self.pop_n(usize::from(op - 0x84))?;
                    self.stack.push(V::Other);
                }
                b'a' => self.pop_n(1)?,
                b's' => self.pop_n(2)?,
                b'e' | b'u' | 0x90 => drop(self.pop_mark()?),
                // Memo.
                b'g' => {
                    let idx = self.decimal()?;
                    self.memo_get(idx)?;
                }
                b'h' => {
                    let idx = self.le(1)?;
                    self.memo_get(idx)?;
                }
                b'j' => {
                    let idx = self.le(4)?;
                    self.memo_get(idx)?;
                }
                b'p' => {
                    let idx = self.decimal()?;
                    self.memo_put(idx)?;
                }
                b'q' => {
                    let idx = self.le(1)?;
                    self.memo_put(idx)?;
                }
                b'r' => {
                    let idx = self.le(4)?;
                    self.memo_put(idx)?;
                }
                0x94 => {
                    let idx = self.memo.len() as u64;
                    self.memo_put(idx)?;
                }
                // Persistent ids.
                b'P' => {
                    self.line()?;
                    self.stack.push(V::Other);
                }
                b'Q' => {
                    self.pop()?;
                    self.stack.push(V::Other);
                }
                // Imports.
                b'c' => {
                    let module = String::from_utf8_lossy(self.line()?).into_owned();
                    let name = String::from_utf8_lossy(self.line()?).into_owned();
                    self.text_import(sc, &module, &name);
                    self.stack.push(V::Global);
                }
                0x93 => {
                    let name = self.pop()?;
                    let module = self.pop()?;
                    match (module, name) {
                        (V::Str(m), V::Str(n)) => self.global(sc, &m, &n),
                        _ => self.global(sc, "<non-literal>", "<non-literal>"),
                    }
                }
                0x82 => {
                    let code = self.le(1)?;
                    self.global(sc, "copyreg", &format!("<extension {code}>"));
                }
                0x83 => {
                    let code = self.le(2)?;
                    self.global(sc, "copyreg", &format!("<extension {code}>"));
                }
                0x84 => {
                    let code = self.le(4)?;
                    self.global(sc, "copyreg", &format!("<extension {code}>"));
                }
                // Calls.
                b'i' => {
                    let module = String::from_utf8_lossy(self.line()?).into_owned();
                    let name = String::from_utf8_lossy(self.line()?).into_owned();
                    self.pop_mark()?;
                    self.text_import(sc, &module, &name);
                    sc.reduces += 1;
                    self.stack.push(V::Other);
                }
                b'R' | 0x81 => {
                    self.pop_n(2)?;
                    sc.reduces += 1;
                    self.stack.push(V::Other);
                }
                0x92 => {
                    self.pop_n(3)?;
                    sc.reduces += 1;
                    self.stack.push(V::Other);
                }
                b'o' => {
                    if self.pop_mark()?.is_empty() {
                        return self.err("OBJ without a class");
                    }
                    sc.reduces += 1;
                    self.stack.push(V::Other);
                }
                b'b' => {
                    self.pop()?;
                    self.top()?;
                }
                other => return self.err(format!("unknown opcode 0x{other:02x}")),
            }
        }
    }

    /// Consume an `n`-byte argument and push a non-string value.
    fn push_arg(&mut self, n: u64) -> Result<(), String> {
        self.take(n)?;
        self.stack.push(V::Other);
        Ok(())
    }

    fn push_bytes_str(&mut self, n: u64) -> Result<(), String> {
        let raw = self.take(n)?;
        self.push_str(String::from_utf8_lossy(raw).into_owned());
        Ok(())
    }
}

/// The Python 2 → 3 renames `pickle` applies to GLOBAL/INST in protocols 0–2 (`fix_imports`,
/// from `_compat_pickle`), for the modules that matter when judging safety.
fn py2_compat<'m>(module: &'m str, name: &'m str) -> (&'m str, &'m str) {
    match (module, name) {
        ("__builtin__", "xrange") => ("builtins", "range"),
        ("__builtin__", "unicode" | "basestring") => ("builtins", "str"),
        ("__builtin__", "long") => ("builtins", "int"),
        ("__builtin__", "unichr") => ("builtins", "chr"),
        ("__builtin__", "raw_input") => ("builtins", "input"),
        ("__builtin__", "reduce") => ("functools", "reduce"),
        ("__builtin__", "intern") => ("sys", "intern"),
        ("__builtin__" | "exceptions", n) => ("builtins", n),
        ("copy_reg", n) => ("copyreg", n),
        ("commands", n) => ("subprocess", n),
        ("cPickle", n) => ("pickle", n),
        ("UserDict" | "UserList" | "UserString", n) => ("collections", n),
        _ => (module, name),
    }
}

/// Python's `codecs.escape_decode`, as used for the protocol-0 STRING opcode.
fn unescape_string(raw: &[u8]) -> String {
    let mut out = Vec::with_capacity(raw.len());
    let mut i = 0;
    while i < raw.len() {
        let c = raw[i];
        i += 1;
        if c != b'\\' || i >= raw.len() {
            out.push(c);
            continue;
        }
        let e = raw[i];
        i += 1;
        match e {
            b'\n' => {}
            b'\\' | b'\'' | b'"' => out.push(e),
            b'a' => out.push(7),
            b'b' => out.push(8),
            b'f' => out.push(12),
            b'n' => out.push(b'\n'),
            b'r' => out.push(b'\r'),
            b't' => out.push(b'\t'),
            b'v' => out.push(11),
            b'0'..=b'7' => {
                let mut v = u32::from(e - b'0');
                for _ in 0..2 {
                    match raw.get(i) {
                        Some(&d @ b'0'..=b'7') => {
                            v = v * 8 + u32::from(d - b'0');
                            i += 1;
                        }
                        _ => break,
                    }
                }
                out.push(v as u8);
            }
            b'x' => {
                match raw.get(i..i + 2).and_then(|h| std::str::from_utf8(h).ok()).and_then(|h| u8::from_str_radix(h, 16).ok()) {
                    Some(v) => {
                        out.push(v);
                        i += 2;
                    }
                    None => out.extend_from_slice(b"\\x"),
                }
            }
            other => {
                out.push(b'\\');
                out.push(other);
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Python's `raw_unicode_escape` decoding, as used for the protocol-0 UNICODE opcode: bytes are
/// Latin-1 except `\uXXXX` and `\UXXXXXXXX` escapes.
fn raw_unicode_unescape(raw: &[u8]) -> String {
    let mut out = String::with_capacity(raw.len());
    let mut i = 0;
    while i < raw.len() {
        let c = raw[i];
        let width = match (c, raw.get(i + 1)) {
            (b'\\', Some(b'u')) => 4,
            (b'\\', Some(b'U')) => 8,
            _ => 0,
        };
        let escaped = raw
            .get(i + 2..i + 2 + width)
            .filter(|_| width > 0)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u32::from_str_radix(h, 16).ok())
            .and_then(char::from_u32);
        match escaped {
            Some(ch) => {
                out.push(ch);
                i += 2 + width;
            }
            None => {
                out.push(char::from(c));
                i += 1;
            }
        }
    }
    out
}

/// The first pickle of a legacy (non-zip) `torch.save` file: the magic number 0x1950a86a20f9469cfc6c.
const TORCH_LEGACY_MAGIC: &[u8] = b"\x80\x02\x8a\x0a\x6c\xfc\x9c\x46\xf9\x20\x6a\xa8\x50\x19\x2e";

/// Compressed containers joblib writes, which cannot be scanned without decompressing.
fn compression_of(head: &[u8]) -> Option<&'static str> {
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

/// Sniff a pickle file (including legacy `torch.save` files, which are a run of pickles
/// followed by raw storage bytes).
pub(crate) fn sniff(path: &Path, mut file: File, len: u64) -> Result<Sniffed, SniffError> {
    let corrupt = |reason: String| SniffError::Corrupt { path: path.to_path_buf(), format: FORMAT, reason };
    let bytes = read_prefix(&mut file, MAX_HEADER).map_err(|source| SniffError::Io { path: path.to_path_buf(), source })?;
    let legacy_torch = bytes.starts_with(TORCH_LEGACY_MAGIC);
    if !legacy_torch && len > MAX_HEADER {
        return Err(corrupt(format!("pickle of {len} bytes is too large to scan (limit {MAX_HEADER})")));
    }
    if let Some(kind) = compression_of(&bytes) {
        return Err(corrupt(format!("{kind}-compressed pickle cannot be scanned")));
    }
    // A legacy torch file holds: magic, protocol version, sys info, the object, storage keys.
    let count = if legacy_torch { 5 } else { 1 };
    let mut scanner = Scanner::default();
    let mut at = 0;
    let mut failure = None;
    for _ in 0..count {
        match scanner.scan(&bytes, at) {
            Ok(end) => at = end,
            Err(e) => {
                failure = Some(e);
                break;
            }
        }
    }
    let scan = scanner.finish();
    if !scan.unsafe_imports.is_empty() {
        return Err(SniffError::UnsafePickle { path: path.to_path_buf(), imports: scan.unsafe_imports.join(", ") });
    }
    if let Some(reason) = failure {
        return Err(corrupt(reason));
    }
    let mut metadata = BTreeMap::new();
    metadata.insert("imports".into(), scan.imports.join(","));
    metadata.insert("reduce_count".into(), scan.reduces.to_string());
    if let Some(p) = scan.protocol {
        metadata.insert("protocol".into(), p.to_string());
    }
    if legacy_torch {
        metadata.insert("legacy_torch".into(), "true".into());
    }
    Ok(Sniffed { format: Format::Pickle, interface: Interface::default(), metadata })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn posix_system_is_unsafe() {
        let p = b"\x80\x02cposix\nsystem\nq\x00X\n\x00\x00\x00echo pwnedq\x01\x85q\x02Rq\x03.";
        let s = scan_pickle(p).unwrap();
        assert_eq!(s.imports, vec!["posix.system"]);
        assert_eq!(s.unsafe_imports, vec!["posix.system"]);
        assert_eq!(s.reduces, 1);
        assert_eq!(s.protocol, Some(2));
    }

    #[test]
    fn stack_global_uses_the_real_stack_not_the_last_strings() {
        // push "builtins", "eval"; then push and pop "collections", "OrderedDict"; STACK_GLOBAL.
        let mut p = b"\x80\x04".to_vec();
        for s in ["builtins", "eval", "collections", "OrderedDict"] {
            p.push(0x8c);
            p.push(s.len() as u8);
            p.extend_from_slice(s.as_bytes());
        }
        p.extend_from_slice(b"00\x93)R.");
        let s = scan_pickle(&p).unwrap();
        assert_eq!(s.imports, vec!["builtins.eval"]);
        // via the memo
        let p = b"\x80\x04\x8c\x02os\x94\x8c\x06system\x94h\x00h\x01\x93N\x85R.";
        assert_eq!(scan_pickle(p).unwrap().unsafe_imports, vec!["os.system"]);
    }

    #[test]
    fn protocol0_inst_and_strings() {
        let p = b"(S'ls'\nios\nsystem\np0\n.";
        let s = scan_pickle(p).unwrap();
        assert_eq!(s.imports, vec!["os.system"]);
        assert_eq!(s.protocol, None);
        assert_eq!(unescape_string(b"a\\x41\\101\\n"), "aAA\n");
        assert_eq!(raw_unicode_unescape(b"os\\u0073"), "oss");
    }

    #[test]
    fn python2_names_are_renamed_below_protocol_3() {
        let s = scan_pickle(b"\x80\x02c__builtin__\nset\nq\x00]\x85R.").unwrap();
        assert_eq!(s.imports, vec!["builtins.set"]);
        assert!(s.unsafe_imports.is_empty());
        let s = scan_pickle(b"c__builtin__\neval\n(S'1'\ntR.").unwrap();
        assert_eq!(s.unsafe_imports, vec!["builtins.eval"]);
        // Protocol 3+ does not rename.
        let s = scan_pickle(b"\x80\x03c__builtin__\nset\n)R.").unwrap();
        assert_eq!(s.imports, vec!["__builtin__.set"]);
    }

    #[test]
    fn allowlist() {
        for ok in ["torch.FloatStorage", "torch.BFloat16Storage", "torch.bfloat16", "collections.OrderedDict"] {
            assert!(is_safe_import(ok), "{ok}");
        }
        for bad in ["torch.Storage", "torch.load", "torch.x.Storage", "os.system", "builtins.eval", "numpy.load"] {
            assert!(!is_safe_import(bad), "{bad}");
        }
    }

    #[test]
    fn truncation_and_junk_are_errors() {
        let p = b"\x80\x02cposix\nsystem\nq\x00X\n\x00\x00\x00echo pwnedq\x01\x85q\x02Rq\x03.";
        for cut in 0..p.len() {
            assert!(scan_pickle(&p[..cut]).is_err());
        }
        assert!(scan_pickle(b"\x80\x02\xff.").is_err());
        assert!(scan_pickle(b"R.").is_err());
        assert!(scan_pickle(b"h\x05.").is_err());
        assert!(scan_pickle(b"\x80\x09.").is_err());
    }
}
