//! Input and output: terminal keys as the keymap's `KeySpec`s (and the thread that
//! reads them), the `:` command line, and [`Asked`] — what a key or a
//! command line asks the app for. Translating input never acts: the app
//! carries out what was asked.

mod ansi;
pub mod cmdline;
pub mod keys;
pub mod terminal;

use super::dialogs::PromptKind;
use super::event::Job;
use super::render::theme::State;
use super::views::View;
use crate::ops::intent::Intent;

/// What a key or a command line asks for.
#[derive(Debug, Clone, PartialEq)]
pub enum Asked {
    Nothing,
    Quit,
    Help,
    /// Show a view (and select an env there).
    View(View, Option<String>),
    /// Confirm this intent in its dialog, prefilled.
    Dialog {
        intent: Intent,
        reason: Option<String>,
        force: bool,
    },
    /// Run at once: a checklist tick, a flag evaluation, a user command.
    Run(Job),
    /// Ask one more thing first (a note, a role, targets, a key): the
    /// prompt, its prefilled value, and what is being asked.
    Prompt {
        kind: PromptKind,
        value: String,
        context: String,
    },
    /// What changed: open the diff pane (its title, what to compare).
    Diff(String, crate::tui::event::DiffAsk),
    /// Show the hidden hook dialog again.
    Output,
    /// Show this text (an audit event, whole).
    Show(Box<crate::tui::dialogs::TextPane>),
    /// Incident mode on this environment.
    Incident(String),
    /// Its open incident, if it has one (`:incident show`: shows, never opens).
    IncidentShow(String),
    /// A view, filtered (`:incident list`: the Audit view's incident events).
    Filtered(crate::tui::views::View, String),
    /// Only a word on the status line.
    Say(String, State),
}

impl Asked {
    /// The dialog for `intent`, nothing prefilled.
    pub fn dialog(intent: Intent) -> Asked {
        Asked::Dialog {
            intent,
            reason: None,
            force: false,
        }
    }

    /// A word on the status line, neither good nor bad news.
    pub fn say(text: impl Into<String>) -> Asked {
        Asked::Say(text.into(), State::Unknown)
    }
}
