//! The badges on a card: hold, frozen, interrupted, deploying, protected
//! from the snapshot, drift and verifying from the live board, and "flags
//! ≠N". The snapshot gives them as words (`ops::status`); this is the one
//! place the console reads those words.

use ratatui::style::Style;
use ratatui::text::{Line, Span};

use crate::health::VersionCheck;
use crate::ops::status::EnvStatus;
use crate::tui::render::format::{cols, fit_spans};
use crate::tui::render::theme::Theme;
use crate::tui::views::live::LiveHealth;

/// (symbol, word, style) for one badge.
fn badge(b: &str, theme: &Theme) -> (&'static str, String, Style) {
    match b {
        "protected" => ("◆", "protected".into(), theme.env_prod()),
        "hold" => ("▲", "hold".into(), theme.warn()),
        "frozen" => ("❄", "frozen".into(), theme.warn()),
        "interrupted" => ("✖", "interrupted".into(), theme.error()),
        "deploying" => ("◌", "deploying".into(), theme.accent()),
        "drift" => ("≠", "drift".into(), theme.warn()),
        "verifying" => ("◌", "verifying".into(), theme.accent()),
        other => ("•", other.to_string(), theme.muted()),
    }
}

/// The deployment line already tells of these two.
const SAID_ABOVE: &[&str] = &["deploying", "interrupted"];
/// These two come from the live board, not the snapshot.
const LIVE: &[&str] = &["drift", "verifying"];

/// "flags ≠2": flags set differently than in the env this one promotes from.
fn flags_differ(e: &EnvStatus) -> Option<String> {
    (e.promote_from.is_some() && !e.flags_differ.is_empty()).then(|| format!("flags ≠{}", e.flags_differ.len()))
}

/// Badges as words when they fit, else as symbols only; then "flags ≠N".
/// Short of room, a compact card first leaves out "protected" (its title
/// already wears ◆).
pub(super) fn badge_line(
    e: &EnvStatus,
    live: &LiveHealth,
    width: usize,
    theme: &Theme,
    compact: bool,
) -> Option<Line<'static>> {
    let shown = e.deployment.is_some();
    let live_badge = match live.version {
        VersionCheck::Drift { .. } => Some("drift"),
        VersionCheck::Verifying { .. } => Some("verifying"),
        _ => None,
    };
    let mut all: Vec<&str> = e
        .badges
        .iter()
        .copied()
        .filter(|b| !LIVE.contains(b))
        .filter(|b| !(shown && SAID_ABOVE.contains(b)))
        .chain(live_badge)
        .collect();
    let flags = flags_differ(e);
    if all.is_empty() && flags.is_none() {
        return None;
    }
    let sep = |all: &[&str]| if all.is_empty() { "" } else { "· " };
    let room = |all: &[&str]| width.saturating_sub(flags.as_ref().map_or(0, |f| cols(sep(all)) + cols(f)));
    let words = |all: &[&str]| -> usize {
        all.iter()
            .map(|b| {
                let (s, w, _) = badge(b, theme);
                cols(s) + 1 + cols(&w) + 1
            })
            .sum()
    };
    if compact && words(&all) > room(&all) + 1 && all.len() > 1 {
        all.retain(|b| *b != "protected");
    }
    let as_words = words(&all) <= room(&all) + 1;
    let mut spans: Vec<Span<'static>> = all
        .iter()
        .map(|b| {
            let (s, w, st) = badge(b, theme);
            let text = if as_words { format!("{s} {w} ") } else { format!("{s} ") };
            Span::styled(text, st)
        })
        .collect();
    if let Some(f) = flags {
        spans.push(Span::styled(format!("{}{f}", sep(&all)), theme.muted()));
    }
    Some(Line::from(fit_spans(spans, width)))
}
