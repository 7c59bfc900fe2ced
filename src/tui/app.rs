//! The one owner of UI state. `update(msg)` changes it and returns the work
//! to do (`Effect`s); it never does I/O, so tests drive it headlessly.

use chrono::{DateTime, Utc};
use ratatui::layout::Rect;

pub use super::audit_rows::AuditRow;
pub use super::commits::{Commits, CommitsKey};
use super::event::{Effect, Msg};
pub use super::flag_history::{Cached, FlagHistory, FlagHistoryKey};
use super::keys;
use super::popups::{Outcome, Popup};
use super::snapshot::{Query, Snapshot};
use super::theme::State;
pub use super::view::View;
use crate::config::{Config, Keymap};
use crate::ops::status::EnvStatus;

/// A cursor and the first row shown, for one list.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ListPos {
    pub cursor: u64,
    pub scroll: u64,
}

/// A job this console started and has not heard the end of.
#[derive(Debug, Clone)]
pub struct Running {
    pub id: u64,
    pub label: String,
    pub hook: bool,
}

/// Everything needed to build an App (tests use the same).
pub struct AppInit {
    pub config: Config,
    pub actor: String,
    pub read_only: bool,
    pub now: DateTime<Utc>,
    pub size: (u16, u16),
}

pub struct App {
    pub config: Config,
    pub keymap: Keymap,
    pub actor: String,
    pub read_only: bool,
    pub now: DateTime<Utc>,
    pub area: Rect,
    pub view: View,
    /// Index into config.environments (pipeline order).
    pub env: usize,
    pub snap: Option<Snapshot>,
    pub query: Query,
    pub history: ListPos,
    pub audit: ListPos,
    pub audit_rows: Vec<AuditRow>,
    /// A snapshot with the audit trail has arrived (it loads with the view).
    pub audit_loaded: bool,
    pub audit_filter: String,
    pub checks: ListPos,
    pub flags: ListPos,
    /// Health view: `cursor` is the first line shown.
    pub health_pos: ListPos,
    pub popups: Vec<Popup>,
    pub status: Option<(String, State)>,
    pub running: Vec<Running>,
    /// Live health from the pollers: lights, latency, sparklines.
    pub health: crate::health::Board,
    /// Commits between releases, per (env, from, to), when `project.repo` is set.
    pub commits: std::collections::HashMap<CommitsKey, Commits>,
    /// Flag-change histories per (flag, env), for the Flags view.
    pub flag_histories: std::collections::HashMap<FlagHistoryKey, Cached>,
    /// Team mode: the ledger's reachability, a broken chain, who else is here.
    pub team: super::team::Team,
    pub spin: usize,
    pub dirty: bool,
    pub quit: bool,
    pub(super) quit_armed: bool,
    pub(super) next_id: u64,
}

impl App {
    pub fn new(init: AppInit) -> App {
        let keymap = init.config.keymap.clone();
        let first = init
            .config
            .environments
            .first()
            .map(|e| e.name.clone())
            .unwrap_or_default();
        let area = Rect::new(0, 0, init.size.0, init.size.1);
        App {
            keymap,
            actor: init.actor,
            read_only: init.read_only,
            now: init.now,
            area,
            view: View::Dashboard,
            env: 0,
            snap: None,
            query: Query::first(&first, super::layout::history_rows(area)),
            history: ListPos::default(),
            audit: ListPos::default(),
            audit_rows: Vec::new(),
            audit_loaded: false,
            audit_filter: String::new(),
            checks: ListPos::default(),
            flags: ListPos::default(),
            health_pos: ListPos::default(),
            popups: Vec::new(),
            status: None,
            running: Vec::new(),
            health: crate::health::Board::default(),
            commits: std::collections::HashMap::new(),
            flag_histories: std::collections::HashMap::new(),
            team: super::team::Team::default(),
            spin: 0,
            dirty: true,
            quit: false,
            quit_armed: false,
            next_id: 1,
            config: init.config,
        }
    }

    pub fn update(&mut self, msg: Msg) -> Vec<Effect> {
        let mut effects = self.on_message(msg);
        // Whatever moved, a detail pane may now want another commit list
        // or flag history (or the ledger moved under the one shown).
        effects.extend(self.want_commits());
        effects.extend(self.want_flag_history());
        effects
    }

