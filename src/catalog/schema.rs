//! Schema migrations, applied in order; `PRAGMA user_version` records how many ran.

/// Each entry is one migration; never edit a released one, append a new one.
pub const MIGRATIONS: &[&str] = &[
    // 1: models, versions, manifests, datasets, lineage edges, node attributes, audit log.
    r#"
    CREATE TABLE models (
        id            INTEGER PRIMARY KEY,
        name          TEXT NOT NULL UNIQUE,
        description   TEXT NOT NULL DEFAULT '',
        owner         TEXT,
        risk_tier     TEXT,
        intended_use  TEXT,
        created_by    TEXT NOT NULL,
        created_at    TEXT NOT NULL,
        audit_seq     INTEGER NOT NULL
    );
    CREATE TABLE versions (
        id             INTEGER PRIMARY KEY,
        model_id       INTEGER NOT NULL REFERENCES models(id),
        version        TEXT NOT NULL,
        sort_key       TEXT NOT NULL,
        root_digest    TEXT NOT NULL,
        manifest_digest TEXT NOT NULL,
        weights_digest TEXT NOT NULL,
        format         TEXT NOT NULL,
        interface      TEXT NOT NULL,
        sniffed        TEXT NOT NULL,
        params         TEXT NOT NULL,
        metrics        TEXT NOT NULL,
        environment    TEXT,
        status         TEXT NOT NULL DEFAULT 'draft',
        bump           TEXT NOT NULL,
        bump_reason    TEXT NOT NULL,
        message        TEXT NOT NULL DEFAULT '',
        file_count     INTEGER NOT NULL,
        total_size     INTEGER NOT NULL,
        created_by     TEXT NOT NULL,
        created_at     TEXT NOT NULL,
        audit_seq      INTEGER NOT NULL,
        UNIQUE (model_id, version)
    );
    CREATE INDEX versions_by_order ON versions (model_id, sort_key DESC);
    CREATE INDEX versions_by_created ON versions (created_at DESC);
    CREATE INDEX versions_by_root ON versions (root_digest);
    CREATE TABLE version_files (
        version_id INTEGER NOT NULL REFERENCES versions(id),
        path       TEXT NOT NULL,
        size       INTEGER NOT NULL,
        sha256     TEXT NOT NULL,
        format     TEXT NOT NULL,
        PRIMARY KEY (version_id, path)
    ) WITHOUT ROWID;
    CREATE INDEX version_files_by_digest ON version_files (sha256);
    CREATE TABLE datasets (
        id           INTEGER PRIMARY KEY,
        name         TEXT NOT NULL UNIQUE,
        description  TEXT NOT NULL DEFAULT '',
        pii          INTEGER NOT NULL DEFAULT 0,
        lawful_basis TEXT,
        created_by   TEXT NOT NULL,
        created_at   TEXT NOT NULL
    );
    CREATE TABLE dataset_versions (
        id          INTEGER PRIMARY KEY,
        dataset_id  INTEGER NOT NULL REFERENCES datasets(id),
        version     TEXT NOT NULL,
        root_digest TEXT NOT NULL,
        source_uri  TEXT NOT NULL,
        file_count  INTEGER NOT NULL,
        total_size  INTEGER NOT NULL,
        created_by  TEXT NOT NULL,
        created_at  TEXT NOT NULL,
        audit_seq   INTEGER NOT NULL,
        UNIQUE (dataset_id, version)
    );
    CREATE INDEX dataset_versions_by_root ON dataset_versions (root_digest);
    CREATE TABLE dataset_files (
        dataset_version_id INTEGER NOT NULL REFERENCES dataset_versions(id),
        path   TEXT NOT NULL,
        size   INTEGER NOT NULL,
        sha256 TEXT NOT NULL,
        PRIMARY KEY (dataset_version_id, path)
    ) WITHOUT ROWID;
    CREATE TABLE nodes (
        id    TEXT PRIMARY KEY,
        kind  TEXT NOT NULL,
        label TEXT NOT NULL,
        attrs TEXT NOT NULL DEFAULT '{}'
    ) WITHOUT ROWID;
    CREATE TABLE edges (
        src       TEXT NOT NULL,
        dst       TEXT NOT NULL,
        kind      TEXT NOT NULL,
        relation  TEXT,
        audit_seq INTEGER NOT NULL,
        PRIMARY KEY (src, dst, kind)
    ) WITHOUT ROWID;
    CREATE INDEX edges_by_dst ON edges (dst);
    CREATE TABLE audit_events (
        seq       INTEGER PRIMARY KEY,
        ts        TEXT NOT NULL,
        actor     TEXT NOT NULL,
        action    TEXT NOT NULL,
        subject   TEXT NOT NULL,
        payload   TEXT NOT NULL,
        prev_hash TEXT NOT NULL,
        hash      TEXT NOT NULL
    );
    CREATE INDEX audit_by_subject ON audit_events (subject);
    "#,
    // 2: artifact stores, their stat cache (one row per file or object seen) and the
    //    discovered artifacts (files and folders that can be registered).
    r#"
    CREATE TABLE stores (
        id              INTEGER PRIMARY KEY,
        name            TEXT NOT NULL UNIQUE,
        uri             TEXT NOT NULL,
        kind            TEXT NOT NULL,
        options         TEXT NOT NULL DEFAULT '{}',
        sealed_secret   BLOB,
        created_by      TEXT NOT NULL,
        created_at      TEXT NOT NULL,
        audit_seq       INTEGER NOT NULL,
        last_indexed_at TEXT,
        last_report     TEXT
    );
    CREATE TABLE store_files (
        store_id      INTEGER NOT NULL REFERENCES stores(id) ON DELETE CASCADE,
        path          TEXT NOT NULL,
        size          INTEGER NOT NULL,
        mtime_ns      INTEGER,
        inode         INTEGER,
        sha256        TEXT,
        etag          TEXT,
        version_id    TEXT,
        last_modified TEXT,
        format        TEXT NOT NULL,
        sniffed       TEXT,
        error         TEXT,
        PRIMARY KEY (store_id, path)
    ) WITHOUT ROWID;
    CREATE INDEX store_files_by_sha ON store_files (sha256);
    CREATE TABLE artifacts (
        id            INTEGER PRIMARY KEY,
        store_id      INTEGER NOT NULL REFERENCES stores(id) ON DELETE CASCADE,
        path          TEXT NOT NULL,
        kind          TEXT NOT NULL,
        format        TEXT NOT NULL,
        size          INTEGER NOT NULL,
        file_count    INTEGER NOT NULL,
        digest        TEXT,
        etag          TEXT,
        sniffed       TEXT NOT NULL,
        hints         TEXT NOT NULL DEFAULT '[]',
        note          TEXT,
        indexed_at    TEXT NOT NULL,
        registered_as TEXT,
        UNIQUE (store_id, path)
    );
    CREATE INDEX artifacts_by_digest ON artifacts (digest);
    "#,
];
