//! The Dashboard: environment cards in pipeline order, the selected env's
//! release history (virtualised) with the highlighted release in detail,
//! and its health panel. It owns the history cursor and the cache of
//! commits between releases.

mod badges;
pub mod cards;
pub mod commits;
mod detail;
pub mod health_panel;
mod history;
mod keys;

use std::collections::HashMap;

use ratatui::layout::Rect;
use ratatui::Frame;

pub use commits::{Commits, CommitsTarget};

use super::{ListPos, Shared};
use crate::domain::DeploymentStatus;
use crate::tui::event::CommitsKey;
use crate::tui::render::layout;
use crate::tui::render::theme::Theme;

#[derive(Debug, Default)]
pub struct Dashboard {
    pub history: ListPos,
    /// Commits between releases, when `project.repo` is set.
    pub commits: HashMap<CommitsKey, Commits>,
    /// `/`: only releases whose row holds every word (the reader finds
    /// them: the history window is then one of matches; the cursor moves
    /// over them).
    pub filter: String,
}

impl Dashboard {
    /// A new filter starts at the top.
    pub fn set_filter(&mut self, text: String) {
        self.filter = text;
        self.history = ListPos::default();
    }

    /// Rows in the history list: every release, or the filter's matches
    /// (as many as the reader found, once it has read the filtered window).
    pub fn len(&self, sh: &Shared) -> u64 {
        match sh.history_page() {
            Some(p) if p.filtered.is_some() => p.total,
            _ => sh.history_total(),
        }
    }

    /// Whether the list on screen is not yet the one the filter asks for
    /// (typed, its matches not read yet; or cleared, the history not yet).
    pub fn filtering(&self, sh: &Shared) -> bool {
        let shown = sh
            .history_page()
            .and_then(|p| p.filtered.as_ref())
            .map(|f| f.filter.trim());
        shown.unwrap_or("") != self.filter.trim()
    }

    /// The release shown at list row `i` (the page's rows are the list's:
    /// the history, or the filter's matches).
    pub fn release<'a>(&self, sh: &'a Shared, i: u64) -> Option<&'a crate::domain::Release> {
        sh.history_page()?.get(i)
    }

    /// The release a rollback goes back to: the highlighted one when it is
    /// an older succeeded release; else none (ops picks its default).
    pub fn rollback_pick(&self, sh: &Shared, current: u64) -> Option<u64> {
        self.release(sh, self.history.cursor)
            .filter(|r| r.status == DeploymentStatus::Succeeded && r.number < current)
            .map(|r| r.number)
    }

    pub fn render(&self, f: &mut Frame, area: Rect, sh: &Shared, theme: &Theme) {
        let d = layout::dashboard(area, health_panel::rows(sh));
        cards::render(f, d.cards, sh, theme, d.compact);
        history::render(f, d.history, sh, self, theme);
        detail::render(f, d.detail, sh, self, theme);
        if let Some(h) = d.health {
            health_panel::render(f, h, sh, theme);
        }
    }
}
