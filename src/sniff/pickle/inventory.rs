//! Import inventories that do not come from one pickle stream: formats whose loader imports
//! classes named in JSON (skops `schema.json`, Keras `config.json`) and archives holding several
//! pickles (TorchScript's `data.pkl` and `constants.pkl`). Each is judged exactly as a pickle's
//! imports are ([`classify`]), so every consumer of [`PickleScan`] — the refusal, the metadata
//! written by `describe`, the verdicts — treats them alike.

use std::collections::BTreeSet;

use super::PickleScan;
use super::classify::{Risk, classify, library};

/// The scan of a file whose loader would import `imports` ("module.name" each) and which
/// records the library `versions` given (e.g. `("keras", "3.6.0")`). `reduces` counts the calls
/// the loader would make, where the format says.
pub fn inventory(imports: impl IntoIterator<Item = String>, versions: Vec<(String, String)>, reduces: usize) -> PickleScan {
    let imports: BTreeSet<String> = imports.into_iter().collect();
    let judged: Vec<(String, Risk)> = imports
        .into_iter()
        .map(|i| {
            let risk = classify(&i);
            (i, risk)
        })
        .collect();
    let of = |r: Risk| judged.iter().filter(|(_, c)| *c == r).map(|(i, _)| i.clone()).collect::<Vec<_>>();
    let libraries: BTreeSet<String> = of(Risk::Known).iter().filter_map(|i| library(i)).map(String::from).collect();
    let mut versions = versions;
    versions.sort();
    versions.dedup();
    PickleScan {
        unsafe_imports: of(Risk::Dangerous),
        unknown_imports: of(Risk::Unknown),
        risk: judged.iter().map(|(_, c)| *c).max().unwrap_or(Risk::Safe),
        libraries: libraries.into_iter().collect(),
        imports: judged.into_iter().map(|(i, _)| i).collect(),
        reduces,
        protocol: None,
        versions,
        arrays: 0,
    }
}

/// One inventory over several scans (e.g. the pickles of one archive): every import of any,
/// judged again, calls summed, the first protocol named.
pub fn merge(scans: &[&PickleScan]) -> PickleScan {
    let imports = scans.iter().flat_map(|s| s.imports.iter().cloned());
    let versions = scans.iter().flat_map(|s| s.versions.iter().cloned()).collect();
    let mut merged = inventory(imports, versions, scans.iter().map(|s| s.reduces).sum());
    merged.protocol = scans.iter().find_map(|s| s.protocol);
    merged
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn judged_like_a_pickle_and_worst_wins() {
        let s = inventory(
            ["sklearn.linear_model._logistic.LogisticRegression", "builtins.dict", "mycorp.Scaler"].map(String::from),
            vec![("sklearn".into(), "1.5.2".into()), ("sklearn".into(), "1.5.2".into())],
            0,
        );
        assert_eq!(s.risk, Risk::Unknown);
        assert_eq!(s.libraries, vec!["sklearn"]);
        assert_eq!(s.unknown_imports, vec!["mycorp.Scaler"]);
        assert_eq!(s.versions, vec![("sklearn".to_string(), "1.5.2".to_string())]);
        assert_eq!(s.imports.len(), 3);

        let bad = inventory(["os.system".to_string()], Vec::new(), 1);
        let m = merge(&[&s, &bad]);
        assert_eq!(m.risk, Risk::Dangerous);
        assert_eq!(m.unsafe_imports, vec!["os.system"]);
        assert_eq!(m.imports.len(), 4);
        assert_eq!(m.reduces, 1);
        assert_eq!(inventory(Vec::<String>::new(), Vec::new(), 0).risk, Risk::Safe);
    }
}
