//! TorchScript archives (`torch.jit.save`), built to the documented layout
//! (torch/csrc/jit/docs/serialization.md) since torch itself is gigabytes: `<name>/data.pkl`
//! (the module object: `__torch__.*` classes and tensors whose storages are `<name>/data/<key>`),
//! `<name>/constants.pkl` (the tensor constants the code uses), `<name>/code/` (the compiled
//! modules as Python-syntax source, with `.debug_pkl` source maps), `<name>/version`,
//! `<name>/byteorder` and `<name>/.data/`. Both pickles are scanned into one inventory, and a
//! code-running import in either refuses the archive (its payload is never run).

use std::path::Path;

use pedigree::sniff::{Format, SniffError, sniff_file};

use super::venv::{register, verdict, workspace};
use super::write;

/// BINUNICODE.
fn text(s: &str) -> Vec<u8> {
    let mut out = vec![b'X'];
    out.extend_from_slice(&(s.len() as u32).to_le_bytes());
    out.extend_from_slice(s.as_bytes());
    out
}

/// GLOBAL.
fn global(module: &str, name: &str) -> Vec<u8> {
    format!("c{module}\n{name}\n").into_bytes()
}

/// A tuple of small ints: MARK, BININT1 each, TUPLE.
fn ints(values: &[u8]) -> Vec<u8> {
    let mut out = vec![b'('];
    values.iter().for_each(|v| out.extend_from_slice(&[b'K', *v]));
    out.push(b't');
    out
}

/// `torch._utils._rebuild_tensor_v2((storage pid), 0, sizes, strides, False, OrderedDict())`,
/// the storage a persistent id `("storage", torch.<storage>, key, "cpu", numel)`.
fn tensor(storage: &str, key: &str, sizes: &[u8], strides: &[u8]) -> Vec<u8> {
    let numel = sizes.iter().map(|s| u32::from(*s)).product::<u32>() as u8;
    [
        global("torch._utils", "_rebuild_tensor_v2"),
        b"((".to_vec(),
        text("storage"),
        global("torch", storage),
        text(key),
        text("cpu"),
        vec![b'K', numel, b't', b'Q', b'K', 0],
        ints(sizes),
        ints(strides),
        vec![0x89],
        global("collections", "OrderedDict"),
        b")Rt".to_vec(),
        b"R".to_vec(),
    ]
    .concat()
}

/// `data.pkl` of a scripted `TinyNet` holding `fc = nn.Linear(3, 2)`: NEWOBJ of each class, its
/// attribute dict set by BUILD. With `payload`, `fc` also holds an object that runs it.
fn data_pkl(payload: Option<&[u8]>) -> Vec<u8> {
    let mut fc = [
        global("__torch__.torch.nn.modules.linear", "Linear"),
        b")\x81}(".to_vec(),
        text("weight"),
        tensor("FloatStorage", "0", &[2, 3], &[3, 1]),
        text("bias"),
        tensor("FloatStorage", "1", &[2], &[1]),
        text("training"),
        vec![0x89],
    ]
    .concat();
    if let Some(p) = payload {
        fc.extend(text("hook"));
        fc.extend_from_slice(p);
    }
    fc.extend_from_slice(b"ub");
    [
        b"\x80\x02".to_vec(),
        global("__torch__", "TinyNet"),
        b")\x81}(".to_vec(),
        text("training"),
        vec![0x89],
        text("fc"),
        fc,
        b"ub.".to_vec(),
    ]
    .concat()
}

/// `constants.pkl`: a tuple of the code's tensor constants (one half-precision scalar), or of a
/// `payload` object.
fn constants_pkl(payload: Option<&[u8]>) -> Vec<u8> {
    let item = payload.map_or_else(|| tensor("HalfStorage", "2", &[], &[]), <[u8]>::to_vec);
    [b"\x80\x02(".to_vec(), item, b"t.".to_vec()].concat()
}

/// An object whose `__reduce__` is `(posix.system, (command,))`.
fn system(command: &str) -> Vec<u8> {
    [global("posix", "system"), text(command), b"\x85R".to_vec()].concat()
}

const TINYNET_PY: &str = "class TinyNet(Module):\n  __parameters__ = []\n  __buffers__ = []\n  training : bool\n  fc : __torch__.torch.nn.modules.linear.Linear\n  def forward(self: __torch__.TinyNet,\n    x: Tensor) -> Tensor:\n    fc = self.fc\n    return torch.relu((fc).forward(x, ))\n";
const LINEAR_PY: &str = "class Linear(Module):\n  __parameters__ = [\"weight\", \"bias\", ]\n  __buffers__ = []\n  weight : Tensor\n  bias : Tensor\n  training : bool\n  in_features : Final[int] = 3\n  out_features : Final[int] = 2\n  def forward(self: __torch__.torch.nn.modules.linear.Linear,\n    input: Tensor) -> Tensor:\n    weight = self.weight\n    bias = self.bias\n    return torch.linear(input, weight, bias)\n";

