//! Recording a captured run: checked (its id is its content's, its parts are of sane size),
//! then its row, its `run:ID` node and its audit event in the caller's transaction.

use rusqlite::Connection;

use super::RunCapture;
use crate::audit;
use crate::catalog::{CatalogError, graph, runs};

/// Why a capture is refused.
pub fn validate(c: &RunCapture) -> Result<(), String> {
    if c.id.len() != 16 || !c.id.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(format!("a run id is 16 hex digits, not {:?}", c.id));
    }
    if c.content_id() != c.id {
        return Err(format!("the capture of run {} does not hash to its id (altered)", c.id));
    }
    if c.command.is_empty() || c.cwd.is_empty() {
        return Err("a capture names its command and its folder".into());
    }
    let size = serde_json::to_string(c).map_or(usize::MAX, |s| s.len());
    if size > super::MAX_CAPTURE {
        return Err(format!("a capture of {size} bytes is more than the {} accepted", super::MAX_CAPTURE));
    }
    for t in [&c.started_at, &c.ended_at] {
        if chrono::DateTime::parse_from_rfc3339(t).is_err() {
            return Err(format!("bad time {t:?} in the capture"));
        }
    }
    Ok(())
}

/// Records a checked capture; false when it was recorded already.
pub fn record(conn: &Connection, c: &RunCapture, actor: &str) -> Result<bool, CatalogError> {
    if runs::get(conn, &c.id)?.is_some() {
        return Ok(false);
    }
    let node = format!("run:{}", c.id);
    let payload = serde_json::to_value(c).expect("captures serialise");
    let seq = audit::append(conn, &audit::now(), actor, "run", &node, &payload)?;
    let text = audit::canonical(&payload);
    let row =
        runs::NewRun { id: &c.id, capture: &text, started_at: &c.started_at, ended_at: &c.ended_at, exit_code: c.exit_code };
    runs::insert(conn, &row, actor, seq)?;
    let label = c.command.iter().take(3).cloned().collect::<Vec<_>>().join(" ");
    graph::upsert_node(conn, &node, "run", &label, "{}")?;
    Ok(true)
}
