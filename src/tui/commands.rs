//! What each bound `Command` does to the app: navigation here, actions
//! (dialogs, ticks) in `actions.rs`.

use super::app::{App, ListPos, View};
use super::event::{Effect, Job};
use super::layout;
use super::popups::{Help, Popup, Prompt, PromptKind};
use super::snapshot::Query;
use super::theme::State;
use crate::config::Command;
use crate::ops::intent::Intent;

/// How far a list cursor moves.
#[derive(Debug, Clone, Copy)]
pub enum Move {
    By(i64),
    Page(i64),
    Top,
    Bottom,
}

impl App {
    pub(super) fn command(&mut self, cmd: Command) -> Vec<Effect> {
        if self.read_only && cmd.writes() {
            self.set_status(
                format!(
                    "read-only: “{}” is disabled (started with --read-only)",
                    cmd.default_desc().to_lowercase()
                ),
                State::Warn,
            );
            return Vec::new();
        }
        use Command::*;
        match cmd {
            Quit => self.quit(false),
            Help => {
                let h = super::popups::Help::new(&self.keymap, self.view.mode(), self.view.title(), self.read_only);
                self.popups.push(Popup::Help(h));
                Vec::new()
            }
            CommandLine => {
                self.popups
                    .push(Popup::Prompt(Box::new(Prompt::new(PromptKind::Command, "", ""))));
                Vec::new()
            }
            Filter => {
                let effects = self.show(View::Audit);
                self.popups.push(Popup::Prompt(Box::new(Prompt::new(
                    PromptKind::Filter,
                    &self.audit_filter.clone(),
                    "",
                ))));
                effects
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
            Kill => self.flag_kill(),
            Increase => self.flag_step(1),
            Decrease => self.flag_step(-1),
            Targets => self.flag_targets(),
            Eval => self.flag_eval(),
            Left => self.select_env(-1),
            Right => self.select_env(1),
            Up => self.move_cursor(Move::By(-1)),
            Down => self.move_cursor(Move::By(1)),
            PageUp => self.move_cursor(Move::Page(-1)),
            PageDown => self.move_cursor(Move::Page(1)),
            Top => self.move_cursor(Move::Top),
            Bottom => self.move_cursor(Move::Bottom),
            Select => Vec::new(),
            Back => {
                if self.view == View::Audit && !self.audit_filter.is_empty() {
                    self.audit_filter.clear();
                    self.audit = ListPos::default();
                } else {
                    self.status = None;
                }
                Vec::new()
            }
            Refresh => vec![Effect::Query(self.query.clone())],
            Promote => self.open_promote(),
            PromoteThrough => self.open_through(),
            Rollback => self.open_rollback(),
            Approve => self.open_approve(),
            HoldClear => self.open_hold_clear(),
            Resolve => self.open_resolve(),
            Cancel => self.cancel(),
            Tick if self.view == View::Flags => self.flag_toggle(),
            Tick => self.tick(false),
            Untick => self.tick(true),
            Note => self.note(),
            Shell(index) => {
                let env = self.env_name().to_string();
                let label = self.keymap.shell.get(index as usize).cloned().unwrap_or_default();
                self.start(Job::Shell { index, env }, label)
            }
        }
    }

    pub(super) fn show(&mut self, v: View) -> Vec<Effect> {
        self.view = v;
        self.follow_all();
        // Flags load once someone has looked at them; the audit trail only
        // while its view is open (start-up and every reload stay cheap).
        let (flags, audit) = (self.query.flags || v == View::Flags, v == View::Audit);
        if (flags, audit) != (self.query.flags, self.query.audit) {
            self.query.flags = flags;
            self.query.audit = audit;
            return vec![Effect::Query(self.query.clone())];
        }
        Vec::new()
    }

    pub(super) fn quit(&mut self, armed: bool) -> Vec<Effect> {
        if self.running.iter().any(|r| r.hook) && !armed {
            self.quit_armed = true;
            self.set_status(
                "a hook is running: x cancels it; q again leaves now (the deployment will show as interrupted)",
                State::Warn,
            );
        } else {
            self.quit = true;
        }
        Vec::new()
    }

    /// Select the env `by` steps along the pipeline (no wrap).
    pub(super) fn select_env(&mut self, by: i64) -> Vec<Effect> {
        let n = self.config.environments.len() as i64;
        let to = (self.env as i64 + by).clamp(0, (n - 1).max(0)) as usize;
        self.select_env_index(to)
    }

    pub(super) fn select_env_index(&mut self, to: usize) -> Vec<Effect> {
        if to == self.env || to >= self.config.environments.len() {
            return Vec::new();
        }
        self.env = to;
        self.history = ListPos::default();
        self.checks = ListPos::default();
        self.query = Query {
            env: self.env_name().to_string(),
            history_offset: 0,
            ..self.query.clone()
        };
        vec![Effect::Query(self.query.clone())]
    }

    /// Length of the list the current view moves in.
    fn list_len(&self) -> u64 {
        match self.view {
            View::Dashboard => self.history_total(),
            View::Checklists => self.check_items().len() as u64,
            View::Flags => self.config.flags.len() as u64,
            View::Health => {
                let rows = u64::from(layout::screen(self.view_area()).body.height.saturating_sub(2));
                (super::components::health_view::view_lines(self) as u64).saturating_sub(rows) + 1
            }
            View::Audit => self.audit_visible().len() as u64,
        }
    }

    fn list_rows(&self) -> u64 {
        u64::from(match self.view {
            View::Dashboard => layout::history_rows(self.view_area()),
            View::Checklists => layout::checklist_rows(self.view_area()),
            View::Flags => layout::flag_rows(self.view_area(), self.config.flags.len()),
            // Health scrolls by line: the cursor is the first line shown.
            View::Health => 1,
            View::Audit => layout::audit_rows(self.view_area()),
        })
        .max(1)
    }

    pub(super) fn move_cursor(&mut self, m: Move) -> Vec<Effect> {
        let len = self.list_len();
        let rows = self.list_rows() as i64;
        let page = if self.view == View::Health {
            i64::from(layout::screen(self.view_area()).body.height.saturating_sub(2)).max(1)
        } else {
            rows
        };
        let pos = match self.view {
            View::Dashboard => &mut self.history,
            View::Checklists => &mut self.checks,
            View::Flags => &mut self.flags,
            View::Health => &mut self.health_pos,
            View::Audit => &mut self.audit,
        };
        let last = len.saturating_sub(1) as i64;
        let to = match m {
            Move::By(d) => pos.cursor as i64 + d,
            Move::Page(d) => pos.cursor as i64 + d * page,
            Move::Top => 0,
            Move::Bottom => last,
        };
        pos.cursor = to.clamp(0, last.max(0)) as u64;
        pos.scroll = layout::follow(pos.scroll, pos.cursor, rows as u64);
        match self.view {
            View::Dashboard => self.history_window(),
            View::Audit => self.audit_more(),
            View::Checklists | View::Flags | View::Health => Vec::new(),
        }
    }

    /// Keep every cursor inside its list after the data or the size changed.
    pub(super) fn follow_all(&mut self) {
        let total = self.history_total();
        let h_rows = u64::from(layout::history_rows(self.view_area()));
        self.history.cursor = self.history.cursor.min(total.saturating_sub(1));
        self.history.scroll = layout::follow(self.history.scroll, self.history.cursor, h_rows);
        let n = self.check_items().len() as u64;
        self.checks.cursor = self.checks.cursor.min(n.saturating_sub(1));
        self.checks.scroll = layout::follow(
            self.checks.scroll,
            self.checks.cursor,
            u64::from(layout::checklist_rows(self.view_area())),
        );
        let n = self.audit_visible().len() as u64;
        self.audit.cursor = self.audit.cursor.min(n.saturating_sub(1));
        self.audit.scroll = layout::follow(
            self.audit.scroll,
            self.audit.cursor,
            u64::from(layout::audit_rows(self.view_area())),
        );
    }

    /// Ask for another window of history when the visible rows (and the
    /// slack below them) leave the loaded one. The first window holds only
    /// what the first frame shows; from here on it is `HISTORY_WINDOW` rows.
    pub(super) fn history_window(&mut self) -> Vec<Effect> {
        let rows = u64::from(layout::history_rows(self.view_area()));
        let total = self.history_total();
        let lo = self.query.history_offset;
        let hi = lo + self.query.history_limit as u64;
        let slack = Query::HISTORY_SLACK as u64;
        let (need_lo, need_hi) = (self.history.scroll, (self.history.scroll + rows + slack).min(total));
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
    fn audit_more(&mut self) -> Vec<Effect> {
        let loaded = self.audit_rows.len();
        let near_end = self.audit.cursor + self.list_rows() >= self.audit_visible().len() as u64;
        if near_end && loaded >= self.query.audit_limit {
            self.query.audit_limit += Query::AUDIT_PAGE;
            return vec![Effect::Query(self.query.clone())];
        }
        Vec::new()
    }

    /// (run, item) of every checklist item shown, in order.
    pub fn check_items(&self) -> Vec<(usize, usize)> {
        let Some(s) = &self.snap else { return Vec::new() };
        let env = self.env_name();
        s.runs
            .iter()
            .enumerate()
            .filter(|(_, r)| r.env == env)
            .flat_map(|(ri, r)| (0..r.items.len()).map(move |ii| (ri, ii)))
            .collect()
    }

    pub(super) fn start(&mut self, job: Job, label: String) -> Vec<Effect> {
        let id = self.next_id();
        self.running.push(super::app::Running {
            id,
            label,
            hook: job.runs_hook(),
        });
        self.set_status("working…", State::Busy);
        vec![Effect::Run { id, job }]
    }

    pub(super) fn cancel(&mut self) -> Vec<Effect> {
        match self.running.iter().find(|r| r.hook) {
            Some(r) => {
                let label = r.label.clone();
                self.set_status(format!("cancelling {label}…"), State::Warn);
                vec![Effect::Cancel]
            }
            None => {
                self.set_status("nothing is running to cancel", State::Unknown);
                Vec::new()
            }
        }
    }

    pub(super) fn job_label(&self, job: &Job) -> String {
        let intent = match job {
            Job::Intent { intent, .. } => intent,
            Job::Eval { env, flag, key } => return format!("eval {flag} in {env} for {key}"),
            Job::Shell { index, .. } => return self.keymap.shell.get(*index as usize).cloned().unwrap_or_default(),
        };
        match intent {
            Intent::Deploy { env, version } => format!("deploy {version} to {env}"),
            Intent::Promote { from, to, .. } => format!("promote {from} → {to}"),
            Intent::PromoteThrough { target } => format!("promote through to {target}"),
            Intent::Rollback { env, .. } => format!("rollback of {env}"),
            Intent::Approve { env, version, .. } => format!("approval of {version} into {env}"),
            Intent::HoldClear { env } => format!("clearing the hold on {env}"),
            Intent::Resolve { env, .. } => format!("resolving {env}"),
            Intent::Tick(t) => format!("tick {} #{}", t.checklist, t.item),
            Intent::Flag { env, flag, op } => format!("{} {flag} in {env}", op.name()),
        }
    }

    /// Open help (used by the command line too).
    pub(super) fn help(&mut self) {
        self.popups.push(Popup::Help(Help::new(
            &self.keymap,
            self.view.mode(),
            self.view.title(),
            self.read_only,
        )));
    }
}
