//! The views where work is done, rendered headlessly like tui_snapshots.rs:
//! checklists (ticks through ops), flags (toggle, kill) and the action
//! dialogs (gates, force, typed name, the live run).

mod tui_support;

use relcon::ops::intent::{Confirmation, Intent};
use relcon::ops::{self};
use relcon::tui::event::{Effect, Job};
use relcon::tui::testing::{self, find, press, type_text};
use relcon::tui::Msg;
use tui_support::*;

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
    // Without the typed name, Enter starts nothing: it moves on to the name.
    assert!(a.update(Msg::Key(testing::key("enter"))).is_empty());
    type_text(&mut w.ctx, &mut a, "prod");
    insta::assert_snapshot!("promote_dialog_forced_80x24", screen(&a, 80, 24).0);
    let effects = a.update(Msg::Key(testing::key("enter")));
    match effects.as_slice() {
        [Effect::Run {
            job:
                Job::Intent {
                    intent: Intent::Promote { from, to, expect },
                    confirmation: Confirmation { reason, force },
                },
            ..
        }] => {
            assert_eq!((from.as_str(), to.as_str()), ("staging", "prod"));
            assert!(force);
            assert_eq!(reason.as_deref(), Some("hotfix for checkout"));
            assert_eq!(*expect, Some(4), "refuse if staging moved after the dialog opened");
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
        // The preview, and what changed for the dialog's one line.
        [Effect::Preview {
            intent: Intent::Rollback { env, to },
            ..
        }, Effect::Run { job: Job::Diff(_), .. }] => assert_eq!((env.as_str(), *to), ("prod", Some(1))),
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
            [
                Effect::Preview {
                    intent: Intent::Rollback { to: None, .. },
                    ..
                },
                Effect::Run { job: Job::Diff(_), .. }
            ]
        ),
        "{effects:?}"
    );
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
                job: Job::Intent {
                    intent: Intent::Flag { .. },
                    confirmation: Confirmation { force: true, .. },
                },
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
    // The override went through ops' one policy: recorded as a flag action.
    let trail = ops::audit::list(&w.ctx, 20, None).unwrap();
    let o = trail
        .iter()
        .find(|e| e.kind == "gate.overridden")
        .expect("the override is recorded");
    let body = o.body_json();
    assert_eq!(
        (body["action"].as_str(), o.env.as_deref()),
        (Some("flag"), Some("prod")),
        "{body}"
    );
    assert_eq!(body["reason"], "pilot go-live", "{body}");
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

/// The Flags view's history pane: who changed the highlighted flag in the
/// selected env, when and why, read on the backend (an effect, not I/O in
/// update), cached, and read again when the ledger's head moves.
#[test]
fn flag_history_shows_who_changed_what_and_why() {
    use relcon::ops::flags::{Change, Switch};
    use relcon::tui::event::FlagHistoryKey;
    let mut w = world();
    let mut a = app(&mut w, (160, 48), false);
    press(&mut w.ctx, &mut a, &["3"]);
    // Selecting prod asks for customer_portal's history there.
    let effects = a.update(Msg::Key(testing::key("l")));
    testing::serve(&mut w.ctx, &mut a, effects);
    let effects = a.update(Msg::Key(testing::key("l")));
    let head = a.shared.snap.as_ref().unwrap().status.head_seq;
    let key = FlagHistoryKey {
        flag: "customer_portal".into(),
        env: "prod".into(),
    };
    assert!(
        effects.contains(&Effect::FlagHistory {
            key: key.clone(),
            seq: head
        }),
        "{effects:?}"
    );
    testing::serve(&mut w.ctx, &mut a, effects);
    assert!(screen(&a, 160, 48).0.contains("no changes recorded"));
    // Another console changes it three times, a day apart.
    let pct = |p| Change {
        switch: Some(p),
        ..Change::default()
    };
    w.set(now() - chrono::Duration::days(2));
    w.as_user("bo@example.com");
    ops::flags::set(
        &mut w.ctx,
        "prod",
        "customer_portal",
        &pct(Switch::Percent(10)),
        Some("pilot: widen to 10%".into()),
        true,
    )
    .unwrap();
    w.set(now() - chrono::Duration::hours(5));
    w.as_user("cy");
    ops::flags::kill(&mut w.ctx, "prod", "customer_portal", Some("checkout errors".into())).unwrap();
    w.set(now() - chrono::Duration::minutes(20));
    w.as_user("dee");
    ops::flags::restore(
        &mut w.ctx,
        "prod",
        "customer_portal",
        Some("fixed in 1.3.1".into()),
        true,
    )
    .unwrap();
    w.set(now());
    // Nothing moves until the reader sees the new head; then one request.
    let effects = a.update(Msg::Key(testing::key("down")));
    testing::serve(&mut w.ctx, &mut a, effects);
    let effects = a.update(Msg::Key(testing::key("up")));
    assert!(effects.is_empty(), "cached as of the same head: {effects:?}");
    let q = a.query.clone();
    let effects = a.update(Msg::Snapshot(Box::new(
        relcon::tui::Snapshot::load(&w.ctx, &q).unwrap(),
    )));
    let asked: Vec<_> = effects
        .iter()
        .filter(|e| matches!(e, Effect::FlagHistory { .. }))
        .collect();
    assert_eq!(asked.len(), 1, "{effects:?}");
    testing::serve(&mut w.ctx, &mut a, effects);
    let (t, b) = screen(&a, 160, 48);
    insta::assert_snapshot!("flag_history_160x48", t);
    let restored = t.find("20m ago  dee").expect("newest first");
    let killed = t.find("5h ago   cy").expect("the kill");
    let set = t.find("2d ago   bo").expect("the first change, who without the domain");
    assert!(restored < killed && killed < set, "{t}");
    assert!(
        t.contains("↺ restored off → 10%") && t.contains("fixed in 1.3.1"),
        "{t}"
    );
    assert!(t.contains("off → 10%") && t.contains("pilot: widen to 10%"), "{t}");
    let (x, y) = find(&b, "✖ KILLED 10% → off").expect("the kill, marked");
    assert_eq!(b[(x, y)].fg, theme().error);
    insta::assert_snapshot!("flag_history_80x24", screen(&a, 80, 24).0);
}

