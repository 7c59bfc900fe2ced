//! What the backend is asked to read: the first snapshot holds only what
//! the first frame shows (DESIGN §7), the audit trail loads once its view opens,
//! the history window grows with the list, and commits are asked for once
//! per (env, from, to), flag histories once per (flag, env) and ledger head.

use super::{app, ctx, releases};
use crate::tui::event::CommitsKey;
use crate::tui::event::Effect;
use crate::tui::snapshot::Query;
use crate::tui::testing::{self, key, press, serve};
use crate::tui::views::dashboard::Commits;
use crate::tui::{render::layout, Msg};

#[test]
fn the_first_snapshot_reads_only_what_the_first_frame_shows() {
    let (_d, mut ctx) = ctx();
    releases(&mut ctx, 1000);
    let mut a = app(&mut ctx, false);
    let rows = usize::from(layout::history_rows(a.shared.area));
    let snap = a.shared.snap.as_ref().unwrap();
    assert!(
        !snap.query.audit && snap.audit.is_empty(),
        "no audit trail on the dashboard"
    );
    assert!(!snap.query.flags && snap.flags.is_empty());
    assert_eq!(
        snap.history.rows.len(),
        rows + Query::HISTORY_SLACK,
        "the visible rows and the slack"
    );
    // The Audit view loads the trail; leaving it stops loading it.
    let fx = a.update(Msg::Key(key("5")));
    assert!(matches!(fx.as_slice(), [Effect::Query(q)] if q.audit), "{fx:?}");
    serve(&mut ctx, &mut a, fx);
    assert!(
        a.views.audit.loaded && a.views.audit.rows.len() == Query::AUDIT_PAGE,
        "{}",
        a.views.audit.rows.len()
    );
    // Leaving it keeps the trail loaded (a page, read with each reload):
    // back in the view, the key's own frame shows it.
    let fx = a.update(Msg::Key(key("1")));
    assert!(fx.is_empty(), "{fx:?}");
    assert!(a.update(Msg::Key(key("5"))).is_empty());
    assert!(!a.loading());
    assert!(a.update(Msg::Key(key("1"))).is_empty());
    // `/` filters the view it is pressed in (not a jump to Audit): on the
    // dashboard the reader finds the matches, a window of them at a time
    // (not the whole history, as it once loaded).
    let fx = a.update(Msg::Key(key("/")));
    assert!(fx.is_empty(), "{fx:?}");
    assert!(matches!(a.popups.last(), Some(crate::tui::dialogs::Popup::Prompt(_))));
    assert_eq!(a.view, crate::tui::views::View::Dashboard);
    let fx = a.update(Msg::Key(key("v")));
    assert!(
        matches!(fx.as_slice(), [Effect::Query(q)] if q.history_offset == 0
            && q.history_limit == Query::HISTORY_WINDOW
            && q.history_filter == "v"),
        "{fx:?}"
    );
    assert_eq!(a.views.dashboard.filter, "v");
}

#[test]
fn the_history_window_grows_on_scroll_and_on_a_taller_terminal() {
    let (_d, mut ctx) = ctx();
    releases(&mut ctx, 1000);
    let mut a = app(&mut ctx, false);
    let first = a.query.history_limit;
    // Moving inside the first window asks for nothing …
    for _ in 1..layout::history_rows(a.shared.area) {
        assert!(a.update(Msg::Key(key("j"))).is_empty());
    }
    // … scrolling past its slack loads a full window around the view.
    let mut asked = None;
    for _ in 0..Query::HISTORY_SLACK + 1 {
        if let [Effect::Query(q)] = a.update(Msg::Key(key("j"))).as_slice() {
            asked = Some(q.clone());
            break;
        }
    }
    let q = asked.expect("a bigger window once the list scrolls past the first");
    assert!(
        q.history_limit >= Query::HISTORY_WINDOW && q.history_limit > first,
        "{q:?}"
    );
    // A fresh console made taller than its first window asks for more rows.
    let mut b = app(&mut ctx, false);
    let fx = b.update(Msg::Resize(160, 120));
    assert!(
        matches!(fx.as_slice(), [Effect::Query(q)] if q.history_limit as u64 >= u64::from(layout::history_rows(b.shared.area))),
        "{fx:?}"
    );
}

