//! Front end for scripts, CI and people without a TTY. One small function
//! per subcommand, each calling ops; exit codes per DESIGN.md §4.

mod announce_cmds;
pub mod args;
mod confirm;
pub mod conventions;
mod deploy_cmds;
mod diff_cmds;
mod flag_cmds;
mod flag_eval_stdin;
mod health_cmds;
mod incident_cmds;
mod ledger_cmds;
pub mod log;
mod metrics_cmds;
mod notify_cmds;
pub mod output;
mod read_cmds;
pub mod rollout_cmds;
pub mod term;
mod write_cmds;

use std::path::Path;

pub use args::Cli;
use args::Cmd;

use crate::config::Config;
use crate::error::{Error, Result};
use crate::ops::{self, Ctx};

/// Load the config for commands that need one, with a helpful word when
/// there is none.
pub fn load_config(explicit: Option<&Path>) -> Result<Config> {
    ops::load_config(explicit)
}

pub fn open_ctx(explicit: Option<&Path>) -> Result<Ctx> {
    let config = load_config(explicit)?;
    let ctx = Ctx::open(config, ops::identity::actor(), ops::system_clock())?;
    for n in &ctx.notices {
        eprintln!("warning: {n}");
    }
    Ok(ctx)
}

/// For a viewer: records nothing, repairs no export (see `Ctx::open_read_only`).
pub fn open_ctx_read_only(explicit: Option<&Path>) -> Result<Ctx> {
    let config = load_config(explicit)?;
    Ctx::open_read_only(config, ops::identity::actor(), ops::system_clock())
}

/// `--read-only` (or RELCON_READ_ONLY=1): refuse a command that writes
/// before anything is opened.
fn refuse_writes(cli: &Cli, cmd: &Cmd) -> Result<()> {
    match cmd.write_verb() {
        Some(verb) if cli.read_only => Err(Error::usage(format!(
            "`relcon {verb}` writes, and this relcon is read-only (--read-only or RELCON_READ_ONLY): nothing was done"
        ))),
        _ => Ok(()),
    }
}

/// Run a parsed command line (not the TUI); returns the exit code, which
/// is non-zero when output was lost on the way (see `term::exit_code`).
pub fn run(cli: &Cli, cmd: &Cmd) -> i32 {
    tracing::info!(verb = cmd.write_verb().unwrap_or("(reads)"), "command");
    let json = wants_json(cmd);
    let code = match dispatch(cli, cmd) {
        Ok(code) => code,
        Err(e) => {
            if json {
                output::print_json(&output::error_json(&e));
            }
            output::print_error(&e);
            e.exit_code()
        }
    };
    term::exit_code(code)
}

/// Print a command-line parsing error (or help) and return the exit code.
/// Help and version keep clap's own rendering; an error quotes argv, so it
/// is printed as plain text, each line inert.
pub fn clap_error(e: clap::Error) -> i32 {
    use clap::error::ErrorKind;
    if matches!(e.kind(), ErrorKind::DisplayHelp | ErrorKind::DisplayVersion) {
        // clap swallows a closed pipe here itself.
        e.exit()
    }
    term::err_lines(&e.render().to_string());
    term::exit_code(e.exit_code())
}

fn wants_json(cmd: &Cmd) -> bool {
    match cmd {
        Cmd::Status(j) => j.json,
        Cmd::Health { json, .. } | Cmd::Diff { json, .. } | Cmd::Metrics { json, .. } => json.json,
        Cmd::History { json, .. }
        | Cmd::Approve { json, .. }
        | Cmd::Checklist { json, .. }
        | Cmd::Check { json, .. }
        | Cmd::Resolve { json, .. }
        | Cmd::Audit { cmd: None, json, .. } => json.json,
        Cmd::Audit {
            cmd: Some(args::AuditCmd::Verify { json, .. } | args::AuditCmd::Head { json }),
            ..
        } => json.json,
        Cmd::Ledger {
            cmd: args::LedgerCmd::Init { json, .. } | args::LedgerCmd::Copy { json, .. },
        } => json.json,
        Cmd::Incident { cmd } => match cmd {
            args::IncidentCmd::Open { json, .. }
            | args::IncidentCmd::Note { json, .. }
            | args::IncidentCmd::Resolve { json, .. }
            | args::IncidentCmd::List { json, .. }
            | args::IncidentCmd::Show { json, .. } => json.json,
        },
        Cmd::Release {
            cmd: args::ReleaseCmd::Register { json, .. },
        } => json.json,
        Cmd::Rollout { cmd } => cmd.json(),
        Cmd::Notify {
            cmd: args::NotifyCmd::Status { json } | args::NotifyCmd::Flush { json, .. },
        } => json.json,
        Cmd::Announce { json, .. } | Cmd::Review { json, .. } => json.json,
        Cmd::Deploy { act, .. } | Cmd::Promote { act, .. } | Cmd::Rollback { act, .. } => act.json.json,
        Cmd::Flag { cmd } => match cmd {
            args::FlagCmd::List { json }
            | args::FlagCmd::Eval { json, .. }
            | args::FlagCmd::Export { json, .. }
            | args::FlagCmd::Kill { json, .. } => json.json,
            args::FlagCmd::Set { act, .. } | args::FlagCmd::Restore { act, .. } => act.json.json,
        },
        _ => false,
    }
}

