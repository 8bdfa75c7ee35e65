//! The lineage graph, built with petgraph from the catalog's edges.
//!
//! Edges point the PROV way: from the thing made to what it was made from
//! (`version --trained_on--> dataset`, `version --derived_from--> parent version`,
//! `run --used--> dataset`, `deployment --serves--> version`). So *upstream* of a node follows
//! its outgoing edges and *downstream* its incoming ones.

use std::collections::{BTreeSet, HashMap, VecDeque};

use petgraph::Direction;
use petgraph::graph::{DiGraph, NodeIndex};
use petgraph::visit::EdgeRef;
use rusqlite::Connection;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::catalog::CatalogError;
use crate::catalog::graph::{EdgeRow, all_edges, edges_from, edges_to, node_attrs};
use crate::ids::NodeKind;

mod dot;
pub mod openlineage;
mod prov;
pub use dot::to_dot;
pub use prov::to_prov;

/// Which way to walk.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "lowercase")]
pub enum Way {
    /// Towards what a node was made from.
    Upstream,
    /// Towards what was made from a node.
    Downstream,
}

impl Way {
    fn dir(self) -> Direction {
        match self {
            Way::Upstream => Direction::Outgoing,
            Way::Downstream => Direction::Incoming,
        }
    }
}

/// A node of a lineage view.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct LineageNode {
    pub id: String,
    pub kind: NodeKind,
    pub label: String,
    /// Upstream neighbours not in this view (for "expand" / "N more").
    pub hidden_up: u32,
    /// Downstream neighbours not in this view.
    pub hidden_down: u32,
}

/// An edge of a lineage view (`from` was made from / depends on `to`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct LineageEdge {
    pub from: String,
    pub to: String,
    pub kind: String,
    pub relation: Option<String>,
}

/// A part of the graph around a focus node.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct Subgraph {
    pub focus: String,
    pub nodes: Vec<LineageNode>,
    pub edges: Vec<LineageEdge>,
}

/// Everything downstream of a dataset that a change to it affects.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct Impact {
    pub dataset: String,
    pub versions: Vec<String>,
    pub deployments: Vec<String>,
}

/// The whole lineage graph in memory.
pub struct LineageGraph {
    graph: DiGraph<String, (String, Option<String>)>,
    index: HashMap<String, NodeIndex>,
    labels: HashMap<String, String>,
}

impl LineageGraph {
    /// Loads every edge and node label from the catalog.
    pub fn load(conn: &Connection) -> Result<LineageGraph, CatalogError> {
        let mut g = LineageGraph::from_edges(all_edges(conn)?);
        g.labels.extend(crate::catalog::graph::all_labels(conn)?);
        Ok(g)
    }

    /// Loads only the part of the catalog a neighbourhood query needs: nodes within `up` hops
    /// upstream and `down` hops downstream of `focus`, plus the edges of those nodes (so hidden
    /// neighbour counts are right). Indexed lookups per node instead of reading every edge, so
    /// the cost follows the size of the view, not of the catalog.
    pub fn load_around(conn: &Connection, focus: &str, up: u32, down: u32) -> Result<LineageGraph, CatalogError> {
        let mut edges: BTreeSet<(String, String, String, Option<String>)> = BTreeSet::new();
        let mut ends: BTreeSet<String> = BTreeSet::new();
        for (way, depth) in [(Way::Upstream, up), (Way::Downstream, down)] {
            let mut frontier = vec![focus.to_string()];
            let mut seen = BTreeSet::from([focus.to_string()]);
            for level in 0..=depth {
                let mut next = Vec::new();
                for id in &frontier {
                    let rows = [edges_from(conn, id)?, edges_to(conn, id)?].concat();
                    for e in rows {
                        let far = match way {
                            Way::Upstream if e.src == *id => Some(e.dst.clone()),
                            Way::Downstream if e.dst == *id => Some(e.src.clone()),
                            _ => None,
                        };
                        ends.insert(e.src.clone());
                        ends.insert(e.dst.clone());
                        edges.insert((e.src, e.dst, e.kind, e.relation));
                        if let Some(far) = far.filter(|_| level < depth) {
                            if seen.insert(far.clone()) {
                                next.push(far);
                            }
                        }
                    }
                }
                frontier = next;
            }
        }
        let mut g =
            LineageGraph::from_edges(edges.into_iter().map(|(src, dst, kind, relation)| EdgeRow { src, dst, kind, relation }));
        for id in ends {
            if let Some((label, _)) = node_attrs(conn, &id)? {
                g.labels.insert(id, label);
            }
        }
        Ok(g)
    }

    /// Builds a graph from edges (nodes are the edge ends).
    pub fn from_edges(edges: impl IntoIterator<Item = EdgeRow>) -> LineageGraph {
        let mut g = LineageGraph { graph: DiGraph::new(), index: HashMap::new(), labels: HashMap::new() };
        for e in edges {
            let a = g.node(&e.src);
            let b = g.node(&e.dst);
            g.graph.add_edge(a, b, (e.kind, e.relation));
        }
        g
    }

    fn node(&mut self, id: &str) -> NodeIndex {
        if let Some(&i) = self.index.get(id) {
            return i;
        }
        let i = self.graph.add_node(id.to_string());
        self.index.insert(id.to_string(), i);
        i
    }

