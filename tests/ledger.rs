//! The ledger (DESIGN §5, §9): hash-chain tamper detection, rebuild equals
//! the live projections, crash safety under SIGKILL, concurrent writers,
//! and idempotent schema migrations. Everything but the SQLite file's own
//! migrations runs on both stores (`both_stores!`); on PostgreSQL the
//! tampering is done as a superuser with triggers off.

mod common;

use std::os::unix::process::CommandExt;
use std::path::Path;
use std::time::{Duration, Instant};

use common::{lit, pipeline_config, Backend, Sandbox};
use relcon::ledger::bodies::DeploymentStarted;
use relcon::ledger::event::{canonical_bytes, chain_hash};
use relcon::ledger::{kind, NewEvent, SqliteStore, Store};

both_stores!(
    verify_detects_a_changed_byte_in_any_column,
    verify_detects_a_commit_sha_rewritten_in_a_body,
    verify_detects_a_deleted_event,
    verify_detects_a_rewritten_event_with_a_recomputed_hash,
    rebuild_equals_live_projections_after_a_realistic_history,
    sigkill_mid_write_leaves_a_consistent_ledger,
    concurrent_writers_lose_nothing,
    concurrent_in_process_stores_interleave_whole_transactions,
    verify_while_another_writer_appends_checks_one_moment,
    a_failed_transaction_writes_nothing,
);

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
fn small_ledger(b: Backend) -> Sandbox {
    let sb = Sandbox::on(b, &simple_config());
    sb.register("1.0", "c0ffee1");
    sb.register("1.1", "c0ffee2");
    sb.register("1.2", "c0ffee3");
    sb.run(&["deploy", "dev", "1.0", "--yes"]).ok();
    assert_eq!(sb.query_i64("SELECT COUNT(*) FROM events"), 7);
    sb
}

fn verify_detects_a_changed_byte_in_any_column(b: Backend) {
    let sb = small_ledger(b);
    assert!(assert_verify_ok(&sb).contains("7 events"));
    // (column, seq to tamper with): one changed byte each, then put it back.
    for (col, seq) in [
        ("body", 2),
        ("actor", 3),
        ("at", 1),
        ("kind", 4),
        ("env", 5),
        ("hash", 4),
    ] {
        let original = sb
            .query_text(&format!("SELECT {col} FROM events WHERE seq = {seq}"))
            .unwrap();
        let mut bytes = original.clone().into_bytes();
        // Flip one byte in the middle to a different printable ASCII character.
        let i = bytes.len() / 2;
        bytes[i] = if bytes[i] == b'x' { b'y' } else { b'x' };
        let tampered = String::from_utf8(bytes).unwrap();
        assert_ne!(tampered, original);
        let set = |v: &str| format!("UPDATE events SET {col} = {} WHERE seq = {seq}", lit(v));
        assert_eq!(sb.tamper(&set(&tampered)), 1);
        assert_verify_names(&sb, seq);
        sb.tamper(&set(&original));
        assert_verify_ok(&sb);
    }
}

fn verify_detects_a_commit_sha_rewritten_in_a_body(b: Backend) {
    let sb = small_ledger(b);
    // The classic: someone rewrites which commit was registered.
    let n = sb.tamper("UPDATE events SET body = replace(body, 'c0ffee2', 'c0ffee9') WHERE seq = 2");
    assert_eq!(n, 1);
    assert_verify_names(&sb, 2);
}

fn verify_detects_a_deleted_event(b: Backend) {
    let sb = small_ledger(b);
    assert_eq!(sb.tamper("DELETE FROM events WHERE seq = 3"), 1);
    assert_verify_names(&sb, 3);
    let r = sb.run(&["audit", "verify"]);
    assert!(r.stderr.contains("missing"), "{r}");
}

fn verify_detects_a_rewritten_event_with_a_recomputed_hash(b: Backend) {
    // A forger who rewrites event 2 and recomputes its own hash still breaks
    // the link to event 3.
    let sb = small_ledger(b);
    let col = |c: &str| sb.query_text(&format!("SELECT {c} FROM events WHERE seq = 2"));
    let prev = sb.query_text("SELECT hash FROM events WHERE seq = 1").unwrap();
    let (at, actor, kind, env, body) = (
        col("at").unwrap(),
        col("actor").unwrap(),
        col("kind").unwrap(),
        col("env"),
        col("body").unwrap(),
    );
    let forged_body = body.replace("c0ffee2", "badc0de");
    let forged_hash = chain_hash(
        &prev,
        &canonical_bytes(2, &at, &actor, &kind, env.as_deref(), &forged_body),
    );
    sb.tamper(&format!(
        "UPDATE events SET body = {}, hash = {} WHERE seq = 2",
        lit(&forged_body),
        lit(&forged_hash)
    ));
    assert_verify_names(&sb, 3);
}

