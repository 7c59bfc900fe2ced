//! `relcon flag …`: the same ops the TUI's Flags view calls.

use super::args::FlagCmd;
use super::confirm::confirm;
use super::output::print_json;
use super::term::{self, out};
use crate::domain::inert;
use crate::error::{Error, Result};
use crate::ops::flags::{self, Change, Changed, Switch};
use crate::ops::Ctx;

pub fn run(ctx: &mut Ctx, cmd: &FlagCmd) -> Result<i32> {
    match cmd {
        FlagCmd::List { json } => {
            let rows = flags::list(ctx)?;
            if json.json {
                print_json(&rows);
            } else if rows.is_empty() {
                out("no flags defined: add [flag.NAME] tables to the config");
            }
            if !json.json {
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
            }
            Ok(0)
        }
        FlagCmd::Eval { env, flag, key, json } => {
            let r = flags::eval(ctx, env, flag, key)?;
            if json.json {
                print_json(&r);
            } else {
                out(format!("{flag} in {env} for {key:?}: {} ({})", r.variant, r.reason));
            }
            Ok(0)
        }
        FlagCmd::Export { check: true, json } => check_exports(ctx, json.json),
        FlagCmd::Export { check: false, json } => {
            let paths = crate::ops::exports::write_all(ctx)?;
            if json.json {
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
            let change = Change {
                switch,
                add_targets: target.clone(),
                remove_targets: untarget.clone(),
            };
            let before = flags::resolve(ctx.store.view(), &ctx.config, flag, env)?;
            let protected = ctx.env(env)?.protected;
            let after = flags::apply_change(
                &crate::config::FlagState {
                    enabled: before.enabled,
                    rollout: before.rollout,
                    targets: before.targets.clone(),
                },
                &change,
            );
            confirm(
                &format!(
                    "Set {flag} in {env}: {} → {}{}?",
                    before.state,
                    crate::flags::describe(&after),
                    if after.targets.is_empty() {
                        String::new()
                    } else {
                        format!(" (targets {})", after.targets.join(","))
                    }
                ),
                protected.then_some(env.as_str()),
                act.yes,
            )?;
            report(
                flags::set(ctx, env, flag, &change, act.reason.clone(), act.force)?,
                act.json.json,
            )
        }
        FlagCmd::Kill {
            env,
            flag,
            reason,
            yes,
            json,
        } => {
            confirm(&format!("Kill {flag} in {env} now?"), None, *yes)?;
            report(flags::kill(ctx, env, flag, reason.clone())?, json.json)
        }
        FlagCmd::Restore { env, flag, act } => {
            let protected = ctx.env(env)?.protected;
            confirm(
                &format!("Restore {flag} in {env} to its state before the kill?"),
                protected.then_some(env.as_str()),
                act.yes,
            )?;
            report(
                flags::restore(ctx, env, flag, act.reason.clone(), act.force)?,
                act.json.json,
            )
        }
    }
}

/// `flag export --check`: exit 1 naming every stale file.
fn check_exports(ctx: &Ctx, json: bool) -> Result<i32> {
    let stale = crate::ops::exports::check(ctx)?;
    if json {
        print_json(&stale);
    } else if stale.is_empty() {
        let n = crate::ops::exports::files(&ctx.config).len();
        println!("all {n} exports hold what the ledger says");
    } else {
        for s in &stale {
            let has = match (s.problem, s.file_seq) {
                ("missing", _) => "missing".to_string(),
                (_, Some(f)) => format!("differs (it says seq {f})"),
                (_, None) => "differs (no relcon seq in it)".to_string(),
            };
            println!(
                "stale {} ({} {}): {has}, the ledger is at seq {}",
                s.path.display(),
                s.env,
                s.format,
                s.seq
            );
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
