//! When the console draws (`tui::pace`), on tokio's paused clock.

use std::time::Duration;

use super::{app, ctx};
use crate::tui::pace::{Pace, ANSWER, FRAME, HEALTH_FRAME};
use crate::tui::testing::key;
use crate::tui::Msg;

fn drawn(pace: &mut Pace, a: &mut crate::tui::App) {
    let now = a.shared.now;
    pace.draw(a, now, |_| Ok::<(), ()>(())).unwrap();
}

#[tokio::test(start_paused = true)]
async fn a_key_is_drawn_at_once_a_stream_of_messages_once_per_frame() {
    let (_d, mut ctx) = ctx();
    let mut a = app(&mut ctx, false);
    let mut pace = Pace::default();
    drawn(&mut pace, &mut a);
    // A hook's output (or any message but a person's) just after a frame
    // waits out the cap.
    a.dirty = true;
    pace.took(&Msg::BackendError("a line of output".into()));
    assert!(!pace.due(&a), "capped");
    assert_eq!(pace.frame_at(&a), Some(tokio::time::Instant::now() + FRAME));
    tokio::time::advance(FRAME).await;
    assert!(pace.due(&a));
    drawn(&mut pace, &mut a);
    // A key is drawn at once, and so is what answers it shortly after.
    let k = Msg::Key(key("j"));
    pace.took(&k);
    a.dirty = true;
    assert!(pace.due(&a), "a key does not wait");
    drawn(&mut pace, &mut a);
    tokio::time::advance(Duration::from_millis(3)).await;
    a.dirty = true;
    assert!(pace.due(&a), "the snapshot the key asked for does not wait");
    drawn(&mut pace, &mut a);
    tokio::time::advance(ANSWER).await;
    drawn(&mut pace, &mut a);
    a.dirty = true;
    assert!(!pace.due(&a), "long after the key, the cap again");
}

#[tokio::test(start_paused = true)]
async fn latency_alone_is_drawn_once_per_health_frame() {
    let (_d, mut ctx) = ctx();
    let mut a = app(&mut ctx, false);
    let mut pace = Pace::default();
    drawn(&mut pace, &mut a);
    a.health_dirty = true;
    tokio::time::advance(FRAME).await;
    assert!(!pace.due(&a), "a frame's wait is not enough");
    assert_eq!(
        pace.frame_at(&a),
        Some(tokio::time::Instant::now() - FRAME + HEALTH_FRAME)
    );
    tokio::time::advance(HEALTH_FRAME - FRAME).await;
    assert!(pace.due(&a));
    drawn(&mut pace, &mut a);
    assert!(!a.health_dirty && !a.dirty);
}
