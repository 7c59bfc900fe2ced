//! The ledger (DESIGN §5, §9): hash-chain tamper detection, rebuild equals
//! the live projections, crash safety under SIGKILL, concurrent writers,
//! and idempotent schema migrations.

mod common;

use std::os::unix::process::CommandExt;
use std::path::Path;
use std::time::{Duration, Instant};

use common::{pipeline_config, Sandbox};
use relcon::ledger::bodies::DeploymentStarted;
use relcon::ledger::event::{canonical_bytes, chain_hash};
use relcon::ledger::{kind, NewEvent, SqliteStore, Store};

fn simple_config() -> String {
    pipeline_config("\"true\"", "", "")
}

/// `audit verify` must fail (exit 1) naming `seq`.
#[track_caller]
fn assert_verify_names(sb: &Sandbox, seq: u64) {
    let r = sb.run(&["audit", "verify"]);
    assert_eq!(r.code, 1, "tampering must be detected:\n{r}");
    assert!(
        r.stderr.contains(&format!("seq {seq}:")),
        "verify should name seq {seq}:\n{r}"
    );
}

#[track_caller]
fn assert_verify_ok(sb: &Sandbox) -> String {
    let r = sb.run(&["audit", "verify"]).ok();
    assert!(r.stdout.contains("hash chain intact"), "{r}");
    r.stdout
}

/// A small ledger: three builds, one deployment with its lease (events 1..=7).
fn small_ledger() -> Sandbox {
    let sb = Sandbox::new(&simple_config());
    sb.register("1.0", "c0ffee1");
    sb.register("1.1", "c0ffee2");
    sb.register("1.2", "c0ffee3");
    sb.run(&["deploy", "dev", "1.0", "--yes"]).ok();
    assert_eq!(
        sb.db()
            .query_row("SELECT COUNT(*) FROM events", [], |r| r.get::<_, i64>(0))
            .unwrap(),
        7
    );
    sb
}

#[test]
fn verify_detects_a_changed_byte_in_any_column() {
    let sb = small_ledger();
    assert!(assert_verify_ok(&sb).contains("7 events"));
    let db = sb.db();
    // (column, seq to tamper with): one changed byte each, then put it back.
    for (col, seq) in [
        ("body", 2),
        ("actor", 3),
        ("at", 1),
        ("kind", 4),
        ("env", 5),
        ("hash", 4),
    ] {
        let original: String = db
            .query_row(&format!("SELECT {col} FROM events WHERE seq = ?1"), [seq], |r| r.get(0))
            .unwrap();
        let mut bytes = original.clone().into_bytes();
        // Flip one byte in the middle to a different printable ASCII character.
        let i = bytes.len() / 2;
        bytes[i] = if bytes[i] == b'x' { b'y' } else { b'x' };
        let tampered = String::from_utf8(bytes).unwrap();
        assert_ne!(tampered, original);
        db.execute(
            &format!("UPDATE events SET {col} = ?1 WHERE seq = ?2"),
            rusqlite::params![tampered, seq],
        )
        .unwrap();
        assert_verify_names(&sb, seq);
        db.execute(
            &format!("UPDATE events SET {col} = ?1 WHERE seq = ?2"),
            rusqlite::params![original, seq],
        )
        .unwrap();
        assert_verify_ok(&sb);
    }
}

#[test]
fn verify_detects_a_commit_sha_rewritten_in_a_body() {
    let sb = small_ledger();
    // The classic: someone rewrites which commit was registered.
    let n = sb
        .db()
        .execute(
            "UPDATE events SET body = replace(body, 'c0ffee2', 'c0ffee9') WHERE seq = 2",
            [],
        )
        .unwrap();
    assert_eq!(n, 1);
    assert_verify_names(&sb, 2);
}

#[test]
fn verify_detects_a_deleted_event() {
    let sb = small_ledger();
    sb.db().execute("DELETE FROM events WHERE seq = 3", []).unwrap();
    assert_verify_names(&sb, 3);
    let r = sb.run(&["audit", "verify"]);
    assert!(r.stderr.contains("missing"), "{r}");
}

