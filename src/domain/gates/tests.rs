//! Every rule and combination, table-driven where it can be.

use super::*;

fn now() -> DateTime<Utc> {
    // A Wednesday.
    DateTime::parse_from_rfc3339("2026-11-18T12:00:00Z")
        .unwrap()
        .with_timezone(&Utc)
}

fn base<'a>(action: Action) -> GateInput<'a> {
    GateInput {
        action,
        env: "prod",
        now: now(),
        actor: "ana",
        protected: false,
        running: None,
        interrupted: None,
        approvals_required: 0,
        approvers: &[],
        freezes: &[],
        hold: None,
        checklists: &[],
        source_health: None,
    }
}

fn failing_names(g: &[Gate]) -> Vec<String> {
    failing(g).into_iter().map(|g| g.name.clone()).collect()
}

#[test]
fn nothing_configured_passes() {
    for a in [Action::Deploy, Action::Promote, Action::Rollback] {
        assert!(failing(&evaluate(&base(a))).is_empty());
    }
}

fn in_flight(lease: LeaseState) -> Option<InFlight<'static>> {
    Some(InFlight {
        number: 7,
        actor: "bo",
        lease,
    })
}

#[test]
fn an_unleased_running_deployment_blocks_everything_and_cannot_be_overridden() {
    for a in [Action::Deploy, Action::Promote, Action::Rollback] {
        let mut i = base(a);
        i.running = in_flight(LeaseState::Unleased);
        let g = evaluate(&i);
        assert_eq!(failing_names(&g), vec!["running"]);
        assert!(!g[0].overridable);
        assert!(g[0].detail.contains("v7") && g[0].detail.contains("bo"));
    }
}

#[test]
fn a_live_lease_blocks_but_can_be_taken_over_and_an_expired_one_does_not_block() {
    for a in [Action::Deploy, Action::Promote, Action::Rollback] {
        let mut i = base(a);
        i.running = in_flight(LeaseState::Live { remaining_ms: 12_300 });
        let g = evaluate(&i);
        assert_eq!(failing_names(&g), vec!["running"]);
        assert!(g[0].overridable, "--force takes a live lease over");
        assert!(g[0].detail.contains("13s more"), "{}", g[0].detail);
        i.running = in_flight(LeaseState::Expired { ago_ms: 4_000 });
        let g = evaluate(&i);
        assert!(failing(&g).is_empty(), "{g:?}");
        assert!(g[0].detail.contains("went silent 4s"), "{}", g[0].detail);
    }
}

#[test]
fn protected_allows_promotions_only() {
    let mut i = base(Action::Deploy);
    i.protected = true;
    assert_eq!(failing_names(&evaluate(&i)), vec!["protected"]);
    i.action = Action::Promote;
    assert!(failing(&evaluate(&i)).is_empty());
}

#[test]
fn approvals_count_distinct_people_not_the_promoter() {
    let cases: Vec<(Vec<&str>, u32, bool)> = vec![
        (vec![], 2, false),
        (vec!["bo"], 2, false),
        (vec!["bo", "bo"], 2, false),
        (vec!["bo", "ana"], 2, false),
        (vec!["bo", "cy"], 2, true),
        (vec!["bo", "cy", "ana"], 2, true),
        (vec!["ana"], 1, false),
        (vec!["bob", "BOB"], 2, false),
        (vec!["bob", "Cy"], 2, true),
        (vec!["ANA", "bob"], 2, false),
    ];
    for (who, need, ok) in cases {
        let approvers: Vec<String> = who.iter().map(|s| s.to_string()).collect();
        let mut i = base(Action::Promote);
        i.approvals_required = need;
        i.approvers = &approvers;
        let g = evaluate(&i);
        let gate = g.iter().find(|g| g.name == "approvals").unwrap();
        assert_eq!(gate.ok, ok, "{who:?} need {need}: {}", gate.detail);
    }
    let approvers = vec!["ana".to_string()];
    let mut i = base(Action::Promote);
    i.approvals_required = 1;
    i.approvers = &approvers;
    let g = evaluate(&i);
    assert!(g.iter().any(|g| g.detail.contains("your own approval does not count")));
}

#[test]
fn freeze_names_when_it_ends() {
    let w = [FreezeWindow::parse("Wed 10:00 - Wed 14:00 UTC").unwrap()];
    let mut i = base(Action::Promote);
    i.freezes = &w;
    let g = evaluate(&i);
    let f = g.iter().find(|g| g.name == "freeze").unwrap();
    assert!(!f.ok);
    assert!(f.detail.contains("Wed 14:00 UTC"), "{}", f.detail);
    let w = [FreezeWindow::parse("Fri 16:00 - Mon 08:00 UTC").unwrap()];
    i.freezes = &w;
    assert!(evaluate(&i).iter().find(|g| g.name == "freeze").unwrap().ok);
    // A far end is a date, not a weekday years away.
    let w = [FreezeWindow::parse("2026-01-01 00:00 - 2100-01-01 00:00 UTC").unwrap()];
    i.freezes = &w;
    let g = evaluate(&i);
    let f = g.iter().find(|g| g.name == "freeze").unwrap();
    assert!(
        f.detail.starts_with("frozen until 2100-01-01 00:00 UTC"),
        "{}",
        f.detail
    );
}

#[test]
fn rollback_ignores_every_gate_but_running() {
    let w = [FreezeWindow::parse("Wed 10:00 - Wed 14:00 UTC").unwrap()];
    let hold = Hold {
        actor: "bo".into(),
        reason: None,
        since: now(),
    };
    let lists = [ChecklistProgress {
        name: "pre".into(),
        done: 0,
        total: 3,
    }];
    let mut i = base(Action::Rollback);
    i.protected = true;
    i.approvals_required = 2;
    i.freezes = &w;
    i.hold = Some(&hold);
    i.checklists = &lists;
    i.interrupted = Some(3);
    i.source_health = Some(("staging", false, "unhealthy"));
    assert!(failing(&evaluate(&i)).is_empty());
}

#[test]
fn every_failing_gate_is_listed() {
    let w = [FreezeWindow::parse("Wed 10:00 - Wed 14:00 UTC").unwrap()];
    let hold = Hold {
        actor: "bo".into(),
        reason: Some("bad build".into()),
        since: now(),
    };
    let lists = [
        ChecklistProgress {
            name: "pre-deploy".into(),
            done: 2,
            total: 5,
        },
        ChecklistProgress {
            name: "qa".into(),
            done: 4,
            total: 4,
        },
    ];
    let mut i = base(Action::Promote);
    i.approvals_required = 1;
    i.freezes = &w;
    i.hold = Some(&hold);
    i.checklists = &lists;
    i.interrupted = Some(4);
    i.source_health = Some(("staging", false, "unhealthy: 503"));
    let g = evaluate(&i);
    assert_eq!(
        failing_names(&g),
        vec![
            "interrupted",
            "approvals",
            "freeze",
            "hold",
            "checklist pre-deploy",
            "health staging"
        ]
    );
    let pre = g.iter().find(|g| g.name == "checklist pre-deploy").unwrap();
    assert_eq!(pre.detail, "3 of 5 items open");
    assert!(g
        .iter()
        .find(|g| g.name == "hold")
        .unwrap()
        .detail
        .contains("bad build"));
}

#[test]
fn source_health_only_gates_promotions() {
    let mut i = base(Action::Deploy);
    i.source_health = Some(("staging", false, "down"));
    assert!(failing(&evaluate(&i)).is_empty());
    i.action = Action::Promote;
    assert_eq!(failing_names(&evaluate(&i)), vec!["health staging"]);
}
