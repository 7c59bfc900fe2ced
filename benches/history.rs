//! Reads that must not grow with history, and the whole-ledger passes,
//! each beside its bare baseline in the same run (DESIGN §7, issue 17):
//!
//! - `audit --json --since 1h` on 1M events vs the same on an empty ledger
//!   with the same 20 envs (goal ≤ 2×), as a process and in process;
//! - `metrics` over the last two weeks of a 1M-event history vs the same
//!   two weeks of a 100k-event one (goal ≤ 2×);
//! - `audit verify` vs a bare sha256 pass over the rows with rusqlite
//!   (goal ≤ 1.5×), and vs that pass plus one over every projection row
//!   (what verify must read besides the chain);
//! - `ledger rebuild` (on a copy) vs a bare scan of the rows (goal ≤ 3×):
//!   on the consistent copy (nothing to write) and with its projections
//!   emptied first (every row written), the latter also vs a bare scan
//!   followed by the same rows inserted with rusqlite.
//!
//! Ratios are printed at the end (`ratio:` lines) and written with the
//! absolute times to `target/bench-report/history-SIZE.md` (`history-1M.md`), which
//! `benches/report.py` folds into docs/performance.md.
//! `RELCON_BENCH_EVENTS` picks the big ledger's size (default 1 000 000).

mod support;

use std::process::{Command, Stdio};
use std::time::Duration;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use relcon::ledger::{SqliteStore, Store};
use relcon::ops::{self, Ctx};
use sha2::{Digest, Sha256};
use support::{BenchLedger, Spec};

fn big_events() -> u64 {
    std::env::var("RELCON_BENCH_EVENTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000)
}

fn pair() -> (BenchLedger, BenchLedger) {
    let spec = |events| Spec {
        envs: 20,
        events,
        hot_first_env: false,
        spread: false,
        flags: 0,
    };
    (support::ledger(spec(0)), support::ledger(spec(big_events())))
}

fn cli(l: &BenchLedger, args: &[&str]) {
    let st = Command::new(env!("CARGO_BIN_EXE_relcon"))
        .arg("--config")
        .arg(&l.config_path)
        .args(args)
        .env("RELCON_USER", "bench")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .unwrap();
    assert!(st.success(), "relcon {args:?} failed");
}

fn audit_since(c: &mut Criterion) {
    let (empty, big) = pair();
    let mut g = c.benchmark_group("audit_since");
    g.sample_size(20)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(3));
    for (label, l) in [("empty", &empty), ("big", &big)] {
        g.bench_with_input(BenchmarkId::new("cli", label), l, |b, l| {
            b.iter(|| cli(l, &["audit", "--json", "--since", "1h"]))
        });
        let ctx = Ctx::open(l.config.clone(), "bench".into(), ops::system_clock()).unwrap();
        let since = chrono::Utc::now() - chrono::Duration::hours(1);
        g.bench_with_input(BenchmarkId::new("in_process", label), &ctx, |b, ctx| {
            b.iter(|| ops::audit::list(ctx, 100, Some(since)).unwrap())
        });
    }
    g.finish();
}

/// DORA metrics over the same two weeks at the end of a 100k- and of a
/// 1M-event history, a week between batches of 20 000 events (so the window
/// holds the same events in both): the replay reads the window's events,
/// older history comes from the projections (goal: the longer history
/// ≤ 2× the shorter).
fn dora_window(c: &mut Criterion) {
    let spec = |events| Spec {
        envs: 20,
        events,
        hot_first_env: false,
        spread: true,
        flags: 0,
    };
    // Always a million against 100 000 (at `RELCON_BENCH_EVENTS=100000` too).
    let (short, long) = (support::ledger(spec(100_000)), support::ledger(spec(1_000_000)));
    let mut g = c.benchmark_group("dora_window");
    g.sample_size(20)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(3));
    for (label, l) in [("short", &short), ("long", &long)] {
        let ctx = Ctx::open(l.config.clone(), "bench".into(), ops::system_clock()).unwrap();
        let last = ctx.store.events_newest(1, None).unwrap()[0].at;
        let (since, until) = (last - chrono::Duration::days(14), last + chrono::Duration::hours(1));
        let (s, u) = (since.to_rfc3339(), until.to_rfc3339());
        g.bench_with_input(BenchmarkId::new("cli", label), l, |b, l| {
            b.iter(|| cli(l, &["metrics", "e19", "--since", &s, "--until", &u, "--json"]))
        });
        g.bench_with_input(BenchmarkId::new("in_process", label), &ctx, |b, ctx| {
            b.iter(|| ops::metrics::metrics(ctx, "e19", since, until).unwrap())
        });
    }
    g.finish();
}

