//! Team mode drawn headlessly (DESIGN §11, §9), like tui_snapshots.rs: the
//! banner when the ledger is gone or its chain broke, a lease counting down
//! on a card, the header naming who else is here, a partner's cursor in
//! the Checklists view, and a late result in the detail pane. 80×24 and
//! 160×48, snapshotted with insta; colours that carry meaning asserted.

mod tui_support;

use chrono::Duration;
use ratatui::style::Modifier;
use relcon::ledger::bodies::{DeploymentFinished, DeploymentLate, DeploymentStarted, LeaseAcquired};
use relcon::ledger::{kind, NewEvent, Presence};
use relcon::tui::event::{Down, Source};
use relcon::tui::render::redraw_at;
use relcon::tui::testing::{find, press};
use relcon::tui::{App, Msg, Snapshot};
use tui_support::*;

const SERVER: &str = "postgres://relcon@db:5432/releases";

fn down(a: &mut App, source: Source) {
    a.update(Msg::Ledger {
        source,
        down: Some(Down {
            location: SERVER.into(),
            error: format!("ledger server {SERVER} is unreachable (connection refused); nothing was written, relcon reconnects by itself"),
        }),
    });
}

#[test]
fn a_banner_while_the_ledger_is_gone_and_none_once_it_is_back() {
    let mut w = world();
    for (cols, rows) in [(80, 24), (160, 48)] {
        let mut a = app(&mut w, (cols, rows), false);
        assert!(a.shared.banner(cols as usize).is_none());
        down(&mut a, Source::Watcher);
        let (t, b) = screen(&a, cols, rows);
        insta::assert_snapshot!(format!("banner_{cols}x{rows}"), t);
        let top = t.lines().next().unwrap();
        assert!(top.starts_with(" ▲ ledger "), "a symbol, not colour alone: {top}");
        assert!(top.contains("showing the state of 12:00:00 UTC"), "{top}");
        assert_eq!(b[(1, 0)].fg, theme().error, "the banner wears the error colour");
        assert!(b[(1, 0)].modifier.contains(Modifier::REVERSED));
        // The views move down a row; the store's words are in the status line.
        assert!(t.lines().nth(1).unwrap().contains("Dash"), "{t}");
        assert_eq!(
            a.status.as_ref().map(|(m, _)| m.contains("connection refused")),
            Some(true),
            "{t}"
        );
        // Keys keep working while it is down.
        press(&mut w.ctx, &mut a, &["2"]);
        assert!(screen(&a, cols, rows).0.contains("Checklists · dev"));
        // A view never opened before has nothing to show, and says why
        // instead of "loading…" for as long as the outage lasts (its query
        // is not answered here: the reader cannot read).
        let _unanswered = a.update(Msg::Key(relcon::tui::testing::key("3")));
        let t = screen(&a, cols, rows).0;
        assert!(
            t.contains("flags not loaded: the ledger cannot be read right now"),
            "{t}"
        );
        assert!(!t.contains("loading"), "{t}");
        press(&mut w.ctx, &mut a, &["2"]);
        // The reader failing too keeps it up until both read again.
        down(&mut a, Source::Reader);
        a.update(Msg::Ledger {
            source: Source::Watcher,
            down: None,
        });
        assert!(a.shared.banner(cols as usize).is_some());
        let snap = Snapshot::load(&w.ctx, &a.query).unwrap();
        a.update(Msg::Snapshot(Box::new(snap)));
        let (t, _) = screen(&a, cols, rows);
        assert!(!t.contains("▲ ledger"), "{t}");
        assert!(t.lines().next().unwrap().contains("Dash"), "{t}");
        assert!(t.contains(&format!("✔ ledger {SERVER} is back")), "{t}");
    }
}

