//! The selected env's open checklist runs: a gauge per run, one row per
//! item with who ticked it, when, and their note; role items tagged.

use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Paragraph, Wrap};
use ratatui::Frame;

use super::{partners_on, Checklists};
use crate::ops::checklist::{Run, RunItem};
use crate::tui::event::item_key;
use crate::tui::render::format::{bar, cols, fit, fit_spans, inert_lines, text, when};
use crate::tui::render::layout;
use crate::tui::render::rows::Rows;
use crate::tui::render::theme::Theme;
use crate::tui::views::Shared;

fn run_header(r: &Run, theme: &Theme, w: usize) -> Line<'static> {
    let st = if r.done == r.total { theme.ok() } else { theme.warn() };
    let phase = if r.phase == "before" {
        format!("gates {} going into {}", r.build, r.env)
    } else {
        format!("after {} went live", r.build)
    };
    let gauge = format!(" {} {}/{}", bar(r.done, r.total, 12), r.done, r.total);
    let head = fit(
        &format!("{} ({}) · {phase}", r.title, r.name),
        w.saturating_sub(cols(&gauge) + 1),
    );
    Line::from(vec![Span::styled(head, theme.accent()), Span::styled(gauge, st)])
}

fn item_line(sh: &Shared, it: &RunItem, selected: bool, theme: &Theme) -> Line<'static> {
    let (mark, mark_st) = if it.done {
        ("[x]", theme.ok())
    } else {
        ("[ ]", theme.muted())
    };
    let mut spans = vec![
        Span::styled(if selected { "▸ " } else { "  " }, theme.accent()),
        Span::styled(mark, mark_st),
        Span::styled(format!(" {}. {}", it.n, text(&it.text)), theme.text()),
    ];
    if let Some(role) = &it.role {
        spans.push(Span::styled(format!(" [{}]", text(role)), theme.accent()));
    }
    if it.done {
        let at = it.at.map(|t| format!(" {}", when(sh.now, t))).unwrap_or_default();
        spans.push(Span::styled(
            format!(
                " — by {}{at}",
                text(crate::tui::render::format::who(it.by.as_deref().unwrap_or_default()))
            ),
            theme.muted(),
        ));
        if let Some(n) = &it.note {
            spans.push(Span::styled(format!(" ({})", text(n)), theme.muted()));
        }
    }
    let line = Line::from(spans);
    if selected {
        line.style(theme.selection())
    } else {
        line
    }
}

