//! Judging what a pickle imports. Every `module.name` a pickle would import or call falls in one
//! of four classes, and a file is judged by its worst import:
//!
//! - **safe**: rebuilds plain data (numpy arrays and dtypes, torch tensors and storages,
//!   containers, builtins that construct data);
//! - **known**: a class or function of a machine-learning library (scikit-learn, xgboost,
//!   lightgbm, catboost, torch, joblib, scipy, numpy, pandas, …): loading runs that library's
//!   code, as it does for every scikit-learn model, so the file is stored and described, and the
//!   library named;
//! - **unknown**: anything else (registered with a warning);
//! - **dangerous**: runs commands or code, or touches the network or the filesystem. The list is
//!   picklescan 1.0.5's `_unsafe_globals` (module-wide entries cover submodules, as there), plus
//!   modelscan's and the stricter entries below (all of `builtins`' code-running functions,
//!   `importlib`, `marshal`, `types`, `copyreg` extension codes, non-literal imports). Dangerous
//!   wins over known: `torch.load` and `numpy.testing._private.utils.runstring` are dangerous.

use super::allow::is_safe_import;

/// How risky loading an import (or a file, by its worst import) is.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Risk {
    #[default]
    Safe,
    Known,
    Unknown,
    Dangerous,
}

impl Risk {
    pub fn as_str(self) -> &'static str {
        match self {
            Risk::Safe => "safe",
            Risk::Known => "known",
            Risk::Unknown => "unknown",
            Risk::Dangerous => "dangerous",
        }
    }
}

