//! mlbom.cdx.json: a CycloneDX 1.6 ML-BOM for the version — the model as the metadata
//! component (hashes, parents in pedigree.ancestors, model card with datasets and per-group
//! performance metrics), its training datasets as data components, and the dependencies.

use serde_json::{Value, json};

use super::Facts;

fn uuid_v4() -> String {
    use ring::rand::SecureRandom;
    let mut b = [0u8; 16];
    ring::rand::SystemRandom::new().fill(&mut b).expect("system randomness");
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let h = hex::encode(b);
    format!("{}-{}-{}-{}-{}", &h[..8], &h[8..12], &h[12..16], &h[16..20], &h[20..])
}

fn sha(d: &str) -> Value {
    json!([{"alg": "SHA-256", "content": d}])
}

/// The ML-BOM of the version `report` is about.
pub fn render(f: &Facts, report: &Value) -> Value {
    let subj = &report["subject"];
    let (model, version) = (subj["model"].as_str().unwrap_or_default(), subj["version"].as_str().unwrap_or_default());
    let me = format!("version:{model}@{version}");
    let data_refs: Vec<String> = f.datasets.iter().map(|d| format!("dataset:{}@{}", d.dataset, d.version)).collect();
    let mut metrics: Vec<Value> = f
        .evaluations
        .iter()
        .map(|e| {
            let mut m = json!({"type": e.metric, "value": format!("{}", e.value)});
            if !e.slice.is_empty() {
                m["slice"] = json!(e.slice);
            }
            m
        })
        .collect();
    for (k, v) in &f.record.summary.metrics {
        metrics.push(json!({"type": k, "value": format!("{v}")}));
    }
    let mut model_card = json!({
        "bom-ref": format!("modelcard:{model}@{version}"),
        "modelParameters": {
            "datasets": data_refs.iter().map(|r| json!({"ref": r})).collect::<Vec<_>>(),
        },
    });
    if let Some(task) = &f.record.interface.task {
        model_card["modelParameters"]["task"] = json!(task);
    }
    if !metrics.is_empty() {
        model_card["quantitativeAnalysis"] = json!({"performanceMetrics": metrics});
    }
    let ancestors: Vec<Value> = f
        .parents
        .iter()
        .map(|p| {
            let (pm, pv) = p.reference.rsplit_once('@').unwrap_or((p.reference.as_str(), ""));
            let bom_ref = format!("version:{}", p.reference);
            let mut a = json!({"bom-ref": bom_ref, "type": "machine-learning-model", "name": pm, "version": pv});
            if let Some(r) = &p.root_digest {
                a["hashes"] = sha(r);
            }
            if let Some(rel) = &p.relation {
                a["properties"] = json!([{"name": "pedigree:relation", "value": rel}]);
            }
            a
        })
        .collect();
    let mut component = json!({
        "bom-ref": me,
        "type": "machine-learning-model",
        "name": model,
        "version": version,
        "hashes": sha(&f.record.summary.root_digest),
        "modelCard": model_card,
        "properties": [
            {"name": "pedigree:manifestDigest", "value": f.record.manifest_digest},
            {"name": "pedigree:format", "value": f.record.summary.format},
            {"name": "pedigree:status", "value": f.record.summary.status},
            {"name": "pedigree:rootDigestRule", "value": "model-signing v1.0 files: sha256 over the file digests in path order"},
        ],
    });
    if let Some(props) = component["properties"].as_array_mut() {
        props.extend(loading_properties(&f.record));
    }
    if !ancestors.is_empty() {
        component["pedigree"] = json!({"ancestors": ancestors});
    }
    if !f.attachments.is_empty() {
        component["externalReferences"] = Value::Array(f.attachments.iter().map(attachment_reference).collect());
    }
    let components: Vec<Value> = f
        .datasets
        .iter()
        .map(|d| {
            let mut c = json!({
                "bom-ref": format!("dataset:{}@{}", d.dataset, d.version),
                "type": "data",
                "name": d.dataset,
                "version": d.version,
                "data": [{"type": "dataset", "name": d.dataset, "contents": {"url": d.source_uri}}],
            });
            // A dataset known only by a registry's own digest (`mlflow:…`, pulled by sync) has no
            // SHA-256 of its files: it says which digest it has instead of claiming one.
            if d.root_digest.len() == 64 && d.root_digest.bytes().all(|b| b.is_ascii_hexdigit()) {
                c["hashes"] = sha(&d.root_digest);
            } else {
                c["properties"] = json!([{"name": "pedigree:digest", "value": d.root_digest}]);
            }
            c
        })
        .collect();
    let mut bom = json!({
        "$schema": "http://cyclonedx.org/schema/bom-1.6.schema.json",
        "bomFormat": "CycloneDX",
        "specVersion": "1.6",
        "serialNumber": format!("urn:uuid:{}", uuid_v4()),
        "version": 1,
        "metadata": {
            "timestamp": report["generatedAt"],
            "lifecycles": [{"phase": "post-build"}],
            "tools": {"components": [{"type": "application", "name": "pedigree", "version": env!("CARGO_PKG_VERSION")}]},
            "component": component,
        },
        "components": components,
    });
    if !data_refs.is_empty() {
        bom["dependencies"] = json!([{"ref": format!("version:{model}@{version}"), "dependsOn": data_refs}]);
    }
    bom
}

/// An attachment as an external reference: the file in the bundle, by digest, of the CycloneDX
/// type nearest its kind (the kind itself in the comment).
fn attachment_reference(a: &crate::catalog::attachments::Attachment) -> Value {
    let kind = match a.kind.as_str() {
        "explainability" | "fairness" => "evidence",
        "evaluation" => "quality-metrics",
        "documentation" => "documentation",
        _ => "other",
    };
    // An IRI reference: the bundle path with anything but unreserved characters and `/`
    // percent-encoded.
    let url: String = super::attachment_path(a)
        .bytes()
        .map(|b| if b.is_ascii_alphanumeric() || b"-._~/".contains(&b) { (b as char).to_string() } else { format!("%{b:02X}") })
        .collect();
    json!({"type": kind, "url": url, "hashes": sha(&a.sha256), "comment": format!("pedigree:attachment:{} {}", a.kind, a.name)})
}

/// What loading the model would run, as component properties: per pickle-family file its
/// verdict (safe, known, unknown, dangerous), the libraries whose code runs and every import;
/// and the library versions the files record. Nothing for models without pickles.
fn loading_properties(record: &crate::catalog::models::VersionRecord) -> Vec<Value> {
    let mut out = Vec::new();
    for v in crate::sniff::verdicts(&record.sniffed) {
        let prop = |name: &str, value: String| json!({"name": format!("pedigree:pickle:{}:{name}", v.path), "value": value});
        out.push(prop("risk", v.risk.clone()));
        for (name, list) in [("loadingRunsCodeFrom", &v.libraries), ("imports", &v.imports), ("dangerousImports", &v.dangerous)] {
            if !list.is_empty() {
                out.push(prop(name, list.join(",")));
            }
        }
    }
    for (lib, version) in record.interface.libraries.iter().flatten() {
        out.push(json!({"name": format!("pedigree:library:{lib}"), "value": version}));
    }
    out
}
