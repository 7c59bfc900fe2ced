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

use std::cell::RefCell;
use std::collections::HashMap;
use std::fmt::Write as _;
use std::rc::Rc;

use ratatui::layout::Rect;
use ratatui::Frame;

pub use commits::{Commits, CommitsTarget};

use super::{ListPos, Shared};
use crate::domain::DeploymentStatus;
use crate::tui::event::CommitsKey;
use crate::tui::render::layout;
use crate::tui::render::theme::Theme;
use crate::tui::snapshot::HistoryPage;

#[derive(Debug, Default)]
pub struct Dashboard {
    pub history: ListPos,
    /// Commits between releases, when `project.repo` is set.
    pub commits: HashMap<CommitsKey, Commits>,
    /// `/`: only releases whose row holds every word (the whole history is
    /// loaded while it is set; the cursor moves over the matches).
    pub filter: String,
    /// The filter's matches in the loaded history, worked out once per
    /// filter and page: a frame asks for them once per row it draws, and
    /// on 100 000 releases each time cost a pass over all of them (300 ms
    /// a key).
    hits: RefCell<Option<(HitsKey, Rc<[u64]>)>>,
}

/// What the matches were worked out for: the filter, and the page as
/// loaded (its env, where it starts, its rows, when it was read).
#[derive(Debug)]
struct HitsKey {
    filter: String,
    env: String,
    offset: u64,
    rows: usize,
    ends: Option<(u64, u64)>,
    loaded_at: Option<chrono::DateTime<chrono::Utc>>,
}

impl HitsKey {
    /// Compared in place, without a key of its own: a frame asks once per
    /// row it draws.
    fn is_for(&self, filter: &str, page: &HistoryPage, loaded_at: Option<chrono::DateTime<chrono::Utc>>) -> bool {
        self.filter == filter
            && self.env == page.env
            && self.offset == page.offset
            && self.rows == page.rows.len()
            && self.ends == ends(page)
            && self.loaded_at == loaded_at
    }
}

/// The numbers of a page's first and last release.
fn ends(page: &HistoryPage) -> Option<(u64, u64)> {
    page.rows
        .first()
        .zip(page.rows.last())
        .map(|(a, b)| (a.number, b.number))
}

impl Dashboard {
    /// A new filter starts at the top.
    pub fn set_filter(&mut self, text: String) {
        self.filter = text;
        self.history = ListPos::default();
    }

    /// The absolute indices (newest = 0) of the loaded releases the filter
    /// matches; `None` without a filter (the list is the whole history).
    fn matches(&self, sh: &Shared) -> Option<Rc<[u64]>> {
        if self.filter.trim().is_empty() {
            return None;
        }
        let Some(page) = sh.history_page() else {
            return Some(Rc::from([]));
        };
        let loaded_at = sh.snap.as_ref().map(|s| s.loaded_at);
        if let Some((k, hits)) = &*self.hits.borrow() {
            if k.is_for(&self.filter, page, loaded_at) {
                return Some(hits.clone());
            }
        }
        let key = HitsKey {
            filter: self.filter.clone(),
            env: page.env.clone(),
            offset: page.offset,
            rows: page.rows.len(),
            ends: ends(page),
            loaded_at,
        };
        let hits: Rc<[u64]> = filtered(&self.filter, page).into();
        *self.hits.borrow_mut() = Some((key, hits.clone()));
        Some(hits)
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

/// The absolute indices of the rows of `page` holding every word of
/// `filter` (case aside) in their number, version, commit, actor, status,
/// action or description.
fn filtered(filter: &str, page: &HistoryPage) -> Vec<u64> {
    let words: Vec<String> = filter.split_whitespace().map(str::to_lowercase).collect();
    let mut hay = String::new();
    let hits = page.rows.iter().enumerate().filter(|(_, r)| {
        hay.clear();
        let _ = write!(
            hay,
            "v{} {} {} {} {} {} {}",
            r.number,
            r.version,
            r.commit,
            r.actor,
            r.status.as_str(),
            r.action.as_str(),
            r.description()
        );
        if hay.is_ascii() {
            hay.make_ascii_lowercase();
        } else {
            hay = hay.to_lowercase();
        }
        words.iter().all(|w| hay.contains(w.as_str()))
    });
    hits.map(|(k, _)| page.offset + k as u64).collect()
}
