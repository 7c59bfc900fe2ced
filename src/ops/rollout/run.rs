//! Running a driver: `relcon rollout run` ticks until nothing is left to
//! drive (or for ever), sleeping until the next thing is due; an open
//! console runs one on a thread of its own, which its person may hold off
//! one env while they act on its rollout.

use std::time::Duration;

use super::drive::{tick, Did, Driver, Held};
use super::lease::Leases;
use crate::error::Result;
use crate::exec::CancelToken;
use crate::ops::Ctx;

/// The longest a driver holding no lease sleeps without an event.
const IDLE_WAIT: Duration = Duration::from_secs(30);

/// Tick until nothing is left to drive (or, `forever`, until cancelled),
/// sleeping until the next thing is due — woken early by any new event.
/// Returns how many rollouts this driver saw abort.
pub fn run(ctx: &mut Ctx, forever: bool, cancel: &CancelToken, on: &mut dyn FnMut(&Did)) -> Result<u32> {
    run_held(ctx, forever, cancel, Held::default(), on)
}

/// [`run`], leaving alone the env `held` names while it names one.
fn run_held(ctx: &mut Ctx, forever: bool, cancel: &CancelToken, held: Held, on: &mut dyn FnMut(&Did)) -> Result<u32> {
    let mut driver = Driver {
        held,
        ..Driver::default()
    };
    let mut aborts = 0;
    // A store that can be woken sleeps out each wait whole: cancelling wakes
    // it. (Forgotten on return: a console retries `run` on the same token.)
    let wake = ctx.store.wake_handle();
    let wakeable = wake.is_some();
    let registered = wake.and_then(|w| cancel.on_cancel(Box::new(move || w.wake())));
    let result = (|| -> Result<()> {
        loop {
            if cancel.is_cancelled() {
                return Ok(());
            }
            let report = tick(ctx, &mut driver)?;
            for d in &report.did {
                aborts += u32::from(matches!(d, Did::Aborted { .. }));
                on(d);
            }
            if report.drivable == 0 && !forever {
                return Ok(());
            }
            let now = ctx.now();
            // Holding a lease, beat well before it lapses. Holding none,
            // nothing is due but what `next` names or an event brings (an
            // event ends the wait at once): the long cap is a safety net,
            // and an idle console does no work between events.
            let cap = if driver.leases.is_empty() {
                IDLE_WAIT
            } else {
                // Twice per beat, so a tick always lands in time for one.
                Leases::beat_every(ctx) / 2
            };
            let wait = report
                .next
                .map_or(cap, |t| (t - now).to_std().unwrap_or(Duration::ZERO))
                .min(cap);
            wait_or_cancel(ctx, wait, cancel, wakeable)?;
        }
    })();
    driver.leases.release_all(ctx);
    cancel.forget(registered);
    result.map(|_| aborts)
}

/// Sleep up to `wait`, ending early on a new event or when cancelled. A
/// store that is not `wakeable` by the token is waited on in slices, since
/// its wait cannot see the token (closing a console joins this thread).
fn wait_or_cancel(ctx: &mut Ctx, wait: Duration, cancel: &CancelToken, wakeable: bool) -> Result<()> {
    const SLICE: Duration = Duration::from_secs(1);
    let slice = if wakeable { wait } else { SLICE };
    let until = std::time::Instant::now() + wait;
    let head = ctx.store.head_seq()?;
    loop {
        let left = until.saturating_duration_since(std::time::Instant::now());
        if left.is_zero() || cancel.is_cancelled() {
            return Ok(());
        }
        if ctx.store.wait_for_change(head, left.min(slice))? != head {
            return Ok(());
        }
    }
}

/// A driver on a thread of its own (an open console): ticks for as long as
/// the handle lives; dropping it stops the thread and gives up its leases.
pub struct DriverHandle {
    cancel: CancelToken,
    held: Held,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl DriverHandle {
    /// Leave `env`'s rollout alone while a person acts on it here (None:
    /// drive every env again). Other drivers, elsewhere, go on.
    pub fn hold(&self, env: Option<String>) {
        if let Ok(mut h) = self.held.lock() {
            *h = env;
        }
    }
}

impl Drop for DriverHandle {
    fn drop(&mut self) {
        self.cancel.cancel("relcon");
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// Start driving on `ctx` (its own connection); `on` hears what it did.
/// None for a read-only context: a viewer drives nothing.
pub fn spawn_driver(mut ctx: Ctx, mut on: Box<dyn FnMut(&Did) + Send>) -> Option<DriverHandle> {
    if ctx.read_only {
        return None;
    }
    let cancel = CancelToken::default();
    let token = cancel.clone();
    let held = Held::default();
    let mine = held.clone();
    let thread = std::thread::Builder::new()
        .name("relcon-rollouts".into())
        .spawn(move || loop {
            match run_held(&mut ctx, true, &token, mine.clone(), &mut *on) {
                Ok(_) => return,
                // A ledger that went away: try again shortly, unless stopped.
                Err(_) if !token.is_cancelled() => std::thread::sleep(Duration::from_secs(1)),
                Err(_) => return,
            }
        })
        .ok()?;
    Some(DriverHandle {
        cancel,
        held,
        thread: Some(thread),
    })
}