    fn on_message(&mut self, msg: Msg) -> Vec<Effect> {
        match msg {
            Msg::Key(k) => {
                self.dirty = true;
                self.on_key(&k)
            }
            Msg::Resize(w, h) => {
                self.resize(w, h);
                // A taller list may show rows the loaded window lacks.
                self.history_window()
            }
            Msg::Clock(now) => {
                if self.age_fingerprint(now) != self.age_fingerprint(self.now) {
                    self.dirty = true;
                }
                self.now = now;
                Vec::new()
            }
            Msg::Spin => {
                self.spin = self.spin.wrapping_add(1);
                self.dirty = true;
                Vec::new()
            }
            Msg::Snapshot(s) => {
                self.on_snapshot(*s);
                self.dirty = true;
                self.replan()
            }
            Msg::Previewed { id, result } => {
                if let Some(d) = self.dialog_mut(id) {
                    d.set_preview(result);
                    self.dirty = true;
                }
                Vec::new()
            }
            Msg::Progress { id, progress } => {
                if let Some(d) = self.dialog_mut(id) {
                    d.on_progress(progress);
                    self.dirty = true;
                }
                Vec::new()
            }
            Msg::Finished { id, result } => self.on_finished(id, result),
            Msg::Health(u) => {
                self.health.apply(u);
                self.dirty = true;
                Vec::new()
            }
            Msg::BackendError(e) => {
                self.set_status(e, State::Error);
                Vec::new()
            }
            m @ (Msg::Ledger { .. } | Msg::ChainBroken { .. } | Msg::Presence(_)) => {
                self.on_team(m);
                Vec::new()
            }
            Msg::Commits { key, result } => {
                self.on_commits(key, result);
                Vec::new()
            }
            Msg::FlagHistory { key, seq, result } => {
                self.on_flag_history(key, seq, result);
                Vec::new()
            }
        }
    }

    /// The terminal size changed (the loop passes the new size).
    pub fn resize(&mut self, w: u16, h: u16) {
        self.area = Rect::new(0, 0, w, h);
        self.follow_all();
        self.dirty = true;
    }

    /// Something is moving: the loop ticks the spinner only then.
    pub fn busy(&self) -> bool {
        !self.running.is_empty()
            || self
                .popups
                .iter()
                .any(|p| matches!(p, Popup::Dialog(d) if d.phase == super::popups::Phase::Planning))
    }

    pub fn set_status(&mut self, text: impl Into<String>, level: State) {
        self.status = Some((text.into(), level));
        self.dirty = true;
    }

    pub fn env_name(&self) -> &str {
        self.config.environments.get(self.env).map_or("", |e| e.name.as_str())
    }

    pub fn env_status(&self) -> Option<&EnvStatus> {
        self.snap
            .as_ref()
            .and_then(|s| s.status.environments.iter().find(|e| e.name == self.env_name()))
    }

    /// Releases in the selected env's history.
    pub fn history_total(&self) -> u64 {
        self.env_status().map_or(0, |e| e.releases)
    }

    /// The snapshot's history, only if it belongs to the selected env.
    pub fn history_page(&self) -> Option<&super::snapshot::HistoryPage> {
        self.snap
            .as_ref()
            .map(|s| &s.history)
            .filter(|h| h.env == self.env_name())
    }

    pub fn next_id(&mut self) -> u64 {
        self.next_id += 1;
        self.next_id
    }

    fn on_snapshot(&mut self, s: Snapshot) {
        // A snapshot without the trail (the Audit view is closed) keeps the old rows.
        if s.query.audit {
            self.audit_rows = s.audit.iter().map(AuditRow::new).collect();
            self.audit_loaded = true;
        }
        self.snap = Some(s);
        // A snapshot proves the reader can read the ledger again.
        self.on_ledger(super::team::Source::Reader, None);
        self.follow_all();
    }

    fn dialog_mut(&mut self, id: u64) -> Option<&mut super::popups::Dialog> {
        self.popups.iter_mut().find_map(|p| match p {
            Popup::Dialog(d) if d.id == id => Some(d.as_mut()),
            _ => None,
        })
    }

