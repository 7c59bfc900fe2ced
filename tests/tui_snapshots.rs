//! The console rendered headlessly (DESIGN §9): an App over a real ledger
//! seeded through the real ops, driven by key events through its update
//! function, drawn into ratatui's TestBackend at 80×24 and 160×48 and
//! snapshotted with insta. Time comes from an injected clock, so the
//! snapshots are stable; colours that carry meaning are asserted.

use std::sync::{Arc, Mutex};

use chrono::{DateTime, TimeZone, Utc};
use ratatui::buffer::Buffer;
use relcon::config::Config;
use relcon::exec::CancelToken;
use relcon::ops::checklist::TickRequest;
use relcon::ops::deploy::Options;
use relcon::ops::register::NewBuild;
use relcon::ops::{self, Ctx};
use relcon::tui::event::{Effect, Job, PlanRequest};
use relcon::tui::testing::{self, buffer, find, press, text, type_text};
use relcon::tui::{App, AppInit, Msg, Theme};

const CONFIG: &str = r#"
[project]
name = "customer-portal"

[ledger]
url = "sqlite:ledger.db"

[[environment]]
name = "dev"
url = "https://dev.example.com"
deploy = 'echo "deploying $RELCON_VERSION to $RELCON_ENV"'

[[environment]]
name = "staging"
promote_from = "dev"
deploy = 'if [ "$RELCON_VERSION" = "1.2.0" ]; then echo "running migrations"; echo "migration 42 failed: column exists"; exit 3; fi; echo "deploying $RELCON_VERSION to $RELCON_ENV"'
checklists = { before = [], after = ["staging-validation"] }

[[environment]]
name = "prod"
promote_from = "staging"
protected = true
approvals = 2
flag_approvals = 1
deploy = [{ name = "deploy", run = 'echo "deploying $RELCON_VERSION"' }, { name = "smoke", run = 'echo "smoke test of v$RELCON_RELEASE ok"' }]
checklists = { before = ["pre-deploy"], after = [] }
freeze = ["Wed 10:00 - Wed 14:00 UTC"]

[[environment.health]]
name = "api"
url = "http://127.0.0.1:9/health"

[flag.customer_portal]
description = "Customer portal /portal routes"
env.staging = { enabled = true }
env.prod = { enabled = false, rollout = 0, targets = ["15", "42", "103"] }

[flag.new_checkout]
env.dev = { enabled = true, rollout = 25 }

[checklist.pre-deploy]
title = "Pre-deployment"
items = ["All tests pass", "Code review completed", { text = "Security sign-off", role = "security" }]

[checklist.staging-validation]
title = "Staging validation"
items = ["Smoke tests green", { text = "Exploratory QA pass", role = "QA", hint = "30 minutes on the checkout flow" }, "Error rate normal"]
"#;

/// Wednesday 2026-11-18 12:00 UTC: inside prod's freeze window.
fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 18, 12, 0, 0).unwrap()
}

struct World {
    _dir: tempfile::TempDir,
    ctx: Ctx,
    clock: Arc<Mutex<DateTime<Utc>>>,
}

impl World {
    fn set(&self, at: DateTime<Utc>) {
        *self.clock.lock().unwrap() = at;
    }
    fn as_user(&mut self, who: &str) {
        self.ctx.actor = who.to_string();
    }
}

fn opts(reason: &str) -> Options {
    Options {
        reason: Some(reason.into()),
        ..Options::default()
    }
}

fn register(w: &mut World, v: &str, commit: &str) {
    ops::register::register(
        &mut w.ctx,
        NewBuild {
            version: v.into(),
            commit: commit.into(),
            artifact: Some(format!("registry.example.com/portal@sha256:{commit}")),
            notes: None,
        },
    )
    .unwrap();
}

