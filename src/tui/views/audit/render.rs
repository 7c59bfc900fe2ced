//! The audit trail, newest first, filtered by `/`.

use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType};
use ratatui::Frame;

use super::Audit;
use crate::tui::render::format::{pad, stamp, text, who};
use crate::tui::render::rows::Rows;
use crate::tui::render::theme::Theme;

fn kind_style(kind: &str, theme: &Theme) -> Style {
    match kind {
        "deployment.failed" | "deployment.interrupted" => theme.error(),
        "deployment.succeeded" => theme.ok(),
        "gate.overridden" | "hold.set" => theme.warn(),
        "deployment.started" => theme.accent(),
        _ => theme.text(),
    }
}

pub(super) fn render(f: &mut Frame, area: Rect, au: &Audit, sh: &crate::tui::views::Shared, theme: &Theme) {
    let rows = au.visible();
    let filter = if au.filter.is_empty() {
        String::new()
    } else {
        format!(
            " · filter “{}”: {} match{}",
            text(&au.filter),
            rows.len(),
            if rows.len() == 1 { "" } else { "es" }
        )
    };
    let title = format!(" Audit · {} events loaded{filter} ", au.rows.len());
    let block = Block::bordered()
        .border_type(BorderType::Rounded)
        .border_style(theme.border(true))
        .title(Span::styled(title, theme.accent()))
        .title_bottom(Line::styled(" / filter · esc clear filter ", theme.muted()).right_aligned());
    let inner = block.inner(area);
    f.render_widget(block, area);
    let w = inner.width as usize;
    let wide = w >= 100;
    let (actor_w, env_w) = if wide { (20, 10) } else { (10, 8) };
    let time_w = if wide { 19 } else { 11 };
    let header = format!(
        "  {} {} {} {} summary",
        pad("seq", 6),
        pad("time (UTC)", time_w),
        pad("actor", actor_w),
        pad("env", env_w)
    );
    let mut lines = vec![Line::styled(
        pad(&header, w),
        theme.muted().add_modifier(Modifier::UNDERLINED),
    )];
    if rows.is_empty() {
        lines.push(Line::styled(
            if !au.loaded {
                format!("  {}", sh.loading("the audit trail"))
            } else if au.filter.is_empty() {
                "  no events yet".into()
            } else {
                "  nothing matches the filter".into()
            },
            theme.muted(),
        ));
    }
    let n = inner.height.saturating_sub(1) as usize;
    for (i, r) in rows.iter().enumerate().skip(au.pos.scroll as usize).take(n) {
        let e = &r.event;
        let selected = i as u64 == au.pos.cursor;
        let time = if wide {
            stamp(e.at)
        } else {
            e.at.format("%m-%d %H:%M").to_string()
        };
        let mut line = Line::from(vec![
            Span::styled(if selected { "▸ " } else { "  " }, theme.accent()),
            Span::styled(pad(&e.seq.to_string(), 6), theme.muted()),
            Span::styled(format!(" {}", pad(&time, time_w)), theme.text()),
            Span::styled(format!(" {}", pad(who(&e.actor), actor_w)), theme.text()),
            Span::styled(
                format!(" {}", pad(e.env.as_deref().unwrap_or("-"), env_w)),
                theme.accent().remove_modifier(Modifier::BOLD),
            ),
            Span::styled(format!(" {}", text(&r.summary)), kind_style(&e.kind, theme)),
        ]);
        if selected {
            line = line.style(theme.selection());
        }
        lines.push(line);
    }
    f.render_widget(Rows::new(&lines), inner);
}
