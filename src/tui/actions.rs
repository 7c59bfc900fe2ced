//! Opening the action dialogs (with the facts they need) and checklist
//! ticks. Every dialog's plan is computed on the backend; the app only
//! names the request.

use super::app::App;
use super::event::{Effect, Job};
use super::format::{short, when};
use super::popups::dialog::previewed;
use super::popups::{Dialog, Phase, Popup, Prompt, PromptKind};
use super::theme::State;
use crate::domain::DeploymentStatus;
use crate::ops::checklist::TickRequest;
use crate::ops::intent::{self, Intent};

/// The highlighted checklist item and what the tick needs to know of it.
struct Picked {
    req: TickRequest,
    done: bool,
    role: Option<String>,
    text: String,
    by: Option<String>,
}

impl App {
    /// Open the dialog that confirms `intent`; deployments and flag
    /// changes ask the reader for their preview.
    pub(super) fn open_dialog(&mut self, intent: Intent, reason: Option<String>, force: bool) -> Vec<Effect> {
        let id = self.next_id();
        let protected = intent::confirm_name(&self.config, &intent);
        let info = self.dialog_info(&intent);
        let mut d = Dialog::new(id, intent.clone(), protected, info, reason);
        d.force = force;
        self.popups.push(Popup::Dialog(Box::new(d)));
        if previewed(&intent) {
            vec![Effect::Preview { id, intent }]
        } else {
            Vec::new()
        }
    }

    /// The ledger changed: open dialogs waiting for a confirmation ask for
    /// a fresh preview, so their gates show approvals and ticks as they land.
    pub(super) fn replan(&self) -> Vec<Effect> {
        self.popups
            .iter()
            .filter_map(|p| match p {
                Popup::Dialog(d) if d.phase == Phase::Editing && d.preview.is_some() && d.moved.is_none() => {
                    Some(Effect::Preview {
                        id: d.id,
                        intent: d.intent.clone(),
                    })
                }
                _ => None,
            })
            .collect()
    }

    fn dialog_info(&self, intent: &Intent) -> Vec<String> {
        let env_of = |name: &str| {
            self.snap
                .as_ref()
                .and_then(|s| s.status.environments.iter().find(|e| e.name == name))
        };
        match intent {
            Intent::Approve { env, version, .. } => {
                let Some(e) = env_of(env) else { return Vec::new() };
                let mut out = Vec::new();
                if let Some(p) = e.pending.as_ref().filter(|p| &p.version == version) {
                    let from = match (&p.from, p.from_release) {
                        (Some(f), Some(n)) => format!(" from {f} v{n}"),
                        _ => String::new(),
                    };
                    out.push(format!(
                        "Build {} ({}){from}, waiting to go into {env}",
                        p.version,
                        short(&p.commit)
                    ));
                }
                let by = if e.approvals.by.is_empty() {
                    "nobody yet".to_string()
                } else {
                    e.approvals.by.join(", ")
                };
                out.push(format!(
                    "approvals {}/{} so far: {by}",
                    e.approvals.by.len(),
                    e.approvals.required
                ));
                out.push(format!(
                    "You approve as {}; the person who promotes cannot approve their own promotion.",
                    self.actor
                ));
                out
            }
            Intent::HoldClear { env } => match env_of(env).and_then(|e| e.hold.as_ref()) {
                Some(h) => vec![
                    format!(
                        "Held by {} since {}: {}",
                        h.actor,
                        when(self.now, h.since),
                        h.reason.clone().unwrap_or_else(|| "no reason given".into())
                    ),
                    format!("Clearing it lets promotions into {env} again."),
                ],
                None => vec![format!("{env} has no hold.")],
            },
            Intent::Resolve { env, .. } => match env_of(env).and_then(|e| e.deployment.as_ref()) {
                Some(d) => vec![
                    format!(
                        "{env} v{} ({}, {} by {}) was interrupted {}.",
                        d.number,
                        d.version,
                        d.action,
                        d.actor,
                        when(self.now, d.started_at)
                    ),
                    d.error.clone().unwrap_or_default(),
                    "Mark it succeeded if the version did go out (health shows it), else failed.".into(),
                ],
                None => Vec::new(),
            },
            _ => Vec::new(),
        }
    }

    pub(super) fn open_promote(&mut self) -> Vec<Effect> {
        let from = self.env_name().to_string();
        match self.config.next_env(&from).map(|e| e.name.clone()) {
            Some(to) => self.open_dialog(Intent::Promote { from, to, expect: None }, None, false),
            None => {
                self.set_status(
                    format!("{from} is the last stage: nothing promotes from it"),
                    State::Unknown,
                );
                Vec::new()
            }
        }
    }

    pub(super) fn open_through(&mut self) -> Vec<Effect> {
        let target = self.env_name().to_string();
        if self.config.env(&target).is_some_and(|e| e.promote_from.is_none()) {
            self.set_status(
                format!("{target} is the first stage: select a later one to promote through to it"),
                State::Unknown,
            );
            return Vec::new();
        }
        self.open_dialog(Intent::PromoteThrough { target }, None, false)
    }

