//! The `:` command line: the CLI's own verbs, parsed by the CLI's own clap
//! definition, mapped to the same dialogs the keys open.

use clap::Parser;

use super::app::{App, View};
use super::event::FlagOp;
use super::event::{Effect, Job, TickJob};
use super::popups::DialogKind;
use super::theme::State;
use crate::cli::args::{Cli, Cmd, FlagCmd, HoldCmd};
use crate::ops::flags::Switch;

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

/// Split like a shell: whitespace separates words, quotes group them,
/// a backslash escapes the next character (not inside single quotes).
pub fn split(line: &str) -> Result<Vec<String>, String> {
    let mut words = Vec::new();
    let mut cur = String::new();
    let mut in_word = false;
    let mut quote: Option<char> = None;
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some('\''), c) => cur.push(c),
            (_, '\\') => {
                in_word = true;
                if let Some(n) = chars.next() {
                    cur.push(n);
                }
            }
            (Some(_), c) => cur.push(c),
            (None, '"' | '\'') => {
                quote = Some(c);
                in_word = true;
            }
            (None, c) if c.is_whitespace() => {
                if in_word {
                    words.push(std::mem::take(&mut cur));
                    in_word = false;
                }
            }
            (None, c) => {
                cur.push(c);
                in_word = true;
            }
        }
    }
    if quote.is_some() {
        return Err("unclosed quote".into());
    }
    if in_word {
        words.push(cur);
    }
    Ok(words)
}

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
mod tests {
    use super::*;

    const ENVS: &[&str] = &["dev", "staging", "prod"];

    #[test]
    fn splits_like_a_shell() {
        assert_eq!(
            split(r#"rollback prod --reason "bad deploy" --to v12"#).unwrap(),
            ["rollback", "prod", "--reason", "bad deploy", "--to", "v12"]
        );
        assert_eq!(split(r"a 'b c' d\ e").unwrap(), ["a", "b c", "d e"]);
        assert_eq!(split(r#"x """#).unwrap(), ["x", ""]);
        assert!(split("'open").is_err());
    }

    #[test]
    fn verbs_map_to_dialogs() {
        assert_eq!(
            parse("promote staging prod --reason 'ship it'", ENVS),
            Intent::Dialog {
                kind: DialogKind::Promote {
                    from: "staging".into(),
                    to: "prod".into(),
                    expect: None
                },
                reason: Some("ship it".into()),
                force: false,
                succeeded: None
            }
        );
        assert_eq!(
            parse("rollback prod --to v12", ENVS),
            Intent::Dialog {
                kind: DialogKind::Rollback {
                    env: "prod".into(),
                    to: Some(12)
                },
                reason: None,
                force: false,
                succeeded: None
            }
        );
        assert!(matches!(
            parse("approve prod 1.4.2", ENVS),
            Intent::Dialog {
                kind: DialogKind::Approve { .. },
                ..
            }
        ));
        assert!(matches!(
            parse("hold clear prod", ENVS),
            Intent::Dialog {
                kind: DialogKind::HoldClear { .. },
                ..
            }
        ));
        assert!(matches!(
            parse("resolve prod failed", ENVS),
            Intent::Dialog {
                succeeded: Some(false),
                ..
            }
        ));
        assert!(matches!(
            parse("promote --through prod", ENVS),
            Intent::Dialog {
                kind: DialogKind::Through { .. },
                ..
            }
        ));
        assert_eq!(parse("q", ENVS), Intent::Quit);
    }

    #[test]
    fn check_runs_a_tick_and_errors_are_one_line() {
        match parse("check staging post-deploy 2 --note 'looks fine'", ENVS) {
            Intent::Run(Job::Tick(t)) => {
                assert_eq!(
                    (t.env.as_str(), t.checklist.as_str(), t.item.as_str()),
                    ("staging", "post-deploy", "2")
                );
                assert_eq!(t.note.as_deref(), Some("looks fine"));
            }
            other => panic!("{other:?}"),
        }
        assert!(
            matches!(parse("rollback moon", ENVS), Intent::Say(m, State::Error) if m.contains("unknown environment"))
        );
        assert!(matches!(parse("frobnicate", ENVS), Intent::Say(m, State::Error) if !m.contains('\n')));
        assert!(
            matches!(parse("rollback prod --to twelve", ENVS), Intent::Say(m, _) if m.contains("not a release number"))
        );
    }
}
