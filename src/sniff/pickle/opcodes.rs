//! What each opcode of protocols 0–5 does to the abstract machine, by family. Every family
//! answers whether the opcode is one of its own; one that no family claims is an error.

use super::Scanner;
use super::machine::{Machine, V};
use super::unescape::{raw_unicode_unescape, unescape_string};

impl Machine<'_> {
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
            _ => return Ok(false),
        }
        Ok(true)
    }

    /// Strings, whose values are kept: STRING, UNICODE, the BIN* and SHORT_BIN* strings.
    fn string_op(&mut self, op: u8) -> Result<bool, String> {
        match op {
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
            _ => return Ok(false),
        }
        Ok(true)
    }
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
