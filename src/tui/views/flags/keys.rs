//! Flag keys in the Flags view: toggle, kill / restore, rollout steps,
//! targets and evaluation. Every change is a flag intent confirmed in the
//! action dialog (before → after, the approvals gate, a reason);
//! evaluation only reads.

use super::Flags;
use crate::ops::flags::{Change, FlagListRow, FlagOp, Switch};
use crate::ops::intent::Intent;
use crate::tui::dialogs::PromptKind;
use crate::tui::event::Job;
use crate::tui::input::Asked;
use crate::tui::render::theme::State;
use crate::tui::views::Shared;

/// Rollout steps for `+` / `-`.
const STEPS: [u32; 8] = [0, 1, 5, 10, 25, 50, 75, 100];

/// The flag under the cursor in the selected env, and its state there.
struct Selected {
    flag: String,
    env: String,
    row: FlagListRow,
}

impl Selected {
    fn change(self, op: FlagOp) -> Asked {
        Asked::dialog(Intent::Flag {
            env: self.env,
            flag: self.flag,
            op,
        })
    }

    fn switch(self, to: Switch) -> Asked {
        self.change(FlagOp::Set(Change {
            switch: Some(to),
            ..Change::default()
        }))
    }
}

impl Flags {
    /// The selected flag, or the word to say why there is none.
    fn selected(&self, sh: &Shared) -> Result<Selected, Box<Asked>> {
        let env = sh.env_name().to_string();
        let Some(flag) = self.flag_name(sh).map(str::to_string) else {
            return Err(Box::new(Asked::say(
                "no flags are defined: add [flag.NAME] to relcon.toml",
            )));
        };
        match Flags::row(sh, &flag, &env).cloned() {
            Some(row) => Ok(Selected { flag, env, row }),
            None => Err(Box::new(Asked::Say(sh.loading("flags"), State::Busy))),
        }
    }

    /// Space: on ↔ off (a killed flag is restored with `K`).
    pub fn toggle(&self, sh: &Shared) -> Asked {
        match self.selected(sh) {
            Ok(s) if s.row.killed => Asked::say(format!("{} is killed in {}: K restores it", s.flag, s.env)),
            Ok(s) => {
                let to = if s.row.enabled { Switch::Off } else { Switch::On };
                s.switch(to)
            }
            Err(said) => *said,
        }
    }

    /// `K`: the kill switch, or restore when already killed.
    pub fn kill(&self, sh: &Shared) -> Asked {
        match self.selected(sh) {
            Ok(s) => {
                let op = if s.row.killed { FlagOp::Restore } else { FlagOp::Kill };
                s.change(op)
            }
            Err(said) => *said,
        }
    }

    /// `+` / `-`: the next rollout step up or down (0 % is off, 100 % on).
    pub fn step(&self, sh: &Shared, dir: i32) -> Asked {
        let s = match self.selected(sh) {
            Ok(s) => s,
            Err(said) => return *said,
        };
        let now = if s.row.enabled { s.row.rollout } else { 0 };
        let next = if dir > 0 {
            STEPS.iter().copied().find(|p| *p > now)
        } else {
            STEPS.iter().rev().copied().find(|p| *p < now)
        };
        match next {
            None => Asked::say(format!("{} in {} is already at {}", s.flag, s.env, s.row.state)),
            Some(0) => s.switch(Switch::Off),
            Some(100) => s.switch(Switch::On),
            Some(p) => s.switch(Switch::Percent(p)),
        }
    }

    /// `t`: edit targets ("42 +103 -15": add 42 and 103, remove 15).
    pub fn targets(&self, sh: &Shared) -> Asked {
        let s = match self.selected(sh) {
            Ok(s) => s,
            Err(said) => return *said,
        };
        let now = if s.row.targets.is_empty() {
            "none".to_string()
        } else {
            s.row.targets.join(", ")
        };
        Asked::Prompt {
            context: format!("{} in {} — targets now: {now}", s.flag, s.env),
            kind: PromptKind::Targets {
                env: s.env,
                flag: s.flag,
            },
            value: String::new(),
        }
    }

    /// `e`: what a targeting key gets, and why.
    pub fn eval(&self, sh: &Shared) -> Asked {
        let s = match self.selected(sh) {
            Ok(s) => s,
            Err(said) => return *said,
        };
        Asked::Prompt {
            context: format!("evaluate {} in {} for a targeting key", s.flag, s.env),
            kind: PromptKind::EvalKey {
                env: s.env,
                flag: s.flag,
            },
            value: String::new(),
        }
    }
}

/// The answer of a flag prompt: targets to change, or a key to evaluate.
pub fn prompted(kind: PromptKind, text: String) -> Asked {
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
            let op = FlagOp::Set(Change {
                switch: None,
                add_targets: add,
                remove_targets: remove,
            });
            Asked::dialog(Intent::Flag { env, flag, op })
        }
        PromptKind::EvalKey { env, flag } => Asked::Run(Job::Eval { env, flag, key: text }),
        _ => Asked::Nothing,
    }
}