/// A pipeline with history: dev 1.0.0 → 1.3.0, staging promoted (one failed
/// attempt with output), prod at 1.1.0 after two promotions, ticks, approvals.
fn world() -> World {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("relcon.toml");
    std::fs::write(&path, CONFIG).unwrap();
    let config = Config::load(&path).unwrap();
    let clock = Arc::new(Mutex::new(Utc.with_ymd_and_hms(2026, 11, 16, 9, 0, 0).unwrap()));
    let c2 = clock.clone();
    let ctx = Ctx::open(config, "ana".into(), Arc::new(move || *c2.lock().unwrap())).unwrap();
    let mut w = World { _dir: dir, ctx, clock };
    let cancel = CancelToken::default();
    let t0 = Utc.with_ymd_and_hms(2026, 11, 16, 9, 0, 0).unwrap();
    let at = |h: i64| t0 + chrono::Duration::hours(h);
    for (i, (v, c)) in [
        ("1.0.0", "a1b2c3d4e5"),
        ("1.1.0", "b2c3d4e5f6"),
        ("1.2.0", "c3d4e5f6a7"),
        ("1.3.0", "d4e5f6a7b8"),
    ]
    .iter()
    .enumerate()
    {
        w.set(at(i as i64 * 6));
        register(&mut w, v, c);
        w.as_user("ana");
        ops::deploy::deploy(&mut w.ctx, "dev", v, &Options::default(), &mut |_| {}, &cancel).unwrap();
        w.set(at(i as i64 * 6 + 1));
        w.as_user("bo");
        let r = ops::deploy::promote(&mut w.ctx, "dev", "staging", &opts("nightly"), &mut |_| {}, &cancel);
        assert_eq!(r.is_ok(), *v != "1.2.0", "{v}: {r:?}");
        if *v == "1.0.0" || *v == "1.1.0" {
            // Into prod: approvals by two others, the pre-deploy list ticked.
            w.set(at(i as i64 * 6 + 2));
            for who in ["cy", "dee"] {
                w.as_user(who);
                ops::approve::approve(&mut w.ctx, "prod", v, None).unwrap();
            }
            for item in ["1", "2", "3"] {
                w.as_user("eve");
                let role = (item == "3").then(|| "security".to_string());
                ops::checklist::tick(
                    &mut w.ctx,
                    TickRequest {
                        env: "prod".into(),
                        checklist: "pre-deploy".into(),
                        item: item.into(),
                        undo: false,
                        note: None,
                        role,
                        version: None,
                    },
                )
                .unwrap();
            }
            w.as_user("ana");
            ops::deploy::promote(
                &mut w.ctx,
                "staging",
                "prod",
                &opts("weekly release"),
                &mut |_| {},
                &cancel,
            )
            .unwrap();
        }
    }
    // Staging validation of 1.3.0: one item ticked with a note.
    w.set(at(19));
    w.as_user("bo");
    ops::checklist::tick(
        &mut w.ctx,
        TickRequest {
            env: "staging".into(),
            checklist: "staging-validation".into(),
            item: "1".into(),
            undo: false,
            note: Some("all 212 green".into()),
            role: None,
            version: None,
        },
    )
    .unwrap();
    w.as_user("fay");
    ops::approve::approve(&mut w.ctx, "prod", "1.3.0", Some("reviewed the diff".into())).unwrap();
    w.as_user("ana");
    w.set(now());
    w
}

fn app(w: &mut World, size: (u16, u16), read_only: bool) -> App {
    let mut a = App::new(AppInit {
        config: w.ctx.config.clone(),
        actor: "ana".into(),
        read_only,
        now: now(),
        size,
    });
    testing::refresh(&mut w.ctx, &mut a);
    a
}

fn theme() -> Theme {
    Theme::load("default").unwrap()
}

