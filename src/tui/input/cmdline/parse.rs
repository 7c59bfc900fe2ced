//! From a command line to what it asks for ([`Asked`]): the CLI's own clap
//! definition parses it, and each verb becomes the intent the keys would
//! make (or a view, or a job that only reads); every environment it names
//! must exist.

use clap::Parser;

use super::words::split;
use crate::cli::args::{ActionArgs, Cli, Cmd, FlagCmd, HoldCmd, IncidentCmd};
use crate::ops::intent::Intent;
use crate::tui::event::Job;
use crate::tui::input::Asked;
use crate::tui::render::theme::State;
use crate::tui::views::View;

/// Parse one command line (errors become a message).
pub fn parse(line: &str, env_names: &[&str]) -> Asked {
    let asked = match command(line) {
        Ok(cmd) => verb(cmd).unwrap_or_else(|e| Asked::Say(format!("✖ {e}"), State::Error)),
        Err(said) => return *said,
    };
    match named_envs(&asked).into_iter().find(|e| !env_names.contains(e)) {
        Some(e) => Asked::Say(
            format!("✖ unknown environment {e:?}: expected one of {}", env_names.join(", ")),
            State::Error,
        ),
        None => asked,
    }
}

/// The line as the CLI's clap definition reads it; `q` and `help` are the
/// console's own.
fn command(line: &str) -> Result<Cmd, Box<Asked>> {
    let say = |text: String, level| Box::new(Asked::Say(text, level));
    let words = split(line).map_err(|e| say(format!("✖ {e}"), State::Error))?;
    match words.first().map(String::as_str) {
        None => return Err(say(String::new(), State::Unknown)),
        Some("q" | "quit" | "q!" | "exit") => return Err(Box::new(Asked::Quit)),
        Some("help" | "?") => return Err(Box::new(Asked::Help)),
        _ => {}
    }
    let argv = std::iter::once("relcon".to_string()).chain(words);
    let cli = Cli::try_parse_from(argv).map_err(|e| {
        let text = e.to_string();
        let first = text.lines().next().unwrap_or("").trim_start_matches("error: ");
        say(format!("✖ {first}"), State::Error)
    })?;
    cli.command.ok_or_else(|| say(String::new(), State::Unknown))
}

const NOT_HERE: &str = "that command is not available in the console: run it with `relcon` in a shell";

/// What one verb asks for; `Err`: why it cannot be asked.
fn verb(cmd: Cmd) -> Result<Asked, String> {
    let dialog = |intent, act: ActionArgs| Asked::Dialog {
        intent,
        reason: act.reason,
        force: act.force,
    };
    let confirm = |intent, reason| Asked::Dialog {
        intent,
        reason,
        force: false,
    };
    Ok(match cmd {
        Cmd::Promote {
            through: Some(target),
            act,
            ..
        } => dialog(Intent::PromoteThrough { target }, act),
        Cmd::Promote {
            from: Some(from),
            to: Some(to),
            expect,
            act,
            ..
        } => dialog(
            Intent::Promote {
                from,
                to,
                expect: release(&expect)?,
            },
            act,
        ),
        Cmd::Promote { .. } => return Err("usage: promote FROM TO | promote --through ENV".into()),
        Cmd::Rollback { env, to, act } => dialog(Intent::Rollback { env, to: release(&to)? }, act),
        Cmd::Deploy { env, version, act } => dialog(Intent::Deploy { env, version }, act),
        Cmd::Approve { env, version, note, .. } => confirm(
            Intent::Approve {
                env,
                version,
                note: None,
            },
            note,
        ),
        Cmd::Hold {
            cmd: HoldCmd::Clear { env, reason, .. },
        } => confirm(Intent::HoldClear { env }, reason),
        Cmd::Resolve {
            env, outcome, reason, ..
        } => confirm(
            Intent::Resolve {
                env,
                succeeded: outcome == "succeeded",
            },
            reason,
        ),
        check @ Cmd::Check { .. } => match check.tick() {
            Some(tick) => Asked::Run(Job::act(Intent::Tick(tick))),
            None => Asked::say(NOT_HERE),
        },
        Cmd::Flag { cmd } => flag_verb(cmd)?,
        Cmd::Rollout { cmd } => crate::tui::views::rollouts::command_line(cmd),
        Cmd::Incident { cmd } => incident_verb(cmd)?,
        other => view_verb(other),
    })
}

/// `flag set | kill | restore | eval | list` → the Flags view's dialogs.
fn flag_verb(cmd: FlagCmd) -> Result<Asked, String> {
    if let Some(a) = cmd.intent().map_err(|e| e.to_string())? {
        return Ok(Asked::Dialog {
            intent: a.intent,
            reason: a.confirmation.reason,
            force: a.confirmation.force,
        });
    }
    Ok(match cmd {
        FlagCmd::Eval {
            env,
            flag,
            key: Some(key),
            ..
        } => Asked::Run(Job::Eval { env, flag, key }),
        FlagCmd::List { .. } => Asked::View(View::Flags, None),
        _ => Asked::say(NOT_HERE),
    })
}

/// `incident open | note | resolve` run their intent (the same as the CLI);
/// `incident show ENV` is incident mode on ENV's open incident (with none,
/// it says so, as the CLI prints null); `incident list` is the Audit view's
/// incident events.
fn incident_verb(cmd: IncidentCmd) -> Result<Asked, String> {
    if let Some(a) = cmd.intent().map_err(|e| e.to_string())? {
        return Ok(Asked::Run(Job::Intent {
            intent: a.intent,
            confirmation: a.confirmation,
        }));
    }
    Ok(match cmd {
        IncidentCmd::Show { env, .. } => Asked::IncidentShow(env),
        _ => Asked::Filtered(View::Audit, "incident.".into()),
    })
}

/// The reading verbs show their view.
fn view_verb(cmd: Cmd) -> Asked {
    match cmd {
        Cmd::Status(_) => Asked::View(View::Dashboard, None),
        Cmd::History { env, .. } => Asked::View(View::Dashboard, Some(env)),
        Cmd::Checklist { cmd: None, env, .. } => Asked::View(View::Checklists, env),
        Cmd::Audit { cmd: None, .. } => Asked::View(View::Audit, None),
        Cmd::Health { env, .. } => Asked::View(View::Health, env),
        Cmd::Metrics { env, .. } => Asked::View(View::Insights, env),
        _ => Asked::say(NOT_HERE),
    }
}

fn release(s: &Option<String>) -> Result<Option<u64>, String> {
    s.as_deref()
        .map(crate::cli::parse_release)
        .transpose()
        .map_err(|e| e.to_string())
}

/// The environments a line names, in the order it names them.
fn named_envs(asked: &Asked) -> Vec<&str> {
    match asked {
        Asked::Dialog {
            intent: Intent::Promote { from, to, .. },
            ..
        } => vec![from, to],
        Asked::Dialog { intent, .. } | Asked::Run(Job::Intent { intent, .. }) => vec![intent.env()],
        Asked::Run(Job::Eval { env, .. })
        | Asked::View(_, Some(env))
        | Asked::Incident(env)
        | Asked::IncidentShow(env) => vec![env],
        _ => Vec::new(),
    }
}
