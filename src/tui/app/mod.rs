//! The one owner of UI state. `update(msg)` changes it and returns the work
//! to do (`Effect`s); it never does I/O, so tests drive it headlessly.
//! The App holds what every view shares (`Shared`), each view's own state
//! (`Views`), the popup stack and the jobs this console started.

mod filter;
mod incident;
mod keys;
mod mouse;
mod navigate;
mod team;
mod work;

use chrono::{DateTime, Utc};
use ratatui::layout::Rect;

use super::dialogs::{Dialog, Phase, Popup};
use super::event::{Effect, Msg};
use super::render::layout;
use super::render::theme::State;
use super::snapshot::{Query, Snapshot};
use super::views::team::Team;
use super::views::{Shared, View, Views};
use crate::config::Config;

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
    /// What every view reads: config, clock, snapshot, live health, team.
    pub shared: Shared,
    /// The view shown.
    pub view: View,
    /// Each view's own state (cursor, scroll, filter, caches).
    pub views: Views,
    /// What the reader loads for this console.
    pub query: Query,
    pub popups: Vec<Popup>,
    pub status: Option<(String, State)>,
    pub running: Vec<Running>,
    pub dirty: bool,
    /// Only latency figures and sparklines moved (health samples whose
    /// state, reason and version did not change): drawn at most once per
    /// `HEALTH_FRAME`, so a thousand pollers do not each cost a frame.
    pub health_dirty: bool,
    pub quit: bool,
    /// Keys typed while what they act on loads (the first snapshot, a
    /// view's rows, a dialog's preview): replayed, in order, once it is there.
    pub queued: std::collections::VecDeque<ratatui::crossterm::event::KeyEvent>,
    /// A hook's dialog hidden with Esc while it ran: `o` shows it again.
    pub hidden: Option<Box<Dialog>>,
    /// The env whose rollout this console's driver leaves alone (a person
    /// has its abort or advance dialog open), as last told to the driver.
    pub held_rollout: Option<String>,
    /// Lines given to `:`, oldest first (Up/Down recall them).
    pub cmd_history: Vec<String>,
    quit_armed: bool,
    next_id: u64,
}

/// The user config's `[skin.ENV]` themes, by env name; a skin that does not
/// load is left out, and said once on the status line.
fn resolve_skins(
    config: &Config,
) -> (
    std::collections::BTreeMap<String, super::render::theme::Theme>,
    Option<String>,
) {
    let mut skins = std::collections::BTreeMap::new();
    let mut bad = None;
    for (env, name) in &config.skins {
        match super::pick_theme(None, name, &config.dir) {
            Ok(t) => {
                skins.insert(env.clone(), t);
            }
            Err(e) => bad = bad.or(Some(format!("▲ skin for {env}: {e}; using the main theme"))),
        }
    }
    (skins, bad)
}

impl App {
    pub fn new(init: AppInit) -> App {
        let first = init
            .config
            .environments
            .first()
            .map(|e| e.name.clone())
            .unwrap_or_default();
        let area = Rect::new(0, 0, init.size.0, init.size.1);
        let (skins, bad_skin) = resolve_skins(&init.config);
        App {
            shared: Shared {
                keymap: init.config.keymap.clone(),
                config: init.config,
                actor: init.actor,
                read_only: init.read_only,
                now: init.now,
                area,
                env: 0,
                snap: None,
                health: crate::health::Board::default(),
                team: Team::default(),
                spin: 0,
                picked: false,
                skins,
            },
            view: View::Dashboard,
            views: Views::default(),
            query: Query::first(&first, layout::history_rows(area)),
            popups: Vec::new(),
            status: bad_skin.map(|e| (e, State::Warn)),
            running: Vec::new(),
            dirty: true,
            health_dirty: false,
            quit: false,
            queued: Default::default(),
            hidden: None,
            held_rollout: None,
            cmd_history: Vec::new(),
            quit_armed: false,
            next_id: 1,
        }
    }

    pub fn update(&mut self, msg: Msg) -> Vec<Effect> {
        let mut effects = self.on_message(msg);
        self.sync_incident();
        effects.extend(self.replay());
        // Whatever moved, a detail pane may now want another commit list
        // or flag history (or the ledger moved under the one shown).
        let (sh, v) = (&self.shared, &mut self.views);
        effects.extend(match self.view {
            View::Dashboard => v.dashboard.want_commits(sh),
            View::Flags => v.flags.want_history(sh),
            _ => Vec::new(),
        });
        effects.extend(self.hold_rollout());
        effects
    }

    /// While a person has a rollout's abort or advance dialog open (not yet
    /// done), this console's driver must not move that rollout under them
    /// (a new-user run: it completed at 100 % while the abort was typed).
    fn hold_rollout(&mut self) -> Option<Effect> {
        use crate::ops::intent::Intent;
        let wanted = self.popups.iter().find_map(|p| match p {
            Popup::Dialog(d) if !matches!(d.phase, crate::tui::dialogs::Phase::Done(_)) => match &d.intent {
                Intent::Rollout { env, .. } => Some(env.clone()),
                _ => None,
            },
            _ => None,
        });
        if wanted == self.held_rollout {
            return None;
        }
        self.held_rollout = wanted.clone();
        Some(Effect::HoldRollout(wanted))
    }

