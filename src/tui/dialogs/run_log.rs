//! The live side of a running action: the header, each step's state and
//! the last lines of hook output, fed by `ops::deploy::Progress`.

use std::collections::VecDeque;

use crate::exec::HookEvent;
use crate::ops::deploy::Progress;
use crate::tui::render::format::{output_line, text};

/// Where one named step of the hook is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StepRun {
    Pending,
    Running,
    Done,
    Failed,
}

impl StepRun {
    pub fn word(self) -> &'static str {
        match self {
            StepRun::Pending => "pending",
            StepRun::Running => "running",
            StepRun::Done => "done",
            StepRun::Failed => "failed",
        }
    }
}

/// The live side of a run: step states and the last lines of output.
#[derive(Debug, Clone, Default)]
pub struct RunLog {
    pub header: Option<String>,
    pub steps: Vec<(String, StepRun)>,
    pub output: VecDeque<String>,
    /// The hook is a list of named steps (show each one's state).
    pub multi: bool,
}

const KEEP_LINES: usize = 200;

impl RunLog {
    pub fn on_progress(&mut self, p: Progress) {
        match p {
            Progress::Started {
                env,
                number,
                version,
                action,
                steps,
                multi_step,
            } => {
                let verb = match action {
                    crate::domain::Action::Rollback => "rolling back to",
                    crate::domain::Action::Promote => "promoting",
                    crate::domain::Action::Deploy => "deploying",
                };
                self.header = Some(text(&format!("{env} v{number}: {verb} {version}")));
                // A single unnamed step is not worth a step line.
                self.multi = multi_step;
                self.steps = if multi_step {
                    steps.into_iter().map(|s| (text(&s), StepRun::Pending)).collect()
                } else {
                    Vec::new()
                };
                self.push(format!("▶ {env} v{number}: {verb} {version}"));
            }
            Progress::Hook(HookEvent::StepStarted { name }) if self.multi => self.step(&text(&name), StepRun::Running),
            Progress::Hook(HookEvent::StepStarted { .. }) => {}
            Progress::Hook(HookEvent::Output { line, .. }) => self.push(line),
            Progress::Hook(HookEvent::StepFinished { name, ok, detail }) => {
                if self.multi {
                    self.step(&text(&name), if ok { StepRun::Done } else { StepRun::Failed });
                }
                if !ok {
                    self.push(format!("✖ {name}: {detail}"));
                }
            }
        }
    }

    fn step(&mut self, name: &str, state: StepRun) {
        match self.steps.iter_mut().find(|s| s.0 == name) {
            Some(s) => s.1 = state,
            None => self.steps.push((name.to_string(), state)),
        }
    }

    /// Kept as drawn (inert): this buffer is only ever shown.
    fn push(&mut self, line: String) {
        if self.output.len() >= KEEP_LINES {
            self.output.pop_front();
        }
        self.output.push_back(output_line(&line));
    }
}