fn dispatch(cli: &Cli, cmd: &Cmd) -> Result<i32> {
    refuse_writes(cli, cmd)?;
    let cfg = cli.config.as_deref();
    match cmd {
        Cmd::Init { path, force } => write_cmds::init(path, *force),
        Cmd::Completions { shell } => conventions::completions(*shell),
        Cmd::Man => conventions::man(),
        Cmd::Demo { .. } => Err(Error::usage("demo is started from main")),
        Cmd::Checklist {
            cmd: Some(args::ChecklistCmd::Import { file, name, write }),
            ..
        } => write_cmds::import_checklist(cfg, file, name, *write),
        Cmd::Checklist {
            cmd: None, env: None, ..
        } => Err(Error::usage(
            "usage: relcon checklist ENV [--json] | relcon checklist import FILE.md --name NAME",
        )),
        Cmd::Ledger {
            cmd: args::LedgerCmd::Init { grant, json },
        } => ledger_cmds::init(&load_config(cfg)?, grant, json.json),
        Cmd::Status(_)
        | Cmd::History { .. }
        | Cmd::Health { .. }
        | Cmd::Audit { .. }
        | Cmd::Diff { .. }
        | Cmd::Metrics { .. }
        | Cmd::Notify {
            cmd: args::NotifyCmd::Status { .. },
        }
        | Cmd::Announce { send: None, .. }
        | Cmd::Checklist { .. } => reads(&open(cli, cmd)?, cmd),
        _ => {
            let mut ctx = open(cli, cmd)?;
            let notifier = ops::notify::spawn_for_command(&ctx);
            let done = changes(&mut ctx, cmd);
            if let Some(n) = notifier {
                n.stop(std::time::Duration::from_secs(2));
            }
            // What this command recorded is announced now, within a small
            // budget; what is not delivered stays in the outbox. (`notify
            // flush` delivers and reports that itself.)
            let flushed = matches!(
                cmd,
                Cmd::Notify {
                    cmd: args::NotifyCmd::Flush { .. }
                }
            );
            if let Some(word) = ops::notify::after_command(&ctx).filter(|_| !flushed) {
                term::err(format!("warning: {word}"));
            }
            done
        }
    }
}

/// The context a command works in. A read-only process, and `flag export
/// --check` (which must see stale files as they are), open without
/// recovery writes or export repair.
fn open(cli: &Cli, cmd: &Cmd) -> Result<Ctx> {
    let check = matches!(
        cmd,
        Cmd::Flag {
            cmd: args::FlagCmd::Export { check: true, .. }
        }
    );
    if cli.read_only || check {
        open_ctx_read_only(cli.config.as_deref())
    } else {
        open_ctx(cli.config.as_deref())
    }
}

