//! `relcon incident open|note|resolve|list|show`.

use super::args::{Asked, IncidentCmd};
use super::output::{age, print_json};
use super::term::out;
use crate::domain::incident::{Incident, Remedy};
use crate::domain::inert;
use crate::error::{Error, Result};
use crate::exec::CancelToken;
use crate::ops::incident::{self, Opened};
use crate::ops::intent::{self, Confirmation, Intent, Outcome};
use crate::ops::Ctx;

pub fn run(ctx: &mut Ctx, cmd: &IncidentCmd) -> Result<i32> {
    match cmd {
        IncidentCmd::Open { json, .. } | IncidentCmd::Note { json, .. } | IncidentCmd::Resolve { json, .. } => {
            let Some(Asked { intent, confirmation }) = cmd.intent()? else {
                return Err(Error::runtime("not an incident change"));
            };
            match act(ctx, &intent, confirmation.reason)? {
                Outcome::IncidentOpened(o) => show(ctx, &o, json.json),
                Outcome::Incident { incident, what } => done(ctx, &incident, what, json.json),
                other => unexpected(&other),
            }
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

/// The one path every front end takes: `intent::execute`.
fn act(ctx: &mut Ctx, intent: &Intent, reason: Option<String>) -> Result<Outcome> {
    let c = Confirmation { reason, force: false };
    intent::execute(ctx, intent, &c, &mut |_| {}, &CancelToken::default())
}

fn unexpected(o: &Outcome) -> Result<i32> {
    Err(Error::runtime(format!("unexpected outcome: {}", o.summary())))
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