/// Every projection row, through the store's own stable dump.
fn dump(sb: &Sandbox) -> String {
    sb.store().projection_dump().expect("dump")
}

/// Every projection row of a SQLite ledger file.
fn dump_file(path: &Path) -> String {
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

fn rebuild_equals_live_projections_after_a_realistic_history(b: Backend) {
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
    let sb = Sandbox::on(b, &cfg);
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
        let mut store = sb.store();
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

    let live = dump(&sb);
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
    assert_eq!(dump(&sb), live, "rebuild changed the projections");

    // Wreck every projection, then rebuild from the events alone.
    for wreck in [
        "DELETE FROM releases WHERE env = 'dev'",
        "UPDATE env_state SET current = NULL, hold_actor = 'mallory'",
        "DELETE FROM checklist_ticks",
        "DELETE FROM approvals",
        "UPDATE builds SET commit_sha = 'forged'",
        "DELETE FROM flag_state",
    ] {
        assert!(sb.sql(wreck) > 0, "{wreck} changed nothing");
    }
    assert_ne!(dump(&sb), live);
    // SQLite drops the indexes of tables it finds empty and builds them
    // again once they are filled: every one must be back.
    let indexes = |sb: &Sandbox| -> Vec<String> {
        let db = sb.db();
        let mut st = db
            .prepare(
                "SELECT name || ' ' || sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL ORDER BY name",
            )
            .unwrap();
        st.query_map([], |r| r.get(0)).unwrap().map(|r| r.unwrap()).collect()
    };
    let before = matches!(b, Backend::Sqlite).then(|| indexes(&sb));
    let r = sb.run(&["ledger", "rebuild"]).ok();
    assert!(r.stdout.contains("rebuilt"), "{r}");
    let rebuilt = dump(&sb);
    assert_eq!(rebuilt, live, "rebuilt projections differ from the live ones");
    if let Some(before) = before {
        assert!(before.iter().any(|i| i.starts_with("approvals_key ")), "{before:?}");
        assert_eq!(indexes(&sb), before, "the emptied tables' indexes are back");
    }
    assert_verify_ok(&sb);
}

/// Register builds from processes killed with SIGKILL at varied moments of
/// their write, plus a writer loop whose whole process group is killed.
fn sigkill_mid_write_leaves_a_consistent_ledger(b: Backend) {
    let sb = Sandbox::on(b, &simple_config());
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
        .process_group(0);
    sb.apply_env(&mut looper);
    let mut looper = looper.spawn().unwrap();
    let pgid = looper.id() as i32;
    // Let it write for a while, then kill the whole group.
    assert!(sb.wait_count(
        "SELECT COUNT(*) FROM builds WHERE version LIKE 'loop%'",
        8,
        Duration::from_secs(20)
    ));
    common::sigkill(-pgid);
    let _ = looper.wait();

    // The chain is intact, the database is sound, and nothing acknowledged is lost.
    assert_verify_ok(&sb);
    if b == Backend::Sqlite {
        let integrity: String = sb.db().query_row("PRAGMA integrity_check", [], |r| r.get(0)).unwrap();
        assert_eq!(integrity, "ok");
    }
    let events = sb.query_i64("SELECT COUNT(*) FROM events WHERE kind = 'build.registered'");
    let builds = sb.query_i64("SELECT COUNT(*) FROM builds");
    assert_eq!(
        events, builds,
        "every build event is projected and every build has its event"
    );
    let max = sb.query_i64("SELECT COALESCE(MAX(seq), 0) FROM events");
    let all = sb.query_i64("SELECT COUNT(*) FROM events");
    assert_eq!(max, all, "seqs are contiguous");
    for v in &acknowledged {
        let n = sb.query_i64(&format!("SELECT COUNT(*) FROM builds WHERE version = {}", lit(v)));
        assert_eq!(n, 1, "acknowledged build {v} was lost");
    }
    // Projections equal a rebuild from the events.
    let live = dump(&sb);
    sb.run(&["ledger", "rebuild"]).ok();
    assert_eq!(dump(&sb), live);
    // And the ledger still takes writes.
    sb.register("after", "fffffff");
}

fn concurrent_writers_lose_nothing(b: Backend) {
    // On SQLite, start from no ledger at all: the writers also race to
    // create and migrate it.
    let sb = Sandbox::on(b, &simple_config());
    const WRITERS: usize = 4;
    const EACH: usize = 10;
    let failures: Vec<String> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..WRITERS)
            .map(|w| {
                let sb = &sb;
                s.spawn(move || {
                    let mut failures = Vec::new();
                    for i in 0..EACH {
                        let out = sb
                            .command_as(
                                &format!("writer{w}"),
                                [
                                    "release",
                                    "register",
                                    &format!("w{w}-{i}"),
                                    "--commit",
                                    &format!("{w:03}{i:04}"),
                                ],
                            )
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
        handles.into_iter().flat_map(|h| h.join().unwrap()).collect()
    });
    assert!(failures.is_empty(), "writers failed: {failures:#?}");
    let seqs = sb.query_i64s("SELECT seq FROM events ORDER BY seq");
    assert_eq!(
        seqs,
        (1..=(WRITERS * EACH) as i64).collect::<Vec<_>>(),
        "seqs must be contiguous from 1"
    );
    for w in 0..WRITERS {
        let n = sb.query_i64(&format!("SELECT COUNT(*) FROM builds WHERE created_by = 'writer{w}'"));
        assert_eq!(n, EACH as i64, "writer{w} lost builds");
    }
    assert!(assert_verify_ok(&sb).contains(&format!("{} events", WRITERS * EACH)));
}

fn verify_while_another_writer_appends_checks_one_moment(b: Backend) {
    // `audit verify` reads the events, then the tables to compare them
    // with: a build registered in between must not look like a forged row.
    let sb = Sandbox::on(b, &simple_config());
    let config = sb.config();
    let mut store = relcon::ledger::open(&config).unwrap();
    let at = chrono::Utc::now();
    let batch: Vec<_> = (0..4000)
        .map(|i| {
            let body = serde_json::json!({ "version": format!("0.{i}"), "commit": "c0ffee" });
            (
                at,
                "seed".to_string(),
                vec![NewEvent::new(kind::BUILD_REGISTERED, None, body)],
            )
        })
        .collect();
    store.append_batch(batch).unwrap();
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let writer = {
        let (config, stop) = (config.clone(), stop.clone());
        std::thread::spawn(move || {
            let mut store = relcon::ledger::open(&config).unwrap();
            let mut i = 0;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                i += 1;
                let body = serde_json::json!({ "version": format!("1.{i}"), "commit": "c0ffee" });
                let e = NewEvent::new(kind::BUILD_REGISTERED, None, body);
                store
                    .transact(chrono::Utc::now(), "writer", &mut |_| Ok(vec![e.clone()]))
                    .unwrap();
            }
            i
        })
    };
    for _ in 0..12 {
        let r = store.verify().unwrap();
        assert_eq!((r.first_bad, r.projections), (None, None));
    }
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    assert!(writer.join().unwrap() > 6, "the writer wrote while verify ran");
}

fn concurrent_in_process_stores_interleave_whole_transactions(b: Backend) {
    // Several connections, each appending multi-event transactions: the
    // events of one transaction stay consecutive.
    let sb = Sandbox::on(b, &simple_config());
    let config = sb.config();
    relcon::ledger::open(&config).unwrap();
    let handles: Vec<_> = (0..3)
        .map(|t| {
            let config = config.clone();
            std::thread::spawn(move || {
                let mut store = relcon::ledger::open(&config).unwrap();
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
    let store = sb.store();
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
    let before = dump_file(&path);
    for _ in 0..3 {
        let s = SqliteStore::open(&path).unwrap();
        assert_eq!(s.head_seq().unwrap(), 1);
        assert_eq!(s.verify().unwrap().first_bad, None);
    }
    assert_eq!(version(&path), v1);
    assert_eq!(dump_file(&path), before);
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

fn a_failed_transaction_writes_nothing(b: Backend) {
    let sb = small_ledger(b);
    let mut store = sb.store();
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
    assert_eq!(sb.store().head_seq().unwrap(), before);
}