    fn on_message(&mut self, msg: Msg) -> Vec<Effect> {
        match msg {
            Msg::Key(k) => {
                self.dirty = true;
                self.on_key(&k)
            }
            Msg::Mouse(m) => self.on_mouse(m),
            Msg::Resize(w, h) => {
                self.resize(w, h);
                // A taller list may show rows the loaded window lacks.
                self.history_window()
            }
            Msg::Clock(now) => {
                // The loop wakes the clock only when text on screen is due
                // to read differently (`render::redraw_at`).
                self.shared.now = now;
                self.dirty = true;
                Vec::new()
            }
            Msg::Spin => {
                self.shared.spin = self.shared.spin.wrapping_add(1);
                self.dirty = true;
                Vec::new()
            }
            Msg::Snapshot(s) => {
                self.on_snapshot(*s);
                self.dirty = true;
                let mut effects = self.replan();
                if !self.views.dashboard.filter.is_empty() {
                    // A filtered history needs all of it (another env, more releases).
                    effects.extend(self.history_window());
                }
                effects
            }
            Msg::Previewed { id, result } => {
                if let Some(d) = self.dialog_mut(id) {
                    d.set_preview(result);
                    self.dirty = true;
                } else if let Some(p) = self.incident_panel().filter(|p| p.id == id) {
                    p.set_preview(result);
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
            Msg::Diff { id, result } => {
                self.on_diff(id, result);
                Vec::new()
            }
            Msg::Health(u) => {
                // A light that changes is drawn at once; a new latency only
                // with the next health frame.
                if self.shared.health.apply(u) {
                    self.dirty = true;
                } else {
                    self.health_dirty = true;
                }
                Vec::new()
            }
            Msg::BackendError(e) => {
                self.set_status(e, State::Error);
                Vec::new()
            }
            Msg::RolloutAborted { env, rollout, why } => {
                self.set_status(
                    format!("✖ {env}: rollout {rollout} aborted by the analysis — {why}"),
                    State::Error,
                );
                Vec::new()
            }
            m @ (Msg::Ledger { .. } | Msg::ChainBroken { .. } | Msg::Presence(_)) => {
                self.on_team(m);
                Vec::new()
            }
            Msg::Commits { key, result } => {
                self.views.dashboard.on_commits(key, result);
                self.dirty = true;
                Vec::new()
            }
            Msg::FlagHistory { key, seq, result } => {
                self.views.flags.on_history(key, seq, result);
                self.dirty = true;
                Vec::new()
            }
        }
    }

    /// The terminal size changed (the loop passes the new size).
    pub fn resize(&mut self, w: u16, h: u16) {
        self.shared.area = Rect::new(0, 0, w, h);
        self.follow_all();
        self.dirty = true;
    }

    /// Something is moving: the loop ticks the spinner only then.
    pub fn busy(&self) -> bool {
        !self.running.is_empty()
            || self
                .popups
                .iter()
                .any(|p| matches!(p, Popup::Dialog(d) if d.phase == Phase::Planning))
    }

    pub fn set_status(&mut self, text: impl Into<String>, level: State) {
        self.status = Some((text.into(), level));
        self.dirty = true;
    }

    /// An error on the status line, and, when it is longer than that line,
    /// whole in a pane (`title`, what it was about, the error): the end of
    /// an outage's message is often the part that says what to do. True
    /// when the pane opened.
    fn say_error(&mut self, text: &str, title: &str, about: (&str, &str)) -> bool {
        self.set_status(text, State::Error);
        if text.chars().count() + 2 <= self.shared.area.width as usize {
            return false;
        }
        let rows = vec![
            (about.0.to_string(), about.1.to_string()),
            ("error".to_string(), text.to_string()),
        ];
        let pane = crate::tui::dialogs::TextPane::new(title.to_string(), rows);
        self.popups.push(Popup::Text(Box::new(pane)));
        true
    }

    fn next_id(&mut self) -> u64 {
        self.next_id += 1;
        self.next_id
    }

    fn on_snapshot(&mut self, mut s: Snapshot) {
        // A snapshot without the trail (the Audit view is closed) keeps the old rows.
        if s.query.audit {
            self.views.audit.on_trail(&s.audit);
        }
        // Late for a key that turned to an env beside it: it holds that env too.
        if s.query.env != self.query.env {
            s.turn_to(&self.query);
        }
        self.shared.snap = Some(s);
        // A snapshot proves the reader can read the ledger again.
        self.on_ledger(super::event::Source::Reader, None);
        self.follow_all();
    }

    /// What changed: for the diff pane, or the one line a dialog shows.
    fn on_diff(&mut self, id: u64, result: Result<Box<crate::ops::diff::Diff>, String>) {
        self.dirty = true;
        if let Some(d) = self.dialog_mut(id) {
            // Before a first release there is nothing to go back to: a
            // rollback's "takes out" line would name what cannot happen.
            let nothing_before = matches!(&result, Ok(x) if x.first_release());
            if !(nothing_before && matches!(d.intent, crate::ops::intent::Intent::Rollback { .. })) {
                d.change = Some(result.map(|d| d.summary.clone()));
            }
            return;
        }
        for p in &mut self.popups {
            if let Popup::Diff(pane) = p {
                if pane.id == id {
                    pane.diff = Some(result);
                    return;
                }
            }
        }
    }

    fn dialog_mut(&mut self, id: u64) -> Option<&mut Dialog> {
        let shown = self.popups.iter_mut().find_map(|p| match p {
            Popup::Dialog(d) if d.id == id => Some(d.as_mut()),
            _ => None,
        });
        shown.or_else(|| self.hidden.as_deref_mut().filter(|d| d.id == id))
    }
}
