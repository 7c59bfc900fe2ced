//! DORA metrics (DESIGN §14) on a hand-computed ledger: every number below
//! was worked out by hand from the timeline in `fixture`, and `--explain`
//! names the events behind them.

mod common;

use chrono::{DateTime, Utc};
use common::{Backend, Sandbox};
use relcon::domain::incident::Severity;
use relcon::domain::{Action, FlagChangeKind, FlagState};
use relcon::ledger::bodies::*;
use relcon::ledger::{kind, NewEvent};
use serde_json::json;

both_stores!(metrics_match_the_hand_computed_fixture);

const CONFIG: &str = r#"[project]
name = "portal"

[[environment]]
name = "prod"
deploy = "true"

[flag.customer_portal]
env.prod = { enabled = true }
"#;

fn t(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

type Batch = Vec<(DateTime<Utc>, String, Vec<NewEvent>)>;

fn build(b: &mut Batch, version: &str, commit: &str, commit_time: Option<&str>) {
    let body = BuildRegistered {
        version: version.into(),
        commit: commit.into(),
        artifact: None,
        notes: None,
        commit_time: commit_time.map(str::to_string),
    };
    b.push((
        t("2026-09-01T00:00:00Z"),
        "ci".into(),
        vec![NewEvent::new(kind::BUILD_REGISTERED, None, body)],
    ));
}

/// Release `number` of `version`: started at `from`, finished (ok or not) at `to`.
#[allow(clippy::too_many_arguments)]
fn release(
    b: &mut Batch,
    number: u64,
    version: &str,
    commit: &str,
    action: Action,
    target: Option<u64>,
    from: &str,
    to: &str,
    ok: bool,
) {
    let started = DeploymentStarted {
        target_release: target,
        ..DeploymentStarted::bare(number, version, commit, action)
    };
    let done = DeploymentFinished {
        number,
        error: (!ok).then(|| "exit code 1".into()),
        ..Default::default()
    };
    let k = if ok {
        kind::DEPLOYMENT_SUCCEEDED
    } else {
        kind::DEPLOYMENT_FAILED
    };
    b.push((
        t(from),
        "ana".into(),
        vec![NewEvent::new(kind::DEPLOYMENT_STARTED, Some("prod"), started)],
    ));
    b.push((t(to), "ana".into(), vec![NewEvent::new(k, Some("prod"), done)]));
}

/// The timeline (prod; the window is October 2026):
///
/// | release | build | started → finished | |
/// |---|---|---|---|
/// | v1 | 1.0 | 09-30 12:00 → 12:10 | before the window |
/// | v2 | 1.1 | 10-02 10:00 → 10:05 | lead 34h05m (committed 10-01 00:00) |
/// | v3 | 1.2 | 10-05 09:00 → 09:03 **failed** | recovered by v4 at 11:10: 2h07m |
/// | v4 | 1.2 | 10-05 11:00 → 11:10 | lead 23h10m; started while v3's failure was open: rework |
/// | kill | customer_portal | 10-06 08:00 | v4 failed; it went live 10-05 11:10: recovery 20h50m |
/// | v5 | 1.3 | 10-10 10:00 → 10:05 | commit time unknown: no lead time |
/// | INC | critical | opened 10-12 14:00, resolved 16:00 | v5 failed from 14:00 |
/// | v6 | rollback to v4 (1.2) | 10-12 14:10 → 14:15 | not a deployment; recovers v5 after 15m |
/// | v7 | 1.4 | 10-20 12:00 → 12:30 | lead 12h30m |
/// | v8 | 1.4 again | 10-25 09:00 → 09:05 | the build already running: not a deployment |
fn fixture() -> Batch {
    let mut b = Vec::new();
    build(&mut b, "1.0", "a1a1a1a1", Some("2026-09-30T00:00:00.000Z"));
    build(&mut b, "1.1", "a2a2a2a2", Some("2026-10-01T00:00:00.000Z"));
    build(&mut b, "1.2", "a3a3a3a3", Some("2026-10-04T12:00:00.000Z"));
    build(&mut b, "1.3", "a4a4a4a4", None);
    build(&mut b, "1.4", "a5a5a5a5", Some("2026-10-20T00:00:00.000Z"));
    release(
        &mut b,
        1,
        "1.0",
        "a1a1a1a1",
        Action::Deploy,
        None,
        "2026-09-30T12:00:00Z",
        "2026-09-30T12:10:00Z",
        true,
    );
    release(
        &mut b,
        2,
        "1.1",
        "a2a2a2a2",
        Action::Promote,
        None,
        "2026-10-02T10:00:00Z",
        "2026-10-02T10:05:00Z",
        true,
    );
    release(
        &mut b,
        3,
        "1.2",
        "a3a3a3a3",
        Action::Promote,
        None,
        "2026-10-05T09:00:00Z",
        "2026-10-05T09:03:00Z",
        false,
    );
    release(
        &mut b,
        4,
        "1.2",
        "a3a3a3a3",
        Action::Promote,
        None,
        "2026-10-05T11:00:00Z",
        "2026-10-05T11:10:00Z",
        true,
    );
    let on = FlagState {
        enabled: true,
        rollout: 100,
        targets: vec![],
    };
    let kill = FlagChanged {
        flag: "customer_portal".into(),
        after: FlagState {
            enabled: false,
            rollout: 0,
            targets: vec![],
        },
        before: on,
        change: FlagChangeKind::Kill,
        reason: Some("500s".into()),
    };
    b.push((
        t("2026-10-06T08:00:00Z"),
        "bo".into(),
        vec![NewEvent::new(kind::FLAG_CHANGED, Some("prod"), kill)],
    ));
    release(
        &mut b,
        5,
        "1.3",
        "a4a4a4a4",
        Action::Promote,
        None,
        "2026-10-10T10:00:00Z",
        "2026-10-10T10:05:00Z",
        true,
    );
    let opened = IncidentOpened {
        severity: Severity::Critical,
        summary: Some("checkout down".into()),
        affected: None,
    };
    b.push((
        t("2026-10-12T14:00:00Z"),
        "bo".into(),
        vec![NewEvent::new(kind::INCIDENT_OPENED, Some("prod"), opened)],
    ));
    release(
        &mut b,
        6,
        "1.2",
        "a3a3a3a3",
        Action::Rollback,
        Some(4),
        "2026-10-12T14:10:00Z",
        "2026-10-12T14:15:00Z",
        true,
    );
    b.push((
        t("2026-10-12T16:00:00Z"),
        "bo".into(),
        vec![NewEvent::new(
            kind::INCIDENT_RESOLVED,
            Some("prod"),
            json!({"incident": 0}),
        )],
    ));
    release(
        &mut b,
        7,
        "1.4",
        "a5a5a5a5",
        Action::Promote,
        None,
        "2026-10-20T12:00:00Z",
        "2026-10-20T12:30:00Z",
        true,
    );
    release(
        &mut b,
        8,
        "1.4",
        "a5a5a5a5",
        Action::Deploy,
        None,
        "2026-10-25T09:00:00Z",
        "2026-10-25T09:05:00Z",
        true,
    );
    b
}

fn metrics_match_the_hand_computed_fixture(b: Backend) {
    let sb = Sandbox::on(b, CONFIG);
    let mut batch = fixture();
    // The resolution names the incident by its id: the seq of its opening.
    let opened_seq = batch
        .iter()
        .flat_map(|(_, _, evs)| evs)
        .position(|e| e.kind == kind::INCIDENT_OPENED)
        .unwrap() as u64
        + 1;
    for (_, _, evs) in &mut batch {
        for e in evs.iter_mut().filter(|e| e.kind == kind::INCIDENT_RESOLVED) {
            e.body = json!({ "incident": opened_seq, "text": "fixed" });
        }
    }
    sb.store().append_batch(batch).unwrap();
    let window = ["--since", "2026-10-01T00:00:00Z", "--until", "2026-10-31T00:00:00Z"];
    let mut args = vec!["metrics", "prod", "--json"];
    args.extend(window);
    let m = sb.run(&args).ok().json();
    assert_eq!(m["env"], "prod");
    let f = &m["deployment_frequency"];
    assert_eq!(
        (f["deployments"].as_u64(), f["per_week"].as_f64()),
        (Some(4), Some(0.93)),
        "{m}"
    );
    assert_eq!(f["band"], "medium");
    let l = &m["lead_time"];
    assert_eq!(
        (l["median_s"].as_i64(), l["p90_s"].as_i64(), l["changes"].as_u64()),
        (Some(83_400), Some(122_700), Some(3)),
        "{m}"
    );
    let c = &m["change_fail_rate"];
    assert_eq!(
        (c["failed"].as_u64(), c["deployments"].as_u64(), c["rate"].as_f64()),
        (Some(3), Some(5), Some(0.6)),
        "{m}"
    );
    let r = &m["recovery_time"];
    assert_eq!(
        (r["median_s"].as_i64(), r["recoveries"].as_u64()),
        (Some(7_620), Some(3)),
        "{m}"
    );
    let w = &m["rework_rate"];
    assert_eq!(
        (w["rework"].as_u64(), w["deployments"].as_u64(), w["rate"].as_f64()),
        (Some(1), Some(4), Some(0.25)),
        "{m}"
    );
    assert!(
        m.get("explain")
            .is_none_or(|e| e.as_array().is_none_or(|a| a.is_empty())),
        "explain only when asked"
    );

    // --explain names the events behind every number.
    let mut args = vec!["metrics", "prod", "--explain"];
    args.extend(window);
    let text = sb.run(&args).ok().stdout;
    for needle in [
        "deployment frequency  4 deployments, 0.93 a week  [medium]",
        "change lead time      median 23h 10m, p90 1d 10h (3 changes)  [elite]",
        "change fail rate      3 of 5 (60.0 %)  [low]",
        "recovery time         median 2h 7m (3 recoveries)  [high]",
        "rework rate           1 of 4 (25.0 %)",
        "1.3 (a4a4a4a): commit time unknown, left out",
        "v3 1.2 failed",
        "v4 1.2: customer_portal killed → customer_portal killed after 75000s",
        "v5 1.3: incident INC-",
        "v6 1.2 live after 900s",
        "v4 1.2 while v3 1.2 failed",
    ] {
        assert!(text.contains(needle), "missing {needle:?} in:\n{text}");
    }
    assert!(
        !text.contains("v8"),
        "redeploying the running build is no deployment:\n{text}"
    );
    // Each metric's events under a heading of its own, a blank line before.
    assert!(text.contains("\n\nlead time\n"), "{text}");
    assert!(!text.contains("\\n"), "a newline shown as text:\n{text}");
}

#[test]
fn commit_times_come_from_the_flag_or_the_repo() {
    let sb = Sandbox::new(CONFIG);
    sb.run(&[
        "release",
        "register",
        "1.0",
        "--commit",
        "abc",
        "--commit-time",
        "2026-11-20T09:14:00+01:00",
    ])
    .ok();
    let audit = sb.audit();
    assert_eq!(audit[0]["body"]["commit_time"], "2026-11-20T08:14:00.000Z");
    let r = sb.run(&[
        "release",
        "register",
        "1.1",
        "--commit",
        "abd",
        "--commit-time",
        "yesterday",
    ]);
    assert_eq!(r.code, 2, "{r}");
    assert!(r.stderr.contains("RFC 3339"), "{r}");
}
