//! PostgreSQL's own guarantees (DESIGN §11), on the real server named by
//! `RELCON_TEST_PG`: exactly one of two racing promoters wins; six
//! processes writing at once leave no gap and an intact chain; the events
//! table refuses UPDATE, DELETE and TRUNCATE, for its owner and for a role
//! granted by `ledger init --grant`; a killed connection never loses an
//! acknowledged write nor queues one; `ledger copy` both ways keeps the head;
//! a missing or newer schema is refused clearly; the store works when
//! called from inside an async runtime (the console's loop, `health --watch`).
//! Connection concerns (unreachable server, TLS, password_env) are in
//! postgres_connect.rs.

mod common;

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use common::pg::{self, TestDb, TestRole};
use common::{finish, lit, pipeline_config, Backend, Sandbox, BIN};
use postgres::error::SqlState;
use relcon::ledger::{kind, NewEvent, Store};
use serde_json::{json, Value};

/// A sandbox on PostgreSQL, or `None` to skip.
fn on_pg(config: &str) -> Option<Sandbox> {
    Backend::postgres().map(|b| Sandbox::on(b, config))
}

/// Start `relcon args` as `user` the moment the file `start` appears, so
/// that two processes race in the database, not in process start-up.
fn spawn_on_start(sb: &Sandbox, user: &str, start: &str, args: &[&str]) -> Child {
    let mut c = Command::new("sh");
    c.arg("-c")
        .arg("while [ ! -f \"$1\" ]; do sleep 0.005; done; shift; exec \"$@\"")
        .arg("sh")
        .arg(start)
        .arg(BIN)
        .args(args)
        .current_dir(sb.root())
        .env("RELCON_USER", user)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    sb.apply_env(&mut c);
    c.spawn().expect("spawn racer")
}

#[test]
fn exactly_one_of_two_racing_promoters_wins() {
    let Some(sb) = on_pg(&pipeline_config("\"./hook.sh\"", "", "")) else {
        return;
    };
    // staging's hook holds the env until `go` exists (at most ~20 s).
    sb.script(
        "hook.sh",
        "[ \"$RELCON_ENV\" = staging ] || exit 0\ntouch \"started-$RELCON_ACTOR\"\ni=0\nwhile [ ! -f go ] && [ $i -lt 400 ]; do sleep 0.05; i=$((i+1)); done",
    );
    for round in 1..=3 {
        let v = format!("1.{round}");
        sb.register(&v, &format!("c{round}"));
        sb.run(&["deploy", "dev", &v, "--yes"]).ok();
        for f in ["go", "started-ana", "started-bo"] {
            let _ = std::fs::remove_file(sb.path(f));
        }
        let start = format!("start-{round}");
        let racers = ["ana", "bo"].map(|who| {
            (
                who,
                spawn_on_start(&sb, who, &start, &["promote", "dev", "staging", "--yes"]),
            )
        });
        sb.write(&start, "");
        // The loser is refused while the winner's hook still holds the env.
        let mut racers = racers.map(Some);
        let mut loser = None;
        assert!(
            common::wait_until(Duration::from_secs(20), || {
                for slot in racers.iter_mut() {
                    if let Some((who, c)) = slot.as_mut() {
                        if c.try_wait().unwrap().is_some() {
                            let (who, c) = (*who, slot.take().unwrap().1);
                            loser = Some((who, finish(c, Duration::from_secs(5))));
                            return true;
                        }
                    }
                }
                false
            }),
            "round {round}: neither promoter finished while the env was held"
        );
        let (loser, lost) = loser.unwrap();
        let winner = if loser == "ana" { "bo" } else { "ana" };
        assert_eq!(
            lost.code, 3,
            "round {round}: the loser ({loser}) must be refused:\n{lost}"
        );
        assert!(
            lost.stderr.contains(&format!("is being deployed by {winner}")),
            "{lost}"
        );
        assert!(!sb.exists(&format!("started-{loser}")), "the loser's hook ran");
        sb.write("go", "");
        let (_, c) = racers.into_iter().flatten().next().unwrap();
        finish(c, Duration::from_secs(20)).ok();
        let h = sb.history("staging");
        assert_eq!(h.len(), round, "exactly one deployment per round: {h:?}");
        assert_eq!(
            (h[0]["actor"].as_str(), h[0]["version"].as_str()),
            (Some(winner), Some(v.as_str()))
        );
    }
    sb.run(&["audit", "verify"]).ok();
}

