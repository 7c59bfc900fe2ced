//! Health in the console, rendered headlessly: the Health view's rows
//! (state, latency, sparkline, reported vs expected version, time since
//! the last change, last error, sub-checks, metrics) and lights that follow
//! the pollers' samples at once, not the last snapshot.

mod tui_support;

use chrono::Duration;
use relcon::config::Config;
use relcon::exec::CancelToken;
use relcon::health::{HealthUpdate, MetricSample, Sample, State, SubCheck};
use relcon::ops;
use relcon::tui::testing::{self, find, press};
use relcon::tui::views::health::NO_METRICS;
use relcon::tui::{App, Msg, Snapshot};
use tui_support::*;

const METRICS_CONFIG: &str = r#"
[project]
name = "portal"
[ledger]
url = "sqlite:ledger.db"
[prometheus]
url = "http://127.0.0.1:9"

[[environment]]
name = "dev"
deploy = "true"
health = [
  { name = "api", url = "http://127.0.0.1:9/health" },
  { name = "web", url = "http://127.0.0.1:9/" },
]

[[environment]]
name = "prod"
promote_from = "dev"
protected = true
deploy = "true"
health = [{ name = "api", url = "http://127.0.0.1:9/health" }]

[[environment.metric]]
name = "error rate"
query = "sum(rate(errors[5m]))"
warn = "> 0.005"
fail = "> 0.01"

[[environment.metric]]
name = "p95 latency"
query = "histogram_quantile(0.95, x)"
warn = "> 1s"
"#;

fn check(env: &str, check: &str, secs_ago: i64, state: State, ms: u64, version: &str) -> Msg {
    let reason = (state != State::Healthy).then(|| "HTTP 503".to_string());
    Msg::Health(HealthUpdate::Check {
        env: env.into(),
        check: check.into(),
        sample: Sample {
            at: now() - Duration::seconds(secs_ago),
            state,
            reason,
            latency_ms: Some(ms),
            version: Some(version.into()),
            http_status: Some(if state == State::Healthy { 200 } else { 503 }),
            checks: vec![],
        },
    })
}

fn metric(name: &str, secs_ago: i64, state: State, value: Option<f64>, reason: Option<&str>) -> Msg {
    Msg::Health(HealthUpdate::Metric {
        env: "prod".into(),
        metric: name.into(),
        sample: MetricSample {
            at: now() - Duration::seconds(secs_ago),
            state,
            value,
            reason: reason.map(str::to_string),
        },
    })
}

/// dev runs 1.1.0, prod 1.0.0 (both deployed a day ago), with samples:
/// dev's api recovered from a 503 three minutes ago and reports sub-checks;
/// dev's web has not answered yet; prod's api reports 0.9.0 (drift); prod's
/// error rate breaches `fail`; its latency query fails.
fn metrics_world() -> (World, App) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("relcon.toml"), METRICS_CONFIG).unwrap();
    let config = Config::load(&dir.path().join("relcon.toml")).unwrap();
    let clock = std::sync::Arc::new(std::sync::Mutex::new(now() - Duration::days(1)));
    let c2 = clock.clone();
    let ctx = ops::Ctx::open(config, "ana".into(), std::sync::Arc::new(move || *c2.lock().unwrap())).unwrap();
    let mut w = World { _dir: dir, ctx, clock };
    let cancel = CancelToken::default();
    for (v, c) in [("1.0.0", "a1b2c3d4e5"), ("1.1.0", "b2c3d4e5f6")] {
        register(&mut w, v, c);
        ops::deploy::deploy(&mut w.ctx, "dev", v, &Default::default(), &mut |_| {}, &cancel).unwrap();
        if v == "1.0.0" {
            ops::deploy::promote(&mut w.ctx, "dev", "prod", &opts("first"), &mut |_| {}, &cancel).unwrap();
        }
    }
    w.set(now());
    let mut a = app(&mut w, (160, 48), false);
    for (i, ms) in [12u64, 30, 18, 14].into_iter().enumerate() {
        a.update(check("dev", "api", 400 - 20 * i as i64, State::Healthy, ms, "1.1.0"));
    }
    a.update(check("dev", "api", 180, State::Unhealthy, 900, "1.1.0"));
    let mut back = check("dev", "api", 170, State::Healthy, 15, "1.1.0");
    if let Msg::Health(HealthUpdate::Check { sample, .. }) = &mut back {
        sample.checks = vec![
            SubCheck {
                name: "postgres:connections".into(),
                state: State::Healthy,
                detail: None,
            },
            SubCheck {
                name: "redis".into(),
                state: State::Degraded,
                detail: Some("slow replies".into()),
            },
        ];
    }
    a.update(back);
    for s in [40, 20] {
        a.update(check("prod", "api", s, State::Healthy, 21, "0.9.0"));
    }
    for (s, v) in [(60, 0.004), (30, 0.008), (5, 0.012)] {
        let (state, reason) = match v {
            v if v > 0.01 => (State::Unhealthy, Some("error rate = 0.012 (fail > 0.01)")),
            v if v > 0.005 => (State::Degraded, Some("error rate = 0.008 (warn > 0.005)")),
            _ => (State::Healthy, None),
        };
        a.update(metric("error rate", s, state, Some(v), reason));
    }
    a.update(metric(
        "p95 latency",
        5,
        State::Unknown,
        None,
        Some("prometheus bad_data: parse error"),
    ));
    press(&mut w.ctx, &mut a, &["4"]);
    (w, a)
}