fn screen(a: &App, w: u16, h: u16) -> (String, Buffer) {
    let b = buffer(a, &theme(), w, h);
    (text(&b), b)
}

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
    assert_eq!(a.audit_visible().len(), 5, "every approval, nothing else");
    press(&mut w.ctx, &mut a, &["esc"]);
    assert!(a.audit_filter.is_empty());
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
fn checklists_view_ticks_through_ops() {
    let mut w = world();
    let mut a = app(&mut w, (160, 48), false);
    press(&mut w.ctx, &mut a, &["l", "c"]);
    insta::assert_snapshot!("checklists_160x48", screen(&a, 160, 48).0);
    // Item 2 needs the QA role: space asks for it, prefilled.
    press(&mut w.ctx, &mut a, &["j", "space"]);
    let (t, _) = screen(&a, 80, 24);
    insta::assert_snapshot!("checklists_role_prompt_80x24", t);
    press(&mut w.ctx, &mut a, &["enter"]);
    let runs = ops::checklist::runs(&w.ctx, "staging").unwrap();
    let item = &runs[0].items[1];
    assert!(item.done && item.by.as_deref() == Some("ana"), "{item:?}");
    assert!(screen(&a, 160, 48).0.contains("[x] 2. Exploratory QA pass"));
    // u unticks through the same op (a role item asks for the role again).
    press(&mut w.ctx, &mut a, &["u", "enter"]);
    assert!(!ops::checklist::runs(&w.ctx, "staging").unwrap()[0].items[1].done);
}

#[test]
fn promote_dialog_shows_gates_and_needs_the_typed_name() {
    let mut w = world();
    let mut a = app(&mut w, (160, 48), false);
    press(&mut w.ctx, &mut a, &["l", "p"]);
    let (t, _) = screen(&a, 160, 48);
    insta::assert_snapshot!("promote_dialog_refused_160x48", t);
    assert!(
        t.contains("refused by 3 gates")
            && t.contains("✖ approvals")
            && t.contains("✖ freeze")
            && t.contains("✔ running"),
        "{t}"
    );
    // Enter does nothing while refused; F forces (a reason is then required).
    assert!(a.update(Msg::Key(testing::key("enter"))).is_empty());
    press(&mut w.ctx, &mut a, &["F"]);
    type_text(&mut w.ctx, &mut a, "hotfix for checkout");
    // Without the typed name, Enter starts nothing.
    assert!(a.update(Msg::Key(testing::key("enter"))).is_empty());
    press(&mut w.ctx, &mut a, &["tab"]);
    type_text(&mut w.ctx, &mut a, "prod");
    insta::assert_snapshot!("promote_dialog_forced_80x24", screen(&a, 80, 24).0);
    let effects = a.update(Msg::Key(testing::key("enter")));
    match effects.as_slice() {
        [Effect::Run {
            job: Job::Promote { from, to, opts },
            ..
        }] => {
            assert_eq!((from.as_str(), to.as_str()), ("staging", "prod"));
            assert!(opts.force);
            assert_eq!(opts.reason.as_deref(), Some("hotfix for checkout"));
            assert_eq!(opts.expect, Some(4), "refuse if staging moved after the dialog opened");
        }
        other => panic!("{other:?}"),
    }
    testing::serve(&mut w.ctx, &mut a, effects);
    let (t, _) = screen(&a, 160, 48);
    insta::assert_snapshot!("promote_dialog_done_160x48", t);
    assert!(
        t.contains("✔ deploy (done)") && t.contains("✔ smoke (done)") && t.contains("smoke test of v3 ok"),
        "step states and live output:\n{t}"
    );
    let prod = ops::status::status(&w.ctx)
        .unwrap()
        .environments
        .into_iter()
        .find(|e| e.name == "prod")
        .unwrap();
    assert_eq!(
        prod.release.map(|r| (r.number, r.version)),
        Some((3, "1.3.0".to_string()))
    );
}

