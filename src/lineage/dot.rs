//! Graphviz DOT rendering of a lineage view (left to right, one shape per node kind).

use super::Subgraph;
use crate::ids::NodeKind;

fn quote(s: &str) -> String {
    format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
}

fn shape(kind: NodeKind) -> &'static str {
    match kind {
        NodeKind::Model => "folder",
        NodeKind::Version => "box",
        NodeKind::Dataset => "cylinder",
        NodeKind::Run => "ellipse",
        NodeKind::Code => "note",
        NodeKind::Env => "component",
        NodeKind::Deployment => "hexagon",
        NodeKind::Source => "tab",
    }
}

/// DOT text for a subgraph; the focus node is drawn bold.
pub fn to_dot(g: &Subgraph) -> String {
    let mut out = String::from("digraph lineage {\n  rankdir=LR;\n  node [fontname=\"Helvetica\"];\n");
    for n in &g.nodes {
        let bold = if n.id == g.focus { ", style=bold" } else { "" };
        out.push_str(&format!("  {} [label={}, shape={}{bold}];\n", quote(&n.id), quote(&n.label), shape(n.kind)));
    }
    for e in &g.edges {
        let label = match &e.relation {
            Some(r) => format!("{} ({r})", e.kind),
            None => e.kind.clone(),
        };
        out.push_str(&format!("  {} -> {} [label={}];\n", quote(&e.from), quote(&e.to), quote(&label)));
    }
    out.push_str("}\n");
    out
}
