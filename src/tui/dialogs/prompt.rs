//! One-line inputs (tui-input): the `:` command line, the `/` filter, and
//! the note / role questions of a checklist tick.

use ratatui::crossterm::event::{Event, KeyCode, KeyEvent};
use ratatui::layout::{Position, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Clear, Paragraph};
use ratatui::Frame;
use tui_input::backend::crossterm::EventHandler;
use tui_input::Input;

use super::{is_escape, Component, Outcome};
use crate::ops::checklist::TickRequest;
use crate::tui::render::layout;
use crate::tui::render::theme::Theme;

#[derive(Debug, Clone, PartialEq)]
pub enum PromptKind {
    Command,
    Filter,
    /// A note on this tick.
    Note(TickRequest),
    /// The role this item must be signed by (prefilled with it).
    Role(TickRequest),
    /// Targets to add (`42`, `+42`) or remove (`-42`).
    Targets {
        env: String,
        flag: String,
    },
    /// A targeting key to evaluate a flag for.
    EvalKey {
        env: String,
        flag: String,
    },
    /// A note on `env`'s open incident (incident mode, `n`).
    IncidentNote {
        env: String,
    },
}

#[derive(Debug, Clone)]
pub struct Prompt {
    pub kind: PromptKind,
    pub input: Input,
    /// What is being asked, e.g. the item text.
    pub context: String,
    /// The `:` line: what Tab completes to, and earlier lines (oldest first).
    pub words: crate::tui::input::cmdline::Words,
    pub history: Vec<String>,
    /// Where Up/Down are in the history, and the line typed before.
    hist: Option<usize>,
    draft: String,
}

impl Prompt {
    pub fn new(kind: PromptKind, value: &str, context: impl Into<String>) -> Prompt {
        Prompt {
            kind,
            input: Input::new(value.to_string()),
            context: context.into(),
            words: Default::default(),
            history: Vec::new(),
            hist: None,
            draft: String::new(),
        }
    }

    /// The `:` line's keys: Tab completes, Up/Down walk the history.
    fn command_key(&mut self, key: &KeyEvent) -> bool {
        match key.code {
            KeyCode::Tab => match crate::tui::input::cmdline::complete(self.input.value(), &self.words) {
                Ok(line) => {
                    self.input = Input::new(line);
                    self.context.clear();
                }
                Err(m) if m.is_empty() => self.context = "no completion".into(),
                Err(m) => self.context = m.join("  "),
            },
            KeyCode::Up if !self.history.is_empty() => {
                let at = match self.hist {
                    None => {
                        self.draft = self.input.value().to_string();
                        self.history.len() - 1
                    }
                    Some(i) => i.saturating_sub(1),
                };
                self.hist = Some(at);
                self.input = Input::new(self.history[at].clone());
            }
            KeyCode::Down if self.hist.is_some() => {
                let next = self.hist.map_or(0, |i| i + 1);
                if next >= self.history.len() {
                    self.hist = None;
                    self.input = Input::new(std::mem::take(&mut self.draft));
                } else {
                    self.hist = Some(next);
                    self.input = Input::new(self.history[next].clone());
                }
            }
            _ => return false,
        }
        true
    }

    fn label(&self) -> &'static str {
        match self.kind {
            PromptKind::Command => ":",
            PromptKind::Filter => "/",
            PromptKind::Note(_) | PromptKind::IncidentNote { .. } => "note: ",
            PromptKind::Role(_) => "role: ",
            PromptKind::Targets { .. } => "targets: ",
            PromptKind::EvalKey { .. } => "key: ",
        }
    }
}

/// Draw a tui-input field on one row, scrolled so the cursor shows, and
/// place the terminal cursor in it when `focused`.
pub fn draw_input(f: &mut Frame, area: Rect, input: &Input, style: ratatui::style::Style, focused: bool) {
    let width = area.width.max(1) as usize;
    let scroll = input.visual_scroll(width.saturating_sub(1));
    f.render_widget(
        Paragraph::new(Span::styled(input.value().to_string(), style)).scroll((0, scroll as u16)),
        area,
    );
    if focused {
        let x = (input.visual_cursor().saturating_sub(scroll)) as u16;
        f.set_cursor_position(Position {
            x: area.x + x.min(area.width.saturating_sub(1)),
            y: area.y,
        });
    }
}