#[test]
fn rollback_targets_the_highlighted_older_release() {
    let mut w = world();
    let mut a = app(&mut w, (160, 48), false);
    // prod: v2 (1.1.0) current, v1 (1.0.0) older.
    press(&mut w.ctx, &mut a, &["l", "l", "j"]);
    let effects = a.update(Msg::Key(testing::key("r")));
    match effects.as_slice() {
        [Effect::Plan {
            request: PlanRequest::One(relcon::ops::plan::Request::Rollback { env, to }),
            ..
        }] => assert_eq!((env.as_str(), *to), ("prod", Some(1))),
        other => panic!("{other:?}"),
    }
    testing::serve(&mut w.ctx, &mut a, effects);
    let (t, _) = screen(&a, 160, 48);
    insta::assert_snapshot!("rollback_dialog_160x48", t);
    assert!(t.contains("Roll prod back from v2 to v1"), "{t}");
    // Rollback is the emergency path: only "running" is checked, so no force.
    assert!(!t.contains("refused"));
    press(&mut w.ctx, &mut a, &["esc"]);
    // On the current release, `r` falls back to the default target.
    press(&mut w.ctx, &mut a, &["k"]);
    let effects = a.update(Msg::Key(testing::key("r")));
    assert!(
        matches!(
            effects.as_slice(),
            [Effect::Plan {
                request: PlanRequest::One(relcon::ops::plan::Request::Rollback { to: None, .. }),
                ..
            }]
        ),
        "{effects:?}"
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
    assert!(!dev.badges.contains(&"interrupted"), "{:?}", dev.badges);
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
fn flags_view_toggles_and_kills_through_ops() {
    let mut w = world();
    let mut a = app(&mut w, (160, 48), false);
    press(&mut w.ctx, &mut a, &["3"]);
    assert!(a.query.flags, "opening the view loads flags");
    insta::assert_snapshot!("flags_160x48", screen(&a, 160, 48).0);
    insta::assert_snapshot!("flags_80x24", screen(&a, 80, 24).0);
    // prod: space turns customer_portal on — gated by one flag approval.
    press(&mut w.ctx, &mut a, &["l", "l", "space"]);
    let (t, _) = screen(&a, 160, 48);
    insta::assert_snapshot!("flag_dialog_refused_160x48", t);
    assert!(
        t.contains("off + targets 15,42,103  →  on + targets 15,42,103") && t.contains("✖ approvals"),
        "{t}"
    );
    press(&mut w.ctx, &mut a, &["F"]);
    type_text(&mut w.ctx, &mut a, "pilot go-live");
    press(&mut w.ctx, &mut a, &["tab"]);
    type_text(&mut w.ctx, &mut a, "prod");
    let effects = a.update(Msg::Key(testing::key("enter")));
    assert!(
        matches!(
            effects.as_slice(),
            [Effect::Run {
                job: Job::Flag { force: true, .. },
                ..
            }]
        ),
        "{effects:?}"
    );
    testing::serve(&mut w.ctx, &mut a, effects);
    assert!(a.popups.is_empty(), "closes on success: {:?}", a.status);
    let row = |w: &World, env: &str| {
        ops::flags::list(&w.ctx)
            .unwrap()
            .into_iter()
            .find(|r| r.flag == "customer_portal" && r.env == env)
            .unwrap()
    };
    assert!(row(&w, "prod").enabled);
    // staging: K kills at once (never gated, not protected: no name to type).
    press(&mut w.ctx, &mut a, &["h", "K", "enter"]);
    assert!(row(&w, "staging").killed);
    let (t, b) = screen(&a, 160, 48);
    let (x, y) = find(&b, "✖ killed").expect("killed cell");
    assert_eq!(b[(x, y)].fg, theme().error, "{t}");
    // e evaluates a key; read-only allows that, but not a change.
    let mut ro = app(&mut w, (160, 48), true);
    press(&mut w.ctx, &mut ro, &["3", "l", "l"]);
    assert!(ro.update(Msg::Key(testing::key("K"))).is_empty() && ro.popups.is_empty());
    press(&mut w.ctx, &mut ro, &["e"]);
    type_text(&mut w.ctx, &mut ro, "42");
    press(&mut w.ctx, &mut ro, &["enter"]);
    assert!(
        ro.status.as_ref().is_some_and(|s| s.0.contains("for key 42: on")),
        "{:?}",
        ro.status
    );
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
