//! Drawing the action dialog: the plan in words, every gate, the inputs,
//! then the spinner, step states and live hook output.

use ratatui::crossterm::event::KeyEvent;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Clear, Paragraph, Wrap};
use ratatui::Frame;

use super::dialog::{Dialog, Field, Phase};
use super::dialog_text::{flag_lines, plan_lines, title};
use super::prompt::draw_input;
use super::run_log::StepRun;
use super::{Component, Outcome};
use crate::tui::render::format::{inert_lines, text, SPINNER};
use crate::tui::render::layout;
use crate::tui::render::theme::{State, Theme};

impl Dialog {
    fn body(&self, theme: &Theme, spin: usize) -> Vec<Line<'static>> {
        let mut out: Vec<Line> = self
            .info
            .iter()
            .map(|t| Line::styled(t.clone(), theme.text()))
            .collect();
        if let Some(Ok(change)) = &self.change {
            let head = if matches!(self.intent, crate::ops::intent::Intent::Rollback { .. }) {
                "takes out"
            } else {
                "what changed"
            };
            out.push(Line::styled(format!("{head}: {}", text(change)), theme.muted()));
        }
        match &self.preview {
            None if self.phase == Phase::Planning => out.push(Line::styled(
                format!("{} working out what would happen…", SPINNER[spin % SPINNER.len()]),
                theme.accent(),
            )),
            None => {}
            Some(Err(e)) => out.push(Line::styled(format!("✖ {e}"), theme.error())),
            Some(Ok(p)) if self.intent.runs_hook() => {
                let lines = plan_lines(self, &p.steps, theme);
                if self.phase == Phase::Editing {
                    out.extend(lines);
                } else {
                    out.extend(lines.into_iter().take(1));
                }
            }
            Some(Ok(p)) => {
                if let Some(f) = &p.flag {
                    out.extend(flag_lines(&self.intent, f, theme));
                }
            }
        }
        if let (Phase::Editing, Some(m)) = (&self.phase, &self.moved) {
            out.push(Line::raw(""));
            out.push(Line::styled(format!("▲ {m}"), theme.warn()));
        } else if self.phase == Phase::Editing {
            let failing = self.failing();
            let blocking = self.blocking();
            if !blocking.is_empty() {
                out.push(Line::raw(""));
                out.push(Line::styled(
                    format!(
                        "✖ cannot run now: {} (not even with force)",
                        blocking.iter().map(|g| g.name.as_str()).collect::<Vec<_>>().join(", ")
                    ),
                    theme.error(),
                ));
            } else if !failing.is_empty() && self.force {
                out.push(Line::raw(""));
                out.push(Line::styled(
                    format!(
                        "▲ forcing past {} gate{} — the override is recorded with your reason",
                        failing.len(),
                        if failing.len() == 1 { "" } else { "s" }
                    ),
                    theme.warn(),
                ));
            } else if !failing.is_empty() {
                out.push(Line::raw(""));
                out.push(Line::styled(
                    format!(
                        "✖ refused by {} gate{} — F force (needs a reason) · esc cancel",
                        failing.len(),
                        if failing.len() == 1 { "" } else { "s" }
                    ),
                    theme.error(),
                ));
            }
        }
        out
    }

    fn progress(&self, theme: &Theme, spin: usize) -> Vec<Line<'static>> {
        let mut out = Vec::new();
        match &self.phase {
            Phase::Running => {
                let head = self.log.header.clone().unwrap_or_else(|| "starting…".into());
                out.push(Line::styled(
                    format!("{} {head}", SPINNER[spin % SPINNER.len()]),
                    theme.accent(),
                ));
            }
            Phase::Done(Ok(m)) => out.push(Line::styled(m.clone(), theme.ok())),
            Phase::Done(Err(m)) => out.push(Line::styled(m.clone(), theme.error())),
            _ => {}
        }
        if !self.log.steps.is_empty() {
            let mut spans = vec![Span::styled("steps ", theme.muted())];
            for (name, st) in &self.log.steps {
                let (sym, s) = match *st {
                    StepRun::Done => ("✔", State::Ok),
                    StepRun::Failed => ("✖", State::Error),
                    StepRun::Running => (SPINNER[spin % SPINNER.len()], State::Busy),
                    StepRun::Pending => ("·", State::Unknown),
                };
                spans.push(Span::styled(format!("{sym} {name} ({})  ", st.word()), theme.state(s)));
            }
            out.push(Line::from(spans));
        }
        out
    }

    fn field_line(&self, f: &mut Frame, area: Rect, field: Field, theme: &Theme) {
        let focused = self.focus == field && !self.locked();
        let mark = if focused { "› " } else { "  " };
        let label = match field {
            Field::Outcome => "outcome".to_string(),
            Field::Reason if matches!(self.intent, crate::ops::intent::Intent::Approve { .. }) => {
                "note (optional)".to_string()
            }
            Field::Reason if self.reason_required() => "reason (required)".to_string(),
            Field::Reason => "reason (optional)".to_string(),
            Field::Confirm => format!("type {} to confirm", self.protected.clone().unwrap_or_default()),
        };
        let label_style = if focused { theme.accent() } else { theme.muted() };
        let lw = (label.chars().count() + 4) as u16;
        f.render_widget(
            Line::from(vec![
                Span::styled(mark, theme.accent()),
                Span::styled(format!("{label}: "), label_style),
            ]),
            area,
        );
        let rest = Rect {
            x: area.x + lw.min(area.width),
            width: area.width.saturating_sub(lw),
            ..area
        };
        match field {
            Field::Outcome => {
                let dot = |on: bool| if on { "(●)" } else { "( )" };
                let text = format!(
                    "{} succeeded   {} failed     ←/→ or s/f",
                    dot(self.succeeded()),
                    dot(!self.succeeded())
                );
                f.render_widget(Line::styled(text, theme.text()), rest);
            }
            Field::Reason => draw_input(f, rest, &self.reason, theme.text(), focused),
            Field::Confirm => draw_input(
                f,
                rest,
                &self.confirm,
                if self.ready().is_ok() { theme.ok() } else { theme.text() },
                focused,
            ),
        }
    }
}

