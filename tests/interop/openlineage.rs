//! OpenLineage in and out, with `openlineage-python`'s own client: events it writes with its file
//! transport and posts with its HTTP transport to `pedigree serve` are recorded (runs, datasets
//! with facets, the versions they produced), and the events Pedigree exports are accepted by its
//! event classes (their validators check run ids, times and schema URLs) and import again.

use std::process::Command;

use serde_json::Value;

use super::common::{self, Ws, s};
use super::fixtures;

fn python(script: &str, args: &[&str]) -> String {
    let py = std::env::var("PEDIGREE_INTEROP_PYTHON").expect("PEDIGREE_INTEROP_PYTHON is not set: run `make test`");
    let out = Command::new(py).arg("-c").arg(script).args(args).output().unwrap();
    assert!(out.status.success(), "python failed: {}", common::stderr(&out));
    common::stdout(&out)
}

/// Emits a training run (START, then COMPLETE with the model as output) through the transport
/// argv[1] names (`file PATH` or `http URL TOKEN`). Output: the model at OUTPUT_NS/OUTPUT_NAME
/// with dataset version OUTPUT_VERSION ("" for none).
const EMIT: &str = r#"
import sys, uuid
from openlineage.client import OpenLineageClient
from openlineage.client.event_v2 import RunEvent, RunState, Run, Job, InputDataset, OutputDataset
from openlineage.client.facet_v2 import (schema_dataset, dataset_version_dataset, source_code_location_job,
    execution_parameters_run, dataset_type_dataset)
kind, target, token, run_id, out_ns, out_name, out_version = sys.argv[1:8]
if kind == "file":
    from openlineage.client.transport.file import FileConfig, FileTransport
    transport = FileTransport(FileConfig(log_file_path=target, append=True))
else:
    from openlineage.client.transport.http import HttpConfig, HttpTransport, ApiKeyTokenProvider
    transport = HttpTransport(HttpConfig(url=target, endpoint="api/v1/lineage", auth=ApiKeyTokenProvider({"apiKey": token})))
client = OpenLineageClient(transport=transport)
job = Job(namespace="acme-ml", name="churn.train", facets={"sourceCodeLocation":
    source_code_location_job.SourceCodeLocationJobFacet(type="git", url="https://git.example.com/acme/churn", version="9f2c1e0a7b3d")})
run = Run(runId=run_id, facets={"executionParameters": execution_parameters_run.ExecutionParametersRunFacet(
    parameters=[execution_parameters_run.ExecutionParameter(key="learning_rate", value="0.05")])})
fields = [schema_dataset.SchemaDatasetFacetFields(name="tenure", type="int"), schema_dataset.SchemaDatasetFacetFields(name="churned", type="bool")]
inputs = [InputDataset(namespace="s3://acme-data", name="churn/train.parquet", facets={
    "schema": schema_dataset.SchemaDatasetFacet(fields=fields),
    "version": dataset_version_dataset.DatasetVersionDatasetFacet(datasetVersion="v3")})]
facets = {"datasetType": dataset_type_dataset.DatasetTypeDatasetFacet(datasetType="MODEL")}
if out_version:
    facets["version"] = dataset_version_dataset.DatasetVersionDatasetFacet(datasetVersion=out_version)
outputs = [OutputDataset(namespace=out_ns, name=out_name, facets=facets)]
client.emit(RunEvent(eventType=RunState.START, eventTime="2026-12-01T10:00:00.000Z", run=run, job=job, inputs=inputs))
client.emit(RunEvent(eventType=RunState.COMPLETE, eventTime="2026-12-01T10:30:00.000Z", run=run, job=job, inputs=inputs, outputs=outputs))
"#;

/// Builds openlineage-python event objects from exported JSON lines (their attrs validators
/// check the run id, the time and the producer), serialises them back with its Serde and
/// compares — the schema URL included, which the client sets itself; prints what it read.
const LOAD_EXPORT: &str = r#"
import sys, json
from openlineage.client.event_v2 import RunEvent, RunState, Run, Job, InputDataset, OutputDataset
from openlineage.client.serde import Serde
out = []
for line in open(sys.argv[1]):
    e = json.loads(line)
    ds = lambda cls, d: cls(namespace=d["namespace"], name=d["name"])
    ev = RunEvent(eventType=RunState(e["eventType"]), eventTime=e["eventTime"], run=Run(runId=e["run"]["runId"]),
                  job=Job(namespace=e["job"]["namespace"], name=e["job"]["name"]), producer=e["producer"],
                  inputs=[ds(InputDataset, d) for d in e["inputs"]],
                  outputs=[ds(OutputDataset, d) for d in e["outputs"]])
    back = Serde.to_dict(ev)
    for k in ("eventType", "eventTime", "producer", "schemaURL"):
        assert back[k] == e[k], (k, back[k], e[k])
    assert back["run"]["runId"] == e["run"]["runId"]
    out.append({"job": e["job"]["name"], "inputs": [d["name"] for d in e["inputs"]], "outputs": [d["name"] for d in e["outputs"]]})
