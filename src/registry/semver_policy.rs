//! The semver policy: suggests the next version of a model from how its interface and weights
//! changed against the latest version. Always overridable; the reason is recorded.
//!
//! - major: the interface changed incompatibly (inputs/outputs/tensors removed or changed,
//!   inputs added, task changed);
//! - minor: same interface (or only outputs/tensors added), different weights or data;
//! - patch: same weights (same digest over the weight files), only metadata/docs/code changed.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::sniff::{Interface, TensorSpec};

/// Which part of the version was bumped, and why.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "lowercase")]
pub enum Bump {
    /// The model's first version.
    Initial,
    Major,
    Minor,
    Patch,
    /// Chosen by the user with `--version`.
    Explicit,
}

impl Bump {
    pub fn as_str(self) -> &'static str {
        match self {
            Bump::Initial => "initial",
            Bump::Major => "major",
            Bump::Minor => "minor",
            Bump::Patch => "patch",
            Bump::Explicit => "explicit",
        }
    }
}

/// A suggested version with its reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Suggestion {
    pub version: semver::Version,
    pub bump: Bump,
    pub reason: String,
}

/// What the policy compares for one version.
#[derive(Debug, Clone, Copy)]
pub struct Facts<'a> {
    pub interface: &'a Interface,
    pub weights_digest: &'a str,
    /// Dataset node ids the version was trained on.
    pub datasets: &'a [String],
}

/// Suggests the version after `latest` (or the first version when there is none).
pub fn suggest(latest: Option<(&semver::Version, Facts<'_>)>, new: Facts<'_>) -> Suggestion {
    let Some((prev_v, prev)) = latest else {
        return Suggestion {
            version: semver::Version::new(1, 0, 0),
            bump: Bump::Initial,
            reason: "first version of this model".into(),
        };
    };
    let change = compare(prev.interface, new.interface);
    let (bump, reason) = match change {
        Change::Incompatible(why) => (Bump::Major, format!("interface changed incompatibly: {why}")),
        _ if prev.weights_digest == new.weights_digest => (
            Bump::Patch,
            format!(
                "weights unchanged (digest {}…); only metadata, docs or code changed",
                &new.weights_digest[..12.min(new.weights_digest.len())]
            ),
        ),
        Change::Additive(why) => (Bump::Minor, format!("compatible interface change ({why}) and new weights")),
        Change::Same => {
            let data = if prev.datasets != new.datasets { " and different training data" } else { "" };
            (Bump::Minor, format!("same interface, new weights{data}"))
        }
    };
    let minor_libs: Vec<String> = library_changes(prev.interface, new.interface)
        .into_iter()
        .filter(|c| !c.major)
        .map(|c| format!("{} {} → {}", c.library, c.from, c.to))
        .collect();
    let reason = if minor_libs.is_empty() { reason } else { format!("{reason}; {}", minor_libs.join(", ")) };
    let version = match bump {
        Bump::Major => semver::Version::new(prev_v.major + 1, 0, 0),
        Bump::Minor => semver::Version::new(prev_v.major, prev_v.minor + 1, 0),
        _ => semver::Version::new(prev_v.major, prev_v.minor, prev_v.patch + 1),
    };
    Suggestion { version, bump, reason }
}

/// A library whose recorded version differs between two interfaces.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LibraryChange {
    pub library: String,
    pub from: String,
    pub to: String,
    /// The major version differs (for 0.x, the minor: 0.23 → 0.24 is a major step).
    pub major: bool,
}

/// Libraries both interfaces record, whose versions differ.
pub fn library_changes(old: &Interface, new: &Interface) -> Vec<LibraryChange> {
    let (Some(a), Some(b)) = (&old.libraries, &new.libraries) else { return Vec::new() };
    let head = |v: &str| {
        let mut parts = v.split(|c: char| !c.is_ascii_digit()).filter(|p| !p.is_empty());
        match parts.next() {
            Some("0") => format!("0.{}", parts.next().unwrap_or("")),
            Some(m) => m.to_string(),
            None => v.to_string(),
        }
    };
    a.iter()
        .filter_map(|(lib, from)| {
            let to = b.get(lib).filter(|to| *to != from)?;
            Some(LibraryChange { library: lib.clone(), from: from.clone(), to: to.clone(), major: head(from) != head(to) })
        })
        .collect()
}

/// How an interface changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    Same,
    /// Only additions that existing callers do not see (outputs, tensors).
    Additive(String),
    Incompatible(String),
}

fn spec(t: &TensorSpec) -> String {
    format!("{}[{}]", t.dtype, t.shape.join(","))
}

