//! The `:` command line: the CLI's own verbs, parsed by the CLI's own clap
//! definition, turned into the same intents (and dialogs) the keys make.

mod parse;
mod words;

use super::app::{App, View};
use super::event::{Effect, Job};
use super::theme::State;
use crate::ops::intent::Intent;
pub use parse::parse;

/// What a command line asks for.
#[derive(Debug, Clone, PartialEq)]
pub enum Asked {
    Quit,
    Help,
    View(View, Option<String>),
    /// Confirm this intent in its dialog, prefilled.
    Dialog {
        intent: Intent,
        reason: Option<String>,
        force: bool,
    },
    /// Run at once: a checklist tick, a flag evaluation.
    Run(Job),
    Say(String, State),
}

impl App {
    pub(super) fn command_line(&mut self, line: &str) -> Vec<Effect> {
        let names: Vec<String> = self.config.env_names().into_iter().map(str::to_string).collect();
        let refs: Vec<&str> = names.iter().map(String::as_str).collect();
        match parse(line, &refs) {
            Asked::Quit => self.quit(false),
            Asked::Help => {
                self.help();
                Vec::new()
            }
            Asked::View(v, env) => {
                self.status = None;
                let mut fx = self.show(v);
                if let Some(i) = env.and_then(|e| names.iter().position(|n| *n == e)) {
                    fx.extend(self.select_env_index(i));
                }
                fx
            }
            Asked::Dialog { .. } if self.read_only => {
                self.set_status(
                    "read-only: actions are disabled (started with --read-only)",
                    State::Warn,
                );
                Vec::new()
            }
            Asked::Run(ref job) if self.read_only && job.writes() => {
                self.set_status(
                    "read-only: actions are disabled (started with --read-only)",
                    State::Warn,
                );
                Vec::new()
            }
            Asked::Dialog { intent, reason, force } => self.open_dialog(intent, reason, force),
            Asked::Run(job) => {
                let label = self.job_label(&job);
                self.start(job, label)
            }
            Asked::Say(text, level) => {
                if !text.is_empty() {
                    self.set_status(text, level);
                }
                Vec::new()
            }
        }
    }
}

#[cfg(test)]
mod tests;
