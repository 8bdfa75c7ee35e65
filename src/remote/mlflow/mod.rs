//! The MLflow kind: a registry listed through `registered-models/search` (1,000 a page, with
//! tags and aliases) and `model-versions/search`, files fetched through the tracking server's
//! artifact proxy (`--serve-artifacts`), paths checked to stay in the version's folder.

use std::path::Path;

use super::{DIGEST_TAG, Fetched, Push, Pushed, Remote, RemoteError, RemoteModel, RemoteRun, RemoteVersion, safe_rel};

pub mod client;
pub mod wire;

pub use client::{Auth, Client};

/// Every item of every page: `page(token)` gives a page's items and the next page's token.
fn all_pages<T>(
    mut page: impl FnMut(Option<&str>) -> Result<(Vec<T>, Option<String>), RemoteError>,
) -> Result<Vec<T>, RemoteError> {
    let mut out = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let (items, next) = page(token.as_deref())?;
        out.extend(items);
        match next.filter(|t| !t.is_empty()) {
            Some(t) => token = Some(t),
            None => return Ok(out),
        }
    }
}

impl Client {
    /// Every live version of `model`, or of every model, with tags and stage.
    fn paged_versions(&self, model: Option<&str>) -> Result<Vec<RemoteVersion>, RemoteError> {
        all_pages(|token| {
            let page = self.search_versions(model, token)?;
            let versions = page.model_versions.into_iter().map(|v| RemoteVersion {
                tags: v.tags.into_iter().map(|t| (t.key, t.value)).collect(),
                stage: (!v.current_stage.is_empty() && v.current_stage != "None").then_some(v.current_stage),
                model: v.name,
                version: v.version,
                description: v.description,
                source: v.source,
                run_id: v.run_id,
                updated: v.last_updated_timestamp,
            });
            Ok((versions.collect(), page.next_page_token))
        })
    }
}

impl Remote for Client {
    fn models(&self) -> Result<Vec<RemoteModel>, RemoteError> {
        all_pages(|token| {
            let page = self.search_models(token)?;
            let models = page.registered_models.into_iter().map(|m| RemoteModel {
                tags: m.tags.into_iter().map(|t| (t.key, t.value)).collect(),
                aliases: m.aliases.into_iter().map(|a| (a.alias, a.version)).collect(),
                name: m.name,
                description: m.description,
                updated: m.last_updated_timestamp,
            });
            Ok((models.collect(), page.next_page_token))
        })
    }

    fn versions(&self, model: &str) -> Result<Vec<RemoteVersion>, RemoteError> {
        self.paged_versions(Some(model))
    }

    fn all_versions(&self) -> Result<Vec<RemoteVersion>, RemoteError> {
        self.paged_versions(None)
    }

    fn set_field(&self, model: &str, version: Option<&str>, field: &str, value: Option<&str>) -> Result<(), RemoteError> {
        match (field, version) {
            ("description", v) => self.set_description(model, v, value.unwrap_or("")),
            ("stage", Some(v)) => self.transition_stage(model, v, value.unwrap_or("None")),
            (f, v) => match f.strip_prefix("tag:") {
                Some(key) => self.set_tag(model, v, key, value),
                None => Err(RemoteError::Bad {
                    kind: client::KIND,
                    what: format!("{field} of {model}"),
                    why: "MLflow keeps no such field".into(),
                }),
            },
        }
    }

    fn fetch(&self, v: &RemoteVersion, dir: &Path) -> Result<Fetched, RemoteError> {
        // A `models:/` source is resolved by the server, a `runs:/RUN/PATH` one under the run's
        // artifact folder; any other source is where the files are (the server answers the same
        // URI), which saves a request per version.
        let resolved = match v.source.strip_prefix("runs:/") {
            Some(rest) => self.run_artifacts(rest),
            None if v.source.starts_with("models:/") || v.source.is_empty() => self.download_uri(&v.model, &v.version),
            None => Ok(v.source.clone()),
        };
        let uri = match resolved {
            Ok(u) => u,
            Err(e) if !e.is_fatal() => return Ok(Fetched::Failed(e.to_string())),
            Err(e) => return Err(e),
        };
        let Some(root) = uri.strip_prefix("mlflow-artifacts:/") else {
            return Ok(Fetched::Elsewhere(uri));
        };
        match fetch_tree(self, root.trim_matches('/'), dir) {
            Ok(()) => Ok(Fetched::Here),
            Err(Fetch::Remote(e)) if e.is_fatal() => Err(e),
            Err(Fetch::Remote(e)) => Ok(Fetched::Failed(e.to_string())),
            Err(Fetch::Local(why)) => Ok(Fetched::Failed(why)),
        }
    }

    fn requests(&self) -> u32 {
        self.requests.load(std::sync::atomic::Ordering::Relaxed) as u32
    }

