//! The watcher thread: waits on its own connection for the ledger's head to
//! move (PostgreSQL: LISTEN/NOTIFY; SQLite: a file watch, then `PRAGMA
//! data_version`) and wakes the reader, which catches up. When the ledger cannot
//! be read it says so (the banner) and tries again every second; once it
//! reads again it clears the banner and wakes the reader to catch up.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Arc};
use std::time::Duration;

use tokio::sync::mpsc::UnboundedSender;

use super::jobs::plain;
use super::reader::ReaderReq;
use crate::ledger::Store;
use crate::tui::event::{Down, Msg, Source};

/// How long one wait lasts before the watcher looks whether the UI is gone,
/// on a store that cannot be woken when it is.
const WAIT: Duration = Duration::from_secs(1);
/// The same on a store that can be (closing the console wakes it): only a
/// safety net.
const WAIT_WAKEABLE: Duration = Duration::from_secs(60);
/// Between attempts while the ledger cannot be read.
const RETRY: Duration = Duration::from_secs(1);

/// Tells the watcher to stop, and wakes it when its store allows.
#[derive(Clone)]
pub(super) struct Watching {
    stopped: Arc<AtomicBool>,
    wake: Option<crate::ledger::Wake>,
}

impl Watching {
    pub(super) fn new(store: &mut dyn Store) -> Watching {
        Watching {
            stopped: Arc::default(),
            wake: store.wake_handle(),
        }
    }

    pub(super) fn stop(&self) {
        self.stopped.store(true, Ordering::SeqCst);
        if let Some(w) = &self.wake {
            w.wake();
        }
    }

    fn stopped(&self) -> bool {
        self.stopped.load(Ordering::SeqCst)
    }
}

pub(super) fn watch_loop(
    mut store: Box<dyn Store>,
    watching: Watching,
    reader: mpsc::Sender<ReaderReq>,
    tx: UnboundedSender<Msg>,
) {
    let mut seen: Option<u64> = None;
    let mut down = false;
    let timeout = if watching.wake.is_some() { WAIT_WAKEABLE } else { WAIT };
    while !tx.is_closed() && !watching.stopped() {
        let wait = |store: &mut dyn Store| match seen {
            None => store.head_seq(),
            Some(s) => store.wait_for_change(s, timeout),
        };
        // A dropped connection fails once and reconnects on the next call:
        // only a second failure in a row means the ledger is gone.
        let read = wait(&mut *store).or_else(|_| wait(&mut *store));
        match read {
            Ok(head) => {
                // The first read counts as a move: a write that landed
                // between the reader's first load and this read would
                // otherwise go unseen until the next one.
                let moved = seen.is_none_or(|s| s != head);
                seen = Some(head);
                let back = std::mem::take(&mut down);
                if back {
                    let _ = tx.send(Msg::Ledger {
                        source: Source::Watcher,
                        down: None,
                    });
                }
                // Back: the reader catches up on whatever it missed meanwhile.
                if (moved || back) && reader.send(ReaderReq::Moved).is_err() {
                    return;
                }
            }
            Err(e) => {
                down = true;
                let report = Msg::Ledger {
                    source: Source::Watcher,
                    down: Some(Down {
                        location: store.location(),
                        error: plain(&e),
                    }),
                };
                if tx.send(report).is_err() {
                    return;
                }
                std::thread::sleep(RETRY);
            }
        }
    }
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use super::*;
    use crate::ledger::SqliteStore;

    /// The watcher sleeps up to a minute between writes; closing the console
    /// must end it at once, not leave it holding the ledger open.
    #[test]
    fn stopping_ends_a_watcher_that_waits_on_a_quiet_ledger() {
        let dir = tempfile::tempdir().unwrap();
        let mut store: Box<dyn Store> = Box::new(SqliteStore::open(&dir.path().join("ledger.db")).unwrap());
        let watching = Watching::new(&mut *store);
        assert!(watching.wake.is_some(), "SQLite on Linux can be woken");
        let (reader, moved) = mpsc::channel();
        let (tx, _rx) = tokio::sync::mpsc::unbounded_channel();
        let w = watching.clone();
        let thread = std::thread::spawn(move || watch_loop(store, w, reader, tx));
        // The first read counts as a move; then it waits.
        assert!(matches!(
            moved.recv_timeout(Duration::from_secs(10)),
            Ok(ReaderReq::Moved)
        ));
        std::thread::sleep(Duration::from_millis(100));
        let started = std::time::Instant::now();
        watching.stop();
        thread.join().unwrap();
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "took {:?}",
            started.elapsed()
        );
    }
}
