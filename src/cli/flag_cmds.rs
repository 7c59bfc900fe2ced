//! `relcon flag …`: the same ops the TUI's Flags view calls.

use super::args::FlagCmd;
use super::output::print_json;
use super::term::{self, out};
use crate::domain::inert;
use crate::error::{Error, Result};
use crate::exec::CancelToken;
use crate::ops::exports::Problem;
use crate::ops::flags::{self, Change, Changed, FlagOp, Switch};
use crate::ops::intent::{self, Confirmation, Intent, Outcome};
use crate::ops::Ctx;

pub fn run(ctx: &mut Ctx, cmd: &FlagCmd) -> Result<i32> {
    match cmd {
        FlagCmd::List { json } => list(ctx, json.json),
        FlagCmd::Eval {
            env,
            flag,
            key,
            stdin,
            json,
        } => match key {
            Some(key) if !*stdin => {
                let r = flags::eval(ctx, env, flag, key)?;
                if json.json {
                    print_json(&r);
                } else {
                    out(format!("{flag} in {env} for {key:?}: {} ({})", r.variant, r.reason));
                }
                Ok(0)
            }
            _ => super::flag_eval_stdin::run(ctx, env, flag, json.json),
        },
        FlagCmd::Export { check: true, json } => check_exports(ctx, json.json),
        FlagCmd::Export { check: false, json } => export(ctx, json.json),
        FlagCmd::Set {
            env,
            flag,
            state,
            target,
            untarget,
            act,
        } => {
            let switch = state.as_deref().map(Switch::parse).transpose()?;
            if switch.is_none() && target.is_empty() && untarget.is_empty() {
                return Err(Error::usage(
                    "say what to change: on, off, PERCENT%, --target KEY or --untarget KEY",
                ));
            }
            let op = FlagOp::Set(Change {
                switch,
                add_targets: target.clone(),
                remove_targets: untarget.clone(),
            });
            change_flag(
                ctx,
                env,
                flag,
                op,
                act.reason.clone(),
                act.force,
                act.yes,
                act.json.json,
            )
        }
        FlagCmd::Kill {
            env,
            flag,
            reason,
            yes,
            json,
        } => change_flag(ctx, env, flag, FlagOp::Kill, reason.clone(), false, *yes, json.json),
        FlagCmd::Restore { env, flag, act } => change_flag(
            ctx,
            env,
            flag,
            FlagOp::Restore,
            act.reason.clone(),
            act.force,
            act.yes,
            act.json.json,
        ),
    }
}

/// `flag list`: every flag in every env, as the ledger (or the config) says.
fn list(ctx: &Ctx, json: bool) -> Result<i32> {
    let rows = flags::list(ctx)?;
    if json {
        print_json(&rows);
        return Ok(0);
    }
    if rows.is_empty() {
        out("no flags defined: add [flag.NAME] tables to the config");
    }
    for r in &rows {
        let targets = if r.targets.is_empty() {
            String::new()
        } else {
            format!("  targets {}", r.targets.join(","))
        };
        let who = r.changed_by.as_ref().map(|b| format!("  by {b}")).unwrap_or_default();
        out(format!(
            "{:<24} {:<10} {:<5}{}{targets}{who}",
            inert(&r.flag),
            inert(&r.env),
            r.state,
            if r.killed { " (killed)" } else { "" }
        ));
        if term::stdout_lost() {
            break;
        }
    }
    Ok(0)
}

/// `flag export`: write every export file now.
fn export(ctx: &Ctx, json: bool) -> Result<i32> {
    let paths = crate::ops::exports::write_all(ctx)?;
    if json {
        print_json(&paths);
    } else if paths.is_empty() {
        out("no exports configured: add [export] flags = [{ format = \"flagd\", path = \"flags/{env}.flagd.json\" }]");
    } else {
        for p in &paths {
            out(format!("wrote {}", p.display()));
        }
    }
    Ok(0)
}

/// Set, kill or restore: confirm (typing a protected env's name; a kill is
/// never gated) and change the flag through the same intent the console uses.
#[allow(clippy::too_many_arguments)]
fn change_flag(
    ctx: &mut Ctx,
    env: &str,
    flag: &str,
    op: FlagOp,
    reason: Option<String>,
    force: bool,
    yes: bool,
    json: bool,
) -> Result<i32> {
    let intent = Intent::Flag {
        env: env.into(),
        flag: flag.into(),
        op,
    };
    super::deploy_cmds::confirm_intent(ctx, &intent, yes, force)?;
    let c = Confirmation { reason, force };
    match intent::execute(ctx, &intent, &c, &mut |_| {}, &CancelToken::default())? {
        Outcome::Flag(changed) => report(changed, json),
        other => Err(Error::runtime(format!("unexpected outcome: {}", other.summary()))),
    }
}

/// `flag export --check`: exit 1 naming every stale file.
fn check_exports(ctx: &Ctx, json: bool) -> Result<i32> {
    let stale = crate::ops::exports::check(ctx)?;
    if json {
        print_json(&stale);
    } else if stale.is_empty() {
        let n = crate::ops::exports::files(&ctx.config).len();
        out(format!("all {n} exports hold what the ledger says"));
    } else {
        for s in &stale {
            let has = match (s.problem, s.file_seq) {
                (Problem::Missing, _) => "missing".to_string(),
                (_, Some(f)) => format!("differs (it says seq {f})"),
                (_, None) => "differs (no relcon seq in it)".to_string(),
            };
            out(format!(
                "stale {} ({} {}): {has}, the ledger is at seq {}",
                s.path.display(),
                s.env,
                s.format.as_str(),
                s.seq
            ));
        }
    }
    Ok(if stale.is_empty() { 0 } else { 1 })
}

fn report(c: Changed, json: bool) -> Result<i32> {
    for w in &c.warnings {
        term::err(format!("warning: {w}"));
    }
    if json {
        print_json(&c);
    } else {
        let r = &c.row;
        out(format!(
            "{} in {}: {}{}",
            r.flag,
            r.env,
            r.state,
            if r.targets.is_empty() {
                String::new()
            } else {
                format!(" (targets {})", r.targets.join(","))
            }
        ));
        for p in &c.exported {
            out(format!("exported {}", p.display()));
        }
    }
    if let Some(h) = c.hook_failed {
        term::err(format!("error: {h}"));
        return Ok(4);
    }
    Ok(if c.warnings.is_empty() { 0 } else { 1 })
}
