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
    // 3: governance: approval policies, approvals, evaluations, environments, deployments,
    //    erasure requests and their impact, signed checkpoints of the audit log.
    r#"
    CREATE TABLE policies (
        model_id       INTEGER PRIMARY KEY REFERENCES models(id),
        required_roles TEXT NOT NULL,
        audit_seq      INTEGER NOT NULL
    );
    CREATE TABLE approvals (
        id            INTEGER PRIMARY KEY,
        version_id    INTEGER NOT NULL REFERENCES versions(id),
        actor         TEXT NOT NULL,
        role          TEXT NOT NULL,
        decision      TEXT NOT NULL,
        justification TEXT NOT NULL,
        created_at    TEXT NOT NULL,
        audit_seq     INTEGER NOT NULL
    );
    CREATE INDEX approvals_by_version ON approvals (version_id, id);
    CREATE TABLE evaluations (
        id           INTEGER PRIMARY KEY,
        version_id   INTEGER NOT NULL REFERENCES versions(id),
        dataset      TEXT NOT NULL,
        metric       TEXT NOT NULL,
        slice        TEXT NOT NULL DEFAULT '',
        value        REAL NOT NULL,
        threshold_op TEXT,
        threshold    REAL,
        created_by   TEXT NOT NULL,
        created_at   TEXT NOT NULL,
        audit_seq    INTEGER NOT NULL
    );
    CREATE INDEX evaluations_by_version ON evaluations (version_id, metric, slice);
    CREATE TABLE environments (
        name       TEXT PRIMARY KEY,
        production INTEGER NOT NULL,
        audit_seq  INTEGER NOT NULL
    ) WITHOUT ROWID;
    CREATE TABLE deployments (
        id          INTEGER PRIMARY KEY,
        env         TEXT NOT NULL REFERENCES environments(name),
        version_id  INTEGER NOT NULL REFERENCES versions(id),
        strategy    TEXT NOT NULL,
        role        TEXT NOT NULL,
        traffic     INTEGER NOT NULL,
        started_at  TEXT NOT NULL,
        ended_at    TEXT,
        reason      TEXT NOT NULL,
        rollback_of INTEGER,
        created_by  TEXT NOT NULL,
        audit_seq   INTEGER NOT NULL
    );
    CREATE INDEX deployments_by_env ON deployments (env, started_at);
    CREATE INDEX deployments_by_version ON deployments (version_id);
    CREATE TABLE erasure_requests (
        id           INTEGER PRIMARY KEY,
        dataset      TEXT NOT NULL,
        subject_hash TEXT NOT NULL,
        reason       TEXT NOT NULL,
        status       TEXT NOT NULL,
        created_by   TEXT NOT NULL,
        created_at   TEXT NOT NULL,
        audit_seq    INTEGER NOT NULL
    );
    CREATE TABLE erasure_impacts (
        request_id     INTEGER NOT NULL REFERENCES erasure_requests(id),
        node           TEXT NOT NULL,
        kind           TEXT NOT NULL,
        resolution     TEXT,
        resolution_ref TEXT,
        resolved_by    TEXT,
        resolved_at    TEXT,
        resolution_seq INTEGER,
        PRIMARY KEY (request_id, node)
    ) WITHOUT ROWID;
    CREATE INDEX erasure_impacts_by_node ON erasure_impacts (node);
    CREATE TABLE checkpoints (
        tree_size  INTEGER PRIMARY KEY,
        root_hash  TEXT NOT NULL,
        note       TEXT NOT NULL,
        created_at TEXT NOT NULL
    );
    "#,
    // 4: per-tensor digests of safetensors files, recorded at registration (version diff).
    r#"
    CREATE TABLE tensor_digests (
        version_id INTEGER NOT NULL REFERENCES versions(id),
        path       TEXT NOT NULL,
        tensor     TEXT NOT NULL,
        sha256     TEXT NOT NULL,
        PRIMARY KEY (version_id, path, tensor)
    ) WITHOUT ROWID;
    "#,
    // 5: how a version's files were put in the store (`register --link`): copy, reflink, hardlink.
    r#"
    ALTER TABLE versions ADD COLUMN storage TEXT NOT NULL DEFAULT 'copy';
    "#,
    // 6: aliases (a model's named pointers to versions) and every move of one, for "--at TIME".
    r#"
    CREATE TABLE aliases (
        model_id   INTEGER NOT NULL REFERENCES models(id),
        alias      TEXT NOT NULL,
        version_id INTEGER NOT NULL REFERENCES versions(id),
        set_by     TEXT NOT NULL,
        set_at     TEXT NOT NULL,
        audit_seq  INTEGER NOT NULL,
        PRIMARY KEY (model_id, alias)
    ) WITHOUT ROWID;
    CREATE TABLE alias_moves (
        model_id   INTEGER NOT NULL REFERENCES models(id),
        alias      TEXT NOT NULL,
        version_id INTEGER REFERENCES versions(id),
        at         TEXT NOT NULL,
        actor      TEXT NOT NULL,
        audit_seq  INTEGER NOT NULL,
        PRIMARY KEY (model_id, alias, audit_seq)
    ) WITHOUT ROWID;
    "#,
    // 7: remotes (team registries synced with) and bindings of local objects to remote ones,
    // with the base state of the last sync.
    r#"
    CREATE TABLE remotes (
        name          TEXT PRIMARY KEY,
        kind          TEXT NOT NULL,
        url           TEXT NOT NULL,
        sealed_secret BLOB,
        created_by    TEXT NOT NULL,
        created_at    TEXT NOT NULL,
        audit_seq     INTEGER NOT NULL,
        last_sync_at  TEXT,
        last_report   TEXT
    );
    CREATE TABLE bindings (
        remote     TEXT NOT NULL REFERENCES remotes(name),
        kind       TEXT NOT NULL,
        remote_key TEXT NOT NULL,
        local      TEXT,
        digest     TEXT,
        base       TEXT NOT NULL,
        state      TEXT NOT NULL,
        PRIMARY KEY (remote, kind, remote_key)
    ) WITHOUT ROWID;
    CREATE INDEX bindings_by_local ON bindings (local);
    "#,
    // 8: sync conflicts: a field changed on both sides since the last sync, kept until resolved.
    r#"
    CREATE TABLE conflicts (
        id           INTEGER PRIMARY KEY,
        remote       TEXT NOT NULL,
        subject      TEXT NOT NULL,
        field        TEXT NOT NULL,
        base         TEXT,
        local        TEXT,
        remote_value TEXT,
        created_at   TEXT NOT NULL,
        audit_seq    INTEGER NOT NULL,
        resolved_at  TEXT,
        resolution   TEXT,
        resolved_by  TEXT,
        resolved_seq INTEGER
    );
    CREATE INDEX conflicts_open ON conflicts (remote, subject, field) WHERE resolved_at IS NULL;
    "#,
    // 9: a remote can be synced on a schedule by `pedigree serve` and the desktop app (seconds;
    // NULL: only when asked).
    r#"
    ALTER TABLE remotes ADD COLUMN sync_every INTEGER;
    "#,
    // 10: editable metadata of a model or a version (its node id): a description, tags
    // (`tag:KEY`) and MLflow's legacy stage, kept in step with remotes. A version without a
    // description here shows its registration message.
    r#"
    CREATE TABLE annotations (
        subject   TEXT NOT NULL,
        field     TEXT NOT NULL,
        value     TEXT NOT NULL,
        set_by    TEXT NOT NULL,
        set_at    TEXT NOT NULL,
        audit_seq INTEGER NOT NULL,
        PRIMARY KEY (subject, field)
    ) WITHOUT ROWID;
    "#,
    // 11: identities. Each audit event signed by the person who wrote it (their Ed25519 key,
    // as an `ssh-ed25519 AAAA…` line; the signature covers the event's hash; events written
    // before have none; no foreign key: a signature left without its event is evidence `audit
    // verify` reports, a cut tail). And the team roster: members by key and the roles they held
    // between two audit events (`to_seq` NULL while current).
    r#"
    CREATE TABLE event_signatures (
        seq       INTEGER PRIMARY KEY,
        signer    TEXT NOT NULL,
        signature TEXT NOT NULL
    );
    CREATE TABLE roster (
        public_key  TEXT NOT NULL,
        fingerprint TEXT NOT NULL,
        name        TEXT NOT NULL,
        roles       TEXT NOT NULL,
        from_seq    INTEGER NOT NULL,
        to_seq      INTEGER,
        PRIMARY KEY (public_key, from_seq)
    ) WITHOUT ROWID;
    "#,
    // 12: the team ledger. The audit log holds every member's events: this workspace's own
    // chain (`author` NULL) and, pulled from a ledger remote, other members' events as they
    // signed them (`author` their key line, `origin_seq` the seq in their chain; the local seq
    // only orders them here); `segment` is the ledger segment that carried an event (own
    // events once pushed), the team's order. Each ledger segment taken in is recorded: number, author, digest,
    // its last event's hash (a cut tail shows as a missing one), whether it failed its checks
    // (its author's later segments wait); so are the events refused from it and why, per
    // ledger the owner key trusted and the last own event pushed, and the versions kept under
    // another number after a conflict (for their author's events written before they knew),
    // and, while this workspace's own alias moves wait to be pushed, the value the team's order
    // gives each such alias before them.
    r#"
    ALTER TABLE audit_events ADD COLUMN author TEXT;
    ALTER TABLE audit_events ADD COLUMN origin_seq INTEGER;
    ALTER TABLE audit_events ADD COLUMN segment INTEGER;
    CREATE UNIQUE INDEX audit_by_origin ON audit_events (author, origin_seq) WHERE author IS NOT NULL;
    CREATE INDEX audit_by_hash ON audit_events (hash);
    CREATE TABLE ledger_segments (
        remote     TEXT NOT NULL,
        number     INTEGER NOT NULL,
        author     TEXT NOT NULL,
        digest     TEXT NOT NULL,
        last_hash  TEXT NOT NULL,
        broken     INTEGER NOT NULL DEFAULT 0,
        applied_at TEXT NOT NULL,
        PRIMARY KEY (remote, number)
    ) WITHOUT ROWID;
    CREATE TABLE ledger_refusals (
        remote  TEXT NOT NULL,
        number  INTEGER NOT NULL,
        hash    TEXT NOT NULL,
        subject TEXT NOT NULL,
        reason  TEXT NOT NULL,
        PRIMARY KEY (remote, number, hash)
    ) WITHOUT ROWID;
    CREATE TABLE ledger_renames (
        author    TEXT NOT NULL,
        seen      INTEGER NOT NULL,
        from_node TEXT NOT NULL,
        to_node   TEXT NOT NULL,
        PRIMARY KEY (author, seen, from_node)
    ) WITHOUT ROWID;
    CREATE TABLE ledger_alias_team (
        subject TEXT PRIMARY KEY,
        own_seq INTEGER NOT NULL,
        value   TEXT,
        set_by  TEXT,
        set_at  TEXT,
        seq     INTEGER
    ) WITHOUT ROWID;
    CREATE TABLE ledger_remotes (
        remote      TEXT PRIMARY KEY,
        owner_key   TEXT NOT NULL,
        pushed_seq  INTEGER NOT NULL DEFAULT 0
    ) WITHOUT ROWID;
    "#,
    // 13: production history. Captured training runs (`pedigree run`: the capture as JSON, the
    // run's `run:ID` node links what it produced); attachments of a version (evidence files by
    // digest, immutable); what carried a deployment (an image or manifest digest) and where it
    // was recorded from; monitoring snapshots per environment and metric, the rules over them
    // and the rollback proposals they raise; recovery drills and their checks. Composite
    // systems need no table: a system version's file pins its components, and `component`
    // edges link them.
    r#"
    CREATE TABLE runs (
        id         TEXT PRIMARY KEY,
        capture    TEXT NOT NULL,
        started_at TEXT NOT NULL,
        ended_at   TEXT NOT NULL,
        exit_code  INTEGER NOT NULL,
        created_by TEXT NOT NULL,
        audit_seq  INTEGER NOT NULL
    ) WITHOUT ROWID;
    CREATE TABLE attachments (
        version_id INTEGER NOT NULL REFERENCES versions(id),
        sha256     TEXT NOT NULL,
        kind       TEXT NOT NULL,
        name       TEXT NOT NULL,
        size       INTEGER NOT NULL,
        created_by TEXT NOT NULL,
        created_at TEXT NOT NULL,
        audit_seq  INTEGER NOT NULL,
        PRIMARY KEY (version_id, sha256)
    ) WITHOUT ROWID;
    ALTER TABLE deployments ADD COLUMN carrier TEXT;
    ALTER TABLE deployments ADD COLUMN recorded_from TEXT;
    CREATE TABLE monitor_snapshots (
        env       TEXT NOT NULL,
        metric    TEXT NOT NULL,
        at        TEXT NOT NULL,
        value     REAL NOT NULL,
        audit_seq INTEGER NOT NULL,
        PRIMARY KEY (env, metric, at)
    ) WITHOUT ROWID;
    CREATE TABLE monitor_rules (
        id          INTEGER PRIMARY KEY,
        env         TEXT NOT NULL,
        expr        TEXT NOT NULL,
        metric      TEXT NOT NULL,
        op          TEXT NOT NULL,
        threshold   REAL NOT NULL,
        consecutive INTEGER NOT NULL,
        auto        INTEGER NOT NULL,
        created_by  TEXT NOT NULL,
        created_at  TEXT NOT NULL,
        audit_seq   INTEGER NOT NULL,
        removed_seq INTEGER
    );
    CREATE TABLE rollback_proposals (
        id            INTEGER PRIMARY KEY,
        env           TEXT NOT NULL,
        rule          TEXT NOT NULL,
        from_version  INTEGER NOT NULL REFERENCES versions(id),
        to_version    INTEGER REFERENCES versions(id),
        evidence      TEXT NOT NULL,
        status        TEXT NOT NULL,
        created_at    TEXT NOT NULL,
        audit_seq     INTEGER NOT NULL,
        resolution    TEXT,
        resolved_seq  INTEGER
    );
    CREATE TABLE drills (
        id         INTEGER PRIMARY KEY,
        env        TEXT NOT NULL,
        at         TEXT NOT NULL,
        ok         INTEGER NOT NULL,
        restore    TEXT,
        checks     TEXT NOT NULL,
        created_by TEXT NOT NULL,
        audit_seq  INTEGER NOT NULL
    );
    CREATE INDEX drills_by_env ON drills (env, at DESC);
    "#,
];