impl Component for Prompt {
    fn on_key(&mut self, key: &KeyEvent) -> Outcome {
        if is_escape(key) {
            return if self.kind == PromptKind::Filter {
                Outcome::FilterCleared
            } else {
                Outcome::Close
            };
        }
        if key.code == KeyCode::Enter {
            let v = self.input.value().trim().to_string();
            return match &self.kind {
                PromptKind::Command => Outcome::CommandLine(v),
                PromptKind::Filter => Outcome::FilterDone(v),
                PromptKind::Note(job) => {
                    if v.is_empty() {
                        return Outcome::Consumed;
                    }
                    Outcome::Tick(TickRequest {
                        note: Some(v),
                        ..job.clone()
                    })
                }
                PromptKind::Role(job) => {
                    if v.is_empty() {
                        return Outcome::Consumed;
                    }
                    Outcome::Tick(TickRequest {
                        role: Some(v),
                        ..job.clone()
                    })
                }
                PromptKind::Targets { .. } | PromptKind::EvalKey { .. } | PromptKind::IncidentNote { .. } => {
                    if v.is_empty() {
                        return Outcome::Consumed;
                    }
                    Outcome::Prompted(self.kind.clone(), v)
                }
            };
        }
        if self.kind == PromptKind::Command && self.command_key(key) {
            return Outcome::Consumed;
        }
        self.input.handle_event(&Event::Key(*key));
        if self.kind == PromptKind::Filter {
            // The filter applies as you type.
            return Outcome::Filter(self.input.value().to_string());
        }
        Outcome::Consumed
    }

    fn render(&self, f: &mut Frame, area: Rect, theme: &Theme, _spin: usize) {
        let label = self.label();
        let (r, title) = match self.kind {
            // Just above the footer, full width: like vim and k9s.
            PromptKind::Command | PromptKind::Filter => {
                let s = layout::screen(area);
                // One more row when there is something to say (Tab's matches).
                let h = if self.context.is_empty() { 3 } else { 4 };
                let r = Rect {
                    x: s.body.x,
                    y: s.body.bottom().saturating_sub(h),
                    width: s.body.width,
                    height: h.min(s.body.height),
                };
                let t = if self.kind == PromptKind::Command {
                    " command · same verbs as the CLI · tab completes · ↑↓ history · esc cancel "
                } else {
                    " filter · enter keep · esc clear "
                };
                (r, t)
            }
            PromptKind::Note(_) | PromptKind::IncidentNote { .. } => {
                (layout::popup(area, 70, 4), " note · enter save · esc cancel ")
            }
            PromptKind::Role(_) => (layout::popup(area, 70, 4), " sign as role · enter save · esc cancel "),
            PromptKind::Targets { .. } => (
                layout::popup(area, 70, 4),
                " targets: 42 adds, -42 removes · enter review · esc cancel ",
            ),
            PromptKind::EvalKey { .. } => (
                layout::popup(area, 70, 4),
                " targeting key · enter evaluate · esc cancel ",
            ),
        };
        f.render_widget(Clear, r);
        let block = Block::bordered()
            .border_type(BorderType::Rounded)
            .border_style(theme.border(true))
            .title(Span::styled(title, theme.muted()))
            .style(theme.base());
        let mut inner = block.inner(r);
        f.render_widget(block, r);
        if !self.context.is_empty() && inner.height >= 2 {
            f.render_widget(
                Line::styled(crate::tui::render::format::text(&self.context), theme.text()),
                Rect { height: 1, ..inner },
            );
            inner = Rect {
                y: inner.y + 1,
                height: inner.height - 1,
                ..inner
            };
        }
        let lw = label.chars().count() as u16;
        f.render_widget(
            Line::styled(label, theme.accent()),
            Rect {
                width: lw.min(inner.width),
                height: 1,
                ..inner
            },
        );
        let field = Rect {
            x: inner.x + lw,
            width: inner.width.saturating_sub(lw),
            height: 1,
            ..inner
        };
        draw_input(f, field, &self.input, theme.text(), true);
    }
}