print(json.dumps(out))
"#;

fn upstream(w: &Ws, version: &str) -> Vec<(String, String)> {
    let shown = w.json(&["show", version]);
    shown["upstream"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["kind"].as_str().unwrap().into(), e["to"].as_str().unwrap().into()))
        .collect()
}

#[test]
fn events_from_the_file_transport_record_runs_datasets_and_the_version_they_produced() {
    let w = Ws::new();
    let model = w.write("out/model.safetensors", &fixtures::safetensors(&[("w", "F32", &[4])], &[]));
    w.json(&["register", s(&model), "--model", "churn"]);
    let sha = pedigree::hash::sha256_hex(&std::fs::read(&model).unwrap());
    let run_id = "0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b";
    let log = w.dir.path().join("ol-events.jsonl");
    python(EMIT, &["file", s(&log), "", run_id, "file", "/elsewhere/model.safetensors", &format!("sha256:{sha}")]);

    let before = w.snapshot();
    let r = w.json(&["import", "openlineage", s(&log)]);
    assert_eq!((r["events"].as_u64(), r["linked"].clone()), (Some(2), serde_json::json!(["churn@1.0.0"])), "{r:#}");
    assert_ne!(w.snapshot(), before);
    let run = format!("run:openlineage:{run_id}");
    let up = upstream(&w, "churn@1.0.0");
    assert!(up.contains(&("produced_by".into(), run.clone())), "matched by digest: {up:?}");
    let data = up.iter().find(|(k, _)| k == "trained_on").map(|(_, d)| d.clone()).expect("trained on the run's input");
    let node = w.json(&["lineage", &data, "--up", "0", "--down", "1"]);
    assert!(node["edges"].as_array().unwrap().iter().any(|e| e["from"] == run.as_str() && e["kind"] == "used"), "{node:#}");
    // The run's facts and the dataset's facets are on their nodes.
    let conn = w.catalog();
    let attrs = |id: &str| -> Value {
        let a: String = conn.query_row("SELECT attrs FROM nodes WHERE id = ?1", [id], |r| r.get(0)).unwrap();
        serde_json::from_str(&a).unwrap()
    };
    let ra = attrs(&run);
    assert_eq!((ra["state"].as_str(), ra["job"].as_str()), (Some("COMPLETE"), Some("acme-ml/churn.train")), "{ra:#}");
    assert_eq!((ra["start"].as_str(), ra["params"].as_str()), (Some("2026-12-01T10:00:00.000Z"), Some("learning_rate=0.05")));
    let da = attrs(&data);
    assert_eq!(
        (da["uri"].as_str(), da["schema"].as_str()),
        (Some("s3://acme-data/churn/train.parquet"), Some("tenure int, churned bool"))
    );
    assert_eq!(da["datasetVersion"], "v3");
    let code = w.json(&["lineage", &run, "--up", "1", "--down", "0"]);
    assert!(code.to_string().contains("code:git+https://git.example.com/acme/churn@9f2c1e0a7b3d"), "{code:#}");
    let audit = w.json(&["audit", "log", "--subject", &run]);
    assert_eq!(audit["events"].as_array().unwrap().len(), 2, "one audit event per run event");

    // Exported again, the run keeps its id and job, the dataset its namespace and name.
    let out = w.run(&["lineage", "churn@1.0.0", "--up", "2", "--down", "0", "--format", "openlineage"]);
    let events: Vec<Value> = common::stdout(&out).lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    let e = events.iter().find(|e| e["run"]["runId"] == run_id).expect("the imported run goes back out");
    assert_eq!((e["job"]["namespace"].as_str(), e["job"]["name"].as_str()), (Some("acme-ml"), Some("churn.train")));
    assert_eq!(
        (e["inputs"][0]["namespace"].as_str(), e["inputs"][0]["name"].as_str()),
        (Some("s3://acme-data"), Some("churn/train.parquet"))
    );
    assert_eq!(e["inputs"][0]["facets"]["version"]["datasetVersion"], "v3");

    // Again: nothing new. A file with one bad event: nothing at all.
    let before = w.snapshot();
    let again = w.json(&["import", "openlineage", s(&log)]);
    assert_eq!((again["events"].as_u64(), again["alreadyImported"].as_u64()), (Some(0), Some(2)));
    assert_eq!(w.snapshot(), before);
    let mut lines: Vec<Value> =
        std::fs::read_to_string(&log).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    lines[0]["run"]["runId"] = "1111".into();
    lines[1]["run"]["runId"] = "0190a1b2-0000-7e5f-8a9b-0c1d2e3f4a5b".into();
    let bad = w.dir.path().join("bad.jsonl");
    std::fs::write(&bad, lines.iter().map(|l| format!("{l}\n")).collect::<String>()).unwrap();
    let err = w.fails(&["import", "openlineage", s(&bad)]);
    assert!(err.contains("event 1") && err.contains("not a UUID") && err.contains("nothing was imported"), "{err}");
    assert_eq!(w.snapshot(), before);
}