    /// Roll back to the highlighted release when it is an older succeeded
    /// one; otherwise to the default target (the previous different build).
    pub(super) fn open_rollback(&mut self) -> Vec<Effect> {
        let env = self.env_name().to_string();
        let current = self.env_status().and_then(|e| e.release.as_ref()).map(|r| r.number);
        let Some(current) = current else {
            self.set_status(
                format!("{env} has no current release to roll back from"),
                State::Unknown,
            );
            return Vec::new();
        };
        let picked = self
            .history_page()
            .and_then(|h| h.get(self.history.cursor))
            .filter(|r| r.status == DeploymentStatus::Succeeded && r.number < current)
            .map(|r| r.number);
        self.open_dialog(Intent::Rollback { env, to: picked }, None, false)
    }

    pub(super) fn open_approve(&mut self) -> Vec<Effect> {
        let env = self.env_name().to_string();
        match self
            .env_status()
            .and_then(|e| e.pending.as_ref())
            .map(|p| p.version.clone())
        {
            Some(version) => self.open_dialog(
                Intent::Approve {
                    env,
                    version,
                    note: None,
                },
                None,
                false,
            ),
            None => {
                self.set_status(format!("{env} has no pending build to approve"), State::Unknown);
                Vec::new()
            }
        }
    }

    pub(super) fn open_hold_clear(&mut self) -> Vec<Effect> {
        let env = self.env_name().to_string();
        if self.env_status().is_some_and(|e| e.hold.is_none()) {
            self.set_status(format!("{env} has no hold to clear"), State::Unknown);
            return Vec::new();
        }
        self.open_dialog(Intent::HoldClear { env }, None, false)
    }

    pub(super) fn open_resolve(&mut self) -> Vec<Effect> {
        let env = self.env_name().to_string();
        let interrupted = self
            .env_status()
            .and_then(|e| e.deployment.as_ref())
            .is_some_and(|d| d.state == DeploymentStatus::Interrupted.as_str());
        if !interrupted {
            self.set_status(
                format!("{env} has no interrupted deployment to resolve"),
                State::Unknown,
            );
            return Vec::new();
        }
        self.open_dialog(Intent::Resolve { env, succeeded: true }, None, false)
    }

    /// The highlighted checklist item as a tick request.
    fn picked(&self) -> Option<Picked> {
        let (ri, ii) = *self.check_items().get(self.checks.cursor as usize)?;
        let run = self.snap.as_ref()?.runs.get(ri)?;
        let item = run.items.get(ii)?;
        let req = TickRequest {
            env: run.env.clone(),
            checklist: run.name.clone(),
            item: item.n.to_string(),
            version: Some(run.build.clone()),
            undo: false,
            note: None,
            role: None,
        };
        Some(Picked {
            req,
            done: item.done,
            role: item.role.clone(),
            text: item.text.clone(),
            by: item.by.clone(),
        })
    }

    pub(super) fn tick(&mut self, undo: bool) -> Vec<Effect> {
        let Some(Picked {
            req,
            done,
            role,
            text,
            by,
        }) = self.picked()
        else {
            self.set_status(
                format!("{} has no open checklist item here", self.env_name()),
                State::Unknown,
            );
            return Vec::new();
        };
        match (undo, done) {
            (false, true) => {
                self.set_status(
                    format!(
                        "“{text}” is already ticked by {} — u unticks, n adds a note",
                        by.unwrap_or_default()
                    ),
                    State::Unknown,
                );
                Vec::new()
            }
            (true, false) => {
                self.set_status(format!("“{text}” is not ticked"), State::Unknown);
                Vec::new()
            }
            // Role items are signed (and unsigned) in a role: ask for it, prefilled.
            (_, _) if role.is_some() => {
                let role = role.unwrap_or_default();
                let verb = if undo { "untick" } else { "tick" };
                let ctx = format!("{verb} “{}”: signed by {role}", super::format::fit(&text, 40));
                self.popups.push(Popup::Prompt(Box::new(Prompt::new(
                    PromptKind::Role(TickRequest { undo, ..req }),
                    &role,
                    ctx,
                ))));
                Vec::new()
            }
            _ => {
                let job = Job::act(Intent::Tick(TickRequest { undo, ..req }));
                let label = self.job_label(&job);
                self.start(job, label)
            }
        }
    }

    pub(super) fn note(&mut self) -> Vec<Effect> {
        let Some(Picked { req, role, text, .. }) = self.picked() else {
            self.set_status(
                format!("{} has no open checklist item here", self.env_name()),
                State::Unknown,
            );
            return Vec::new();
        };
        let ctx = format!(
            "note on “{}”{}",
            super::format::fit(&text, 40),
            role.as_ref().map(|r| format!(" (as {r})")).unwrap_or_default()
        );
        self.popups.push(Popup::Prompt(Box::new(Prompt::new(
            PromptKind::Note(TickRequest { role, ..req }),
            "",
            ctx,
        ))));
        Vec::new()
    }
}
