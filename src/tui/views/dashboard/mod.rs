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

use chrono::{DateTime, Utc};
use ratatui::layout::Rect;
use ratatui::Frame;

pub use commits::{Commits, CommitsTarget};

use super::shared::running;
use super::{ListPos, Shared};
use crate::domain::DeploymentStatus;
use crate::tui::event::CommitsKey;
use crate::tui::render::format::age;
use crate::tui::render::layout;
use crate::tui::render::theme::Theme;

#[derive(Debug, Default)]
pub struct Dashboard {
    pub history: ListPos,
    /// Commits between releases, when `project.repo` is set.
    pub commits: HashMap<CommitsKey, Commits>,
}

impl Dashboard {
    /// The release a rollback goes back to: the highlighted one when it is
    /// an older succeeded release; else none (ops picks its default).
    pub fn rollback_pick(&self, sh: &Shared, current: u64) -> Option<u64> {
        sh.history_page()
            .and_then(|h| h.get(self.history.cursor))
            .filter(|r| r.status == DeploymentStatus::Succeeded && r.number < current)
            .map(|r| r.number)
    }

    /// The relative ages of the cards and the history rows shown, so the
    /// clock redraws only when one of them would read differently.
    pub fn ages(&self, sh: &Shared, now: DateTime<Utc>) -> Vec<String> {
        let Some(s) = &sh.snap else { return Vec::new() };
        let mut out: Vec<String> = s
            .status
            .environments
            .iter()
            .filter_map(|e| e.release.as_ref())
            .map(|r| age(now, r.deployed_at))
            .collect();
        if let Some(h) = sh.history_page() {
            let rows = u64::from(layout::history_rows(sh.view_area()));
            for i in self.history.scroll..self.history.scroll + rows {
                if let Some(r) = h.get(i) {
                    out.push(age(now, r.started_at));
                }
            }
        }
        out
    }

    /// Every lease countdown on the cards, for the clock's redraw check.
    pub fn countdowns(sh: &Shared, now: DateTime<Utc>) -> Vec<String> {
        let Some(s) = &sh.snap else { return Vec::new() };
        s.status
            .environments
            .iter()
            .filter_map(|e| e.deployment.as_ref())
            .filter_map(|d| {
                let l = d.lease.as_ref().filter(|l| !l.expired && running(d))?;
                Some(format!(
                    "{}",
                    (l.expires_in_s - (now - s.loaded_at).num_seconds()).max(0)
                ))
            })
            .collect()
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