#[test]
fn six_processes_writing_at_once_leave_no_gap_and_lose_nothing() {
    const PROCS: usize = 6;
    const EACH: usize = 15;
    let items: Vec<String> = (1..=PROCS * EACH / 3).map(|i| format!("\"item {i}\"")).collect();
    let cfg = pipeline_config(
        "\"true\"",
        "",
        &format!("\n[checklist.pre]\nitems = [{}]\n", items.join(", ")),
    )
    .replace(
        "url = \"https://staging.example.com\"",
        "url = \"https://staging.example.com\"\nchecklists = { before = [\"pre\"] }",
    );
    let Some(sb) = on_pg(&cfg) else { return };
    sb.register("1.0", "c0");
    sb.run(&["deploy", "dev", "1.0", "--yes"]).ok();
    let base = sb.query_i64("SELECT COUNT(*) FROM events");

    // Each process writes 15 times in turn: a build, an approval, a checklist tick.
    let results: Vec<(String, String, common::Run)> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..PROCS)
            .map(|p| {
                let sb = &sb;
                s.spawn(move || {
                    (0..EACH)
                        .map(|i| {
                            let user = format!("u{p}-{i}");
                            let (what, args): (String, Vec<String>) = match i % 3 {
                                0 => (
                                    format!("build w{p}.{i}"),
                                    vec![
                                        "release".into(),
                                        "register".into(),
                                        format!("w{p}.{i}"),
                                        "--commit".into(),
                                        format!("c{p}{i}"),
                                    ],
                                ),
                                1 => (
                                    format!("approval {user}"),
                                    vec!["approve".into(), "prod".into(), "1.0".into()],
                                ),
                                _ => {
                                    let item = p * EACH / 3 + i / 3 + 1;
                                    (
                                        format!("tick {item}"),
                                        vec!["check".into(), "staging".into(), "pre".into(), item.to_string()],
                                    )
                                }
                            };
                            let out = sb.command_as(&user, &args).output().expect("run relcon");
                            let run = common::Run {
                                code: out.status.code().unwrap_or(-1),
                                stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
                                stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
                            };
                            (what, user, run)
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles.into_iter().flat_map(|h| h.join().unwrap()).collect()
    });

    // Every write was acknowledged, and every acknowledged write is there.
    for (what, user, run) in &results {
        assert_eq!(run.code, 0, "{what} by {user} failed:\n{run}");
        let present = match what.split_once(' ').unwrap() {
            ("build", v) => sb.query_i64(&format!("SELECT COUNT(*) FROM builds WHERE version = {}", lit(v))),
            ("approval", _) => sb.query_i64(&format!(
                "SELECT COUNT(*) FROM approvals WHERE env = 'prod' AND actor = {}",
                lit(user)
            )),
            (_, item) => sb.query_i64(&format!(
                "SELECT COUNT(*) FROM checklist_ticks WHERE env = 'staging' AND item = {item} AND \"by\" = {}",
                lit(user)
            )),
        };
        assert_eq!(present, 1, "acknowledged {what} by {user} is missing");
    }
    // No gap, no fork: seqs 1..=N, one event per write, the chain intact.
    let total = base + (PROCS * EACH) as i64;
    assert_eq!(
        sb.query_i64s("SELECT seq FROM events ORDER BY seq"),
        (1..=total).collect::<Vec<_>>()
    );
    assert_eq!(sb.query_i64("SELECT seq FROM ledger_head"), total);
    let r = sb.run(&["audit", "verify"]).ok();
    assert!(r.stdout.contains(&format!("{total} events")), "{r}");
}

/// Run `stmt` and expect PostgreSQL to refuse it for lack of privilege.
#[track_caller]
fn assert_refused(c: &mut postgres::Client, stmt: &str, why: &str) {
    let e = c.batch_execute(stmt).expect_err(stmt);
    assert_eq!(e.code(), Some(&SqlState::INSUFFICIENT_PRIVILEGE), "{stmt}: {e}");
    let msg = e.as_db_error().map(|d| d.message().to_string()).unwrap_or_default();
    assert!(msg.contains(why), "{stmt}: {msg}");
}

#[test]
fn the_events_table_refuses_update_delete_and_truncate() {
    let Some(server) = pg::server() else { return };
    // Declared first, dropped last: after the database that grants it.
    let role = TestRole::create(&server);
    let sb = Sandbox::on(Backend::Postgres, &pipeline_config("\"true\"", "", ""));
    sb.register("1.0", "c1");
    let r = sb.run(&["ledger", "init", "--grant", &role.name, "--json"]).ok().json();
    assert_eq!(r["granted"], json!([role.name]), "{r}");

    // The owner (a superuser, even) is stopped by the triggers.
    let mut owner = sb.pg();
    for stmt in [
        "UPDATE events SET actor = 'mallory'",
        "DELETE FROM events",
        "TRUNCATE events",
    ] {
        assert_refused(&mut owner, stmt, "append-only");
    }
    // The granted role has no such privilege at all.
    let as_role = pg::with_user(sb.ledger_url().unwrap(), &role.name);
    let mut c = pg::client(&as_role);
    for stmt in [
        "UPDATE events SET actor = 'mallory'",
        "DELETE FROM events",
        "TRUNCATE events",
    ] {
        assert_refused(&mut c, stmt, "permission denied");
    }
    // …and the head row only moves forward.
    assert_refused(&mut c, "UPDATE ledger_head SET seq = 0", "only moves forward");
    assert_refused(&mut owner, "DELETE FROM ledger_head", "append-only");

    // Yet the role can do everything relcon needs.
    let env = [("RELCON_LEDGER_URL", as_role.as_str())];
    sb.run_env(&env, &["release", "register", "1.1", "--commit", "c2"]).ok();
    sb.run_env(&env, &["deploy", "dev", "1.1", "--yes"]).ok();
    sb.run_env(&env, &["audit", "verify"]).ok();
    assert_eq!(sb.query_i64("SELECT COUNT(*) FROM events WHERE actor = 'mallory'"), 0);
    assert_eq!(sb.query_i64("SELECT COUNT(*) FROM builds"), 2);
    assert_eq!(sb.env_status("dev")["release"]["version"], "1.1");
}

/// Terminate the sandbox's relcon connections; how many there were.
fn kill_relcon_backends(sb: &Sandbox) -> i64 {
    sb.query_i64(
        "SELECT COUNT(*) FROM (SELECT pg_terminate_backend(pid, 5000) FROM pg_stat_activity
         WHERE application_name = 'relcon' AND datname = current_database()) t",
    )
}

fn note(store: &mut Box<dyn Store>, marker: &str) -> relcon::Result<Vec<relcon::ledger::Event>> {
    store.transact(chrono::Utc::now(), "ana", &mut |_| {
        Ok(vec![NewEvent::new(kind::NOTE_ADDED, None, json!({ "marker": marker }))])
    })
}

#[test]
fn a_killed_connection_fails_no_call_and_never_loses_or_doubles_a_write() {
    let Some(sb) = on_pg(&pipeline_config("\"true\"", "", "")) else {
        return;
    };
    let mut store = sb.store();
    note(&mut store, "m0").unwrap();
    let count = |m: &str| sb.query_i64(&format!("SELECT COUNT(*) FROM events WHERE body LIKE '%\"{m}\"%'"));
    for round in 1..=4 {
        assert_eq!(
            kill_relcon_backends(&sb),
            1,
            "round {round}: the store's one connection"
        );
        let before = sb.query_i64("SELECT COUNT(*) FROM events");
        // The server ended the session: the write runs again on a new
        // connection (a deployment's result after its hook outlived one).
        let first = format!("m{round}a");
        let ev = note(&mut store, &first).unwrap_or_else(|e| panic!("round {round}: {e}"));
        assert_eq!((ev.len(), count(&first)), (1, 1), "round {round}");
        assert_eq!(sb.query_i64("SELECT COUNT(*) FROM events"), before + 1);
    }
    // The connection dies inside the append transaction, after the head
    // row is locked: that attempt is rolled back, the next one (on a new
    // connection, its body run again) lands once.
    let attempts = std::cell::Cell::new(0);
    let before = sb.query_i64("SELECT COUNT(*) FROM events");
    let ev = store
        .transact(chrono::Utc::now(), "ana", &mut |_| {
            attempts.set(attempts.get() + 1);
            if attempts.get() == 1 {
                assert_eq!(kill_relcon_backends(&sb), 1);
            }
            Ok(vec![NewEvent::new(kind::NOTE_ADDED, None, json!({ "marker": "mid" }))])
        })
        .unwrap();
    assert_eq!((attempts.get(), ev.len()), (2, 1));
    assert_eq!(
        (count("mid"), sb.query_i64("SELECT COUNT(*) FROM events")),
        (1, before + 1)
    );
    // Killed again on the second attempt: refused, it says so, nothing written.
    let e = store
        .transact(chrono::Utc::now(), "ana", &mut |_| {
            assert_eq!(kill_relcon_backends(&sb), 1);
            Ok(vec![NewEvent::new(
                kind::NOTE_ADDED,
                None,
                json!({ "marker": "twice" }),
            )])
        })
        .expect_err("a write whose every connection dies");
    assert!(
        e.to_string().contains("nothing was written") && e.to_string().contains(sb.ledger_url().unwrap()),
        "{e}"
    );
    assert_eq!(count("twice"), 0);
    note(&mut store, "after-mid").unwrap();
    // Reads recover the same way, at once.
    kill_relcon_backends(&sb);
    assert_eq!(
        store.head_seq().unwrap(),
        sb.query_i64("SELECT MAX(seq) FROM events") as u64
    );
    drop(store);
    sb.run(&["audit", "verify"]).ok();
}

#[test]
fn ledger_copy_sqlite_to_postgres_and_back_keeps_the_head() {
    let Some(server) = pg::server() else { return };
    let tail = "\n[checklist.pre]\nitems = [\"tests\", \"plan\"]\n\n[flag.dark]\nenv.dev = { enabled = false }\n";
    let sb = Sandbox::new(&pipeline_config(
        "\"true\"",
        "approvals = 1\nchecklists = { before = [\"pre\"] }",
        tail,
    ));
    sb.register("1.0", "c1");
    sb.register("1.1", "c2");
    sb.run(&["deploy", "dev", "1.0", "--yes"]).ok();
    sb.run(&["promote", "dev", "staging", "--yes"]).ok();
    sb.run_as("bo", &["approve", "prod", "1.0", "--note", "ok"]).ok();
    sb.run(&["check", "prod", "pre", "1"]).ok();
    sb.run(&["flag", "set", "dev", "dark", "30%", "--yes"]).ok();
    let head = sb.run(&["audit", "head"]).ok().stdout.trim().to_string();

    // SQLite → PostgreSQL (the copy creates the schema on an empty database).
    let target = TestDb::create_empty(&server);
    let r = sb.run(&["ledger", "copy", "--to", &target.url, "--json"]).ok().json();
    assert_eq!(
        (r["source_head"].as_str(), r["target_head"].as_str()),
        (Some(head.as_str()), Some(head.as_str()))
    );
    let on_pg = [("RELCON_LEDGER_URL", target.url.as_str())];
    assert_eq!(sb.run_env(&on_pg, &["audit", "head"]).ok().stdout.trim(), head);
    sb.run_env(&on_pg, &["audit", "verify"]).ok();
    // The same ledger, so the same answers.
    for args in [
        &["status", "--json"][..],
        &["audit", "--json"],
        &["history", "staging", "--json"],
        &["checklist", "prod", "--json"],
        &["flag", "list", "--json"],
    ] {
        let here: Value = sb.json(args);
        assert_eq!(sb.run_env(&on_pg, args).ok().json(), here, "{args:?}");
    }

    // PostgreSQL → SQLite.
    let r = sb
        .run_env(&on_pg, &["ledger", "copy", "--to", "sqlite:back.db", "--json"])
        .ok()
        .json();
    assert_eq!(r["target_head"], head.as_str());
    let back = [("RELCON_LEDGER_URL", "sqlite:back.db")];
    assert_eq!(sb.run_env(&back, &["audit", "head"]).ok().stdout.trim(), head);
    sb.run_env(&back, &["audit", "verify"]).ok();

    // A target that holds events is refused, whichever way.
    let r = sb.run(&["ledger", "copy", "--to", &target.url]).code(2);
    assert!(r.stderr.contains("already holds"), "{r}");
    sb.run_env(&on_pg, &["ledger", "copy", "--to", "sqlite:back.db"])
        .code(2);
    assert_eq!(sb.run_env(&on_pg, &["audit", "head"]).ok().stdout.trim(), head);
}

#[test]
fn a_missing_or_newer_schema_is_refused_clearly() {
    let Some(server) = pg::server() else { return };
    let sb = Sandbox::with_db(&pipeline_config("\"true\"", "", ""), TestDb::create_empty(&server));
    let url = sb.ledger_url().unwrap().to_string();

    // No schema yet: a usage error that says what to run, for reads and writes.
    for args in [&["status"][..], &["release", "register", "1.0", "--commit", "c"]] {
        let r = sb.run(args).code(2);
        assert!(
            r.stderr.contains("run `relcon ledger init`") && r.stderr.contains(&url),
            "{r}"
        );
    }
    assert_eq!(
        sb.query_i64("SELECT COUNT(*) FROM pg_namespace WHERE nspname = 'relcon'"),
        0
    );
    // Three people run init at once: one migrates, the others wait and find it done.
    let inits: Vec<Child> = (0..3)
        .map(|_| sb.spawn_as("ana", &["ledger", "init", "--json"]))
        .collect();
    let reports: Vec<serde_json::Value> = inits
        .into_iter()
        .map(|c| finish(c, Duration::from_secs(30)).ok().json())
        .collect();
    let mut froms: Vec<i64> = reports.iter().map(|r| r["from"].as_i64().unwrap()).collect();
    froms.sort_unstable();
    // The one that migrated also created the indexes; the others found them.
    let mut created: Vec<usize> = reports.iter().map(|r| r["indexes"].as_array().unwrap().len()).collect();
    created.sort_unstable();
    assert_eq!(created, vec![0, 0, 3], "{reports:?}");
    let r = sb.run(&["ledger", "init", "--json"]).ok().json();
    let known = r["to"].as_i64().unwrap();
    assert!(known >= 1, "{r}");
    assert_eq!(froms, vec![0, known, known], "exactly one init migrated");
    assert_eq!(
        sb.run(&["ledger", "init", "--json"]).ok().json()["from"],
        known,
        "init again is a no-op"
    );
    sb.register("1.0", "c");

    // A schema from a newer relcon: refused, never misread or migrated down.
    sb.sql("UPDATE schema_version SET version = 99");
    for args in [
        &["status"][..],
        &["release", "register", "1.1", "--commit", "c"],
        &["ledger", "init"],
    ] {
        let r = sb.run(args).code(1);
        assert!(
            r.stderr.contains("schema version 99")
                && r.stderr.contains("newer than this relcon")
                && r.stderr.contains(&url),
            "{args:?}: {r}"
        );
    }
    assert_eq!(sb.query_i64("SELECT MAX(version)::bigint FROM schema_version"), 99);
    assert_eq!(sb.query_i64("SELECT COUNT(*) FROM events"), 1);
}

#[test]
fn init_adds_missing_indexes_without_a_schema_step_and_reads_use_them() {
    let Some(server) = pg::server() else { return };
    let sb = Sandbox::with_db(&pipeline_config("\"true\"", "", ""), TestDb::create(&server));
    let version = sb.query_i64("SELECT MAX(version)::bigint FROM relcon.schema_version");
    // A team whose server predates an index: relcon still opens and reads.
    sb.sql("DROP INDEX relcon.builds_commit");
    sb.register("1.0", "c");
    sb.run(&["metrics", "--json"]).ok();
    let r = sb.run(&["ledger", "init", "--json"]).ok().json();
    assert_eq!(r["indexes"], serde_json::json!(["builds_commit"]), "{r}");
    assert_eq!(
        (r["from"].as_i64(), r["to"].as_i64()),
        (Some(version), Some(version)),
        "{r}"
    );
    let text = sb.run(&["ledger", "init"]).ok().stdout;
    assert!(!text.contains("created indexes"), "{text}");
    // The notes of a history page use the partial index (seq scans off, so
    // a tiny table shows whether the planner can use it at all).
    let mut c = sb.pg();
    c.batch_execute("SET search_path = relcon; SET enable_seqscan = off")
        .unwrap();
    let plan: Vec<String> = c
        .query(
            "EXPLAIN SELECT seq FROM events WHERE kind = 'note.added' AND env = $1 AND seq >= $2 ORDER BY seq",
            &[&"dev", &0i64],
        )
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert!(plan.iter().any(|l| l.contains("events_notes")), "{plan:?}");
}

/// An HTTP endpoint on loopback that answers every request with 200.
fn healthy_endpoint() -> String {
    let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let url = format!("http://{}/health", l.local_addr().expect("addr"));
    std::thread::spawn(move || {
        use std::io::{Read, Write};
        for mut conn in l.incoming().flatten() {
            let mut buf = [0u8; 4096];
            let _ = conn.read(&mut buf);
            let body = r#"{"status":"pass"}"#;
            let _ = write!(
                conn,
                "HTTP/1.1 200 OK\r\nContent-Type: application/health+json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
        }
    });
    url
}

#[test]
fn the_store_works_when_called_from_inside_an_async_runtime() {
    let cfg = format!(
        "{}\n[[environment.health]]\nname = \"api\"\nurl = \"{}\"\ninterval = \"200ms\"\n",
        pipeline_config("\"true\"", "", ""),
        healthy_endpoint()
    );
    let Some(sb) = on_pg(&cfg) else { return };
    // The sync client must not try to start its runtime inside this one.
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let head = rt.block_on(async {
        let mut store = sb.store();
        note(&mut store, "in-runtime").unwrap();
        assert!(store.verify().unwrap().ok());
        store.head_seq().unwrap()
    });
    assert_eq!(head, 1);
    // `health --until-healthy` reads the ledger from its async loop.
    let r = sb.run(&["health", "--until-healthy", "20s"]).ok();
    assert!(r.stdout.contains("healthy"), "{r}");
}

#[test]
fn a_writer_behind_a_frozen_lock_holder_gives_up_instead_of_hanging() {
    let Some(sb) = on_pg(&pipeline_config("\"true\"", "", "")) else {
        return;
    };
    sb.register("1.0", "c1");
    // Someone's session takes the head row and freezes (a laptop lid closed).
    let mut frozen = sb.pg();
    let mut tx = frozen.transaction().unwrap();
    tx.batch_execute("SELECT * FROM ledger_head FOR UPDATE").unwrap();
    // A writer waits at most its lock_timeout, then says why; reads still work.
    let r = sb.run(&["release", "register", "2.0", "--commit", "c2"]).code(1);
    assert!(
        r.stderr.contains("lock timeout") && r.stderr.contains(sb.ledger_url().unwrap()),
        "{r}"
    );
    sb.run(&["status"]).ok();
    drop(tx);
    sb.register("2.0", "c2");
    assert_eq!(sb.query_i64("SELECT COUNT(*) FROM events"), 2);
}

/// A waiter on PostgreSQL (the console's watcher, a rollout driver) sleeps
/// on LISTEN without waking every second; its store's wake ends the wait
/// at once, from another thread, and every later one. Another store that
/// hears the NOTIFY finds the head where it was (its caller waits on).
#[test]
fn a_wake_ends_a_long_wait_on_listen_and_every_later_one() {
    let Some(sb) = on_pg(&pipeline_config("\"true\"", "", "")) else {
        return;
    };
    let mut store = sb.store();
    let mut other = sb.store();
    note(&mut store, "m0").unwrap();
    let head = store.head_seq().unwrap();
    let wake = store.wake_handle().expect("PostgreSQL stores can be woken");
    let waker = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(300));
        wake.wake();
    });
    let other_waits = std::thread::spawn(move || other.wait_for_change(head, Duration::from_secs(5)).unwrap());
    let started = std::time::Instant::now();
    assert_eq!(store.wait_for_change(head, Duration::from_secs(600)).unwrap(), head);
    assert!(started.elapsed() < Duration::from_secs(60), "woken, not timed out");
    waker.join().unwrap();
    let started = std::time::Instant::now();
    assert_eq!(store.wait_for_change(head, Duration::from_secs(600)).unwrap(), head);
    assert!(started.elapsed() < Duration::from_secs(10), "it stays woken");
    assert_eq!(other_waits.join().unwrap(), head);
}
