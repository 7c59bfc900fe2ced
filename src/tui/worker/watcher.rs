//! The watcher thread: waits on its own connection for the ledger's head to
//! move (PostgreSQL: LISTEN/NOTIFY; SQLite: `PRAGMA data_version`, polled
//! cheaply) and wakes the reader, which catches up. When the ledger cannot
//! be read it says so (the banner) and tries again every second; once it
//! reads again it clears the banner and wakes the reader to catch up.

use std::sync::mpsc;
use std::time::Duration;

use tokio::sync::mpsc::UnboundedSender;

use super::jobs::plain;
use super::reader::ReaderReq;
use crate::ledger::Store;
use crate::tui::event::{Down, Msg, Source};

/// How long one wait lasts before the watcher looks whether the UI is gone.
const WAIT: Duration = Duration::from_secs(1);
/// Between attempts while the ledger cannot be read.
const RETRY: Duration = Duration::from_secs(1);

pub(super) fn watch_loop(mut store: Box<dyn Store>, reader: mpsc::Sender<ReaderReq>, tx: UnboundedSender<Msg>) {
    let mut seen: Option<u64> = None;
    let mut down = false;
    while !tx.is_closed() {
        let wait = |store: &mut dyn Store| match seen {
            None => store.head_seq(),
            Some(s) => store.wait_for_change(s, WAIT),
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
