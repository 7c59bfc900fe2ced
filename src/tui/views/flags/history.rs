//! The highlighted flag's recorded changes in the selected env, newest
//! first: when, who, from what to what, why. Kills stand out.
//! "2d ago  ana  10% → on  widen to everyone"

use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType};
use ratatui::Frame;

use super::{FlagHistory, Flags};
use crate::config::FlagState;
use crate::flags::describe;
use crate::ledger::store::FlagChange;
use crate::tui::render::format::{age, cols, fit_spans, pad, text, who};
use crate::tui::render::rows::Rows;
use crate::tui::render::theme::Theme;
use crate::tui::views::Shared;

pub(super) fn render(f: &mut Frame, area: Rect, sh: &Shared, fl: &Flags, theme: &Theme) {
    let Some(key) = fl.history_key(sh) else { return };
    let block = Block::bordered()
        .border_type(BorderType::Rounded)
        .border_style(theme.border(false))
        .title(Span::styled(
            format!(" changes · {} in {} ", text(&key.flag), key.env),
            theme.accent(),
        ))
        .title_bottom(Line::styled(" newest first ", theme.muted()).right_aligned());
    let inner = block.inner(area);
    f.render_widget(block, area);
    let lines = match fl.history(sh) {
        None | Some(FlagHistory::Loading) => vec![Line::styled(sh.loading("changes"), theme.muted())],
        Some(FlagHistory::Failed(e)) => vec![Line::styled(format!("✖ {}", text(e)), theme.error())],
        Some(FlagHistory::Ready(list)) if list.is_empty() => vec![Line::styled(
            "no changes recorded: the config's initial state",
            theme.muted(),
        )],
        Some(FlagHistory::Ready(list)) => lines(sh, list, inner.width as usize, theme),
    };
    f.render_widget(Rows::new(&lines), inner);
}

/// One line per change, columns lined up.
pub fn lines(sh: &Shared, list: &[FlagChange], w: usize, theme: &Theme) -> Vec<Line<'static>> {
    let rows: Vec<(String, String, (String, Style), String)> = list
        .iter()
        .map(|c| {
            (
                age(sh.now, c.at),
                text(who(&c.actor)),
                change(c, theme),
                text(c.reason.as_deref().unwrap_or_default()),
            )
        })
        .collect();
    let age_w = rows.iter().map(|r| cols(&r.0)).max().unwrap_or(0);
    let who_w = rows.iter().map(|r| cols(&r.1)).max().unwrap_or(0).min(14);
    let change_w = rows.iter().map(|r| cols(&r.2 .0)).max().unwrap_or(0).min(28);
    rows.into_iter()
        .map(|(at, by, (what, st), why)| {
            let spans = vec![
                Span::styled(pad(&at, age_w + 2), theme.muted()),
                Span::styled(pad(&by, who_w + 2), theme.text()),
                Span::styled(pad(&what, change_w + 2), st),
                Span::styled(why, theme.muted()),
            ];
            Line::from(fit_spans(spans, w))
        })
        .collect()
}

/// "10% → on", "✖ KILLED on → off", "↺ restored off → 25%", with the
/// targets added or removed when they changed.
fn change(c: &FlagChange, theme: &Theme) -> (String, Style) {
    let states = text(&format!(
        "{} → {}{}",
        describe(&c.before),
        describe(&c.after),
        targets(&c.before, &c.after)
    ));
    match c.change.as_str() {
        "kill" => (format!("✖ KILLED {states}"), theme.error()),
        "restore" => (format!("↺ restored {states}"), theme.ok()),
        _ => (states, theme.text()),
    }
}

/// " +42 −103": targets added and removed (empty when unchanged), or
/// " +5 targets" when there are many.
fn targets(before: &FlagState, after: &FlagState) -> String {
    let added: Vec<&String> = after.targets.iter().filter(|t| !before.targets.contains(t)).collect();
    let removed: Vec<&String> = before.targets.iter().filter(|t| !after.targets.contains(t)).collect();
    let mut out = String::new();
    for (sign, list) in [("+", added), ("−", removed)] {
        match list.len() {
            0 => {}
            1 | 2 => list.iter().for_each(|t| out.push_str(&format!(" {sign}{t}"))),
            n => out.push_str(&format!(" {sign}{n} targets")),
        }
    }
    out
}
