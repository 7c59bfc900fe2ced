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

/// The same metrics for several windows, from one read of the ledger.
pub fn windows(ctx: &Ctx, env: &str, windows: &[(DateTime<Utc>, DateTime<Utc>)]) -> Result<Vec<Report>> {
    let mut all = windows_of(ctx, &[env], windows)?;
    all.pop().ok_or_else(|| Error::runtime("metrics: no environment"))
}

/// The same windows for several environments, still from one read of the
/// ledger (the Insights view: every env's weeks; a read per env made its
/// first opening take seconds on a long ledger).
pub fn windows_of(ctx: &Ctx, envs: &[&str], windows: &[(DateTime<Utc>, DateTime<Utc>)]) -> Result<Vec<Vec<Report>>> {
    for env in envs {
        ctx.env(env)?;
    }
    let at: HashMap<&str, usize> = envs.iter().enumerate().map(|(i, e)| (*e, i)).collect();
    let mut state: Vec<(Input, HashMap<u64, Started>)> = envs.iter().map(|_| Default::default()).collect();
    // Builds belong to no env and count for all: read once, shared at the end.
    let mut builds = Input::default();
    let mut after = 0;
    loop {
        let page = ctx.store.events_after(after, 2_000)?;
        let Some(last) = page.last() else { break };
        after = last.seq;
        for e in &page {
            match e.env.as_deref() {
                Some(env) => {
                    if let Some(&i) = at.get(env) {
                        let (input, started) = &mut state[i];
                        read(e, input, started);
                    }
                }
                None if e.kind == kind::BUILD_REGISTERED => read(e, &mut builds, &mut HashMap::new()),
                None => {
                    for (input, started) in &mut state {
                        read(e, input, started);
                    }
                }
            }
        }
    }
    Ok(envs
        .iter()
        .zip(state)
        .map(|(env, (mut input, _))| {
            input.commit_times = builds.commit_times.clone();
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

fn read(e: &Event, input: &mut Input, started: &mut HashMap<u64, Started>) {
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
            let number = fields(e).and_then(|f| f.number).and_then(|n| n.as_u64());
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
        kind::FLAG_CHANGED => {
            let Some(f) = fields(e) else { return };
            if f.change.as_ref().and_then(|c| c.as_str()) == Some("kill") {
                input.signals.push(dora::Signal::FlagKill {
                    seq: e.seq,
                    at: e.at,
                    flag: f.flag.as_ref().and_then(|f| f.as_str()).unwrap_or_default().to_string(),
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
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;
    use crate::ops::register::{register_at, NewBuild};
    use chrono::TimeZone;

    /// Insights reads the ledger once for every env; what it computes for
    /// each must be what `relcon metrics ENV` computes alone.
    #[test]
    fn one_read_for_all_envs_equals_a_read_per_env() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("relcon.toml");
        let mut text = "[project]\nname = \"m\"\n[ledger]\nurl = \"sqlite:ledger.db\"\n".to_string();
        for (env, from) in [("dev", None), ("staging", Some("dev")), ("prod", Some("staging"))] {
            text.push_str(&format!("[[environment]]\nname = \"{env}\"\ndeploy = \"true\"\n"));
            if let Some(f) = from {
                text.push_str(&format!("promote_from = \"{f}\"\n"));
            }
        }
        std::fs::write(&path, text).unwrap();
        let config = Config::load(&path).unwrap();
        let t0 = Utc.with_ymd_and_hms(2026, 11, 2, 9, 0, 0).unwrap();
        let clock = std::sync::Arc::new(std::sync::Mutex::new(t0));
        let c = clock.clone();
        let mut ctx = Ctx::open(config, "ana".into(), std::sync::Arc::new(move || *c.lock().unwrap())).unwrap();
        for i in 0..6u32 {
            *clock.lock().unwrap() = t0 + chrono::Duration::days(i64::from(i) * 2);
            let version = format!("1.{i}.0");
            let commit = format!("{:07x}", 0xabc000 + i);
            let made = t0 - chrono::Duration::hours(i64::from(i) + 3);
            let b = NewBuild {
                version: version.clone(),
                commit,
                artifact: None,
                notes: None,
            };
            register_at(&mut ctx, b, Some(made)).unwrap();
            // dev gets every build, staging every other, prod a third.
            for (env, every) in [("dev", 1), ("staging", 2), ("prod", 3)] {
                if i % every == 0 {
                    crate::ops::deploy::deploy(
                        &mut ctx,
                        env,
                        &version,
                        &Default::default(),
                        &mut |_| {},
                        &Default::default(),
                    )
                    .unwrap();
                }
            }
        }
        let now = t0 + chrono::Duration::days(14);
        let spans = [
            (t0 - chrono::Duration::days(7), now),
            (t0, t0 + chrono::Duration::days(5)),
        ];
        let envs = ["dev", "staging", "prod"];
        let together = windows_of(&ctx, &envs, &spans).unwrap();
        for (env, all) in envs.iter().zip(&together) {
            let alone = windows(&ctx, env, &spans).unwrap();
            assert_eq!(format!("{alone:?}"), format!("{all:?}"), "{env}");
            // Windows worked out together equal each worked out alone.
            for (w, &(since, until)) in all.iter().zip(&spans) {
                let one = metrics(&ctx, env, since, until).unwrap();
                assert_eq!(format!("{one:?}"), format!("{w:?}"), "{env} from {since}");
            }
            assert!(all[0].metrics.deployment_frequency.deployments > 0, "{env}: {all:?}");
        }
        assert_ne!(format!("{:?}", together[0]), format!("{:?}", together[2]));
    }
}
