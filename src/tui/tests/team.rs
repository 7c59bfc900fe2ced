//! Live updates off the UI task: the follower checks every new event's
//! chain link, and the watcher thread wakes the reader, which sends a new
//! snapshot, or says the chain broke.

use std::time::{Duration, Instant};

use super::{ctx, releases};
use crate::tui::event::Msg;
use crate::tui::worker::reader::Follower;
use crate::tui::Query;

/// `n` notes, one event each, written through the store.
fn notes(ctx: &mut crate::ops::Ctx, n: usize) {
    let at = ctx.now();
    for i in 0..n {
        ctx.store
            .transact(at, "ana", &mut |_| {
                Ok(vec![crate::ledger::NewEvent::new(
                    crate::ledger::kind::NOTE_ADDED,
                    Some("dev"),
                    serde_json::json!({ "text": format!("note {i}") }),
                )])
            })
            .unwrap();
    }
}

fn raw(dir: &tempfile::TempDir) -> rusqlite::Connection {
    rusqlite::Connection::open(dir.path().join("ledger.db")).unwrap()
}

#[test]
fn the_follower_accepts_new_events_and_names_a_rewritten_one() {
    let (dir, mut ctx) = ctx();
    let mut f = Follower::default();
    assert_eq!(f.catch_up(&*ctx.store).unwrap(), None, "the first call takes the head");
    let start = f.tip().unwrap().0;
    releases(&mut ctx, 3);
    assert_eq!(f.catch_up(&*ctx.store).unwrap(), None);
    assert_eq!(
        f.tip().unwrap().0,
        start + 7,
        "one build and three started+succeeded pairs"
    );
    notes(&mut ctx, 1);
    let head = ctx.store.head_seq().unwrap();
    // Someone with the file rewrites the newest event before the console reads it.
    raw(&dir)
        .execute("UPDATE events SET actor = 'mallory' WHERE seq = ?1", [head])
        .unwrap();
    let broken = f.catch_up(&*ctx.store).unwrap();
    assert_eq!(
        broken,
        Some((
            head,
            "hash does not match its contents and the chain before it".to_string()
        ))
    );
    // Reported once; the console keeps following.
    notes(&mut ctx, 1);
    assert_eq!(f.catch_up(&*ctx.store).unwrap(), None);
    assert_eq!(f.broken.as_ref().map(|b| b.0), Some(head));
}

#[test]
fn the_follower_names_a_missing_event_and_a_shorter_ledger() {
    let (dir, mut ctx) = ctx();
    let mut f = Follower::default();
    f.catch_up(&*ctx.store).unwrap();
    let start = f.tip().unwrap().0;
    notes(&mut ctx, 3);
    raw(&dir)
        .execute("DELETE FROM events WHERE seq = ?1", [start + 2])
        .unwrap();
    let broken = f.catch_up(&*ctx.store).unwrap();
    assert_eq!(
        broken,
        Some((
            start + 3,
            format!("event {} is missing (next stored is {})", start + 2, start + 3)
        ))
    );
    // A ledger that lost its newest events is a break too.
    let (dir, mut ctx) = super::ctx();
    releases(&mut ctx, 2);
    let mut f = Follower::default();
    f.catch_up(&*ctx.store).unwrap();
    let head = f.tip().unwrap().0;
    raw(&dir).execute("DELETE FROM events WHERE seq = ?1", [head]).unwrap();
    let broken = f.catch_up(&*ctx.store).unwrap();
    assert!(
        broken
            .as_ref()
            .is_some_and(|(_, why)| why.contains("this console saw seq")),
        "{broken:?}"
    );
}

/// The next message matching `pred`, within a generous deadline.
fn next(rx: &mut tokio::sync::mpsc::UnboundedReceiver<Msg>, what: &str, pred: impl Fn(&Msg) -> bool) -> Msg {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        match rx.try_recv() {
            Ok(m) if pred(&m) => return m,
            Ok(_) => {}
            Err(_) => {
                assert!(Instant::now() < deadline, "no {what} from the backend");
                std::thread::sleep(Duration::from_millis(5));
            }
        }
    }
}

#[test]
fn another_writer_wakes_the_reader_and_a_forged_event_raises_the_alarm() {
    let (dir, ctx) = ctx();
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let _backend = crate::tui::worker::Backend::start(&ctx, Query::first("dev", 10), tx).unwrap();
    next(&mut rx, "first snapshot", |m| matches!(m, Msg::Snapshot(_)));
    // Another process's write: a snapshot at the new head follows, unasked.
    let mut other = ctx.reopen().unwrap();
    releases(&mut other, 1);
    let head = other.store.head_seq().unwrap();
    next(
        &mut rx,
        "snapshot at the new head",
        |m| matches!(m, Msg::Snapshot(s) if s.status.head_seq == head && s.history.total == 1),
    );
    // A row appended behind relcon's back, with a hash that links to nothing.
    raw(&dir)
        .execute(
            "INSERT INTO events (seq, at, actor, kind, env, body, hash) VALUES (?1, '2026-11-18T12:00:00Z', 'mallory', 'note.added', NULL, '{}', 'beef')",
            [head + 1],
        )
        .unwrap();
    match next(&mut rx, "the alarm", |m| matches!(m, Msg::ChainBroken { .. })) {
        Msg::ChainBroken { seq, why } => {
            assert_eq!(seq, head + 1);
            assert!(why.contains("hash does not match"), "{why}");
        }
        _ => unreachable!(),
    }
}
