//! From a command line to what it asks for ([`Asked`]): the CLI's own clap
//! definition parses it, and each verb becomes the intent the keys would make.

use clap::Parser;

use super::words::split;
use crate::cli::args::{Cli, Cmd, FlagCmd, HoldCmd};
use crate::ops::checklist::TickRequest;
use crate::ops::flags::{Change, FlagOp, Switch};
use crate::ops::intent::Intent;
use crate::tui::event::Job;
use crate::tui::input::Asked;
use crate::tui::render::theme::State;
use crate::tui::views::View;

fn release(s: &Option<String>) -> Result<Option<u64>, String> {
    s.as_deref()
        .map(crate::cli::parse_release)
        .transpose()
        .map_err(|e| e.to_string())
}

/// Parse one command line (errors become a message).
pub fn parse(line: &str, env_names: &[&str]) -> Asked {
    let words = match split(line) {
        Ok(w) => w,
        Err(e) => return Asked::Say(format!("✖ {e}"), State::Error),
    };
    match words.first().map(String::as_str) {
        None => return Asked::Say(String::new(), State::Unknown),
        Some("q" | "quit" | "q!" | "exit") => return Asked::Quit,
        Some("help" | "?") => return Asked::Help,
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
            return Asked::Say(format!("✖ {first}"), State::Error);
        }
    };
    let Some(cmd) = cli.command else {
        return Asked::Say(String::new(), State::Unknown);
    };
    let known = |e: &str| env_names.contains(&e);
    let unknown = |e: &str| {
        Asked::Say(
            format!("✖ unknown environment {e:?}: expected one of {}", env_names.join(", ")),
            State::Error,
        )
    };
    let dialog = |intent, reason, force| Asked::Dialog { intent, reason, force };
    match cmd {
        Cmd::Promote {
            through: Some(target),
            act,
            ..
        } if known(&target) => dialog(Intent::PromoteThrough { target }, act.reason, act.force),
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
            (_, _, Err(e)) => Asked::Say(format!("✖ {e}"), State::Error),
            (_, _, Ok(expect)) => dialog(Intent::Promote { from, to, expect }, act.reason, act.force),
        },
        Cmd::Promote { .. } => Asked::Say("usage: promote FROM TO | promote --through ENV".into(), State::Error),
        Cmd::Rollback { env, .. } if !known(&env) => unknown(&env),
        Cmd::Rollback { env, to, act } => match release(&to) {
            Ok(to) => dialog(Intent::Rollback { env, to }, act.reason, act.force),
            Err(e) => Asked::Say(format!("✖ {e}"), State::Error),
        },
        Cmd::Deploy { env, .. } if !known(&env) => unknown(&env),
        Cmd::Deploy { env, version, act } => dialog(Intent::Deploy { env, version }, act.reason, act.force),
        Cmd::Approve { env, .. } if !known(&env) => unknown(&env),
        Cmd::Approve { env, version, note, .. } => dialog(
            Intent::Approve {
                env,
                version,
                note: None,
            },
            note,
            false,
        ),
        Cmd::Hold {
            cmd: HoldCmd::Clear { env, .. },
        } if !known(&env) => unknown(&env),
        Cmd::Hold {
            cmd: HoldCmd::Clear { env, reason },
        } => dialog(Intent::HoldClear { env }, reason, false),
        Cmd::Resolve { env, .. } if !known(&env) => unknown(&env),
        Cmd::Resolve {
            env, outcome, reason, ..
        } => dialog(
            Intent::Resolve {
                env,
                succeeded: outcome == "succeeded",
            },
            reason,
            false,
        ),
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
        } => Asked::Run(Job::act(Intent::Tick(TickRequest {
            env,
            checklist,
            item,
            version,
            undo,
            note,
            role,
        }))),
        Cmd::Status(_) => Asked::View(View::Dashboard, None),
        Cmd::History { env, .. } if !known(&env) => unknown(&env),
        Cmd::History { env, .. } => Asked::View(View::Dashboard, Some(env)),
        Cmd::Checklist {
            cmd: None,
            env: Some(env),
            ..
        } if !known(&env) => unknown(&env),
        Cmd::Checklist { cmd: None, env, .. } => Asked::View(View::Checklists, env),
        Cmd::Audit { cmd: None, .. } => Asked::View(View::Audit, None),
        Cmd::Health { env: Some(env), .. } if !known(&env) => unknown(&env),
        Cmd::Health { env, .. } => Asked::View(View::Health, env),
        Cmd::Flag { cmd } => flag_intent(cmd, &known, &unknown),
        _ => Asked::Say(
            "that command is not available in the console: run it with `relcon` in a shell".into(),
            State::Unknown,
        ),
    }
}

/// `flag set | kill | restore | eval | list` → the Flags view's dialogs.
fn flag_intent(cmd: FlagCmd, known: &dyn Fn(&str) -> bool, unknown: &dyn Fn(&str) -> Asked) -> Asked {
    let dialog = |env: String, flag: String, op: FlagOp, reason: Option<String>, force: bool| Asked::Dialog {
        intent: Intent::Flag { env, flag, op },
        reason,
        force,
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
                FlagOp::Set(Change {
                    switch,
                    add_targets: target,
                    remove_targets: untarget,
                }),
                act.reason,
                act.force,
            ),
            Err(e) => Asked::Say(format!("✖ {e}"), State::Error),
        },
        FlagCmd::Kill { env, flag, reason, .. } => dialog(env, flag, FlagOp::Kill, reason, false),
        FlagCmd::Restore { env, flag, act } => dialog(env, flag, FlagOp::Restore, act.reason, act.force),
        FlagCmd::Eval { env, flag, key, .. } => Asked::Run(Job::Eval { env, flag, key }),
        FlagCmd::List { .. } => Asked::View(View::Flags, None),
        _ => Asked::Say(
            "that command is not available in the console: run it with `relcon` in a shell".into(),
            State::Unknown,
        ),
    }
}
