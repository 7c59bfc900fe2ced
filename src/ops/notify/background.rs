//! Delivery in the background: the console's notifier, and the thread a
//! CLI command that writes runs while it works (a deployment's hook can
//! take minutes; its "started" should not wait for its end).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Arc};
use std::time::{Duration, Instant};

use super::deliver;
use crate::ops::Ctx;

/// A delivery thread with a connection of its own (`spawn`).
pub struct Notifier {
    stop: Arc<AtomicBool>,
    done: mpsc::Receiver<()>,
}

impl Notifier {
    /// Ask it to stop after the row it is on, and wait at most `wait` for that.
    pub fn stop(self, wait: Duration) {
        self.stop.store(true, Ordering::SeqCst);
        let _ = self.done.recv_timeout(wait);
    }
}

/// Deliver what is due in the background: first after `first`, then every
/// `every`, each pass within `pass`. Errors stay in the outbox (`notify
/// status`), never on the screen. None when there is nothing to deliver to.
pub fn spawn(ctx: &Ctx, first: Duration, every: Duration, pass: Duration) -> Option<Notifier> {
    if ctx.read_only || ctx.config.notify.is_empty() {
        return None;
    }
    let own = ctx.reopen().ok()?;
    let stop = Arc::new(AtomicBool::new(false));
    let (tx, done) = mpsc::channel();
    let flag = stop.clone();
    // Sleeps in small steps, so a stop is heard at once.
    let nap = move |d: Duration| {
        let until = Instant::now() + d;
        while Instant::now() < until && !flag.load(Ordering::SeqCst) {
            std::thread::sleep(Duration::from_millis(50));
        }
    };
    let flag = stop.clone();
    std::thread::Builder::new()
        .name("notifier".into())
        .spawn(move || {
            nap(first);
            while !flag.load(Ordering::SeqCst) {
                let _ = deliver(&own, pass, false);
                nap(every);
            }
            let _ = tx.send(());
        })
        .ok()?;
    Some(Notifier { stop, done })
}

/// The console's notifier: every couple of seconds while it runs.
pub fn spawn_notifier(ctx: &Ctx) -> Option<Notifier> {
    spawn(ctx, Duration::ZERO, Duration::from_secs(2), Duration::from_secs(20))
}

/// While a CLI command runs (a deployment's hook can take minutes): what
/// it records is delivered as it goes, not only when it ends.
pub fn spawn_for_command(ctx: &Ctx) -> Option<Notifier> {
    spawn(
        ctx,
        Duration::from_secs(1),
        Duration::from_secs(1),
        Duration::from_secs(5),
    )
}
