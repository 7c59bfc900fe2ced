//! Moving around: views, environments, list cursors, and asking the
//! reader for the rows a list is about to show (a history window, an older
//! page of the audit trail).

use super::App;
use crate::config::Command;
use crate::tui::dialogs::{Popup, Prompt, PromptKind};
use crate::tui::event::Effect;
use crate::tui::render::layout;
use crate::tui::snapshot::Query;
use crate::tui::views::{health, ListPos, View};

/// How far a list cursor moves.
#[derive(Debug, Clone, Copy)]
pub enum Move {
    By(i64),
    Page(i64),
    Top,
    Bottom,
}

impl App {
    /// The commands that only move around (and quit, refresh, cancel).
    pub(super) fn navigate(&mut self, cmd: Command) -> Vec<Effect> {
        use Command::*;
        match cmd {
            Quit => self.quit(false),
            // `/` filters the view it is pressed in.
            Filter if matches!(self.view, View::Rollouts | View::Insights) => {
                let name = self.view.title();
                self.set_status(
                    format!("{name}: nothing to filter here"),
                    crate::tui::render::theme::State::Unknown,
                );
                Vec::new()
            }
            Filter => {
                let filter = self.filter_text().to_string();
                self.popups
                    .push(Popup::Prompt(Box::new(Prompt::new(PromptKind::Filter, &filter, ""))));
                Vec::new()
            }
            NextView | PrevView => {
                let i = View::ALL.iter().position(|v| *v == self.view).unwrap_or(0) as i64;
                let by = if cmd == NextView { 1 } else { -1 };
                self.show(View::ALL[(i + by).rem_euclid(View::ALL.len() as i64) as usize])
            }
            ViewDashboard => self.show(View::Dashboard),
            ViewChecklists => self.show(View::Checklists),
            ViewFlags => self.show(View::Flags),
            ViewHealth => self.show(View::Health),
            ViewAudit => self.show(View::Audit),
            ViewRollouts => self.show(View::Rollouts),
            ViewInsights => self.show(View::Insights),
            Left => self.select_env(-1),
            Right => self.select_env(1),
            Up => self.move_cursor(Move::By(-1)),
            Down => self.move_cursor(Move::By(1)),
            PageUp => self.move_cursor(Move::Page(-1)),
            PageDown => self.move_cursor(Move::Page(1)),
            Top => self.move_cursor(Move::Top),
            Bottom => self.move_cursor(Move::Bottom),
            Back => {
                if !self.filter_text().is_empty() {
                    return self.set_filter(String::new());
                }
                self.status = None;
                Vec::new()
            }
            Refresh => vec![Effect::Query(self.query.clone())],
            Cancel => self.cancel(),
            // The rest ask for something (see `asked`); Select does nothing yet.
            _ => Vec::new(),
        }
    }

    pub(super) fn show(&mut self, v: View) -> Vec<Effect> {
        self.view = v;
        self.follow_all();
        // Flags and the audit trail load once someone has looked at them
        // (start-up stays cheap; each is a page, not the whole ledger), so
        // going back to their view shows them in the key's own frame.
        let (flags, audit) = (
            self.query.flags || v == View::Flags,
            self.query.audit || v == View::Audit,
        );
        let insights = v == View::Insights;
        if (flags, audit, insights) != (self.query.flags, self.query.audit, self.query.insights) {
            self.query.flags = flags;
            self.query.audit = audit;
            self.query.insights = insights;
            return vec![Effect::Query(self.query.clone())];
        }
        Vec::new()
    }

    /// Select the env `by` steps along the pipeline (no wrap).
    fn select_env(&mut self, by: i64) -> Vec<Effect> {
        let n = self.shared.config.environments.len() as i64;
        let to = (self.shared.env as i64 + by).clamp(0, (n - 1).max(0)) as usize;
        self.select_env_index(to)
    }

    pub(super) fn select_env_index(&mut self, to: usize) -> Vec<Effect> {
        if to == self.shared.env || to >= self.shared.config.environments.len() {
            return Vec::new();
        }
        self.shared.env = to;
        self.shared.picked = true;
        self.views.dashboard.history = ListPos::default();
        self.views.checklists.pos = ListPos::default();
        self.query = Query {
            env: self.shared.env_name().to_string(),
            history_offset: 0,
            ..self.query.clone()
        };
        // The envs either side came with the snapshot: this key's frame
        // shows the new env's rows; the reader reads the ones beyond.
        if let Some(snap) = &mut self.shared.snap {
            snap.turn_to(&self.query);
        }
        vec![Effect::Query(self.query.clone())]
    }

