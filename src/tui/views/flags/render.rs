//! The Flags view: every flag × every env as a matrix (the selected env's
//! column highlighted), and the highlighted flag's state in that env below.

use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Paragraph, Wrap};
use ratatui::Frame;

use super::Flags;
use crate::ops::flags::FlagListRow;
use crate::tui::render::format::{cols, fit, inert_lines, pad, text, when, who};
use crate::tui::render::layout;
use crate::tui::render::rows::Rows;
use crate::tui::render::theme::Theme;
use crate::tui::views::Shared;

const CELL: usize = 14;

/// A flag's state in one env as a symbol, a word and a style.
fn cell(r: &FlagListRow, theme: &Theme) -> (String, Style) {
    let targets = if r.targets.is_empty() {
        String::new()
    } else {
        format!(" +{}", r.targets.len())
    };
    if r.killed {
        return (format!("✖ killed{targets}"), theme.error());
    }
    match (r.enabled, r.rollout) {
        (false, _) => (format!("○ off{targets}"), theme.muted()),
        (true, 100) => (format!("● on{targets}"), theme.ok()),
        (true, p) => (format!("◐ {p}%{targets}"), theme.warn()),
    }
}

pub(super) fn render(f: &mut Frame, area: Rect, sh: &Shared, fl: &Flags, theme: &Theme) {
    let n = sh.config.flags.len();
    let names = fl.names(sh);
    let layout::Flags { table, detail, history } = layout::flags(area, n);
    let filtered = if fl.filter.is_empty() {
        String::new()
    } else {
        format!(
            " · {} match “{}”",
            names.len(),
            crate::tui::render::format::text(&fl.filter)
        )
    };
    let block = Block::bordered()
        .border_type(BorderType::Rounded)
        .border_style(theme.border(true))
        .title(Span::styled(
            format!(" Flags · {n} flag{}{filtered} ", if n == 1 { "" } else { "s" }),
            theme.accent(),
        ))
        .title_bottom(Line::styled(" ○ off  ● on  ◐ rollout  ✖ killed  +N targets ", theme.muted()).right_aligned());
    let inner = block.inner(table);
    f.render_widget(block, table);
    if n == 0 {
        let msg = "No flags are defined. Add [flag.NAME] sections to relcon.toml (see docs/flags.md).";
        f.render_widget(
            Paragraph::new(msg).style(theme.muted()).wrap(Wrap { trim: true }),
            inner,
        );
        return;
    }
    let loaded = sh.snap.as_ref().is_some_and(|s| !s.flags.is_empty());
    let w = inner.width as usize;
    let name_w = sh.config.flags.keys().map(|k| cols(k)).max().unwrap_or(4).clamp(8, 28) + 2;
    // A window of env columns that keeps the selected one visible.
    let envs = &sh.config.environments;
    let fit_n = (w.saturating_sub(name_w + 2) / CELL).max(1);
    let start = (sh.env + 1).saturating_sub(fit_n);
    let shown: Vec<usize> = (start..envs.len()).take(fit_n).collect();
    let mut header = vec![Span::styled(format!("  {}", pad("flag", name_w)), theme.muted())];
    for &i in &shown {
        let e = &envs[i];
        let label = format!("{}{}", e.name, if e.protected { " ◆" } else { "" });
        let st = if i == sh.env {
            theme.accent()
        } else if e.protected {
            theme.env_prod()
        } else {
            theme.muted()
        };
        header.push(Span::styled(pad(&label, CELL), st));
    }
    let mut lines = vec![Line::from(header).style(Style::new().add_modifier(Modifier::UNDERLINED))];
    let rows = inner.height.saturating_sub(1) as usize;
    for (fi, flag) in names
        .iter()
        .copied()
        .enumerate()
        .skip(fl.pos.scroll as usize)
        .take(rows)
    {
        let selected = fi as u64 == fl.pos.cursor;
        let mut spans = vec![
            Span::styled(if selected { "▸ " } else { "  " }, theme.accent()),
            Span::styled(pad(flag, name_w), theme.text()),
        ];
        for &i in &shown {
            let (text, mut st) = match Flags::row(sh, flag, &envs[i].name) {
                Some(r) => cell(r, theme),
                None => ((if loaded { "?" } else { "…" }).to_string(), theme.muted()),
            };
            if selected && i == sh.env {
                st = st.patch(theme.selection());
            }
            spans.push(Span::styled(pad(&text, CELL), st));
        }
        lines.push(Line::from(spans));
    }
    f.render_widget(Rows::new(&lines), inner);
    render_detail(f, detail, sh, fl, theme);
    if let Some(h) = history {
        super::history::render(f, h, sh, fl, theme);
    }
}

fn render_detail(f: &mut Frame, area: Rect, sh: &Shared, fl: &Flags, theme: &Theme) {
    let env = sh.env_name();
    let Some(flag) = fl.flag_name(sh) else { return };
    let block = Block::bordered()
        .border_type(BorderType::Rounded)
        .border_style(theme.border(false))
        .title(Span::styled(format!(" {} in {env} ", text(flag)), theme.accent()));
    let Some(r) = Flags::row(sh, flag, env) else {
        f.render_widget(
            Paragraph::new(sh.loading("flags")).style(theme.muted()).block(block),
            area,
        );
        return;
    };
    // Values are data (targets, names, reasons): drawn inert.
    let row = |k: &str, v: String| {
        Line::from(vec![
            Span::styled(format!("{k:<9}"), theme.muted()),
            Span::styled(text(&v), theme.text()),
        ])
    };
    let (state, st) = cell(r, theme);
    let mut out = Vec::new();
    if let Some(d) = &r.description {
        out.push(Line::styled(text(d), theme.muted()));
    }
    out.push(Line::from(vec![
        Span::styled(format!("{:<9}", "state"), theme.muted()),
        Span::styled(state, st),
    ]));
    let targets = if r.targets.is_empty() {
        "none".to_string()
    } else {
        r.targets.join(", ")
    };
    out.push(row("targets", targets));
    let changed = match (&r.changed_by, r.changed_at) {
        (Some(by), Some(at)) => {
            let why = r.reason.as_deref().map(|x| format!(": {x}")).unwrap_or_default();
            format!("by {} {}{why}", who(by), when(sh.now, at))
        }
        _ => "never: the config's initial state".into(),
    };
    out.push(row("changed", fit(&changed, (area.width as usize).saturating_sub(11))));
    if r.killed {
        out.push(Line::styled(
            "killed — K restores the state before the kill",
            theme.error(),
        ));
    }
    f.render_widget(
        Paragraph::new(inert_lines(out)).block(block).wrap(Wrap { trim: false }),
        area,
    );
}
