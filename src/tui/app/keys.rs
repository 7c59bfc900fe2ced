//! Input into the app: a key goes to the top popup, else through the
//! keymap to a `Command`; a command and a `:` line become [`Asked`] — an
//! intent to confirm, a job to run, a view, a prompt, a word — and the
//! app carries that out. No business rule here: views and ops decide.

use ratatui::crossterm::event::{KeyCode, KeyEvent};

use super::App;
use crate::config::Command;
use crate::ops::intent::Intent;
use crate::ops::rollout::Act;
use crate::tui::dialogs::{self, Dialog, Help, Outcome, Popup, Prompt, PromptKind};
use crate::tui::event::{DiffAsk, Effect, Job};
use crate::tui::input::{cmdline, keys, Asked};
use crate::tui::render::theme::State;
use crate::tui::views::dashboard::Dashboard;
use crate::tui::views::{flags, rollouts, View};

impl App {
    pub(super) fn on_key(&mut self, key: &KeyEvent) -> Vec<Effect> {
        if self.hold_key(key) {
            self.queued.push_back(*key);
            return Vec::new();
        }
        self.on_key_now(key)
    }

    fn on_key_now(&mut self, key: &KeyEvent) -> Vec<Effect> {
        if let Some(top) = self.popups.last_mut() {
            let out = top.component_mut().on_key(key);
            return self.on_outcome(out);
        }
        let Some(spec) = keys::spec(key) else { return Vec::new() };
        // A second `q` quits even with a hook running; any other key disarms.
        let armed = std::mem::take(&mut self.quit_armed);
        match self.shared.keymap.lookup(self.view.mode(), spec) {
            Some(Command::Quit) => self.quit(armed),
            Some(cmd) => self.command(cmd),
            None => Vec::new(),
        }
    }

    /// Whether `key` must wait: what it would act on is still loading, or
    /// keys typed before it still wait (order is kept, Esc included).
    /// Ctrl-c drops what waited and acts at once, and so does Esc when
    /// nothing waits; quit never waits, nor does anything while the ledger
    /// is unreachable (it may never load).
    fn hold_key(&mut self, key: &KeyEvent) -> bool {
        if self.shared.team.down().is_some() {
            self.queued.clear();
            return false;
        }
        if dialogs::is_escape(key) && (key.code != KeyCode::Esc || self.queued.is_empty()) {
            self.queued.clear();
            return false;
        }
        if !self.queued.is_empty() {
            return true;
        }
        if !self.loading() {
            return false;
        }
        let quits = self.popups.is_empty()
            && keys::spec(key).is_some_and(|s| self.shared.keymap.lookup(self.view.mode(), s) == Some(Command::Quit));
        !quits
    }

    /// What the keys wait for: the first snapshot, the selected env's
    /// snapshot, the rows of the view shown, the preview of the dialog on top, the incident being opened.
    pub fn loading(&self) -> bool {
        match self.popups.last() {
            // A quick action (a flag change, an approval) closes its dialog
            // when done: keys typed meanwhile are for what comes after.
            Some(Popup::Dialog(d)) => {
                return d.phase == dialogs::Phase::Planning
                    || (d.phase == dialogs::Phase::Running && !d.intent.runs_hook())
            }
            Some(Popup::Incident(i)) => return i.loading(),
            Some(_) => return false,
            None => {}
        }
        let Some(snap) = &self.shared.snap else { return true };
        snap.query.env != self.query.env
            || (self.query.flags && !snap.query.flags)
            || (self.query.audit && !snap.query.audit)
    }

    /// Keys that waited, in order, as far as nothing loads again.
    pub(super) fn replay(&mut self) -> Vec<Effect> {
        let mut fx = Vec::new();
        while !self.loading() {
            let Some(k) = self.queued.pop_front() else { break };
            fx.extend(self.on_key_now(&k));
        }
        fx
    }

