//! OpenLineage (https://openlineage.io, spec 2-0-2) run events, in and out. This file is the
//! wire form: reading events (one JSON object, an array, or JSON lines — what openlineage-python's
//! file transport writes) and checking each before anything is recorded. Events come from other
//! systems and over HTTP, so everything is bounded: sizes, counts, identifiers, and only facets
//! Pedigree reads are interpreted (the rest are named, never executed or followed).
//!
//! `import` records them (runs, datasets with their facets, versions they produced); `export`
//! writes a lineage view as events.

use serde_json::{Map, Value};

pub mod export;
pub mod import;

pub use export::to_openlineage;
pub use import::{ImportReport, import};

/// The spec the exported events follow.
pub const SCHEMA_URL: &str = "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent";

/// Largest events file or body read, and most events in one import.
pub const MAX_BYTES: usize = 64 << 20;
pub const MAX_EVENTS: usize = 100_000;
/// Most inputs (and outputs) of one event; longest namespace, name or identifier kept.
const MAX_DATASETS: usize = 1000;
const MAX_NAME: usize = 1024;

/// The event types of the spec.
const EVENT_TYPES: &[&str] = &["START", "RUNNING", "COMPLETE", "ABORT", "FAIL", "OTHER"];

/// A dataset as an event names it.
#[derive(Debug, Clone, PartialEq)]
pub struct Dataset {
    pub namespace: String,
    pub name: String,
    pub facets: Map<String, Value>,
}

impl Dataset {
    /// Where it is, as one URI: `s3://bucket` + `key` → `s3://bucket/key`; namespace `file` →
    /// `file:///path`; other namespaces joined with `/`.
    pub fn uri(&self) -> String {
        let name = self.name.trim_start_matches('/');
        match self.namespace.as_str() {
            "file" => format!("file:///{name}"),
            ns => format!("{}/{name}", ns.trim_end_matches('/')),
        }
    }

    /// The `version` facet's `datasetVersion`, when given.
    pub fn version(&self) -> Option<&str> {
        self.facets.get("version").and_then(|f| f["datasetVersion"].as_str()).filter(|v| !v.is_empty() && v.len() <= 256)
    }

    /// A sha256 the version names (`sha256:HEX` or 64 hex characters), lower case.
    pub fn sha256(&self) -> Option<String> {
        let v = self.version()?;
        let hex = v.strip_prefix("sha256:").unwrap_or(v);
        (hex.len() == 64 && hex.bytes().all(|b| b.is_ascii_hexdigit())).then(|| hex.to_ascii_lowercase())
    }
}

/// One run event, checked.
#[derive(Debug, Clone, PartialEq)]
pub struct RunEvent {
    pub event_type: String,
    /// RFC 3339, as sent.
    pub event_time: String,
    pub run_id: String,
    pub run_facets: Map<String, Value>,
    pub job_namespace: String,
    pub job_name: String,
    pub job_facets: Map<String, Value>,
    pub inputs: Vec<Dataset>,
    pub outputs: Vec<Dataset>,
    pub producer: String,
}

/// What a file or body holds: a JSON array of events, one event (on one line or several), or one
/// event per line.
pub fn read_events(text: &str) -> Result<Vec<Value>, String> {
    if text.len() > MAX_BYTES {
        return Err(format!("more than {} MiB of events", MAX_BYTES >> 20));
    }
    let trimmed = text.trim_start();
    let whole: Option<Value> = if trimmed.starts_with('{') { serde_json::from_str(trimmed).ok() } else { None };
    let events = if trimmed.starts_with('[') {
        serde_json::from_str::<Vec<Value>>(trimmed).map_err(|e| format!("not a JSON array of events: {e}"))?
    } else if let Some(one) = whole {
        vec![one] // one event, laid out over several lines
    } else {
        let mut out = Vec::new();
        for (i, line) in text.lines().enumerate().filter(|(_, l)| !l.trim().is_empty()) {
            out.push(serde_json::from_str(line).map_err(|e| format!("line {}: not a JSON event: {e}", i + 1))?);
        }
        if out.is_empty() {
            return Err("no events".into());
        }
        out
    };
    if events.len() > MAX_EVENTS {
        return Err(format!("more than {MAX_EVENTS} events"));
    }
    Ok(events)
}

fn text<'a>(v: &'a Value, field: &str) -> Result<&'a str, String> {
    let s = v[field].as_str().ok_or_else(|| format!("{field} is missing or not a string"))?;
    if s.is_empty() || s.len() > MAX_NAME || s.chars().any(char::is_control) {
        return Err(format!("{field} must be 1 to {MAX_NAME} characters without control characters"));
    }
    Ok(s)
}

