//! Team mode in the app (DESIGN §11): the watcher or the reader lost the
//! ledger or reads it again, a broken chain, who else is here — and where
//! this console looks, for the others.

use super::App;
use crate::ledger::Presence;
use crate::tui::event::{Down, Msg, Source, Whereabouts};
use crate::tui::render::theme::State;
use crate::tui::views::View;

impl App {
    /// A message from the watcher, the reader or the presence thread.
    pub(super) fn on_team(&mut self, msg: Msg) {
        match msg {
            Msg::Ledger { source, down } => self.on_ledger(source, down),
            Msg::ChainBroken { seq, why } => self.on_chain_broken(seq, why),
            Msg::Presence(list) => self.on_presence(list),
            _ => {}
        }
    }

    /// The watcher or the reader lost the ledger, or reads it again.
    pub(super) fn on_ledger(&mut self, source: Source, down: Option<Down>) {
        let team = &mut self.shared.team;
        let before = team.down().cloned();
        let slot = match source {
            Source::Watcher => &mut team.watcher_down,
            Source::Reader => &mut team.reader_down,
        };
        if *slot == down {
            return;
        }
        *slot = down;
        let after = team.down().cloned();
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
        if self.shared.team.broken.is_none() {
            self.shared.team.broken = Some((seq, why));
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
        if others != self.shared.team.others {
            self.shared.team.others = others;
            self.dirty = true;
        }
    }

    /// Where this console looks now.
    pub fn whereabouts(&self) -> Whereabouts {
        let sh = &self.shared;
        let item = (self.view == View::Checklists)
            .then(|| self.views.checklists.highlighted_key(sh))
            .flatten();
        Whereabouts {
            view: self.view.mode().to_string(),
            env: Some(sh.env_name().to_string()).filter(|e| !e.is_empty()),
            item,
        }
    }
}
