//! The badges on a card: hold, frozen, interrupted, deploying, protected
//! from the snapshot (`ops::status::Badge`), drift and verifying from the
//! live board, and "flags ≠N".

use ratatui::style::Style;
use ratatui::text::{Line, Span};

use crate::health::VersionCheck;
use crate::ops::status::{Badge, EnvStatus};
use crate::tui::render::format::{cols, fit_spans};
use crate::tui::render::theme::Theme;
use crate::tui::views::live::LiveHealth;

/// (symbol, word, style) for one badge.
fn badge(b: Badge, theme: &Theme) -> (&'static str, &'static str, Style) {
    let (symbol, style) = match b {
        Badge::Protected => ("◆", theme.env_prod()),
        Badge::Hold => ("▲", theme.warn()),
        Badge::Frozen => ("❄", theme.warn()),
        Badge::Interrupted => ("✖", theme.error()),
        Badge::Deploying => ("◌", theme.accent()),
        Badge::Drift => ("≠", theme.warn()),
        Badge::Verifying => ("◌", theme.accent()),
        Badge::Incident => ("✖", theme.error()),
    };
    (symbol, b.as_str(), style)
}

/// The deployment line already tells of these two.
const SAID_ABOVE: [Badge; 2] = [Badge::Deploying, Badge::Interrupted];
/// The card's incident line tells of it, with its age.
const OWN_LINE: [Badge; 1] = [Badge::Incident];
/// These two come from the live board, not the snapshot.
const LIVE: [Badge; 2] = [Badge::Drift, Badge::Verifying];

/// "flags ≠2": flags set differently than in the env this one promotes from.
fn flags_differ(e: &EnvStatus) -> Option<String> {
    (e.promote_from.is_some() && !e.flags_differ.is_empty()).then(|| format!("flags ≠{}", e.flags_differ.len()))
}

/// The symbols of the badges that stop a promotion (hold, frozen), for a
/// compact card whose badge line a rollout's line takes: a rollback during
/// a rollout sets a hold, and the card must still show it.
pub(super) fn blocking_symbols(e: &EnvStatus, theme: &Theme) -> Vec<Span<'static>> {
    e.badges
        .iter()
        .filter(|b| matches!(b, Badge::Hold | Badge::Frozen))
        .map(|b| {
            let (symbol, _, style) = badge(*b, theme);
            Span::styled(format!("{symbol} "), style)
        })
        .collect()
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
        VersionCheck::Drift { .. } => Some(Badge::Drift),
        VersionCheck::Verifying { .. } => Some(Badge::Verifying),
        _ => None,
    };
    let mut all: Vec<Badge> = e
        .badges
        .iter()
        .copied()
        .filter(|b| !LIVE.contains(b) && !OWN_LINE.contains(b))
        .filter(|b| !(shown && SAID_ABOVE.contains(b)))
        .chain(live_badge)
        .collect();
    let mut flags = flags_differ(e);
    if all.is_empty() && flags.is_none() {
        return None;
    }
    let sep = |all: &[Badge]| if all.is_empty() { "" } else { "· " };
    let room_for = |all: &[Badge], flags: &Option<String>| {
        width.saturating_sub(flags.as_ref().map_or(0, |f| cols(sep(all)) + cols(f)))
    };
    let words = |all: &[Badge]| -> usize {
        all.iter()
            .map(|b| {
                let (s, w, _) = badge(*b, theme);
                cols(s) + 1 + cols(w) + 1
            })
            .sum()
    };
    if compact && words(&all) > room_for(&all, &flags) + 1 && all.len() > 1 {
        all.retain(|b| *b != Badge::Protected);
    }
    // The words that matter ("hold", "verifying") before "flags ≠N".
    if words(&all) > room_for(&all, &flags) + 1 && words(&all) <= width + 1 {
        flags = None;
    }
    let as_words = words(&all) <= room_for(&all, &flags) + 1;
    let mut spans: Vec<Span<'static>> = all
        .iter()
        .map(|b| {
            let (s, w, st) = badge(*b, theme);
            let text = if as_words { format!("{s} {w} ") } else { format!("{s} ") };
            Span::styled(text, st)
        })
        .collect();
    if let Some(f) = flags {
        spans.push(Span::styled(format!("{}{f}", sep(&all)), theme.muted()));
    }
    Some(Line::from(fit_spans(spans, width)))
}
