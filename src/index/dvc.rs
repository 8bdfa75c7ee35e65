//! DVC files read as lineage hints: a `.dvc` file tracks outs (path + md5); `dvc.lock` lists
//! pipeline stages with their deps and outs. Paths are made relative to the store root.

use serde::{Deserialize, Serialize};
use serde_yaml::Value as Yaml;

/// Largest DVC file read.
pub const MAX_DVC_FILE: u64 = 4 << 20;

/// One path DVC knows, with its md5 (`….dir` for folders).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DvcPath {
    pub path: String,
    pub md5: Option<String>,
}

/// One stage (a `.dvc` file is a stage without deps named after the file).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DvcStage {
    pub name: String,
    pub cmd: Option<String>,
    pub deps: Vec<DvcPath>,
    pub outs: Vec<DvcPath>,
}

/// Whether a file name is one DVC writes.
pub fn is_dvc_file(rel: &str) -> bool {
    let name = rel.rsplit('/').next().unwrap_or(rel);
    name == "dvc.lock" || (name.ends_with(".dvc") && name.len() > 4)
}

/// Parses a `.dvc` or `dvc.lock` file found at store path `rel`.
pub fn parse(rel: &str, text: &str) -> Result<Vec<DvcStage>, String> {
    let doc: Yaml = serde_yaml::from_str(text).map_err(|e| format!("not valid YAML: {e}"))?;
    let dir = rel.rsplit_once('/').map(|(d, _)| d).unwrap_or("");
    let name = rel.rsplit('/').next().unwrap_or(rel);
    if name == "dvc.lock" {
        let stages = doc.get("stages").and_then(Yaml::as_mapping).ok_or("dvc.lock has no stages")?;
        let mut out = Vec::new();
        for (k, v) in stages {
            let stage_name = k.as_str().unwrap_or_default().to_string();
            out.push(DvcStage {
                name: stage_name,
                cmd: v.get("cmd").and_then(scalar),
                deps: paths(v.get("deps"), dir)?,
                outs: paths(v.get("outs"), dir)?,
            });
        }
        Ok(out)
    } else {
        let outs = paths(doc.get("outs"), dir)?;
        if outs.is_empty() {
            return Err("a .dvc file without outs".into());
        }
        Ok(vec![DvcStage { name: name.to_string(), cmd: None, deps: paths(doc.get("deps"), dir)?, outs }])
    }
}

fn scalar(v: &Yaml) -> Option<String> {
    match v {
        Yaml::String(s) => Some(s.clone()),
        Yaml::Number(n) => Some(n.to_string()),
        Yaml::Sequence(items) => Some(items.iter().filter_map(scalar).collect::<Vec<_>>().join(" && ")),
        _ => None,
    }
}

fn paths(list: Option<&Yaml>, dir: &str) -> Result<Vec<DvcPath>, String> {
    let Some(list) = list else { return Ok(Vec::new()) };
    let items = list.as_sequence().ok_or("deps/outs must be a list")?;
    let mut out = Vec::new();
    for item in items {
        let path = item.get("path").and_then(Yaml::as_str).ok_or("an entry without a path")?;
        out.push(DvcPath { path: join(dir, path), md5: item.get("md5").and_then(scalar) });
    }
    Ok(out)
}

/// `dir/path`, normalised (`..` and `.` resolved, no leading slash).
fn join(dir: &str, path: &str) -> String {
    let mut parts: Vec<&str> =
        if path.starts_with('/') { Vec::new() } else { dir.split('/').filter(|s| !s.is_empty()).collect() };
    for p in path.split('/') {
        match p {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            p => parts.push(p),
        }
    }
    parts.join("/")
}

/// Whether a dependency looks like code rather than data.
pub fn is_code(path: &str) -> bool {
    let ext = path.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase()).unwrap_or_default();
    matches!(ext.as_str(), "py" | "sh" | "ipynb" | "r" | "jl" | "scala" | "js" | "ts" | "rs" | "go" | "java")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_a_lock_file_with_paths_relative_to_it() {
        let lock = "schema: '2.0'\nstages:\n  train:\n    cmd: python train.py\n    deps:\n    - path: data/prepared.csv\n      hash: md5\n      md5: d4cf\n      size: 36\n    - path: train.py\n      md5: a17d\n    outs:\n    - path: model\n      md5: af6c.dir\n      nfiles: 1\n";
        let stages = parse("proj/dvc.lock", lock).unwrap();
        assert_eq!(stages.len(), 1);
        assert_eq!(stages[0].name, "train");
        assert_eq!(stages[0].cmd.as_deref(), Some("python train.py"));
        assert_eq!(stages[0].deps[0], DvcPath { path: "proj/data/prepared.csv".into(), md5: Some("d4cf".into()) });
        assert_eq!(stages[0].outs[0].path, "proj/model");
        assert!(is_code(&stages[0].deps[1].path));
    }

    #[test]
    fn reads_a_dvc_file_and_refuses_garbage() {
        let s = parse(
            "data/raw.csv.dvc",
            "outs:\n- md5: 0e15dbac19012ab4ccc56b020bb2b605\n  size: 10\n  hash: md5\n  path: raw.csv\n",
        )
        .unwrap();
        assert_eq!(s[0].outs[0], DvcPath { path: "data/raw.csv".into(), md5: Some("0e15dbac19012ab4ccc56b020bb2b605".into()) });
        assert!(parse("x.dvc", "outs: 3").is_err());
        assert!(parse("x.dvc", "{{{").is_err());
        assert!(parse("dvc.lock", "schema: '2.0'").is_err());
        assert!(is_dvc_file("a/b.dvc") && is_dvc_file("dvc.lock") && !is_dvc_file(".dvc") && !is_dvc_file("a.dvcx"));
    }
}
