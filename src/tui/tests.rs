//! Headless tests of the update logic: keys → effects, read-only, the
//! dialog's rules, and the virtualised history window.

use std::sync::Arc;

use chrono::{TimeZone, Utc};

use super::event::{Effect, Job, PlanRequest, PlanStep};
use super::popups::{Dialog, DialogKind, Outcome, Popup};
use super::testing::{self, key, press, serve};
use super::{App, AppInit, Msg};
use crate::config::Config;
use crate::domain::{Action, Build, Gate};
use crate::ledger::{kind, NewEvent};
use crate::ops::plan::{Plan, Request};
use crate::ops::Ctx;

const CONFIG: &str = r#"
[project]
name = "unit"
[ledger]
url = "sqlite:ledger.db"
[[environment]]
name = "dev"
deploy = "true"
[[environment]]
name = "staging"
promote_from = "dev"
deploy = "true"
[[environment]]
name = "prod"
promote_from = "staging"
protected = true
deploy = "true"
[flag.beta]
env.dev = { enabled = true, rollout = 25 }
"#;

fn ctx() -> (tempfile::TempDir, Ctx) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("relcon.toml");
    std::fs::write(&path, CONFIG).unwrap();
    let config = Config::load(&path).unwrap();
    let at = Utc.with_ymd_and_hms(2026, 11, 18, 12, 0, 0).unwrap();
    let ctx = Ctx::open(config, "ana".into(), Arc::new(move || at)).unwrap();
    (dir, ctx)
}

fn app(ctx: &mut Ctx, read_only: bool) -> App {
    let mut a = App::new(AppInit {
        config: ctx.config.clone(),
        actor: "ana".into(),
        read_only,
        now: ctx.now(),
        size: (80, 24),
    });
    testing::refresh(ctx, &mut a);
    a
}

fn plan(protected: bool, gates: Vec<Gate>) -> Plan {
    let now = Utc.with_ymd_and_hms(2026, 11, 18, 12, 0, 0).unwrap();
    Plan {
        action: Action::Promote,
        env: "prod".into(),
        from_env: Some("staging".into()),
        build: Build {
            version: "1.4.2".into(),
            commit: "abc1234def".into(),
            artifact: None,
            notes: None,
            created_at: now,
            created_by: "ci".into(),
        },
        source_release: Some(7),
        target_release: None,
        current: None,
        next_number: 13,
        gates,
        steps: vec![],
        protected,
    }
}

fn gate(name: &str, ok: bool, overridable: bool) -> Gate {
    Gate {
        name: name.into(),
        ok,
        detail: "d".into(),
        overridable,
    }
}

fn dialog(protected: bool, gates: Vec<Gate>) -> Dialog {
    let kind = DialogKind::Promote {
        from: "staging".into(),
        to: "prod".into(),
        expect: None,
    };
    let mut d = Dialog::new(1, kind, protected.then(|| "prod".to_string()), vec![], None);
    d.set_plan(Ok(vec![PlanStep {
        from: Some("staging".into()),
        to: "prod".into(),
        plan: Ok(plan(protected, gates)),
        skip: false,
        later: false,
    }]));
    d
}

fn typed(d: &mut Dialog, s: &str) {
    for c in s.chars() {
        d.on_key(&key(&c.to_string()));
    }
}

#[test]
fn p_asks_for_a_plan_of_promoting_to_the_next_env() {
    let (_d, mut ctx) = ctx();
    let mut a = app(&mut ctx, false);
    let fx = a.update(Msg::Key(key("p")));
    assert!(
        matches!(fx.as_slice(), [Effect::Plan { request: PlanRequest::One(Request::Promote { from, to }), .. }] if from == "dev" && to == "staging"),
        "{fx:?}"
    );
    assert!(matches!(a.popups.last(), Some(Popup::Dialog(_))));
    // The last stage has nowhere to promote to: a message, no dialog.
    press(&mut ctx, &mut a, &["esc", "l", "l"]);
    assert!(a.update(Msg::Key(key("p"))).is_empty());
    assert!(a.popups.is_empty());
    assert!(a.status.as_ref().is_some_and(|s| s.0.contains("last stage")));
    // P on prod plans the whole chain.
    let fx = a.update(Msg::Key(key("P")));
    assert!(
        matches!(fx.as_slice(), [Effect::Plan { request: PlanRequest::Through(t), .. }] if t == "prod"),
        "{fx:?}"
    );
}

#[test]
fn read_only_refuses_every_write_command() {
    let (_d, mut ctx) = ctx();
    let mut a = app(&mut ctx, true);
    for k in ["p", "P", "r", "a", "H", "R", "x"] {
        assert!(a.update(Msg::Key(key(k))).is_empty(), "{k}");
        assert!(a.popups.is_empty(), "{k} opened a popup");
    }
    press(&mut ctx, &mut a, &["c"]);
    for k in ["space", "u", "n"] {
        assert!(a.update(Msg::Key(key(k))).is_empty(), "{k}");
        assert!(a.popups.is_empty(), "{k}");
    }
}

