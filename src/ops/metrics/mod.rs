//! `relcon metrics`: DORA metrics for one environment, read from the
//! ledger (the rules are in `domain::dora`).

use chrono::{DateTime, Utc};
use serde::Serialize;
use std::collections::{HashMap, HashSet};

use super::Ctx;
use crate::domain::dora::{self, Attempt, Input, Metrics};
use crate::error::{Error, Result};
use crate::ledger::bodies::{BuildRegistered, DeploymentStarted};
use crate::ledger::sql::dora as dora_sql;
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

/// The same metrics for several windows, from one read of the ledger.
pub fn windows(ctx: &Ctx, env: &str, windows: &[(DateTime<Utc>, DateTime<Utc>)]) -> Result<Vec<Report>> {
    let mut all = windows_of(ctx, &[env], windows)?;
    all.pop().ok_or_else(|| Error::runtime("metrics: no environment"))
}

/// How long before the earliest window the events are replayed from: a
/// deployment still running across that edge, or a machine whose clock ran
/// a little behind, is replayed whole.
const REPLAY_SLACK: chrono::Duration = chrono::Duration::days(1);

/// The same windows for several environments, still from one read of the
/// ledger (the Insights view: every env's weeks; a read per env made its
/// first opening take seconds on a long ledger). Only the events from a
/// day before the earliest window on are replayed; what older history
/// decides is read from the projections (`sql::dora`), so the cost follows
/// the windows, not the ledger's length.
pub fn windows_of(ctx: &Ctx, envs: &[&str], windows: &[(DateTime<Utc>, DateTime<Utc>)]) -> Result<Vec<Vec<Report>>> {
    let earliest = windows.iter().map(|w| w.0).min();
    let from = match earliest {
        Some(t) => dora_sql::first_seq_since(ctx.store.db(), t - REPLAY_SLACK)?,
        None => None,
    };
    replayed_from(ctx, envs, windows, from)
}

/// One environment's facts as the replay gathers them.
#[derive(Default)]
struct EnvFacts {
    input: Input,
    started: HashMap<u64, Started>,
    /// Releases whose finishing event was replayed.
    finished: HashSet<u64>,
}

/// [`windows_of`] replaying the events from seq `from` on (None: no event
/// is recent enough to matter); 1 replays the whole ledger.
fn replayed_from(
    ctx: &Ctx,
    envs: &[&str],
    windows: &[(DateTime<Utc>, DateTime<Utc>)],
    from: Option<u64>,
) -> Result<Vec<Vec<Report>>> {
    for env in envs {
        ctx.env(env)?;
    }
    let db = ctx.store.db();
    let at: HashMap<&str, usize> = envs.iter().enumerate().map(|(i, e)| (*e, i)).collect();
    let mut facts: Vec<EnvFacts> = envs.iter().map(|_| EnvFacts::default()).collect();
    // Builds belong to no env and count for all: read once, shared at the end.
    let mut builds = EnvFacts::default();
    let mut after = from.map_or(u64::MAX, |f| f.saturating_sub(1));
    let older = from.is_some_and(|f| f > 1);
    while after < u64::MAX {
        let page = ctx.store.events_after(after, 2_000)?;
        let Some(last) = page.last() else { break };
        after = last.seq;
        for e in &page {
            match e.env.as_deref() {
                Some(env) => {
                    if let Some(&i) = at.get(env) {
                        // A deployment started before the replay: its release row says how.
                        let mut lookup = |n: u64| -> Result<Option<Started>> {
                            if !older {
                                return Ok(None);
                            }
                            Ok(dora_sql::release_of(db, env, n)?.map(|r| Started {
                                number: r.number,
                                version: r.version,
                                commit: r.commit,
                                rollback: r.rollback,
                                at: r.started_at,
                            }))
                        };
                        read(e, &mut facts[i], &mut lookup)?;
                    }
                }
                None if e.kind == kind::BUILD_REGISTERED => read(e, &mut builds, &mut |_| Ok(None))?,
                None => {
                    for f in &mut facts {
                        read(e, f, &mut |_| Ok(None))?;
                    }
                }
            }
        }
    }
    let mut commit_times = builds.input.commit_times;
    if let (true, Some(from), Some(earliest)) = (older, from, windows.iter().map(|w| w.0).min()) {
        let edge = earliest - REPLAY_SLACK;
        for (env, f) in envs.iter().zip(&mut facts) {
            before_replay(db, env, edge, f)?;
        }
        // Commits whose builds were all registered before the replay.
        let mut wanted: Vec<&str> = facts
            .iter()
            .flat_map(|f| f.input.attempts.iter().filter(|a| a.succeeded && a.seq > 0))
            .map(|a| a.commit.as_str())
            .filter(|c| !commit_times.contains_key(*c))
            .collect();
        wanted.sort_unstable();
        wanted.dedup();
        let found = dora_sql::commit_times_before(db, &wanted, from)?;
        commit_times.extend(found);
    }
    Ok(envs
        .iter()
        .zip(facts)
        .map(|(env, f)| {
            let mut input = f.input;
            input.commit_times = commit_times.clone();
            windows
                .iter()
                .zip(dora::compute_windows(&input, windows))
                .map(|(&(since, until), metrics)| Report {
                    env: env.to_string(),
                    since,
                    until,
                    metrics,
                })
                .collect()
        })
        .collect())
}

