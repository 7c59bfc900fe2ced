//! When the frame just drawn goes stale by the clock alone.
//!
//! Every piece of text that depends on the time ("12s ago", a lease
//! countdown, "next in 4m") notes, while it is drawn, the moment it would
//! read differently. The loop sleeps until the earliest of those, so an
//! idle console wakes only when something on screen is due to change —
//! once a minute for "3m ago", never for a screen without relative times.
//! Drawing happens on one thread, so the note is a thread-local.

use std::cell::Cell;

use chrono::{DateTime, Duration, Utc};

thread_local! {
    static NEXT: Cell<Option<DateTime<Utc>>> = const { Cell::new(None) };
}

/// Text drawn now reads differently from `at` on.
pub fn note(at: DateTime<Utc>) {
    NEXT.with(|n| n.set(Some(n.get().map_or(at, |x| x.min(at)))));
}

/// Text drawn now counts down by the second (from `now`).
pub fn every_second(now: DateTime<Utc>) {
    note(now + Duration::seconds(1));
}

/// The earliest moment noted since the last call, and forget it: called
/// before a frame (to start clean) and after it (to schedule the clock).
pub fn take() -> Option<DateTime<Utc>> {
    NEXT.with(Cell::take)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn keeps_the_earliest_and_forgets_on_take() {
        let t = Utc.with_ymd_and_hms(2026, 12, 2, 10, 0, 0).unwrap();
        take();
        note(t + Duration::seconds(60));
        note(t + Duration::seconds(5));
        note(t + Duration::seconds(30));
        assert_eq!(take(), Some(t + Duration::seconds(5)));
        assert_eq!(take(), None);
    }
}
