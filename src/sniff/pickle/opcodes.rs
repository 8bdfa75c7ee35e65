//! What each opcode of protocols 0–5 does to the abstract machine, by family. Every family
//! answers whether the opcode is one of its own; one that no family claims is an error.

use std::cell::RefCell;
use std::rc::Rc;

use super::Scanner;
use super::joblib::{Dtype, is_wrapper, payload};
use super::machine::{MAX_TRACKED, Machine, V};
use super::unescape::{raw_unicode_unescape, unescape_string};

impl Machine<'_, '_> {
    /// Runs one opcode (other than STOP).
    pub(super) fn exec(&mut self, sc: &mut Scanner, op: u8) -> Result<(), String> {
        let known = self.protocol_op(sc, op)?
            || self.stack_op(op)?
            || self.number_op(op)?
            || self.string_op(op)?
            || self.bytes_op(op)?
            || self.container_op(op)?
            || self.memo_op(op)?
            || self.import_op(sc, op)?
            || self.call_op(sc, op)?;
        if known { Ok(()) } else { self.err(format!("unknown opcode 0x{op:02x}")) }
    }

    /// Framing and protocol: PROTO, FRAME.
    fn protocol_op(&mut self, sc: &mut Scanner, op: u8) -> Result<bool, String> {
        match op {
            0x80 => {
                let p = self.take(1)?[0];
                if p > 5 {
                    return self.err(format!("unsupported pickle protocol {p}"));
                }
                self.proto = p;
                sc.protocol.get_or_insert(p);
            }
            0x95 => drop(self.take(8)?),
            _ => return Ok(false),
        }
        Ok(true)
    }

    /// Stack manipulation: MARK, POP, POP_MARK, DUP.
    fn stack_op(&mut self, op: u8) -> Result<bool, String> {
        match op {
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
            _ => return Ok(false),
        }
        Ok(true)
    }

    /// Numbers and constants: INT, LONG, FLOAT, BININT*, BINFLOAT, LONG1, LONG4, NONE, booleans.
    fn number_op(&mut self, op: u8) -> Result<bool, String> {
        match op {
            b'I' | b'L' => {
                let text = String::from_utf8_lossy(self.line()?).into_owned();
                let n = text.trim().trim_end_matches('L').parse::<i64>().ok();
                self.stack.push(n.map_or(V::Other, V::Int));
            }
            b'F' => {
                self.line()?;
                self.stack.push(V::Other);
            }
            b'J' => {
                let n = self.le(4)? as u32 as i32;
                self.stack.push(V::Int(i64::from(n)));
            }
            b'K' => {
                let n = self.le(1)?;
                self.stack.push(V::Int(n as i64));
            }
            b'M' => {
                let n = self.le(2)?;
                self.stack.push(V::Int(n as i64));
            }
            b'G' => self.push_arg(8)?,
            0x8a => {
                let n = self.le(1)?;
                if (1..=8).contains(&n) {
                    let raw = self.le(n)?;
                    let shift = 64 - 8 * n as u32;
                    self.stack.push(V::Int(((raw << shift) as i64) >> shift));
                } else {
                    self.push_arg(n)?;
                }
            }
            0x8b => {
                let n = self.i32_len()?;
                self.push_arg(n)?;
            }
            b'N' | 0x88 | 0x89 => self.stack.push(V::Other),
            _ => return Ok(false),
        }
        Ok(true)
    }

