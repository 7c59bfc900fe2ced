//! The `:` command line: the CLI's own verbs, parsed by the CLI's own clap
//! definition, mapped to the same dialogs the keys open.

mod parse;
mod words;

use super::app::{App, View};
use super::event::{Effect, Job};
use super::popups::DialogKind;
use super::theme::State;
pub use parse::parse;

/// What a command line asks for.
#[derive(Debug, Clone, PartialEq)]
pub enum Intent {
    Quit,
    Help,
    View(View, Option<String>),
    Dialog {
        kind: DialogKind,
        reason: Option<String>,
        force: bool,
        succeeded: Option<bool>,
    },
    Run(Job),
    Say(String, State),
}

impl App {
    pub(super) fn command_line(&mut self, line: &str) -> Vec<Effect> {
        let names: Vec<String> = self.config.env_names().into_iter().map(str::to_string).collect();
        let refs: Vec<&str> = names.iter().map(String::as_str).collect();
        match parse(line, &refs) {
            Intent::Quit => self.quit(false),
            Intent::Help => {
                self.help();
                Vec::new()
            }
            Intent::View(v, env) => {
                self.status = None;
                let mut fx = self.show(v);
                if let Some(i) = env.and_then(|e| names.iter().position(|n| *n == e)) {
                    fx.extend(self.select_env_index(i));
                }
                fx
            }
            Intent::Dialog { .. } if self.read_only => {
                self.set_status(
                    "read-only: actions are disabled (started with --read-only)",
                    State::Warn,
                );
                Vec::new()
            }
            Intent::Run(ref job) if self.read_only && job.writes() => {
                self.set_status(
                    "read-only: actions are disabled (started with --read-only)",
                    State::Warn,
                );
                Vec::new()
            }
            Intent::Dialog {
                kind,
                reason,
                force,
                succeeded,
            } => self.open_dialog(kind, reason, force, succeeded),
            Intent::Run(job) => {
                let label = self.job_label(&job);
                self.start(job, label)
            }
            Intent::Say(text, level) => {
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
