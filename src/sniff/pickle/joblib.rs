//! joblib's array format, read as `joblib.load` reads it. `joblib.dump` pickles each numpy
//! array as a `NumpyArrayWrapper` (subclass, shape, order, dtype, alignment) and writes the
//! array's raw bytes right after the wrapper's BUILD opcode — outside the pickle grammar. The
//! scan sizes those bytes from the wrapper's state and reads past them: one padding-length byte
//! and its padding when the state has `numpy_array_alignment_bytes`, then shape × itemsize
//! bytes. An array of Python objects is a nested pickle instead, scanned like any other.

use std::rc::Rc;

use super::Scanner;
use super::machine::{Machine, V};

/// The classes whose BUILD joblib follows with the array's bytes (joblib, and the copy that
/// scikit-learn vendored before 0.23).
const WRAPPERS: &[&str] = &["joblib.numpy_pickle.NumpyArrayWrapper", "sklearn.externals.joblib.numpy_pickle.NumpyArrayWrapper"];

/// Whether a global names joblib's array wrapper.
pub(super) fn is_wrapper(v: &V) -> bool {
    matches!(v, V::Global(g) if WRAPPERS.contains(&&**g))
}

/// A `numpy.dtype` as its pickle describes it: `dtype(typestr, False, True)`, then a BUILD with
/// `(version, byteorder, subdtype, names, fields, elsize, alignment, flags, ...)`.
#[derive(Debug, Clone)]
pub(super) struct Dtype {
    typestr: Rc<str>,
    elsize: Option<i64>,
    flags: Option<i64>,
}

/// numpy's NPY_ITEM_HASOBJECT flag.
const HAS_OBJECT: i64 = 0x01;

impl Dtype {
    pub(super) fn new(typestr: Rc<str>) -> Dtype {
        Dtype { typestr, elsize: None, flags: None }
    }

    /// Takes the item size and flags from the dtype's BUILD state.
    pub(super) fn set_state(&mut self, state: &[V]) {
        if let Some(V::Int(n)) = state.get(5) {
            self.elsize = Some(*n);
        }
        if let Some(V::Int(f)) = state.get(7) {
            self.flags = Some(*f);
        }
    }

    /// Whether items are Python objects (stored as a nested pickle).
    fn has_object(&self) -> bool {
        self.typestr.starts_with('O') || self.flags.is_some_and(|f| f & HAS_OBJECT != 0)
    }

    /// Bytes per item: the state's element size for flexible types, else from the type string
    /// (`f8` → 8, `U20` → 80).
    fn itemsize(&self) -> Option<u64> {
        if let Some(n) = self.elsize.filter(|n| *n > 0) {
            return Some(n as u64);
        }
        let kind = self.typestr.chars().next()?;
        let digits: String = self.typestr.chars().skip(1).take_while(char::is_ascii_digit).collect();
        let n: u64 = digits.parse().ok()?;
        Some(if kind == 'U' { n.checked_mul(4)? } else { n })
    }
}

/// What follows a wrapper's BUILD.
#[derive(Debug)]
pub(super) enum Payload {
    /// Raw bytes: a padding-length byte first when `aligned`, then `bytes`.
    Raw { bytes: u64, aligned: bool },
    /// A nested pickle of Python objects.
    Objects,
}

/// The payload a wrapper with this BUILD state is followed by.
pub(super) fn payload(state: &V) -> Result<Payload, String> {
    let V::Dict(items) = state else {
        return Err("joblib array wrapper without a readable state".into());
    };
    let items = items.borrow();
    let get = |key: &str| items.iter().rev().find(|(k, _)| &**k == key).map(|(_, v)| v.clone());
    let dtype = match get("dtype") {
        Some(V::Dtype(d)) => d.borrow().clone(),
        _ => return Err("joblib array wrapper without a readable dtype".into()),
    };
    if dtype.has_object() {
        return Ok(Payload::Objects);
    }
    let count = match get("shape") {
        Some(V::Tuple(dims)) => dims.iter().try_fold(1u64, |acc, d| match d {
            V::Int(n) if *n >= 0 => acc.checked_mul(*n as u64),
            _ => None,
        }),
        _ => None,
    }
    .ok_or("joblib array wrapper without a readable shape")?;
    let itemsize = dtype.itemsize().ok_or_else(|| format!("joblib array of unsupported dtype {:?}", dtype.typestr))?;
    let bytes = count.checked_mul(itemsize).ok_or("joblib array size overflows")?;
    let aligned = matches!(get("numpy_array_alignment_bytes"), Some(V::Int(_)));
    Ok(Payload::Raw { bytes, aligned })
}

impl Machine<'_, '_> {
    /// Reads past what joblib wrote after a wrapper's BUILD (see the module comment).
    pub(super) fn read_array(&mut self, sc: &mut Scanner, payload: Payload) -> Result<(), String> {
        sc.arrays += 1;
        match payload {
            Payload::Objects => {
                // joblib loads it with a plain Unpickler: no arrays inside are intercepted.
                let at = self.inp.offset();
                Machine::new(&mut *self.inp, false).run(sc).map_err(|e| format!("object array pickle at offset {at}: {e}"))
            }
            Payload::Raw { bytes, aligned } => {
                if aligned {
                    let pad = self.take(1)?[0];
                    self.skip(u64::from(pad))?;
                }
                self.skip(bytes).map_err(|e| format!("joblib array of {bytes} bytes: {e}"))
            }
        }
    }
}
