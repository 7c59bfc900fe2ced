//! Team mode as the views see it (DESIGN §11): whether the ledger can be
//! read (the banner), a broken chain, who else is here. Pure state and
//! words: the threads that watch, read and announce live in `worker`.

use chrono::{DateTime, Utc};

use crate::ledger::Presence;
use crate::tui::event::Down;
use crate::tui::render::format::{cols, text};
use crate::tui::render::theme::State;

#[derive(Debug, Clone, Default)]
pub struct Team {
    pub watcher_down: Option<Down>,
    pub reader_down: Option<Down>,
    /// The first broken link seen (seq, why): it stays until restart.
    pub broken: Option<(u64, String)>,
    /// Other consoles, one per person (the first console of each).
    pub others: Vec<Presence>,
}

impl Team {
    /// The ledger cannot be read by one of the threads.
    pub fn down(&self) -> Option<&Down> {
        self.watcher_down.as_ref().or(self.reader_down.as_ref())
    }

    /// The banner across the top, when the ledger is gone or its chain
    /// broke; `loaded`: when the state shown was read.
    pub fn banner(&self, width: usize, loaded: Option<DateTime<Utc>>) -> Option<(String, State)> {
        // The banner is drawn after one column of margin.
        let width = width.saturating_sub(1);
        if let Some((seq, why)) = &self.broken {
            let long = format!("✖ the ledger's chain is broken at seq {seq} ({why}): run relcon audit verify");
            let short = format!("✖ the ledger's chain is broken at seq {seq}: run relcon audit verify");
            let text = if cols(&long) <= width { long } else { short };
            return Some((text, State::Error));
        }
        let d = self.down()?;
        let what = if d.location.starts_with("postgres://") {
            "unreachable"
        } else {
            "cannot be read"
        };
        let state = loaded.map_or_else(
            || "nothing loaded yet".to_string(),
            |t| format!("showing the state of {}", t.format("%H:%M:%S UTC")),
        );
        let forms = [
            format!(
                "▲ ledger {} {what} — {state}; actions are refused until it is back",
                d.location
            ),
            format!("▲ ledger {} {what} — {state}; actions refused", d.location),
            format!("▲ ledger {what} — {state}; actions are refused until it is back"),
            format!("▲ ledger {what} — {state}; actions refused"),
            format!("▲ ledger {what}; actions refused"),
        ];
        let pick = forms.iter().find(|f| cols(f) <= width).unwrap_or(&forms[4]);
        Some((pick.clone(), State::Error))
    }
}

/// "also here: bo (checklists · staging) · cy (dashboard · prod)", then
/// shorter: names only, then a count. Empty when nobody else is here.
pub fn others_forms(others: &[Presence]) -> Vec<String> {
    if others.is_empty() {
        return Vec::new();
    }
    let place = |p: &Presence| match &p.env {
        Some(e) => format!("{} · {}", text(&p.view), text(e)),
        None => text(&p.view),
    };
    let full = others
        .iter()
        .map(|p| format!("{} ({})", text(&p.actor), place(p)))
        .collect::<Vec<_>>()
        .join(" · ");
    let names = others.iter().map(|p| text(&p.actor)).collect::<Vec<_>>().join(" · ");
    vec![
        format!("also here: {full}"),
        format!("also here: {names}"),
        format!("+{} here", others.len()),
    ]
}
