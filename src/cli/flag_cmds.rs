//! `relcon flag …`: the same ops the TUI's Flags view calls.

use super::args::{Asked, FlagCmd};
use super::output::print_json;
use super::term::{self, out};
use crate::domain::inert;
use crate::error::{Error, Result};
use crate::exec::CancelToken;
use crate::ops::exports::Problem;
use crate::ops::flags::{self, Changed};
use crate::ops::intent::{self, Outcome};
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
        FlagCmd::Set { act, .. } | FlagCmd::Restore { act, .. } => change_flag(ctx, cmd, act.yes, act.json.json),
        FlagCmd::Kill { yes, json, .. } => change_flag(ctx, cmd, *yes, json.json),
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
fn change_flag(ctx: &mut Ctx, cmd: &FlagCmd, yes: bool, json: bool) -> Result<i32> {
    let Some(Asked { intent, confirmation }) = cmd.intent()? else {
        return Err(Error::runtime("not a flag change"));
    };
    super::deploy_cmds::confirm_intent(ctx, &intent, yes, confirmation.force)?;
    match intent::execute(ctx, &intent, &confirmation, &mut |_| {}, &CancelToken::default())? {
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
        if let Some(name) = &c.ended_rollout {
            out(format!("rollout {name} in {} ended: it drove {}", r.env, r.flag));
        }
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