#[test]
fn the_banner_names_a_sqlite_file_that_cannot_be_read_and_a_broken_chain() {
    let mut w = world();
    let mut a = app(&mut w, (160, 48), false);
    a.update(Msg::Ledger {
        source: Source::Reader,
        down: Some(Down {
            location: "/srv/relcon/ledger.db".into(),
            error: "disk I/O error".into(),
        }),
    });
    assert!(screen(&a, 160, 48)
        .0
        .starts_with(" ▲ ledger /srv/relcon/ledger.db cannot be read — showing the state of 12:00:00 UTC"));
    a.update(Msg::ChainBroken {
        seq: 42,
        why: "hash does not match its contents and the chain before it".into(),
    });
    let (t, b) = screen(&a, 160, 48);
    assert!(
        t.starts_with(" ✖ the ledger's chain is broken at seq 42 (hash does not match"),
        "{t}"
    );
    assert!(t.lines().next().unwrap().contains("run relcon audit verify"));
    assert_eq!(b[(1, 0)].fg, theme().error);
    // At 80 columns the reason goes, the advice stays.
    let (t, _) = screen(&a, 80, 24);
    assert_eq!(
        t.lines().next().unwrap(),
        " ✖ the ledger's chain is broken at seq 42: run relcon audit verify"
    );
}

/// A promotion into prod in flight, its lease held by bo on laptop-a, as a
/// deployer on another machine records it (through the store, like ops).
fn prod_in_flight(w: &mut World) -> u64 {
    let number = w.ctx.store.view().last_release_number("prod").unwrap().unwrap_or(0) + 1;
    let at = now();
    w.ctx
        .store
        .transact(at, "bo", &mut |view| {
            let started = DeploymentStarted {
                number,
                version: "1.3.0".into(),
                commit: "d4e5f6a7b8".into(),
                artifact: None,
                action: relcon::domain::Action::Promote,
                from_env: Some("staging".into()),
                target_release: None,
                reason: Some("weekly".into()),
                pid: Some(4242),
                host: Some("laptop-a".into()),
                steps: vec![],
            };
            let lease = LeaseAcquired {
                number: Some(number),
                reason: Some("weekly".into()),
                host: Some("laptop-a".into()),
                pid: Some(4242),
                db_ms: view.db_now_ms()?,
                ttl_ms: 30_000,
                took_over: None,
            };
            Ok(vec![
                NewEvent::new(kind::DEPLOYMENT_STARTED, Some("prod"), started),
                NewEvent::new(kind::LEASE_ACQUIRED, Some("prod"), lease),
            ])
        })
        .unwrap();
    number
}

/// The snapshot as read, but with exactly `left` seconds on prod's lease
/// (the database clock runs on while the test does), loaded at `now()`.
fn with_lease_left(a: &mut App, w: &World, left: i64) {
    let mut s = Snapshot::load(&w.ctx, &a.query).unwrap();
    let prod = s.status.environments.iter_mut().find(|e| e.name == "prod").unwrap();
    let lease = prod
        .deployment
        .as_mut()
        .and_then(|d| d.lease.as_mut())
        .expect("prod's lease");
    assert!(
        (25..=30).contains(&lease.expires_in_s),
        "read from the ledger: {lease:?}"
    );
    lease.expires_in_s = left;
    s.loaded_at = now();
    a.update(Msg::Snapshot(Box::new(s)));
}

#[test]
fn a_lease_counts_down_on_its_card_and_turns_interrupted_at_zero() {
    let mut w = world();
    let n = prod_in_flight(&mut w);
    for (cols, rows) in [(80, 24), (160, 48)] {
        let mut a = app(&mut w, (cols, rows), false);
        with_lease_left(&mut a, &w, 24);
        let (t, _) = screen(&a, cols, rows);
        insta::assert_snapshot!(format!("lease_card_{cols}x{rows}"), t);
        if cols == 160 {
            assert!(
                t.contains(&format!("v{n} promote 1.3.0 · bo@laptop-a · lease 24s")),
                "{t}"
            );
        } else {
            // Narrow: the host goes first, then what goes out; holder and countdown stay.
            assert!(
                t.contains(&format!("v{n} bo · lease 24s")) && !t.contains("laptop-a"),
                "{t}"
            );
        }
        // Between: what goes out stays when only the host does not fit.
        if cols == 160 {
            let mut mid = app(&mut w, (120, 35), false);
            with_lease_left(&mut mid, &w, 24);
            let (t, _) = screen(&mid, 120, 35);
            assert!(t.contains(&format!("v{n} promote 1.3.0 · bo · lease 24s")), "{t}");
        }
        // A countdown on screen asks the clock to wake within the second
        // (the loop wakes only when some text on screen is due to change).
        redraw_at::take();
        screen(&a, cols, rows);
        let next = redraw_at::take().expect("the countdown names its next change");
        assert!(
            next <= a.shared.now + Duration::seconds(1),
            "{next} vs {}",
            a.shared.now
        );
        a.dirty = false;
        a.update(Msg::Clock(now() + Duration::seconds(5)));
        assert!(a.dirty, "the clock woke: redraw");
        assert!(screen(&a, cols, rows).0.contains("lease 19s"));
        a.update(Msg::Clock(now() + Duration::seconds(24)));
        let (t, b) = screen(&a, cols, rows);
        assert!(
            t.contains(&format!("✖ v{n} 1.3.0 interrupted")),
            "at zero, at once:\n{t}"
        );
        let (x, y) = find(&b, &format!("✖ v{n}")).unwrap();
        assert_eq!(b[(x, y)].fg, theme().error);
    }
}

