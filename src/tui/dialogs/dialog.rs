//! The action dialog: an [`Intent`] and the person's input. It shows the
//! intent's preview (worked out by `intent::preview` on the reader: steps,
//! every gate, a flag's before → after), asks for a reason and, in a
//! protected env, the typed name (`intent::confirm_name`); `F` forces past
//! gates the override policy lets through — then the live run of the hook.
//! What is allowed is asked of ops (`Preview::judge`, `policy::reason`);
//! the dialog only says it.

use tui_input::Input;

use super::run_log::RunLog;
use crate::domain::Gate;
use crate::ops::deploy::Progress;
use crate::ops::intent::{Confirmation, Intent, Preview, Step};
use crate::ops::policy;
use crate::tui::event::Job;

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
    /// What the person is asked to confirm.
    pub intent: Intent,
    /// The reader's preview; `None` while it is worked out, and for an
    /// intent that shows none (approve, clear a hold, resolve).
    pub preview: Option<Result<Preview, String>>,
    /// Facts known when it opened: approvals so far, the hold, the interrupted release.
    pub info: Vec<String>,
    /// The env name to type (`intent::confirm_name`).
    pub protected: Option<String>,
    pub reason: Input,
    pub confirm: Input,
    pub focus: Field,
    pub force: bool,
    pub phase: Phase,
    /// Why Enter did nothing, shown until the next key.
    pub hint: Option<String>,
    /// What the action would do changed while the dialog was open (the
    /// source got another build, the flag another state): it must be
    /// reopened, so nobody confirms what they did not read.
    pub moved: Option<String>,
    pub log: RunLog,
    /// What changed, in one line ("1.11.0 → 1.11.2: 7 commits, …"), for
    /// promotions and rollbacks; `None` while it is worked out.
    pub change: Option<Result<String, String>>,
}

/// Deployments and flag changes show what they would do before they are confirmed.
pub fn previewed(intent: &Intent) -> bool {
    intent.runs_hook() || matches!(intent, Intent::Flag { .. })
}

impl Dialog {
    pub fn new(
        id: u64,
        intent: Intent,
        protected: Option<String>,
        info: Vec<String>,
        reason: Option<String>,
    ) -> Dialog {
        let planned = previewed(&intent);
        let prefilled = reason.as_deref().is_some_and(|r| !r.trim().is_empty());
        // A reason given already (an incident's link): the cursor waits
        // on the name to type.
        let focus = if matches!(intent, Intent::Resolve { .. }) {
            Field::Outcome
        } else if prefilled && protected.is_some() {
            Field::Confirm
        } else {
            Field::Reason
        };
        Dialog {
            id,
            intent,
            preview: None,
            info,
            protected,
            reason: Input::new(reason.unwrap_or_default()),
            confirm: Input::default(),
            focus,
            force: false,
            phase: if planned { Phase::Planning } else { Phase::Editing },
            hint: None,
            moved: None,
            log: RunLog::default(),
            change: None,
        }
    }

    /// A preview from the reader: the first one, or a fresh one while the
    /// dialog is open (the ledger changed: an approval, a tick). A fresh
    /// one only updates the gates; if it would do something else, the
    /// dialog keeps what it showed and asks to be reopened.
    pub fn set_preview(&mut self, result: Result<Preview, String>) {
        if self.phase == Phase::Editing {
            if let Some(Ok(old)) = &self.preview {
                if result
                    .as_ref()
                    .map_or(true, |new| Shipping::of(new) != Shipping::of(old))
                {
                    self.moved = Some(
                        "this changed since the dialog opened (another console acted): esc, then open it again".into(),
                    );
                    return;
                }
            }
        }
        self.preview = Some(result);
        if self.phase == Phase::Planning {
            self.phase = Phase::Editing;
        }
    }

    /// The preview, once it is there and could be worked out.
    pub fn shown(&self) -> Option<&Preview> {
        self.preview.as_ref().and_then(|r| r.as_ref().ok())
    }

    /// The preview could not be worked out: why.
    pub fn failed(&self) -> Option<&str> {
        match &self.preview {
            Some(Err(e)) => Some(e),
            _ => None,
        }
    }

    /// The preview is there (or none is needed): the inputs can be used.
    pub fn settled(&self) -> bool {
        self.phase != Phase::Planning && self.failed().is_none()
    }

    /// The step whose gates decide now: the only one, or the first
    /// promote-through step that will run.
    pub fn deciding(&self) -> Option<&Step> {
        self.shown().and_then(Preview::deciding)
    }

    pub fn failing(&self) -> Vec<&Gate> {
        self.shown().map(Preview::failing).unwrap_or_default()
    }

    /// The override policy's verdict with or without `--force`.
    fn passes(&self, force: bool) -> bool {
        self.shown().is_none_or(|p| p.judge(&self.intent, force).is_ok())
    }

