//! DORA metrics late in a long history (`sql::dora`): the events of the
//! window are replayed, older history is read from the projections, and
//! PostgreSQL answers exactly as SQLite (whose answer `ops::metrics`' own
//! tests hold equal to a replay of every event).

mod common;

use common::{pipeline_config, Backend, Sandbox};
use relcon::ledger::{kind, NewEvent};

/// A sandbox on PostgreSQL, or `None` to skip.
fn on_pg(config: &str) -> Option<Sandbox> {
    Backend::postgres().map(|b| Sandbox::on(b, config))
}

/// A month and more of prod history, appended as it happened: builds (some
/// without a commit time, some reusing the commit before), deployments
/// that fail, rollbacks, one deployment that runs for two days, an
/// incident.
fn dora_history(sb: &Sandbox) {
    use chrono::{Duration, TimeZone, Utc};
    use relcon::domain::Action;
    use relcon::ledger::bodies::{
        BuildRegistered, DeploymentFinished, DeploymentStarted, IncidentNote, IncidentOpened,
    };
    let mut ctx = sb.ctx("ci");
    let t0 = Utc.with_ymd_and_hms(2026, 3, 1, 10, 0, 0).unwrap();
    let day = |d: i64| t0 + Duration::days(d);
    let started = |n: u64, v: &str, c: &str, action| {
        NewEvent::new(
            kind::DEPLOYMENT_STARTED,
            Some("prod"),
            DeploymentStarted::bare(n, v, c, action),
        )
    };
    let finished = |n: u64, ok: bool| {
        let body = DeploymentFinished {
            number: n,
            ..Default::default()
        };
        let k = if ok {
            kind::DEPLOYMENT_SUCCEEDED
        } else {
            kind::DEPLOYMENT_FAILED
        };
        NewEvent::new(k, Some("prod"), body)
    };
    let mut batch = Vec::new();
    let mut number = 0;
    let mut commit = String::new();
    for d in 0..40i64 {
        let version = format!("1.{d}.0");
        if d % 5 != 1 {
            commit = format!("{:040x}", 0xfeed + d);
        }
        let build = BuildRegistered {
            version: version.clone(),
            commit: commit.clone(),
            artifact: None,
            notes: None,
            commit_time: (d % 3 != 0).then(|| (day(d) - Duration::hours(5)).to_rfc3339()),
        };
        batch.push((
            day(d),
            "ci".to_string(),
            vec![NewEvent::new(kind::BUILD_REGISTERED, None, build)],
        ));
        if d == 30 {
            // Runs into day 32, across other envs' events.
            number += 1;
            batch.push((
                day(d),
                "ci".into(),
                vec![started(number, &version, &commit, Action::Deploy)],
            ));
            batch.push((
                day(d) + Duration::hours(3),
                "ci".into(),
                vec![NewEvent::new(
                    kind::BUILD_REGISTERED,
                    None,
                    BuildRegistered {
                        version: "0.0.1-side".into(),
                        commit: "side".into(),
                        artifact: None,
                        notes: None,
                        commit_time: None,
                    },
                )],
            ));
            batch.push((day(32), "ci".into(), vec![finished(number, true)]));
            continue;
        }
        if d == 31 {
            continue;
        }
        number += 1;
        let (v, c, action) = if d % 11 == 10 {
            (
                format!("1.{}.0", d - 2),
                format!("{:040x}", 0xfeed + d - 2),
                Action::Rollback,
            )
        } else {
            (version.clone(), commit.clone(), Action::Deploy)
        };
        batch.push((
            day(d) + Duration::hours(1),
            "ci".into(),
            vec![started(number, &v, &c, action)],
        ));
        batch.push((
            day(d) + Duration::hours(1) + Duration::minutes(5),
            "ci".into(),
            vec![finished(number, d % 7 != 6)],
        ));
    }
    ctx.store.append_batch(batch).unwrap();
    let opened = IncidentOpened {
        severity: relcon::domain::incident::Severity::High,
        summary: None,
        affected: None,
    };
    ctx.store
        .append_batch(vec![(
            day(35) + Duration::hours(2),
            "oncall".into(),
            vec![NewEvent::new(kind::INCIDENT_OPENED, Some("prod"), opened)],
        )])
        .unwrap();
    let id = ctx.store.head_seq().unwrap();
    let resolved = IncidentNote {
        incident: id,
        text: None,
    };
    ctx.store
        .append_batch(vec![(
            day(36),
            "oncall".into(),
            vec![NewEvent::new(kind::INCIDENT_RESOLVED, Some("prod"), resolved)],
        )])
        .unwrap();
}

/// DORA metrics read older history from the projections (`sql::dora`):
/// PostgreSQL answers exactly as SQLite for windows late in a long history
/// (the SQLite answer is held equal to a replay of every event by
/// `ops::metrics`' own tests).
#[test]
fn dora_metrics_late_in_a_long_history_match_sqlite() {
    let config = pipeline_config("\"true\"", "", "");
    let Some(pg) = on_pg(&config) else { return };
    let lite = Sandbox::new(&config);
    dora_history(&pg);
    dora_history(&lite);
    let mut seen_changes = 0;
    for (since, until) in [
        ("2026-04-03", "2026-04-11"),
        ("2026-03-25", "2026-04-12"),
        ("2026-04-08", "2026-04-09"),
    ] {
        let args = [
            "metrics",
            "prod",
            "--since",
            since,
            "--until",
            until,
            "--explain",
            "--json",
        ];
        let here = lite.run(&args).ok().json();
        assert_eq!(pg.run(&args).ok().json(), here, "{args:?}");
        seen_changes += here["lead_time"]["changes"].as_u64().unwrap_or(0);
        if since == "2026-04-02" {
            // Started a day before the replay begins: its start from the release row.
            assert!(here["explain"].to_string().contains("1.30.0 deployed"), "{here}");
        }
    }
    assert!(seen_changes > 3, "the windows held deployments with lead times");
}