    /// What the top popup asked for after a key.
    fn on_outcome(&mut self, out: Outcome) -> Vec<Effect> {
        match out {
            Outcome::Consumed => Vec::new(),
            Outcome::Close => {
                // A hook's dialog is kept, hidden, until the next one: `o`
                // shows it again, live while it runs, its output once done.
                if let Some(Popup::Dialog(d)) = self.popups.pop() {
                    let running = d.phase == dialogs::Phase::Running;
                    let ran = matches!(d.phase, dialogs::Phase::Done(_)) && d.intent.runs_hook();
                    if running || ran {
                        self.hidden = Some(d);
                    }
                    let key = self.shared.keymap.key_for(self.view.mode(), Command::Output);
                    if let (true, Some(k)) = (running, key) {
                        self.set_status(format!("the hook keeps running: {k} shows its output"), State::Busy);
                    }
                }
                Vec::new()
            }
            Outcome::CommandLine(line) => {
                self.popups.pop();
                if !line.is_empty() && self.cmd_history.last() != Some(&line) {
                    self.cmd_history.push(line.clone());
                }
                self.command_line(&line)
            }
            Outcome::Filter(text) => self.set_filter(text),
            Outcome::FilterDone(text) => {
                self.popups.pop();
                self.set_filter(text)
            }
            Outcome::FilterCleared => {
                self.popups.pop();
                self.set_filter(String::new())
            }
            Outcome::Tick(req) => {
                self.popups.pop();
                self.carry(Asked::Run(Job::act(Intent::Tick(req))))
            }
            Outcome::Run(job) => self.confirmed(job),
            Outcome::Cancel => self.cancel(),
            Outcome::Prompted(PromptKind::IncidentNote { env }, text) => {
                self.popups.pop();
                let job = Job::Intent {
                    intent: Intent::IncidentNote { env, text },
                    confirmation: crate::ops::intent::Confirmation::default(),
                };
                self.carry(Asked::Run(job))
            }
            Outcome::Prompted(kind, text) => {
                self.popups.pop();
                self.carry(flags::prompted(kind, text))
            }
            Outcome::IncidentNote(env) => self.carry(Asked::Prompt {
                kind: PromptKind::IncidentNote { env: env.clone() },
                value: String::new(),
                context: format!("note on {env}'s incident (kept in the ledger)"),
            }),
            Outcome::Ask(intent) => {
                self.popups.pop();
                self.carry(Asked::dialog(intent))
            }
            Outcome::IncidentOpen(intent) => self.open_incident(intent),
            Outcome::Act { intent, reason } => {
                self.popups.pop();
                self.carry(Asked::Dialog {
                    intent,
                    reason: Some(reason),
                    force: false,
                })
            }
        }
    }

    /// What a bound command asks for; read-only refuses every one that writes.
    pub(super) fn command(&mut self, cmd: Command) -> Vec<Effect> {
        if self.shared.read_only && cmd.writes() {
            let what = cmd.default_desc().to_lowercase();
            self.set_status(
                format!("read-only: “{what}” is disabled (started with --read-only)"),
                State::Warn,
            );
            return Vec::new();
        }
        if let Some(asked) = self.asked(cmd) {
            return self.carry(asked);
        }
        self.navigate(cmd)
    }

    /// Commands that ask for an action (or a popup); `None`: navigation.
    fn asked(&self, cmd: Command) -> Option<Asked> {
        use Command::*;
        let (sh, v) = (&self.shared, &self.views);
        Some(match cmd {
            Promote => Dashboard::promote(sh),
            PromoteThrough => Dashboard::promote_through(sh),
            Rollback => v.dashboard.rollback(sh),
            Approve => Dashboard::approve(sh),
            HoldClear => Dashboard::hold_clear(sh),
            Resolve => Dashboard::resolve(sh),
            Tick if self.view == View::Flags => v.flags.toggle(sh),
            Tick => v.checklists.tick(sh, false),
            Untick => v.checklists.tick(sh, true),
            Note => v.checklists.note(sh),
            Kill => v.flags.kill(sh),
            Increase => v.flags.step(sh, 1),
            Decrease => v.flags.step(sh, -1),
            Targets => v.flags.targets(sh),
            Eval => v.flags.eval(sh),
            RolloutPause => rollouts::ask(sh, Act::Pause),
            RolloutResume => rollouts::ask(sh, Act::Resume),
            RolloutAdvance => rollouts::ask(sh, Act::Advance),
            RolloutAbort => rollouts::ask(sh, Act::Abort),
            Shell(index) => Asked::Run(Job::Shell {
                index,
                env: sh.env_name().to_string(),
            }),
            Help => Asked::Help,
            Output => Asked::Output,
            Incident => Asked::Incident(sh.incident_env().to_string()),
            Select if self.view == View::Dashboard => v.dashboard.diff(sh),
            Select if self.view == View::Audit => match v.audit.visible().get(v.audit.pos.cursor as usize) {
                Some(row) => {
                    return Some(Asked::Show(Box::new(dialogs::TextPane::event(&row.event))));
                }
                None => Asked::say("no event here"),
            },
            CommandLine => Asked::Prompt {
                kind: PromptKind::Command,
                value: String::new(),
                context: String::new(),
            },
            _ => return None,
        })
    }

