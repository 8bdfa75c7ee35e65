//! Lineage edges and node attributes (labels of runs, code commits, environments).

use rusqlite::{Connection, OptionalExtension, params};

use super::CatalogError;

/// One stored lineage edge: `src` was made from / depends on `dst` (PROV direction).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EdgeRow {
    pub src: String,
    pub dst: String,
    pub kind: String,
    pub relation: Option<String>,
}

pub fn insert_edge(conn: &Connection, e: &EdgeRow, audit_seq: i64) -> Result<(), CatalogError> {
    conn.execute(
        "INSERT OR IGNORE INTO edges (src, dst, kind, relation, audit_seq) VALUES (?1, ?2, ?3, ?4, ?5)",
        params![e.src, e.dst, e.kind, e.relation, audit_seq],
    )?;
    Ok(())
}

/// Records a node's kind and label (first writer wins; ids are stable).
/// Renames a lineage node wherever the catalog names it (node row, edges, annotations, index
/// artifacts, remote bindings, erasure impacts): a version or dataset version moved to another
/// number.
pub fn rename_node(conn: &Connection, old_node: &str, new_node: &str) -> Result<(), CatalogError> {
    let label = new_node.split_once(':').map_or(new_node, |(_, rest)| rest);
    conn.execute("UPDATE nodes SET id = ?2, label = ?3 WHERE id = ?1", params![old_node, new_node, label])?;
    conn.execute("UPDATE edges SET src = ?2 WHERE src = ?1", params![old_node, new_node])?;
    conn.execute("UPDATE edges SET dst = ?2 WHERE dst = ?1", params![old_node, new_node])?;
    conn.execute("UPDATE annotations SET subject = ?2 WHERE subject = ?1", params![old_node, new_node])?;
    conn.execute("UPDATE artifacts SET registered_as = ?2 WHERE registered_as = ?1", params![old_node, new_node])?;
    conn.execute("UPDATE bindings SET local = ?2 WHERE local = ?1", params![old_node, new_node])?;
    conn.execute("UPDATE erasure_impacts SET node = ?2 WHERE node = ?1", params![old_node, new_node])?;
    Ok(())
}

pub fn upsert_node(conn: &Connection, id: &str, kind: &str, label: &str, attrs: &str) -> Result<(), CatalogError> {
    conn.execute(
        "INSERT OR IGNORE INTO nodes (id, kind, label, attrs) VALUES (?1, ?2, ?3, ?4)",
        params![id, kind, label, attrs],
    )?;
    Ok(())
}

/// Creates or updates a node with these facts (a pulled run's params, metrics, times).
pub fn set_node(conn: &Connection, id: &str, kind: &str, label: &str, attrs: &str) -> Result<(), CatalogError> {
    conn.execute(
        "INSERT INTO nodes (id, kind, label, attrs) VALUES (?1, ?2, ?3, ?4) ON CONFLICT (id) DO UPDATE SET label = ?3, attrs = ?4",
        params![id, kind, label, attrs],
    )?;
    Ok(())
}

pub fn node_attrs(conn: &Connection, id: &str) -> Result<Option<(String, String)>, CatalogError> {
    Ok(conn.query_row("SELECT label, attrs FROM nodes WHERE id = ?1", [id], |r| Ok((r.get(0)?, r.get(1)?))).optional()?)
}

