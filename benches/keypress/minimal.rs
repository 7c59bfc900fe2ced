//! The bare baseline: the least an event-driven ratatui + crossterm program
//! does per key (read it, change state, draw once), in the same terminal
//! relcon runs in. Keys 1–7 pick the view, h/l the environment, j/k the row.
//!
//! Two frames: the list (a view key changes a character a row), and with
//! `full` a screen every view fills with text of its own, so a view key
//! repaints nearly every cell as a relcon view switch does, sent as one
//! synchronized update as relcon sends its frames.

use ratatui::crossterm::event::{self, Event, KeyCode, KeyEventKind};
use ratatui::layout::{Constraint, Layout};
use ratatui::style::{Modifier, Style};
use ratatui::text::Line;
use ratatui::widgets::{Block, Borders, List, ListItem, ListState};

const ROWS: usize = 40;
const ENVS: usize = 20;

/// One frame: a title line and a bordered list of 40 rows, one selected
/// (also drawn in process by `benches/render.rs`, beside relcon's frames).
pub fn draw(f: &mut ratatui::Frame, view: u8, env: usize, row: usize) {
    let [top, body] = Layout::vertical([Constraint::Length(1), Constraint::Min(0)]).areas(f.area());
    f.render_widget(Line::from(format!("view {view} │ env e{env}")), top);
    let items: Vec<ListItem> = (0..ROWS)
        .map(|i| ListItem::new(format!("row {i:02} of view {view} in e{env}")))
        .collect();
    let list = List::new(items)
        .block(Block::default().borders(Borders::ALL).title(format!("view {view}")))
        .highlight_style(Style::default().add_modifier(Modifier::REVERSED))
        .highlight_symbol("> ");
    f.render_stateful_widget(list, body, &mut ListState::default().with_selected(Some(row)));
}

/// The full-repaint frame: the same title, then every row filled with
/// view-specific words (a view's text differs from every other's in
/// nearly every cell), the selected row reversed. Written straight into
/// the buffer, the cheapest way ratatui offers (a `Paragraph` segments
/// graphemes and wraps).
pub fn draw_full(f: &mut ratatui::Frame, view: u8, env: usize, row: usize) {
    let area = f.area();
    let [top, body] = Layout::vertical([Constraint::Length(1), Constraint::Min(0)]).areas(area);
    f.render_widget(Line::from(format!("view {view} │ env e{env}")), top);
    let v = usize::from(view);
    let buf = f.buffer_mut();
    let mut text = String::with_capacity(usize::from(body.width));
    for i in 0..usize::from(body.height) {
        text.clear();
        text.extend((0..usize::from(body.width)).map(|c| match (c + 3 * v + i) % 7 {
            0 => ' ',
            k => char::from(b'a' + ((5 * v + 3 * i + c + k) % 26) as u8),
        }));
        let style = if i == row {
            Style::default().add_modifier(Modifier::REVERSED)
        } else {
            Style::default()
        };
        buf.set_string(body.x, body.y + i as u16, &text, style);
    }
}

/// Stdout buffered whole, written only when told: ratatui flushes at the
/// end of each draw, before the synchronized update's end marker.
struct Held(std::rc::Rc<std::cell::RefCell<std::io::BufWriter<std::io::Stdout>>>);

impl std::io::Write for Held {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.borrow_mut().write(buf)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

pub fn run(full: bool) -> std::io::Result<()> {
    use ratatui::crossterm::terminal::{BeginSynchronizedUpdate, EndSynchronizedUpdate};
    use ratatui::crossterm::QueueableCommand;
    use std::io::Write;
    let mut terminal = ratatui::init();
    // The full frame goes out in one write, as relcon's do (stdout's own
    // buffer would send it in 1 KiB pieces).
    let out = std::rc::Rc::new(std::cell::RefCell::new(std::io::BufWriter::with_capacity(
        1 << 18,
        std::io::stdout(),
    )));
    let mut whole = ratatui::Terminal::new(ratatui::backend::CrosstermBackend::new(Held(out.clone())))?;
    let (mut view, mut env, mut row) = (1u8, 0usize, 0usize);
    let result = loop {
        let drawn = if full {
            let mut frame = || -> std::io::Result<()> {
                out.borrow_mut().queue(BeginSynchronizedUpdate)?;
                whole.draw(|f| draw_full(f, view, env, row))?;
                out.borrow_mut().queue(EndSynchronizedUpdate)?;
                out.borrow_mut().flush()
            };
            frame()
        } else {
            terminal.draw(|f| draw(f, view, env, row)).map(drop)
        };
        if let Err(e) = drawn {
            break Err(e);
        }
        let key = match event::read() {
            Ok(Event::Key(k)) if k.kind != KeyEventKind::Release => k,
            Ok(_) => continue,
            Err(e) => break Err(e),
        };
        match key.code {
            KeyCode::Char('q') => break Ok(()),
            KeyCode::Char(c @ '1'..='7') => view = c as u8 - b'0',
            KeyCode::Char('l') => env = (env + 1).min(ENVS - 1),
            KeyCode::Char('h') => env = env.saturating_sub(1),
            KeyCode::Char('j') => row = (row + 1).min(ROWS - 1),
            KeyCode::Char('k') => row = row.saturating_sub(1),
            _ => {}
        }
    };
    ratatui::restore();
    result
}
