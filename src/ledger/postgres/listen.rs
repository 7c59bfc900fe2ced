//! How a PostgreSQL store hears of other writers: LISTEN on the ledger's
//! channel (every append NOTIFYs it), and how a wait on it is ended from
//! another thread (a NOTIFY too, and a flag every later wait reads).

use std::sync::atomic::Ordering;
use std::time::Duration;

use super::{connect, PgStore, CHANNEL};
use crate::error::{Error, Result};
use crate::ledger::{Store, Wake};

impl PgStore {
    /// LISTEN on the ledger's channel, once per connection.
    fn listen(&self) -> Result<()> {
        self.with(|c| {
            if !c.listening {
                c.client.batch_execute(&format!("LISTEN {CHANNEL}"))?;
                c.listening = true;
            }
            Ok(())
        })
    }

    /// `Store::wait_for_change`: the head, once it is not `seen`, a
    /// notification came, the store was woken, or `timeout` passed.
    pub(super) fn wait_on_listen(&mut self, seen: u64, timeout: Duration) -> Result<u64> {
        // LISTEN before reading the head (and the wake flag), so nothing
        // committed or woken in between is missed.
        self.listen()?;
        let head = self.head_seq()?;
        if head != seen || self.woken.load(Ordering::SeqCst) {
            return Ok(head);
        }
        // Not run again on a new connection: that one would not be listening.
        self.with_again(
            |c| {
                use postgres::fallible_iterator::FallibleIterator;
                let mut n = c.client.notifications();
                // One is enough: the head is read again below; drop the rest.
                if n.timeout_iter(timeout).next()?.is_some() {
                    while n.iter().next()?.is_some() {}
                }
                Ok(())
            },
            |_| false,
        )?;
        self.head_seq()
    }

    /// A NOTIFY on the ledger's channel from a connection of its own (on a
    /// thread, so the caller does not wait for it): it ends the wait this
    /// store's connection is in, and the flag ends every later one. Without
    /// it a waiter would wake every second to see whether to stop, two
    /// queries a second per console.
    pub(super) fn waker(&self) -> Wake {
        let (woken, target) = (self.woken.clone(), self.target.clone());
        Wake::new(move || {
            woken.store(true, Ordering::SeqCst);
            let target = target.clone();
            let _ = std::thread::Builder::new().name("relcon-wake".into()).spawn(move || {
                let sent = connect::connect(&target).and_then(|mut c| {
                    c.execute("SELECT pg_notify($1, 'wake')", &[&CHANNEL])
                        .map_err(|e| Error::runtime(e.to_string()))
                });
                if let Err(e) = sent {
                    tracing::debug!("waking a ledger waiter: {e}");
                }
            });
        })
    }
}