#[test]
fn commits_are_asked_for_once_per_pair_of_releases() {
    let (_d, mut ctx) = ctx();
    releases(&mut ctx, 30);
    ctx.config.project.repo = Some(std::path::PathBuf::from("/nonexistent/repo"));
    let mut a = app(&mut ctx, false);
    let key30 = CommitsKey {
        env: "dev".into(),
        from: 29,
        to: 30,
    };
    // The refresh served the request already: git failed, as one line.
    match a.views.dashboard.commits.get(&key30) {
        Some(Commits::Failed(e)) => assert!(!e.contains('\n'), "{e}"),
        other => panic!("{other:?}"),
    }
    let fx = a.update(Msg::Key(key("j")));
    let key29 = CommitsKey {
        env: "dev".into(),
        from: 28,
        to: 29,
    };
    assert_eq!(fx, vec![Effect::Commits(key29.clone())]);
    assert_eq!(a.views.dashboard.commits.get(&key29), Some(&Commits::Loading));
    // Back up and down again: both answers are cached or on their way.
    assert!(a.update(Msg::Key(key("k"))).is_empty());
    assert!(a.update(Msg::Key(key("j"))).is_empty());
    // Skipped by the backend for a newer request: asked again while highlighted.
    let fx = a.update(Msg::Commits {
        key: key29.clone(),
        result: None,
    });
    assert_eq!(fx, vec![Effect::Commits(key29)]);
    // Not on the dashboard, or without a repo: nothing to ask.
    press(&mut ctx, &mut a, &["2", "k"]);
    assert!(a.update(Msg::Key(key("j"))).is_empty());
}

#[test]
fn flag_history_is_asked_per_flag_and_env_and_again_when_the_ledger_moves() {
    use crate::tui::event::FlagHistoryKey;
    use crate::tui::views::flags::FlagHistory;
    let (_d, mut ctx) = ctx();
    let mut a = app(&mut ctx, false);
    // Not on the dashboard: the Flags view asks for the highlighted flag's.
    assert!(a.views.flags.histories.is_empty());
    let fx = a.update(Msg::Key(key("3")));
    let head = a.shared.snap.as_ref().unwrap().status.head_seq;
    let beta_dev = FlagHistoryKey {
        flag: "beta".into(),
        env: "dev".into(),
    };
    let asked = Effect::FlagHistory {
        key: beta_dev.clone(),
        seq: head,
    };
    assert!(fx.contains(&asked), "{fx:?}");
    assert_eq!(a.views.flags.history(&a.shared), Some(&FlagHistory::Loading));
    // Keys wait for the flag rows: load them (and only them).
    let Some(Effect::Query(q)) = fx.iter().find(|e| matches!(e, Effect::Query(_))).cloned() else {
        panic!("the Flags view loads its rows: {fx:?}")
    };
    let snap = crate::tui::snapshot::Snapshot::load(&ctx, &q).unwrap();
    a.update(Msg::Snapshot(Box::new(snap)));
    // Another env, another request; back again, cached (still on its way).
    // (Keys wait for the selected env's snapshot: it comes, the key acts.)
    assert_eq!(
        a.update(Msg::Key(key("l")))
            .into_iter()
            .filter(|e| matches!(e, Effect::FlagHistory { .. }))
            .count(),
        1
    );
    let staging = crate::tui::snapshot::Snapshot::load(&ctx, &a.query).unwrap();
    // Back at once: dev's rows came with the first snapshot, and its flag
    // history is cached.
    let fx = a.update(Msg::Key(key("h")));
    assert!(!fx.iter().any(|e| matches!(e, Effect::FlagHistory { .. })), "{fx:?}");
    assert_eq!(a.query.env, "dev", "h acts at once: dev is held");
    // Staging's snapshot, asked for by l, comes late: it holds dev beside it.
    let fx = a.update(Msg::Snapshot(Box::new(staging)));
    assert!(!fx.iter().any(|e| matches!(e, Effect::FlagHistory { .. })), "{fx:?}");
    assert!(!a.loading(), "a late snapshot turns to the env it holds beside it");
    let dev = crate::tui::snapshot::Snapshot::load(&ctx, &a.query).unwrap();
    a.update(Msg::Snapshot(Box::new(dev)));
    // Skipped by the backend for a newer request: asked again.
    let fx = a.update(Msg::FlagHistory {
        key: beta_dev.clone(),
        seq: head,
        result: None,
    });
    assert_eq!(fx, vec![asked]);
    let fx = a.update(Msg::FlagHistory {
        key: beta_dev.clone(),
        seq: head,
        result: Some(Ok(vec![])),
    });
    assert!(fx.is_empty());
    assert_eq!(a.views.flags.history(&a.shared), Some(&FlagHistory::Ready(vec![])));
    // The ledger moves: asked again at the new head, the old list kept
    // meanwhile; an answer for the older head does not replace it.
    releases(&mut ctx, 1);
    let q = a.query.clone();
    let fx = a.update(Msg::Snapshot(Box::new(crate::tui::Snapshot::load(&ctx, &q).unwrap())));
    let new_head = a.shared.snap.as_ref().unwrap().status.head_seq;
    assert!(new_head > head);
    assert!(
        fx.contains(&Effect::FlagHistory {
            key: beta_dev.clone(),
            seq: new_head
        }),
        "{fx:?}"
    );
    assert_eq!(a.views.flags.history(&a.shared), Some(&FlagHistory::Ready(vec![])));
    a.update(Msg::FlagHistory {
        key: beta_dev.clone(),
        seq: head,
        result: Some(Err("late".into())),
    });
    assert_eq!(a.views.flags.history(&a.shared), Some(&FlagHistory::Ready(vec![])));
    a.update(Msg::FlagHistory {
        key: beta_dev,
        seq: new_head,
        result: Some(Err("✖ gone".into())),
    });
    assert_eq!(
        a.views.flags.history(&a.shared),
        Some(&FlagHistory::Failed("✖ gone".into()))
    );
}

