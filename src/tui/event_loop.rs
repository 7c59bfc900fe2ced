//! The loop on the UI task: it owns the app, selects over terminal input,
//! worker messages, health samples, a clock and signals, drains what queued
//! up, and draws at most once per frame, only when something changed. It
//! never touches the store: effects go to the worker threads.

use std::time::Duration;

use tokio::signal::unix::{signal, SignalKind};
use tokio::time::{Instant, MissedTickBehavior};

use super::event::{Effect, Msg};
use super::input::terminal;
use super::pace::Pace;
use super::render::{self, theme::Theme};
use super::worker::presence::PresenceHandle;
use super::worker::Backend;
use super::App;
use crate::ops;

/// What the loop talks to: threads that do the work, and the clock.
pub(super) struct Session<'a> {
    pub backend: &'a Backend,
    pub presence: &'a PresenceHandle,
    pub clock: ops::Clock,
    pub theme: Theme,
}

/// The loop; returns the exit code (0 on quit, 128 + signal on a signal).
/// It never touches the store: effects go to the worker threads.
pub(super) async fn run(
    mut app: App,
    first: Vec<Effect>,
    session: Session<'_>,
    tx: tokio::sync::mpsc::UnboundedSender<Msg>,
    mut rx: tokio::sync::mpsc::UnboundedReceiver<Msg>,
) -> crate::Result<i32> {
    let Session {
        backend,
        presence,
        clock: clock_fn,
        theme,
    } = session;
    apply(backend, first);
    let (mut terminal, _guard) = terminal::init()?;
    terminal::spawn_input(tx)?;
    // Read after input is forwarded, so no resize falls between the two.
    let size = terminal.size()?;
    terminal::resize(&mut terminal, size.width, size.height)?;
    let effects = app.update(Msg::Resize(size.width, size.height));
    apply(backend, effects);
    let mut here = app.whereabouts();
    presence.here(here.clone());
    // Health pollers run as tasks on this runtime; samples go to the app
    // (lights, sparklines) and to the reader (drift, require_healthy).
    let (htx, mut hrx) = tokio::sync::mpsc::unbounded_channel();
    let _pollers = crate::health::poller::spawn(&app.shared.config, htx, crate::health::poller::DEFAULT_CONCURRENCY);
    let mut sigterm = signal(SignalKind::terminate())?;
    let mut sighup = signal(SignalKind::hangup())?;
    let mut sigint = signal(SignalKind::interrupt())?;
    let mut spin = tokio::time::interval(Duration::from_millis(100));
    spin.set_missed_tick_behavior(MissedTickBehavior::Skip);
    let mut pace = Pace::default();
    let frame = |terminal: &mut terminal::Term, app: &mut App, pace: &mut Pace| -> crate::Result<()> {
        if pace.due(app) {
            pace.draw(app, clock_fn(), |app| {
                terminal::frame(terminal, |f| render::draw(f, app, &theme))
            })?;
        }
        Ok(())
    };
    loop {
        frame(&mut terminal, &mut app, &mut pace)?;
        if app.quit {
            break;
        }
        let busy = app.busy();
        let frame_at = pace.frame_at(&app);
        let msg = tokio::select! {
            Some(m) = rx.recv() => m,
            Some(u) = hrx.recv() => {
                backend.health(u.clone());
                Msg::Health(u)
            }
            _ = tokio::time::sleep_until(pace.clock_at()) => {
                pace.clock_fired();
                Msg::Clock(clock_fn())
            }
            _ = spin.tick(), if busy => Msg::Spin,
            _ = tokio::time::sleep_until(frame_at.unwrap_or_else(Instant::now)), if frame_at.is_some() => continue,
            _ = sigterm.recv() => return Ok(128 + 15),
            _ = sighup.recv() => return Ok(128 + 1),
            _ = sigint.recv() => return Ok(128 + 2),
        };
        pace.took(&msg);
        follow_size(&mut terminal, &msg)?;
        let mut effects = app.update(msg);
        // Drain what queued up meanwhile, then draw once.
        while let Ok(m) = rx.try_recv() {
            pace.took(&m);
            follow_size(&mut terminal, &m)?;
            effects.extend(app.update(m));
        }
        while let Ok(u) = hrx.try_recv() {
            backend.health(u.clone());
            effects.extend(app.update(Msg::Health(u)));
        }
        // Draw what a key changed before the workers are handed its effects,
        // so the frame does not share the CPU with the load it asked for.
        frame(&mut terminal, &mut app, &mut pace)?;
        apply(backend, effects);
        // The person moved: the others see it (throttled on the presence thread).
        let now_here = app.whereabouts();
        if now_here != here {
            presence.here(now_here.clone());
            here = now_here;
        }
    }
    Ok(0)
}

/// The viewport is fixed (see `terminal::init`): a new size is followed here.
fn follow_size(terminal: &mut terminal::Term, msg: &Msg) -> std::io::Result<()> {
    match msg {
        Msg::Resize(w, h) => terminal::resize(terminal, *w, *h),
        _ => Ok(()),
    }
}

fn apply(backend: &Backend, effects: Vec<Effect>) {
    for e in effects {
        match e {
            Effect::Query(q) => backend.query(q),
            Effect::Preview { id, intent } => backend.preview(id, intent),
            Effect::Run { id, job } => backend.run(id, job),
            Effect::Cancel => backend.cancel(),
            Effect::HoldRollout(env) => backend.hold_rollout(env),
            Effect::Commits(key) => backend.commits(key),
            Effect::FlagHistory { key, seq } => backend.flag_history(key, seq),
        }
    }
}