impl Component for Dialog {
    fn on_key(&mut self, key: &KeyEvent) -> Outcome {
        Dialog::on_key(self, key)
    }

    fn render(&self, f: &mut Frame, area: Rect, theme: &Theme, spin: usize) {
        // The plan quotes data (versions, artifacts, reasons in gates).
        let body = inert_lines(self.body(theme, spin));
        let editing = self.phase == Phase::Editing && self.settled();
        let fields = if editing { self.fields() } else { Vec::new() };
        let live = matches!(self.phase, Phase::Running | Phase::Done(_));
        let progress = inert_lines(self.progress(theme, spin));
        // Rows once wrapped at the popup's width: a long gate (a hold's
        // reason) must not push the refusal line out of sight.
        let wrap_w = layout::popup(area, 100, 3).width.saturating_sub(2).max(1) as usize;
        let body_rows = body.iter().map(|l| l.width().max(1).div_ceil(wrap_w)).sum::<usize>() as u16;
        let want_h = body_rows
            + fields.len() as u16 * 2
            + u16::from(self.hint.is_some())
            + progress.len() as u16
            + 3
            + if live { 14 } else { 0 };
        let r = layout::popup(area, 100, want_h);
        f.render_widget(Clear, r);
        let hint = match &self.phase {
            Phase::Planning => " esc cancel ",
            Phase::Editing if self.locked() && self.forceable() => " F force · esc cancel ",
            Phase::Editing if self.locked() || !self.settled() => " esc close ",
            Phase::Editing => " enter confirm · tab next field · esc cancel ",
            Phase::Running => " x cancel the hook · esc hide (keeps running) ",
            Phase::Done(_) => " enter/esc close ",
        };
        let border = if self.protected.is_some() {
            theme.env_prod()
        } else {
            theme.border(true)
        };
        let block = Block::bordered()
            .border_type(BorderType::Rounded)
            .border_style(border)
            .title(Span::styled(text(&title(&self.intent)), border))
            .title_bottom(Line::styled(hint, theme.muted()))
            .style(theme.base());
        let inner = block.inner(r);
        f.render_widget(block, r);
        let field_rows = fields.len() as u16 * 2 + u16::from(self.hint.is_some());
        // Wrapped height: a long refusal must show in full.
        let w = inner.width.max(1) as usize;
        let prog_rows = progress.iter().map(|l| l.width().max(1).div_ceil(w)).sum::<usize>() as u16;
        let [top, mid, prog, out] = Layout::vertical([
            Constraint::Min(1),
            Constraint::Length(field_rows),
            Constraint::Length(prog_rows),
            Constraint::Length(if live {
                inner.height.saturating_sub(body_rows + prog_rows).clamp(3, 14)
            } else {
                0
            }),
        ])
        .areas(inner);
        f.render_widget(Paragraph::new(body).wrap(Wrap { trim: false }), top);
        let mut y = mid.y;
        for field in &fields {
            y += 1;
            if y < mid.bottom() {
                self.field_line(f, Rect { y, height: 1, ..mid }, *field, theme);
            }
            y += 1;
        }
        if let Some(h) = &self.hint {
            f.render_widget(
                Line::styled(format!("▲ {}", text(h)), theme.warn()),
                Rect {
                    y: mid.bottom().saturating_sub(1),
                    height: 1,
                    ..mid
                },
            );
        }
        f.render_widget(Paragraph::new(progress).wrap(Wrap { trim: false }), prog);
        if live && out.height > 2 {
            let rows = out.height.saturating_sub(2) as usize;
            let skip = self.log.output.len().saturating_sub(rows);
            let lines: Vec<Line> = self
                .log
                .output
                .iter()
                .skip(skip)
                .map(|l| Line::styled(l.clone(), theme.text()))
                .collect();
            let b = Block::bordered()
                .border_type(BorderType::Plain)
                .border_style(theme.border(false))
                .title(Span::styled(" hook output ", theme.muted()));
            f.render_widget(Paragraph::new(lines).block(b), out);
        }
    }
}
