//! `relcon incident open|note|resolve|list|show`.

use super::args::IncidentCmd;
use super::output::{age, print_json};
use super::term::out;
use crate::domain::incident::{Incident, Remedy, Severity};
use crate::domain::inert;
use crate::error::{Error, Result};
use crate::ops::incident::{self, Opened};
use crate::ops::Ctx;

pub fn run(ctx: &mut Ctx, cmd: &IncidentCmd) -> Result<i32> {
    match cmd {
        IncidentCmd::Open {
            env,
            severity,
            summary,
            affected,
            json,
        } => {
            let sev = Severity::parse(severity).ok_or_else(|| {
                Error::usage(format!(
                    "--severity {severity:?}: expected critical, high, medium or low"
                ))
            })?;
            let o = incident::open(ctx, env, sev, summary.clone(), *affected)?;
            show(ctx, &o, json.json)
        }
        IncidentCmd::Note { env, text, json } => {
            let i = incident::note(ctx, env, text)?;
            done(ctx, &i, "noted", json.json)
        }
        IncidentCmd::Resolve { env, reason, json } => {
            let i = incident::resolve(ctx, env, reason.clone())?;
            done(ctx, &i, "resolved", json.json)
        }
        IncidentCmd::Show { env, json } => match incident::current(ctx, env)? {
            Some(o) => show(ctx, &o, json.json),
            None if json.json => {
                print_json(&serde_json::Value::Null);
                Ok(0)
            }
            None => {
                out(format!("{} has no open incident", inert(env)));
                Ok(0)
            }
        },
        IncidentCmd::List { limit, json } => {
            let all = incident::list(ctx, *limit)?;
            if json.json {
                print_json(&all);
            } else if all.is_empty() {
                out("no incidents recorded");
            } else {
                for i in &all {
                    out(line(ctx, i));
                }
            }
            Ok(0)
        }
    }
}

fn line(ctx: &Ctx, i: &Incident) -> String {
    let state = match (&i.resolved_at, &i.mitigated_at) {
        (Some(r), _) => format!("resolved {} ago", age(*r, ctx.now())),
        (None, Some(m)) => format!("mitigated {} ago, open", age(*m, ctx.now())),
        (None, None) => "open".to_string(),
    };
    format!(
        "{:<9} {:<10} {:<8} {:<26} opened {} ago by {}{}",
        i.label(),
        inert(&i.env),
        i.severity.as_str(),
        state,
        age(i.opened_at, ctx.now()),
        inert(&i.opened_by),
        i.summary
            .as_deref()
            .map(|s| format!(" — {}", inert(s)))
            .unwrap_or_default()
    )
}

fn show(ctx: &Ctx, o: &Opened, json: bool) -> Result<i32> {
    if json {
        print_json(o);
        return Ok(0);
    }
    out(line(ctx, &o.incident));
    let r = &o.recommendation;
    out(format!("recommended: {}", inert(&r.why)));
    let env = &o.incident.env;
    let reason = format!(
        "{}: {}",
        o.label,
        o.incident.summary.as_deref().unwrap_or(o.incident.severity.as_str())
    );
    let cmd = match (r.remedy, &r.flag, r.to) {
        (Remedy::KillFlag, Some(flag), _) => Some(format!("relcon flag kill {env} {flag} --reason {:?}", reason)),
        (Remedy::Rollback, _, Some(n)) => Some(format!("relcon rollback {env} --to v{n} --reason {:?}", reason)),
        _ => None,
    };
    if let Some(c) = cmd {
        out(format!("  {}", inert(&c)));
    }
    Ok(0)
}

fn done(ctx: &Ctx, i: &Incident, what: &str, json: bool) -> Result<i32> {
    if json {
        print_json(i);
    } else {
        out(format!("{} {what}", i.label()));
        out(line(ctx, i));
    }
    Ok(0)
}
