use super::*;

fn t(s: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(1_700_000_000 + s, 0).unwrap()
}

fn plan(analysis: bool) -> PlanSpec {
    PlanSpec {
        name: "gradual".into(),
        steps: vec![
            StepSpec {
                weight: 5,
                soak_ms: 100_000,
                confirm: false,
            },
            StepSpec {
                weight: 25,
                soak_ms: 100_000,
                confirm: false,
            },
            StepSpec {
                weight: 50,
                soak_ms: 100_000,
                confirm: true,
            },
            StepSpec {
                weight: 100,
                soak_ms: 0,
                confirm: false,
            },
        ],
        analysis: analysis.then(|| AnalysisSpec {
            interval_ms: 10_000,
            failure_limit: 3,
            checks: vec!["health".into()],
        }),
        on_abort: OnAbort::Kill,
    }
}

fn rollout(step: u32, phase: Phase, analysis: bool) -> Rollout {
    let p = plan(analysis);
    Rollout {
        id: 1,
        env: "prod".into(),
        weight: p.steps[step as usize - 1].weight,
        plan: p,
        target: Target::Flag { flag: "f".into() },
        phase,
        step,
        started_by: "ana".into(),
        started_at: t(0),
        step_at: t(0),
        soak_from: t(0),
        paused_at: None,
        ended_at: None,
        reason: None,
    }
}

fn s(step: u32, n: u32, at: i64, v: Verdict) -> Sample {
    Sample {
        step,
        n,
        at: t(at),
        verdict: v,
        measured: vec![],
    }
}

use Verdict::{Fail, NoData, Pass};

#[test]
fn the_decision_table() {
    let adv = |to| Decision::Advance { to };
    let analyse = Decision::Analyse;
    // (step, phase, analysis, samples, now, expected)
    let cases: Vec<(u32, Phase, bool, Vec<Sample>, i64, Decision)> = vec![
        // No analysis: soak, then one step.
        (
            1,
            Phase::Running,
            false,
            vec![],
            50,
            Decision::Wait {
                until: Some(t(100)),
                why: "soaking at 5 %".into(),
            },
        ),
        (1, Phase::Running, false, vec![], 100, adv(2)),
        // Hours late: still one step, never two.
        (1, Phase::Running, false, vec![], 100_000, adv(2)),
        // Hours late with analysis: a fresh poll first, whatever passed before.
        (
            1,
            Phase::Running,
            true,
            vec![s(1, 9, 95, Pass)],
            100_000,
            analyse.clone(),
        ),
        // Analysis due during the soak.
        (1, Phase::Running, true, vec![], 10, analyse.clone()),
        (
            1,
            Phase::Running,
            true,
            vec![s(1, 1, 10, Pass)],
            15,
            Decision::Wait {
                until: Some(t(20)),
                why: "soaking at 5 %".into(),
            },
        ),
        // Soaked with a passing last sample: advance.
        (1, Phase::Running, true, vec![s(1, 9, 95, Pass)], 100, adv(2)),
        // Soaked, the last sample had no data: hold until the next one.
        (
            1,
            Phase::Running,
            true,
            vec![s(1, 9, 95, NoData)],
            100,
            Decision::Wait {
                until: Some(t(105)),
                why: "holding: the analysis has no data".into(),
            },
        ),
        (1, Phase::Running, true, vec![s(1, 9, 95, NoData)], 105, analyse.clone()),
        // Only no data, ever: never advances.
        (
            1,
            Phase::Running,
            true,
            (1..=30).map(|i| s(1, i, i as i64 * 10, NoData)).collect(),
            305,
            Decision::Wait {
                until: Some(t(310)),
                why: "holding: the analysis has no data".into(),
            },
        ),
        // Samples of an earlier step do not count for this one.
        (2, Phase::Running, true, vec![s(1, 9, 95, Pass)], 100, analyse.clone()),
        // failure_limit consecutive failures abort; no data does not break the run.
        (
            1,
            Phase::Running,
            true,
            vec![
                s(1, 1, 10, Fail),
                s(1, 2, 20, NoData),
                s(1, 3, 30, Fail),
                s(1, 4, 40, Fail),
            ],
            41,
            Decision::Abort {
                why: "3 consecutive failed analyses (failure_limit 3)".into(),
            },
        ),
        // A pass resets the run.
        (
            1,
            Phase::Running,
            true,
            vec![
                s(1, 1, 10, Fail),
                s(1, 2, 20, Fail),
                s(1, 3, 30, Pass),
                s(1, 4, 40, Fail),
            ],
            45,
            Decision::Wait {
                until: Some(t(50)),
                why: "soaking at 5 %".into(),
            },
        ),
        // A confirm step waits for a person.
        (
            2,
            Phase::Running,
            false,
            vec![],
            100,
            Decision::Wait {
                until: None,
                why: "waiting for a person to confirm 50 % (relcon rollout advance prod)".into(),
            },
        ),
        // The last step, without a soak, completes.
        (4, Phase::Running, true, vec![], 0, Decision::Complete),
        // Paused and ended rollouts wait.
        (
            1,
            Phase::Paused,
            false,
            vec![],
            1_000,
            Decision::Wait {
                until: None,
                why: "paused".into(),
            },
        ),
        (
            2,
            Phase::Aborted,
            false,
            vec![],
            1_000,
            Decision::Wait {
                until: None,
                why: "aborted".into(),
            },
        ),
    ];
    for (i, (step, phase, analysis, samples, now, want)) in cases.into_iter().enumerate() {
        let r = rollout(step, phase, analysis);
        assert_eq!(decide(&r, &samples, t(now)), want, "case {i}");
    }
}

#[test]
fn verdicts_fail_first_then_hold() {
    let m = |v| Measured {
        check: "c".into(),
        state: "x".into(),
        value: None,
        threshold: None,
        reason: None,
        verdict: v,
    };
    assert_eq!(verdict(&[m(Pass), m(Pass)]), Pass);
    assert_eq!(verdict(&[m(Pass), m(NoData)]), NoData);
    assert_eq!(verdict(&[m(NoData), m(Fail)]), Fail);
    assert_eq!(verdict(&[]), NoData, "no check at all is no data");
}

#[test]
fn pause_time_does_not_count_as_soak() {
    let mut r = rollout(1, Phase::Running, false);
    r.soak_from = t(60);
    assert_eq!(r.soak_end(), t(160));
    assert_eq!(
        decide(&r, &[], t(120)),
        Decision::Wait {
            until: Some(t(160)),
            why: "soaking at 5 %".into()
        }
    );
}
