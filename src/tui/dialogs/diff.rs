//! "What changed" (`Enter` on a release): the diff `ops::diff` works out
//! — the same as `relcon diff ENV vA vB` — between the highlighted release
//! and the succeeded one before it: commits (from `project.repo`), flag
//! changes, approvals, checklist runs and the other events in between.
//! `Esc` goes back; `j`/`k` scroll.

use ratatui::crossterm::event::{KeyCode, KeyEvent};
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Clear, Paragraph};
use ratatui::Frame;

use super::{is_escape, Component, Outcome};
use crate::ops::diff::{Diff, Entry, Side};
use crate::tui::render::format::{fit, text, SPINNER};
use crate::tui::render::theme::Theme;

#[derive(Debug, Clone)]
pub struct DiffPane {
    /// Its answer comes back under this id.
    pub id: u64,
    pub title: String,
    pub diff: Option<Result<Box<Diff>, String>>,
    pub scroll: u16,
}

fn side(s: &Side) -> String {
    match (&s.release, &s.version) {
        (Some(n), Some(v)) => format!("{} v{n} {}", s.env, text(v)),
        _ => format!("{} (no release)", s.env),
    }
}

fn short(sha: &str) -> &str {
    sha.get(..7).unwrap_or(sha)
}

impl DiffPane {
    pub fn new(id: u64, title: String) -> DiffPane {
        DiffPane {
            id,
            title,
            diff: None,
            scroll: 0,
        }
    }

    fn entries(head: &str, list: &[Entry], theme: &Theme, w: usize, out: &mut Vec<Line<'static>>) {
        out.push(Line::raw(""));
        out.push(Line::styled(format!("{head} ({})", list.len()), theme.accent()));
        if list.is_empty() {
            out.push(Line::styled("  none", theme.muted()));
        }
        for e in list {
            let t = format!(
                "  {}  {}  {}",
                e.at.format("%Y-%m-%d %H:%M"),
                text(&e.actor),
                text(&e.summary)
            );
            out.push(Line::styled(fit(&t, w), theme.text()));
        }
    }

    pub fn lines(&self, theme: &Theme, w: usize, spin: usize) -> Vec<Line<'static>> {
        let d = match &self.diff {
            None => {
                return vec![Line::styled(
                    format!("{} working out what changed…", SPINNER[spin % SPINNER.len()]),
                    theme.accent(),
                )]
            }
            Some(Err(e)) => return vec![Line::styled(format!("✖ {}", text(e)), theme.error())],
            Some(Ok(d)) => d,
        };
        let head = if d.first_release() {
            Line::from(vec![
                Span::styled(side(&d.to), theme.text()),
                Span::styled(format!(": the first release of {}", d.to.env), theme.muted()),
            ])
        } else {
            Line::from(vec![
                Span::styled(side(&d.from), theme.text()),
                Span::styled(" → ", theme.muted()),
                Span::styled(side(&d.to), theme.text()),
            ])
        };
        let mut out = vec![head, Line::styled(text(&d.summary), theme.accent()), Line::raw("")];
        let c = &d.commits;
        out.push(Line::styled(
            format!(
                "Commits ({}{}){}",
                c.list.len(),
                if c.truncated { "+" } else { "" },
                if c.removed { " taken out" } else { "" }
            ),
            theme.accent(),
        ));
        if let Some(n) = &c.note {
            out.push(Line::styled(format!("  {}", text(n)), theme.muted()));
        }
        for cm in &c.list {
            let t = format!(
                "  {}  {}  {:<16}  {}",
                short(&cm.sha),
                text(&cm.at),
                fit(&text(&cm.author), 16),
                text(&cm.subject)
            );
            out.push(Line::styled(fit(&t, w), theme.text()));
        }
        DiffPane::entries("Flag changes", &d.flag_changes, theme, w, &mut out);
        if !d.flags_differ.is_empty() {
            out.push(Line::styled(
                format!("  set differently: {}", text(&d.flags_differ.join(", "))),
                theme.warn(),
            ));
        }
        DiffPane::entries("Approvals", &d.approvals, theme, w, &mut out);
        DiffPane::entries("Checklist runs", &d.checklist_ticks, theme, w, &mut out);
        DiffPane::entries("Other events", &d.other, theme, w, &mut out);
        out
    }
}

impl Component for DiffPane {
    fn on_key(&mut self, key: &KeyEvent) -> Outcome {
        match key.code {
            _ if is_escape(key) => Outcome::Close,
            KeyCode::Char('q') | KeyCode::Enter => Outcome::Close,
            KeyCode::Down | KeyCode::Char('j') => {
                self.scroll = self.scroll.saturating_add(1);
                Outcome::Consumed
            }
            KeyCode::Up | KeyCode::Char('k') => {
                self.scroll = self.scroll.saturating_sub(1);
                Outcome::Consumed
            }
            KeyCode::PageDown => {
                self.scroll = self.scroll.saturating_add(10);
                Outcome::Consumed
            }
            KeyCode::PageUp => {
                self.scroll = self.scroll.saturating_sub(10);
                Outcome::Consumed
            }
            _ => Outcome::Consumed,
        }
    }

    fn render(&self, f: &mut Frame, area: Rect, theme: &Theme, spin: usize) {
        // Nearly the whole screen: a diff is read, not glanced at.
        let r = Rect {
            x: area.x + 1,
            y: area.y + 1,
            width: area.width.saturating_sub(2),
            height: area.height.saturating_sub(2),
        };
        let w = r.width.saturating_sub(2) as usize;
        let lines = self.lines(theme, w, spin);
        let max = (lines.len() as u16).saturating_sub(r.height.saturating_sub(2));
        f.render_widget(Clear, r);
        let block = Block::bordered()
            .border_type(BorderType::Rounded)
            .border_style(theme.border(true))
            .title(Span::styled(format!(" {} ", text(&self.title)), theme.accent()))
            .title_bottom(Line::styled(" esc back · j/k scroll ", theme.muted()))
            .style(theme.base());
        f.render_widget(Paragraph::new(lines).block(block).scroll((self.scroll.min(max), 0)), r);
    }
}
