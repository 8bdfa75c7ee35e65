//! A lineage view as W3C PROV-JSON (https://www.w3.org/submissions/prov-json/): versions,
//! models, datasets, code, environments, deployments and sources are entities, runs are
//! activities. A node id (`version:churn@2.0.0`) is already a qualified name: its kind is the
//! prefix, bound to a `urn:pedigree:KIND:` namespace. Edges map to PROV relations:
//! `produced_by` → wasGeneratedBy, `used` → used, `version_of` → specializationOf,
//! `imported_from` → wasDerivedFrom typed prov:PrimarySource, every other derivation (parents,
//! training data, code, environment, deployments) → wasDerivedFrom with `pedigree:kind` (and the
//! parent relation, e.g. `finetune`). Record ids are numbered in edge order, so the output is
//! stable.

use serde_json::{Map, Value, json};

use super::Subgraph;
use crate::ids::NodeKind;

const NS: &str = "https://pedigree.dev/ns#";

fn qualified(value: &str) -> Value {
    json!({"$": value, "type": "prov:QUALIFIED_NAME"})
}

fn type_of(kind: NodeKind) -> &'static str {
    match kind {
        NodeKind::Model => "pedigree:Model",
        NodeKind::Version => "pedigree:ModelVersion",
        NodeKind::Dataset => "pedigree:DatasetVersion",
        NodeKind::Run => "pedigree:Run",
        NodeKind::Code => "pedigree:SourceCommit",
        NodeKind::Env => "pedigree:Environment",
        NodeKind::Deployment => "pedigree:Deployment",
        NodeKind::Source => "pedigree:ImportSource",
    }
}

/// The view as a PROV-JSON document.
pub fn to_prov(g: &Subgraph) -> Value {
    let mut prefix = Map::new();
    prefix.insert("pedigree".into(), json!(NS));
    let (mut entity, mut activity) = (Map::new(), Map::new());
    for n in &g.nodes {
        let kind = n.kind.prefix();
        prefix.insert(kind.into(), json!(format!("urn:pedigree:{kind}:")));
        let record = json!({"prov:type": qualified(type_of(n.kind)), "prov:label": n.label});
        match n.kind {
            NodeKind::Run => activity.insert(n.id.clone(), record),
            _ => entity.insert(n.id.clone(), record),
        };
    }
    let mut relations: Map<String, Value> = Map::new();
    let mut add = |relation: &str, record: Value| {
        let list = relations.entry(relation.to_string()).or_insert_with(|| json!({}));
        let id = format!("_:{}{}", &relation[..1], list.as_object().map_or(0, Map::len) + 1);
        list.as_object_mut().expect("relations are objects").insert(id, record);
    };
    for e in &g.edges {
        let from_run = NodeKind::of(&e.from) == Some(NodeKind::Run);
        let to_run = NodeKind::of(&e.to) == Some(NodeKind::Run);
        match (e.kind.as_str(), from_run, to_run) {
            ("produced_by", false, true) => add("wasGeneratedBy", json!({"prov:entity": e.from, "prov:activity": e.to})),
            (_, true, false) => add("used", json!({"prov:activity": e.from, "prov:entity": e.to, "pedigree:kind": e.kind})),
            ("version_of", false, false) => {
                add("specializationOf", json!({"prov:specificEntity": e.from, "prov:generalEntity": e.to}))
            }
            ("imported_from", false, false) => add(
                "wasDerivedFrom",
                json!({"prov:generatedEntity": e.from, "prov:usedEntity": e.to, "prov:type": qualified("prov:PrimarySource")}),
            ),
            (_, false, false) => {
                let mut r = json!({"prov:generatedEntity": e.from, "prov:usedEntity": e.to, "pedigree:kind": e.kind});
                if let Some(rel) = &e.relation {
                    r["pedigree:relation"] = json!(rel);
                }
                add("wasDerivedFrom", r)
            }
            // An edge into a run from anything but a version: an influence.
            _ => add("wasInfluencedBy", json!({"prov:influencee": e.from, "prov:influencer": e.to, "pedigree:kind": e.kind})),
        }
    }
    let mut doc = Map::new();
    doc.insert("prefix".into(), Value::Object(prefix));
    if !entity.is_empty() {
        doc.insert("entity".into(), Value::Object(entity));
    }
    if !activity.is_empty() {
        doc.insert("activity".into(), Value::Object(activity));
    }
    doc.extend(relations);
    Value::Object(doc)
}
