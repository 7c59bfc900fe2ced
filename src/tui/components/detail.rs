//! The highlighted release in full: who, when, why, what it ran and the
//! last lines of its hook output.

use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Paragraph, Wrap};
use ratatui::Frame;

use crate::domain::{Action, Release};
use crate::tui::app::App;
use crate::tui::format::{age, release_state, stamp};
use crate::tui::theme::{State, Theme};

fn field(label: &str, value: String, theme: &Theme) -> Line<'static> {
    Line::from(vec![
        Span::styled(format!("{label:<9}"), theme.muted()),
        Span::styled(value, theme.text()),
    ])
}

fn lines(r: &Release, app: &App, theme: &Theme) -> Vec<Line<'static>> {
    let st = release_state(r.status);
    let mut out = vec![Line::styled(
        r.description(),
        theme.text().add_modifier(ratatui::style::Modifier::BOLD),
    )];
    out.push(field("who", r.actor.clone(), theme));
    let took = r
        .finished_at
        .map(|f| format!(" · took {}s", (f - r.started_at).num_seconds().max(0)))
        .unwrap_or_default();
    out.push(field(
        "when",
        format!("{} UTC ({}){took}", stamp(r.started_at), age(app.now, r.started_at)),
        theme,
    ));
    out.push(field("build", format!("{} · commit {}", r.version, r.commit), theme));
    if let Some(a) = &r.artifact {
        out.push(field("artifact", a.clone(), theme));
    }
    match (r.action, &r.from_env, r.target_release) {
        (Action::Promote, Some(from), _) => out.push(field("from", from.clone(), theme)),
        (Action::Rollback, _, Some(t)) => out.push(field("target", format!("v{t}"), theme)),
        _ => {}
    }
    out.push(field("reason", r.reason.clone().unwrap_or_else(|| "—".into()), theme));
    if let Some(e) = &r.error {
        out.push(Line::from(vec![
            Span::styled(format!("{:<9}", "error"), theme.muted()),
            Span::styled(format!("{} {e}", st.symbol()), theme.state(st)),
        ]));
    }
    if !r.steps.is_empty() {
        let mut spans = vec![Span::styled(format!("{:<9}", "steps"), theme.muted())];
        for s in &r.steps {
            let state = match s.state.as_str() {
                "done" => State::Ok,
                "failed" => State::Error,
                "running" => State::Busy,
                _ => State::Unknown,
            };
            let sym = if state == State::Ok { "✔" } else { state.symbol() };
            spans.push(Span::styled(format!("{sym} {} ", s.name), theme.state(state)));
        }
        out.push(Line::from(spans));
    }
    out
}

pub fn render(f: &mut Frame, area: Rect, app: &App, theme: &Theme) {
    let release = app.history_page().and_then(|p| p.get(app.history.cursor));
    let title = match release {
        Some(r) => {
            let st = release_state(r.status);
            Line::from(vec![
                Span::styled(format!(" v{} ", r.number), theme.accent()),
                Span::styled(format!("{} {} ", st.symbol(), r.status.as_str()), theme.state(st)),
            ])
        }
        None => Line::styled(" Release ", theme.accent()),
    };
    let block = Block::bordered()
        .border_type(BorderType::Rounded)
        .border_style(theme.border(false))
        .title(title);
    let inner = block.inner(area);
    f.render_widget(block, area);
    let Some(r) = release else {
        let msg = if app.history_total() == 0 {
            "no release to show"
        } else {
            "loading…"
        };
        f.render_widget(Paragraph::new(msg).style(theme.muted()), inner);
        return;
    };
    let top = lines(r, app, theme);
    // How tall the facts are once wrapped; the output's last lines get the rest.
    let w = inner.width.max(1) as usize;
    let top_h = top
        .iter()
        .map(|l| l.width().max(1).div_ceil(w))
        .sum::<usize>()
        .min(inner.height as usize) as u16;
    f.render_widget(
        Paragraph::new(top).wrap(Wrap { trim: false }),
        Rect { height: top_h, ..inner },
    );
    let rest = Rect {
        y: inner.y + top_h,
        height: inner.height - top_h,
        ..inner
    };
    let Some(output) = r.output.as_deref().filter(|o| !o.trim().is_empty()) else {
        return;
    };
    if rest.height < 2 {
        return;
    }
    let room = rest.height as usize - 1;
    let all: Vec<&str> = output.lines().collect();
    let mut out = vec![Line::styled(
        format!("output (last {} of {} lines)", room.min(all.len()), all.len()),
        theme.muted(),
    )];
    for l in all.iter().skip(all.len().saturating_sub(room)) {
        out.push(Line::from(vec![
            Span::styled("│ ", theme.muted()),
            Span::styled(l.to_string(), theme.text()),
        ]));
    }
    f.render_widget(Paragraph::new(out), rest);
}
