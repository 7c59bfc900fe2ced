//! The action dialog: what will happen (a plan computed on the backend),
//! every gate's state, a reason, the typed env name for protected envs,
//! `F` to force past overridable gates — then the live run of the hook.

use tui_input::Input;

pub use super::dialog_kind::DialogKind;
use super::run_log::RunLog;
use crate::domain::Gate;
use crate::ops::deploy::Progress;
use crate::tui::event::{FlagPlan, Job, Opts, PlanStep};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    Outcome,
    Reason,
    Confirm,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Phase {
    Planning,
    Editing,
    Running,
    Done(Result<String, String>),
}

#[derive(Debug, Clone)]
pub struct Dialog {
    pub id: u64,
    pub kind: DialogKind,
    pub plan: Option<Result<Vec<PlanStep>, String>>,
    /// A flag change's before → after and gates.
    pub flag: Option<Result<FlagPlan, String>>,
    /// Facts known when it opened: approvals so far, the hold, the interrupted release.
    pub info: Vec<String>,
    /// The env name to type, when the action touches a protected env.
    pub protected: Option<String>,
    pub reason: Input,
    pub confirm: Input,
    pub focus: Field,
    pub force: bool,
    /// Resolve: mark succeeded (else failed).
    pub succeeded: bool,
    pub phase: Phase,
    /// Why Enter did nothing, shown until the next key.
    pub hint: Option<String>,
    /// What the action would do changed while the dialog was open (the
    /// source got another build, the flag another state): it must be
    /// reopened, so nobody confirms what they did not read.
    pub moved: Option<String>,
    pub log: RunLog,
}

impl Dialog {
    pub fn new(
        id: u64,
        kind: DialogKind,
        protected: Option<String>,
        info: Vec<String>,
        reason: Option<String>,
    ) -> Dialog {
        let planned = kind.gated();
        let focus = if matches!(kind, DialogKind::Resolve { .. }) {
            Field::Outcome
        } else {
            Field::Reason
        };
        Dialog {
            id,
            kind,
            plan: if planned { None } else { Some(Ok(Vec::new())) },
            flag: None,
            info,
            protected,
            reason: Input::new(reason.unwrap_or_default()),
            confirm: Input::default(),
            focus,
            force: false,
            succeeded: true,
            phase: if planned { Phase::Planning } else { Phase::Editing },
            hint: None,
            moved: None,
            log: RunLog::default(),
        }
    }

    /// A plan from the backend: the first one, or a fresh one while the
    /// dialog is open (the ledger changed: an approval, a tick). A fresh
    /// plan only updates the gates; if it would do something else, the
    /// dialog keeps what it showed and asks to be reopened.
    pub fn set_plan(&mut self, result: Result<Vec<PlanStep>, String>) {
        if self.phase == Phase::Editing {
            if let Some(Ok(old)) = &self.plan {
                if result.as_ref().map(|new| what(new) != what(old)).unwrap_or(true) {
                    self.moved = Some(self.moved_note());
                    return;
                }
            }
        }
        self.plan = Some(result);
        if self.phase == Phase::Planning {
            self.phase = Phase::Editing;
        }
    }

    pub fn set_flag_plan(&mut self, result: Result<FlagPlan, String>) {
        if self.phase == Phase::Editing {
            if let Some(Ok(old)) = &self.flag {
                let same = |new: &FlagPlan| (&new.before, &new.after) == (&old.before, &old.after);
                if !result.as_ref().is_ok_and(same) {
                    self.moved = Some(self.moved_note());
                    return;
                }
            }
        }
        self.plan = Some(result.as_ref().map(|_| Vec::new()).map_err(Clone::clone));
        self.flag = Some(result);
        if self.phase == Phase::Planning {
            self.phase = Phase::Editing;
        }
    }

    fn moved_note(&self) -> String {
        "this changed since the dialog opened (another console acted): esc, then open it again".into()
    }

    /// The plan step whose gates decide now: the only one, or the first
    /// promote-through step that will run.
    pub fn deciding(&self) -> Option<&PlanStep> {
        match &self.plan {
            Some(Ok(steps)) => steps.iter().find(|s| !s.skip),
            _ => None,
        }
    }

    pub fn failing(&self) -> Vec<&Gate> {
        if let Some(Ok(f)) = &self.flag {
            return f.gates.iter().filter(|g| !g.ok).collect();
        }
        match self.deciding().map(|s| &s.plan) {
            Some(Ok(p)) => p.gates.iter().filter(|g| !g.ok).collect(),
            _ => Vec::new(),
        }
    }

    /// Failing gates `--force` cannot pass (a deployment already running).
    pub fn blocking(&self) -> Vec<&Gate> {
        self.failing().into_iter().filter(|g| !g.overridable).collect()
    }

    /// Refused and not (yet) forced: the inputs wait for `F`.
    pub fn locked(&self) -> bool {
        self.phase == Phase::Editing && !self.failing().is_empty() && !self.force
    }