/// The archive `torch.jit.save(torch.jit.script(TinyNet()), "tiny.pt")` writes (stored entries,
/// like torch's writer).
fn archive(data: &[u8], constants: &[u8]) -> Vec<u8> {
    let debug = [b"\x80\x02(".to_vec(), b"t.".to_vec()].concat();
    let entries: [(&str, &[u8]); 11] = [
        ("tiny/data.pkl", data),
        ("tiny/code/__torch__.py", TINYNET_PY.as_bytes()),
        ("tiny/code/__torch__.py.debug_pkl", &debug),
        ("tiny/code/__torch__/torch/nn/modules/linear.py", LINEAR_PY.as_bytes()),
        ("tiny/code/__torch__/torch/nn/modules/linear.py.debug_pkl", &debug),
        ("tiny/constants.pkl", constants),
        ("tiny/data/0", &[0u8; 24]),
        ("tiny/data/1", &[0u8; 8]),
        ("tiny/version", b"3\n"),
        ("tiny/byteorder", b"little"),
        ("tiny/.data/version", b"3\n"),
    ];
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    for (name, bytes) in entries {
        zip.start_file(name, options).unwrap();
        std::io::Write::write_all(&mut zip, bytes).unwrap();
    }
    zip.finish().unwrap().into_inner()
}

#[test]
fn a_torchscript_archive_is_described_from_both_pickles_and_its_code() {
    let root = tempfile::tempdir().unwrap();
    let path = write(root.path(), "tiny.pt", &archive(&data_pkl(None), &constants_pkl(None)));
    let s = sniff_file(&path).unwrap();
    assert_eq!(s.format, Format::Pytorch);
    assert_eq!(s.metadata["torchscript"], "true");
    assert_eq!(s.metadata["archive"], "tiny");
    assert_eq!(s.metadata["torch_format_version"], "3");
    assert_eq!(s.metadata["torchscript_modules"], "__torch__,__torch__.torch.nn.modules.linear");
    assert_eq!(s.metadata["pickle_risk"], "known", "{:?}", s.metadata);
    assert_eq!(s.metadata["loading_runs_code_from"], "torch");
    let imports: Vec<&str> = s.metadata["imports"].split(',').collect();
    for import in ["__torch__.TinyNet", "__torch__.torch.nn.modules.linear.Linear", "torch._utils._rebuild_tensor_v2"] {
        assert!(imports.contains(&import), "{import} missing from {imports:?}");
    }
    assert!(imports.contains(&"torch.HalfStorage"), "constants.pkl's imports are in the inventory: {imports:?}");

    let mut ws = workspace(root.path());
    let r = register(&mut ws, &[&path], "tiny", None).unwrap();
    assert_eq!(r.format, "pytorch");
    assert_eq!(verdict(&ws, &r, "tiny.pt").summary(), "loading runs code from torch");
}

#[test]
fn a_code_running_import_in_either_pickle_is_refused_and_never_run() {
    let root = tempfile::tempdir().unwrap();
    let marker = root.path().join("pwned");
    let payload = system(&format!("touch {}", marker.display()));
    for (which, bytes) in [
        ("data.pkl", archive(&data_pkl(Some(&payload)), &constants_pkl(None))),
        ("constants.pkl", archive(&data_pkl(None), &constants_pkl(Some(&payload)))),
    ] {
        let path = write(root.path(), "tiny.pt", &bytes);
        match sniff_file(&path) {
            Err(SniffError::UnsafePickle { imports, described, .. }) => {
                assert_eq!(imports, "posix.system", "{which}");
                assert_eq!(described.metadata["torchscript"], "true", "{which}");
            }
            other => panic!("{which}: expected a refusal, got {other:?}"),
        }
    }
    let path = root.path().join("tiny.pt");
    let mut ws = workspace(root.path());
    let err = register(&mut ws, &[&path], "tiny", None).unwrap_err().message;
    assert!(err.contains("posix.system"), "{err}");
    let r = register(&mut ws, &[&path], "tiny", Some("red-team sample")).unwrap();
    assert_eq!(verdict(&ws, &r, "tiny.pt").dangerous, vec!["posix.system"]);
    assert!(!marker.exists(), "the payload ran");
}

#[test]
fn truncated_and_mutated_archives_never_crash_the_sniffer() {
    let dir = tempfile::tempdir().unwrap();
    for bytes in mutations(&archive(&data_pkl(None), &constants_pkl(None))) {
        assert_no_crash(&write(dir.path(), "tiny.pt", &bytes));
    }
}

/// Every 7th truncation of `good` and 300 single-byte mutations of it (a fixed xorshift seed,
/// so a failure reproduces).
pub fn mutations(good: &[u8]) -> Vec<Vec<u8>> {
    let mut seed = 0x9e3779b97f4a7c15u64;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    let mut variants: Vec<Vec<u8>> = (0..good.len()).step_by(7).map(|cut| good[..cut].to_vec()).collect();
    for _ in 0..300 {
        let mut bytes = good.to_vec();
        let at = (next() as usize) % bytes.len();
        bytes[at] = next() as u8;
        variants.push(bytes);
    }
    variants
}

/// The sniffer answered (a description or a refusal with a reason), rather than panicking into
/// `sniff_file`'s last-resort guard.
#[track_caller]
pub fn assert_no_crash(path: &Path) {
    if let Err(SniffError::Corrupt { reason, .. }) = sniff_file(path) {
        assert!(!reason.contains("could not parse it"), "the sniffer panicked on {}", path.display());
    }
}
