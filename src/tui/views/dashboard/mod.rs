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
    /// `/`: only releases whose row holds every word (the whole history is
    /// loaded while it is set; the cursor moves over the matches).
    pub filter: String,
}

impl Dashboard {
    /// A new filter starts at the top.
    pub fn set_filter(&mut self, text: String) {
        self.filter = text;
        self.history = ListPos::default();
    }

    /// The absolute indices (newest = 0) of the loaded releases the filter
    /// matches; `None` without a filter (the list is the whole history).
    pub fn matches(&self, sh: &Shared) -> Option<Vec<u64>> {
        let words: Vec<String> = self.filter.split_whitespace().map(str::to_lowercase).collect();
        if words.is_empty() {
            return None;
        }
        let Some(page) = sh.history_page() else {
            return Some(Vec::new());
        };
        let hits = page.rows.iter().enumerate().filter(|(_, r)| {
            let hay = format!(
                "v{} {} {} {} {} {} {}",
                r.number,
                r.version,
                r.commit,
                r.actor,
                r.status.as_str(),
                r.action.as_str(),
                r.description()
            )
            .to_lowercase();
            words.iter().all(|w| hay.contains(w.as_str()))
        });
        Some(hits.map(|(k, _)| page.offset + k as u64).collect())
    }

    /// Rows in the history list: every release, or the filter's matches.
    pub fn len(&self, sh: &Shared) -> u64 {
        match self.matches(sh) {
            Some(m) => m.len() as u64,
            None => sh.history_total(),
        }
    }

    /// The absolute index of list row `i` (the same without a filter).
    pub fn index(&self, sh: &Shared, i: u64) -> Option<u64> {
        match self.matches(sh) {
            Some(m) => m.get(i as usize).copied(),
            None => Some(i),
        }
    }

    /// The highlighted release's absolute index.
    pub fn selected(&self, sh: &Shared) -> Option<u64> {
        self.index(sh, self.history.cursor)
    }

    /// The release shown at list row `i`.
    pub fn release<'a>(&self, sh: &'a Shared, i: u64) -> Option<&'a crate::domain::Release> {
        sh.history_page()?.get(self.index(sh, i)?)
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