    pub fn reason_required(&self) -> bool {
        self.kind.gated() && (self.protected.is_some() || self.force)
    }

    pub fn fields(&self) -> Vec<Field> {
        let mut f = Vec::new();
        if matches!(self.kind, DialogKind::Resolve { .. }) {
            f.push(Field::Outcome);
        }
        f.push(Field::Reason);
        if self.kind.gated() && self.protected.is_some() {
            f.push(Field::Confirm);
        }
        f
    }

    /// Ok when Enter may start the action; else what is missing.
    pub fn ready(&self) -> Result<(), String> {
        if let Some(m) = &self.moved {
            return Err(m.clone());
        }
        match &self.plan {
            None => return Err("working out what would happen…".into()),
            Some(Err(e)) => return Err(e.clone()),
            Some(Ok(_)) => {}
        }
        if self.kind.runs_hook() {
            let Some(step) = self.deciding() else {
                return Err("nothing to promote: every stage already runs its source's build".into());
            };
            if let Err(e) = &step.plan {
                return Err(e.clone());
            }
        }
        if self.kind.gated() {
            let blocking = self.blocking();
            if !blocking.is_empty() {
                let names: Vec<&str> = blocking.iter().map(|g| g.name.as_str()).collect();
                return Err(format!(
                    "cannot run now ({}); even --force cannot pass it",
                    names.join(", ")
                ));
            }
            let failing = self.failing();
            if !failing.is_empty() && !self.force {
                return Err(format!(
                    "refused by {} gate{}: press F to force (needs a reason) or esc",
                    failing.len(),
                    if failing.len() == 1 { "" } else { "s" }
                ));
            }
        }
        if self.reason_required() && self.reason.value().trim().is_empty() {
            return Err(if self.force {
                "a reason is required to force (it is recorded)".into()
            } else {
                "a reason is required in a protected environment".into()
            });
        }
        if let Some(name) = &self.protected {
            if self.kind.gated() && self.confirm.value().trim() != name {
                return Err(format!("type {name} to confirm"));
            }
        }
        Ok(())
    }

    fn text(i: &Input) -> Option<String> {
        Some(i.value().trim().to_string()).filter(|s| !s.is_empty())
    }

    /// The job Enter starts: exactly what the dialog showed.
    pub fn job(&self) -> Job {
        let reason = Dialog::text(&self.reason);
        let opts = Opts {
            reason: reason.clone(),
            force: self.force,
            expect: None,
        };
        match &self.kind {
            DialogKind::Deploy { env, version } => Job::Deploy {
                env: env.clone(),
                version: version.clone(),
                opts,
            },
            DialogKind::Promote { from, to, expect } => {
                // Refuse if the source moved after the dialog opened.
                let seen = self
                    .deciding()
                    .and_then(|s| s.plan.as_ref().ok())
                    .and_then(|p| p.source_release);
                Job::Promote {
                    from: from.clone(),
                    to: to.clone(),
                    opts: Opts {
                        expect: expect.or(seen),
                        ..opts
                    },
                }
            }
            DialogKind::Through { target } => Job::PromoteThrough {
                target: target.clone(),
                opts,
            },
            DialogKind::Rollback { env, to } => {
                let target = to.or_else(|| {
                    self.deciding()
                        .and_then(|s| s.plan.as_ref().ok())
                        .and_then(|p| p.target_release)
                });
                Job::Rollback {
                    env: env.clone(),
                    to: target,
                    opts,
                }
            }
            DialogKind::Approve { env, version } => Job::Approve {
                env: env.clone(),
                version: version.clone(),
                note: reason,
            },
            DialogKind::HoldClear { env } => Job::HoldClear {
                env: env.clone(),
                reason,
            },
            DialogKind::Resolve { env } => Job::Resolve {
                env: env.clone(),
                succeeded: self.succeeded,
                reason,
            },
            DialogKind::Flag { env, flag, op } => Job::Flag {
                env: env.clone(),
                flag: flag.clone(),
                op: op.clone(),
                reason,
                force: self.force,
            },
        }
    }

    pub fn on_progress(&mut self, p: Progress) {
        self.log.on_progress(p);
    }

    pub fn finish(&mut self, result: Result<String, String>) {
        self.phase = Phase::Done(result);
    }
}

/// Which build a step ships, as which release: (version, source vN, target vN, next vN).
type Shipping = Option<(String, Option<u64>, Option<u64>, u64)>;

/// What a plan would do, gate states aside: which build goes where, as
/// which release. Two plans that agree here differ only in their gates.
fn what(steps: &[PlanStep]) -> Vec<(&str, bool, Shipping)> {
    steps
        .iter()
        .map(|s| {
            let p = s.plan.as_ref().ok().map(|p| {
                (
                    p.build.version.clone(),
                    p.source_release,
                    p.target_release,
                    p.next_number,
                )
            });
            (s.to.as_str(), s.skip, p)
        })
        .collect()
}