#[test]
fn verify_detects_a_rewritten_event_with_a_recomputed_hash() {
    // A forger who rewrites event 2 and recomputes its own hash still breaks
    // the link to event 3.
    let sb = small_ledger();
    let db = sb.db();
    let (prev, at, actor, kind, env, body): (String, String, String, String, Option<String>, String) = db
        .query_row(
            "SELECT (SELECT hash FROM events WHERE seq = 1), at, actor, kind, env, body FROM events WHERE seq = 2",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?)),
        )
        .unwrap();
    let forged_body = body.replace("c0ffee2", "badc0de");
    let forged_hash = chain_hash(
        &prev,
        &canonical_bytes(2, &at, &actor, &kind, env.as_deref(), &forged_body),
    );
    db.execute(
        "UPDATE events SET body = ?1, hash = ?2 WHERE seq = 2",
        rusqlite::params![forged_body, forged_hash],
    )
    .unwrap();
    assert_verify_names(&sb, 3);
}

/// Every projection row, through the store's own stable dump.
fn dump(path: &Path) -> String {
    SqliteStore::open(path)
        .expect("open ledger")
        .projection_dump()
        .expect("dump")
}

/// A pid that is certainly not running (a child we already reaped).
fn dead_pid() -> u32 {
    let mut c = std::process::Command::new("true").spawn().unwrap();
    let pid = c.id();
    c.wait().unwrap();
    pid
}