/// A partner's cursor at the row's end, `◂ bo`, in the accent colour: the
/// row gives up columns so the names always show.
fn with_partners(line: Line<'static>, partners: &[&str], w: usize, theme: &Theme) -> Line<'static> {
    if partners.is_empty() {
        return line;
    }
    let tag = format!(" ◂ {}", text(&partners.join(", ")));
    let tag = fit(&tag, w);
    let room = w.saturating_sub(cols(&tag));
    let style = line.style;
    let mut spans = fit_spans(line.spans, room);
    let used: usize = spans.iter().map(|s| s.width()).sum();
    spans.push(Span::raw(" ".repeat(room.saturating_sub(used))));
    spans.push(Span::styled(
        tag,
        theme.accent().add_modifier(ratatui::style::Modifier::BOLD),
    ));
    Line::from(spans).style(style)
}

pub(super) fn render(f: &mut Frame, area: Rect, sh: &Shared, c: &Checklists, theme: &Theme) {
    let (list, side) = layout::checklists(area);
    let block = Block::bordered()
        .border_type(BorderType::Rounded)
        .border_style(theme.border(true))
        .title(Span::styled(
            if c.filter.is_empty() {
                format!(" Checklists · {} ", sh.env_name())
            } else {
                let n = c.items(sh).len();
                format!(
                    " Checklists · {} · filter “{}”: {n} match{} ",
                    sh.env_name(),
                    text(&c.filter),
                    if n == 1 { "" } else { "es" }
                )
            },
            theme.accent(),
        ))
        .title_bottom(Line::styled(" ←/→ environment ", theme.muted()).right_aligned());
    let inner = block.inner(list);
    f.render_widget(block, list);
    let env = sh.env_name();
    let runs: Vec<(usize, &Run)> = sh
        .snap
        .as_ref()
        .map(|s| s.runs.iter().enumerate().filter(|(_, r)| r.env == env).collect())
        .unwrap_or_default();
    if runs.is_empty() {
        // The snapshot holds the runs of the env it was loaded for.
        let loaded = sh.snap.as_ref().is_some_and(|s| s.query.env == env);
        let msg = match (loaded, sh.team.down()) {
            (false, Some(_)) => format!("{env}'s lists are not loaded: the ledger cannot be read right now."),
            (false, None) => "loading…".to_string(),
            (true, _) => {
                format!("{env} has no open checklist run: none is configured for it, or no build is pending or live.")
            }
        };
        f.render_widget(
            Paragraph::new(msg).style(theme.muted()).wrap(Wrap { trim: true }),
            inner,
        );
        if let Some(s) = side {
            f.render_widget(
                Block::bordered()
                    .border_type(BorderType::Rounded)
                    .border_style(theme.border(false)),
                s,
            );
        }
        return;
    }
    let w = inner.width as usize;
    let items = c.items(sh);
    let current = items.get(c.pos.cursor as usize).copied();
    let mut lines = Vec::new();
    let mut cursor_line = 0;
    if items.is_empty() {
        lines.push(Line::styled(
            "nothing matches the filter (esc clears it)",
            theme.muted(),
        ));
    }
    for (ri, r) in &runs {
        if !items.iter().any(|(i, _)| i == ri) {
            continue;
        }
        if !lines.is_empty() {
            lines.push(Line::raw(""));
        }
        lines.push(run_header(r, theme, w));
        let mut section: Option<&str> = None;
        for (ii, it) in r.items.iter().enumerate() {
            if !items.contains(&(*ri, ii)) {
                continue;
            }
            if it.section.as_deref() != section && it.section.is_some() {
                section = it.section.as_deref();
                lines.push(Line::styled(
                    format!("  {}", text(section.unwrap_or_default())),
                    theme.muted(),
                ));
            }
            let selected = current == Some((*ri, ii));
            if selected {
                cursor_line = lines.len();
            }
            let line = item_line(sh, it, selected, theme);
            let partners = partners_on(sh, &item_key(&r.name, &r.build, it.n));
            lines.push(with_partners(line, &partners, w, theme));
        }
    }
    // Keep the highlighted item on screen (lists are short; no state needed).
    let rows = inner.height as usize;
    let scroll = (cursor_line + 1).saturating_sub(rows);
    f.render_widget(Rows::new(&lines).scroll(scroll), inner);
    if let (Some(s), Some((ri, ii))) = (side, current) {
        render_side(f, s, sh, ri, ii, theme);
    }
}

fn render_side(f: &mut Frame, area: Rect, sh: &Shared, ri: usize, ii: usize, theme: &Theme) {
    let block = Block::bordered()
        .border_type(BorderType::Rounded)
        .border_style(theme.border(false))
        .title(Span::styled(" Item ", theme.accent()));
    let Some(run) = sh.snap.as_ref().and_then(|s| s.runs.get(ri)) else {
        return;
    };
    let Some(it) = run.items.get(ii) else { return };
    let mut out = vec![
        Line::styled(
            text(&it.text),
            theme.text().add_modifier(ratatui::style::Modifier::BOLD),
        ),
        Line::raw(""),
    ];
    // Values are data (item text, names, notes): drawn inert.
    let row = |k: &str, v: String| {
        Line::from(vec![
            Span::styled(format!("{k:<9}"), theme.muted()),
            Span::styled(text(&v), theme.text()),
        ])
    };
    out.push(row("list", format!("{} · item {} of {}", run.name, it.n, run.total)));
    out.push(row("build", run.build.clone()));
    if let Some(s) = &it.section {
        out.push(row("section", s.clone()));
    }
    if let Some(r) = &it.role {
        // Eight letters: the label column is nine wide, a space included.
        out.push(row(
            "sign-off",
            format!("{r} (you are asked for the role when ticking)"),
        ));
    }
    if let Some(h) = &it.hint {
        out.push(row("hint", h.clone()));
    }
    if it.done {
        out.push(row(
            "ticked",
            format!(
                "by {} {}",
                it.by.clone().unwrap_or_default(),
                it.at.map(|t| when(sh.now, t)).unwrap_or_default()
            ),
        ));
        if let Some(n) = &it.note {
            out.push(row("note", n.clone()));
        }
    } else {
        out.push(row("state", "open".into()));
    }
    if run.phase == "before" {
        out.push(Line::raw(""));
        out.push(Line::styled(
            format!("This list gates {} going into {}.", text(&run.build), run.env),
            theme.muted(),
        ));
    }
    f.render_widget(
        Paragraph::new(inert_lines(out)).block(block).wrap(Wrap { trim: false }),
        area,
    );
}