/// The least any verifier must do: read every row and chain sha256 over it.
fn bare_sha256_pass(db: &std::path::Path) -> u64 {
    let conn = rusqlite::Connection::open(db).unwrap();
    let mut st = conn
        .prepare("SELECT seq, at, actor, kind, env, body, hash FROM events ORDER BY seq")
        .unwrap();
    let mut rows = st.query([]).unwrap();
    let mut prev = [0u8; 32];
    let mut n = 0;
    while let Some(r) = rows.next().unwrap() {
        let mut h = Sha256::new();
        h.update(prev);
        h.update(r.get::<_, i64>(0).unwrap().to_le_bytes());
        for i in 1..7 {
            if let Some(t) = r.get_ref(i).unwrap().as_str_or_null().unwrap() {
                h.update(t.as_bytes());
            }
        }
        prev = h.finalize().into();
        n += 1;
    }
    n
}

/// What `audit verify` must read besides the chain: every row of every
/// projection, sha256 over its text (relcon also folds every event's body
/// to know what those rows should be, which has no bare equivalent).
fn bare_projection_pass(db: &std::path::Path) -> u64 {
    let conn = rusqlite::Connection::open(db).unwrap();
    let mut n = 0;
    for p in relcon::ledger::sql::chain::PROJECTIONS {
        let mut st = conn.prepare(&format!("SELECT {} FROM {}", p.cols, p.table)).unwrap();
        let cols = st.column_count();
        let mut rows = st.query([]).unwrap();
        let mut h = Sha256::new();
        while let Some(r) = rows.next().unwrap() {
            for i in 0..cols {
                match r.get_ref(i).unwrap() {
                    rusqlite::types::ValueRef::Integer(v) => h.update(v.to_le_bytes()),
                    rusqlite::types::ValueRef::Text(t) => h.update(t),
                    _ => h.update([0]),
                }
            }
            n += 1;
        }
        std::hint::black_box(h.finalize());
    }
    n
}

/// Every projection's rows, in rowid order (what a rebuild writes).
type TableRows = Vec<(&'static str, String, Vec<Vec<rusqlite::types::Value>>)>;

fn projection_rows(db: &std::path::Path) -> TableRows {
    let conn = rusqlite::Connection::open(db).unwrap();
    relcon::ledger::sql::chain::PROJECTIONS
        .iter()
        .map(|p| {
            let mut st = conn
                .prepare(&format!("SELECT {} FROM {} ORDER BY rowid", p.cols, p.table))
                .unwrap();
            let cols = st.column_count();
            let rows = st
                .query_map([], |r| {
                    (0..cols).map(|i| r.get::<_, rusqlite::types::Value>(i)).collect()
                })
                .unwrap()
                .map(Result::unwrap)
                .collect();
            let marks = vec!["?"; cols].join(", ");
            (
                p.table,
                format!("INSERT INTO {} ({}) VALUES ({marks})", p.table, p.cols),
                rows,
            )
        })
        .collect()
}

/// The least a rebuild that writes every row must do: read every event
/// (`bare_scan`), then insert the rows (already in memory) into the
/// emptied tables, a prepared statement per table, in one transaction,
/// the tables' own indexes dropped first and built once after (as
/// relcon's rebuild does; kept up row by row, 7.5 s against 2.8 s at 1M).
fn bare_scan_and_insert(db: &std::path::Path, tables: &TableRows) -> u64 {
    let n = bare_scan(db);
    let mut conn = rusqlite::Connection::open(db).unwrap();
    let tx = conn
        .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
        .unwrap();
    let mut indexes = Vec::new();
    for (table, ..) in tables {
        let mut st = tx
            .prepare("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ?1 AND sql IS NOT NULL")
            .unwrap();
        let found = st.query_map([table], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)));
        indexes.extend(found.unwrap().map(Result::unwrap));
    }
    for (name, _) in &indexes {
        tx.execute_batch(&format!("DROP INDEX {name}")).unwrap();
    }
    for (_, insert, rows) in tables {
        let mut st = tx.prepare(insert).unwrap();
        for row in rows {
            st.execute(rusqlite::params_from_iter(row)).unwrap();
        }
    }
    for (_, sql) in &indexes {
        tx.execute_batch(sql).unwrap();
    }
    tx.commit().unwrap();
    n
}

