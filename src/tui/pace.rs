//! When the console draws, shared by the loop and the health bench so the
//! bench measures what the console does:
//!
//! - what a person did, and what answers it within `ANSWER` (the snapshot
//!   a key asked for): at once, whatever was drawn just before;
//! - a health light that changes colour: at most one frame per `FRAME` (a
//!   thousand health endpoints must not each cost one);
//! - a health sample that moved only latency figures and sparklines: with
//!   the next `HEALTH_FRAME`;
//! - the clock: only when text on screen is due to read differently
//!   (`render::redraw_at`), never on a fixed tick.

use std::time::Duration;

use chrono::{DateTime, Utc};
use tokio::time::Instant;

use super::render::redraw_at;
use super::{App, Msg};

/// At most one frame per this (about 30 frames a second).
pub const FRAME: Duration = Duration::from_millis(33);
/// After a key, a click or a resize, changes are drawn without waiting out
/// `FRAME` for this long (what the key asked for arrives within it); the
/// rest of the time a stream of messages (a hook's output, a burst of
/// ledger writes) is drawn at most once per `FRAME`.
pub const ANSWER: Duration = Duration::from_millis(250);
/// Latency figures and sparklines alone redraw at most this often. (A
/// light that changes colour never waits for it. At one second, the demo's
/// latency figures alone drew a frame every second: most of what an
/// untouched console spent.)
pub const HEALTH_FRAME: Duration = Duration::from_secs(2);
/// The clock wakes at least this often, should some text forget to say
/// when it changes.
pub const CLOCK_SAFETY: Duration = Duration::from_secs(60);

pub struct Pace {
    last_draw: Instant,
    clock_at: Instant,
    /// The person's last key, click or resize.
    input_at: Option<Instant>,
}

impl Default for Pace {
    fn default() -> Self {
        let now = Instant::now();
        Pace {
            last_draw: now - HEALTH_FRAME,
            clock_at: now + CLOCK_SAFETY,
            input_at: None,
        }
    }
}

impl Pace {
    /// The app took `msg`: a key pressed just after a health frame, and the
    /// snapshot it asked for, must not wait 33 ms.
    pub fn took(&mut self, msg: &Msg) {
        if matches!(msg, Msg::Key(_) | Msg::Mouse(_) | Msg::Resize(..)) {
            self.input_at = Some(Instant::now());
        }
    }

    /// Whether to draw now.
    pub fn due(&self, app: &App) -> bool {
        let waited = self.last_draw.elapsed();
        let answering = self.input_at.is_some_and(|t| t.elapsed() < ANSWER);
        (app.dirty && (answering || waited >= FRAME)) || (app.health_dirty && waited >= HEALTH_FRAME)
    }

    /// Draw one frame as of `now` (the console's clock) and schedule the
    /// clock for the first text in it that will change.
    pub fn draw<E>(
        &mut self,
        app: &mut App,
        now: DateTime<Utc>,
        draw: impl FnOnce(&App) -> Result<(), E>,
    ) -> Result<(), E> {
        app.shared.now = now;
        redraw_at::take();
        draw(app)?;
        (app.dirty, app.health_dirty) = (false, false);
        self.last_draw = Instant::now();
        let wait = redraw_at::take().map_or(CLOCK_SAFETY, |t| {
            // Just after the change, so it has happened when we look.
            let d = (t - now).to_std().unwrap_or(Duration::ZERO);
            (d + Duration::from_millis(5)).min(CLOCK_SAFETY)
        });
        self.clock_at = self.last_draw + wait;
        Ok(())
    }

    /// When a frame held back by the pacing falls due (None: none waits).
    pub fn frame_at(&self, app: &App) -> Option<Instant> {
        match (app.dirty, app.health_dirty) {
            (true, _) => Some(self.last_draw + FRAME),
            (false, true) => Some(self.last_draw + HEALTH_FRAME),
            (false, false) => None,
        }
    }

    /// When to send the app `Msg::Clock`.
    pub fn clock_at(&self) -> Instant {
        self.clock_at
    }

    /// The clock fired: until the next frame says otherwise, the safety wait.
    pub fn clock_fired(&mut self) {
        self.clock_at = Instant::now() + CLOCK_SAFETY;
    }
}
