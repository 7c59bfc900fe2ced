//! The selected env's release history, virtualised: only the rows on
//! screen are built, from a window of the ledger loaded by the reader.

use ratatui::layout::Rect;
use ratatui::style::Modifier;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType};
use ratatui::Frame;

use super::Dashboard;
use crate::tui::render::format::{age, pad, release_state, short, text, who};
use crate::tui::render::rows::Rows;
use crate::tui::render::theme::{State, Theme};
use crate::tui::views::Shared;

struct Cols {
    version: usize,
    commit: bool,
    actor: usize,
    desc: bool,
}

fn columns(width: usize) -> Cols {
    Cols {
        version: if width > 90 { 14 } else { 10 },
        commit: width >= 60,
        actor: if width > 90 { 14 } else { 8 },
        desc: width >= 70,
    }
}

pub fn render(f: &mut Frame, area: Rect, sh: &Shared, d: &Dashboard, theme: &Theme) {
    let all = sh.history_total();
    let total = d.len(sh);
    let filter = if d.filter.is_empty() {
        String::new()
    } else if d.filtering(sh) {
        format!(" · filter “{}”: …", text(&d.filter))
    } else {
        format!(
            " · filter “{}”: {} match{}",
            text(&d.filter),
            total,
            if total == 1 { "" } else { "es" }
        )
    };
    let title = format!(
        " History · {} · {} release{}{filter} ",
        sh.env_name(),
        all,
        if all == 1 { "" } else { "s" }
    );
    let pos = if total > 0 {
        format!(" {}/{} ", d.history.cursor + 1, total)
    } else {
        String::new()
    };
    let block = Block::bordered()
        .border_type(BorderType::Rounded)
        .border_style(theme.border(true))
        .title(Span::styled(title, theme.accent()))
        .title_bottom(Line::styled(pos, theme.muted()).right_aligned());
    let inner = block.inner(area);
    f.render_widget(block, area);
    let w = inner.width as usize;
    let c = columns(w);
    let mut header = format!("  {} {} {}", pad("vN", 6), pad("", 1), pad("version", c.version));
    if c.commit {
        header.push_str(&format!(" {}", pad("commit", 7)));
    }
    header.push_str(&format!(" {} {}", pad("actor", c.actor), pad("age", 8)));
    if c.desc {
        header.push_str(" description");
    }
    let mut lines = vec![Line::styled(
        pad(&header, w),
        theme.muted().add_modifier(Modifier::UNDERLINED),
    )];
    if all == 0 {
        lines.push(Line::styled("  no releases yet", theme.muted()));
    } else if total == 0 {
        lines.push(Line::styled("  nothing matches the filter", theme.muted()));
    }
    let current = sh.env_status().and_then(|e| e.release.as_ref()).map(|r| r.number);
    let rows = inner.height.saturating_sub(1) as u64;
    for i in d.history.scroll..(d.history.scroll + rows).min(total) {
        let selected = i == d.history.cursor;
        let Some(r) = d.release(sh, i) else {
            lines.push(Line::styled("  …", theme.muted()));
            continue;
        };
        let st = release_state(r.status);
        let is_current = current == Some(r.number);
        let mut spans = vec![
            Span::styled(if selected { "▸ " } else { "  " }, theme.accent()),
            Span::styled(
                pad(&format!("v{}", r.number), 6),
                if is_current { theme.accent() } else { theme.text() },
            ),
            Span::styled(format!(" {} ", st.symbol()), theme.state(st)),
            Span::styled(pad(&r.version, c.version), theme.text()),
        ];
        if c.commit {
            spans.push(Span::styled(format!(" {}", pad(short(&r.commit), 7)), theme.muted()));
        }
        spans.push(Span::styled(format!(" {}", pad(who(&r.actor), c.actor)), theme.text()));
        spans.push(Span::styled(
            format!(" {}", pad(&age(sh.now, r.started_at), 8)),
            theme.muted(),
        ));
        if c.desc {
            spans.push(Span::styled(
                format!(" {}", text(&r.description())),
                if st == State::Error {
                    theme.error().remove_modifier(Modifier::BOLD)
                } else {
                    theme.text()
                },
            ));
            if is_current {
                spans.push(Span::styled(" ◀ current", theme.accent()));
            }
        }
        let mut line = Line::from(spans);
        if selected {
            line = line.style(theme.selection());
        }
        lines.push(line);
    }
    f.render_widget(Rows::new(&lines), inner);
}