/// The reader thread answers a flag-history request (the UI task never
/// reads the ledger): the newest request of a burst always gets its list.
#[test]
fn the_reader_thread_answers_flag_history_requests() {
    use crate::tui::event::FlagHistoryKey;
    let (_d, ctx) = ctx();
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let backend = crate::tui::worker::Backend::start(&ctx, Query::first("dev", 10), tx).unwrap();
    let key = |env: &str| FlagHistoryKey {
        flag: "beta".into(),
        env: env.into(),
    };
    backend.flag_history(key("staging"), 7);
    backend.flag_history(key("dev"), 7);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        match rx.try_recv() {
            Ok(Msg::FlagHistory {
                key: k,
                seq: 7,
                result: Some(r),
            }) if k == key("dev") => {
                assert_eq!(r, Ok(vec![]));
                break;
            }
            Ok(_) => {}
            Err(_) => {
                assert!(std::time::Instant::now() < deadline, "no answer from the reader");
                std::thread::sleep(std::time::Duration::from_millis(10));
            }
        }
    }
}

/// "just now" in the history pane turns into "12s ago" on the clock, which
/// the frame asks for.
#[test]
fn the_clock_redraws_flag_history_ages() {
    use crate::tui::event::FlagHistoryKey;
    let (_d, mut ctx) = ctx();
    let mut a = app(&mut ctx, false);
    press(&mut ctx, &mut a, &["3"]);
    let now = a.shared.now;
    let change = crate::ledger::store::FlagChange {
        seq: 1,
        at: now,
        actor: "ana".into(),
        change: "kill".into(),
        before: Default::default(),
        after: Default::default(),
        reason: None,
    };
    let seq = a.shared.snap.as_ref().unwrap().status.head_seq;
    a.update(Msg::FlagHistory {
        key: FlagHistoryKey {
            flag: "beta".into(),
            env: "dev".into(),
        },
        seq,
        result: Some(Ok(vec![change])),
    });
    // Drawn at once it reads "just now", which lasts 5 s: the frame asks
    // the clock to wake then (or sooner, for another label), not each second.
    crate::tui::render::redraw_at::take();
    let screen = testing::text(&testing::buffer(&a, &crate::tui::Theme::default_dark(), 160, 48));
    assert!(screen.contains("just now"), "{screen}");
    let next = crate::tui::render::redraw_at::take().expect("the history's age names its next change");
    assert!(next <= now + chrono::Duration::seconds(5), "{next} vs {now}");
    a.update(Msg::Clock(now + chrono::Duration::seconds(12)));
    assert!(a.dirty, "now “12s ago”");
    let screen = testing::text(&testing::buffer(&a, &crate::tui::Theme::default_dark(), 160, 48));
    assert!(screen.contains("12s ago"), "{screen}");
}
