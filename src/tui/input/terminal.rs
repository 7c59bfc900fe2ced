//! Terminal setup and teardown. `ratatui::init()` installs a panic hook that
//! restores the terminal; the guard restores it on every other exit path
//! (normal quit, error, SIGTERM via the loop).

use ratatui::crossterm::event::{self, DisableMouseCapture, EnableMouseCapture, Event, KeyEventKind, MouseEventKind};
use ratatui::DefaultTerminal;
use tokio::sync::mpsc::UnboundedSender;

use crate::tui::event::Msg;

pub struct Guard;

impl Drop for Guard {
    fn drop(&mut self) {
        let _ = ratatui::crossterm::execute!(std::io::stdout(), DisableMouseCapture);
        ratatui::restore();
    }
}

/// Enter raw mode, the alternate screen and mouse reporting; the guard
/// undoes all three.
pub fn init() -> (DefaultTerminal, Guard) {
    let t = ratatui::init();
    let _ = ratatui::crossterm::execute!(std::io::stdout(), EnableMouseCapture);
    (t, Guard)
}

/// Forward terminal input to the UI on a plain thread: `event::read` blocks,
/// so it must never run on the UI task.
pub fn spawn_input(tx: UnboundedSender<Msg>) -> std::io::Result<()> {
    std::thread::Builder::new()
        .name("relcon-input".into())
        .spawn(move || loop {
            let msg = match event::read() {
                Ok(Event::Key(k)) if k.kind != KeyEventKind::Release => Msg::Key(k),
                Ok(Event::Resize(w, h)) => Msg::Resize(w, h),
                // Clicks and the wheel; moves and drags are not used.
                Ok(Event::Mouse(m)) if !matches!(m.kind, MouseEventKind::Moved | MouseEventKind::Drag(_)) => {
                    Msg::Mouse(m)
                }
                Ok(_) => continue,
                Err(_) => return,
            };
            if tx.send(msg).is_err() {
                return;
            }
        })?;
    Ok(())
}
