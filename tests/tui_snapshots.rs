//! The console rendered headlessly (DESIGN §9): an App over a real ledger
//! seeded through the real ops, driven by key events through its update
//! function, drawn into ratatui's TestBackend at 80×24 and 160×48 and
//! snapshotted with insta. Time comes from an injected clock, so the
//! snapshots are stable; colours that carry meaning are asserted.
//! Dashboard, history, audit, help, badges and health here; the
//! checklists, flags and action dialogs in tui_views.rs.

mod tui_support;

use relcon::exec::CancelToken;
use relcon::ops::{self};
use relcon::tui::testing::{self, buffer, find, press, text, type_text};
use relcon::tui::{Msg, Theme};
use tui_support::*;

#[test]
fn dashboard_at_both_sizes() {
    let mut w = world();
    for (cols, rows) in [(80, 24), (160, 48)] {
        let a = app(&mut w, (cols, rows), false);
        let (t, b) = screen(&a, cols, rows);
        insta::assert_snapshot!(format!("dashboard_{cols}x{rows}"), t);
        // The protected env's card border wears env_prod.
        let (x, y) = find(&b, "prod ◆").expect("prod card title");
        assert_eq!(b[(x - 2, y)].fg, theme().env_prod, "prod card border colour");
        assert_ne!(b[(x - 2, y)].fg, theme().border, "not the plain border colour");
        // Frozen and protected badges carry symbols, not only colour.
        assert!(t.contains('❄') && t.contains('◆'), "{t}");
    }
}

#[test]
fn history_detail_of_a_failed_release_uses_the_error_colour() {
    let mut w = world();
    let mut a = app(&mut w, (160, 48), false);
    press(&mut w.ctx, &mut a, &["l", "j"]);
    // staging: v4 (1.3.0) current, v3 = the failed 1.2.0 attempt.
    let (t, b) = screen(&a, 160, 48);
    insta::assert_snapshot!("history_failed_detail_160x48", t);
    assert!(
        t.contains("migration 42 failed"),
        "hook output in the detail pane:\n{t}"
    );
    let (x, y) = find(&b, "✖ 1.2.0").expect("failed row");
    assert_eq!(b[(x, y)].fg, theme().error, "failed status symbol colour");
    let (t80, _) = screen(&a, 80, 24);
    insta::assert_snapshot!("history_failed_detail_80x24", t80);
}

#[test]
fn audit_view_and_filter() {
    let mut w = world();
    let mut a = app(&mut w, (160, 48), false);
    press(&mut w.ctx, &mut a, &["5"]);
    insta::assert_snapshot!("audit_160x48", screen(&a, 160, 48).0);
    press(&mut w.ctx, &mut a, &["/"]);
    type_text(&mut w.ctx, &mut a, "approved");
    press(&mut w.ctx, &mut a, &["enter"]);
    let (t, _) = screen(&a, 80, 24);
    insta::assert_snapshot!("audit_filtered_80x24", t);
    assert_eq!(a.views.audit.visible().len(), 5, "every approval, nothing else");
    press(&mut w.ctx, &mut a, &["esc"]);
    assert!(a.views.audit.filter.is_empty());
}

#[test]
fn help_is_generated_from_the_keymap() {
    let mut w = world();
    let mut a = app(&mut w, (80, 24), false);
    press(&mut w.ctx, &mut a, &["?"]);
    let (t, _) = screen(&a, 80, 24);
    insta::assert_snapshot!("help_80x24", t);
    assert!(t.contains("Promote to next env") && t.contains("Roll back"));
    press(&mut w.ctx, &mut a, &["esc"]);
    assert!(a.popups.is_empty());
    // Read-only: no write in help or footer.
    let mut ro = app(&mut w, (160, 48), true);
    press(&mut w.ctx, &mut ro, &["?"]);
    let (t, _) = screen(&ro, 160, 48);
    assert!(
        !t.contains("Promote to next env") && !t.contains("Roll back") && t.contains("read-only"),
        "{t}"
    );
}

