//! The PostgreSQL schema, versioned in `relcon.schema_version`. Append new
//! steps; never edit a released one. The same tables and columns as the
//! SQLite store (the shared SQL in ledger/sql reads both), plus what only
//! a shared server needs: a head row that serialises appends, and triggers
//! that make the events table append-only.

pub const MIGRATIONS: &[&str] = &[
    // 1: the whole ledger.
    r#"
    CREATE TABLE events (
        seq   BIGINT PRIMARY KEY,
        at    TEXT NOT NULL,
        actor TEXT NOT NULL,
        kind  TEXT NOT NULL,
        env   TEXT,
        body  TEXT NOT NULL,
        hash  TEXT NOT NULL
    );
    CREATE INDEX events_at ON events (at);
    -- One row: the newest seq and hash. Every append locks it (FOR UPDATE)
    -- first, so appends are serialised, gap-free and never fork.
    CREATE TABLE ledger_head (
        id   INTEGER PRIMARY KEY CHECK (id = 1),
        seq  BIGINT NOT NULL,
        hash TEXT NOT NULL
    );
    INSERT INTO ledger_head (id, seq, hash) VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');

    CREATE FUNCTION relcon_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        RAISE EXCEPTION 'relcon: the events table is append-only: % refused', TG_OP
            USING ERRCODE = 'insufficient_privilege';
    END $$;
    CREATE TRIGGER events_append_only BEFORE UPDATE OR DELETE ON events
        FOR EACH ROW EXECUTE FUNCTION relcon_append_only();
    CREATE TRIGGER events_no_truncate BEFORE TRUNCATE ON events
        FOR EACH STATEMENT EXECUTE FUNCTION relcon_append_only();
    CREATE FUNCTION relcon_head_forward() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF NEW.seq < OLD.seq THEN
            RAISE EXCEPTION 'relcon: the ledger head only moves forward (% → % refused)', OLD.seq, NEW.seq
                USING ERRCODE = 'insufficient_privilege';
        END IF;
        RETURN NEW;
    END $$;
    CREATE TRIGGER head_forward BEFORE UPDATE ON ledger_head
        FOR EACH ROW EXECUTE FUNCTION relcon_head_forward();
    CREATE TRIGGER head_no_delete BEFORE DELETE OR TRUNCATE ON ledger_head
        FOR EACH STATEMENT EXECUTE FUNCTION relcon_append_only();

    CREATE TABLE builds (
        version    TEXT PRIMARY KEY,
        commit_sha TEXT NOT NULL,
        artifact   TEXT,
        notes      TEXT,
        created_at TEXT NOT NULL,
        created_by TEXT NOT NULL,
        seq        BIGINT NOT NULL
    );
    CREATE INDEX builds_seq ON builds (seq);
    CREATE TABLE releases (
        env            TEXT NOT NULL,
        number         BIGINT NOT NULL,
        version        TEXT NOT NULL,
        commit_sha     TEXT NOT NULL,
        artifact       TEXT,
        status         TEXT NOT NULL,
        action         TEXT NOT NULL,
        actor          TEXT NOT NULL,
        started_at     TEXT NOT NULL,
        finished_at    TEXT,
        reason         TEXT,
        from_env       TEXT,
        target_release BIGINT,
        error          TEXT,
        output         TEXT,
        pid            BIGINT,
        host           TEXT,
        steps          TEXT NOT NULL DEFAULT '[]',
        seq            BIGINT NOT NULL,
        late_status    TEXT,
        PRIMARY KEY (env, number)
    );
    CREATE INDEX releases_status ON releases (env, status, number);
    CREATE INDEX releases_started ON releases (env, number) WHERE status = 'started';
    CREATE TABLE env_state (
        env         TEXT PRIMARY KEY,
        current     BIGINT,
        hold_actor  TEXT,
        hold_reason TEXT,
        hold_since  TEXT
    );
    CREATE TABLE approvals (
        env     TEXT NOT NULL,
        version TEXT NOT NULL,
        actor   TEXT NOT NULL,
        at      TEXT NOT NULL,
        note    TEXT,
        seq     BIGINT NOT NULL
    );
    CREATE INDEX approvals_key ON approvals (env, version);
    CREATE TABLE checklist_ticks (
        env       TEXT NOT NULL,
        checklist TEXT NOT NULL,
        version   TEXT NOT NULL,
        item      BIGINT NOT NULL,
        "by"      TEXT NOT NULL,
        at        TEXT NOT NULL,
        note      TEXT,
        role      TEXT,
        seq       BIGINT NOT NULL,
        PRIMARY KEY (env, checklist, version, item)
    );
    CREATE TABLE flag_state (
        flag        TEXT NOT NULL,
        env         TEXT NOT NULL,
        enabled     BIGINT NOT NULL,
        rollout     BIGINT NOT NULL,
        targets     TEXT NOT NULL,
        killed_from TEXT,
        changed_by  TEXT NOT NULL,
        changed_at  TEXT NOT NULL,
        reason      TEXT,
        seq         BIGINT NOT NULL,
        PRIMARY KEY (flag, env)
    );
    CREATE TABLE flag_changes (
        flag   TEXT NOT NULL,
        env    TEXT NOT NULL,
        seq    BIGINT NOT NULL,
        at     TEXT NOT NULL,
        actor  TEXT NOT NULL,
        change TEXT NOT NULL,
        before TEXT NOT NULL,
        after  TEXT NOT NULL,
        reason TEXT,
        PRIMARY KEY (flag, env, seq)
    );
    CREATE TABLE leases (
        env         TEXT PRIMARY KEY,
        token       BIGINT NOT NULL,
        holder      TEXT NOT NULL,
        host        TEXT,
        pid         BIGINT,
        number      BIGINT,
        reason      TEXT,
        acquired_ms BIGINT NOT NULL,
        ttl_ms      BIGINT NOT NULL
    );
    CREATE TABLE lease_beats (
        env     TEXT PRIMARY KEY,
        token   BIGINT NOT NULL,
        beat_ms BIGINT NOT NULL
    );
    CREATE TABLE presence (
        console TEXT PRIMARY KEY,
        actor   TEXT NOT NULL,
        host    TEXT NOT NULL,
        view    TEXT NOT NULL,
        env     TEXT,
        item    TEXT,
        seen_ms BIGINT NOT NULL
    );
    "#,
    // 2: incidents, with their timeline's milestones.
    r#"
    CREATE TABLE incidents (
        id           BIGINT PRIMARY KEY,
        env          TEXT NOT NULL,
        severity     TEXT NOT NULL,
        summary      TEXT,
        affected     BIGINT,
        opened_by    TEXT NOT NULL,
        opened_at    TEXT NOT NULL,
        mitigated_by TEXT,
        mitigated_at TEXT,
        mitigation   TEXT,
        resolved_by  TEXT,
        resolved_at  TEXT,
        resolution   TEXT,
        notes        BIGINT NOT NULL DEFAULT 0
    );
    CREATE INDEX incidents_open ON incidents (env, id) WHERE resolved_at IS NULL;
    "#,
    // 3: progressive rollouts (a projection) and their analysis samples
    // (written by the driver holding the environment's lease; not history).
    r#"
    CREATE TABLE rollouts (
        id         BIGINT PRIMARY KEY,
        env        TEXT NOT NULL,
        plan       TEXT NOT NULL,
        spec       TEXT NOT NULL,
        target     TEXT NOT NULL,
        phase      TEXT NOT NULL,
        step       BIGINT NOT NULL,
        weight     BIGINT NOT NULL,
        started_by TEXT NOT NULL,
        started_at TEXT NOT NULL,
        step_at    TEXT NOT NULL,
        soak_from  TEXT NOT NULL,
        paused_at  TEXT,
        ended_at   TEXT,
        reason     TEXT
    );
    CREATE INDEX rollouts_env ON rollouts (env, id);
    CREATE TABLE rollout_samples (
        rollout  BIGINT NOT NULL,
        step     BIGINT NOT NULL,
        n        BIGINT NOT NULL,
        at       TEXT NOT NULL,
        verdict  TEXT NOT NULL,
        measured TEXT NOT NULL,
        PRIMARY KEY (rollout, step, n)
    );
    "#,
    // 4: the notification outbox — operational state, not history: not
    // hashed, not a projection; `ledger rebuild` leaves it alone.
    r#"
    CREATE TABLE outbox (
        seq           BIGINT NOT NULL,
        sink          TEXT NOT NULL,
        state         TEXT NOT NULL,
        attempts      BIGINT NOT NULL DEFAULT 0,
        next_ms       BIGINT NOT NULL,
        claimed_until BIGINT NOT NULL DEFAULT 0,
        created_ms    BIGINT NOT NULL,
        done_ms       BIGINT,
        last_error    TEXT,
        last_error_ms BIGINT,
        PRIMARY KEY (seq, sink)
    );
    CREATE INDEX outbox_due ON outbox (state, next_ms);
    "#,
];

