//! Ledger budgets (DESIGN §7): recording one event durably (< 5 ms median),
//! start-up (open + status) and `relcon status --json` on ledgers of 1 000
//! and 1 000 000 events (< 150 ms start-up, ≤ 2× empty; status < 50 ms).

mod support;

use std::process::{Command, Stdio};
use std::time::Duration;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use relcon::ledger::bodies::BuildRegistered;
use relcon::ledger::{kind, NewEvent, SqliteStore, Store};
use relcon::ops::{self, Ctx};
use support::BenchLedger;

fn ledgers() -> Vec<(&'static str, BenchLedger)> {
    support::startup_ledgers()
}

fn append_durable(c: &mut Criterion) {
    let dir = support::root();
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(format!("append-{}.db", std::process::id()));
    let mut store = SqliteStore::open(&path).unwrap();
    let sync: i64 = store
        .connection()
        .query_row("PRAGMA synchronous", [], |r| r.get(0))
        .unwrap();
    assert_eq!(sync, 2, "the store must run with synchronous=FULL");
    let mut i = 0u64;
    let mut g = c.benchmark_group("ledger");
    g.sample_size(50).measurement_time(Duration::from_secs(5));
    g.bench_function("append_one_event_durable", |b| {
        b.iter(|| {
            i += 1;
            let body = BuildRegistered {
                version: format!("9.{i}"),
                commit: format!("{i:040x}"),
                artifact: None,
                notes: None,
                commit_time: None,
            };
            store
                .transact(chrono::Utc::now(), "bench", &mut |_| {
                    Ok(vec![NewEvent::new(kind::BUILD_REGISTERED, None, &body)])
                })
                .unwrap();
        })
    });
    g.finish();
    drop(store);
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }
}

fn startup_and_status(c: &mut Criterion) {
    let all = ledgers();
    let mut g = c.benchmark_group("startup");
    g.sample_size(10)
        .measurement_time(Duration::from_secs(4))
        .warm_up_time(Duration::from_secs(1));
    for (label, l) in &all {
        // Start-up: open the ledger (migrations, interrupted-deployment scan) and compute status.
        g.bench_with_input(BenchmarkId::new("open_and_status", label), l, |b, l| {
            b.iter(|| {
                let ctx = Ctx::open(l.config.clone(), "bench".into(), ops::system_clock()).unwrap();
                ops::status::status(&ctx).unwrap()
            })
        });
    }
    g.finish();

    let mut g = c.benchmark_group("status");
    g.sample_size(10)
        .measurement_time(Duration::from_secs(4))
        .warm_up_time(Duration::from_secs(1));
    for (label, l) in &all {
        let ctx = Ctx::open(l.config.clone(), "bench".into(), ops::system_clock()).unwrap();
        g.bench_with_input(BenchmarkId::new("status_warm", label), &ctx, |b, ctx| {
            b.iter(|| ops::status::status(ctx).unwrap())
        });
    }
    for (label, l) in &all {
        // The whole command, as a script would run it.
        g.bench_with_input(BenchmarkId::new("cli_status_json", label), l, |b, l| {
            b.iter(|| {
                let st = Command::new(env!("CARGO_BIN_EXE_relcon"))
                    .arg("--config")
                    .arg(&l.config_path)
                    .args(["status", "--json"])
                    .env("RELCON_USER", "bench")
                    .stdin(Stdio::null())
                    .stdout(Stdio::null())
                    .stderr(Stdio::null())
                    .status()
                    .unwrap();
                assert!(st.success());
            })
        });
    }
    g.finish();
    report_memory(&all);
}

/// Peak RSS of `relcon status --json` on each ledger (budget: < 80 MB at
/// 1M events), measured by GNU time: a child of ours would inherit our own
/// high-water mark across fork+exec.
fn report_memory(all: &[(&str, BenchLedger)]) {
    for (label, l) in all {
        let out = Command::new("/usr/bin/time")
            .args(["-f", "%M"])
            .arg(env!("CARGO_BIN_EXE_relcon"))
            .arg("--config")
            .arg(&l.config_path)
            .args(["status", "--json"])
            .env("RELCON_USER", "bench")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .output();
        match out {
            Ok(o) if o.status.success() => {
                let kb: f64 = String::from_utf8_lossy(&o.stderr)
                    .trim()
                    .lines()
                    .last()
                    .and_then(|l| l.trim().parse().ok())
                    .unwrap_or(0.0);
                eprintln!(
                    "memory: relcon status --json, {label} ledger ({} events): peak RSS {:.1} MB",
                    l.events,
                    kb / 1024.0
                );
            }
            _ => eprintln!("memory: /usr/bin/time is not available; peak RSS not measured"),
        }
    }
}

criterion_group!(benches, append_durable, startup_and_status);
criterion_main!(benches);