    /// Failing gates that even `--force` cannot pass, when the policy says
    /// forcing would not do (a deployment already running).
    pub fn blocking(&self) -> Vec<&Gate> {
        if self.passes(true) {
            return Vec::new();
        }
        self.failing().into_iter().filter(|g| !g.overridable).collect()
    }

    /// Refused and not (yet) forced: the inputs wait for `F`.
    pub fn locked(&self) -> bool {
        self.phase == Phase::Editing && !self.force && !self.passes(false)
    }

    /// `F` may force past what refuses now.
    pub fn forceable(&self) -> bool {
        self.passes(true)
    }

    /// A reason is required (protected env, or forcing): `policy::reason` says.
    pub fn reason_required(&self) -> bool {
        policy::reason(self.protected.is_some(), self.intent.env(), self.force, None).is_err()
    }

    pub fn fields(&self) -> Vec<Field> {
        let mut f = Vec::new();
        if matches!(self.intent, Intent::Resolve { .. }) {
            f.push(Field::Outcome);
        }
        f.push(Field::Reason);
        if self.protected.is_some() {
            f.push(Field::Confirm);
        }
        f
    }

    /// Resolve: the outcome the person picked.
    pub fn succeeded(&self) -> bool {
        matches!(self.intent, Intent::Resolve { succeeded: true, .. })
    }

    pub fn set_succeeded(&mut self, to: bool) {
        if let Intent::Resolve { succeeded, .. } = &mut self.intent {
            *succeeded = to;
        }
    }

    /// Ok when Enter may start the action; else what is missing.
    pub fn ready(&self) -> Result<(), String> {
        if let Some(m) = &self.moved {
            return Err(m.clone());
        }
        if self.phase == Phase::Planning {
            return Err("working out what would happen…".into());
        }
        if let Some(e) = self.failed() {
            return Err(e.to_string());
        }
        if self.intent.runs_hook() {
            let Some(step) = self.deciding() else {
                return Err("nothing to promote: every stage already runs its source's build".into());
            };
            if let Err(e) = &step.plan {
                return Err(e.clone());
            }
        }
        let blocking = self.blocking();
        if !blocking.is_empty() {
            let names: Vec<&str> = blocking.iter().map(|g| g.name.as_str()).collect();
            return Err(format!(
                "cannot run now ({}); even --force cannot pass it",
                names.join(", ")
            ));
        }
        if !self.passes(self.force) {
            let n = self.failing().len();
            return Err(format!(
                "refused by {n} gate{}: press F to force (needs a reason) or esc",
                if n == 1 { "" } else { "s" }
            ));
        }
        if self.reason_required() && self.reason.value().trim().is_empty() {
            return Err(if self.force {
                "a reason is required to force (it is recorded)".into()
            } else {
                "a reason is required in a protected environment".into()
            });
        }
        if let Some(name) = &self.protected {
            if self.confirm.value().trim() != name {
                return Err(format!("type {name} to confirm"));
            }
        }
        Ok(())
    }

    fn text(i: &Input) -> Option<String> {
        Some(i.value().trim().to_string()).filter(|s| !s.is_empty())
    }

    /// The job Enter starts: exactly what the dialog showed. A promotion
    /// is pinned to the source release shown (refused if the source moved),
    /// a rollback to the target shown; approval takes the text as its note.
    pub fn job(&self) -> Job {
        let reason = Dialog::text(&self.reason);
        let shown = self.deciding().and_then(|s| s.plan.as_ref().ok());
        let mut intent = self.intent.clone();
        match &mut intent {
            Intent::Promote { expect, .. } => *expect = expect.or(shown.and_then(|p| p.source_release)),
            Intent::Rollback { to, .. } => *to = to.or(shown.and_then(|p| p.target_release)),
            Intent::Approve { note, .. } => note.clone_from(&reason),
            _ => {}
        }
        Job::Intent {
            intent,
            confirmation: Confirmation {
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

/// What a preview would do, gate states aside: which build goes where, as
/// which release, or which flag state becomes which. Two previews that
/// agree here differ only in their gates.
/// One step: (to, skipped, (version, source vN, target vN, next vN)).
type StepShipping<'a> = (&'a str, bool, Option<(&'a str, Option<u64>, Option<u64>, u64)>);

#[derive(PartialEq)]
struct Shipping<'a> {
    steps: Vec<StepShipping<'a>>,
    flag: Option<(&'a crate::config::FlagState, &'a crate::config::FlagState)>,
}

impl<'a> Shipping<'a> {
    fn of(p: &'a Preview) -> Shipping<'a> {
        Shipping {
            steps: p
                .steps
                .iter()
                .map(|s| {
                    let plan = s.plan.as_ref().ok();
                    let shipped = plan.map(|p| {
                        (
                            p.build.version.as_str(),
                            p.source_release,
                            p.target_release,
                            p.next_number,
                        )
                    });
                    (s.to.as_str(), s.skip, shipped)
                })
                .collect(),
            flag: p.flag.as_ref().map(|f| (&f.before, &f.after)),
        }
    }
}