/// Commands that only read the ledger (`dispatch` sends no other here).
fn reads(ctx: &Ctx, cmd: &Cmd) -> Result<i32> {
    match cmd {
        Cmd::Status(j) => read_cmds::status(ctx, j.json),
        Cmd::History { env, limit, json } => read_cmds::history(ctx, env, *limit, json.json),
        Cmd::Checklist {
            cmd: None,
            env: Some(env),
            json,
        } => read_cmds::checklist(ctx, env, json.json),
        Cmd::Health {
            env,
            watch,
            until_healthy,
            json,
        } => health_cmds::run(ctx, env.as_deref(), *watch, until_healthy.as_deref(), json.json),
        Cmd::Audit {
            cmd: Some(args::AuditCmd::Verify { expect_head, json }),
            ..
        } => read_cmds::verify(ctx, expect_head.as_deref(), json.json),
        Cmd::Audit {
            cmd: Some(args::AuditCmd::Head { json }),
            ..
        } => read_cmds::head(ctx, json.json),
        Cmd::Audit {
            cmd: None,
            since,
            limit,
            json,
        } => read_cmds::audit(ctx, since.as_deref(), *limit, json.json),
        Cmd::Diff { env, a, b, json } => diff_cmds::diff(ctx, env, a.as_deref(), b.as_deref(), json.json),
        Cmd::Metrics {
            env,
            since,
            until,
            explain,
            json,
        } => metrics_cmds::metrics(ctx, env.as_deref(), since, until.as_deref(), *explain, json.json),
        Cmd::Notify {
            cmd: args::NotifyCmd::Status { json },
        } => notify_cmds::status(ctx, json.json),
        Cmd::Announce {
            env,
            template,
            send: None,
            json,
        } => announce_cmds::announce(ctx, env, *template, json.json),
        _ => Err(Error::runtime("not a reading command")),
    }
}

/// Commands that act: deployments, approvals, ticks, flags, the ledger
/// (`dispatch` sends every command here that `reads` does not take).
fn changes(ctx: &mut Ctx, cmd: &Cmd) -> Result<i32> {
    match cmd {
        Cmd::Release {
            cmd:
                args::ReleaseCmd::Register {
                    version,
                    commit,
                    artifact,
                    notes,
                    commit_time,
                    json,
                    ..
                },
        } => write_cmds::register(
            ctx,
            ops::register::NewBuild {
                version: version.clone(),
                commit: commit.clone(),
                artifact: artifact.clone(),
                notes: notes.clone(),
            },
            commit_time.as_deref(),
            json.json,
        ),
        Cmd::Deploy { env, version, act } => deploy_cmds::deploy(ctx, env, version, act),
        Cmd::Promote {
            from,
            to,
            through,
            expect,
            act,
        } => deploy_cmds::promote(
            ctx,
            from.as_deref(),
            to.as_deref(),
            through.as_deref(),
            expect.as_deref(),
            act,
        ),
        Cmd::Rollback { env, to, act } => deploy_cmds::rollback(ctx, env, to.as_deref(), act),
        Cmd::Approve {
            env,
            version,
            note,
            json,
            ..
        } => write_cmds::approve(ctx, env, version, note.clone(), json.json),
        Cmd::Check { json, .. } => {
            let tick = cmd.tick().ok_or_else(|| Error::runtime("check: no tick"))?;
            write_cmds::check(ctx, tick, json.json)
        }
        Cmd::Flag { cmd } => flag_cmds::run(ctx, cmd),
        Cmd::Hold {
            cmd: args::HoldCmd::Clear { env, reason, .. },
        } => write_cmds::hold_clear(ctx, env, reason.clone()),
        Cmd::Resolve {
            env,
            outcome,
            reason,
            yes,
            json,
        } => {
            // A typo is an unknown environment, not "nothing to resolve".
            ctx.env(env)?;
            deploy_cmds::resolve(ctx, env, outcome == "succeeded", reason.clone(), *yes, json.json)
        }
        Cmd::Ledger {
            cmd: args::LedgerCmd::Rebuild,
        } => write_cmds::rebuild(ctx),
        Cmd::Ledger {
            cmd: args::LedgerCmd::Copy { to, password_env, json },
        } => ledger_cmds::copy(ctx, to, password_env.clone(), json.json),
        Cmd::Incident { cmd } => incident_cmds::run(ctx, cmd),
        Cmd::Rollout { cmd } => rollout_cmds::run(ctx, cmd),
        Cmd::Notify {
            cmd: args::NotifyCmd::Flush { timeout, json, .. },
        } => notify_cmds::flush(ctx, timeout, json.json),
        Cmd::Announce {
            env,
            template,
            send: Some(sink),
            json,
        } => announce_cmds::send(ctx, env, *template, sink, json.json),
        Cmd::Review {
            env,
            release,
            answers,
            json,
        } => {
            let number = release.as_deref().map(parse_release).transpose()?;
            announce_cmds::review(ctx, env, number, answers, json.json)
        }
        _ => Err(Error::runtime("not a command that acts")),
    }
}

/// "v12" or "12" → 12.
pub fn parse_release(s: &str) -> Result<u64> {
    s.trim()
        .trim_start_matches(['v', 'V'])
        .parse::<u64>()
        .map_err(|_| Error::usage(format!("{s:?} is not a release number: expected e.g. v12")))
}
