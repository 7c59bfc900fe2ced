//! What every view reads: the config and keymap, who is here, the clock,
//! the terminal's area, the selected environment, the snapshot from the
//! reader, live health from the pollers and the team's state.

use chrono::{DateTime, Utc};
use ratatui::layout::Rect;

use super::team::Team;
use crate::config::{Config, Keymap};
use crate::domain::DeploymentStatus;
use crate::ops::status::{DeploymentSummary, EnvStatus};
use crate::tui::render::theme::{State, Theme};
use crate::tui::snapshot::{HistoryPage, Snapshot};

#[derive(Debug)]
pub struct Shared {
    pub config: Config,
    pub keymap: Keymap,
    pub actor: String,
    pub read_only: bool,
    pub now: DateTime<Utc>,
    /// The whole terminal.
    pub area: Rect,
    /// Index into config.environments (pipeline order).
    pub env: usize,
    /// The person chose the env (else incident mode means prod).
    pub picked: bool,
    pub snap: Option<Snapshot>,
    /// Live health from the pollers: lights, latency, sparklines.
    pub health: crate::health::Board,
    /// Team mode: the ledger's reachability, a broken chain, who else is here.
    pub team: Team,
    /// The spinner's frame.
    pub spin: usize,
    /// Per-environment themes (`[skin.ENV]` in the user config), resolved once.
    pub skins: std::collections::BTreeMap<String, Theme>,
}

impl Shared {
    /// The theme to draw `env` with: its skin, else `base`. `NO_COLOR`
    /// (a monochrome base) wins over every skin.
    pub fn skin<'a>(&'a self, env: &str, base: &'a Theme) -> &'a Theme {
        match self.skins.get(env) {
            Some(t) if !base.mono => t,
            _ => base,
        }
    }

    pub fn env_name(&self) -> &str {
        self.config.environments.get(self.env).map_or("", |e| e.name.as_str())
    }

    /// Where `!` opens an incident: the env the person selected, else the
    /// last of the pipeline (prod), where 3 a.m. pages come from.
    pub fn incident_env(&self) -> &str {
        if self.picked {
            return self.env_name();
        }
        self.config.environments.last().map_or("", |e| e.name.as_str())
    }

    /// What the `:` line completes to besides verbs: envs, flags, versions.
    pub fn completions(&self) -> crate::tui::input::cmdline::Words {
        let mut names: Vec<String> = self.config.environments.iter().map(|e| e.name.clone()).collect();
        names.extend(self.config.flags.keys().cloned());
        if let Some(s) = &self.snap {
            for e in &s.status.environments {
                names.extend(e.release.as_ref().map(|r| r.version.clone()));
                names.extend(e.pending.as_ref().map(|p| p.version.clone()));
            }
            names.extend(s.history.rows.iter().map(|r| r.version.clone()));
        }
        names.sort();
        names.dedup();
        crate::tui::input::cmdline::Words { names }
    }

    /// `name`'s status in the snapshot.
    pub fn status_of(&self, name: &str) -> Option<&EnvStatus> {
        self.snap
            .as_ref()
            .and_then(|s| s.status.environments.iter().find(|e| e.name == name))
    }

    /// What a view whose data has not come yet says: it is on its way, or,
    /// while the ledger cannot be read, that it will not come until then
    /// (not "loading…" for the whole outage).
    pub fn loading(&self, what: &str) -> String {
        match self.team.down() {
            Some(_) => format!("{what} not loaded: the ledger cannot be read right now"),
            None => format!("loading {what}…"),
        }
    }

    /// The selected env's status.
    pub fn env_status(&self) -> Option<&EnvStatus> {
        self.status_of(self.env_name())
    }

    /// Releases in the selected env's history.
    pub fn history_total(&self) -> u64 {
        self.env_status().map_or(0, |e| e.releases)
    }

    /// The snapshot's history, only if it belongs to the selected env.
    pub fn history_page(&self) -> Option<&HistoryPage> {
        self.snap
            .as_ref()
            .map(|s| &s.history)
            .filter(|h| h.env == self.env_name())
    }

    /// Seconds left on a live lease of `d`, counted down by this console's
    /// clock since the snapshot was loaded (≤ 0: expired just now).
    pub fn lease_left(&self, d: &DeploymentSummary) -> Option<i64> {
        let l = d.lease.as_ref().filter(|l| !l.expired && running(d))?;
        let loaded = self.snap.as_ref()?.loaded_at;
        crate::tui::render::redraw_at::every_second(self.now);
        Some(l.expires_in_s - (self.now - loaded).num_seconds())
    }

    /// The banner across the top, when the ledger is gone or its chain broke.
    pub fn banner(&self, width: usize) -> Option<(String, State)> {
        let loaded = self.snap.as_ref().map(|s| s.loaded_at);
        self.team.banner(width, loaded)
    }

    /// The area the views get: the whole screen, less the banner's row.
    pub fn view_area(&self) -> Rect {
        let a = self.area;
        if self.banner(a.width as usize).is_some() && a.height > 1 {
            Rect {
                y: a.y + 1,
                height: a.height - 1,
                ..a
            }
        } else {
            a
        }
    }
}

/// A deployment still running (its hook has not ended).
pub fn running(d: &DeploymentSummary) -> bool {
    d.state == DeploymentStatus::Started
}

/// A deployment whose process died, waiting for a person to resolve it.
pub fn interrupted(d: &DeploymentSummary) -> bool {
    d.state == DeploymentStatus::Interrupted
}