/// The least any rebuild must do: read every row into owned values.
fn bare_scan(db: &std::path::Path) -> u64 {
    let conn = rusqlite::Connection::open(db).unwrap();
    let mut st = conn
        .prepare("SELECT seq, at, actor, kind, env, body, hash FROM events ORDER BY seq")
        .unwrap();
    let rows = st
        .query_map([], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, Option<String>>(4)?,
                r.get::<_, String>(5)?,
                r.get::<_, String>(6)?,
            ))
        })
        .unwrap();
    rows.map(|r| r.unwrap().0 as u64).max().unwrap_or(0)
}

fn whole_ledger(c: &mut Criterion) {
    let (_, big) = pair();
    // Rebuild writes: it runs on a copy, made once per generated ledger.
    let copy = support::root().join(format!("{}-rebuild.db", big.name));
    let fresh = std::fs::metadata(&copy)
        .and_then(|c| Ok(c.modified()? >= std::fs::metadata(&big.db)?.modified()?))
        .unwrap_or(false);
    if !fresh {
        std::fs::copy(&big.db, &copy).unwrap();
    }
    let mut g = c.benchmark_group("whole_ledger");
    g.sample_size(10)
        .warm_up_time(Duration::from_millis(100))
        .measurement_time(Duration::from_secs(1));
    g.bench_function("bare_sha256_pass", |b| b.iter(|| bare_sha256_pass(&big.db)));
    g.bench_function("bare_sha256_pass_and_projections", |b| {
        b.iter(|| bare_sha256_pass(&big.db) + bare_projection_pass(&big.db))
    });
    let store = SqliteStore::open(&big.db).unwrap();
    g.bench_function("audit_verify", |b| {
        b.iter(|| {
            let r = store.verify().unwrap();
            assert!(r.first_bad.is_none() && r.projections.is_none());
        })
    });
    g.bench_function("bare_scan", |b| b.iter(|| bare_scan(&copy)));
    let mut store = SqliteStore::open(&copy).unwrap();
    // A consistent ledger: read, folded, compared, nothing written.
    g.bench_function("ledger_rebuild", |b| b.iter(|| store.rebuild().unwrap()));
    // The worst case: every projection emptied first, every row written.
    let wreck = rusqlite::Connection::open(&copy).unwrap();
    g.bench_function("ledger_rebuild_emptied", |b| {
        b.iter_batched(
            || {
                for p in relcon::ledger::sql::chain::PROJECTIONS {
                    wreck.execute(&format!("DELETE FROM {}", p.table), []).unwrap();
                }
            },
            |()| store.rebuild().unwrap(),
            criterion::BatchSize::PerIteration,
        )
    });
    // Its bare baseline: the same emptied tables, the same rows written.
    let tables = projection_rows(&big.db);
    g.bench_function("bare_scan_and_insert", |b| {
        b.iter_batched(
            || {
                for (table, ..) in &tables {
                    wreck.execute(&format!("DELETE FROM {table}"), []).unwrap();
                }
            },
            |()| bare_scan_and_insert(&copy, &tables),
            criterion::BatchSize::PerIteration,
        )
    });
    g.finish();
}

