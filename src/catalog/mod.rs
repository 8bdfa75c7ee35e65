//! The catalog: one SQLite file (`catalog.sqlite`), WAL mode, foreign keys on, a busy timeout,
//! migrations by `PRAGMA user_version`. This folder holds every SQL statement Pedigree runs
//! (a test greps the rest of `src/` for any), one module per table family: models and versions,
//! datasets, graph (nodes and edges), audit rows, checkpoints, stores and artifacts, approvals
//! and policies, deployments and environments, evaluations, erasure requests. Other rooms call
//! typed functions; the rules (who may approve, what traffic adds up to) stay with them.

use std::path::{Path, PathBuf};

use rusqlite::Connection;

pub mod aliases;
pub mod annotations;
pub mod approvals;
pub mod attachments;
pub mod audit_rows;
pub mod checkpoints;
pub mod datasets;
pub mod deployments;
pub mod drills;
pub mod erasures;
pub mod evaluations;
pub mod graph;
pub mod ledger;
pub mod models;
pub mod monitoring;
pub mod remotes;
pub mod reports;
pub mod roster;
pub mod runs;
mod schema;
pub mod state;
pub mod stores;
pub mod timeline;

pub use rusqlite::Connection as Conn;

/// File name of the catalog inside a workspace.
pub const FILE: &str = "catalog.sqlite";

/// A failed catalog operation.
#[derive(Debug, thiserror::Error)]
pub enum CatalogError {
    #[error("catalog {path}: {source}")]
    Open { path: PathBuf, source: rusqlite::Error },
    #[error("catalog {path} was written by a newer Pedigree (schema {found}, this build knows {known}); upgrade Pedigree")]
    TooNew { path: PathBuf, found: i64, known: i64 },
    #[error("catalog query failed: {0}")]
    Sql(#[from] rusqlite::Error),
    #[error("catalog holds malformed JSON in {what}: {source}")]
    Json { what: &'static str, source: serde_json::Error },
    #[error(
        "cannot sign the audit event with your key: {0} (pedigree identity show; XDG_CONFIG_HOME says where the key is kept)"
    )]
    Signer(String),
    #[error("the pulled event does not replay here: {0}")]
    Replay(String),
}

/// Starts a savepoint inside the caller's transaction: what follows can be undone alone
/// ([`rollback_to_savepoint`]) without losing the rest of the transaction.
pub fn savepoint(conn: &Connection) -> Result<(), CatalogError> {
    conn.execute_batch("SAVEPOINT step")?;
    Ok(())
}

/// Keeps what was done since [`savepoint`].
pub fn release_savepoint(conn: &Connection) -> Result<(), CatalogError> {
    conn.execute_batch("RELEASE step")?;
    Ok(())
}

/// Undoes what was done since [`savepoint`], and ends it.
pub fn rollback_to_savepoint(conn: &Connection) -> Result<(), CatalogError> {
    conn.execute_batch("ROLLBACK TO step; RELEASE step")?;
    Ok(())
}

/// What runs after each committed write (the workspace signs the audit log's new head).
pub type OnCommit = Box<dyn Fn(&Connection) + Send + Sync>;

/// An open catalog (one connection; writers use a transaction from [`Catalog::write`]).
pub struct Catalog {
    conn: Connection,
    path: PathBuf,
    on_commit: Option<OnCommit>,
}

