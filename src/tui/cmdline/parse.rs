//! From a command line to an [`Intent`]: the CLI's own clap definition
//! parses it, and each verb maps to the dialog or job the keys would open.

use clap::Parser;

use super::words::split;
use super::Intent;
use crate::cli::args::{Cli, Cmd, FlagCmd, HoldCmd};
use crate::ops::flags::Switch;
use crate::tui::app::View;
use crate::tui::event::{FlagOp, Job, TickJob};
use crate::tui::popups::DialogKind;
use crate::tui::theme::State;

fn release(s: &Option<String>) -> Result<Option<u64>, String> {
    s.as_deref()
        .map(crate::cli::parse_release)
        .transpose()
        .map_err(|e| e.to_string())
}

/// Parse one command line into an intent (errors become a message).
pub fn parse(line: &str, env_names: &[&str]) -> Intent {
    let words = match split(line) {
        Ok(w) => w,
        Err(e) => return Intent::Say(format!("✖ {e}"), State::Error),
    };
    match words.first().map(String::as_str) {
        None => return Intent::Say(String::new(), State::Unknown),
        Some("q" | "quit" | "q!" | "exit") => return Intent::Quit,
        Some("help" | "?") => return Intent::Help,
        _ => {}
    }
    let argv = std::iter::once("relcon".to_string()).chain(words);
    let cli = match Cli::try_parse_from(argv) {
        Ok(c) => c,
        Err(e) => {
            let text = e.to_string();
            let first = text
                .lines()
                .next()
                .unwrap_or("")
                .trim_start_matches("error: ")
                .to_string();
            return Intent::Say(format!("✖ {first}"), State::Error);
        }
    };
    let Some(cmd) = cli.command else {
        return Intent::Say(String::new(), State::Unknown);
    };
    let known = |e: &str| env_names.contains(&e);
    let unknown = |e: &str| {
        Intent::Say(
            format!("✖ unknown environment {e:?}: expected one of {}", env_names.join(", ")),
            State::Error,
        )
    };
    let dialog = |kind, reason, force| Intent::Dialog {
        kind,
        reason,
        force,
        succeeded: None,
    };
    match cmd {
        Cmd::Promote {
            through: Some(target),
            act,
            ..
        } if known(&target) => dialog(DialogKind::Through { target }, act.reason, act.force),
        Cmd::Promote { through: Some(t), .. } => unknown(&t),
        Cmd::Promote {
            from: Some(from),
            to: Some(to),
            expect,
            act,
            ..
        } => match (known(&from), known(&to), release(&expect)) {
            (false, _, _) => unknown(&from),
            (_, false, _) => unknown(&to),
            (_, _, Err(e)) => Intent::Say(format!("✖ {e}"), State::Error),
            (_, _, Ok(expect)) => dialog(DialogKind::Promote { from, to, expect }, act.reason, act.force),
        },
        Cmd::Promote { .. } => Intent::Say("usage: promote FROM TO | promote --through ENV".into(), State::Error),
        Cmd::Rollback { env, .. } if !known(&env) => unknown(&env),
        Cmd::Rollback { env, to, act } => match release(&to) {
            Ok(to) => dialog(DialogKind::Rollback { env, to }, act.reason, act.force),
            Err(e) => Intent::Say(format!("✖ {e}"), State::Error),
        },
        Cmd::Deploy { env, .. } if !known(&env) => unknown(&env),
        Cmd::Deploy { env, version, act } => dialog(DialogKind::Deploy { env, version }, act.reason, act.force),
        Cmd::Approve { env, .. } if !known(&env) => unknown(&env),
        Cmd::Approve { env, version, note, .. } => dialog(DialogKind::Approve { env, version }, note, false),
        Cmd::Hold {
            cmd: HoldCmd::Clear { env, .. },
        } if !known(&env) => unknown(&env),
        Cmd::Hold {
            cmd: HoldCmd::Clear { env, reason },
        } => dialog(DialogKind::HoldClear { env }, reason, false),
        Cmd::Resolve { env, .. } if !known(&env) => unknown(&env),
        Cmd::Resolve {
            env, outcome, reason, ..
        } => Intent::Dialog {
            kind: DialogKind::Resolve { env },
            reason,
            force: false,
            succeeded: Some(outcome == "succeeded"),
        },
        Cmd::Check { env, .. } if !known(&env) => unknown(&env),
        Cmd::Check {
            env,
            checklist,
            item,
            undo,
            note,
            role,
            version,
            ..
        } => Intent::Run(Job::Tick(TickJob {
            env,
            checklist,
            item,
            version,
            undo,
            note,
            role,
        })),
        Cmd::Status(_) => Intent::View(View::Dashboard, None),
        Cmd::History { env, .. } if !known(&env) => unknown(&env),
        Cmd::History { env, .. } => Intent::View(View::Dashboard, Some(env)),
        Cmd::Checklist {
            cmd: None,
            env: Some(env),
            ..
        } if !known(&env) => unknown(&env),
        Cmd::Checklist { cmd: None, env, .. } => Intent::View(View::Checklists, env),
        Cmd::Audit { cmd: None, .. } => Intent::View(View::Audit, None),
        Cmd::Health { env: Some(env), .. } if !known(&env) => unknown(&env),
        Cmd::Health { env, .. } => Intent::View(View::Health, env),
        Cmd::Flag { cmd } => flag_intent(cmd, &known, &unknown),
        _ => Intent::Say(
            "that command is not available in the console: run it with `relcon` in a shell".into(),
            State::Unknown,
        ),
    }
}

/// `flag set | kill | restore | eval | list` → the Flags view's dialogs.
fn flag_intent(cmd: FlagCmd, known: &dyn Fn(&str) -> bool, unknown: &dyn Fn(&str) -> Intent) -> Intent {
    let dialog = |env: String, flag: String, op: FlagOp, reason: Option<String>, force: bool| Intent::Dialog {
        kind: DialogKind::Flag { env, flag, op },
        reason,
        force,
        succeeded: None,
    };
    match cmd {
        FlagCmd::Set { env, .. }
        | FlagCmd::Kill { env, .. }
        | FlagCmd::Restore { env, .. }
        | FlagCmd::Eval { env, .. }
            if !known(&env) =>
        {
            unknown(&env)
        }
        FlagCmd::Set {
            env,
            flag,
            state,
            target,
            untarget,
            act,
        } => match state.as_deref().map(Switch::parse).transpose() {
            Ok(switch) => dialog(
                env,
                flag,
                FlagOp::Set {
                    switch,
                    add: target,
                    remove: untarget,
                },
                act.reason,
                act.force,
            ),
            Err(e) => Intent::Say(format!("✖ {e}"), State::Error),
        },
        FlagCmd::Kill { env, flag, reason, .. } => dialog(env, flag, FlagOp::Kill, reason, false),
        FlagCmd::Restore { env, flag, act } => dialog(env, flag, FlagOp::Restore, act.reason, act.force),
        FlagCmd::Eval { env, flag, key, .. } => Intent::Run(Job::FlagEval { env, flag, key }),
        FlagCmd::List { .. } => Intent::View(View::Flags, None),
        _ => Intent::Say(
            "that command is not available in the console: run it with `relcon` in a shell".into(),
            State::Unknown,
        ),
    }
}