    /// Strings, whose values are kept: STRING, UNICODE, the BIN* and SHORT_BIN* strings.
    fn string_op(&mut self, op: u8) -> Result<bool, String> {
        match op {
            b'S' => {
                let raw = self.line()?.to_vec();
                let quoted = raw.len() >= 2 && raw[0] == raw[raw.len() - 1] && (raw[0] == b'\'' || raw[0] == b'"');
                if !quoted {
                    return self.err("STRING argument must be quoted");
                }
                self.push_str(unescape_string(&raw[1..raw.len() - 1]));
            }
            b'V' => {
                let s = raw_unicode_unescape(self.line()?);
                self.push_str(s);
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
            _ => return Ok(false),
        }
        Ok(true)
    }

    /// Bytes and buffers: BINBYTES*, BYTEARRAY8, NEXT_BUFFER, READONLY_BUFFER.
    fn bytes_op(&mut self, op: u8) -> Result<bool, String> {
        match op {
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
            _ => return Ok(false),
        }
        Ok(true)
    }

    /// Containers: the empty ones, those built from a MARK or from the top items, and the
    /// appends and set-items into them.
    fn container_op(&mut self, op: u8) -> Result<bool, String> {
        match op {
            b')' => self.stack.push(V::Tuple(Rc::from([]))),
            b'}' => self.stack.push(V::Dict(Rc::default())),
            b']' | 0x8f => self.stack.push(V::Other),
            b't' => {
                let items = self.pop_mark()?;
                self.stack.push(tuple(items));
            }
            b'd' => {
                let items = self.pop_mark()?;
                let dict = V::Dict(Rc::default());
                set_items(&dict, items);
                self.stack.push(dict);
            }
            b'l' | 0x91 => {
                self.pop_mark()?;
                self.stack.push(V::Other);
            }
            0x85..=0x87 => {
                let n = usize::from(op - 0x84);
                if self.stack.len() < self.base() + n {
                    return self.err("stack underflow");
                }
                let items = self.stack.split_off(self.stack.len() - n);
                self.stack.push(tuple(items));
            }
            b'a' => self.pop_n(1)?,
            b's' => {
                let value = self.pop()?;
                let key = self.pop()?;
                set_items(&self.top()?, vec![key, value]);
            }
            b'u' => {
                let items = self.pop_mark()?;
                set_items(&self.top()?, items);
            }
            b'e' | 0x90 => drop(self.pop_mark()?),
            _ => return Ok(false),
        }
        Ok(true)
    }

    /// The memo: GET, BINGET, LONG_BINGET (push a memoised value); PUT, BINPUT, LONG_BINPUT,
    /// MEMOIZE (memoise the top of the stack).
    fn memo_op(&mut self, op: u8) -> Result<bool, String> {
        let idx = match op {
            b'g' | b'p' => self.decimal()?,
            b'h' | b'q' => self.le(1)?,
            b'j' | b'r' => self.le(4)?,
            0x94 => self.memo.len() as u64,
            _ => return Ok(false),
        };
        if matches!(op, b'g' | b'h' | b'j') {
            self.memo_get(idx)?
        } else {
            self.memo_put(idx)?
        }
        Ok(true)
    }

    /// Persistent ids and imports: PERSID, BINPERSID, GLOBAL, STACK_GLOBAL, EXT1/2/4.
    fn import_op(&mut self, sc: &mut Scanner, op: u8) -> Result<bool, String> {
        match op {
            b'P' => {
                self.line()?;
                self.stack.push(V::Other);
            }
            b'Q' => {
                self.pop()?;
                self.stack.push(V::Other);
            }
            b'c' => {
                let module = String::from_utf8_lossy(self.line()?).into_owned();
                let name = String::from_utf8_lossy(self.line()?).into_owned();
                let global = self.text_import(sc, &module, &name);
                self.stack.push(V::Global(global));
            }
            0x93 => {
                let name = self.pop()?;
                let module = self.pop()?;
                match (module, name) {
                    (V::Str(m), V::Str(n)) => self.global(sc, &m, &n),
                    _ => self.global(sc, "<non-literal>", "<non-literal>"),
                }
            }
            0x82..=0x84 => {
                let width = [1, 2, 4][usize::from(op - 0x82)];
                let code = self.le(width)?;
                self.global(sc, "copyreg", &format!("<extension {code}>"));
            }
            _ => return Ok(false),
        }
        Ok(true)
    }

    /// Calls, which loading would make: INST, REDUCE, NEWOBJ, NEWOBJ_EX, OBJ, and BUILD.
    fn call_op(&mut self, sc: &mut Scanner, op: u8) -> Result<bool, String> {
        match op {
            b'i' => {
                let module = String::from_utf8_lossy(self.line()?).into_owned();
                let name = String::from_utf8_lossy(self.line()?).into_owned();
                self.pop_mark()?;
                let class = V::Global(self.text_import(sc, &module, &name));
                sc.reduces += 1;
                self.stack.push(instance(&class));
            }
            b'R' => {
                let args = self.pop()?;
                let callable = self.pop()?;
                sc.reduces += 1;
                self.stack.push(called(&callable, &args));
            }
            0x81 => {
                self.pop()?;
                let class = self.pop()?;
                sc.reduces += 1;
                self.stack.push(instance(&class));
            }
            0x92 => {
                self.pop_n(2)?;
                let class = self.pop()?;
                sc.reduces += 1;
                self.stack.push(instance(&class));
            }
            b'o' => {
                let items = self.pop_mark()?;
                let Some(class) = items.first() else {
                    return self.err("OBJ without a class");
                };
                sc.reduces += 1;
                self.stack.push(instance(class));
            }
            b'b' => {
                let state = self.pop()?;
                match self.top()? {
                    V::Wrapper if self.joblib => {
                        let what = match payload(&state) {
                            Ok(p) => p,
                            Err(e) => return self.err(e),
                        };
                        // joblib.load replaces the wrapper by the array it reads.
                        self.stack.pop();
                        self.stack.push(V::Other);
                        self.read_array(sc, what)?;
                    }
                    V::Dtype(d) => {
                        if let V::Tuple(items) = &state {
                            d.borrow_mut().set_state(items);
                        }
                    }
                    _ => {}
                }
            }
            _ => return Ok(false),
        }
        Ok(true)
    }
}

/// A tuple of tracked items, when it is small and flat enough to track.
fn tuple(items: Vec<V>) -> V {
    if items.len() > MAX_TRACKED || items.iter().any(|v| matches!(v, V::Tuple(_) | V::Dict(_))) {
        return V::Other;
    }
    V::Tuple(Rc::from(items))
}

/// Sets key/value pairs into a tracked dict: string keys, values other than dicts, at most
/// [`MAX_TRACKED`] items.
fn set_items(dict: &V, items: Vec<V>) {
    let V::Dict(d) = dict else { return };
    let mut d = d.borrow_mut();
    for pair in items.chunks(2) {
        if let [V::Str(k), v] = pair
            && d.len() < MAX_TRACKED
        {
            let v = if matches!(v, V::Dict(_)) { V::Other } else { v.clone() };
            d.push((k.clone(), v));
        }
    }
}

/// What calling `callable(*args)` yields, as far as the scan tracks it: numpy dtypes, and a
/// joblib wrapper made by protocol 0/1's `copyreg._reconstructor(cls, object, None)`.
fn called(callable: &V, args: &V) -> V {
    let (V::Global(name), V::Tuple(args)) = (callable, args) else { return V::Other };
    match (&**name, args.first()) {
        ("numpy.dtype", Some(V::Str(typestr))) => V::Dtype(Rc::new(RefCell::new(Dtype::new(typestr.clone())))),
        ("copyreg._reconstructor", Some(class)) => instance(class),
        _ => V::Other,
    }
}

/// A new instance of `class`: a joblib wrapper when it is one.
fn instance(class: &V) -> V {
    if is_wrapper(class) { V::Wrapper } else { V::Other }
}

#[cfg(test)]
mod tests {
    use crate::sniff::pickle::scan_pickle;

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
    fn protocol0_inst() {
        let p = b"(S'ls'\nios\nsystem\np0\n.";
        let s = scan_pickle(p).unwrap();
        assert_eq!(s.imports, vec!["os.system"]);
        assert_eq!(s.protocol, None);
    }

    #[test]
    fn extension_codes_are_copyreg_imports_of_1_2_and_4_bytes() {
        let s = scan_pickle(b"\x80\x02\x82\x05\x83\x06\x01\x84\x07\x00\x00\x01.").unwrap();
        let want = ["copyreg.<extension 16777223>", "copyreg.<extension 262>", "copyreg.<extension 5>"];
        assert_eq!(s.imports, want);
        assert_eq!(s.unsafe_imports, want);
        assert!(scan_pickle(b"\x80\x02\x84\x07\x00\x00.").is_err());
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
