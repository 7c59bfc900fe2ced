//! "What changed" for the detail pane: the commits between the highlighted
//! release and the previous succeeded release of its env, when
//! `project.repo` is set. git runs on a worker thread; answers are cached
//! here per (env, from, to), so moving back to a release costs nothing.

use super::Dashboard;
use crate::domain::{Action, DeploymentStatus};
use crate::ops::commits::CommitSummary;
use crate::tui::event::{CommitsKey, Effect};
use crate::tui::views::Shared;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Commits {
    Loading,
    Ready(Vec<CommitSummary>),
    Failed(String),
}

/// What the detail pane can say about the highlighted release's commits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CommitsTarget {
    /// Nothing earlier succeeded in this env: nothing to compare with.
    First,
    /// Compare with release `prev`. A rollback lists what it took out
    /// (the key is reversed: commits in `prev`, not in the rollback).
    Since { prev: u64, rollback: bool, key: CommitsKey },
}

/// Cached lists kept at most; past that the cache starts over.
const CACHE: usize = 256;

impl Dashboard {
    /// The comparison for the highlighted release, if the repo is set and
    /// the previous succeeded release is in the loaded history window.
    pub fn commits_target(&self, sh: &Shared) -> Option<CommitsTarget> {
        sh.config.project.repo.as_ref()?;
        let page = sh.history_page()?;
        let at = self.history.cursor;
        let r = page.get(at)?;
        let prev = match &page.filtered {
            // The rows between matches are not loaded: the reader said.
            Some(f) => *f.prev_succeeded.get(&r.number)?,
            None => (at + 1..page.offset + page.rows.len() as u64)
                .filter_map(|i| page.get(i))
                .find(|p| p.status == DeploymentStatus::Succeeded)
                .map(|p| p.number),
        };
        let Some(prev) = prev else {
            // Past the window's end there may be one; the window will grow.
            let loaded_to_the_end = page.filtered.is_some() || page.offset + page.rows.len() as u64 >= page.total;
            return loaded_to_the_end.then_some(CommitsTarget::First);
        };
        let rollback = r.action == Action::Rollback;
        let (from, to) = if rollback { (r.number, prev) } else { (prev, r.number) };
        Some(CommitsTarget::Since {
            prev,
            rollback,
            key: CommitsKey {
                env: r.env.clone(),
                from,
                to,
            },
        })
    }

    /// Ask the worker for the highlighted release's commits, once.
    pub fn want_commits(&mut self, sh: &Shared) -> Vec<Effect> {
        let Some(CommitsTarget::Since { key, .. }) = self.commits_target(sh) else {
            return Vec::new();
        };
        if self.commits.contains_key(&key) {
            return Vec::new();
        }
        if self.commits.len() >= CACHE {
            self.commits.clear();
        }
        self.commits.insert(key.clone(), Commits::Loading);
        vec![Effect::Commits(key)]
    }

    /// The worker's answer; `None` when a newer request made it skip this
    /// one (asked again if it is still highlighted).
    pub fn on_commits(&mut self, key: CommitsKey, result: Option<Result<Vec<CommitSummary>, String>>) {
        match result {
            Some(Ok(list)) => {
                self.commits.insert(key, Commits::Ready(list));
            }
            Some(Err(e)) => {
                self.commits.insert(key, Commits::Failed(e));
            }
            None => {
                self.commits.remove(&key);
            }
        }
    }
}
