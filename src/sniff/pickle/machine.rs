//! The abstract pickle machine: the stack (strings, globals, "something else"), the marks and
//! the memo, with the primitive moves the opcodes are made of. [`Machine::run`] steps through
//! one pickle; the opcodes themselves are in `opcodes`.

use std::collections::HashMap;
use std::rc::Rc;

use super::Scanner;
use super::allow::py2_compat;

/// A value on the abstract stack: only strings and globals matter.
#[derive(Debug, Clone)]
pub(super) enum V {
    Str(Rc<str>),
    Global,
    Other,
}

/// The state of one pickle being stepped through.
pub(super) struct Machine<'a> {
    /// The bytes (the pickle and whatever follows it).
    b: &'a [u8],
    /// Offset of the next byte to read.
    i: usize,
    /// Offset of the opcode being run (for error messages).
    op_at: usize,
    /// Protocol of the current pickle (0 until a PROTO opcode).
    pub(super) proto: u8,
    /// The abstract stack.
    pub(super) stack: Vec<V>,
    /// Stack heights at each MARK.
    pub(super) marks: Vec<usize>,
    /// The memo, by index.
    pub(super) memo: HashMap<u64, V>,
    /// The last string pushed (a dict key, when a value follows).
    last_str: Option<Rc<str>>,
    /// Library versions the pickle records, e.g. scikit-learn's `_sklearn_version` state key.
    versions: Vec<(String, String)>,
}

/// State keys under which libraries record the version that wrote an object.
const VERSION_KEYS: &[(&str, &str)] = &[("_sklearn_version", "sklearn")];

impl<'a> Machine<'a> {
    /// A machine at `start` of `bytes`, with an empty stack and memo.
    pub(super) fn new(bytes: &'a [u8], start: usize) -> Machine<'a> {
        Machine {
            b: bytes,
            i: start,
            op_at: start,
            proto: 0,
            stack: Vec::new(),
            marks: Vec::new(),
            memo: HashMap::new(),
            last_str: None,
            versions: Vec::new(),
        }
    }

    /// Runs the pickle up to its STOP; returns the offset just past it.
    pub(super) fn run(&mut self, sc: &mut Scanner) -> Result<usize, String> {
        loop {
            self.op_at = self.i;
            let Some(&op) = self.b.get(self.i) else {
                return self.err("truncated: no STOP opcode");
            };
            self.i += 1;
            if op == b'.' {
                sc.versions.extend(self.versions.drain(..));
                return Ok(self.i);
            }
            self.exec(sc, op)?;
        }
    }

    pub(super) fn err<T>(&self, what: impl std::fmt::Display) -> Result<T, String> {
        Err(format!("{what} (opcode at offset {})", self.op_at))
    }

    pub(super) fn take(&mut self, n: u64) -> Result<&'a [u8], String> {
        let left = (self.b.len() - self.i) as u64;
        if n > left {
            return self.err(format!("truncated: argument of {n} bytes but {left} remain"));
        }
        let s = &self.b[self.i..self.i + n as usize];
        self.i += n as usize;
        Ok(s)
    }

    pub(super) fn le(&mut self, n: u64) -> Result<u64, String> {
        let bytes = self.take(n)?;
        Ok(bytes.iter().rev().fold(0u64, |acc, &b| (acc << 8) | u64::from(b)))
    }

    pub(super) fn i32_len(&mut self) -> Result<u64, String> {
        let v = self.le(4)? as u32 as i32;
        if v < 0 {
            return self.err(format!("negative length {v}"));
        }
        Ok(v as u64)
    }

    /// A newline-terminated argument, without the newline.
    pub(super) fn line(&mut self) -> Result<&'a [u8], String> {
        let rest = &self.b[self.i..];
        match rest.iter().position(|&c| c == b'\n') {
            Some(n) => {
                self.i += n + 1;
                Ok(&rest[..n])
            }
            None => self.err("truncated: unterminated line argument"),
        }
    }

    pub(super) fn decimal(&mut self) -> Result<u64, String> {
        let line = self.line()?;
        match std::str::from_utf8(line).ok().and_then(|s| s.trim().parse::<u64>().ok()) {
            Some(v) => Ok(v),
            None => self.err("invalid memo index"),
        }
    }

    pub(super) fn base(&self) -> usize {
        self.marks.last().copied().unwrap_or(0)
    }

    pub(super) fn pop(&mut self) -> Result<V, String> {
        if self.stack.len() <= self.base() {
            return self.err("stack underflow");
        }
        match self.stack.pop() {
            Some(v) => Ok(v),
            None => self.err("stack underflow"),
        }
    }

    pub(super) fn pop_n(&mut self, n: usize) -> Result<(), String> {
        for _ in 0..n {
            self.pop()?;
        }
        Ok(())
    }

    pub(super) fn top(&self) -> Result<V, String> {
        match self.stack.last() {
            Some(v) if self.stack.len() > self.base() => Ok(v.clone()),
            _ => self.err("empty stack"),
        }
    }

    pub(super) fn pop_mark(&mut self) -> Result<Vec<V>, String> {
        match self.marks.pop() {
            Some(m) => Ok(self.stack.split_off(m.min(self.stack.len()))),
            None => self.err("no MARK on the stack"),
        }
    }

    pub(super) fn push_str(&mut self, s: String) {
        let s: Rc<str> = Rc::from(s);
        self.note_str(&s);
        self.stack.push(V::Str(s));
    }

    /// Remembers the string, and a library version when it follows that library's version key.
    fn note_str(&mut self, s: &Rc<str>) {
        if let Some(prev) = &self.last_str
            && let Some((_, lib)) = VERSION_KEYS.iter().find(|(k, _)| **k == **prev)
            && s.len() <= 32
        {
            self.versions.push((lib.to_string(), s.to_string()));
        }
        self.last_str = Some(s.clone());
    }

    /// Record an import by GLOBAL or INST, renamed as Python 3 does for protocols below 3.
    pub(super) fn text_import(&self, sc: &mut Scanner, module: &str, name: &str) {
        let (module, name) = if self.proto < 3 { py2_compat(module, name) } else { (module, name) };
        sc.imports.insert(format!("{module}.{name}"));
    }

    pub(super) fn global(&mut self, sc: &mut Scanner, module: &str, name: &str) {
        sc.imports.insert(format!("{module}.{name}"));
        self.stack.push(V::Global);
    }

    pub(super) fn memo_get(&mut self, idx: u64) -> Result<(), String> {
        match self.memo.get(&idx) {
            Some(v) => {
                let v = v.clone();
                if let V::Str(s) = &v {
                    self.note_str(s);
                }
                self.stack.push(v);
                Ok(())
            }
            None => self.err(format!("memo key {idx} not found")),
        }
    }

    pub(super) fn memo_put(&mut self, idx: u64) -> Result<(), String> {
        let v = self.top()?;
        self.memo.insert(idx, v);
        Ok(())
    }

    /// Consume an `n`-byte argument and push a non-string value.
    pub(super) fn push_arg(&mut self, n: u64) -> Result<(), String> {
        self.take(n)?;
        self.stack.push(V::Other);
        Ok(())
    }

    pub(super) fn push_bytes_str(&mut self, n: u64) -> Result<(), String> {
        let raw = self.take(n)?;
        self.push_str(String::from_utf8_lossy(raw).into_owned());
        Ok(())
    }
}
