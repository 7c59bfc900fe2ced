//! Terminal setup and teardown. `ratatui::init()` installs a panic hook that
//! restores the terminal; the guard restores it on every other exit path
//! (normal quit, error, SIGTERM via the loop).

use std::io::{BufWriter, Stdout, Write};
use std::sync::atomic::{AtomicBool, Ordering};

use ratatui::backend::{Backend, ClearType, CrosstermBackend, WindowSize};
use ratatui::crossterm::event::{self, DisableMouseCapture, EnableMouseCapture, Event, KeyEventKind, MouseEventKind};
use ratatui::layout::{Position, Rect, Size};
use ratatui::Terminal;
use tokio::sync::mpsc::UnboundedSender;

use crate::tui::event::Msg;

pub struct Guard;

impl Drop for Guard {
    fn drop(&mut self) {
        let _ = ratatui::crossterm::execute!(std::io::stdout(), DisableMouseCapture);
        ratatui::restore();
    }
}

/// The console's terminal: crossterm over a buffer that holds a whole
/// frame, so a frame reaches the terminal in one write. (Stdout alone is
/// line-buffered in 1 KiB pieces, and a frame has no newline: a full
/// 160×48 redraw went out in a dozen writes, each waking the terminal.)
pub type Term = Terminal<Screen>;

/// crossterm's backend, but its frames encoded by [`super::ansi`] (fewer
/// bytes for the same screen).
pub struct Screen(CrosstermBackend<FrameOut>);

impl Write for Screen {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.write(buf)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Write::flush(&mut self.0)
    }
}

impl Backend for Screen {
    type Error = std::io::Error;

    fn draw<'a, I>(&mut self, content: I) -> std::io::Result<()>
    where
        I: Iterator<Item = (u16, u16, &'a ratatui::buffer::Cell)>,
    {
        super::ansi::encode(&mut self.0, content)
    }
    fn hide_cursor(&mut self) -> std::io::Result<()> {
        self.0.hide_cursor()
    }
    fn show_cursor(&mut self) -> std::io::Result<()> {
        self.0.show_cursor()
    }
    fn get_cursor_position(&mut self) -> std::io::Result<Position> {
        self.0.get_cursor_position()
    }
    fn set_cursor_position<P: Into<Position>>(&mut self, position: P) -> std::io::Result<()> {
        self.0.set_cursor_position(position)
    }
    fn clear(&mut self) -> std::io::Result<()> {
        self.0.clear()
    }
    fn clear_region(&mut self, clear_type: ClearType) -> std::io::Result<()> {
        self.0.clear_region(clear_type)
    }
    fn size(&self) -> std::io::Result<Size> {
        self.0.size()
    }
    fn window_size(&mut self) -> std::io::Result<WindowSize> {
        self.0.window_size()
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Backend::flush(&mut self.0)
    }
}

/// Stdout behind a frame-sized buffer whose flush can be held: ratatui
/// flushes at the end of its draw, before the synchronized update's end
/// marker is queued, and the marker would go out in a write of its own.
pub struct FrameOut {
    out: BufWriter<Stdout>,
}

/// Follow the terminal's new size (the viewport is fixed: see [`init`]).
pub fn resize(t: &mut Term, w: u16, h: u16) -> std::io::Result<()> {
    let area = Rect::new(0, 0, w, h);
    if t.get_frame().area() != area {
        t.resize(area)?;
    }
    Ok(())
}

/// Set while [`frame`] draws (one terminal per process, drawn on one thread).
static HOLD: AtomicBool = AtomicBool::new(false);

impl Write for FrameOut {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.out.write(buf)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        if HOLD.load(Ordering::Relaxed) {
            return Ok(());
        }
        self.out.flush()
    }
}

/// Room for the largest frames (a full redraw of a big terminal in colour).
const FRAME_BYTES: usize = 256 * 1024;

/// Enter raw mode, the alternate screen and mouse reporting; the guard
/// undoes all three.
pub fn init() -> std::io::Result<(Term, Guard)> {
    // ratatui's own setup (raw mode, the alternate screen, a panic hook that
    // restores both); its terminal over bare stdout is not the one we draw on.
    drop(ratatui::try_init()?);
    let guard = Guard;
    // A fixed viewport, resized by the loop on each Resize event: a
    // full-screen one asks the terminal its size before every frame, which
    // opens /dev/tty each time (5 % of a keypress's frame).
    let (w, h) = ratatui::crossterm::terminal::size()?;
    let t = Terminal::with_options(
        Screen(CrosstermBackend::new(FrameOut {
            out: BufWriter::with_capacity(FRAME_BYTES, std::io::stdout()),
        })),
        ratatui::TerminalOptions {
            viewport: ratatui::Viewport::Fixed(Rect::new(0, 0, w, h)),
        },
    )?;
    let _ = ratatui::crossterm::execute!(std::io::stdout(), EnableMouseCapture);
    Ok((t, guard))
}

/// Draw one frame as a synchronized update: a terminal that knows the mode
/// (DEC 2026) shows it whole, never half old and half new; others ignore
/// the markers. The frame and both markers go out in one write.
pub fn frame(t: &mut Term, draw: impl FnOnce(&mut ratatui::Frame)) -> std::io::Result<()> {
    use ratatui::crossterm::terminal::{BeginSynchronizedUpdate, EndSynchronizedUpdate};
    ratatui::crossterm::queue!(t.backend_mut(), BeginSynchronizedUpdate)?;
    HOLD.store(true, Ordering::Relaxed);
    let drawn = t.draw(draw);
    HOLD.store(false, Ordering::Relaxed);
    drawn?;
    ratatui::crossterm::execute!(t.backend_mut(), EndSynchronizedUpdate)
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