#[test]
fn without_a_lease_on_screen_the_clock_is_not_woken_for_it() {
    let mut w = world();
    prod_in_flight(&mut w);
    let mut a = app(&mut w, (160, 48), false);
    with_lease_left(&mut a, &w, 24);
    // The Flags view shows no card: the countdown does not wake the clock.
    press(&mut w.ctx, &mut a, &["3"]);
    redraw_at::take();
    let (t, _) = screen(&a, 160, 48);
    let next = redraw_at::take();
    assert!(
        next.is_none_or(|n| n > a.shared.now + Duration::seconds(1)),
        "{next:?} vs {}:\n{t}",
        a.shared.now
    );
}

fn presence(actor: &str, view: &str, env: &str, item: Option<&str>) -> Presence {
    Presence {
        console: format!("laptop-{actor}-1-abc"),
        actor: actor.into(),
        host: format!("laptop-{actor}"),
        view: view.into(),
        env: Some(env.into()),
        item: item.map(str::to_string),
        seen_ms: 0,
    }
}

#[test]
fn the_header_names_who_else_is_here() {
    let mut w = world();
    let mut a = app(&mut w, (160, 48), false);
    a.update(Msg::Presence(vec![
        presence("bo", "checklists", "staging", None),
        presence("cy", "dashboard", "prod", None),
        presence("bo", "audit", "dev", None),
    ]));
    let (t, b) = screen(&a, 160, 48);
    insta::assert_snapshot!("presence_header_160x48", t);
    let top = t.lines().next().unwrap();
    assert!(
        top.contains("also here: bo (checklists · staging) · cy (dashboard · prod) │ ana"),
        "one entry per person:\n{top}"
    );
    let (x, y) = find(&b, "also here").unwrap();
    assert_eq!(b[(x, y)].fg, theme().accent);
    // Narrow: a name without the place, the tabs shortened; the views
    // still all named. Two people: only a count fits.
    let mut a80 = app(&mut w, (80, 24), false);
    a80.update(Msg::Presence(vec![presence("bo", "checklists", "staging", None)]));
    let (t, _) = screen(&a80, 80, 24);
    insta::assert_snapshot!("presence_header_80x24", t);
    let top = t.lines().next().unwrap();
    assert!(top.contains("also here: bo │ ana") && top.contains("5 Audit"), "{top}");
    a80.update(Msg::Presence(vec![
        presence("bo", "checklists", "staging", None),
        presence("cy", "dashboard", "prod", None),
    ]));
    let top = screen(&a80, 80, 24).0.lines().next().unwrap().to_string();
    assert!(top.contains("+2 here │ ana") && top.contains("5 Audit"), "{top}");
    // Gone again: the header says nothing.
    a80.update(Msg::Presence(vec![]));
    assert!(!screen(&a80, 80, 24).0.contains("also here"));
}

#[test]
fn a_partners_cursor_in_the_checklists_view() {
    let mut w = world();
    for (cols, rows) in [(80, 24), (160, 48)] {
        let mut a = app(&mut w, (cols, rows), false);
        press(&mut w.ctx, &mut a, &["l", "c"]);
        // bo highlights item 2 of staging's validation of 1.3.0.
        let key = relcon::tui::event::item_key("staging-validation", "1.3.0", 2);
        a.update(Msg::Presence(vec![presence("bo", "checklists", "staging", Some(&key))]));
        let (t, b) = screen(&a, cols, rows);
        insta::assert_snapshot!(format!("partner_cursor_{cols}x{rows}"), t);
        let row = t.lines().find(|l| l.contains("2. Exploratory")).unwrap();
        assert!(row.contains("◂ bo"), "{row}");
        assert!(!t.lines().any(|l| l.contains("1. Smoke") && l.contains("◂ bo")));
        let (x, y) = find(&b, "◂ bo").unwrap();
        assert_eq!(b[(x, y)].fg, theme().accent);
        // Where this console looks, as it announces it.
        let here = a.whereabouts();
        assert_eq!(here.view, "checklists");
        assert_eq!(here.env.as_deref(), Some("staging"));
        assert_eq!(
            here.item.as_deref(),
            Some(relcon::tui::event::item_key("staging-validation", "1.3.0", 1).as_str())
        );
        // In another env the cursor is not drawn.
        press(&mut w.ctx, &mut a, &["h"]);
        assert!(!screen(&a, cols, rows).0.contains("◂ bo"));
    }
}

