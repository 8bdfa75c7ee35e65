//! The lineage around a version as a static SVG (for the HTML and PDF reports): upstream to the
//! left, downstream to the right, one column per hop from the version. Every label is escaped.

use std::collections::{BTreeMap, HashMap, VecDeque};

use crate::lineage::Subgraph;

/// Escapes text for XML/HTML content and attribute values.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c if (c as u32) < 0x20 && c != '\n' && c != '\t' => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

fn clip(s: &str, n: usize) -> String {
    if s.chars().count() <= n { s.to_string() } else { format!("{}…", s.chars().take(n - 1).collect::<String>()) }
}

const W: i64 = 190;
const H: i64 = 40;
const GAP_X: i64 = 60;
const GAP_Y: i64 = 16;

/// Renders the subgraph. Edges point from the thing made to what it was made from, so the
/// version's upstream nodes are reached by outgoing edges.
pub fn render(g: &Subgraph) -> String {
    // Signed hop distance from the focus: negative upstream, positive downstream.
    let mut out_adj: HashMap<&str, Vec<&str>> = HashMap::new();
    let mut in_adj: HashMap<&str, Vec<&str>> = HashMap::new();
    for e in &g.edges {
        out_adj.entry(e.from.as_str()).or_default().push(e.to.as_str());
        in_adj.entry(e.to.as_str()).or_default().push(e.from.as_str());
    }
    let mut col: HashMap<&str, i64> = HashMap::from([(g.focus.as_str(), 0)]);
    for (adj, step) in [(&out_adj, -1i64), (&in_adj, 1)] {
        let mut q = VecDeque::from([g.focus.as_str()]);
        while let Some(n) = q.pop_front() {
            let c = col[n];
            for m in adj.get(n).into_iter().flatten() {
                if !col.contains_key(m) {
                    col.insert(m, c + step);
                    q.push_back(m);
                }
            }
        }
    }
    let mut columns: BTreeMap<i64, Vec<&crate::lineage::LineageNode>> = BTreeMap::new();
    for n in &g.nodes {
        columns.entry(*col.get(n.id.as_str()).unwrap_or(&0)).or_default().push(n);
    }
    let min_col = columns.keys().next().copied().unwrap_or(0);
    let max_rows = columns.values().map(Vec::len).max().unwrap_or(1) as i64;
    let width = (columns.len() as i64).max(1) * (W + GAP_X) + GAP_X;
    let height = max_rows * (H + GAP_Y) + GAP_Y;
    let mut pos: HashMap<&str, (i64, i64)> = HashMap::new();
    for (c, nodes) in &columns {
        let x = GAP_X / 2 + (c - min_col) * (W + GAP_X);
        let offset = (max_rows - nodes.len() as i64) * (H + GAP_Y) / 2;
        for (i, n) in nodes.iter().enumerate() {
            pos.insert(n.id.as_str(), (x, GAP_Y + offset + i as i64 * (H + GAP_Y)));
        }
    }
    let mut svg = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {width} {height}\" width=\"{width}\" height=\"{height}\" font-family=\"DejaVu Sans, Helvetica, Arial, sans-serif\" font-size=\"11\">\n\
         <defs><marker id=\"arrow\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" markerWidth=\"6\" markerHeight=\"6\" orient=\"auto-start-reverse\"><path d=\"M 0 0 L 10 5 L 0 10 z\" fill=\"#667\"/></marker></defs>\n"
    );
    for e in &g.edges {
        let (Some(&(fx, fy)), Some(&(tx, ty))) = (pos.get(e.from.as_str()), pos.get(e.to.as_str())) else { continue };
        // Drawn from what was used to what was made (left to right).
        let (x1, y1, x2, y2) = if tx < fx { (tx + W, ty + H / 2, fx, fy + H / 2) } else { (tx, ty + H / 2, fx + W, fy + H / 2) };
        let label = match &e.relation {
            Some(r) => format!("{} ({r})", e.kind),
            None => e.kind.clone(),
        };
        svg.push_str(&format!(
            "<line x1=\"{x1}\" y1=\"{y1}\" x2=\"{x2}\" y2=\"{y2}\" stroke=\"#889\" stroke-width=\"1.2\" marker-end=\"url(#arrow)\"><title>{}</title></line>\n",
            escape(&label)
        ));
    }
    for n in &g.nodes {
        let Some(&(x, y)) = pos.get(n.id.as_str()) else { continue };
        let focus = n.id == g.focus;
        let (fill, stroke) = match n.id.split(':').next().unwrap_or_default() {
            _ if focus => ("#fff4d6", "#c58b00"),
            "dataset" => ("#e8f4ea", "#3c8a4a"),
            "version" | "model" => ("#e8eef8", "#3b5b9a"),
            "deployment" => ("#f6e8f2", "#9a3b80"),
            _ => ("#f2f2f2", "#777"),
        };
        let kind = n.id.split(':').next().unwrap_or_default();
        svg.push_str(&format!(
            "<g><rect x=\"{x}\" y=\"{y}\" width=\"{W}\" height=\"{H}\" rx=\"6\" fill=\"{fill}\" stroke=\"{stroke}\" stroke-width=\"{}\"/>\
             <text x=\"{}\" y=\"{}\" font-size=\"9\" fill=\"#556\">{}</text>\
             <text x=\"{}\" y=\"{}\" font-weight=\"bold\" fill=\"#111\">{}</text><title>{}</title></g>\n",
            if focus { 2 } else { 1 },
            x + 8,
            y + 14,
            escape(kind),
            x + 8,
            y + 30,
            escape(&clip(&n.label, 28)),
            escape(&n.id)
        ));
    }
    svg.push_str("</svg>\n");
    svg
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::NodeKind;
    use crate::lineage::{LineageEdge, LineageNode};

    #[test]
    fn labels_are_escaped_and_upstream_is_left() {
        let node = |id: &str, kind| LineageNode { id: id.into(), kind, label: id.into(), hidden_up: 0, hidden_down: 0 };
        let g = Subgraph {
            focus: "version:m@1.0.0".into(),
            nodes: vec![node("version:m@1.0.0", NodeKind::Version), node("dataset:<script>@1", NodeKind::Dataset)],
            edges: vec![LineageEdge {
                from: "version:m@1.0.0".into(),
                to: "dataset:<script>@1".into(),
                kind: "trained_on".into(),
                relation: None,
            }],
        };
        let svg = render(&g);
        assert!(!svg.contains("<script>") && svg.contains("&lt;script&gt;"));
        let x_of = |needle: &str| {
            let at = svg.find(needle).unwrap();
            let rect = svg[..at].rfind("<rect x=\"").unwrap();
            svg[rect + 9..].split('"').next().unwrap().parse::<i64>().unwrap()
        };
        assert!(x_of("dataset:&lt;script&gt;@1</title>") < x_of("version:m@1.0.0</title>"));
    }
}