    pub fn contains(&self, id: &str) -> bool {
        self.index.contains_key(id)
    }

    pub fn node_count(&self) -> usize {
        self.graph.node_count()
    }

    /// A display label: the stored one, else the id without its kind prefix.
    pub fn label(&self, id: &str) -> String {
        self.labels.get(id).cloned().unwrap_or_else(|| id.split_once(':').map_or(id, |(_, r)| r).to_string())
    }

    fn neighbours(&self, i: NodeIndex, way: Way) -> impl Iterator<Item = NodeIndex> + '_ {
        self.graph.neighbors_directed(i, way.dir())
    }

    /// Nodes within `depth` hops in one direction (not including the start), with their depth.
    fn walk(&self, start: NodeIndex, way: Way, depth: u32) -> Vec<(NodeIndex, u32)> {
        let mut seen = BTreeSet::from([start]);
        let mut out = Vec::new();
        let mut queue = VecDeque::from([(start, 0u32)]);
        while let Some((i, d)) = queue.pop_front() {
            if d == depth {
                continue;
            }
            for n in self.neighbours(i, way) {
                if seen.insert(n) {
                    out.push((n, d + 1));
                    queue.push_back((n, d + 1));
                }
            }
        }
        out
    }

    /// The neighbourhood of `focus`: `up` hops upstream and `down` hops downstream, with the
    /// edges between included nodes and, per node, how many neighbours were left out.
    pub fn neighbourhood(&self, focus: &str, up: u32, down: u32) -> Option<Subgraph> {
        let &f = self.index.get(focus)?;
        let mut included: BTreeSet<NodeIndex> = BTreeSet::from([f]);
        included.extend(self.walk(f, Way::Upstream, up).into_iter().map(|(i, _)| i));
        included.extend(self.walk(f, Way::Downstream, down).into_iter().map(|(i, _)| i));
        Some(self.subgraph(focus, &included))
    }

    /// A view of the given nodes (ids not in the graph are ignored).
    pub fn view(&self, focus: &str, ids: &[String]) -> Subgraph {
        let included: BTreeSet<NodeIndex> = ids.iter().filter_map(|id| self.index.get(id).copied()).collect();
        self.subgraph(focus, &included)
    }

    fn subgraph(&self, focus: &str, included: &BTreeSet<NodeIndex>) -> Subgraph {
        let mut nodes: Vec<LineageNode> = included
            .iter()
            .map(|&i| {
                let id = &self.graph[i];
                let hidden =
                    |way| self.neighbours(i, way).filter(|n| !included.contains(n)).collect::<BTreeSet<_>>().len() as u32;
                LineageNode {
                    id: id.clone(),
                    kind: NodeKind::of(id).unwrap_or(NodeKind::Run),
                    label: self.label(id),
                    hidden_up: hidden(Way::Upstream),
                    hidden_down: hidden(Way::Downstream),
                }
            })
            .collect();
        nodes.sort_by(|a, b| a.id.cmp(&b.id));
        let mut edges: Vec<LineageEdge> = self
            .graph
            .edge_references()
            .filter(|e| included.contains(&e.source()) && included.contains(&e.target()))
            .map(|e| LineageEdge {
                from: self.graph[e.source()].clone(),
                to: self.graph[e.target()].clone(),
                kind: e.weight().0.clone(),
                relation: e.weight().1.clone(),
            })
            .collect();
        edges.sort();
        Subgraph { focus: focus.to_string(), nodes, edges }
    }

    /// Every node reachable from `id` in one direction (all ancestors or all descendants),
    /// sorted. Empty when `id` is unknown.
    pub fn closure(&self, id: &str, way: Way) -> Vec<String> {
        let Some(&i) = self.index.get(id) else { return Vec::new() };
        let mut out: Vec<String> = self.walk(i, way, u32::MAX).into_iter().map(|(n, _)| self.graph[n].clone()).collect();
        out.sort();
        out
    }

    /// Every model version and deployment downstream of a dataset (transitively, through runs,
    /// fine-tunes, distillations…).
    pub fn impact(&self, dataset: &str) -> Impact {
        let down = self.closure(dataset, Way::Downstream);
        let of = |k: NodeKind| down.iter().filter(|id| NodeKind::of(id) == Some(k)).cloned().collect::<Vec<_>>();
        Impact { dataset: dataset.to_string(), versions: of(NodeKind::Version), deployments: of(NodeKind::Deployment) }
    }

    /// A shortest path between two nodes, ignoring edge direction (ids from `a` to `b`).
    pub fn path(&self, a: &str, b: &str) -> Option<Vec<String>> {
        let (&ia, &ib) = (self.index.get(a)?, self.index.get(b)?);
        let mut prev: HashMap<NodeIndex, NodeIndex> = HashMap::new();
        let mut queue = VecDeque::from([ia]);
        let mut seen = BTreeSet::from([ia]);
        while let Some(i) = queue.pop_front() {
            if i == ib {
                let mut path = vec![self.graph[ib].clone()];
                let mut cur = ib;
                while let Some(&p) = prev.get(&cur) {
                    path.push(self.graph[p].clone());
                    cur = p;
                }
                path.reverse();
                return Some(path);
            }
            for n in self.graph.neighbors_undirected(i) {
                if seen.insert(n) {
                    prev.insert(n, i);
                    queue.push_back(n);
                }
            }
        }
        None
    }
}
