//! `?`: every key that works in the current view, generated from the
//! keymap (so rebinding a key changes the help too).

use ratatui::crossterm::event::{KeyCode, KeyEvent};
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Clear, Paragraph};
use ratatui::Frame;

use super::{is_escape, Component, Outcome};
use crate::config::Keymap;
use crate::tui::input::keys;
use crate::tui::render::layout;
use crate::tui::render::theme::Theme;

#[derive(Debug, Clone)]
pub struct Help {
    title: String,
    /// (this view's own key?, keys, description), this view's first.
    rows: Vec<(bool, String, String)>,
    scroll: u16,
}

impl Help {
    pub fn new(keymap: &Keymap, mode: &str, view_title: &str, read_only: bool) -> Help {
        let own: Vec<_> = keymap
            .modes
            .get(mode)
            .map(|l| l.iter().map(|b| b.command).collect())
            .unwrap_or_default();
        let mut rows = keys::hints(keymap, mode, read_only)
            .into_iter()
            .map(|(k, cmd, desc)| (own.contains(&cmd), k, desc))
            .collect::<Vec<_>>();
        // This view's own keys first (a stable sort keeps the keymap's order).
        rows.sort_by_key(|r| !r.0);
        let title = format!(" Help · {view_title}{} ", if read_only { " · read-only" } else { "" });
        Help { title, rows, scroll: 0 }
    }

    fn lines(&self, theme: &Theme) -> Vec<Line<'static>> {
        let mut out = Vec::new();
        let mut section = None;
        for (own, k, d) in &self.rows {
            if section != Some(*own) {
                if section.is_some() {
                    out.push(Line::raw(""));
                }
                section = Some(*own);
                let head = if *own { "In this view" } else { "Everywhere" };
                out.push(Line::styled(head, theme.accent()));
            }
            out.push(Line::from(vec![
                Span::styled(format!("  {k:<14}"), theme.accent()),
                Span::styled(crate::tui::render::format::text(d), theme.text()),
            ]));
        }
        out.push(Line::raw(""));
        out.push(Line::styled("On the cards", theme.accent()));
        for (mark, says) in [
            (
                "flags ≠N",
                "N flags are set differently here than in the env it promotes from",
            ),
            ("✖ INC-N", "an open incident and its age (! shows it)"),
            (
                "▲ hold",
                "after a rollback: promotions in are refused until H clears it",
            ),
        ] {
            out.push(Line::from(vec![
                Span::styled(format!("  {mark:<14}"), theme.accent()),
                Span::styled(says, theme.text()),
            ]));
        }
        out.push(Line::raw(""));
        out.push(Line::styled(
            "Keys are rebindable under [keys.<mode>] in relcon.toml.",
            theme.muted(),
        ));
        out
    }
}

impl Component for Help {
    fn on_key(&mut self, key: &KeyEvent) -> Outcome {
        match key.code {
            _ if is_escape(key) => Outcome::Close,
            KeyCode::Char('?') | KeyCode::Char('q') | KeyCode::Enter => Outcome::Close,
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
        let lines = self.lines(theme);
        let h = lines.len() as u16 + 2;
        let r = layout::popup(area, 64, h);
        f.render_widget(Clear, r);
        let block = Block::bordered()
            .border_type(BorderType::Rounded)
            .border_style(theme.border(true))
            .title(Span::styled(self.title.clone(), theme.accent()))
            .title_bottom(Line::styled(" esc close · j/k scroll ", theme.muted()))
            .style(theme.base());
        f.render_widget(Paragraph::new(lines).block(block).scroll((self.scroll, 0)), r);
    }
}
