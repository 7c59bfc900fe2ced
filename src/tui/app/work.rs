//! The jobs this console started: starting one (from a key or a confirmed
//! dialog), cancelling a hook, hearing the end of one, and quitting while
//! one runs.

use super::{App, Running};
use crate::domain::DeploymentStatus;
use crate::ops::intent::Intent;
use crate::tui::dialogs::Popup;
use crate::tui::event::{Effect, Job};
use crate::tui::render::theme::State;

impl App {
    /// Run a job that needs no dialog (a tick, an evaluation, a user command).
    pub(super) fn start(&mut self, job: Job, label: String) -> Vec<Effect> {
        let id = self.next_id();
        self.running.push(Running {
            id,
            label,
            hook: job.runs_hook(),
        });
        self.set_status("working…", State::Busy);
        vec![Effect::Run { id, job }]
    }

    /// The top dialog was confirmed: its job runs under the dialog's id,
    /// so progress and the end find their way back to it.
    pub(super) fn confirmed(&mut self, job: Job) -> Vec<Effect> {
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

    pub(super) fn cancel(&mut self) -> Vec<Effect> {
        match self.running.iter().find(|r| r.hook) {
            Some(r) => {
                let label = r.label.clone();
                self.set_status(format!("cancelling {label}…"), State::Warn);
                vec![Effect::Cancel]
            }
            None => {
                // A deployment of the selected env run elsewhere (another
                // relcon, another person): say whose, and what can be done.
                let elsewhere = self.shared.env_status().and_then(|e| {
                    let d = e.deployment.as_ref().filter(|d| d.state == DeploymentStatus::Started)?;
                    let who = d.lease.as_ref().map_or(d.actor.clone(), |l| match &l.host {
                        Some(h) => format!("{}@{h}", l.holder),
                        None => l.holder.clone(),
                    });
                    Some(format!(
                        "{} v{} is {who}'s (their relcon): ask them, or take over: deploy --force --reason",
                        e.name, d.number
                    ))
                });
                match elsewhere {
                    Some(text) => self.set_status(text, State::Warn),
                    None => self.set_status("nothing is running to cancel", State::Unknown),
                }
                Vec::new()
            }
        }
    }

    pub(super) fn quit(&mut self, armed: bool) -> Vec<Effect> {
        if self.running.iter().any(|r| r.hook) && !armed {
            self.quit_armed = true;
            self.set_status(
                "a hook is running: x cancels it; q again leaves it running unwatched (its deployment will show as interrupted)",
                State::Warn,
            );
        } else {
            self.quit = true;
        }
        Vec::new()
    }

    /// A job ended: say how, close a quick dialog on success, and reload.
    pub(super) fn on_finished(&mut self, id: u64, result: Result<String, String>) -> Vec<Effect> {
        let label = self.running.iter().find(|r| r.id == id).map(|r| r.label.clone());
        self.running.retain(|r| r.id != id);
        self.dirty = true;
        let shown = self.incident_panel().is_some_and(|p| p.id == id) || self.dialog_mut(id).is_some();
        match &result {
            Ok(m) => self.set_status(m.clone(), State::Ok),
            // Its dialog or panel shows it whole; a job of its own (a tick,
            // a key's action) gets a pane when the status line cuts it.
            Err(e) if shown => self.set_status(e.clone(), State::Error),
            Err(e) => {
                self.say_error(e, "error", ("action", label.as_deref().unwrap_or("-")));
            }
        }
        if let Some(p) = self.incident_panel().filter(|p| p.id == id) {
            p.finished(&result);
        }
        let quick = self.dialog_mut(id).map(|d| !d.intent.runs_hook());
        match quick {
            // Approve, clear hold, resolve, a flag change: close on
            // success, keep the error in view.
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

    /// What a job is called on the status line.
    pub(super) fn job_label(&self, job: &Job) -> String {
        let intent = match job {
            Job::Intent { intent, .. } => intent,
            Job::Eval { env, flag, key } => return format!("eval {flag} in {env} for {key}"),
            Job::Diff(_) => return "what changed".to_string(),
            Job::Shell { index, .. } => {
                return self
                    .shared
                    .keymap
                    .shell
                    .get(*index as usize)
                    .cloned()
                    .unwrap_or_default()
            }
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
            Intent::RolloutStart { env, plan, .. } => format!("start of rollout {plan} in {env}"),
            Intent::Rollout { env, act } => format!("rollout {} in {env}", act.as_str()),
            Intent::IncidentOpen { env, .. } => format!("opening an incident on {env}"),
            Intent::IncidentNote { env, .. } => format!("noting {env}'s incident"),
            Intent::IncidentResolve { env } => format!("resolving {env}'s incident"),
        }
    }
}
