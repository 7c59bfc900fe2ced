//! `relcon metrics`: DORA metrics for one environment, read from the
//! ledger (the rules are in `domain::dora`).

use chrono::{DateTime, Utc};
use serde::Serialize;
use std::collections::HashMap;

use super::Ctx;
use crate::domain::dora::{self, Attempt, Input, Metrics};
use crate::error::{Error, Result};
use crate::ledger::bodies::{BuildRegistered, DeploymentStarted};
use crate::ledger::{kind, Event};

#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub env: String,
    pub since: DateTime<Utc>,
    pub until: DateTime<Utc>,
    #[serde(flatten)]
    pub metrics: Metrics,
}

/// The environment DORA is usually about: the last stage of the pipeline.
pub fn default_env(ctx: &Ctx) -> Result<String> {
    ctx.config
        .environments
        .last()
        .map(|e| e.name.clone())
        .ok_or_else(|| Error::usage("no environments configured"))
}

struct Started {
    number: u64,
    version: String,
    commit: String,
    rollback: bool,
    at: DateTime<Utc>,
}

pub fn metrics(ctx: &Ctx, env: &str, since: DateTime<Utc>, until: DateTime<Utc>) -> Result<Report> {
    if since >= until {
        ctx.env(env)?;
        return Err(Error::usage("--since must be before --until"));
    }
    let mut all = windows(ctx, env, &[(since, until)])?;
    all.pop().ok_or_else(|| Error::runtime("metrics: no window"))
}

/// The same metrics for several windows, from one read of the ledger (the
/// Insights view's weeks).
pub fn windows(ctx: &Ctx, env: &str, windows: &[(DateTime<Utc>, DateTime<Utc>)]) -> Result<Vec<Report>> {
    ctx.env(env)?;
    let mut input = Input::default();
    let mut started: HashMap<u64, Started> = HashMap::new();
    let mut after = 0;
    loop {
        let page = ctx.store.events_after(after, 2_000)?;
        let Some(last) = page.last() else { break };
        after = last.seq;
        for e in page.iter().filter(|e| e.env.as_deref().is_none_or(|x| x == env)) {
            read(e, &mut input, &mut started);
        }
    }
    Ok(windows
        .iter()
        .map(|&(since, until)| {
            input.since = since;
            input.until = until;
            Report {
                env: env.to_string(),
                since,
                until,
                metrics: dora::compute(&input),
            }
        })
        .collect())
}

fn read(e: &Event, input: &mut Input, started: &mut HashMap<u64, Started>) {
    let b = e.body_json();
    let number = b.get("number").and_then(|n| n.as_u64());
    match e.kind.as_str() {
        kind::BUILD_REGISTERED if e.env.is_none() => {
            if let Ok(r) = serde_json::from_value::<BuildRegistered>(b) {
                let t = r
                    .commit_time
                    .as_deref()
                    .and_then(|t| DateTime::parse_from_rfc3339(t).ok());
                if let Some(t) = t {
                    input.commit_times.insert(r.commit, t.with_timezone(&Utc));
                }
            }
        }
        kind::DEPLOYMENT_STARTED => {
            if let Ok(d) = serde_json::from_value::<DeploymentStarted>(b) {
                started.insert(
                    d.number,
                    Started {
                        number: d.number,
                        version: d.version,
                        commit: d.commit,
                        rollback: d.action == crate::domain::Action::Rollback,
                        at: e.at,
                    },
                );
            }
        }
        kind::DEPLOYMENT_SUCCEEDED | kind::DEPLOYMENT_FAILED => {
            if let Some(s) = number.and_then(|n| started.get(&n)) {
                input.attempts.push(Attempt {
                    seq: e.seq,
                    number: s.number,
                    version: s.version.clone(),
                    commit: s.commit.clone(),
                    rollback: s.rollback,
                    succeeded: e.kind == kind::DEPLOYMENT_SUCCEEDED,
                    started_at: s.at,
                    finished_at: e.at,
                });
            }
        }
        kind::FLAG_CHANGED if b.get("change").and_then(|c| c.as_str()) == Some("kill") => {
            input.signals.push(dora::Signal::FlagKill {
                seq: e.seq,
                at: e.at,
                flag: b.get("flag").and_then(|f| f.as_str()).unwrap_or_default().to_string(),
            });
        }
        kind::INCIDENT_OPENED => input
            .signals
            .push(dora::Signal::IncidentOpened { seq: e.seq, at: e.at }),
        kind::INCIDENT_RESOLVED => input.signals.push(dora::Signal::IncidentResolved {
            seq: e.seq,
            at: e.at,
            incident: b.get("incident").and_then(|i| i.as_u64()).unwrap_or(0),
        }),
        _ => {}
    }
}
