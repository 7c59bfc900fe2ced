//! Team mode as the app sees it (DESIGN §11): whether the ledger can be
//! read (the banner), a broken chain, who else is here and where they look,
//! and the lease countdowns on cards. Pure state and words: the threads that
//! watch, read and announce live in `watcher`, `reader` and `presence`.

use chrono::{DateTime, Utc};

use super::app::{App, View};
use super::theme::State;
use crate::ledger::Presence;
use crate::ops::status::DeploymentSummary;

/// Which thread lost the ledger.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// The thread that waits for new events (LISTEN, or data_version).
    Watcher,
    /// The thread that loads snapshots and plans.
    Reader,
}

/// The ledger could not be read: where it is and the store's own words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Down {
    pub location: String,
    pub error: String,
}

/// Where this console looks, as announced to the others.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Whereabouts {
    pub view: String,
    pub env: Option<String>,
    /// The highlighted checklist item (`item_key`), in the Checklists view.
    pub item: Option<String>,
}

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
}

/// A checklist item as announced and matched: "pre-deploy@1.4.2#3".
pub fn item_key(checklist: &str, build: &str, n: u32) -> String {
    format!("{checklist}@{build}#{n}")
}

impl App {
    /// A message from the watcher, the reader or the presence thread.
    pub(super) fn on_team(&mut self, msg: super::event::Msg) {
        use super::event::Msg;
        match msg {
            Msg::Ledger { source, down } => self.on_ledger(source, down),
            Msg::ChainBroken { seq, why } => self.on_chain_broken(seq, why),
            Msg::Presence(list) => self.on_presence(list),
            _ => {}
        }
    }

    /// The watcher or the reader lost the ledger, or reads it again.
    pub(super) fn on_ledger(&mut self, source: Source, down: Option<Down>) {
        let before = self.team.down().cloned();
        let slot = match source {
            Source::Watcher => &mut self.team.watcher_down,
            Source::Reader => &mut self.team.reader_down,
        };
        if *slot == down {
            return;
        }
        *slot = down;
        let after = self.team.down().cloned();
        match (&before, &after) {
            // The banner says where and since when; the status line, the store's words.
            (None, Some(d)) => self.set_status(format!("✖ {}", d.error), State::Error),
            (Some(d), None) => self.set_status(format!("✔ ledger {} is back", d.location), State::Ok),
            _ => {}
        }
        if before.is_some() != after.is_some() {
            // The banner takes (or gives back) a row: lists keep their cursor visible.
            self.follow_all();
        }
        self.dirty = true;
    }

    fn on_chain_broken(&mut self, seq: u64, why: String) {
        if self.team.broken.is_none() {
            self.team.broken = Some((seq, why));
            self.follow_all();
            self.dirty = true;
        }
    }

    fn on_presence(&mut self, list: Vec<Presence>) {
        let mut others: Vec<Presence> = Vec::new();
        for p in list {
            if !others.iter().any(|o| o.actor == p.actor) {
                others.push(Presence { seen_ms: 0, ..p });
            }
        }
        if others != self.team.others {
            self.team.others = others;
            self.dirty = true;
        }
    }

    /// Where this console looks now.
    pub fn whereabouts(&self) -> Whereabouts {
        let item = (self.view == View::Checklists)
            .then(|| self.highlighted_item_key())
            .flatten();
        Whereabouts {
            view: self.view.mode().to_string(),
            env: Some(self.env_name().to_string()).filter(|e| !e.is_empty()),
            item,
        }
    }

    fn highlighted_item_key(&self) -> Option<String> {
        let (ri, ii) = *self.check_items().get(self.checks.cursor as usize)?;
        let run = self.snap.as_ref()?.runs.get(ri)?;
        let it = run.items.get(ii)?;
        Some(item_key(&run.name, &run.build, it.n))
    }

    /// Others whose cursor is on `key` in the Checklists view of this env.
    pub fn partners_on(&self, key: &str) -> Vec<&str> {
        self.team
            .others
            .iter()
            .filter(|p| p.view == View::Checklists.mode())
            .filter(|p| p.env.as_deref() == Some(self.env_name()))
            .filter(|p| p.item.as_deref() == Some(key))
            .map(|p| p.actor.as_str())
            .collect()
    }

    /// Seconds left on a live lease of `d`, counted down by this console's
    /// clock since the snapshot was loaded (≤ 0: expired just now).
    pub fn lease_left(&self, d: &DeploymentSummary) -> Option<i64> {
        let l = d.lease.as_ref().filter(|l| !l.expired && d.state == "started")?;
        let loaded = self.snap.as_ref()?.loaded_at;
        Some(l.expires_in_s - (self.now - loaded).num_seconds())
    }

    /// Every countdown the dashboard shows, for the clock's redraw check.
    pub(super) fn lease_fingerprint(&self, now: DateTime<Utc>) -> Vec<String> {
        let Some(s) = self.snap.as_ref().filter(|_| self.view == View::Dashboard) else {
            return Vec::new();
        };
        s.status
            .environments
            .iter()
            .filter_map(|e| e.deployment.as_ref())
            .filter_map(|d| {
                let l = d.lease.as_ref().filter(|l| !l.expired && d.state == "started")?;
                Some(format!(
                    "{}",
                    (l.expires_in_s - (now - s.loaded_at).num_seconds()).max(0)
                ))
            })
            .collect()
    }

    /// The banner across the top, when the ledger is gone or its chain broke.
    pub fn banner(&self, width: usize) -> Option<(String, State)> {
        use super::format::cols;
        // The banner is drawn after one column of margin.
        let width = width.saturating_sub(1);
        if let Some((seq, why)) = &self.team.broken {
            let long = format!("✖ the ledger's chain is broken at seq {seq} ({why}): run relcon audit verify");
            let short = format!("✖ the ledger's chain is broken at seq {seq}: run relcon audit verify");
            let text = if cols(&long) <= width { long } else { short };
            return Some((text, State::Error));
        }
        let d = self.team.down()?;
        let what = if d.location.starts_with("postgres://") {
            "unreachable"
        } else {
            "cannot be read"
        };
        let at = self
            .snap
            .as_ref()
            .map(|s| s.loaded_at.format("%H:%M:%S UTC").to_string());
        let state = at.as_deref().map_or_else(
            || "nothing loaded yet".to_string(),
            |t| format!("showing the state of {t}"),
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

    /// The area the views get: the whole screen, less the banner's row.
    pub fn view_area(&self) -> ratatui::layout::Rect {
        let a = self.area;
        if self.banner(a.width as usize).is_some() && a.height > 1 {
            ratatui::layout::Rect {
                y: a.y + 1,
                height: a.height - 1,
                ..a
            }
        } else {
            a
        }
    }
}

/// "also here: bo (checklists · staging) · cy (dashboard · prod)", then
/// shorter: names only, then a count. Empty when nobody else is here.
pub fn others_forms(others: &[Presence]) -> Vec<String> {
    use super::format::text;
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
