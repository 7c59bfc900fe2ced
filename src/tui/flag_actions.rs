//! Flag keys in the Flags view: toggle, kill / restore, rollout steps,
//! targets and evaluation. Every change opens the action dialog (before →
//! after, the approvals gate, a reason); evaluation only reads.

use super::app::App;
use super::event::{Effect, Job};
use super::popups::{Popup, Prompt, PromptKind};
use super::theme::State;
use crate::ops::flags::{Change, FlagListRow, FlagOp, Switch};
use crate::ops::intent::Intent;

/// Rollout steps for `+` / `-`.
const STEPS: [u32; 8] = [0, 1, 5, 10, 25, 50, 75, 100];

impl App {
    /// The flag under the cursor.
    pub fn flag_name(&self) -> Option<&str> {
        self.config
            .flags
            .keys()
            .nth(self.flags.cursor as usize)
            .map(String::as_str)
    }

    /// The state of `flag` in `env` from the snapshot (flags × envs, in order).
    pub fn flag_row(&self, flag: &str, env: &str) -> Option<&FlagListRow> {
        let rows = &self.snap.as_ref()?.flags;
        let fi = self.config.flags.keys().position(|f| f == flag)?;
        let ei = self.config.environments.iter().position(|e| e.name == env)?;
        let n = self.config.environments.len();
        // `ops::flags::list` orders them so; fall back to a search if not.
        match rows.get(fi * n + ei) {
            Some(r) if r.flag == flag && r.env == env => Some(r),
            _ => rows.iter().find(|r| r.flag == flag && r.env == env),
        }
    }

    fn selected_flag(&mut self) -> Option<(String, String, FlagListRow)> {
        let env = self.env_name().to_string();
        let Some(flag) = self.flag_name().map(str::to_string) else {
            self.set_status("no flags are defined: add [flag.NAME] to relcon.toml", State::Unknown);
            return None;
        };
        match self.flag_row(&flag, &env).cloned() {
            Some(row) => Some((flag, env, row)),
            None => {
                self.set_status("loading flags…", State::Busy);
                None
            }
        }
    }

    fn flag_dialog(&mut self, env: String, flag: String, op: FlagOp) -> Vec<Effect> {
        self.open_dialog(Intent::Flag { env, flag, op }, None, false)
    }

    /// Space: on ↔ off (a killed flag is restored with `K`).
    pub(super) fn flag_toggle(&mut self) -> Vec<Effect> {
        let Some((flag, env, row)) = self.selected_flag() else {
            return Vec::new();
        };
        if row.killed {
            self.set_status(format!("{flag} is killed in {env}: K restores it"), State::Unknown);
            return Vec::new();
        }
        let switch = if row.enabled { Switch::Off } else { Switch::On };
        self.flag_dialog(
            env,
            flag,
            FlagOp::Set(Change {
                switch: Some(switch),
                ..Change::default()
            }),
        )
    }

    /// `K`: the kill switch, or restore when already killed.
    pub(super) fn flag_kill(&mut self) -> Vec<Effect> {
        let Some((flag, env, row)) = self.selected_flag() else {
            return Vec::new();
        };
        let op = if row.killed { FlagOp::Restore } else { FlagOp::Kill };
        self.flag_dialog(env, flag, op)
    }

    /// `+` / `-`: the next rollout step up or down (0 % is off, 100 % on).
    pub(super) fn flag_step(&mut self, dir: i32) -> Vec<Effect> {
        let Some((flag, env, row)) = self.selected_flag() else {
            return Vec::new();
        };
        let now = if row.enabled { row.rollout } else { 0 };
        let next = if dir > 0 {
            STEPS.iter().copied().find(|s| *s > now)
        } else {
            STEPS.iter().rev().copied().find(|s| *s < now)
        };
        let switch = match next {
            None => {
                self.set_status(format!("{flag} in {env} is already at {}", row.state), State::Unknown);
                return Vec::new();
            }
            Some(0) => Switch::Off,
            Some(100) => Switch::On,
            Some(p) => Switch::Percent(p),
        };
        self.flag_dialog(
            env,
            flag,
            FlagOp::Set(Change {
                switch: Some(switch),
                ..Change::default()
            }),
        )
    }

    /// `t`: edit targets ("42 +103 -15": add 42 and 103, remove 15).
    pub(super) fn flag_targets(&mut self) -> Vec<Effect> {
        let Some((flag, env, row)) = self.selected_flag() else {
            return Vec::new();
        };
        let now = if row.targets.is_empty() {
            "none".to_string()
        } else {
            row.targets.join(", ")
        };
        let ctx = format!("{flag} in {env} — targets now: {now}");
        self.popups.push(Popup::Prompt(Box::new(Prompt::new(
            PromptKind::Targets { env, flag },
            "",
            ctx,
        ))));
        Vec::new()
    }

    /// `e`: what a targeting key gets, and why.
    pub(super) fn flag_eval(&mut self) -> Vec<Effect> {
        let Some((flag, env, _)) = self.selected_flag() else {
            return Vec::new();
        };
        let ctx = format!("evaluate {flag} in {env} for a targeting key");
        self.popups.push(Popup::Prompt(Box::new(Prompt::new(
            PromptKind::EvalKey { env, flag },
            "",
            ctx,
        ))));
        Vec::new()
    }

    /// The answer of a flag prompt.
    pub(super) fn flag_prompted(&mut self, kind: PromptKind, text: String) -> Vec<Effect> {
        match kind {
            PromptKind::Targets { env, flag } => {
                let (mut add, mut remove) = (Vec::new(), Vec::new());
                for word in text.split([' ', ',']).filter(|w| !w.is_empty()) {
                    match word.strip_prefix('-') {
                        Some(k) if !k.is_empty() => remove.push(k.to_string()),
                        _ => add.push(word.trim_start_matches('+').to_string()),
                    }
                }
                add.retain(|k| !k.is_empty());
                self.flag_dialog(
                    env,
                    flag,
                    FlagOp::Set(Change {
                        switch: None,
                        add_targets: add,
                        remove_targets: remove,
                    }),
                )
            }
            PromptKind::EvalKey { env, flag } => {
                let job = Job::Eval { env, flag, key: text };
                let label = self.job_label(&job);
                self.start(job, label)
            }
            _ => Vec::new(),
        }
    }
}
