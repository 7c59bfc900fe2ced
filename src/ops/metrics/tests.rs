//! DORA metrics read from the ledger: one read for every env, and a
//! replay of the recent events equal to a replay of them all.

use super::*;
use crate::config::Config;
use crate::ledger::bodies::BuildRegistered;
use crate::ops::register::{register_at, NewBuild};
use chrono::TimeZone;

/// Insights reads the ledger once for every env; what it computes for
/// each must be what `relcon metrics ENV` computes alone.
#[test]
fn one_read_for_all_envs_equals_a_read_per_env() {
    let dir = tempfile::tempdir().unwrap();
    let config = three_envs(dir.path());
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

/// dev → staging → prod, deploying with `true`, the ledger in `dir`.
fn three_envs(dir: &std::path::Path) -> Config {
    let path = dir.join("relcon.toml");
    let mut text = "[project]\nname = \"m\"\n[ledger]\nurl = \"sqlite:ledger.db\"\n".to_string();
    for (env, from) in [("dev", None), ("staging", Some("dev")), ("prod", Some("staging"))] {
        text.push_str(&format!("[[environment]]\nname = \"{env}\"\ndeploy = \"true\"\n"));
        if let Some(f) = from {
            text.push_str(&format!("promote_from = \"{f}\"\n"));
        }
    }
    std::fs::write(&path, text).unwrap();
    Config::load(&path).unwrap()
}

/// A long, varied history: builds (some with commit times, some reusing an
/// older commit), deployments that fail, redeploys of the running build,
/// rollbacks, deployments that run for a day and more across other
/// events, incidents opened and resolved, and builds and incidents
/// recorded by a machine whose clock runs hours behind.
fn varied_history(ctx: &mut Ctx, t0: DateTime<Utc>, moments: usize) {
    use crate::domain::incident::Severity;
    use crate::domain::Action;
    use crate::ledger::bodies::{DeploymentFinished, IncidentNote, IncidentOpened};
    use crate::ledger::NewEvent;
    let mut rng = crate::test_rng::Rng::new(27);
    let mut roll = |n: u64| rng.below(n);
    let envs = ["dev", "staging", "prod"];
    let mut t = t0;
    let mut batch: Vec<(DateTime<Utc>, String, Vec<NewEvent>)> = Vec::new();
    let mut builds: Vec<(String, String)> = Vec::new();
    let mut numbers = [0u64; 3];
    // Per env: a deployment still running (number, finishes at), and whether
    // an incident is open (its id is the opening event's seq: known once
    // written, so incidents are written at once).
    let mut running: [Option<(u64, DateTime<Utc>, bool)>; 3] = [None, None, None];
    let mut open: [Option<u64>; 3] = [None, None, None];
    let flush = |ctx: &mut Ctx, batch: &mut Vec<(DateTime<Utc>, String, Vec<NewEvent>)>| {
        if !batch.is_empty() {
            ctx.store.append_batch(std::mem::take(batch)).unwrap();
        }
    };
    for _ in 0..moments {
        t += chrono::Duration::minutes(30 + roll(11 * 60) as i64);
        // Deployments whose time has come finish first.
        for (i, env) in envs.iter().enumerate() {
            if let Some((number, at, ok)) = running[i].filter(|r| r.1 <= t) {
                let kind = if ok {
                    kind::DEPLOYMENT_SUCCEEDED
                } else {
                    kind::DEPLOYMENT_FAILED
                };
                let body = DeploymentFinished {
                    number,
                    error: (!ok).then(|| "exit 1".into()),
                    ..Default::default()
                };
                batch.push((at, "ci".into(), vec![NewEvent::new(kind, Some(env), body)]));
                running[i] = None;
            }
        }
        let i = roll(3) as usize;
        let env = envs[i];
        let behind = if roll(5) == 0 {
            chrono::Duration::hours(1 + roll(12) as i64)
        } else {
            chrono::Duration::zero()
        };
        match roll(10) {
            0..=2 => {
                let n = builds.len();
                let commit = match builds.last() {
                    Some((_, c)) if roll(6) == 0 => c.clone(),
                    _ => format!("{:040x}", 0xc0ffee + n as u64),
                };
                let commit_time = match roll(3) {
                    0 => None,
                    _ => Some(crate::ledger::event::format_at(
                        &(t - chrono::Duration::hours(1 + roll(72) as i64)),
                    )),
                };
                let body = BuildRegistered {
                    version: format!("1.{n}.0"),
                    commit: commit.clone(),
                    artifact: None,
                    notes: None,
                    commit_time,
                };
                batch.push((
                    t - behind,
                    "ci".into(),
                    vec![NewEvent::new(kind::BUILD_REGISTERED, None, body)],
                ));
                builds.push((format!("1.{n}.0"), commit));
            }
            3..=7 if running[i].is_none() && !builds.is_empty() => {
                let rollback = roll(6) == 0;
                // Mostly the newest builds; now and then an old one again.
                let pick = builds.len() - 1 - (roll(builds.len().min(4) as u64) as usize);
                let (version, commit) = builds[pick].clone();
                numbers[i] += 1;
                let action = if rollback { Action::Rollback } else { Action::Deploy };
                let body = DeploymentStarted::bare(numbers[i], &version, &commit, action);
                batch.push((
                    t,
                    "ana".into(),
                    vec![NewEvent::new(kind::DEPLOYMENT_STARTED, Some(env), body)],
                ));
                let takes = if roll(8) == 0 {
                    chrono::Duration::hours(20 + roll(40) as i64)
                } else {
                    chrono::Duration::minutes(5)
                };
                running[i] = Some((numbers[i], t + takes, roll(7) != 0));
            }
            8 => {
                flush(ctx, &mut batch);
                let at = t - behind;
                let ev = match open[i] {
                    None => NewEvent::new(
                        kind::INCIDENT_OPENED,
                        Some(env),
                        IncidentOpened {
                            severity: Severity::High,
                            summary: None,
                            affected: None,
                        },
                    ),
                    Some(id) => NewEvent::new(
                        kind::INCIDENT_RESOLVED,
                        Some(env),
                        IncidentNote {
                            incident: id,
                            text: None,
                        },
                    ),
                };
                ctx.store.append_batch(vec![(at, "oncall".into(), vec![ev])]).unwrap();
                open[i] = match open[i] {
                    None => Some(ctx.store.head_seq().unwrap()),
                    Some(_) => None,
                };
            }
            _ => {}
        }
        if batch.len() > 50 {
            flush(ctx, &mut batch);
        }
    }
    flush(ctx, &mut batch);
}

/// Replaying only the events from a day before the earliest window, with
/// older history read from the projections, gives exactly what replaying
/// the whole ledger gives: for Insights' weeks at many moments of a long,
/// varied history, and for arbitrary windows.
#[test]
fn a_replay_of_recent_events_equals_a_replay_of_them_all() {
    let dir = tempfile::tempdir().unwrap();
    let t0 = Utc.with_ymd_and_hms(2025, 6, 1, 9, 0, 0).unwrap();
    let mut ctx = Ctx::open(three_envs(dir.path()), "ana".into(), crate::ops::system_clock()).unwrap();
    varied_history(&mut ctx, t0, 3_000);
    let envs = ["dev", "staging", "prod"];
    let (mut late_starts, mut compared, mut firsts, mut not_firsts) = (0, 0, 0, 0);
    let mut check = |spans: &[(DateTime<Utc>, DateTime<Utc>)]| {
        let all = replayed_from(&ctx, &envs, spans, Some(1)).unwrap();
        let recent = windows_of(&ctx, &envs, spans).unwrap();
        let start = spans.iter().map(|s| s.0).min().unwrap() - REPLAY_SLACK;
        if crate::ledger::sql::dora::first_seq_since(ctx.store.db(), start)
            .unwrap()
            .is_some_and(|f| f > 1)
        {
            late_starts += 1;
        }
        for (a, r) in all.iter().zip(&recent) {
            assert_eq!(format!("{a:#?}"), format!("{r:#?}"), "windows {spans:?}");
            for w in a {
                compared += w.metrics.deployment_frequency.deployments;
                firsts += w.metrics.lead_time.changes;
                not_firsts += w
                    .metrics
                    .explain
                    .iter()
                    .filter(|b| b.metric == "lead_time" && b.text.contains("unknown"))
                    .count();
            }
        }
    };
    // Insights' twelve weeks and their whole, seen from every ten days.
    for day in (10..560).step_by(10) {
        let now = t0 + chrono::Duration::days(day);
        let start = now - chrono::Duration::weeks(12);
        let mut spans: Vec<_> = (0..12)
            .map(|w| {
                let from = start + chrono::Duration::weeks(w);
                (
                    from,
                    from + chrono::Duration::weeks(1) - chrono::Duration::milliseconds(1),
                )
            })
            .collect();
        spans.push((start, now));
        check(&spans);
    }
    // Windows of a few hours to a few months, anywhere in the history.
    for i in 0..60i64 {
        let since = t0 + chrono::Duration::hours(i * 97 % 9_000);
        check(&[(since, since + chrono::Duration::hours(3 + i * 41 % 2_000))]);
    }
    // The history was long enough for most replays to start late, and the
    // windows held deployments, lead times and commits without a time.
    assert!(late_starts > 80, "{late_starts} replays started late");
    assert!(
        compared > 1_000 && firsts > 100 && not_firsts > 10,
        "{compared} {firsts} {not_firsts}"
    );
}