    /// Length of the list the current view moves in, and the rows it shows.
    fn list_size(&self) -> (u64, u64) {
        let sh = &self.shared;
        let area = sh.view_area();
        let (len, rows) = match self.view {
            View::Dashboard => (self.views.dashboard.len(sh), layout::history_rows(area)),
            View::Checklists => (
                self.views.checklists.items(sh).len() as u64,
                layout::checklist_rows(area),
            ),
            View::Flags => {
                let n = self.views.flags.names(sh).len();
                (n as u64, layout::flag_rows(area, n))
            }
            View::Health => {
                // Health scrolls by line: the cursor is the first line shown.
                let rows = u64::from(layout::screen(area).body.height.saturating_sub(2));
                (
                    (health::view_lines(sh, &self.views.health.filter) as u64).saturating_sub(rows) + 1,
                    1,
                )
            }
            View::Audit => (self.views.audit.visible().len() as u64, layout::audit_rows(area)),
            View::Rollouts => (1, 1),
            // Scrolls by environment block.
            View::Insights => (sh.config.environments.len() as u64, 1),
        };
        (len, u64::from(rows).max(1))
    }

    fn pos_mut(&mut self) -> &mut ListPos {
        let v = &mut self.views;
        match self.view {
            View::Dashboard => &mut v.dashboard.history,
            View::Checklists => &mut v.checklists.pos,
            View::Flags => &mut v.flags.pos,
            View::Health => &mut v.health.pos,
            View::Audit => &mut v.audit.pos,
            View::Rollouts => &mut v.dashboard.history,
            View::Insights => &mut v.insights.pos,
        }
    }

    pub(super) fn move_cursor(&mut self, m: Move) -> Vec<Effect> {
        let (len, rows) = self.list_size();
        let page = if self.view == View::Health {
            i64::from(layout::screen(self.shared.view_area()).body.height.saturating_sub(2)).max(1)
        } else {
            rows as i64
        };
        let pos = self.pos_mut();
        let last = len.saturating_sub(1) as i64;
        let to = match m {
            Move::By(d) => pos.cursor as i64 + d,
            Move::Page(d) => pos.cursor as i64 + d * page,
            Move::Top => 0,
            Move::Bottom => last,
        };
        pos.cursor = to.clamp(0, last.max(0)) as u64;
        pos.scroll = layout::follow(pos.scroll, pos.cursor, rows);
        match self.view {
            View::Dashboard => self.history_window(),
            View::Audit => self.audit_more(rows),
            View::Checklists | View::Flags | View::Health | View::Rollouts | View::Insights => Vec::new(),
        }
    }

    /// Keep every cursor inside its list after the data or the size changed.
    pub(super) fn follow_all(&mut self) {
        let sh = &self.shared;
        let area = sh.view_area();
        let keep = |pos: &mut ListPos, len: u64, rows: u16| {
            pos.cursor = pos.cursor.min(len.saturating_sub(1));
            pos.scroll = layout::follow(pos.scroll, pos.cursor, u64::from(rows));
        };
        let v = &mut self.views;
        let n = v.dashboard.len(sh);
        keep(&mut v.dashboard.history, n, layout::history_rows(area));
        let n = v.checklists.items(sh).len() as u64;
        keep(&mut v.checklists.pos, n, layout::checklist_rows(area));
        let n = v.audit.visible().len() as u64;
        keep(&mut v.audit.pos, n, layout::audit_rows(area));
    }

    /// Ask for another window of history when the visible rows (and the
    /// slack below them) leave the loaded one. The first window holds only
    /// what the first frame shows; from here on it is `HISTORY_WINDOW` rows.
    /// With a filter the list is its matches, windowed alike (the reader
    /// finds them); a new filter starts at the top.
    pub(super) fn history_window(&mut self) -> Vec<Effect> {
        let rows = u64::from(layout::history_rows(self.shared.view_area()));
        let filter = self.views.dashboard.filter.trim().to_string();
        if filter != self.query.history_filter {
            self.query.history_filter = filter;
            self.query.history_offset = 0;
            self.query.history_limit = Query::HISTORY_WINDOW.max(rows as usize + 2 * Query::HISTORY_SLACK);
            return vec![Effect::Query(self.query.clone())];
        }
        let total = self.views.dashboard.len(&self.shared);
        let lo = self.query.history_offset;
        let hi = lo + self.query.history_limit as u64;
        let slack = Query::HISTORY_SLACK as u64;
        let scroll = self.views.dashboard.history.scroll;
        let (need_lo, need_hi) = (scroll, (scroll + rows + slack).min(total));
        if need_lo >= lo && need_hi <= hi {
            return Vec::new();
        }
        let limit = Query::HISTORY_WINDOW.max(rows as usize + 2 * Query::HISTORY_SLACK);
        let margin = (limit as u64).saturating_sub(rows) / 2;
        self.query.history_offset = need_lo.saturating_sub(margin);
        self.query.history_limit = limit;
        vec![Effect::Query(self.query.clone())]
    }

    /// Load an older page of the audit trail when the cursor nears the end.
    fn audit_more(&mut self, rows: u64) -> Vec<Effect> {
        let a = &self.views.audit;
        let near_end = a.pos.cursor + rows >= a.visible().len() as u64;
        if near_end && a.rows.len() >= self.query.audit_limit {
            self.query.audit_limit += Query::AUDIT_PAGE;
            return vec![Effect::Query(self.query.clone())];
        }
        Vec::new()
    }
}
