//! What the backend is asked to read: the first snapshot holds only what
//! the first frame shows (DESIGN §7), the audit trail loads with its view,
//! the history window grows with the list, and commits are asked for once
//! per (env, from, to).

use super::{app, ctx, releases};
use crate::tui::app::{Commits, CommitsKey};
use crate::tui::event::Effect;
use crate::tui::snapshot::Query;
use crate::tui::testing::{key, press, serve};
use crate::tui::{layout, Msg};

#[test]
fn the_first_snapshot_reads_only_what_the_first_frame_shows() {
    let (_d, mut ctx) = ctx();
    releases(&mut ctx, 1000);
    let mut a = app(&mut ctx, false);
    let rows = usize::from(layout::history_rows(a.area));
    let snap = a.snap.as_ref().unwrap();
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
        a.audit_loaded && a.audit_rows.len() == Query::AUDIT_PAGE,
        "{}",
        a.audit_rows.len()
    );
    let fx = a.update(Msg::Key(key("1")));
    assert!(matches!(fx.as_slice(), [Effect::Query(q)] if !q.audit), "{fx:?}");
    // `/` opens the Audit view and its trail too.
    let fx = a.update(Msg::Key(key("/")));
    assert!(matches!(fx.as_slice(), [Effect::Query(q)] if q.audit), "{fx:?}");
}

#[test]
fn the_history_window_grows_on_scroll_and_on_a_taller_terminal() {
    let (_d, mut ctx) = ctx();
    releases(&mut ctx, 1000);
    let mut a = app(&mut ctx, false);
    let first = a.query.history_limit;
    // Moving inside the first window asks for nothing …
    for _ in 1..layout::history_rows(a.area) {
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
        matches!(fx.as_slice(), [Effect::Query(q)] if q.history_limit as u64 >= u64::from(layout::history_rows(b.area))),
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
    match a.commits.get(&key30) {
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
    assert_eq!(a.commits.get(&key29), Some(&Commits::Loading));
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
