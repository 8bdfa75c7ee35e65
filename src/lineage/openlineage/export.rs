//! A lineage view as OpenLineage run events (spec 2-0-2), one `COMPLETE` event per run: each
//! run in the view, with the datasets it `used` as inputs and what was `produced_by` it as
//! outputs; and for each version in the view that no run in it produced, its registration as a
//! run of job `register MODEL` (inputs: its training data and parent versions; output: the
//! version). Versions are datasets of type `MODEL` named `MODEL@VERSION` in namespace
//! `pedigree`, with their root digest as `datasetVersion`; datasets recorded from OpenLineage keep
//! the URI they were imported under. Runs imported from OpenLineage keep their run id and job;
//! others get a UUID derived from their node id, so the export is stable.

use serde_json::{Value, json};

use super::super::{LineageEdge, Subgraph};
use super::SCHEMA_URL;
use crate::ids::NodeKind;

/// Who made the events (the spec wants a URI; Pedigree's namespace, as in the PROV export).
const PRODUCER: &str = concat!("https://pedigree.dev/ns/v", env!("CARGO_PKG_VERSION"));
const NAMESPACE: &str = "pedigree";

/// What the catalog knows of a node beyond the view: when it was made, its digest, its
/// attributes (for runs and datasets recorded from other systems).
#[derive(Debug, Clone, Default)]
pub struct NodeFacts {
    pub time: Option<String>,
    pub digest: Option<String>,
    pub attrs: serde_json::Map<String, Value>,
}

fn facet(schema: &str, body: Value) -> Value {
    let mut f = json!({"_producer": PRODUCER, "_schemaURL": format!("https://openlineage.io/spec/facets/{schema}")});
    if let (Some(o), Value::Object(b)) = (f.as_object_mut(), body) {
        o.extend(b);
    }
    f
}

/// A UUID (version 5 layout) from a node id.
fn uuid_of(id: &str) -> String {
    let h = openssl::sha::sha256(id.as_bytes());
    let mut b = [0u8; 16];
    b.copy_from_slice(&h[..16]);
    b[6] = (b[6] & 0x0f) | 0x50;
    b[8] = (b[8] & 0x3f) | 0x80;
    let x = hex::encode(b);
    format!("{}-{}-{}-{}-{}", &x[..8], &x[8..12], &x[12..16], &x[16..20], &x[20..])
}

fn dataset(id: &str, facts: &NodeFacts) -> Value {
    let name = id.split_once(':').map_or(id, |(_, r)| r);
    let mut facets = serde_json::Map::new();
    if let Some(d) = &facts.digest {
        facets.insert(
            "version".into(),
            facet("1-0-1/DatasetVersionDatasetFacet.json#/$defs/DatasetVersionDatasetFacet", json!({"datasetVersion": d})),
        );
    }
    if NodeKind::of(id) == Some(NodeKind::Version) {
        facets.insert(
            "datasetType".into(),
            facet("1-0-1/DatasetTypeDatasetFacet.json#/$defs/DatasetTypeDatasetFacet", json!({"datasetType": "MODEL"})),
        );
    }
    // A dataset recorded from OpenLineage goes back out under the name it came in with.
    let attr = |k: &str| facts.attrs.get(k).and_then(Value::as_str).map(str::to_string);
    let (namespace, name) = match (attr("namespace"), attr("name")) {
        (Some(ns), Some(n)) => (ns, n),
        _ => (NAMESPACE.to_string(), name.to_string()),
    };
    json!({"namespace": namespace, "name": name, "facets": facets})
}