/// "flags ≠N" on each card with a source: flags set differently than in
/// the env it promotes from. None on the first stage; none when equal.
#[test]
fn cards_count_flags_that_differ_from_the_source() {
    use relcon::ops::flags::{Change, Switch};
    let mut w = world();
    let a = app(&mut w, (80, 24), false);
    let (t, _) = screen(&a, 80, 24);
    // staging: customer_portal and new_checkout differ from dev; prod: customer_portal.
    assert!(t.contains("flags ≠2") && t.contains("flags ≠1"), "{t}");
    assert_eq!(t.matches("flags ≠").count(), 2, "dev has no source:\n{t}");
    // new_checkout at 25% in staging too: staging now differs from dev in
    // one flag, and prod from staging in two.
    let quarter = Change {
        switch: Some(Switch::Percent(25)),
        ..Change::default()
    };
    ops::flags::set(
        &mut w.ctx,
        "staging",
        "new_checkout",
        &quarter,
        Some("as in dev".into()),
        true,
    )
    .unwrap();
    let a = app(&mut w, (160, 48), false);
    let (t, _) = screen(&a, 160, 48);
    let staging = t.find("flags ≠1").expect("staging's");
    let prod = t.find("flags ≠2").expect("prod's");
    assert!(staging < prod, "staging's card comes first:\n{t}");
}

#[test]
fn a_skinned_env_wears_its_own_theme_on_its_card_and_the_tab_line() {
    use ratatui::style::Color;
    let mut w = world();
    let card = |a: &relcon::tui::App| {
        let (t, b) = screen(a, 160, 48);
        let (x, y) = find(&b, "prod ◆").unwrap_or_else(|| panic!("prod card title\n{t}"));
        // The card's corner: "╭ prod ◆ ", or "┏ ▸ prod ◆ " when selected.
        let cx = (0..x)
            .rev()
            .find(|&cx| ["╭", "┏"].contains(&b[(cx, y)].symbol()))
            .unwrap_or_else(|| panic!("prod card corner\n{t}"));
        let (rx, ry) = find(&b, "relcon").expect("tab line");
        (b[(x, y)].fg, b[(cx, y)].fg, b[(rx, ry)].fg)
    };
    let base = theme();
    let plain = app(&mut w, (160, 48), false);
    assert_eq!(card(&plain), (base.env_prod, base.env_prod, base.accent));

    // `[skin.prod] theme = "high-contrast"` in the user config.
    w.ctx.config.skins.insert("prod".into(), "high-contrast".into());
    let mut skinned = app(&mut w, (160, 48), false);
    let loud = relcon::tui::Theme::load("high-contrast").unwrap();
    assert_ne!(loud.env_prod, base.env_prod);
    assert_eq!(skinned.status, None, "a good skin says nothing");
    // dev is selected: only the prod card is loud, the tab line is not.
    assert_eq!(card(&skinned), (loud.env_prod, loud.env_prod, base.accent));
    // With prod selected, the tab line wears prod's skin too.
    press(&mut w.ctx, &mut skinned, &["l", "l"]);
    assert_eq!(skinned.shared.env_name(), "prod");
    assert_eq!(card(&skinned), (loud.env_prod, loud.env_prod, loud.accent));
    assert_eq!(loud.accent, Color::LightCyan);

    // NO_COLOR (a monochrome main theme) wins over every skin.
    let mono = relcon::tui::Theme::monochrome();
    let b = testing::buffer(&skinned, &mono, 160, 48);
    let (x, y) = find(&b, "prod ◆").unwrap();
    assert_eq!(b[(x, y)].fg, Color::Reset);

    // A skin that names no theme is left out, and said on the status line.
    w.ctx.config.skins.insert("prod".into(), "no-such-theme".into());
    let bad = app(&mut w, (160, 48), false);
    let (msg, _) = bad.status.clone().expect("a warning");
    assert!(msg.contains("skin for prod") && msg.contains("no-such-theme"), "{msg}");
    assert_eq!(card(&bad), (base.env_prod, base.env_prod, base.accent));
}
