//! Popups live on a stack; keys go to the top one. Each says whether it
//! consumed a key and what the app should do about it: the action dialog
//! (an intent to confirm), help, and the one-line prompts.

pub mod dialog;
mod dialog_keys;
mod dialog_text;
mod dialog_view;
pub mod diff;
mod facts;
pub mod help;
pub mod incident;
pub mod prompt;
mod run_log;
pub mod text_pane;

use ratatui::crossterm::event::KeyEvent;
use ratatui::layout::Rect;
use ratatui::Frame;

use super::event::Job;
use super::render::theme::Theme;
use crate::ops::checklist::TickRequest;

pub use dialog::{Dialog, Phase};
pub use diff::DiffPane;
pub use facts::facts;
pub use help::Help;
pub use incident::IncidentPanel;
pub use prompt::{Prompt, PromptKind};
pub use run_log::RunLog;
pub use text_pane::TextPane;

/// What a popup asks of the app after a key.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// Handled; nothing else to do.
    Consumed,
    /// Close this popup.
    Close,
    /// The command line was submitted.
    CommandLine(String),
    /// The filter text changed (live).
    Filter(String),
    /// Enter on the filter: keep it, close the prompt.
    FilterDone(String),
    /// Esc on the filter: drop it.
    FilterCleared,
    /// Tick (or untick) with the note or role just given.
    Tick(TickRequest),
    /// Start this job (the dialog stays open to show progress).
    Run(Job),
    /// Cancel the running hook.
    Cancel,
    /// A flag prompt (targets, evaluation key) was answered.
    Prompted(PromptKind, String),
    /// Incident mode: open this incident (the panel stays to show it).
    IncidentOpen(crate::ops::intent::Intent),
    /// Incident mode: ask for a note on `env`'s open incident.
    IncidentNote(String),
    /// Incident mode: confirm this action (the reason typed in its dialog).
    Ask(crate::ops::intent::Intent),
    /// Incident mode: confirm this action with the reason pre-filled.
    Act {
        intent: crate::ops::intent::Intent,
        reason: String,
    },
}

/// A piece of UI that handles keys and draws itself from its own state.
pub trait Component {
    fn on_key(&mut self, key: &KeyEvent) -> Outcome;
    fn render(&self, f: &mut Frame, area: Rect, theme: &Theme, spin: usize);
}

#[derive(Debug)]
pub enum Popup {
    Help(Help),
    Prompt(Box<Prompt>),
    Dialog(Box<Dialog>),
    Incident(Box<IncidentPanel>),
    Diff(Box<DiffPane>),
    Text(Box<TextPane>),
}

impl Popup {
    pub fn component(&self) -> &dyn Component {
        match self {
            Popup::Help(h) => h,
            Popup::Prompt(p) => p.as_ref(),
            Popup::Dialog(d) => d.as_ref(),
            Popup::Incident(i) => i.as_ref(),
            Popup::Diff(d) => d.as_ref(),
            Popup::Text(t) => t.as_ref(),
        }
    }
    pub fn component_mut(&mut self) -> &mut dyn Component {
        match self {
            Popup::Help(h) => h,
            Popup::Prompt(p) => p.as_mut(),
            Popup::Dialog(d) => d.as_mut(),
            Popup::Incident(i) => i.as_mut(),
            Popup::Diff(d) => d.as_mut(),
            Popup::Text(t) => t.as_mut(),
        }
    }
}

/// Esc, or ctrl-c, which inside a popup means "get me out of here".
pub fn is_escape(key: &KeyEvent) -> bool {
    use ratatui::crossterm::event::{KeyCode, KeyModifiers};
    key.code == KeyCode::Esc || (key.code == KeyCode::Char('c') && key.modifiers.contains(KeyModifiers::CONTROL))
}