fn event(run_id: &str, job: (&str, &str), time: &str, inputs: Vec<Value>, outputs: Vec<Value>, code: Option<&str>) -> Value {
    let mut job_facets = serde_json::Map::new();
    job_facets.insert(
        "jobType".into(),
        facet(
            "2-0-3/JobTypeJobFacet.json#/$defs/JobTypeJobFacet",
            json!({"processingType": "BATCH", "integration": "PEDIGREE", "jobType": "JOB"}),
        ),
    );
    if let Some((url, version)) = code.and_then(|c| c.strip_prefix("git+")).and_then(|c| c.rsplit_once('@')) {
        job_facets.insert(
            "sourceCodeLocation".into(),
            facet(
                "1-0-1/SourceCodeLocationJobFacet.json#/$defs/SourceCodeLocationJobFacet",
                json!({"type": "git", "url": url, "version": version}),
            ),
        );
    }
    json!({
        "eventType": "COMPLETE", "eventTime": time, "producer": PRODUCER, "schemaURL": SCHEMA_URL,
        "run": {"runId": run_id, "facets": {}},
        "job": {"namespace": job.0, "name": job.1, "facets": job_facets},
        "inputs": inputs, "outputs": outputs,
    })
}

/// The view as run events (see the module doc); `facts` looks up a node's time, digest and
/// attributes.
pub fn to_openlineage(g: &Subgraph, facts: &dyn Fn(&str) -> NodeFacts) -> Vec<Value> {
    let from =
        |id: &str, kind: &str| -> Vec<&LineageEdge> { g.edges.iter().filter(|e| e.from == id && e.kind == kind).collect() };
    let to = |id: &str, kind: &str| -> Vec<&LineageEdge> { g.edges.iter().filter(|e| e.to == id && e.kind == kind).collect() };
    let data = |id: &str| dataset(id, &facts(id));
    let code_of = |id: &str| from(id, "built_from").first().map(|e| e.to.trim_start_matches("code:").to_string());
    let mut out = Vec::new();
    for n in g.nodes.iter().filter(|n| n.kind == NodeKind::Run) {
        let f = facts(&n.id);
        let attr = |k: &str| f.attrs.get(k).and_then(Value::as_str).map(str::to_string);
        let run_id = attr("runId").filter(|r| r.len() == 36).unwrap_or_else(|| uuid_of(&n.id));
        let job = attr("job").unwrap_or_else(|| format!("{NAMESPACE}/{}", n.label));
        let (ns, name) = job.split_once('/').unwrap_or((NAMESPACE, &job));
        let produced: Vec<&LineageEdge> = to(&n.id, "produced_by");
        let time = attr("end")
            .or(f.time.clone())
            .or_else(|| produced.iter().find_map(|e| facts(&e.from).time))
            .unwrap_or_else(|| "1970-01-01T00:00:00Z".into());
        let inputs = from(&n.id, "used").iter().map(|e| data(&e.to)).collect();
        let outputs = produced.iter().map(|e| data(&e.from)).collect();
        out.push(event(&run_id, (ns, name), &time, inputs, outputs, code_of(&n.id).as_deref()));
    }
    for n in g.nodes.iter().filter(|n| n.kind == NodeKind::Version) {
        if from(&n.id, "produced_by").iter().any(|e| g.nodes.iter().any(|m| m.id == e.to)) {
            continue; // its run's event carries it
        }
        let f = facts(&n.id);
        let model = n.id.trim_start_matches("version:").rsplit_once('@').map_or(n.label.as_str(), |(m, _)| m);
        let mut inputs: Vec<Value> = from(&n.id, "trained_on").iter().map(|e| data(&e.to)).collect();
        inputs.extend(from(&n.id, "derived_from").iter().map(|e| data(&e.to)));
        let time = f.time.clone().unwrap_or_else(|| "1970-01-01T00:00:00Z".into());
        let job = format!("register {model}");
        let outputs = vec![dataset(&n.id, &f)];
        out.push(event(
            &uuid_of(&format!("register:{}", n.id)),
            (NAMESPACE, &job),
            &time,
            inputs,
            outputs,
            code_of(&n.id).as_deref(),
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn run_ids_are_stable_uuids() {
        let a = uuid_of("run:r1");
        assert_eq!(a, uuid_of("run:r1"));
        assert_ne!(a, uuid_of("run:r2"));
        assert!(super::super::is_uuid(&a), "{a}");
        assert_eq!(&a[14..15], "5");
    }
}
