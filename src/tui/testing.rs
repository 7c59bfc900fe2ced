//! Headless driving of the console for tests and benches: run the app's
//! effects synchronously against a real `Ctx`, press keys, and render into
//! ratatui's `TestBackend`.

use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;

use super::app::App;
use super::event::{Effect, Msg};
use super::render::{self, theme::Theme};
use super::snapshot::Snapshot;
use super::worker::{commits_of, flag_history_of, preview_of, run_job};
use crate::exec::CancelToken;
use crate::ops::Ctx;

/// Do what the loop's worker threads would do, here and now, feeding the answers
/// back into the app until no effect is left.
pub fn serve(ctx: &mut Ctx, app: &mut App, effects: Vec<Effect>) {
    let mut queue: std::collections::VecDeque<Effect> = effects.into();
    while let Some(e) = queue.pop_front() {
        let more = match e {
            Effect::Query(q) => match Snapshot::load(ctx, &q) {
                Ok(s) => app.update(Msg::Snapshot(Box::new(s))),
                Err(e) => app.update(Msg::BackendError(e.to_string())),
            },
            Effect::Preview { id, intent } => app.update(Msg::Previewed {
                id,
                result: preview_of(ctx, None, &intent),
            }),
            Effect::Run {
                id,
                job: super::event::Job::Diff(ask),
            } => app.update(Msg::Diff {
                id,
                result: super::worker::diff_of(ctx, &ask),
            }),
            Effect::Run { id, job } => {
                let mut progress = Vec::new();
                let result = run_job(ctx, &job, &CancelToken::default(), &mut |p| progress.push(p));
                let mut out = Vec::new();
                for p in progress {
                    out.extend(app.update(Msg::Progress { id, progress: p }));
                }
                out.extend(app.update(Msg::Finished { id, result }));
                out
            }
            Effect::Cancel | Effect::HoldRollout(_) => Vec::new(),
            Effect::FlagHistory { key, seq } => {
                let result = flag_history_of(ctx, &key);
                app.update(Msg::FlagHistory {
                    key,
                    seq,
                    result: Some(result),
                })
            }
            Effect::Commits(key) => {
                let result = commits_of(ctx, &key);
                app.update(Msg::Commits {
                    key,
                    result: Some(result),
                })
            }
        };
        queue.extend(more);
    }
}

/// Load a fresh snapshot for what the app looks at.
pub fn refresh(ctx: &mut Ctx, app: &mut App) {
    let q = app.query.clone();
    serve(ctx, app, vec![Effect::Query(q)]);
}

/// A key as the terminal would send it: "p", "P", "space", "enter", "esc",
/// "tab", "up", "down", "left", "right", "backspace", "ctrl-c".
pub fn key(name: &str) -> KeyEvent {
    let code = match name {
        "space" => KeyCode::Char(' '),
        "enter" => KeyCode::Enter,
        "esc" => KeyCode::Esc,
        "tab" => KeyCode::Tab,
        "backtab" => KeyCode::BackTab,
        "up" => KeyCode::Up,
        "down" => KeyCode::Down,
        "left" => KeyCode::Left,
        "right" => KeyCode::Right,
        "backspace" => KeyCode::Backspace,
        "ctrl-c" => return KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL),
        s => {
            let c = s.chars().next().unwrap_or(' ');
            let m = if c.is_uppercase() {
                KeyModifiers::SHIFT
            } else {
                KeyModifiers::NONE
            };
            return KeyEvent::new(KeyCode::Char(c), m);
        }
    };
    KeyEvent::new(code, KeyModifiers::NONE)
}

/// Press each key in turn (names as for [`key`]), serving every effect.
pub fn press(ctx: &mut Ctx, app: &mut App, keys: &[&str]) {
    for k in keys {
        let effects = app.update(Msg::Key(key(k)));
        serve(ctx, app, effects);
    }
}

/// Type text into whatever has focus (a dialog input, the command line).
pub fn type_text(ctx: &mut Ctx, app: &mut App, text: &str) {
    for c in text.chars() {
        let effects = app.update(Msg::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE)));
        serve(ctx, app, effects);
    }
}

/// Render one frame of `app` at `w`×`h`.
pub fn buffer(app: &App, theme: &Theme, w: u16, h: u16) -> Buffer {
    let mut term = match Terminal::new(TestBackend::new(w, h)) {
        Ok(t) => t,
        Err(e) => match e {},
    };
    let _ = term.draw(|f| render::draw(f, app, theme));
    term.backend().buffer().clone()
}

/// The frame as plain text, one line per row (trailing spaces trimmed).
pub fn text(buf: &Buffer) -> String {
    let w = buf.area.width as usize;
    let mut out = String::new();
    for y in 0..buf.area.height {
        let mut line = String::new();
        let mut skip = 0;
        for x in 0..w as u16 {
            if skip > 0 {
                skip -= 1;
                continue;
            }
            let sym = buf[(x, y)].symbol();
            line.push_str(sym);
            skip = ratatui::text::Span::raw(sym).width().saturating_sub(1);
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

/// Where `needle` first appears on screen, as (x, y).
pub fn find(buf: &Buffer, needle: &str) -> Option<(u16, u16)> {
    for y in 0..buf.area.height {
        let row: Vec<String> = (0..buf.area.width).map(|x| buf[(x, y)].symbol().to_string()).collect();
        let joined: String = row.concat();
        if let Some(byte) = joined.find(needle) {
            // Map the byte offset back to a column.
            let mut acc = 0;
            for (x, s) in row.iter().enumerate() {
                if acc >= byte {
                    return Some((x as u16, y));
                }
                acc += s.len();
            }
        }
    }
    None
}
