//! Keypress → frame (issue 17): the real console in a 160×48
//! pseudo-terminal beside its bare baseline, a minimal ratatui + crossterm
//! loop (this same binary with `RELCON_BENCH_MINIMAL_LOOP=1`) in the same
//! terminal, the same keys, the same run. View keys are also timed in the
//! same loop repainting the whole screen (`RELCON_BENCH_MINIMAL_LOOP=full`),
//! as a relcon view switch does: the minimal loop changes a character a
//! row.
//!
//! Each key is written to the terminal and timed until the screen shows
//! the frame it asks for, twice: the first frame that shows the key took
//! effect (the view's tab, the selected env, the cursor), and the frame
//! with the data that view shows (no "loading…", the new env's history).
//! Keys alternate so every press changes the screen, with a pause longer
//! than the console's 33 ms frame cap between presses; the programs run
//! side by side and take turns by round. p50 and p95 come
//! from the samples themselves; the ratio divides relcon's p95 by the
//! baseline's. Written to `target/bench-report/keypress.md`, which
//! `benches/report.py` folds into docs/performance.md.
//!
//! `RELCON_BENCH_ROUNDS` (default 30) sets the presses per key;
//! `RELCON_BENCH_EVENTS` the ledger's size (default 100 000, 20 envs);
//! `RELCON_BENCH_DEMO=0` skips the run against `relcon demo`.

mod support;

#[path = "keypress/minimal.rs"]
mod minimal;
#[path = "keypress/pty.rs"]
mod pty;
#[path = "keypress/script.rs"]
mod script;

use std::path::Path;

use script::{Program, Timings};
use support::Spec;

fn env_num(name: &str, default: u64) -> u64 {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

fn main() {
    if let Some(mode) = std::env::var_os("RELCON_BENCH_MINIMAL_LOOP").filter(|v| v == "1" || v == "full") {
        if let Err(e) = minimal::run(mode == "full") {
            eprintln!("minimal loop: {e}");
            std::process::exit(1);
        }
        return;
    }
    // `cargo bench` passes `--bench`; a filter is not supported.
    let rounds = env_num("RELCON_BENCH_ROUNDS", 30) as usize;
    let events = env_num("RELCON_BENCH_EVENTS", 100_000);
    let ledger = support::ledger(Spec {
        envs: 20,
        events,
        hot_first_env: false,
        spread: false,
        flags: 20,
    });
    let dir = tempfile::tempdir().expect("a temp dir");
    let me = std::env::current_exe().expect("the bench binary");
    let relcon = Path::new(env!("CARGO_BIN_EXE_relcon"));
    let config = ledger.config_path.to_string_lossy().into_owned();

    // All four run side by side, a round of each in turn, so each sees
    // the machine as the others do (other builds come and go).
    let start = |p, program: &Path, args: &[&str], env: &[(&str, &str)]| {
        script::Runner::start(p, pty::Session::start(program, args, dir.path(), env))
    };
    let mut bare = start(Program::Minimal, &me, &[], &[("RELCON_BENCH_MINIMAL_LOOP", "1")]);
    let mut full = start(Program::MinimalFull, &me, &[], &[("RELCON_BENCH_MINIMAL_LOOP", "full")]);
    let mut bench = start(Program::Relcon, relcon, &["--config", &config], &[]);
    let mut demo = (env_num("RELCON_BENCH_DEMO", 1) == 1).then(|| start(Program::Demo, relcon, &["demo"], &[]));
    for _ in 0..rounds {
        bare.round();
        full.round();
        bench.round();
        if let Some(d) = &mut demo {
            d.round();
        }
    }
    let (bare, full, bench) = (bare.finish(), full.finish(), bench.finish());
    let demo = demo.map(script::Runner::finish);
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    let md = report(&ledger.name, [&bare, &full], &bench, demo.as_ref(), load.trim());
    println!("{md}");
    let out = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/bench-report");
    let _ = std::fs::create_dir_all(&out);
    if let Err(e) = std::fs::write(out.join("keypress.md"), md) {
        eprintln!("writing the report: {e}");
    }
}

/// The p-th percentile (nearest rank) of `xs`, in ms.
fn pct(xs: &[f64], p: f64) -> f64 {
    let mut v = xs.to_vec();
    v.sort_by(f64::total_cmp);
    if v.is_empty() {
        return f64::NAN;
    }
    let rank = ((p / 100.0) * v.len() as f64).ceil() as usize;
    v[rank.clamp(1, v.len()) - 1]
}

const GOAL: f64 = 1.5;

/// The table in the shape of the other benches' reports (history.rs):
/// one row per key and program, relcon beside the minimal loop's same key;
/// a view key's first frame also beside the loop repainting the screen.
fn report(ledger: &str, [bare, full]: [&Timings; 2], bench: &Timings, demo: Option<&Timings>, load: &str) -> String {
    let mut md = format!(
        "Keypress → frame in a 160×48 pseudo-terminal, {} presses per key, the programs taking \
         turns by round; p50 · p95 in ms; ratio = relcon p95 ÷ bare p95. \"first frame\": the key's effect shows; \"data\": the view's \
         rows are there too (no \"loading…\"). Two bare loops: the minimal one draws a title and 40 short rows, so a view \
         key changes a character a row; the full-repaint one fills the screen with each view's own text, so a view key \
         repaints nearly every cell, as a relcon view switch does. Load average at the end: {load}.\n\n\
         | measure | relcon | bare baseline | baseline | ratio | goal |\n| --- | --- | --- | --- | --- | --- |\n",
        bare.rounds
    );
    let runs: Vec<(&str, &Timings)> = std::iter::once((ledger, bench))
        .chain(demo.map(|d| ("demo", d)))
        .collect();
    let find = |t: &Timings, label: &str| t.samples.iter().find(|(l, _)| l == label).map(|(_, s)| s.frame.clone());
    for (name, t) in runs {
        for (label, s) in &t.samples {
            let Some(b) = find(bare, label) else {
                continue;
            };
            let mut rows = vec![("first frame", &s.frame, "minimal ratatui loop, same key", b)];
            if s.data != s.frame {
                let b = rows[0].3.clone();
                rows.push(("data", &s.data, "minimal ratatui loop, same key", b));
            }
            if let Some(f) = find(full, label) {
                rows.push((
                    "first frame",
                    &s.frame,
                    "minimal loop repainting the screen, same key",
                    f,
                ));
            }
            for (what, xs, baseline, b) in rows {
                let (p50, p95, max) = (pct(xs, 50.0), pct(xs, 95.0), pct(xs, 100.0));
                let (b50, b95) = (pct(&b, 50.0), pct(&b, 95.0));
                let ratio = p95 / b95;
                eprintln!("ratio: {name} {label} {what} vs {baseline}: {ratio:.2}× (p95 {p95:.2} ms vs {b95:.2} ms)");
                md.push_str(&format!(
                    "| {label}, {what} ({name}) | {p50:.2} · {p95:.2} ms (max {max:.1}) | {baseline} | \
                     {b50:.2} · {b95:.2} ms | **{ratio:.2}×** | ≤ {GOAL}× |\n"
                ));
            }
        }
    }
    md
}