    fn on_finished(&mut self, id: u64, result: Result<String, String>) -> Vec<Effect> {
        self.running.retain(|r| r.id != id);
        self.dirty = true;
        let level = if result.is_ok() { State::Ok } else { State::Error };
        let text = match &result {
            Ok(m) | Err(m) => m.clone(),
        };
        self.set_status(text, level);
        let quick = self.dialog_mut(id).map(|d| !d.intent.runs_hook());
        match quick {
            // Approve, clear hold, resolve: close on success, keep the error in view.
            Some(true) if result.is_ok() => self.popups.retain(|p| !matches!(p, Popup::Dialog(d) if d.id == id)),
            Some(_) => {
                if let Some(d) = self.dialog_mut(id) {
                    d.finish(result);
                }
            }
            None => {}
        }
        vec![Effect::Query(self.query.clone())]
    }

    fn on_key(&mut self, key: &ratatui::crossterm::event::KeyEvent) -> Vec<Effect> {
        if let Some(top) = self.popups.last_mut() {
            let out = top.component_mut().on_key(key);
            return self.on_outcome(out);
        }
        let Some(spec) = keys::spec(key) else { return Vec::new() };
        // A second `q` quits even with a hook running; any other key disarms.
        let armed = std::mem::take(&mut self.quit_armed);
        match self.keymap.lookup(self.view.mode(), spec) {
            Some(crate::config::Command::Quit) => self.quit(armed),
            Some(cmd) => self.command(cmd),
            None => Vec::new(),
        }
    }

    fn on_outcome(&mut self, out: Outcome) -> Vec<Effect> {
        match out {
            Outcome::Consumed => Vec::new(),
            Outcome::Close => {
                self.popups.pop();
                Vec::new()
            }
            Outcome::CommandLine(line) => {
                self.popups.pop();
                self.command_line(&line)
            }
            Outcome::Filter(text) => {
                self.audit_filter = text;
                self.audit = ListPos::default();
                Vec::new()
            }
            Outcome::FilterDone(text) => {
                self.popups.pop();
                self.audit_filter = text;
                self.audit = ListPos::default();
                Vec::new()
            }
            Outcome::FilterCleared => {
                self.popups.pop();
                self.audit_filter.clear();
                self.audit = ListPos::default();
                Vec::new()
            }
            Outcome::Tick(req) => {
                self.popups.pop();
                let job = super::event::Job::act(crate::ops::intent::Intent::Tick(req));
                let label = self.job_label(&job);
                self.start(job, label)
            }
            Outcome::Run(job) => {
                let id = match self.popups.last() {
                    Some(Popup::Dialog(d)) => d.id,
                    _ => self.next_id(),
                };
                let label = self.job_label(&job);
                self.running.push(Running {
                    id,
                    label,
                    hook: job.runs_hook(),
                });
                // The status line tells of the run from now on (if the dialog is hidden).
                self.status = None;
                vec![Effect::Run { id, job }]
            }
            Outcome::Cancel => self.cancel(),
            Outcome::Prompted(kind, text) => {
                self.popups.pop();
                self.flag_prompted(kind, text)
            }
        }
    }

    /// A fingerprint of every relative age on screen, so the clock redraws
    /// only when one of them would read differently.
    fn age_fingerprint(&self, now: DateTime<Utc>) -> Vec<String> {
        let Some(s) = &self.snap else { return Vec::new() };
        let mut out: Vec<String> = s
            .status
            .environments
            .iter()
            .filter_map(|e| e.release.as_ref())
            .map(|r| super::format::age(now, r.deployed_at))
            .collect();
        if let Some(h) = self.history_page() {
            let rows = u64::from(super::layout::history_rows(self.view_area()));
            for i in self.history.scroll..self.history.scroll + rows {
                if let Some(r) = h.get(i) {
                    out.push(super::format::age(now, r.started_at));
                }
            }
        }
        if let (View::Flags, Some(super::flag_history::FlagHistory::Ready(list))) = (self.view, self.flag_history()) {
            out.extend(list.iter().map(|c| super::format::age(now, c.at)));
        }
        // Lease countdowns only while a lease is shown: otherwise the clock
        // redraws nothing.
        out.extend(self.lease_fingerprint(now));
        out
    }
}