/// Indexes that speed up reads but change no table, kept out of the
/// versioned steps: `relcon ledger init` creates whichever are missing each
/// time it runs, and every relcon reads the same tables with or without
/// them — so adding one never makes a team's older relcons refuse the
/// schema ("newer than this relcon understands") or its newer ones ask for
/// `ledger init` before they open. The same as SQLite's steps 11 and 12.
pub const INDEXES: &[(&str, &str)] = &[
    // An env's notes from a seq on (a history page's reviews): the kind is
    // written out in that query, so the planner can use this partial index.
    (
        "events_notes",
        "CREATE INDEX IF NOT EXISTS events_notes ON events (env, seq) WHERE kind = 'note.added'",
    ),
    // DORA metrics: whether an env deployed a commit before, a commit's builds.
    (
        "releases_commit",
        "CREATE INDEX IF NOT EXISTS releases_commit ON releases (env, commit_sha)",
    ),
    (
        "builds_commit",
        "CREATE INDEX IF NOT EXISTS builds_commit ON builds (commit_sha)",
    ),
];

/// Tables a relcon user reads and writes (besides events and the head row).
pub const WRITABLE: &[&str] = &[
    "builds",
    "releases",
    "env_state",
    "approvals",
    "checklist_ticks",
    "flag_state",
    "flag_changes",
    "leases",
    "lease_beats",
    "presence",
    "incidents",
    "rollouts",
    "rollout_samples",
    "outbox",
];

/// Grants for a role that runs relcon: it may append events and move the
/// head, never rewrite or delete history.
pub fn grants(role: &str) -> String {
    let r = quote_ident(role);
    format!(
        "GRANT USAGE ON SCHEMA relcon TO {r};
         GRANT SELECT, INSERT ON relcon.events TO {r};
         REVOKE UPDATE, DELETE, TRUNCATE ON relcon.events FROM {r};
         GRANT SELECT, UPDATE ON relcon.ledger_head TO {r};
         GRANT SELECT ON relcon.schema_version TO {r};
         GRANT SELECT, INSERT, UPDATE, DELETE ON {} TO {r};",
        WRITABLE
            .iter()
            .map(|t| format!("relcon.{t}"))
            .collect::<Vec<_>>()
            .join(", ")
    )
}

/// A role name as a quoted SQL identifier.
pub fn quote_ident(s: &str) -> String {
    format!("\"{}\"", s.replace('"', "\"\""))
}