/// Medians from criterion's own output, as ratios to their baselines.
fn report(_: &mut Criterion) {
    // Where criterion writes: $CARGO_TARGET_DIR/criterion, else target/.
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target"));
    let dir = target.join("criterion");
    let median = |group: &str, id: &str| -> Option<f64> {
        let p = dir.join(group).join(id).join("new/estimates.json");
        let v: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(p).ok()?).ok()?;
        v["median"]["point_estimate"].as_f64()
    };
    let rows = [
        (
            "`audit --json --since 1h` (process)",
            "audit_since",
            "cli/big",
            "cli/empty",
            "same, empty ledger",
            2.0,
        ),
        (
            "`ops::audit::list` since 1 h (in process)",
            "audit_since",
            "in_process/big",
            "in_process/empty",
            "same, empty ledger",
            2.0,
        ),
        (
            "`metrics e19 --json`, the last 2 weeks of 1M events (process)",
            "dora_window",
            "cli/long",
            "cli/short",
            "same 2 weeks of a 100k-event history",
            2.0,
        ),
        (
            "`ops::metrics::metrics`, the last 2 weeks of 1M events (in process)",
            "dora_window",
            "in_process/long",
            "in_process/short",
            "same 2 weeks of a 100k-event history",
            2.0,
        ),
        (
            "`audit verify`",
            "whole_ledger",
            "audit_verify",
            "bare_sha256_pass",
            "bare sha256 pass over the rows",
            1.5,
        ),
        (
            "`audit verify`",
            "whole_ledger",
            "audit_verify",
            "bare_sha256_pass_and_projections",
            "bare sha256 pass over the rows and every projection row",
            1.5,
        ),
        (
            "`ledger rebuild`, consistent ledger (nothing to write)",
            "whole_ledger",
            "ledger_rebuild",
            "bare_scan",
            "bare scan of the rows",
            3.0,
        ),
        (
            "`ledger rebuild`, projections emptied (every row written)",
            "whole_ledger",
            "ledger_rebuild_emptied",
            "bare_scan",
            "bare scan of the rows",
            3.0,
        ),
        (
            "`ledger rebuild`, projections emptied (every row written)",
            "whole_ledger",
            "ledger_rebuild_emptied",
            "bare_scan_and_insert",
            "bare scan, then the same rows inserted",
            3.0,
        ),
    ];
    let mut md = format!(
        "| measure ({} events) | relcon | bare baseline | baseline | ratio | goal |\n| --- | --- | --- | --- | --- | --- |\n",
        big_events()
    );
    for (what, group, id, base_id, base, goal) in rows {
        let (Some(t), Some(b)) = (median(group, id), median(group, base_id)) else {
            continue;
        };
        let ratio = t / b;
        eprintln!("ratio: {what}: {:.2}× ({} vs {})", ratio, ms(t), ms(b));
        md.push_str(&format!(
            "| {what} | {} | {base} | {} | **{ratio:.2}×** | ≤ {goal}× |\n",
            ms(t),
            ms(b)
        ));
    }
    let out = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target/bench-report");
    let _ = std::fs::create_dir_all(&out);
    // One table per ledger size: `history-100k.md`, `history-1M.md`.
    let n = big_events();
    let size = if n >= 1_000_000 && n % 1_000_000 == 0 {
        format!("{}M", n / 1_000_000)
    } else if n >= 1_000 && n % 1_000 == 0 {
        format!("{}k", n / 1_000)
    } else {
        n.to_string()
    };
    let _ = std::fs::write(out.join(format!("history-{size}.md")), md);
}

fn ms(ns: f64) -> String {
    if ns >= 1e9 {
        format!("{:.2} s", ns / 1e9)
    } else if ns >= 1e6 {
        format!("{:.2} ms", ns / 1e6)
    } else {
        format!("{:.1} µs", ns / 1e3)
    }
}

criterion_group!(benches, audit_since, dora_window, whole_ledger, report);
criterion_main!(benches);
