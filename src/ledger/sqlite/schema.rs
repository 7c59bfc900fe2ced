//! Schema migrations, tracked in `PRAGMA user_version`. Append new steps;
//! never edit a released one.

pub const MIGRATIONS: &[&str] = &[
    // 1: events and the first projections.
    r#"
    CREATE TABLE events (
        seq   INTEGER PRIMARY KEY,
        at    TEXT NOT NULL,
        actor TEXT NOT NULL,
        kind  TEXT NOT NULL,
        env   TEXT,
        body  TEXT NOT NULL,
        hash  TEXT NOT NULL
    );
    CREATE INDEX events_at ON events(at);
    CREATE TABLE builds (
        version    TEXT PRIMARY KEY,
        commit_sha TEXT NOT NULL,
        artifact   TEXT,
        notes      TEXT,
        created_at TEXT NOT NULL,
        created_by TEXT NOT NULL,
        seq        INTEGER NOT NULL
    );
    CREATE TABLE releases (
        env            TEXT NOT NULL,
        number         INTEGER NOT NULL,
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
        target_release INTEGER,
        error          TEXT,
        output         TEXT,
        pid            INTEGER,
        host           TEXT,
        steps          TEXT NOT NULL DEFAULT '[]',
        seq            INTEGER NOT NULL,
        UNIQUE (env, number)
    );
    CREATE INDEX releases_status ON releases(env, status, number);
    CREATE TABLE env_state (
        env         TEXT PRIMARY KEY,
        current     INTEGER,
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
        seq     INTEGER NOT NULL
    );
    CREATE INDEX approvals_key ON approvals(env, version);
    "#,
    // 2: checklist runs — the items currently ticked per (env, checklist, build).
    r#"
    CREATE TABLE checklist_ticks (
        env       TEXT NOT NULL,
        checklist TEXT NOT NULL,
        version   TEXT NOT NULL,
        item      INTEGER NOT NULL,
        by        TEXT NOT NULL,
        at        TEXT NOT NULL,
        note      TEXT,
        role      TEXT,
        seq       INTEGER NOT NULL,
        PRIMARY KEY (env, checklist, version, item)
    );
    "#,
    // 3: feature flag state per (flag, env), once the ledger has a change.
    r#"
    CREATE TABLE flag_state (
        flag        TEXT NOT NULL,
        env         TEXT NOT NULL,
        enabled     INTEGER NOT NULL,
        rollout     INTEGER NOT NULL,
        targets     TEXT NOT NULL,
        killed_from TEXT,
        changed_by  TEXT NOT NULL,
        changed_at  TEXT NOT NULL,
        reason      TEXT,
        seq         INTEGER NOT NULL,
        PRIMARY KEY (flag, env)
    );
    "#,
    // 4: newest builds without a scan (the pending build of a first stage).
    r#"
    CREATE INDEX builds_seq ON builds(seq);
    "#,
    // 5: deployments in flight, found at start-up without scanning every
    // release (a full scan took ~0.5 s on a 1 000 000-event ledger).
    r#"
    CREATE INDEX releases_started ON releases(env, number) WHERE status = 'started';
    "#,
    // 6: every flag change per (flag, env), for the Flags view's history.
    r#"
    CREATE TABLE flag_changes (
        flag   TEXT NOT NULL,
        env    TEXT NOT NULL,
        seq    INTEGER NOT NULL,
        at     TEXT NOT NULL,
        actor  TEXT NOT NULL,
        change TEXT NOT NULL,
        before TEXT NOT NULL,
        after  TEXT NOT NULL,
        reason TEXT,
        PRIMARY KEY (flag, env, seq)
    );
    INSERT INTO flag_changes (flag, env, seq, at, actor, change, before, after, reason)
        SELECT json_extract(body, '$.flag'), env, seq, at, actor, json_extract(body, '$.change'),
               json(json_extract(body, '$.before')), json(json_extract(body, '$.after')), json_extract(body, '$.reason')
        FROM events WHERE kind = 'flag.changed';
    "#,
    // 7: team mode on one machine too — environment leases (a projection),
    // their heartbeats and console presence (not history), and results that
    // arrived after their deployment lost its lease.
    r#"
    ALTER TABLE releases ADD COLUMN late_status TEXT;
    CREATE TABLE leases (
        env         TEXT PRIMARY KEY,
        token       INTEGER NOT NULL,
        holder      TEXT NOT NULL,
        host        TEXT,
        pid         INTEGER,
        number      INTEGER,
        reason      TEXT,
        acquired_ms INTEGER NOT NULL,
        ttl_ms      INTEGER NOT NULL
    );
    CREATE TABLE lease_beats (
        env     TEXT PRIMARY KEY,
        token   INTEGER NOT NULL,
        beat_ms INTEGER NOT NULL
    );
    CREATE TABLE presence (
        console TEXT PRIMARY KEY,
        actor   TEXT NOT NULL,
        host    TEXT NOT NULL,
        view    TEXT NOT NULL,
        env     TEXT,
        item    TEXT,
        seen_ms INTEGER NOT NULL
    );
    "#,
    // 8: incidents, with their timeline's milestones.
    r#"
    CREATE TABLE incidents (
        id           INTEGER PRIMARY KEY,
        env          TEXT NOT NULL,
        severity     TEXT NOT NULL,
        summary      TEXT,
        affected     INTEGER,
        opened_by    TEXT NOT NULL,
        opened_at    TEXT NOT NULL,
        mitigated_by TEXT,
        mitigated_at TEXT,
        mitigation   TEXT,
        resolved_by  TEXT,
        resolved_at  TEXT,
        resolution   TEXT,
        notes        INTEGER NOT NULL DEFAULT 0
    );
    CREATE INDEX incidents_open ON incidents(env, id) WHERE resolved_at IS NULL;
    "#,
    // 9: progressive rollouts (a projection) and their analysis samples
    // (written by the driver holding the environment's lease; not history).
    r#"
    CREATE TABLE rollouts (
        id         INTEGER PRIMARY KEY,
        env        TEXT NOT NULL,
        plan       TEXT NOT NULL,
        spec       TEXT NOT NULL,
        target     TEXT NOT NULL,
        phase      TEXT NOT NULL,
        step       INTEGER NOT NULL,
        weight     INTEGER NOT NULL,
        started_by TEXT NOT NULL,
        started_at TEXT NOT NULL,
        step_at    TEXT NOT NULL,
        soak_from  TEXT NOT NULL,
        paused_at  TEXT,
        ended_at   TEXT,
        reason     TEXT
    );
    CREATE INDEX rollouts_env ON rollouts(env, id);
    CREATE TABLE rollout_samples (
        rollout  INTEGER NOT NULL,
        step     INTEGER NOT NULL,
        n        INTEGER NOT NULL,
        at       TEXT NOT NULL,
        verdict  TEXT NOT NULL,
        measured TEXT NOT NULL,
        PRIMARY KEY (rollout, step, n)
    );
    "#,
    // 10: the notification outbox — operational state, not history: not
    // hashed, not a projection; `ledger rebuild` leaves it alone.
    r#"
    CREATE TABLE outbox (
        seq           INTEGER NOT NULL,
        sink          TEXT NOT NULL,
        state         TEXT NOT NULL,
        attempts      INTEGER NOT NULL DEFAULT 0,
        next_ms       INTEGER NOT NULL,
        claimed_until INTEGER NOT NULL DEFAULT 0,
        created_ms    INTEGER NOT NULL,
        done_ms       INTEGER,
        last_error    TEXT,
        last_error_ms INTEGER,
        PRIMARY KEY (seq, sink)
    );
    CREATE INDEX outbox_due ON outbox (state, next_ms);
    "#,
    // 11: the notes of one env from a seq on (a history page's reviews),
    // without reading every later event: only notes are indexed. On
    // PostgreSQL it is one of `postgres::schema::INDEXES` (not a versioned
    // step there, so no team must run `ledger init` before it opens again).
    r#"
    CREATE INDEX events_notes ON events(env, seq) WHERE kind = 'note.added';
    "#,
    // 12: DORA metrics look up what older history decides (`sql::dora`):
    // whether an env deployed a commit before, and a commit's builds.
    // On PostgreSQL: `postgres::schema::INDEXES`, as step 11.
    r#"
    CREATE INDEX releases_commit ON releases(env, commit_sha);
    CREATE INDEX builds_commit ON builds(commit_sha);
    "#,
];