#[test]
fn health_view_shows_every_endpoint_and_metric() {
    let (_w, a) = metrics_world();
    let (t, b) = screen(&a, 160, 48);
    insta::assert_snapshot!("health_view_metrics_160x48", t);
    // dev: in sync, recovered, with its sub-checks and its last error.
    assert!(t.contains("dev  ● healthy · runs 1.1.0"), "{t}");
    assert!(
        t.contains("changed 2m ago") && t.contains("last error 3m ago: HTTP 503"),
        "{t}"
    );
    assert!(t.contains("● postgres:connections") && t.contains("▲ redis") && t.contains("slow replies"));
    assert!(t.contains("? web") && t.contains("not polled yet"), "{t}");
    // prod: drift, marked ≠ in the warn colour, in the header and the row.
    assert!(t.contains("≠ drift: expected 1.0.0, running 0.9.0"), "{t}");
    let (x, y) = find(&b, "0.9.0 ≠ 1.0.0").expect("reported vs expected");
    assert_eq!(b[(x, y)].fg, theme().warn);
    // Metrics: value, thresholds, the breach and the query error.
    let (x, y) = find(&b, "✖ error rate").expect("metric row");
    assert_eq!(b[(x, y)].fg, theme().error);
    assert!(t.contains("0.012") && t.contains("warn > 0.005 · fail > 0.01"), "{t}");
    assert!(t.contains("prometheus bad_data: parse error"), "{t}");
    assert!(
        t.contains("prod  ✖ unhealthy · ≠ drift: expected 1.0.0, running 0.9.0 · error rate = 0.012"),
        "the header's reason is the worst one:\n{t}"
    );
    assert!(!t.contains(NO_METRICS), "metrics are configured");
    insta::assert_snapshot!("health_view_metrics_80x24", screen(&a, 80, 24).0);
}

#[test]
fn health_view_scrolls_to_its_last_line() {
    let (mut w, mut a) = metrics_world();
    a.update(Msg::Resize(80, 14));
    let (t, _) = screen(&a, 80, 14);
    assert!(!t.contains("p95 latency"), "below the fold at 80×14:\n{t}");
    press(&mut w.ctx, &mut a, &["G"]);
    let (t, _) = screen(&a, 80, 14);
    assert!(
        t.contains("last error 5s ago: prometheus bad_data") && !t.contains("dev  ●"),
        "the last row and its error line:\n{t}"
    );
}

#[test]
fn without_metrics_one_line_says_how_to_add_them() {
    let mut w = world();
    let mut a = app(&mut w, (160, 48), false);
    press(&mut w.ctx, &mut a, &["4"]);
    let (t, b) = screen(&a, 160, 48);
    assert_eq!(t.matches(NO_METRICS).count(), 1, "{t}");
    let (x, y) = find(&b, "no metrics:").unwrap();
    assert_eq!(b[(x, y)].fg, theme().muted);
}

/// The bug: the snapshot said "● runs 1.1.0" while every sample since said
/// unhealthy. Lights now come from the board on every sample.
#[test]
fn lights_follow_the_samples_not_the_last_snapshot() {
    let mut w = world();
    let mut a = app(&mut w, (160, 48), false);
    press(&mut w.ctx, &mut a, &["l", "l"]);
    a.update(check("prod", "api", 10, State::Healthy, 12, "1.1.0"));
    // A snapshot loaded while healthy (as the reader does)…
    let s = Snapshot::load_with(&w.ctx, &a.query, &a.shared.health).unwrap();
    a.update(Msg::Snapshot(Box::new(s)));
    assert!(screen(&a, 160, 48).0.contains("● healthy · runs 1.1.0"));
    // …then a failing sample, and no new snapshot.
    a.update(check("prod", "api", 0, State::Unhealthy, 2000, "1.1.0"));
    let (t, b) = screen(&a, 160, 48);
    assert!(t.contains("✖ unhealthy · runs 1.1.0"), "dashboard panel title:\n{t}");
    assert!(t.contains("✖ unhealthy 2000ms: HTTP 503"), "card:\n{t}");
    let (x, y) = find(&b, "✖ unhealthy · runs").unwrap();
    assert_eq!(b[(x, y)].fg, theme().error);
    press(&mut w.ctx, &mut a, &["4"]);
    let (t, b) = screen(&a, 160, 48);
    assert!(t.contains("prod  ✖ unhealthy · runs 1.1.0 · HTTP 503"), "{t}");
    let (x, y) = find(&b, "✖ unhealthy · runs").unwrap();
    assert_eq!(b[(x, y)].fg, theme().error);
    // A version change shows as drift at once too.
    a.update(check("prod", "api", 0, State::Healthy, 12, "1.0.0"));
    let (t, _) = screen(&a, 160, 48);
    assert!(
        t.contains("prod  ● healthy · ≠ drift: expected 1.1.0, running 1.0.0"),
        "{t}"
    );
    testing::refresh(&mut w.ctx, &mut a);
    press(&mut w.ctx, &mut a, &["1"]);
    let (t, _) = screen(&a, 160, 48);
    assert!(
        t.contains("≠ drift") && t.contains("≠ runs 1.0.0, expected 1.1.0"),
        "card:\n{t}"
    );
}
