//! A realistic month of history for the demo, written through the real
//! Store API with back-dated times: builds, deploys, promotions, a failed
//! deployment, a rollback with its hold cleared, approvals, checklists, flags.

use chrono::{DateTime, Duration, Utc};
use serde_json::json;
use std::collections::BTreeMap;

use crate::config::FlagState;
use crate::domain::Action;
use crate::error::Result;
use crate::ledger::bodies::*;
use crate::ledger::{kind, NewEvent, Store};

pub const CI: &str = "ci@customer-portal.example";
const PEOPLE: [&str; 5] = [
    "ana.silva@customer-portal.example",
    "ben.okafor@customer-portal.example",
    "chen.wei@customer-portal.example",
    "dana.kim@customer-portal.example",
    "sam.osei@customer-portal.example",
];

pub const VERSIONS: [&str; 29] = [
    "1.0.0", "1.0.1", "1.1.0", "1.1.1", "1.2.0", "1.2.1", "1.2.2", "1.3.0", "1.3.1", "1.4.0", "1.4.1", "1.4.2",
    "1.5.0", "1.5.1", "1.6.0", "1.6.1", "1.7.0", "1.7.1", "1.7.2", "1.8.0", "1.8.1", "1.9.0", "1.9.1", "1.10.0",
    "1.10.1", "1.11.0", "1.11.1", "1.11.2", "1.12.0",
];

const NOTES: [&str; 8] = [
    "portal: tenant switcher",
    "fix login redirect loop",
    "checkout: retry card authorisation",
    "invoices as PDF",
    "upgrade postgres driver",
    "faster dashboard queries",
    "email templates refresh",
    "fix timezone in reports",
];

/// Versions promoted to prod, in order (the rollback happens after 1.9.0).
const PROD: [&str; 12] = [
    "1.0.1", "1.1.1", "1.2.2", "1.3.1", "1.4.2", "1.5.1", "1.6.1", "1.7.2", "1.9.0", "1.9.1", "1.10.1", "1.11.0",
];