#[test]
fn badges_for_hold_frozen_and_interrupted() {
    let mut w = world();
    let cancel = CancelToken::default();
    // A rollback holds staging.
    w.set(now() - chrono::Duration::minutes(30));
    ops::deploy::rollback(&mut w.ctx, "staging", None, &opts("bad build"), &mut |_| {}, &cancel).unwrap();
    // A deployment of dev whose process died: interrupted on the next start.
    let dead = std::process::Command::new("true").spawn().unwrap();
    let pid = dead.id();
    let mut dead = dead;
    dead.wait().unwrap();
    w.set(now() - chrono::Duration::minutes(3));
    let host = w.ctx.host.clone();
    w.ctx
        .store
        .transact(now(), "ana", &mut |_| {
            Ok(vec![relcon::ledger::NewEvent::new(
                relcon::ledger::kind::DEPLOYMENT_STARTED,
                Some("dev"),
                serde_json::json!({"number": 5, "version": "1.3.0", "commit": "d4e5f6a7b8", "action": "deploy", "pid": pid, "host": host}),
            )])
        })
        .unwrap();
    ops::recover::detect_interrupted(&mut w.ctx).unwrap();
    w.set(now());
    for (cols, rows) in [(80, 24), (160, 48)] {
        let mut a = app(&mut w, (cols, rows), false);
        // Staging's detail (the rollback); dev's would show this machine's pid and host.
        press(&mut w.ctx, &mut a, &["l"]);
        let (t, b) = screen(&a, cols, rows);
        insta::assert_snapshot!(format!("badges_{cols}x{rows}"), t);
        assert!(t.contains('▲') && t.contains('❄') && t.contains('✖'), "{t}");
        let (x, y) = find(&b, "✖").expect("interrupted symbol");
        assert_eq!(b[(x, y)].fg, theme().error);
    }
    // R opens the resolve dialog for dev; resolving goes through ops.
    let mut a = app(&mut w, (160, 48), false);
    press(&mut w.ctx, &mut a, &["R"]);
    let (t, _) = screen(&a, 160, 48);
    assert!(
        t.contains("Resolve the interrupted deployment of dev") && t.contains("v5 (1.3.0"),
        "{t}"
    );
    press(&mut w.ctx, &mut a, &["f", "tab"]);
    type_text(&mut w.ctx, &mut a, "never went out");
    press(&mut w.ctx, &mut a, &["enter"]);
    assert!(a.popups.is_empty(), "a quick action closes its dialog on success");
    assert!(
        a.status.as_ref().is_some_and(|s| s.0.contains("resolved as failed")),
        "{:?}",
        a.status
    );
    let dev = ops::status::status(&w.ctx)
        .unwrap()
        .environments
        .into_iter()
        .find(|e| e.name == "dev")
        .unwrap();
    assert!(
        !dev.badges.contains(&ops::status::Badge::Interrupted),
        "{:?}",
        dev.badges
    );
}

#[test]
fn read_only_hides_and_refuses_writes() {
    let mut w = world();
    let mut a = app(&mut w, (160, 48), true);
    let (t, _) = screen(&a, 160, 48);
    assert!(!t.contains("promote") && t.contains("read-only"), "{t}");
    assert!(a.update(Msg::Key(testing::key("p"))).is_empty());
    assert!(a.popups.is_empty());
    assert!(a.status.as_ref().is_some_and(|s| s.0.contains("read-only")));
    press(&mut w.ctx, &mut a, &[":"]);
    type_text(&mut w.ctx, &mut a, "rollback prod");
    assert!(a.update(Msg::Key(testing::key("enter"))).is_empty());
}

#[test]
fn no_color_theme_still_marks_status_with_symbols() {
    let mut w = world();
    let a = app(&mut w, (160, 48), false);
    let b = buffer(&a, &Theme::monochrome(), 160, 48);
    let t = text(&b);
    assert!(t.contains('●') && t.contains('◆') && t.contains('❄'));
    assert!(
        b.content.iter().all(|c| c.fg == ratatui::style::Color::Reset),
        "no colours at all"
    );
}

#[test]
fn health_lights_and_panel_follow_poller_samples() {
    use relcon::health::{HealthUpdate, Sample, State};
    let mut w = world();
    let mut a = app(&mut w, (160, 48), false);
    press(&mut w.ctx, &mut a, &["l", "l"]);
    let sample = |secs: i64, state: State, ms: u64, reason: Option<&str>| HealthUpdate::Check {
        env: "prod".into(),
        check: "api".into(),
        sample: Sample {
            at: now() + chrono::Duration::seconds(secs),
            state,
            reason: reason.map(str::to_string),
            latency_ms: Some(ms),
            version: Some("1.1.0".into()),
            http_status: Some(200),
            checks: vec![],
        },
    };
    for (i, ms) in [12, 15, 30, 18, 12, 60, 14].into_iter().enumerate() {
        a.update(Msg::Health(sample(i as i64, State::Healthy, ms, None)));
    }
    let (t, b) = screen(&a, 160, 48);
    insta::assert_snapshot!("health_panel_160x48", t);
    assert!(t.contains("● healthy 14ms") && t.contains("Health · prod"), "{t}");
    let (x, y) = find(&b, "● healthy 14ms").unwrap();
    assert_eq!(b[(x, y)].fg, theme().ok);
    a.update(Msg::Health(sample(8, State::Unhealthy, 2000, Some("HTTP 503"))));
    let (t, b) = screen(&a, 160, 48);
    assert!(t.contains("✖ unhealthy 2000ms: HTTP 503"), "{t}");
    let (x, y) = find(&b, "✖ unhealthy").unwrap();
    assert_eq!(b[(x, y)].fg, theme().error);
    // Compact cards keep the light.
    let (t, _) = screen(&a, 80, 24);
    assert!(t.contains("✖ 1d ago"), "{t}");
}

