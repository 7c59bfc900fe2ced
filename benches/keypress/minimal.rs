//! The bare baseline: the least an event-driven ratatui + crossterm program
//! does per key (read it, change state, draw once), in the same terminal
//! relcon runs in. Keys 1–7 pick the view, h/l the environment, j/k the row.

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

pub fn run() -> std::io::Result<()> {
    let mut terminal = ratatui::init();
    let (mut view, mut env, mut row) = (1u8, 0usize, 0usize);
    let result = loop {
        let drawn = terminal.draw(|f| draw(f, view, env, row));
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