fn facets(v: &Value) -> Map<String, Value> {
    v["facets"].as_object().cloned().unwrap_or_default()
}

fn datasets(v: &Value, field: &str) -> Result<Vec<Dataset>, String> {
    let Some(list) = v.get(field).filter(|l| !l.is_null()) else { return Ok(Vec::new()) };
    let list = list.as_array().ok_or_else(|| format!("{field} is not a list"))?;
    if list.len() > MAX_DATASETS {
        return Err(format!("more than {MAX_DATASETS} {field}"));
    }
    list.iter()
        .enumerate()
        .map(|(i, d)| {
            let at = |e: String| format!("{field}[{i}]: {e}");
            Ok(Dataset {
                namespace: text(d, "namespace").map_err(at)?.to_string(),
                name: text(d, "name").map_err(at)?.to_string(),
                facets: facets(d),
            })
        })
        .collect()
}

/// Whether `s` is a UUID (what the spec requires of `runId`).
pub(crate) fn is_uuid(s: &str) -> bool {
    let groups: Vec<&str> = s.split('-').collect();
    groups.iter().map(|g| g.len()).eq([8, 4, 4, 4, 12]) && groups.iter().all(|g| g.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// Checks one event. `Ok(None)` for a DatasetEvent or JobEvent (no run: nothing to import).
pub fn parse(v: &Value) -> Result<Option<RunEvent>, String> {
    if !v.is_object() {
        return Err("not a JSON object".into());
    }
    if v.get("run").is_none() {
        return Ok(None);
    }
    let event_type = v["eventType"].as_str().unwrap_or("OTHER").to_ascii_uppercase();
    if !EVENT_TYPES.contains(&event_type.as_str()) {
        return Err(format!("eventType {event_type:?} is not one of {}", EVENT_TYPES.join(", ")));
    }
    let event_time = text(v, "eventTime")?;
    chrono::DateTime::parse_from_rfc3339(event_time).map_err(|e| format!("eventTime {event_time:?}: {e}"))?;
    let run_id = text(&v["run"], "runId").map_err(|e| format!("run.{e}"))?;
    if !is_uuid(run_id) {
        return Err(format!("run.runId {run_id:?} is not a UUID"));
    }
    let job = &v["job"];
    Ok(Some(RunEvent {
        event_type,
        event_time: event_time.to_string(),
        run_id: run_id.to_ascii_lowercase(),
        run_facets: facets(&v["run"]),
        job_namespace: text(job, "namespace").map_err(|e| format!("job.{e}"))?.to_string(),
        job_name: text(job, "name").map_err(|e| format!("job.{e}"))?.to_string(),
        job_facets: facets(job),
        inputs: datasets(v, "inputs")?,
        outputs: datasets(v, "outputs")?,
        producer: v["producer"].as_str().unwrap_or_default().chars().take(MAX_NAME).collect(),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_reference_event_parses_and_hostile_ones_are_refused() {
        let text =
            std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/openlineage/runevent.json")).unwrap();
        let events = read_events(&text).unwrap();
        let e = parse(&events[0]).unwrap().unwrap();
        assert_eq!((e.event_type.as_str(), e.job_name.as_str()), ("COMPLETE", "credit-scorer.train"));
        assert_eq!(e.inputs[0].uri(), "s3://acme-data/loans/train/2026Q1");
        assert_eq!(e.outputs[0].uri(), "file:///models/credit-scorer/3.2.0");
        assert_eq!(e.outputs[0].sha256().as_deref(), Some("7127432f1ffff5b25875ce4e287c9dfa458655ad1b6183a2d274c061bf9e4b1b"));
        let with = |f: &dyn Fn(&mut Value)| {
            let mut v = events[0].clone();
            f(&mut v);
            parse(&v)
        };
        assert!(with(&|v| v["run"]["runId"] = "../../etc".into()).unwrap_err().contains("not a UUID"));
        assert!(with(&|v| v["eventTime"] = "yesterday".into()).unwrap_err().contains("eventTime"));
        assert!(with(&|v| v["eventType"] = "EXPLODE".into()).unwrap_err().contains("eventType"));
        assert!(with(&|v| v["job"]["name"] = "a\u{0}b".into()).unwrap_err().contains("control"));
        assert!(with(&|v| v["inputs"][0]["name"] = Value::Null).unwrap_err().contains("inputs[0]"));
        assert_eq!(with(&|v| drop(v.as_object_mut().unwrap().remove("run"))).unwrap(), None, "a DatasetEvent");
        assert!(read_events("{\"a\": 1}\nnot json\n").unwrap_err().contains("line 2"));
        assert_eq!(read_events("[{}, {}]").unwrap().len(), 2);
    }
}
