//! The import allow-list: which globals a pickle may name and still only rebuild data, and the
//! Python 2 → 3 renames applied before judging them.

/// Whether loading `import` is known to only rebuild data (tensors, arrays, containers).
pub(super) fn is_safe_import(import: &str) -> bool {
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
        "builtins.bytearray",
        "builtins.bytes",
        "builtins.range",
        "builtins.list",
        "builtins.dict",
        "builtins.tuple",
        "builtins.int",
        "builtins.float",
        "builtins.str",
        "builtins.bool",
        "__builtin__.set",
        "_codecs.encode",
        "copyreg._reconstructor",
        "collections.defaultdict",
        "collections.deque",
        "datetime.datetime",
        "datetime.date",
        "datetime.time",
        "datetime.timedelta",
        "datetime.timezone",
        "decimal.Decimal",
        "fractions.Fraction",
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

/// The Python 2 → 3 renames `pickle` applies to GLOBAL/INST in protocols 0–2 (`fix_imports`,
/// from `_compat_pickle`), for the modules that matter when judging safety.
pub(super) fn py2_compat<'m>(module: &'m str, name: &'m str) -> (&'m str, &'m str) {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sniff::pickle::scan_pickle;

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
    fn python2_names_are_renamed_below_protocol_3() {
        let s = scan_pickle(b"\x80\x02c__builtin__\nset\nq\x00]\x85R.").unwrap();
        assert_eq!(s.imports, vec!["builtins.set"]);
        assert!(s.unsafe_imports.is_empty());
        let s = scan_pickle(b"c__builtin__\neval\n(S'1'\ntR.").unwrap();
        assert_eq!(s.unsafe_imports, vec!["builtins.eval"]);
        // Protocol 3+ does not rename.
        let s = scan_pickle(b"\x80\x03c__builtin__\nset\n)R.").unwrap();
        assert_eq!(s.imports, vec!["__builtin__.set"]);
        assert_eq!(py2_compat("copy_reg", "_reconstructor"), ("copyreg", "_reconstructor"));
    }
}