/// A module, and the names in it that are dangerous (`None`: every name, and every submodule).
type Entry = (&'static str, Option<&'static [&'static str]>);

const CODE_BUILTINS: &[&str] = &[
    "eval",
    "exec",
    "compile",
    "__import__",
    "getattr",
    "setattr",
    "delattr",
    "globals",
    "locals",
    "vars",
    "open",
    "apply",
    "breakpoint",
    "input",
    "execfile",
    "file",
    "reload",
];

/// picklescan 1.0.5's `_unsafe_globals`, modelscan's unsafe globals, and Pedigree's additions.
const DANGEROUS: &[Entry] = &[
    ("builtins", Some(CODE_BUILTINS)),
    ("__builtin__", Some(CODE_BUILTINS)),
    ("__builtins__", Some(CODE_BUILTINS)),
    ("cloudpickle", None),
    ("types", Some(&["CodeType", "FunctionType", "LambdaType", "MethodType", "ModuleType"])),
    ("aiohttp", None),
    ("asyncio", None),
    ("bdb", None),
    ("commands", None),
    ("ctypes", None),
    ("_ctypes", None),
    ("functools", Some(&["partial", "partialmethod", "reduce"])),
    ("httplib", None),
    ("http", None),
    ("logging", Some(&["FileHandler", "config"])),
    ("logging.config", None),
    ("_io", Some(&["FileIO", "open", "open_code"])),
    ("io", Some(&["FileIO", "open", "open_code"])),
    ("numpy.f2py", None),
    ("numpy.testing._private.utils", None),
    ("numpy", Some(&["load", "loadtxt", "fromfile", "genfromtxt", "memmap"])),
    ("nt", None),
    ("posix", None),
    ("_posixsubprocess", None),
    ("_winapi", None),
    ("_operator", Some(&["attrgetter", "itemgetter", "methodcaller"])),
    ("operator", Some(&["attrgetter", "itemgetter", "methodcaller"])),
    ("os", None),
    ("requests", None),
    ("httpx", None),
    ("urllib", None),
    ("urllib2", None),
    ("ftplib", None),
    ("smtplib", None),
    ("telnetlib", None),
    ("runpy", None),
    ("shutil", None),
    ("socket", None),
    ("ssl", None),
    ("subprocess", None),
    ("sys", None),
    ("code", None),
    ("codeop", None),
    ("cProfile", None),
    ("distutils", None),
    ("doctest", None),
    ("ensurepip", None),
    ("idlelib", None),
    ("imaplib", Some(&["IMAP4_stream"])),
    ("importlib", None),
    ("imp", None),
    ("zipimport", None),
    ("lib2to3", None),
    ("marshal", None),
    ("pdb", None),
    ("pickle", None),
    ("_pickle", None),
    ("cPickle", None),
    ("dill", None),
    ("shelve", None),
    ("pip", None),
    ("pkgutil", None),
    ("pty", None),
    ("profile", None),
    ("pydoc", None),
    ("test", None),
    ("timeit", None),
    ("trace", None),
    ("tempfile", None),
    ("multiprocessing", None),
    ("threading", None),
    ("_thread", None),
    ("signal", None),
    ("gc", None),
    ("inspect", None),
    ("linecache", None),
    ("webbrowser", None),
    ("uuid", None),
    ("venv", None),
    ("_osx_support", None),
    ("_aix_support", None),
    ("_pyrepl", None),
    ("torch._dynamo.guards", Some(&["GuardBuilder.get"])),
    ("torch._inductor.codecache", Some(&["compile_file"])),
    ("torch.fx.experimental.symbolic_shapes", Some(&["ShapeEnv.evaluate_guards_expression"])),
    ("torch.jit.unsupported_tensor_ops", Some(&["execWrapper"])),
    ("torch.serialization", Some(&["load"])),
    ("torch", Some(&["load", "hub"])),
    ("torch.hub", None),
    ("torch.utils._config_module", Some(&["ConfigModule.load_config"])),
    ("torch.utils.bottleneck", None),
    ("torch.utils.collect_env", Some(&["run"])),
    ("torch.utils.data.datapipes.utils.decoder", Some(&["basichandlers"])),
    ("joblib", Some(&["load"])),
    ("pandas", Some(&["read_pickle", "eval"])),
    ("sklearn.utils._testing", None),
    // Keras: what its own deserializer refuses as "non-modeling APIs" (files, network, loading
    // other models, unsafe deserialization), the layers that run arbitrary code or load a
    // SavedModel from a path, and the code-loading internals.
    ("keras.layers", Some(&["Lambda", "TFSMLayer"])),
    ("keras.src.layers.core.lambda_layer", None),
    ("keras.src.export", None),
    ("keras.config", Some(&["enable_unsafe_deserialization"])),
    ("keras.saving", None),
    ("keras.src.saving", None),
    ("keras.models", Some(&["load_model", "model_from_json", "save_model"])),
    ("keras.preprocessing", None),
    ("keras.backend", Some(&["clear_session"])),
    ("keras.src.utils.file_utils", None),
    (
        "keras.utils",
        Some(&[
            "get_file",
            "load_img",
            "save_img",
            "audio_dataset_from_directory",
            "image_dataset_from_directory",
            "text_dataset_from_directory",
            "register_keras_serializable",
            "serialize_keras_object",
            "deserialize_keras_object",
            "clear_session",
        ]),
    ),
];

/// Libraries whose classes make up models; loading their pickles runs their code.
const KNOWN: &[&str] = &[
    "sklearn",
    "xgboost",
    "lightgbm",
    "catboost",
    "torch",
    "joblib",
    "scipy",
    "numpy",
    "pandas",
    "skops",
    "statsmodels",
    "imblearn",
    "category_encoders",
    "tokenizers",
    "transformers",
    "keras",
    "keras_hub",
    "keras_nlp",
    "keras_cv",
    "tf_keras",
];

/// Module prefixes that belong to a known library under another name: TorchScript-compiled
/// classes (`__torch__.*`) are defined by the archive's `code/` and run by torch's TorchScript
/// interpreter, never imported from Python.
const ALIASES: &[(&str, &str)] = &[("__torch__", "torch")];

/// The class of one `module.name` import.
pub fn classify(import: &str) -> Risk {
    if import.contains('<') {
        return Risk::Dangerous; // a non-literal import or a copyreg extension code: unknowable
    }
    let (module, name) = import.rsplit_once('.').unwrap_or(("", import));
    if dangerous(module, name) {
        return Risk::Dangerous;
    }
    if is_safe_import(import) {
        return Risk::Safe;
    }
    if library(import).is_some() {
        return Risk::Known;
    }
    Risk::Unknown
}

/// Whether `module.name` is dangerous. Names may be dotted (`Class.method`), so every split of
/// the import into module and name is tried; a module-wide entry covers its submodules.
fn dangerous(module: &str, name: &str) -> bool {
    let full = if module.is_empty() { name.to_string() } else { format!("{module}.{name}") };
    let parts: Vec<&str> = full.split('.').collect();
    (1..parts.len()).any(|i| {
        let (m, n) = (parts[..i].join("."), parts[i..].join("."));
        DANGEROUS.iter().any(|(dm, names)| match names {
            None => m == *dm || m.starts_with(&format!("{dm}.")),
            Some(list) => m == *dm && list.iter().any(|x| n == *x || n.starts_with(&format!("{x}."))),
        })
    })
}

/// The known library an import belongs to (its top-level module), if any.
pub fn library(import: &str) -> Option<&'static str> {
    let top = import.split('.').next().unwrap_or(import);
    KNOWN.iter().copied().find(|k| *k == top).or_else(|| ALIASES.iter().find(|(a, _)| *a == top).map(|(_, lib)| *lib))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_class_by_example() {
        for safe in ["numpy.core.multiarray._reconstruct", "torch._utils._rebuild_tensor_v2", "collections.OrderedDict"] {
            assert_eq!(classify(safe), Risk::Safe, "{safe}");
        }
        for known in [
            "sklearn.ensemble._forest.RandomForestClassifier",
            "sklearn.tree._classes.DecisionTreeClassifier",
            "joblib.numpy_pickle.NumpyArrayWrapper",
            "xgboost.core.Booster",
            "scipy.sparse._csr.csr_matrix",
            "numpy.random._pickle.__randomstate_ctor",
        ] {
            assert_eq!(classify(known), Risk::Known, "{known}");
        }
        for unknown in ["mycompany.features.Scaler", "__main__.MyModel"] {
            assert_eq!(classify(unknown), Risk::Unknown, "{unknown}");
        }
        for bad in [
            "os.system",
            "posix.system",
            "nt.system",
            "subprocess.Popen",
            "builtins.eval",
            "builtins.exec",
            "builtins.compile",
            "builtins.__import__",
            "builtins.getattr",
            "builtins.open",
            "__builtin__.eval",
            "runpy._run_code",
            "importlib.import_module",
            "socket.create_connection",
            "shutil.rmtree",
            "sys.modules",
            "pty.spawn",
            "webbrowser.open",
            "pickle.loads",
            "marshal.loads",
            "types.CodeType",
            "torch.load",
            "torch.serialization.load",
            "numpy.testing._private.utils.runstring",
            "os.path.join",
            "code.InteractiveInterpreter.runcode",
            "functools.partial",
            "operator.attrgetter",
            "<non-literal>.<non-literal>",
            "copyreg.<extension 1>",
            "torch._inductor.codecache.compile_file",
        ] {
            assert_eq!(classify(bad), Risk::Dangerous, "{bad}");
        }
    }

    #[test]
    fn the_worst_import_judges_and_dangerous_beats_known() {
        let worst = ["sklearn.svm._classes.SVC", "numpy.dtype", "os.system"].iter().map(|i| classify(i)).max();
        assert_eq!(worst, Some(Risk::Dangerous));
        assert_eq!(classify("builtins.set"), Risk::Safe);
        assert_eq!(classify("builtins.print"), Risk::Unknown, "builtins that do not construct data are not vouched for");
        assert_eq!(classify("datetime.datetime"), Risk::Safe);
        assert_eq!(library("sklearn.linear_model._logistic.LogisticRegression"), Some("sklearn"));
    }

    #[test]
    fn keras_layers_are_known_but_code_running_keras_apis_are_dangerous() {
        for known in
            ["keras.layers.Dense", "keras.src.models.sequential.Sequential", "keras.DTypePolicy", "keras_hub.models.Gemma"]
        {
            assert_eq!(classify(known), Risk::Known, "{known}");
        }
        for bad in [
            "keras.layers.Lambda",
            "keras.layers.TFSMLayer",
            "keras.src.layers.core.lambda_layer.Lambda",
            "keras.utils.get_file",
            "keras.saving.load_model",
            "keras.models.load_model",
            "keras.config.enable_unsafe_deserialization",
        ] {
            assert_eq!(classify(bad), Risk::Dangerous, "{bad}");
        }
        assert_eq!(library("keras.layers.Dense"), Some("keras"));
    }

    #[test]
    fn torchscript_classes_are_torch() {
        assert_eq!(classify("__torch__.MyModule"), Risk::Known);
        assert_eq!(classify("__torch__.torch.nn.modules.linear.Linear"), Risk::Known);
        assert_eq!(library("__torch__.MyModule"), Some("torch"));
        assert_eq!(classify("__torch__x.Evil"), Risk::Unknown);
        assert_eq!(classify("torch.load"), Risk::Dangerous);
    }
}