impl Catalog {
    /// Opens (creating if needed) the catalog and brings its schema up to date.
    pub fn open(path: &Path) -> Result<Catalog, CatalogError> {
        let open_err = |source| CatalogError::Open { path: path.to_path_buf(), source };
        let mut conn = Connection::open(path).map_err(open_err)?;
        conn.busy_timeout(std::time::Duration::from_secs(10)).map_err(open_err)?;
        conn.pragma_update(None, "journal_mode", "WAL").map_err(open_err)?;
        conn.pragma_update(None, "foreign_keys", "ON").map_err(open_err)?;
        conn.pragma_update(None, "synchronous", "FULL").map_err(open_err)?;
        migrate(&mut conn, path)?;
        Ok(Catalog { conn, path: path.to_path_buf(), on_commit: None })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Read access.
    pub fn conn(&self) -> &Connection {
        &self.conn
    }

    /// Runs `f` in one IMMEDIATE transaction (the write lock is taken up front, so two writers
    /// serialise instead of failing mid-way); commits if `f` returns Ok, rolls back otherwise.
    pub fn write<T, E: From<CatalogError>>(&mut self, f: impl FnOnce(&Connection) -> Result<T, E>) -> Result<T, E> {
        let tx = self.conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate).map_err(CatalogError::from)?;
        let out = f(&tx)?;
        tx.commit().map_err(CatalogError::from)?;
        if let Some(after) = &self.on_commit {
            after(&self.conn);
        }
        Ok(out)
    }

    /// Sets what runs after each committed write.
    pub fn set_on_commit(&mut self, f: OnCommit) {
        self.on_commit = Some(f);
    }

    /// `PRAGMA integrity_check` result ("ok" when healthy).
    pub fn integrity_check(&self) -> Result<String, CatalogError> {
        Ok(self.conn.query_row("PRAGMA integrity_check", [], |r| r.get(0))?)
    }
}

fn migrate(conn: &mut Connection, path: &Path) -> Result<(), CatalogError> {
    let current: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    let known = schema::MIGRATIONS.len() as i64;
    if current > known {
        return Err(CatalogError::TooNew { path: path.to_path_buf(), found: current, known });
    }
    for (i, sql) in schema::MIGRATIONS.iter().enumerate().skip(current as usize) {
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", (i + 1) as i64)?;
        tx.commit()?;
    }
    Ok(())
}

/// Parses a JSON column.
pub(crate) fn json<T: serde::de::DeserializeOwned>(what: &'static str, text: &str) -> Result<T, CatalogError> {
    serde_json::from_str(text).map_err(|source| CatalogError::Json { what, source })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn open_sets_wal_and_schema_version_and_is_idempotent() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(FILE);
        let cat = Catalog::open(&path).unwrap();
        let mode: String = cat.conn().query_row("PRAGMA journal_mode", [], |r| r.get(0)).unwrap();
        assert_eq!(mode, "wal");
        let fk: i64 = cat.conn().query_row("PRAGMA foreign_keys", [], |r| r.get(0)).unwrap();
        assert_eq!(fk, 1);
        drop(cat);
        let cat = Catalog::open(&path).unwrap();
        let v: i64 = cat.conn().query_row("PRAGMA user_version", [], |r| r.get(0)).unwrap();
        assert_eq!(v, schema::MIGRATIONS.len() as i64);
        assert_eq!(cat.integrity_check().unwrap(), "ok");
    }

    /// The room rule: SQL lives here and nowhere else in `src/`.
    #[test]
    fn no_sql_outside_the_catalog() {
        let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
        let calls = ["execute(", "execute_batch(", "prepare(", "prepare_cached(", "query_row(", "query_map("];
        let mut offenders = Vec::new();
        let mut stack = vec![src.clone()];
        while let Some(dir) = stack.pop() {
            for e in std::fs::read_dir(&dir).unwrap().flatten() {
                let p = e.path();
                if p.is_dir() {
                    if p != src.join("catalog") {
                        stack.push(p);
                    }
                } else if p.extension().is_some_and(|x| x == "rs") {
                    let text = std::fs::read_to_string(&p).unwrap();
                    for (n, line) in text.lines().enumerate() {
                        if calls.iter().any(|c| line.contains(&format!(".{c}"))) {
                            offenders.push(format!("{}:{}: {}", p.display(), n + 1, line.trim()));
                        }
                    }
                }
            }
        }
        assert!(offenders.is_empty(), "SQL outside src/catalog:\n{}", offenders.join("\n"));
    }

    #[test]
    fn a_newer_schema_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(FILE);
        Catalog::open(&path).unwrap().conn().pragma_update(None, "user_version", 99).unwrap();
        assert!(matches!(Catalog::open(&path), Err(CatalogError::TooNew { found: 99, .. })));
    }
}