    fn find_pushed(&self, model: &str, manifest_digest: &str) -> Result<Option<String>, RemoteError> {
        match self.versions_tagged(model, DIGEST_TAG, manifest_digest) {
            Ok(v) => Ok(v.into_iter().next()),
            Err(e) if e.is_not_found() => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// The logged-model flow: experiment `pedigree`, a logged model carrying the tags, every file
    /// uploaded through the proxy, marked ready, then `model-versions/create` with the tags in the
    /// same request (so a version never exists without its digest tag).
    fn push(&self, p: &Push) -> Result<Pushed, RemoteError> {
        self.ensure_model(&p.model, &[])?;
        let experiment = self.push_experiment()?;
        let (model_id, root) = self.create_logged_model(&experiment, &p.model, &p.tags)?;
        for (rel, file) in &p.files {
            self.upload(&format!("{root}/{rel}"), file)?;
        }
        crate::sync::crash_point("push-uploaded");
        self.finalize_logged_model(&model_id)?;
        let version = self.create_version(&p.model, &model_id, &p.tags, &p.description)?;
        Ok(Pushed { version, source: None })
    }

    fn set_alias(&self, model: &str, alias: &str, version: &str) -> Result<(), RemoteError> {
        Client::set_alias(self, model, alias, version)
    }

    fn run(&self, run_id: &str) -> Result<Option<RemoteRun>, RemoteError> {
        let v = match self.get_run(run_id) {
            Ok(v) => v,
            Err(e) if e.is_not_found() => return Ok(None),
            Err(e) => return Err(e),
        };
        let run = &v["run"];
        let pairs = |arr: &serde_json::Value| -> Vec<(String, serde_json::Value)> {
            arr.as_array()
                .map(|a| a.iter().filter_map(|x| Some((x["key"].as_str()?.to_string(), x["value"].clone()))).collect())
                .unwrap_or_default()
        };
        let str_of = |v: &serde_json::Value| v.as_str().map(str::to_string).unwrap_or_else(|| v.to_string());
        let datasets = run["inputs"]["dataset_inputs"]
            .as_array()
            .map(|a| {
                a.iter()
                    .map(|d| {
                        let d = &d["dataset"];
                        (str_of(&d["name"]), str_of(&d["digest"]), str_of(&d["source"]))
                    })
                    .collect()
            })
            .unwrap_or_default();
        Ok(Some(RemoteRun {
            params: pairs(&run["data"]["params"]).into_iter().map(|(k, v)| (k, str_of(&v))).collect(),
            metrics: pairs(&run["data"]["metrics"])
                .into_iter()
                .filter_map(|(k, v)| Some((k, v.as_f64()?)))
                .filter(|(_, v)| v.is_finite())
                .collect(),
            user: run["info"]["user_id"].as_str().unwrap_or_default().to_string(),
            start: run["info"]["start_time"].as_i64(),
            end: run["info"]["end_time"].as_i64(),
            datasets,
        }))
    }
}

impl Client {
    /// `RUN/PATH` of a `runs:/` source → the run's artifact folder joined with PATH.
    fn run_artifacts(&self, rest: &str) -> Result<String, RemoteError> {
        let (run_id, path) = rest.trim_start_matches('/').split_once('/').unwrap_or((rest, ""));
        let run = self.get_run(run_id)?;
        let base = run["run"]["info"]["artifact_uri"].as_str().ok_or_else(|| RemoteError::Bad {
            kind: "MLflow",
            what: format!("run {run_id}"),
            why: "no artifact_uri".into(),
        })?;
        let path = path.trim_matches('/');
        if !path.is_empty() && safe_rel(path).is_none() {
            return Err(RemoteError::Bad {
                kind: "MLflow",
                what: format!("source runs:/{rest}"),
                why: "not a path inside the run".into(),
            });
        }
        Ok(if path.is_empty() { base.to_string() } else { format!("{}/{path}", base.trim_end_matches('/')) })
    }
}

enum Fetch {
    Remote(RemoteError),
    Local(String),
}

impl From<RemoteError> for Fetch {
    fn from(e: RemoteError) -> Self {
        Fetch::Remote(e)
    }
}

/// Downloads every file under `root` (a proxy path) into `dir`, refusing paths that would leave
/// it and files whose size differs from the listing.
fn fetch_tree(client: &Client, root: &str, dir: &Path) -> Result<(), Fetch> {
    let mut stack = vec![root.to_string()];
    let mut files = 0;
    while let Some(d) = stack.pop() {
        for f in client.list_artifacts(&d)? {
            // The proxy lists names relative to the folder asked about.
            let full = format!("{d}/{}", f.path.rsplit('/').next().unwrap_or_default());
            let rel = full.strip_prefix(root).unwrap_or(&full).trim_start_matches('/').to_string();
            let Some(safe) = safe_rel(&rel) else {
                return Err(Fetch::Local(format!(
                    "the server lists {:?}, which is not a path inside the version's folder",
                    f.path
                )));
            };
            if f.is_dir {
                stack.push(full);
                continue;
            }
            let dest = dir.join(&safe);
            let local = |e: std::io::Error| Fetch::Local(format!("{}: {e}", dest.display()));
            std::fs::create_dir_all(dest.parent().expect("joined path has a parent")).map_err(local)?;
            let mut out = std::fs::File::create(&dest).map_err(local)?;
            let n = client.download(&full, &mut out, &mut |_| {})?;
            if let Some(size) = f.file_size.filter(|s| *s != n) {
                return Err(Fetch::Local(format!("{full}: listed as {size} bytes, {n} arrived")));
            }
            files += 1;
        }
    }
    if files == 0 {
        return Err(Fetch::Local(format!("its artifact folder {root} holds no files")));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use crate::remote::safe_rel;

    #[test]
    fn listed_paths_must_stay_inside_the_folder() {
        assert!(safe_rel("MLmodel").is_some());
        assert!(safe_rel("data/model.pkl").is_some());
        for bad in ["", "../x", "a/../../x", "/etc/passwd", "a\\..\\b", "./x"] {
            assert!(safe_rel(bad).is_none(), "{bad}");
        }
    }
}