/// Every edge, for building the in-memory graph.
pub fn all_edges(conn: &Connection) -> Result<Vec<EdgeRow>, CatalogError> {
    let mut stmt = conn.prepare_cached("SELECT src, dst, kind, relation FROM edges")?;
    let rows = stmt.query_map([], |r| Ok(EdgeRow { src: r.get(0)?, dst: r.get(1)?, kind: r.get(2)?, relation: r.get(3)? }))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Edges leaving `src` (upstream links of a node).
pub fn edges_from(conn: &Connection, src: &str) -> Result<Vec<EdgeRow>, CatalogError> {
    let mut stmt = conn.prepare_cached("SELECT src, dst, kind, relation FROM edges WHERE src = ?1 ORDER BY kind, dst")?;
    let rows = stmt.query_map([src], |r| Ok(EdgeRow { src: r.get(0)?, dst: r.get(1)?, kind: r.get(2)?, relation: r.get(3)? }))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Edges arriving at `dst` (downstream links of a node).
pub fn edges_to(conn: &Connection, dst: &str) -> Result<Vec<EdgeRow>, CatalogError> {
    let mut stmt = conn.prepare_cached("SELECT src, dst, kind, relation FROM edges WHERE dst = ?1 ORDER BY kind, src")?;
    let rows = stmt.query_map([dst], |r| Ok(EdgeRow { src: r.get(0)?, dst: r.get(1)?, kind: r.get(2)?, relation: r.get(3)? }))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Versions imported from a source whose node id starts with `prefix` (e.g. every commit of one
/// Hugging Face repository: `source:hf://ORG/NAME@`), latest import first.
pub fn imported_from_prefix(conn: &Connection, prefix: &str) -> Result<Vec<String>, CatalogError> {
    let mut stmt = conn.prepare_cached(
        "SELECT src FROM edges WHERE kind = 'imported_from' AND substr(dst, 1, length(?1)) = ?1 ORDER BY audit_seq DESC",
    )?;
    let rows = stmt.query_map([prefix], |r| r.get(0))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Whether a node id names something the catalog knows (a row or an edge end).
pub fn node_exists(conn: &Connection, id: &str) -> Result<bool, CatalogError> {
    Ok(conn.query_row(
        "SELECT EXISTS(SELECT 1 FROM edges WHERE src = ?1) OR EXISTS(SELECT 1 FROM edges WHERE dst = ?1)
             OR EXISTS(SELECT 1 FROM nodes WHERE id = ?1)",
        [id],
        |r| r.get(0),
    )?)
}

/// A node found by [`search`]: id, kind prefix and label.
pub type Found = (String, String);

/// Node ids whose name contains `query` (case-insensitive), models and versions first, for
/// the search box. Returns `(id, label)`.
pub fn search(conn: &Connection, query: &str, limit: u32) -> Result<Vec<Found>, CatalogError> {
    let q = query.trim().to_lowercase();
    let mut stmt = conn.prepare_cached(
        "SELECT id, label FROM (
             SELECT 'model:' || name AS id, name AS label, 0 AS rank FROM models WHERE instr(name, ?1) > 0
             UNION ALL
             SELECT 'version:' || m.name || '@' || v.version, m.name || '@' || v.version, 1
               FROM versions v JOIN models m ON m.id = v.model_id
              WHERE instr(m.name || '@' || v.version, ?1) > 0
             UNION ALL
             SELECT 'dataset:' || d.name || '@' || dv.version, d.name || '@' || dv.version, 2
               FROM dataset_versions dv JOIN datasets d ON d.id = dv.dataset_id
              WHERE instr(d.name || '@' || dv.version, ?1) > 0
             UNION ALL
             SELECT id, label, 3 FROM nodes WHERE instr(lower(label), ?1) > 0 OR instr(lower(id), ?1) > 0
         ) ORDER BY rank, length(label), label LIMIT ?2",
    )?;
    let rows = stmt.query_map(params![q, limit], |r| Ok((r.get(0)?, r.get(1)?)))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Row counts for the workspace summary: (models, versions, dataset versions, audit events).
pub fn counts(conn: &Connection) -> Result<(u32, u32, u32, u32), CatalogError> {
    Ok(conn.query_row(
        "SELECT (SELECT COUNT(*) FROM models), (SELECT COUNT(*) FROM versions),
                (SELECT COUNT(*) FROM dataset_versions), (SELECT COUNT(*) FROM audit_events)",
        [],
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
    )?)
}

/// Every node's id and label.
pub fn all_labels(conn: &Connection) -> Result<Vec<(String, String)>, CatalogError> {
    let mut stmt = conn.prepare_cached("SELECT id, label FROM nodes")?;
    let rows = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?.collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}

/// The models whose versions pin components (composite systems), by name.
pub fn system_models(conn: &Connection) -> Result<Vec<String>, CatalogError> {
    let mut stmt = conn.prepare_cached(
        "SELECT DISTINCT src FROM edges WHERE kind = 'derived_from' AND relation = 'component' AND src LIKE 'version:%'",
    )?;
    let rows = stmt.query_map([], |r| r.get::<_, String>(0))?;
    let mut out: Vec<String> = Vec::new();
    for src in rows {
        let src = src?;
        if let Some((model, _)) = src.trim_start_matches("version:").rsplit_once('@') {
            out.push(model.to_string());
        }
    }
    out.sort();
    out.dedup();
    Ok(out)
}
