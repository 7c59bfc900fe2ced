//! The reader thread itself, fed queries as the UI sends them.

use std::sync::mpsc;
use std::time::Duration;

use super::{reader_loop, ReaderReq};
use crate::tui::event::Msg;
use crate::tui::snapshot::{Query, Snapshot};
use crate::tui::tests::{ctx, releases};

/// Long enough for the reader to take a query on its own, not drained
/// with the next one (were it drained with it, the test would pass
/// without showing anything: it cannot fail for being slow).
const APART: Duration = Duration::from_millis(300);

struct Reader {
    to: mpsc::Sender<ReaderReq>,
    from: tokio::sync::mpsc::UnboundedReceiver<Msg>,
}

impl Reader {
    fn ask(&self, q: &Query) {
        self.to.send(ReaderReq::Query(q.clone())).unwrap();
    }

    /// The next snapshot sent (other messages skipped).
    fn snapshot(&mut self) -> Box<Snapshot> {
        loop {
            match self.from.blocking_recv() {
                Some(Msg::Snapshot(s)) => return s,
                Some(_) => {}
                None => panic!("the reader stopped"),
            }
        }
    }
}

#[test]
fn leaving_insights_and_coming_back_reads_and_sends_nothing() {
    let (_d, mut ctx) = ctx();
    releases(&mut ctx, 40);
    let mut q = Query::first("dev", 20);
    let (to, rx) = mpsc::channel();
    let (tx, from) = tokio::sync::mpsc::unbounded_channel();
    let first = q.clone();
    std::thread::spawn(move || reader_loop(ctx, first, rx, tx));
    let mut r = Reader { to, from };
    assert!(r.snapshot().insights.is_none(), "the first snapshot");
    q.insights = true;
    r.ask(&q);
    let opened = r.snapshot();
    assert!(opened.query.insights && opened.insights.is_some());

    // `1` after `7`, then `7` again: the UI holds all either shows.
    q.insights = false;
    r.ask(&q);
    std::thread::sleep(APART);
    q.insights = true;
    r.ask(&q);
    std::thread::sleep(APART);
    // The next snapshot answers the next real change, and still carries
    // the insights kept.
    q.env = "staging".into();
    r.ask(&q);
    let next = r.snapshot();
    assert_eq!(next.query, q, "a snapshot was sent for a query the UI already held");
    assert!(next.insights.is_some());

    // Leaving, then a change: answered from the query as it now is.
    q.insights = false;
    r.ask(&q);
    std::thread::sleep(APART);
    q.env = "dev".into();
    r.ask(&q);
    assert_eq!(r.snapshot().query, q);

    // The same query again is a refresh, answered.
    r.ask(&q);
    assert_eq!(r.snapshot().query, q);
}