#[test]
fn protected_env_needs_a_reason_and_its_typed_name() {
    let mut d = dialog(true, vec![gate("running", true, false)]);
    assert_eq!(d.on_key(&key("enter")), Outcome::Consumed);
    assert!(d.hint.as_deref().is_some_and(|h| h.contains("reason")), "{:?}", d.hint);
    typed(&mut d, "hotfix");
    d.on_key(&key("enter"));
    assert!(
        d.hint.as_deref().is_some_and(|h| h.contains("type prod")),
        "{:?}",
        d.hint
    );
    d.on_key(&key("tab"));
    typed(&mut d, "pro");
    assert_eq!(d.on_key(&key("enter")), Outcome::Consumed);
    typed(&mut d, "d");
    match d.on_key(&key("enter")) {
        Outcome::Run(Job::Promote { opts, .. }) => {
            assert_eq!(opts.reason.as_deref(), Some("hotfix"));
            assert_eq!(opts.expect, Some(7), "the source vN the dialog showed");
            assert!(!opts.force);
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn unprotected_env_confirms_with_enter_alone() {
    let mut d = dialog(false, vec![gate("running", true, false)]);
    assert!(matches!(d.on_key(&key("enter")), Outcome::Run(_)));
}

#[test]
fn failing_gates_need_force_and_force_needs_a_reason() {
    let mut d = dialog(
        false,
        vec![gate("running", true, false), gate("approvals", false, true)],
    );
    assert!(d.locked());
    // Typing does nothing while refused; Enter explains.
    typed(&mut d, "abc");
    assert_eq!(d.reason.value(), "");
    d.on_key(&key("enter"));
    assert!(d.hint.as_deref().is_some_and(|h| h.contains("refused by 1 gate")));
    d.on_key(&key("F"));
    assert!(d.force && !d.locked());
    d.on_key(&key("enter"));
    assert!(d.hint.as_deref().is_some_and(|h| h.contains("reason")));
    typed(&mut d, "incident 42");
    assert!(matches!(d.on_key(&key("enter")), Outcome::Run(Job::Promote { opts, .. }) if opts.force));
    // A running deployment cannot be forced past.
    let mut d = dialog(false, vec![gate("running", false, false)]);
    d.on_key(&key("F"));
    assert!(!d.force);
    assert!(d.ready().is_err());
}

#[test]
fn running_dialog_cancels_with_x_and_hides_with_esc() {
    let mut d = dialog(false, vec![gate("running", true, false)]);
    assert!(matches!(d.on_key(&key("enter")), Outcome::Run(_)));
    assert_eq!(d.on_key(&key("x")), Outcome::Cancel);
    assert_eq!(d.on_key(&key("esc")), Outcome::Close);
}

#[test]
fn history_is_virtualised_in_windows() {
    let (_d, mut ctx) = ctx();
    let at = ctx.now();
    // 1 000 releases of dev, written through the store in one transaction.
    ctx.store
        .transact(at, "ci", &mut |_| {
            let mut ev = vec![NewEvent::new(
                kind::BUILD_REGISTERED,
                None,
                serde_json::json!({"version": "1.0.0", "commit": "abc"}),
            )];
            for n in 1..=1000u64 {
                ev.push(NewEvent::new(
                    kind::DEPLOYMENT_STARTED,
                    Some("dev"),
                    serde_json::json!({"number": n, "version": "1.0.0", "commit": "abc", "action": "deploy"}),
                ));
                ev.push(NewEvent::new(
                    kind::DEPLOYMENT_SUCCEEDED,
                    Some("dev"),
                    serde_json::json!({"number": n}),
                ));
            }
            Ok(ev)
        })
        .unwrap();
    let mut a = app(&mut ctx, false);
    assert_eq!(a.history_total(), 1000);
    let page = a.history_page().unwrap();
    assert!(page.rows.len() <= 200, "only a window is loaded");
    let fx = a.update(Msg::Key(key("G")));
    let q = match fx.as_slice() {
        [Effect::Query(q)] => q.clone(),
        other => panic!("{other:?}"),
    };
    assert!(q.history_offset > 700, "window moved to the end: {q:?}");
    serve(&mut ctx, &mut a, fx);
    assert_eq!(a.history.cursor, 999);
    let oldest = a.history_page().and_then(|p| p.get(999)).map(|r| r.number);
    assert_eq!(oldest, Some(1));
    let t = testing::text(&testing::buffer(&a, &super::Theme::default_dark(), 80, 24));
    assert!(t.contains("▸ v1 "), "{t}");
    // Moving within the window asks for nothing.
    assert!(a.update(Msg::Key(key("k"))).is_empty());
}

#[test]
fn clock_redraws_only_when_an_age_changes() {
    let (_d, mut ctx) = ctx();
    crate::ops::register::register(
        &mut ctx,
        crate::ops::register::NewBuild {
            version: "1".into(),
            commit: "c".into(),
            artifact: None,
            notes: None,
        },
    )
    .unwrap();
    crate::ops::deploy::deploy(
        &mut ctx,
        "dev",
        "1",
        &Default::default(),
        &mut |_| {},
        &Default::default(),
    )
    .unwrap();
    let mut a = app(&mut ctx, false);
    a.dirty = false;
    let t = a.now;
    // 10 min ago stays "10m ago" for a few seconds …
    a.update(Msg::Clock(t + chrono::Duration::minutes(10)));
    a.dirty = false;
    a.update(Msg::Clock(
        t + chrono::Duration::minutes(10) + chrono::Duration::seconds(1),
    ));
    assert!(!a.dirty, "same text, no redraw");
    a.update(Msg::Clock(t + chrono::Duration::minutes(11)));
    assert!(a.dirty, "11m ago now");
}

#[test]
fn tiny_and_odd_terminal_sizes_never_panic() {
    let (_d, mut ctx) = ctx();
    crate::ops::register::register(
        &mut ctx,
        crate::ops::register::NewBuild {
            version: "1".into(),
            commit: "c".into(),
            artifact: None,
            notes: None,
        },
    )
    .unwrap();
    crate::ops::deploy::deploy(
        &mut ctx,
        "dev",
        "1",
        &Default::default(),
        &mut |_| {},
        &Default::default(),
    )
    .unwrap();
    let theme = super::Theme::default_dark();
    for keys in [&[][..], &["?"][..], &["p"][..], &[":"][..], &["5", "/"][..], &["c"][..]] {
        let mut a = app(&mut ctx, false);
        press(&mut ctx, &mut a, keys);
        for (w, h) in [(1, 1), (10, 3), (20, 5), (40, 10), (79, 23), (33, 40), (200, 12)] {
            a.resize(w, h);
            let _ = testing::buffer(&a, &theme, w, h);
        }
    }
}

#[test]
fn flag_keys_plan_the_change_they_name() {
    use super::event::FlagOp;
    use crate::ops::flags::Switch;
    let (_d, mut ctx) = ctx();
    let mut a = app(&mut ctx, false);
    press(&mut ctx, &mut a, &["3"]);
    let plan_of = |fx: &[Effect]| match fx {
        [Effect::Plan {
            request: PlanRequest::Flag { env, flag, op },
            ..
        }] => (env.clone(), flag.clone(), op.clone()),
        other => panic!("{other:?}"),
    };
    // dev has beta at 25 %: + steps to 50 %, - to 10 %, space turns it off.
    let fx = a.update(Msg::Key(key("+")));
    assert_eq!(
        plan_of(&fx),
        (
            "dev".into(),
            "beta".into(),
            FlagOp::Set {
                switch: Some(Switch::Percent(50)),
                add: vec![],
                remove: vec![]
            }
        )
    );
    press(&mut ctx, &mut a, &["esc"]);
    let fx = a.update(Msg::Key(key("-")));
    assert_eq!(
        plan_of(&fx).2,
        FlagOp::Set {
            switch: Some(Switch::Percent(10)),
            add: vec![],
            remove: vec![]
        }
    );
    press(&mut ctx, &mut a, &["esc"]);
    let fx = a.update(Msg::Key(key("space")));
    assert_eq!(
        plan_of(&fx).2,
        FlagOp::Set {
            switch: Some(Switch::Off),
            add: vec![],
            remove: vec![]
        }
    );
    press(&mut ctx, &mut a, &["esc", "t"]);
    testing::type_text(&mut ctx, &mut a, "42 +103 -15");
    let fx = a.update(Msg::Key(key("enter")));
    assert_eq!(
        plan_of(&fx).2,
        FlagOp::Set {
            switch: None,
            add: vec!["42".into(), "103".into()],
            remove: vec!["15".into()]
        }
    );
    // K kills; the dialog needs no typed name outside a protected env.
    press(&mut ctx, &mut a, &["esc"]);
    let fx = a.update(Msg::Key(key("K")));
    assert_eq!(plan_of(&fx).2, FlagOp::Kill);
    serve(&mut ctx, &mut a, fx);
    assert!(matches!(
        a.update(Msg::Key(key("enter"))).as_slice(),
        [Effect::Run {
            job: Job::Flag { op: FlagOp::Kill, .. },
            ..
        }]
    ));
}