/// What history before the replay (every event in it is older than `edge`)
/// decides for one env: the build running when it starts (an attempt of
/// its own, ordered by its finish like the replayed ones) and which of the
/// replayed deployments' commits had been deployed already.
fn before_replay(db: &dyn crate::ledger::sql::Db, env: &str, edge: DateTime<Utc>, f: &mut EnvFacts) -> Result<()> {
    let finished = &f.finished;
    if let Some(r) = dora_sql::last_succeeded_before(db, env, edge, &|n| finished.contains(&n))? {
        f.input.attempts.push(Attempt {
            // Its finishing event is older than every replayed one.
            seq: 0,
            number: r.number,
            version: r.version,
            commit: r.commit,
            rollback: r.rollback,
            succeeded: true,
            started_at: r.started_at,
            finished_at: r.finished_at.unwrap_or(r.started_at),
        });
    }
    let mut commits: Vec<&str> = f
        .input
        .attempts
        .iter()
        .filter(|a| a.succeeded && a.seq > 0)
        .map(|a| a.commit.as_str())
        .collect();
    commits.sort_unstable();
    commits.dedup();
    let before = dora_sql::deployed_before(db, env, &commits, edge)?;
    f.input.deployed_before = before;
    Ok(())
}

/// The few fields `read` looks at, parsed straight from a body (no
/// `Value` tree for every event: most of the Insights view's load).
#[derive(serde::Deserialize)]
struct Fields {
    number: Option<serde_json::Value>,
    change: Option<serde_json::Value>,
    flag: Option<serde_json::Value>,
    incident: Option<serde_json::Value>,
}

fn fields(e: &Event) -> Option<Fields> {
    // Only an object has fields (serde would also read a struct from an array).
    e.body
        .trim_start()
        .starts_with('{')
        .then(|| serde_json::from_str(&e.body).ok())?
}

/// One replayed event into `f`; `older` gives the start of a deployment
/// that began before the replay.
fn read(e: &Event, f: &mut EnvFacts, older: &mut dyn FnMut(u64) -> Result<Option<Started>>) -> Result<()> {
    let (input, started) = (&mut f.input, &mut f.started);
    match e.kind.as_str() {
        kind::BUILD_REGISTERED if e.env.is_none() => {
            if let Ok(r) = serde_json::from_str::<BuildRegistered>(&e.body) {
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
            if let Ok(d) = serde_json::from_str::<DeploymentStarted>(&e.body) {
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
            let Some(number) = fields(e).and_then(|f| f.number).and_then(|n| n.as_u64()) else {
                return Ok(());
            };
            if let std::collections::hash_map::Entry::Vacant(slot) = started.entry(number) {
                if let Some(s) = older(number)? {
                    slot.insert(s);
                }
            }
            if let Some(s) = started.get(&number) {
                f.finished.insert(number);
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
        kind::FLAG_CHANGED => {
            let Some(fl) = fields(e) else { return Ok(()) };
            if fl.change.as_ref().and_then(|c| c.as_str()) == Some("kill") {
                input.signals.push(dora::Signal::FlagKill {
                    seq: e.seq,
                    at: e.at,
                    flag: fl
                        .flag
                        .as_ref()
                        .and_then(|f| f.as_str())
                        .unwrap_or_default()
                        .to_string(),
                });
            }
        }
        kind::INCIDENT_OPENED => input
            .signals
            .push(dora::Signal::IncidentOpened { seq: e.seq, at: e.at }),
        kind::INCIDENT_RESOLVED => input.signals.push(dora::Signal::IncidentResolved {
            seq: e.seq,
            at: e.at,
            incident: fields(e).and_then(|f| f.incident).and_then(|i| i.as_u64()).unwrap_or(0),
        }),
        _ => {}
    }
    Ok(())
}

#[cfg(test)]
mod tests;