#[test]
fn health_view_lists_every_env() {
    use relcon::health::{HealthUpdate, Sample, State};
    let mut w = world();
    let mut a = app(&mut w, (80, 24), false);
    press(&mut w.ctx, &mut a, &["4"]);
    a.update(Msg::Health(HealthUpdate::Check {
        env: "prod".into(),
        check: "api".into(),
        sample: Sample {
            at: now(),
            state: State::Degraded,
            reason: Some("slow: p99 1.2s".into()),
            latency_ms: Some(1200),
            version: Some("1.1.0".into()),
            http_status: Some(200),
            checks: vec![],
        },
    }));
    let (t, b) = screen(&a, 80, 24);
    insta::assert_snapshot!("health_view_80x24", t);
    let (x, y) = find(&b, "▲ api").expect("degraded row");
    assert_eq!(b[(x, y)].fg, theme().warn);
}

#[test]
fn commits_between_releases_in_the_detail_pane() {
    use relcon::config::Config;
    use relcon::ops::deploy::Options;
    const REPO_CONFIG: &str = r#"
[project]
name = "portal"
repo = "repo"
[ledger]
url = "sqlite:ledger.db"
[[environment]]
name = "dev"
deploy = "true"
[[environment]]
name = "prod"
promote_from = "dev"
deploy = "true"
"#;
    let dir = tempfile::tempdir().unwrap();
    let ids = git_repo(
        &dir.path().join("repo"),
        &[
            ("Ana", "Initial customer portal"),
            ("Bo", "Tenant switcher in the header"),
            ("Ana", "Fix the login redirect loop"),
            ("Cy", "Invoices as PDF"),
            ("Bo", "Retry card authorisation once"),
        ],
    );
    std::fs::write(dir.path().join("relcon.toml"), REPO_CONFIG).unwrap();
    let config = Config::load(&dir.path().join("relcon.toml")).unwrap();
    let clock = std::sync::Arc::new(std::sync::Mutex::new(now() - chrono::Duration::days(3)));
    let c2 = clock.clone();
    let ctx = relcon::ops::Ctx::open(config, "ana".into(), std::sync::Arc::new(move || *c2.lock().unwrap())).unwrap();
    let mut w = World { _dir: dir, ctx, clock };
    let cancel = CancelToken::default();
    // dev: v1 at the first commit, v2 at the third, v3 at the fifth, v4 a
    // rollback to v2, v5 a build whose commit the repo does not know.
    for (i, (v, commit)) in [
        ("1.0.0", &ids[0]),
        ("1.1.0", &ids[2]),
        ("1.2.0", &ids[4]),
        ("1.3.0", &"deadbeef00".to_string()),
    ]
    .into_iter()
    .enumerate()
    {
        w.set(now() - chrono::Duration::hours(60 - 12 * i as i64));
        register(&mut w, v, commit);
        if v == "1.3.0" {
            ops::deploy::rollback(
                &mut w.ctx,
                "dev",
                Some(2),
                &opts("checkout errors"),
                &mut |_| {},
                &cancel,
            )
            .unwrap();
            ops::hold::clear(&mut w.ctx, "dev", Some("fixed in 1.3.0".into())).unwrap();
            w.set(now() - chrono::Duration::hours(1));
        }
        ops::deploy::deploy(&mut w.ctx, "dev", v, &Options::default(), &mut |_| {}, &cancel).unwrap();
    }
    w.set(now());
    let mut a = app(&mut w, (160, 48), false);
    let (t, _) = screen(&a, 160, 48);
    assert!(
        t.contains("commits since v4: ✖ git: fatal: bad revision"),
        "an unknown commit is a muted one-liner:\n{t}"
    );
    // v4, the rollback: what it took out.
    press(&mut w.ctx, &mut a, &["j"]);
    let (t, _) = screen(&a, 160, 48);
    assert!(
        t.contains("rolled back: 2 commits of v3 no longer run") && t.contains("Retry card authorisation once"),
        "{t}"
    );
    // v3: the two commits since v2, newest first, with their authors.
    press(&mut w.ctx, &mut a, &["j"]);
    let (t, b) = screen(&a, 160, 48);
    insta::assert_snapshot!("history_commits_160x48", t);
    let (x, y) = find(&b, "commits since v2 (2)").expect("commits header");
    assert_eq!(b[(x, y)].fg, theme().muted, "header in the muted colour");
    let newest = t.find("Retry card authorisation once").unwrap();
    let older = t.find("Invoices as PDF").unwrap();
    assert!(newest < older && !t.contains("Fix the login redirect loop"), "{t}");
    insta::assert_snapshot!("history_commits_80x24", screen(&a, 80, 24).0);
    // v1: nothing earlier to compare with.
    press(&mut w.ctx, &mut a, &["j", "j"]);
    assert!(screen(&a, 160, 48).0.contains("the first release here"));
}
