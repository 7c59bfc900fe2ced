//! The virtualised history window, the clock's redraws, odd terminal sizes.

use super::{app, ctx, releases};
use crate::tui::event::Effect;
use crate::tui::testing::{self, key, press, serve};
use crate::tui::Msg;

#[test]
fn history_is_virtualised_in_windows() {
    let (_d, mut ctx) = ctx();
    releases(&mut ctx, 1000);
    let mut a = app(&mut ctx, false);
    assert_eq!(a.shared.history_total(), 1000);
    let page = a.shared.history_page().unwrap();
    assert!(page.rows.len() <= 200, "only a window is loaded");
    let fx = a.update(Msg::Key(key("G")));
    let q = match fx.as_slice() {
        [Effect::Query(q)] => q.clone(),
        other => panic!("{other:?}"),
    };
    assert!(q.history_offset > 700, "window moved to the end: {q:?}");
    serve(&mut ctx, &mut a, fx);
    assert_eq!(a.views.dashboard.history.cursor, 999);
    let oldest = a.shared.history_page().and_then(|p| p.get(999)).map(|r| r.number);
    assert_eq!(oldest, Some(1));
    let t = testing::text(&testing::buffer(&a, &crate::tui::Theme::default_dark(), 80, 24));
    assert!(t.contains("▸ v1 "), "{t}");
    // Moving within the window asks for nothing.
    assert!(a.update(Msg::Key(key("k"))).is_empty());
}

#[test]
fn a_frame_names_when_its_ages_change() {
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
    let t = a.shared.now;
    // Drawn 10 min after the deploy, the ages read "10m ago" until the
    // 11th minute: that is when the frame asks the clock to wake, not before.
    a.shared.now = t + chrono::Duration::minutes(10);
    crate::tui::render::redraw_at::take();
    let screen = testing::text(&testing::buffer(&a, &crate::tui::Theme::default_dark(), 160, 48));
    assert!(screen.contains("10m ago"), "{screen}");
    let next = crate::tui::render::redraw_at::take().expect("ages on screen name their next change");
    assert!(
        next > t + chrono::Duration::minutes(10) + chrono::Duration::seconds(1),
        "{next} vs {t}"
    );
    assert!(next <= t + chrono::Duration::minutes(11), "{next} vs {t}");
    a.update(Msg::Clock(next));
    assert!(a.dirty, "the clock woke for a change: redraw");
    let screen = testing::text(&testing::buffer(&a, &crate::tui::Theme::default_dark(), 160, 48));
    assert!(screen.contains("11m ago"), "{screen}");
}

/// Odd and tiny sizes draw without a panic and leave nothing behind: back
/// at 80×24 the frame is the one drawn before (open popups, cursors and
/// scroll positions all survive the squeeze).
#[test]
fn tiny_and_odd_terminal_sizes_draw_and_come_back_unchanged() {
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
    let theme = crate::tui::Theme::default_dark();
    for keys in [&[][..], &["?"][..], &["p"][..], &[":"][..], &["5", "/"][..], &["c"][..]] {
        let mut a = app(&mut ctx, false);
        press(&mut ctx, &mut a, keys);
        let before = testing::text(&testing::buffer(&a, &theme, 80, 24));
        assert!(before.contains(" relcon "), "{keys:?}: {before}");
        let popups = a.popups.len();
        for (w, h) in [(1, 1), (10, 3), (20, 5), (40, 10), (79, 23), (33, 40), (200, 12)] {
            a.resize(w, h);
            let _ = testing::buffer(&a, &theme, w, h);
        }
        a.resize(80, 24);
        let after = testing::text(&testing::buffer(&a, &theme, 80, 24));
        assert_eq!(a.popups.len(), popups, "{keys:?}");
        assert_eq!(after, before, "{keys:?}: the frame changed after resizing back");
    }
}

/// Where the tabs leave too little room for who you are, the header shows
/// the name before its "@", cut with a "…" — never a name cut mid-word —
/// and the read-only mark stays whole.
#[test]
fn a_long_name_in_a_narrow_header_is_cut_with_an_ellipsis_and_read_only_stays() {
    let (_d, mut ctx) = ctx();
    let theme = crate::tui::Theme::default_dark();
    let actor = "maintainers@users.noreply.example.com";
    for (read_only, w) in [(false, 80u16), (true, 80), (false, 100), (false, 160)] {
        let mut a = app(&mut ctx, read_only);
        a.shared.actor = actor.into();
        a.resize(w, 24);
        let top = testing::text(&testing::buffer(&a, &theme, w, 24))
            .lines()
            .next()
            .unwrap_or_default()
            .to_string();
        let shown = top.trim_end();
        if read_only {
            assert!(shown.ends_with("▲ read-only"), "{w}: {top}");
        }
        let name = shown
            .trim_end_matches(" ▲ read-only")
            .rsplit(' ')
            .next()
            .unwrap_or_default();
        assert!(
            name == actor
                || name == "maintainers"
                || (name.ends_with('…') && "maintainers".starts_with(name.trim_end_matches('…'))),
            "{w} cols, read-only {read_only}: the name shows as {name:?} in {top:?}"
        );
        assert!(name.len() > 3, "{w}: {top}");
    }
}

