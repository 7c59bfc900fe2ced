//! The screens in docs/captures/ (pasted into the README and the tutorial)
//! cannot go stale: each is rendered here from the demo — its config and
//! its seeded month of history, under a fixed clock, with health samples
//! fed in rather than polled — at 100×30, and compared with the file.
//! `UPDATE_CAPTURES=1 cargo test --test doc_captures` rewrites them.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use chrono::{DateTime, TimeZone, Utc};
use relcon::config::Config;
use relcon::health::{HealthUpdate, Sample, State};
use relcon::ops::{self, Ctx};
use relcon::tui::testing::{self, buffer, press, text};
use relcon::tui::{App, AppInit, Msg, Theme};

const SIZE: (u16, u16) = (100, 30);

/// Friday 2026-11-20 10:00 UTC: the demo's history is seeded up to here.
fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 20, 10, 0, 0).unwrap()
}

/// The demo's folder as `relcon demo` makes it, with fixed service ports.
fn demo() -> (tempfile::TempDir, Ctx) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("relcon.toml");
    std::fs::write(&path, relcon::demo::config_text(&[8081, 8082, 8083], now())).unwrap();
    let config = Config::load(&path).unwrap();
    let mut ctx = Ctx::open(config, "you@example.com".into(), Arc::new(now)).unwrap();
    relcon::demo::seed(ctx.store.as_mut(), now()).unwrap();
    (dir, ctx)
}

/// Every endpoint healthy, reporting the release the ledger expects, as
/// the pollers would after a few rounds (fixed latencies, no network).
fn healthy(app: &mut App, ctx: &Ctx) {
    let status = ops::status::status(ctx).unwrap();
    for (i, env) in ctx.config.environments.iter().enumerate() {
        let version = status
            .environments
            .iter()
            .find(|e| e.name == env.name)
            .and_then(|e| e.release.as_ref())
            .map(|r| r.version.clone());
        for (j, check) in env.health.iter().enumerate() {
            for (k, ms) in [6u64, 4, 9, 5].into_iter().enumerate() {
                let sample = Sample {
                    at: now() - chrono::Duration::seconds(8 - 2 * k as i64),
                    state: State::Healthy,
                    reason: None,
                    latency_ms: Some(ms + i as u64 + j as u64),
                    version: (j == 0).then(|| version.clone()).flatten(),
                    http_status: Some(200),
                    checks: vec![],
                };
                app.update(Msg::Health(HealthUpdate::Check {
                    env: env.name.clone(),
                    check: check.name.clone(),
                    sample,
                }));
            }
        }
    }
}

fn console(ctx: &mut Ctx) -> App {
    let mut app = App::new(AppInit {
        config: ctx.config.clone(),
        actor: ctx.actor.clone(),
        read_only: false,
        now: now(),
        size: SIZE,
    });
    testing::refresh(ctx, &mut app);
    healthy(&mut app, ctx);
    app
}

fn capture_path(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("docs/captures")
        .join(format!("{name}.txt"))
}

/// Compare the screen with docs/captures/NAME.txt, or rewrite it.
fn check(name: &str, app: &App) {
    let screen = text(&buffer(app, &Theme::default_dark(), SIZE.0, SIZE.1));
    let path = capture_path(name);
    if std::env::var_os("UPDATE_CAPTURES").is_some_and(|v| v == "1") {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, &screen).unwrap();
        return;
    }
    let stored = std::fs::read_to_string(&path).unwrap_or_default();
    if stored != screen {
        let first = stored
            .lines()
            .zip(screen.lines())
            .position(|(a, b)| a != b)
            .unwrap_or(stored.lines().count().min(screen.lines().count()));
        panic!(
            "{} is stale (first difference on line {}); the console now shows:\n{screen}\n\
             rewrite it with `UPDATE_CAPTURES=1 cargo test --test doc_captures` and check the docs that include it",
            path.display(),
            first + 1
        );
    }
}

#[test]
fn dashboard_capture() {
    let (_dir, mut ctx) = demo();
    let app = console(&mut ctx);
    check("dashboard", &app);
}

#[test]
fn checklists_capture() {
    // Staging's validation of the build waiting for prod, half walked.
    let (_dir, mut ctx) = demo();
    let mut app = console(&mut ctx);
    press(&mut ctx, &mut app, &["l", "2"]);
    check("checklists", &app);
}

#[test]
fn flags_capture() {
    // customer_portal in prod: pilot tenants and 10 %.
    let (_dir, mut ctx) = demo();
    let mut app = console(&mut ctx);
    press(&mut ctx, &mut app, &["l", "l", "3"]);
    check("flags", &app);
}