    /// Carry out what a key or a command line asked for.
    pub(super) fn carry(&mut self, asked: Asked) -> Vec<Effect> {
        match asked {
            Asked::Nothing => Vec::new(),
            Asked::Quit => self.quit(false),
            Asked::Help => {
                let sh = &self.shared;
                let help = Help::new(&sh.keymap, self.view.mode(), self.view.title(), sh.read_only);
                self.popups.push(Popup::Help(help));
                Vec::new()
            }
            Asked::View(v, env) => {
                self.status = None;
                let at = env.and_then(|e| self.shared.config.environments.iter().position(|n| n.name == e));
                let mut fx = self.show(v);
                if let Some(i) = at {
                    fx.extend(self.select_env_index(i));
                }
                fx
            }
            Asked::Dialog { intent, reason, force } => self.open_dialog(intent, reason, force),
            Asked::Run(job) => {
                let label = self.job_label(&job);
                self.start(job, label)
            }
            Asked::Prompt { kind, value, context } => {
                let mut p = Prompt::new(kind, &value, context);
                if p.kind == PromptKind::Command {
                    p.words = self.shared.completions();
                    p.history = self.cmd_history.clone();
                }
                self.popups.push(Popup::Prompt(Box::new(p)));
                Vec::new()
            }
            Asked::Incident(env) => self.incident_mode(&env),
            Asked::IncidentShow(env) => {
                if self.shared.status_of(&env).is_some_and(|e| e.incident.is_some()) {
                    return self.incident_mode(&env);
                }
                self.set_status(format!("{env} has no open incident (! opens one)"), State::Unknown);
                Vec::new()
            }
            Asked::Filtered(view, text) => {
                let mut fx = self.show(view);
                fx.extend(self.set_filter(text));
                fx
            }
            Asked::Output => match self.hidden.take() {
                Some(d) => {
                    self.popups.push(Popup::Dialog(d));
                    Vec::new()
                }
                None => {
                    self.set_status("no hook output to show again", State::Unknown);
                    Vec::new()
                }
            },
            Asked::Show(pane) => {
                self.popups.push(Popup::Text(pane));
                Vec::new()
            }
            Asked::Diff(title, ask) => {
                let id = self.next_id();
                self.popups
                    .push(Popup::Diff(Box::new(dialogs::DiffPane::new(id, title))));
                vec![Effect::Run {
                    id,
                    job: Job::Diff(ask),
                }]
            }
            Asked::Say(text, level) => {
                if !text.is_empty() {
                    self.set_status(text, level);
                }
                Vec::new()
            }
        }
    }

    /// A `:` line: the CLI's verbs, as the keys would ask (read-only
    /// refuses what writes).
    pub(super) fn command_line(&mut self, line: &str) -> Vec<Effect> {
        let names = self.shared.config.env_names();
        let asked = cmdline::parse(line, &names);
        let writes = match &asked {
            Asked::Dialog { .. } => true,
            Asked::Run(job) => job.writes(),
            _ => false,
        };
        if self.shared.read_only && writes {
            self.set_status(
                "read-only: actions are disabled (started with --read-only)",
                State::Warn,
            );
            return Vec::new();
        }
        if let Asked::Say(text, State::Error) = &asked {
            if self.say_error(text, ":", ("line", line)) {
                return Vec::new();
            }
        }
        self.carry(asked)
    }

    /// Open the dialog that confirms `intent`; deployments and flag
    /// changes ask the reader for their preview.
    fn open_dialog(&mut self, intent: Intent, reason: Option<String>, force: bool) -> Vec<Effect> {
        let id = self.next_id();
        let protected = crate::ops::intent::confirm_name(&self.shared.config, &intent);
        let facts = dialogs::facts(&self.shared, &intent);
        let mut d = Dialog::new(id, intent.clone(), protected, facts, reason);
        d.force = force;
        self.popups.push(Popup::Dialog(Box::new(d)));
        let mut fx = Vec::new();
        // Promote and rollback dialogs say what changed, in one line.
        let ask = match &intent {
            Intent::Promote { from, to, .. } => Some(DiffAsk::Environments {
                from: from.clone(),
                to: to.clone(),
            }),
            Intent::Rollback { env, to } => Some(DiffAsk::Releases {
                env: env.clone(),
                from: *to,
                to: None,
            }),
            _ => None,
        };
        if let Some(ask) = ask {
            fx.push(Effect::Run {
                id,
                job: Job::Diff(ask),
            });
        }
        if dialogs::dialog::previewed(&intent) {
            fx.insert(0, Effect::Preview { id, intent });
        }
        fx
    }

    /// The ledger changed: open dialogs waiting for a confirmation ask for
    /// a fresh preview, so their gates show approvals and ticks as they land.
    pub(super) fn replan(&self) -> Vec<Effect> {
        self.popups
            .iter()
            .filter_map(|p| match p {
                Popup::Dialog(d) if d.phase == dialogs::Phase::Editing && d.preview.is_some() && d.moved.is_none() => {
                    Some(Effect::Preview {
                        id: d.id,
                        intent: d.intent.clone(),
                    })
                }
                _ => None,
            })
            .collect()
    }
}