#[test]
fn a_late_result_shows_in_the_detail() {
    let mut w = world();
    let number = prod_in_flight(&mut w);
    let at = now();
    w.ctx
        .store
        .transact(at, "cy", &mut |_| {
            let interrupted = DeploymentFinished {
                number,
                error: Some("lease of bo on laptop-a expired: no sign of life for 31s".into()),
                output: None,
                duration_ms: None,
                resolved: false,
                reason: None,
            };
            let late = DeploymentLate {
                number,
                outcome: relcon::domain::DeploymentStatus::Succeeded,
                why: "lease of bo on laptop-a expired".into(),
                error: None,
                output: Some("deployed 1.3.0".into()),
                duration_ms: Some(42_000),
            };
            Ok(vec![
                NewEvent::new(kind::DEPLOYMENT_INTERRUPTED, Some("prod"), interrupted),
                NewEvent::new(kind::DEPLOYMENT_LATE, Some("prod"), late),
            ])
        })
        .unwrap();
    let mut a = app(&mut w, (160, 48), false);
    press(&mut w.ctx, &mut a, &["l", "l"]);
    let (t, b) = screen(&a, 160, 48);
    insta::assert_snapshot!("late_detail_160x48", t);
    assert!(t.contains("interrupted (its hook later succeeded)"), "{t}");
    assert!(
        t.contains("late     ▲ its hook later succeeded — after the lease had ended"),
        "{t}"
    );
    let (x, y) = find(&b, "▲ its hook later").unwrap();
    assert_eq!(b[(x, y)].fg, theme().warn);
}

#[test]
fn x_on_someone_elses_deployment_says_whose_it_is() {
    let mut w = world();
    let n = prod_in_flight(&mut w);
    let mut a = app(&mut w, (160, 48), false);
    press(&mut w.ctx, &mut a, &["l", "l", "x"]);
    let (t, _) = screen(&a, 160, 48);
    assert!(
        t.contains(&format!(
            "prod v{n} is bo@laptop-a's (their relcon): ask them, or take over"
        )),
        "{t}"
    );
    assert!(!t.contains("nothing is running to cancel"), "{t}");
}

#[test]
fn an_error_the_status_line_would_cut_opens_whole_in_a_pane() {
    let mut w = world();
    let mut a = app(&mut w, (80, 24), false);
    let long = format!(
        "ledger server {SERVER} is unreachable (database \"releases\" is not currently accepting connections); nothing was written, relcon reconnects by itself"
    );
    // A job of its own (a tick, say) that failed: no dialog shows it.
    a.update(Msg::Finished {
        id: 99,
        result: Err(long.clone()),
    });
    assert!(
        matches!(a.popups.last(), Some(relcon::tui::dialogs::Popup::Text(_))),
        "{:?}",
        a.popups.len()
    );
    let t = screen(&a, 80, 24).0;
    assert!(t.contains("reconnects by itself"), "the end is on screen: {t}");
    // One that fits stays on the status line alone.
    press(&mut w.ctx, &mut a, &["esc"]);
    a.update(Msg::Finished {
        id: 100,
        result: Err("✖ refused".into()),
    });
    assert!(a.popups.is_empty());
}

#[test]
fn the_cards_approval_count_leaves_out_the_viewers_own_as_the_gate_does() {
    let mut w = world();
    // fay approved 1.3.0 into prod; now ana (the viewer) does too.
    relcon::ops::approve::approve(&mut w.ctx, "prod", "1.3.0", None).unwrap();
    let a = app(&mut w, (160, 48), false);
    let t = screen(&a, 160, 48).0;
    assert!(t.contains("approvals 1/2 +you"), "{t}");
}