#[test]
fn events_posted_by_the_http_transport_to_serve_are_recorded_behind_the_token() {
    let w = Ws::new();
    // Registered from an indexed folder: the run's output names the file by path.
    let dir = w.inputs().join("store");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("clf.safetensors"), fixtures::safetensors(&[("w", "F32", &[6])], &[])).unwrap();
    w.json(&["store", "add", "lab", s(&dir)]);
    w.json(&["index", "lab"]);
    let id = w.json(&["artifacts", "lab"])["artifacts"][0]["id"].as_i64().unwrap().to_string();
    w.json(&["register", "--from-index", &id, "--model", "clf"]);
    let path = dir.canonicalize().unwrap().join("clf.safetensors");

    let server = super::server::start(&w, &[]);
    let url = format!("http://{}", server.addr);
    let run_id = "0190a1b2-c3d4-7e5f-8a9b-000000000002";
    // Without the token: refused, nothing recorded.
    let py = std::env::var("PEDIGREE_INTEROP_PYTHON").unwrap();
    let refused =
        Command::new(&py).args(["-c", EMIT, "http", &url, "wrong-token-0000", run_id, "file", s(&path), ""]).output().unwrap();
    assert!(!refused.status.success() && common::stderr(&refused).contains("401"), "{}", common::stderr(&refused));
    python(EMIT, &["http", &url, &server.token, run_id, "file", s(&path), ""]);
    drop(server);
    let up = upstream(&w, "clf@1.0.0");
    assert!(up.contains(&("produced_by".into(), format!("run:openlineage:{run_id}"))), "matched by path: {up:?}");
}

#[test]
fn a_version_lineage_exported_as_openlineage_loads_in_the_client_and_imports_elsewhere() {
    let w = Ws::new();
    let base = super::small_lineage(&w);
    let out = w.run(&["lineage", "tuned@1.0.0", "--up", "4", "--down", "0", "--format", "openlineage"]);
    assert!(out.status.success(), "{}", common::stderr(&out));
    let file = w.dir.path().join("lineage.openlineage.jsonl");
    std::fs::write(&file, &out.stdout).unwrap();
    let read: Value = serde_json::from_str(python(LOAD_EXPORT, &[s(&file)]).trim()).unwrap();
    let jobs: Vec<&str> = read.as_array().unwrap().iter().map(|e| e["job"].as_str().unwrap()).collect();
    assert_eq!(jobs, ["train-1", "register tuned"], "{read:#}");
    assert_eq!(read[0]["outputs"], serde_json::json!(["base@1.0.0"]));
    assert_eq!(read[1]["inputs"], serde_json::json!(["base@1.0.0"]), "the parent is an input of the fine-tune");
    let first: Value = serde_json::from_str(common::stdout(&out).lines().next().unwrap()).unwrap();
    assert_eq!(first["job"]["facets"]["sourceCodeLocation"]["version"], "0123456789abcdef");
    assert_eq!(first["outputs"][0]["facets"]["datasetType"]["datasetType"], "MODEL");

    // Another desktop importing them links its own copy of base by digest.
    let other = Ws::new();
    other.json(&["register", s(&base), "--model", "base-copy"]);
    let r = other.json(&["import", "openlineage", s(&file)]);
    assert_eq!(r["linked"], serde_json::json!(["base-copy@1.0.0"]), "{r:#}");
}
