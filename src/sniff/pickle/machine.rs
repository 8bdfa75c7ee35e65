//! The abstract pickle machine: the stack (strings, globals, "something else"), the marks and
//! the memo, with the primitive moves the opcodes are made of. [`Machine::run`] steps through
//! one pickle; the opcodes themselves are in `opcodes`.

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

use super::Scanner;
use super::allow::py2_compat;
use super::input::{Input, Short};
use super::joblib::Dtype;

/// A value on the abstract stack. Strings, small integers, small tuples and dicts of those, and
/// globals are tracked, as far as the scan needs them: to resolve STACK_GLOBAL, to read library
/// versions, and to size the arrays joblib writes after its wrappers.
#[derive(Debug, Clone)]
pub(super) enum V {
    Str(Rc<str>),
    Int(i64),
    /// A global, as "module.name".
    Global(Rc<str>),
    /// A tuple of at most [`MAX_TRACKED`] items, none a tuple or dict.
    Tuple(Rc<[V]>),
    /// A dict's string-keyed items (at most [`MAX_TRACKED`]; values are never dicts, so no cycle).
    Dict(Rc<RefCell<Vec<(Rc<str>, V)>>>),
    /// A `numpy.dtype` object; its BUILD fills in the item size and flags.
    Dtype(Rc<RefCell<Dtype>>),
    /// A joblib `NumpyArrayWrapper`, whose BUILD is followed by the array's raw bytes.
    Wrapper,
    Other,
}

/// Most items tracked in one tuple or dict.
pub(super) const MAX_TRACKED: usize = 64;

/// Most memo entries one pickle may make.
const MAX_MEMO: usize = 8_000_000;

/// The state of one pickle being stepped through.
pub(super) struct Machine<'i, 'a> {
    /// The bytes (the pickle and whatever follows it).
    pub(super) inp: &'i mut Input<'a>,
    /// Offset of the opcode being run (for error messages).
    op_at: u64,
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
    /// Whether a BUILD of a joblib array wrapper reads the array bytes that follow it, as
    /// `joblib.load` does (`pickle.load` does not).
    pub(super) joblib: bool,
}

/// State keys under which libraries record the version that wrote an object.
const VERSION_KEYS: &[(&str, &str)] = &[("_sklearn_version", "sklearn")];

impl<'i, 'a> Machine<'i, 'a> {
    /// A machine at the next byte of `inp`, with an empty stack and memo.
    pub(super) fn new(inp: &'i mut Input<'a>, joblib: bool) -> Machine<'i, 'a> {
        Machine {
            op_at: inp.offset(),
            inp,
            proto: 0,
            stack: Vec::new(),
            marks: Vec::new(),
            memo: HashMap::new(),
            last_str: None,
            versions: Vec::new(),
            joblib,
        }
    }

    /// Runs the pickle up to and including its STOP.
    pub(super) fn run(&mut self, sc: &mut Scanner) -> Result<(), String> {
        loop {
            self.op_at = self.inp.offset();
            let op = match self.inp.byte() {
                Ok(Some(op)) => op,
                Ok(None) => return self.err("truncated: no STOP opcode"),
                Err(e) => return self.short(e),
            };
            if op == b'.' {
                sc.versions.append(&mut self.versions);
                return Ok(());
            }
            self.exec(sc, op)?;
        }
    }

    /// The error for a read that stopped short.
    fn short<T>(&self, e: Short) -> Result<T, String> {
        match e {
            Short::End => self.err("truncated: the stream ends inside an argument"),
            Short::Failed(why) => self.err(why),
        }
    }

    pub(super) fn err<T>(&self, what: impl std::fmt::Display) -> Result<T, String> {
        Err(format!("{what} (opcode at offset {})", self.op_at))
    }

    pub(super) fn take(&mut self, n: u64) -> Result<&[u8], String> {
        let op_at = self.op_at;
        self.inp.take(n).map_err(|e| match e {
            Short::End => format!("truncated: argument of {n} bytes runs past the end (opcode at offset {op_at})"),
            Short::Failed(why) => format!("{why} (opcode at offset {op_at})"),
        })
    }

    /// Reads past an `n`-byte payload without holding it.
    pub(super) fn skip(&mut self, n: u64) -> Result<(), String> {
        match self.inp.skip(n) {
            Ok(got) if got == n => Ok(()),
            Ok(got) => self.err(format!("truncated: argument of {n} bytes but {got} remain")),
            Err(e) => self.short(e),
        }
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
    pub(super) fn line(&mut self) -> Result<&[u8], String> {
        let op_at = self.op_at;
        self.inp.line().map_err(|e| match e {
            Short::End => format!("truncated: unterminated line argument (opcode at offset {op_at})"),
            Short::Failed(why) => format!("{why} (opcode at offset {op_at})"),
        })
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
    pub(super) fn text_import(&self, sc: &mut Scanner, module: &str, name: &str) -> Rc<str> {
        let (module, name) = if self.proto < 3 { py2_compat(module, name) } else { (module, name) };
        let full: Rc<str> = Rc::from(format!("{module}.{name}"));
        sc.imports.insert(full.to_string());
        full
    }

    pub(super) fn global(&mut self, sc: &mut Scanner, module: &str, name: &str) {
        let full: Rc<str> = Rc::from(format!("{module}.{name}"));
        sc.imports.insert(full.to_string());
        self.stack.push(V::Global(full));
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
        if self.memo.len() >= MAX_MEMO && !self.memo.contains_key(&idx) {
            return self.err(format!("over {MAX_MEMO} memo entries; too large to scan"));
        }
        self.memo.insert(idx, v);
        Ok(())
    }

    /// Read past an `n`-byte payload (bytes, a big integer) and push a value not tracked.
    pub(super) fn push_arg(&mut self, n: u64) -> Result<(), String> {
        self.skip(n)?;
        self.stack.push(V::Other);
        Ok(())
    }

    pub(super) fn push_bytes_str(&mut self, n: u64) -> Result<(), String> {
        let s = String::from_utf8_lossy(self.take(n)?).into_owned();
        self.push_str(s);
        Ok(())
    }
}