/// Compares two interfaces. The first incompatible difference found is named, with a count of
/// the others.
pub fn compare(old: &Interface, new: &Interface) -> Change {
    let mut breaking = Vec::new();
    let mut additive = Vec::new();
    if let (Some(a), Some(b)) = (&old.task, &new.task) {
        if a != b {
            breaking.push(format!("task {a} → {b}"));
        }
    }
    let mut diff = |what: &str, old: &[TensorSpec], new: &[TensorSpec], added_breaks: bool| {
        for o in old {
            match new.iter().find(|n| n.name == o.name) {
                None => breaking.push(format!("{what} `{}` removed", o.name)),
                Some(n) if n.dtype != o.dtype || n.shape != o.shape => {
                    breaking.push(format!("{what} `{}` {} → {}", o.name, spec(o), spec(n)))
                }
                Some(_) => {}
            }
        }
        for n in new.iter().filter(|n| !old.iter().any(|o| o.name == n.name)) {
            let msg = format!("{what} `{}` added", n.name);
            if added_breaks { breaking.push(msg) } else { additive.push(msg) }
        }
    };
    diff("input", &old.inputs, &new.inputs, true);
    diff("output", &old.outputs, &new.outputs, false);
    diff("tensor", &old.tensors, &new.tensors, false);
    if let Some(major) = library_changes(old, new).into_iter().find(|c| c.major) {
        breaking.push(format!("{} {} → {} (a new major version)", major.library, major.from, major.to));
    }
    let summarise = |v: Vec<String>| match v.len() {
        1 => v[0].clone(),
        n => format!("{} (and {} more)", v[0], n - 1),
    };
    if !breaking.is_empty() {
        Change::Incompatible(summarise(breaking))
    } else if !additive.is_empty() {
        Change::Additive(summarise(additive))
    } else {
        Change::Same
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(name: &str, dtype: &str, shape: &[&str]) -> TensorSpec {
        TensorSpec { name: name.into(), dtype: dtype.into(), shape: shape.iter().map(|s| s.to_string()).collect() }
    }

    fn iface(inputs: Vec<TensorSpec>, outputs: Vec<TensorSpec>) -> Interface {
        Interface { inputs, outputs, ..Default::default() }
    }

    fn facts<'a>(i: &'a Interface, w: &'a str) -> Facts<'a> {
        Facts { interface: i, weights_digest: w, datasets: &[] }
    }

    #[test]
    fn first_version_is_1_0_0() {
        let i = Interface::default();
        let s = suggest(None, facts(&i, "aa"));
        assert_eq!((s.version.to_string().as_str(), s.bump), ("1.0.0", Bump::Initial));
    }

    #[test]
    fn changed_input_shape_is_major() {
        let old = iface(vec![t("x", "FLOAT", &["1", "3"])], vec![t("y", "FLOAT", &["1"])]);
        let new = iface(vec![t("x", "FLOAT", &["1", "4"])], vec![t("y", "FLOAT", &["1"])]);
        let v = semver::Version::new(1, 4, 2);
        let s = suggest(Some((&v, facts(&old, "aa"))), facts(&new, "bb"));
        assert_eq!(s.version, semver::Version::new(2, 0, 0));
        assert!(s.reason.contains("input `x` FLOAT[1,3] → FLOAT[1,4]"), "{}", s.reason);
    }

    #[test]
    fn added_output_with_new_weights_is_minor_and_same_weights_is_patch() {
        let old = iface(vec![t("x", "FLOAT", &["1"])], vec![t("y", "FLOAT", &["1"])]);
        let new = iface(vec![t("x", "FLOAT", &["1"])], vec![t("y", "FLOAT", &["1"]), t("z", "FLOAT", &["1"])]);
        let v = semver::Version::new(1, 4, 2);
        let s = suggest(Some((&v, facts(&old, "aa"))), facts(&new, "bb"));
        assert_eq!((s.version, s.bump), (semver::Version::new(1, 5, 0), Bump::Minor));
        let s = suggest(Some((&v, facts(&old, "aa"))), facts(&old, "aa"));
        assert_eq!((s.version, s.bump), (semver::Version::new(1, 4, 3), Bump::Patch));
    }

    fn with_libs(libs: &[(&str, &str)]) -> Interface {
        Interface { libraries: Some(libs.iter().map(|(l, v)| (l.to_string(), v.to_string())).collect()), ..Default::default() }
    }

    #[test]
    fn a_new_major_library_version_is_major_and_other_changes_are_named() {
        let v = semver::Version::new(1, 2, 0);
        let old = with_libs(&[("sklearn", "1.4.2")]);
        let s = suggest(Some((&v, facts(&old, "aa"))), facts(&with_libs(&[("sklearn", "2.0.0")]), "bb"));
        assert_eq!(s.version, semver::Version::new(2, 0, 0));
        assert!(s.reason.contains("sklearn 1.4.2 → 2.0.0 (a new major version)"), "{}", s.reason);
        let s = suggest(Some((&v, facts(&old, "aa"))), facts(&with_libs(&[("sklearn", "1.5.2")]), "bb"));
        assert_eq!(s.bump, Bump::Minor);
        assert!(s.reason.ends_with("; sklearn 1.4.2 → 1.5.2"), "{}", s.reason);
        let zero = with_libs(&[("xgboost", "0.90")]);
        assert!(library_changes(&zero, &with_libs(&[("xgboost", "0.91")]))[0].major, "0.x minor steps are major");
        assert!(library_changes(&old, &Interface::default()).is_empty(), "a library no longer recorded is not compared");
    }

    #[test]
    fn added_input_and_removed_tensor_are_major() {
        let old = iface(vec![t("x", "FLOAT", &["1"])], vec![]);
        let new = iface(vec![t("x", "FLOAT", &["1"]), t("mask", "BOOL", &["1"])], vec![]);
        assert!(matches!(compare(&old, &new), Change::Incompatible(r) if r.contains("mask")));
        let old = Interface { tensors: vec![t("w", "F32", &["2"])], ..Default::default() };
        assert!(matches!(compare(&old, &Interface::default()), Change::Incompatible(r) if r.contains("`w` removed")));
    }
}
