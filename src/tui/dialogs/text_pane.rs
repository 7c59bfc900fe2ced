//! A read-only pane of text: `Enter` on an audit event shows it whole — its
//! kind, who, when, where, the one-line summary and every field of its body
//! (a note's text included). `Esc` goes back; `j`/`k` scroll.

use ratatui::crossterm::event::{KeyCode, KeyEvent};
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Clear, Paragraph, Wrap};
use ratatui::Frame;

use super::{is_escape, Component, Outcome};
use crate::tui::render::format::text;
use crate::tui::render::layout;
use crate::tui::render::theme::Theme;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TextPane {
    pub title: String,
    /// (label, value): a label in the accent colour, then its value.
    pub rows: Vec<(String, String)>,
    pub scroll: u16,
}

impl TextPane {
    pub fn new(title: String, rows: Vec<(String, String)>) -> TextPane {
        TextPane { title, rows, scroll: 0 }
    }

    /// An audit event, whole.
    pub fn event(e: &crate::ledger::Event) -> TextPane {
        let mut rows = vec![
            ("kind".to_string(), e.kind.clone()),
            ("when".to_string(), e.at.format("%Y-%m-%d %H:%M:%S UTC").to_string()),
            ("who".to_string(), e.actor.clone()),
            ("env".to_string(), e.env.clone().unwrap_or_else(|| "-".into())),
            ("summary".to_string(), crate::ops::audit::summary(e)),
        ];
        if let serde_json::Value::Object(body) = e.body_json() {
            for (k, v) in body {
                let v = match v {
                    serde_json::Value::String(s) => s,
                    serde_json::Value::Null => "-".into(),
                    other => other.to_string(),
                };
                rows.push((k, v));
            }
        }
        rows.push(("hash".to_string(), e.hash.clone()));
        TextPane::new(format!("Event #{}", e.seq), rows)
    }
}

impl Component for TextPane {
    fn on_key(&mut self, key: &KeyEvent) -> Outcome {
        match key.code {
            _ if is_escape(key) => Outcome::Close,
            KeyCode::Char('q') | KeyCode::Enter => Outcome::Close,
            KeyCode::Down | KeyCode::Char('j') => {
                self.scroll = self.scroll.saturating_add(1).min(self.rows.len() as u16);
                Outcome::Consumed
            }
            KeyCode::Up | KeyCode::Char('k') => {
                self.scroll = self.scroll.saturating_sub(1);
                Outcome::Consumed
            }
            _ => Outcome::Consumed,
        }
    }

    fn render(&self, f: &mut Frame, area: Rect, theme: &Theme, _spin: usize) {
        let lines: Vec<Line> = self
            .rows
            .iter()
            .map(|(k, v)| {
                Line::from(vec![
                    Span::styled(format!("{:<10}", text(k)), theme.accent()),
                    Span::styled(text(v), theme.text()),
                ])
            })
            .collect();
        let h = lines.len() as u16 + 4;
        let r = layout::popup(area, area.width.saturating_sub(8).min(110), h);
        f.render_widget(Clear, r);
        let block = Block::bordered()
            .border_type(BorderType::Rounded)
            .border_style(theme.border(true))
            .title(Span::styled(format!(" {} ", text(&self.title)), theme.accent()))
            .title_bottom(Line::styled(" esc back · j/k scroll ", theme.muted()))
            .style(theme.base());
        f.render_widget(
            Paragraph::new(lines)
                .wrap(Wrap { trim: false })
                .block(block)
                .scroll((self.scroll, 0)),
            r,
        );
    }
}