#[test]
fn rebuild_equals_live_projections_after_a_realistic_history() {
    let tail = r#"
[checklist.pre]
title = "Pre-deployment"
items = ["All tests pass", "Rollback plan prepared"]

[checklist.post]
items = ["Verify critical user flows"]

[flag.customer_portal]
description = "Customer portal"
env.staging = { enabled = true }
env.prod = { enabled = false, rollout = 0, targets = ["15", "42"] }
"#;
    // staging gets checklists; prod needs one approval.
    let cfg = pipeline_config("\"./deploy.sh\"", "approvals = 1", tail).replace(
        "promote_from = \"dev\"\nurl = \"https://staging.example.com\"",
        "promote_from = \"dev\"\nurl = \"https://staging.example.com\"\nchecklists = { before = [\"pre\"], after = [\"post\"] }",
    );
    let sb = Sandbox::new(&cfg);
    sb.script("deploy.sh", r#"echo "deploying $RELCON_VERSION to $RELCON_ENV"; [ "$RELCON_VERSION" != "1.1-bad" ] || { echo "boom" >&2; exit 3; }"#);

    sb.register("1.0", "aaa1111");
    sb.register("1.1-bad", "bbb2222");
    sb.register("1.2", "ccc3333");
    sb.run(&["deploy", "dev", "1.0", "--yes"]).ok();
    sb.run(&["deploy", "dev", "1.1-bad", "--yes"]).code(4);
    sb.run(&["deploy", "dev", "1.2", "--yes"]).ok();
    // Checklist ticks and unticks for staging's pending build.
    sb.run(&["check", "staging", "pre", "1"]).ok();
    sb.run_as("bo", &["check", "staging", "pre", "2"]).ok();
    sb.run(&["check", "staging", "pre", "2", "--undo"]).ok();
    sb.run_as("bo", &["check", "staging", "pre", "rollback", "--note", "plan in wiki"])
        .ok();
    sb.run(&["promote", "dev", "staging", "--yes"]).ok();
    sb.run(&["check", "staging", "post", "1"]).ok();
    // Approvals and a promotion into protected prod.
    sb.run_as("bo", &["approve", "prod", "1.2", "--note", "lgtm"]).ok();
    sb.run_as("cy", &["approve", "prod", "1.2"]).ok();
    sb.run(&["promote", "staging", "prod", "--yes", "--reason", "weekly release"])
        .ok();
    // Rollback (sets a hold), then clear the hold.
    sb.run(&["rollback", "dev", "--yes", "--reason", "1.2 is slow"]).ok();
    sb.run(&["hold", "clear", "dev", "--reason", "fixed forward"]).ok();
    // Flags: set, kill, restore.
    sb.run(&[
        "flag",
        "set",
        "staging",
        "customer_portal",
        "25%",
        "--target",
        "7",
        "--yes",
    ])
    .ok();
    sb.run(&[
        "flag",
        "kill",
        "staging",
        "customer_portal",
        "--reason",
        "incident",
        "--yes",
    ])
    .ok();
    sb.run(&["flag", "restore", "staging", "customer_portal", "--yes"]).ok();
    // An interrupted deployment (its relcon process is gone), then resolved.
    {
        let mut store = SqliteStore::open(&sb.ledger_path()).unwrap();
        let pid = dead_pid();
        store
            .transact(chrono::Utc::now(), "dee", &mut |view| {
                let number = view.last_release_number("staging")?.unwrap_or(0) + 1;
                let b = view.build("1.0")?.expect("build 1.0");
                Ok(vec![NewEvent::new(
                    kind::DEPLOYMENT_STARTED,
                    Some("staging"),
                    DeploymentStarted {
                        number,
                        version: b.version,
                        commit: b.commit,
                        artifact: None,
                        action: relcon::domain::Action::Deploy,
                        from_env: None,
                        target_release: None,
                        reason: None,
                        pid: Some(pid),
                        host: Some(relcon::ops::identity::hostname()),
                        steps: vec![],
                    },
                )])
            })
            .unwrap();
    }
    let st = sb.env_status("staging");
    assert_eq!(st["deployment"]["state"], "interrupted", "{st}");
    sb.run(&["resolve", "staging", "failed", "--reason", "never went out", "--yes"])
        .ok();

    let live = dump(&sb.ledger_path());
    // The dump covers every projection with real rows.
    for needle in [
        "# builds",
        "# releases",
        "# env_state",
        "# approvals",
        "# checklist_ticks",
        "# flag_state",
        "1.1-bad",
        "marked failed by ana",
        "plan in wiki",
        "lgtm",
        " 25 |",
    ] {
        assert!(live.contains(needle), "dump lacks {needle:?}:\n{live}");
    }

    // A plain rebuild changes nothing.
    sb.run(&["ledger", "rebuild"]).ok();
    assert_eq!(dump(&sb.ledger_path()), live, "rebuild changed the projections");

    // Wreck every projection, then rebuild from the events alone.
    {
        let db = sb.db();
        db.execute_batch(
            "DELETE FROM releases WHERE env = 'dev';
             UPDATE env_state SET current = NULL, hold_actor = 'mallory';
             DELETE FROM checklist_ticks;
             DELETE FROM approvals;
             UPDATE builds SET commit_sha = 'forged';
             DELETE FROM flag_state;",
        )
        .unwrap();
    }
    assert_ne!(dump(&sb.ledger_path()), live);
    let r = sb.run(&["ledger", "rebuild"]).ok();
    assert!(r.stdout.contains("rebuilt"), "{r}");
    let rebuilt = dump(&sb.ledger_path());
    assert_eq!(rebuilt, live, "rebuilt projections differ from the live ones");
    assert_verify_ok(&sb);
}

/// Register builds from processes killed with SIGKILL at varied moments of
/// their write, plus a writer loop whose whole process group is killed.
#[test]
fn sigkill_mid_write_leaves_a_consistent_ledger() {
    let sb = Sandbox::new(&simple_config());
    // Calibrate: how long one register takes here.
    let t0 = Instant::now();
    sb.register("base", "0000000");
    let one = t0.elapsed().max(Duration::from_millis(2));

    let mut acknowledged = vec!["base".to_string()];
    for i in 0..30u32 {
        let version = format!("k{i}");
        let mut child = sb.spawn_as(
            "ana",
            &["release", "register", &version, "--commit", &format!("c{i:07}")],
        );
        // Kill at 0 %, 10 % … 140 % of a typical run.
        std::thread::sleep(one * (i % 15) / 10);
        let done_before = child.try_wait().unwrap();
        let _ = child.kill(); // SIGKILL
        let st = child.wait().unwrap();
        if done_before.is_some_and(|s| s.success()) || st.success() {
            acknowledged.push(version);
        }
    }

    // A shell looping over registers, killed as a group mid-flight.
    let mut looper = std::process::Command::new("sh");
    looper
        .arg("-c")
        .arg(format!(
            "i=0; while :; do \"{}\" release register loop$i --commit abc >/dev/null 2>&1; i=$((i+1)); done",
            common::BIN
        ))
        .current_dir(sb.root())
        .env("RELCON_USER", "loop")
        .env_remove("RELCON_CONFIG")
        .process_group(0);
    let mut looper = looper.spawn().unwrap();
    let pgid = looper.id() as i32;
    // Let it write for a while, then kill the whole group.
    assert!(common::wait_until(Duration::from_secs(20), || {
        sb.db()
            .query_row("SELECT COUNT(*) FROM builds WHERE version LIKE 'loop%'", [], |r| {
                r.get::<_, i64>(0)
            })
            .unwrap_or(0)
            >= 8
    }));
    common::sigkill(-pgid);
    let _ = looper.wait();

    // The chain is intact, the database is sound, and nothing acknowledged is lost.
    assert_verify_ok(&sb);
    let db = sb.db();
    let integrity: String = db.query_row("PRAGMA integrity_check", [], |r| r.get(0)).unwrap();
    assert_eq!(integrity, "ok");
    let events: i64 = db
        .query_row("SELECT COUNT(*) FROM events WHERE kind = 'build.registered'", [], |r| {
            r.get(0)
        })
        .unwrap();
    let builds: i64 = db.query_row("SELECT COUNT(*) FROM builds", [], |r| r.get(0)).unwrap();
    assert_eq!(
        events, builds,
        "every build event is projected and every build has its event"
    );
    let max: i64 = db
        .query_row("SELECT COALESCE(MAX(seq), 0) FROM events", [], |r| r.get(0))
        .unwrap();
    let all: i64 = db.query_row("SELECT COUNT(*) FROM events", [], |r| r.get(0)).unwrap();
    assert_eq!(max, all, "seqs are contiguous");
    for v in &acknowledged {
        let n: i64 = db
            .query_row("SELECT COUNT(*) FROM builds WHERE version = ?1", [v], |r| r.get(0))
            .unwrap();
        assert_eq!(n, 1, "acknowledged build {v} was lost");
    }
    drop(db);
    // Projections equal a rebuild from the events.
    let live = dump(&sb.ledger_path());
    sb.run(&["ledger", "rebuild"]).ok();
    assert_eq!(dump(&sb.ledger_path()), live);
    // And the ledger still takes writes.
    sb.register("after", "fffffff");
}

#[test]
fn concurrent_writers_lose_nothing() {
    // Start from no ledger at all: the writers also race to create and migrate it.
    let sb = Sandbox::new(&simple_config());
    const WRITERS: usize = 4;
    const EACH: usize = 10;
    let root = sb.root().to_path_buf();
    let handles: Vec<_> = (0..WRITERS)
        .map(|w| {
            let root = root.clone();
            std::thread::spawn(move || {
                let mut failures = Vec::new();
                for i in 0..EACH {
                    let out = std::process::Command::new(common::BIN)
                        .args([
                            "release",
                            "register",
                            &format!("w{w}-{i}"),
                            "--commit",
                            &format!("{w:03}{i:04}"),
                        ])
                        .current_dir(&root)
                        .env("RELCON_USER", format!("writer{w}"))
                        .env_remove("RELCON_CONFIG")
                        .stdin(std::process::Stdio::null())
                        .output()
                        .unwrap();
                    if !out.status.success() {
                        failures.push(String::from_utf8_lossy(&out.stderr).into_owned());
                    }
                }
                failures
            })
        })
        .collect();
    for h in handles {
        let failures = h.join().unwrap();
        assert!(failures.is_empty(), "writers failed: {failures:#?}");
    }
    let db = sb.db();
    let seqs: Vec<i64> = db
        .prepare("SELECT seq FROM events ORDER BY seq")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert_eq!(
        seqs,
        (1..=(WRITERS * EACH) as i64).collect::<Vec<_>>(),
        "seqs must be contiguous from 1"
    );
    for w in 0..WRITERS {
        let n: i64 = db
            .query_row(
                "SELECT COUNT(*) FROM builds WHERE created_by = ?1",
                [format!("writer{w}")],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(n, EACH as i64, "writer{w} lost builds");
    }
    drop(db);
    assert!(assert_verify_ok(&sb).contains(&format!("{} events", WRITERS * EACH)));
}

#[test]
fn concurrent_in_process_stores_interleave_whole_transactions() {
    // Several connections, each appending multi-event transactions: the
    // events of one transaction stay consecutive.
    let sb = Sandbox::new(&simple_config());
    let path = sb.ledger_path();
    SqliteStore::open(&path).unwrap();
    let handles: Vec<_> = (0..3)
        .map(|t| {
            let path = path.clone();
            std::thread::spawn(move || {
                let mut store = SqliteStore::open(&path).unwrap();
                for i in 0..15 {
                    let events: Vec<NewEvent> = (0..3)
                        .map(|k| NewEvent::new(kind::NOTE_ADDED, None, serde_json::json!({ "t": t, "i": i, "k": k })))
                        .collect();
                    store
                        .transact(chrono::Utc::now(), &format!("t{t}"), &mut |_| Ok(events.clone()))
                        .unwrap();
                }
            })
        })
        .collect();
    for h in handles {
        h.join().unwrap();
    }
    let store = SqliteStore::open(&path).unwrap();
    assert_eq!(store.head_seq().unwrap(), 3 * 15 * 3);
    let events = store.events_after(0, 1000).unwrap();
    for chunk in events.chunks(3) {
        let actors: Vec<&str> = chunk.iter().map(|e| e.actor.as_str()).collect();
        assert!(
            actors.iter().all(|a| *a == actors[0]),
            "a transaction was interleaved: {actors:?}"
        );
        let ks: Vec<u64> = chunk.iter().map(|e| e.body_json()["k"].as_u64().unwrap()).collect();
        assert_eq!(ks, vec![0, 1, 2]);
    }
    assert_eq!(store.verify().unwrap().first_bad, None);
}

#[test]
fn migrations_are_idempotent_and_a_newer_schema_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("nested/folder/ledger.db");
    let version = |p: &Path| -> i64 {
        rusqlite::Connection::open(p)
            .unwrap()
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .unwrap()
    };
    {
        let mut s = SqliteStore::open(&path).unwrap();
        s.transact(chrono::Utc::now(), "ana", &mut |_| {
            Ok(vec![NewEvent::new(kind::NOTE_ADDED, None, serde_json::json!({"n": 1}))])
        })
        .unwrap();
    }
    let v1 = version(&path);
    assert!(v1 >= 2, "migrations ran (user_version {v1})");
    let before = dump(&path);
    for _ in 0..3 {
        let s = SqliteStore::open(&path).unwrap();
        assert_eq!(s.head_seq().unwrap(), 1);
        assert_eq!(s.verify().unwrap().first_bad, None);
    }
    assert_eq!(version(&path), v1);
    assert_eq!(dump(&path), before);
    // WAL mode stuck.
    let mode: String = rusqlite::Connection::open(&path)
        .unwrap()
        .query_row("PRAGMA journal_mode", [], |r| r.get(0))
        .unwrap();
    assert_eq!(mode.to_lowercase(), "wal");

    // A ledger written by a newer relcon is refused, not silently misread.
    rusqlite::Connection::open(&path)
        .unwrap()
        .pragma_update(None, "user_version", 999)
        .unwrap();
    let err = SqliteStore::open(&path)
        .err()
        .expect("newer schema must be refused")
        .to_string();
    assert!(err.contains("999") && err.contains("newer"), "{err}");
}

#[test]
fn a_failed_transaction_writes_nothing() {
    let sb = small_ledger();
    let mut store = SqliteStore::open(&sb.ledger_path()).unwrap();
    let before = store.head_seq().unwrap();
    let r = store.transact(chrono::Utc::now(), "ana", &mut |_| Err(relcon::Error::usage("no")));
    assert!(r.is_err());
    // A projection error mid-transaction (finishing a release that does not exist) rolls back the events before it.
    let r = store.transact(chrono::Utc::now(), "ana", &mut |_| {
        Ok(vec![
            NewEvent::new(kind::NOTE_ADDED, None, serde_json::json!({"n": 1})),
            NewEvent::new(
                kind::DEPLOYMENT_SUCCEEDED,
                Some("dev"),
                serde_json::json!({"number": 999}),
            ),
        ])
    });
    assert!(r.is_err());
    assert_eq!(store.head_seq().unwrap(), before);
    drop(store);
    assert_verify_ok(&sb);
    // Duplicate registration is refused by the op and leaves nothing behind.
    let r = sb.run(&["release", "register", "1.0", "--commit", "other"]).code(2);
    assert!(r.stderr.contains("already registered"), "{r}");
    assert_eq!(
        SqliteStore::open(&sb.ledger_path()).unwrap().head_seq().unwrap(),
        before
    );
}
