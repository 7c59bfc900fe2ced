//! Team mode on PostgreSQL (DESIGN §7, §11):
//! - `pg/append_one_event`: relcon's durable append (head row locked FOR
//!   UPDATE, event + projection + head + NOTIFY, commit) against a bare
//!   `INSERT … ; COMMIT` of the same row size on the same server, in the
//!   same run — the ratio is printed (goal ≤ 1.5×);
//! - `live/pg` and `live/sqlite`: how long another *process* takes to see an
//!   append (it waits in `Store::wait_for_change`, as a console's watcher
//!   does); p50 and p95 are printed (goal: p95 ≤ 100 ms on loopback).
//!
//! Needs `RELCON_TEST_PG` (e.g. postgres://postgres@127.0.0.1:5432/postgres):
//! a database of its own is created and dropped. Without it the PostgreSQL
//! benches are skipped with a message.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::Duration;

use criterion::Criterion;
use relcon::config::{Identity, LedgerConfig, LedgerLocation, DEFAULT_LEASE_TTL};
use relcon::ledger::bodies::BuildRegistered;
use relcon::ledger::{kind, open_ledger, NewEvent, Store};

const WATCHER: &str = "RELCON_BENCH_WATCHER";

/// CLOCK_MONOTONIC in ns: one clock for every process on the machine.
fn mono_ns() -> u64 {
    let mut ts = libc::timespec { tv_sec: 0, tv_nsec: 0 };
    // SAFETY: clock_gettime writes into the timespec we own.
    unsafe { libc::clock_gettime(libc::CLOCK_MONOTONIC, &mut ts) };
    ts.tv_sec as u64 * 1_000_000_000 + ts.tv_nsec as u64
}

fn ledger_cfg(location: LedgerLocation) -> LedgerConfig {
    LedgerConfig {
        location,
        password_env: None,
        identity: Identity::User,
        lease_ttl: DEFAULT_LEASE_TTL,
    }
}

fn location_of(s: &str) -> LedgerLocation {
    relcon::config::parse_ledger_url(s, std::path::Path::new("/")).expect("ledger url")
}

/// The child: report every head it sees, with the time it saw it.
fn watcher(url: &str) {
    let mut store = open_ledger(&ledger_cfg(location_of(url))).expect("watcher opens the ledger");
    let mut seen = store.head_seq().expect("head");
    println!("ready {seen}");
    loop {
        let head = store.wait_for_change(seen, Duration::from_secs(5)).expect("wait");
        if head != seen {
            println!("{head} {}", mono_ns());
            seen = head;
        }
    }
}

fn register(store: &mut dyn Store, i: u64) {
    let body = BuildRegistered {
        version: format!("9.{i}-{}", mono_ns()),
        commit: format!("{i:040x}"),
        artifact: None,
        notes: None,
    };
    store
        .transact(chrono::Utc::now(), "bench", &mut |_| {
            Ok(vec![NewEvent::new(kind::BUILD_REGISTERED, None, &body)])
        })
        .expect("append");
}

/// p50/p95 of another process seeing `samples` appends to `url`.
fn live_latency(c: &mut Criterion, name: &str, url: &str, samples: usize) {
    let exe = std::env::current_exe().expect("bench binary");
    let mut child = Command::new(exe)
        .env(WATCHER, url)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("start the watcher process");
    let mut lines = BufReader::new(child.stdout.take().expect("stdout")).lines();
    let first = lines.next().and_then(|l| l.ok()).unwrap_or_default();
    assert!(first.starts_with("ready"), "watcher: {first}");
    let mut store = open_ledger(&ledger_cfg(location_of(url))).expect("open");
    let mut lat = Vec::with_capacity(samples);
    let mut i = 0;
    let mut g = c.benchmark_group("live");
    g.sample_size(samples.clamp(10, 100))
        .measurement_time(Duration::from_secs(10));
    g.bench_function(name, |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                i += 1;
                // Let the watcher settle back into its wait first.
                std::thread::sleep(Duration::from_millis(20));
                let t0 = mono_ns();
                register(store.as_mut(), i);
                let line = lines.next().and_then(|l| l.ok()).unwrap_or_default();
                let seen: u64 = line.split(' ').nth(1).and_then(|t| t.parse().ok()).unwrap_or(t0);
                let d = Duration::from_nanos(seen.saturating_sub(t0));
                lat.push(d);
                total += d;
            }
            total
        })
    });
    g.finish();
    let _ = child.kill();
    let _ = child.wait();
    lat.sort();
    if lat.is_empty() {
        return;
    }
    let pct = |p: f64| lat[((lat.len() as f64 * p) as usize).min(lat.len() - 1)];
    println!(
        "live/{name}: another process saw the append after p50 {:.1} ms, p95 {:.1} ms, max {:.1} ms ({} samples)",
        pct(0.50).as_secs_f64() * 1e3,
        pct(0.95).as_secs_f64() * 1e3,
        lat.last().copied().unwrap_or_default().as_secs_f64() * 1e3,
        lat.len()
    );
}