pub fn commit_of(version: &str) -> String {
    // Stable fake SHAs: sha256 of the version, first 40 hex digits.
    use sha2::{Digest, Sha256};
    Sha256::digest(format!("customer-portal {version}").as_bytes())
        .iter()
        .take(20)
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Collects the history, then writes it in time order in one transaction.
struct Seeder {
    pending: Vec<(DateTime<Utc>, String, Vec<NewEvent>)>,
    numbers: BTreeMap<String, u64>,
}

impl Seeder {
    fn emit(&mut self, at: DateTime<Utc>, actor: &str, events: Vec<NewEvent>) -> Result<()> {
        self.pending.push((at, actor.to_string(), events));
        Ok(())
    }

    #[allow(clippy::too_many_arguments)]
    fn deploy(
        &mut self,
        at: DateTime<Utc>,
        actor: &str,
        env: &str,
        version: &str,
        action: Action,
        from: Option<&str>,
        target: Option<u64>,
        reason: Option<&str>,
        error: Option<&str>,
    ) -> Result<u64> {
        let n = self.numbers.entry(env.to_string()).or_insert(0);
        *n += 1;
        let number = *n;
        let steps: Vec<String> = if env == "prod" {
            vec!["migrate".into(), "deploy".into(), "smoke".into()]
        } else {
            vec![]
        };
        let started = DeploymentStarted {
            number,
            version: version.into(),
            commit: commit_of(version),
            artifact: Some(format!(
                "registry.example.com/customer-portal@sha256:{}",
                &commit_of(version)[..16]
            )),
            action,
            from_env: from.map(str::to_string),
            target_release: target,
            reason: reason.map(str::to_string),
            pid: None,
            host: None,
            steps: steps.clone(),
        };
        self.emit(
            at,
            actor,
            vec![NewEvent::new(kind::DEPLOYMENT_STARTED, Some(env), started)],
        )?;
        let mut evs = Vec::new();
        for (i, s) in steps.iter().enumerate() {
            let failed = error.is_some() && i == 1;
            evs.push(NewEvent::new(
                kind::DEPLOYMENT_STEP,
                Some(env),
                DeploymentStep {
                    number,
                    step: s.clone(),
                    state: if failed { "failed".into() } else { "done".into() },
                },
            ));
            if failed {
                break;
            }
        }
        let out = format!("==> {} {version} to {env} as v{number}\n    pulling registry.example.com/customer-portal:{version}\n    rolling restart: 3 replicas\n", action.as_str());
        let finished = DeploymentFinished {
            number,
            error: error.map(str::to_string),
            output: Some(out),
            duration_ms: Some(41_000),
            resolved: false,
            reason: None,
        };
        evs.push(NewEvent::new(
            if error.is_some() {
                kind::DEPLOYMENT_FAILED
            } else {
                kind::DEPLOYMENT_SUCCEEDED
            },
            Some(env),
            finished,
        ));
        self.emit(at + Duration::seconds(41), actor, evs)?;
        Ok(number)
    }

    #[allow(clippy::too_many_arguments)]
    fn tick_all(
        &mut self,
        at: DateTime<Utc>,
        env: &str,
        list: &str,
        version: &str,
        items: &[(&str, Option<&str>)],
        upto: usize,
        people: &[&str],
    ) -> Result<()> {
        for (i, (text, role)) in items.iter().enumerate().take(upto) {
            let who = people[i % people.len()];
            let body = ChecklistTick {
                checklist: list.into(),
                version: version.into(),
                item: (i + 1) as u32,
                text: (*text).into(),
                note: None,
                role: role.map(str::to_string),
                note_only: false,
            };
            self.emit(
                at + Duration::minutes(i as i64 * 4),
                who,
                vec![NewEvent::new(kind::CHECKLIST_TICKED, Some(env), body)],
            )?;
        }
        Ok(())
    }
}

const PRE: [(&str, Option<&str>); 5] = [
    ("All tests pass in CI", None),
    ("Code review completed", None),
    ("Database migrations tested on staging", None),
    ("Security review signed off", Some("security")),
    ("Rollback plan prepared", None),
];
const POST: [(&str, Option<&str>); 4] = [
    ("Verify critical user flows", None),
    ("Monitor error rates for 15 minutes", None),
    ("Update release notes", None),
    ("Notify #releases", None),
];
const VALIDATION: [(&str, Option<&str>); 5] = [
    ("Login and SSO work", None),
    ("Customer portal /portal routes load", None),
    ("Checkout end to end with a test card", None),
    ("Invoices render as PDF", None),
    ("Email notifications arrive", None),
];

/// Write the whole history. `now` anchors it: the newest events are hours old.
pub fn seed(store: &mut dyn Store, now: DateTime<Utc>) -> Result<()> {
    let mut s = Seeder {
        pending: Vec::new(),
        numbers: BTreeMap::new(),
    };
    let start = now - Duration::days(30);
    let step = Duration::minutes(30 * 24 * 60 / VERSIONS.len() as i64);
    let mut prod_released: BTreeMap<&str, u64> = BTreeMap::new();
    for (i, v) in VERSIONS.iter().enumerate() {
        let t = start + step * i as i32;
        let author = PEOPLE[i % PEOPLE.len()];
        s.emit(
            t,
            CI,
            vec![NewEvent::new(
                kind::BUILD_REGISTERED,
                None,
                BuildRegistered {
                    version: (*v).into(),
                    commit: commit_of(v),
                    artifact: Some(format!(
                        "registry.example.com/customer-portal@sha256:{}",
                        &commit_of(v)[..16]
                    )),
                    notes: Some(format!("{} (by {author})", NOTES[i % NOTES.len()])),
                },
            )],
        )?;
        if *v == "1.8.0" {
            s.deploy(
                t + Duration::minutes(8),
                CI,
                "dev",
                v,
                Action::Deploy,
                None,
                None,
                None,
                Some("exit code 1: migration 0042_add_tenant_index failed"),
            )?;
            continue;
        }
        s.deploy(
            t + Duration::minutes(8),
            CI,
            "dev",
            v,
            Action::Deploy,
            None,
            None,
            None,
            None,
        )?;
        let last = i == VERSIONS.len() - 1;
        if i % 3 != 2 && !last || *v == "1.11.2" || PROD.contains(v) {
            let rm = PEOPLE[(i + 1) % PEOPLE.len()];
            s.deploy(
                t + Duration::hours(2),
                rm,
                "staging",
                v,
                Action::Promote,
                Some("dev"),
                None,
                None,
                None,
            )?;
            if *v != "1.11.2" {
                s.tick_all(
                    t + Duration::hours(3),
                    "staging",
                    "staging-validation",
                    v,
                    &VALIDATION,
                    VALIDATION.len(),
                    &PEOPLE[2..4],
                )?;
            }
        }
        if PROD.contains(v) {
            let approver = PEOPLE[(i + 3) % PEOPLE.len()];
            let promoter = PEOPLE[(i + 1) % PEOPLE.len()];
            let at = t + Duration::hours(20);
            s.tick_all(
                at - Duration::hours(2),
                "prod",
                "pre-deploy",
                v,
                &PRE,
                PRE.len(),
                &[PEOPLE[0], PEOPLE[1], PEOPLE[2], PEOPLE[4], PEOPLE[3]],
            )?;
            s.emit(
                at - Duration::minutes(30),
                approver,
                vec![NewEvent::new(
                    kind::APPROVAL_GRANTED,
                    Some("prod"),
                    ApprovalGranted {
                        version: (*v).into(),
                        note: Some("LGTM, staging validation complete".into()),
                    },
                )],
            )?;
            if *v == "1.5.1" {
                s.emit(
                    at - Duration::minutes(1),
                    promoter,
                    vec![NewEvent::new(
                        kind::GATE_OVERRIDDEN,
                        Some("prod"),
                        GateOverridden {
                            action: Action::Promote,
                            version: (*v).into(),
                            gates: vec![OverriddenGate {
                                name: "freeze".into(),
                                detail: "frozen until Mon 08:00 UTC (Fri 16:00 - Mon 08:00 UTC)".into(),
                            }],
                            reason: "hotfix for payment outage INC-2291".into(),
                        },
                    )],
                )?;
            }
            let n = s.deploy(
                at,
                promoter,
                "prod",
                v,
                Action::Promote,
                Some("staging"),
                None,
                Some("scheduled release"),
                None,
            )?;
            prod_released.insert(v, n);
            s.tick_all(
                at + Duration::hours(1),
                "prod",
                "post-deploy",
                v,
                &POST,
                POST.len(),
                &PEOPLE[..2],
            )?;
            if *v == "1.9.0" {
                let target = prod_released.get("1.7.2").copied().unwrap_or(1);
                let oncall = PEOPLE[3];
                let why = "error rate above 1% after 1.9.0 (INC-2304)";
                let rb = at + Duration::hours(2);
                s.emit(
                    rb,
                    oncall,
                    vec![NewEvent::new(
                        kind::HOLD_SET,
                        Some("prod"),
                        HoldSet {
                            reason: Some(format!("rollback to v{target}: {why}")),
                            release: None,
                        },
                    )],
                )?;
                s.deploy(
                    rb,
                    oncall,
                    "prod",
                    "1.7.2",
                    Action::Rollback,
                    None,
                    Some(target),
                    Some(why),
                    None,
                )?;
                s.emit(
                    rb + Duration::hours(20),
                    PEOPLE[0],
                    vec![NewEvent::new(
                        kind::HOLD_CLEARED,
                        Some("prod"),
                        HoldCleared {
                            reason: Some("fixed in 1.9.1".into()),
                        },
                    )],
                )?;
            }
        }
    }
    // The pending promotion: pre-deploy done and one approval, so staging →
    // prod is ready to go; staging's validation is half walked.
    let pending = "1.11.2";
    s.tick_all(
        now - Duration::hours(5),
        "staging",
        "staging-validation",
        pending,
        &VALIDATION,
        5,
        &PEOPLE[2..4],
    )?;
    s.tick_all(
        now - Duration::hours(3),
        "prod",
        "pre-deploy",
        pending,
        &PRE,
        PRE.len(),
        &[PEOPLE[0], PEOPLE[1], PEOPLE[2], PEOPLE[4], PEOPLE[3]],
    )?;
    s.emit(
        now - Duration::hours(2),
        PEOPLE[3],
        vec![NewEvent::new(
            kind::APPROVAL_GRANTED,
            Some("prod"),
            ApprovalGranted {
                version: pending.into(),
                note: Some("ready when you are".into()),
            },
        )],
    )?;
    s.tick_all(
        now - Duration::hours(1),
        "dev",
        "post-deploy",
        "1.12.0",
        &POST,
        1,
        &[CI],
    )?;

    // Flag history: the customer portal went dark → pilot tenants → 10 %.
    let off = FlagState {
        enabled: false,
        rollout: 0,
        targets: vec!["15".into(), "42".into(), "103".into()],
    };
    let pilot = FlagState {
        enabled: true,
        rollout: 0,
        targets: off.targets.clone(),
    };
    let ten = FlagState {
        enabled: true,
        rollout: 10,
        targets: off.targets.clone(),
    };
    let flag = |before: &FlagState, after: &FlagState, reason: &str| {
        NewEvent::new(
            kind::FLAG_CHANGED,
            Some("prod"),
            FlagChanged {
                flag: "customer_portal".into(),
                before: before.clone(),
                after: after.clone(),
                change: "set".into(),
                reason: Some(reason.into()),
            },
        )
    };
    s.emit(
        now - Duration::days(9),
        PEOPLE[0],
        vec![flag(&off, &pilot, "pilot companies 15, 42, 103")],
    )?;
    s.emit(
        now - Duration::days(3),
        PEOPLE[0],
        vec![flag(&pilot, &ten, "pilot feedback good: widen to 10%")],
    )?;
    s.emit(
        now - Duration::hours(30),
        PEOPLE[4],
        vec![NewEvent::new(
            kind::NOTE_ADDED,
            Some("prod"),
            json!({ "text": "Holiday freeze starts in four weeks" }),
        )],
    )?;
    let mut pending = s.pending;
    pending.sort_by_key(|(at, _, _)| *at);
    store.append_batch(pending)?;
    Ok(())
}