/// The history filter's matches are worked out once per loaded page, never
/// kept past it: releases recorded since join them, and the env beside is
/// matched afresh.
#[test]
fn filter_matches_follow_new_releases_and_the_env_shown() {
    let (_d, mut ctx) = ctx();
    releases(&mut ctx, 12);
    let mut a = app(&mut ctx, false);
    press(&mut ctx, &mut a, &["/"]);
    testing::type_text(&mut ctx, &mut a, "v1");
    press(&mut ctx, &mut a, &["enter"]);
    let count = |a: &crate::tui::App| a.views.dashboard.len(&a.shared);
    // v1, v10, v11, v12.
    assert_eq!(count(&a), 4);
    let at = ctx.now();
    ctx.store
        .transact(at, "ci", &mut |_| {
            let mut ev = Vec::new();
            for n in 13..=15u64 {
                let started = serde_json::json!({"number": n, "version": "1.0.0", "commit": "abc", "action": "deploy"});
                ev.push(crate::ledger::NewEvent::new(
                    crate::ledger::kind::DEPLOYMENT_STARTED,
                    Some("dev"),
                    started,
                ));
                let done = serde_json::json!({"number": n});
                ev.push(crate::ledger::NewEvent::new(
                    crate::ledger::kind::DEPLOYMENT_SUCCEEDED,
                    Some("dev"),
                    done,
                ));
            }
            Ok(ev)
        })
        .unwrap();
    testing::refresh(&mut ctx, &mut a);
    assert_eq!(count(&a), 7, "v13, v14 and v15 match too");
    let t = testing::text(&testing::buffer(&a, &crate::tui::Theme::default_dark(), 160, 48));
    assert!(t.contains("filter “v1”: 7 matches") && t.contains("v15 "), "{t}");
    press(&mut ctx, &mut a, &["l"]);
    testing::refresh(&mut ctx, &mut a);
    assert_eq!(count(&a), 0, "staging has no releases");
    press(&mut ctx, &mut a, &["h"]);
    testing::refresh(&mut ctx, &mut a);
    assert_eq!(count(&a), 7);
}

#[test]
fn a_filter_loads_a_window_of_its_matches_not_the_whole_history() {
    let (_d, mut ctx) = ctx();
    releases(&mut ctx, 1000);
    let mut a = app(&mut ctx, false);
    press(&mut ctx, &mut a, &["/"]);
    testing::type_text(&mut ctx, &mut a, "v99");
    press(&mut ctx, &mut a, &["enter"]);
    // v99 and v990–v999: eleven matches, read by the reader, and only them.
    let page = a.shared.history_page().unwrap();
    let f = page.filtered.as_ref().expect("a page of matches");
    assert_eq!((f.filter.as_str(), page.total, page.rows.len()), ("v99", 11, 11));
    assert_eq!(a.views.dashboard.len(&a.shared), 11);
    let numbers: Vec<u64> = page.rows.iter().map(|r| r.number).collect();
    assert_eq!(numbers[..2], [999, 998]);
    assert_eq!(numbers[10], 99);
    // The commits pane's neighbour is the whole history's, not the list's.
    assert_eq!(f.prev_succeeded.get(&990), Some(&Some(989)));
    assert_eq!(f.prev_succeeded.get(&99), Some(&Some(98)));
    let t = testing::text(&testing::buffer(&a, &crate::tui::Theme::default_dark(), 160, 48));
    assert!(t.contains("filter “v99”: 11 matches"), "{t}");

    // Matching everything: still a window at a time, moving with the cursor.
    press(&mut ctx, &mut a, &["/"]);
    for _ in 0..3 {
        press(&mut ctx, &mut a, &["backspace"]);
    }
    testing::type_text(&mut ctx, &mut a, "1.0.0");
    press(&mut ctx, &mut a, &["enter"]);
    let page = a.shared.history_page().unwrap();
    assert_eq!(page.total, 1000);
    assert!(page.rows.len() <= 200, "a window: {}", page.rows.len());
    press(&mut ctx, &mut a, &["G"]);
    assert_eq!(a.views.dashboard.history.cursor, 999);
    assert_eq!(a.views.dashboard.release(&a.shared, 999).map(|r| r.number), Some(1));
    assert_eq!(
        a.shared
            .history_page()
            .and_then(|p| p.filtered.as_ref())
            .and_then(|f| f.prev_succeeded.get(&1)),
        Some(&None),
        "v1 has nothing before it"
    );
    // Cleared: the history again.
    press(&mut ctx, &mut a, &["esc"]);
    assert!(a.shared.history_page().is_some_and(|p| p.filtered.is_none()));
}