/// A throwaway database on the server `RELCON_TEST_PG` names, with relcon's schema.
struct BenchDb {
    admin: String,
    name: String,
    url: String,
}

impl BenchDb {
    fn create() -> Option<BenchDb> {
        let admin = std::env::var("RELCON_TEST_PG").ok().filter(|u| !u.is_empty())?;
        let name = format!("relcon_bench_{}", std::process::id());
        let mut c = postgres::Client::connect(&admin, postgres::NoTls).expect("connect to RELCON_TEST_PG");
        c.batch_execute(&format!("DROP DATABASE IF EXISTS {name}"))
            .and_then(|_| c.batch_execute(&format!("CREATE DATABASE {name}")))
            .expect("create the bench database");
        let base = admin.rsplit_once('/').map_or(admin.as_str(), |(b, _)| b).to_string();
        // Plain TCP, like the bare client: the ratio compares the work, not TLS.
        let url = format!("{base}/{name}?sslmode=disable");
        relcon::ledger::postgres::init::init(&url, &ledger_cfg(location_of(&url)), &[]).expect("ledger init");
        Some(BenchDb { admin, name, url })
    }
}

impl Drop for BenchDb {
    fn drop(&mut self) {
        if let Ok(mut c) = postgres::Client::connect(&self.admin, postgres::NoTls) {
            let _ = c.batch_execute(&format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name));
        }
    }
}

/// The bare baseline: one row of an event's shape, one transaction.
fn bare_append(bare: &mut postgres::Client, insert: &postgres::Statement, n: i64) {
    let mut tx = bare.transaction().expect("begin");
    tx.execute(
        insert,
        &[
            &n,
            &"2026-12-02T00:00:00.000Z",
            &"bench",
            &"build.registered",
            &None::<String>,
            &format!("{{\"commit\":\"{n:040x}\",\"version\":\"9.{n}\"}}"),
            &format!("{n:064x}"),
        ],
    )
    .expect("insert");
    tx.commit().expect("commit");
}

fn pg_append(c: &mut Criterion, db: &BenchDb) {
    let mut store = open_ledger(&ledger_cfg(location_of(&db.url))).expect("open");
    // The bare baseline: one row of the same shape, one transaction, same server.
    let mut bare = postgres::Client::connect(&db.url, postgres::NoTls).expect("connect");
    bare.batch_execute(
        "CREATE TABLE bare_events (seq BIGINT PRIMARY KEY, at TEXT, actor TEXT, kind TEXT, env TEXT, body TEXT, hash TEXT)",
    )
    .expect("bare table");
    let insert = bare
        .prepare("INSERT INTO bare_events VALUES ($1, $2, $3, $4, $5, $6, $7)")
        .expect("prepare");
    let mut i = 0u64;
    let mut g = c.benchmark_group("pg");
    g.sample_size(50).measurement_time(Duration::from_secs(8));
    g.bench_function("append_one_event", |b| {
        b.iter(|| {
            i += 1;
            register(store.as_mut(), i);
        })
    });
    let mut n = 0i64;
    g.bench_function("bare_insert_commit", |b| {
        b.iter(|| {
            n += 1;
            bare_append(&mut bare, &insert, n);
        })
    });
    g.finish();
    // The same two, interleaved, so both see the same server at the same time.
    let (mut ours, mut theirs) = (Vec::new(), Vec::new());
    for _ in 0..200 {
        i += 1;
        n += 1;
        let t = std::time::Instant::now();
        register(store.as_mut(), i);
        ours.push(t.elapsed());
        let t = std::time::Instant::now();
        bare_append(&mut bare, &insert, n);
        theirs.push(t.elapsed());
    }
    ours.sort();
    theirs.sort();
    let (a, b) = (ours[100], theirs[100]);
    println!(
        "pg/append: relcon {:.3} ms vs bare INSERT+COMMIT {:.3} ms (medians of 200 interleaved): {:.2}x",
        a.as_secs_f64() * 1e3,
        b.as_secs_f64() * 1e3,
        a.as_secs_f64() / b.as_secs_f64()
    );
}

fn main() {
    if let Ok(url) = std::env::var(WATCHER) {
        watcher(&url);
        return;
    }
    let mut c = Criterion::default().configure_from_args();
    let dir = std::env::temp_dir().join(format!("relcon-bench-live-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let sqlite = format!("sqlite:{}", dir.join("live.db").display());
    open_ledger(&ledger_cfg(location_of(&sqlite))).expect("create sqlite ledger");
    live_latency(&mut c, "sqlite", &sqlite, 60);
    match BenchDb::create() {
        Some(db) => {
            pg_append(&mut c, &db);
            live_latency(&mut c, "pg", &db.url, 60);
        }
        None => eprintln!(
            "team bench: PostgreSQL benches skipped: set RELCON_TEST_PG=postgres://postgres@127.0.0.1:5432/postgres"
        ),
    }
    let _ = std::fs::remove_dir_all(&dir);
    c.final_summary();
}
