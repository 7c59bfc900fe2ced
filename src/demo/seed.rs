//! A realistic month of history for the demo, written through the real
//! Store API with back-dated times: builds, deploys, promotions, a failed
//! deployment, a rollback with its hold cleared, approvals, checklists, flags.

use chrono::{DateTime, Duration, Utc};
use serde_json::json;
use std::collections::BTreeMap;

use crate::domain::Action;
use crate::domain::FlagState;
use crate::error::Result;
use crate::ledger::bodies::*;
use crate::ledger::{kind, NewEvent, Store};

pub use super::seed_data::*;
use super::seeder::Seeder;

thread_local! {
    /// The demo repository's release commits, while `seed_with` seeds.
    static COMMITS: std::cell::RefCell<Option<BTreeMap<String, String>>> = const { std::cell::RefCell::new(None) };
}

/// Seed with the builds at these commits (the demo repository's).
pub fn seed_with(store: &mut dyn Store, now: DateTime<Utc>, commits: Option<BTreeMap<String, String>>) -> Result<()> {
    COMMITS.with(|c| *c.borrow_mut() = commits);
    let done = seed(store, now);
    COMMITS.with(|c| *c.borrow_mut() = None);
    done
}

pub fn commit_of(version: &str) -> String {
    if let Some(sha) = COMMITS.with(|c| c.borrow().as_ref().and_then(|m| m.get(version).cloned())) {
        return sha;
    }
    // Stable fake SHAs: sha256 of the version, first 40 hex digits.
    use sha2::{Digest, Sha256};
    Sha256::digest(format!("customer-portal {version}").as_bytes())
        .iter()
        .take(20)
        .map(|b| format!("{b:02x}"))
        .collect()
}

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
        version(&mut s, i, v, start + step * i as i32, &mut prod_released)?;
    }
    pending_promotion(&mut s, now)?;
    flag_history(&mut s, now)?;
    s.event(
        now - Duration::hours(30),
        PEOPLE[4],
        kind::NOTE_ADDED,
        Some("prod"),
        json!({ "text": "Holiday freeze starts in four weeks" }),
    )?;
    let mut pending = s.pending;
    pending.sort_by_key(|(at, _, _)| *at);
    store.append_batch(pending)?;
    Ok(())
}

/// One version's way: registered, deployed to dev, most promoted to
/// staging and validated, some released to prod.
fn version(
    s: &mut Seeder,
    i: usize,
    v: &'static str,
    t: DateTime<Utc>,
    prod_released: &mut BTreeMap<&'static str, u64>,
) -> Result<()> {
    let author = PEOPLE[i % PEOPLE.len()];
    s.event(
        t,
        CI,
        kind::BUILD_REGISTERED,
        None,
        BuildRegistered {
            version: v.into(),
            commit: commit_of(v),
            artifact: Some(format!(
                "registry.example.com/customer-portal@sha256:{}",
                &commit_of(v)[..16]
            )),
            notes: Some(format!("{} (by {author})", NOTES[i % NOTES.len()])),
            // Committed a few hours before CI registered it, so the demo's
            // Insights show a change lead time.
            commit_time: Some(crate::ledger::event::format_at(
                &(t - Duration::minutes(90 + 47 * (i as i64 % 7))),
            )),
        },
    )?;
    // One failed deployment in dev's history: a broken migration.
    let failure = (v == "1.8.0").then_some("exit code 1: migration 0042_add_tenant_index failed");
    s.deploy(
        t + Duration::minutes(8),
        CI,
        "dev",
        v,
        Action::Deploy,
        None,
        None,
        None,
        failure,
    )?;
    if failure.is_some() {
        return Ok(());
    }
    let last = i == VERSIONS.len() - 1;
    if i % 3 != 2 && !last || v == "1.11.2" || PROD.contains(&v) {
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
        if v != "1.11.2" {
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
    if PROD.contains(&v) {
        let n = prod_release(s, i, v, t + Duration::hours(20))?;
        prod_released.insert(v, n);
        if v == "1.9.0" {
            let target = prod_released.get("1.7.2").copied().unwrap_or(1);
            incident_rollback(s, t + Duration::hours(22), target)?;
        }
    }
    Ok(())
}

/// Checklists ticked, an approval (and once, a frozen window overridden),
/// the promotion into prod at `at`, its post-deploy list. Returns its vN.
fn prod_release(s: &mut Seeder, i: usize, v: &str, at: DateTime<Utc>) -> Result<u64> {
    let approver = PEOPLE[(i + 3) % PEOPLE.len()];
    let promoter = PEOPLE[(i + 1) % PEOPLE.len()];
    s.tick_all(
        at - Duration::hours(2),
        "prod",
        "pre-deploy",
        v,
        &PRE,
        PRE.len(),
        &[PEOPLE[0], PEOPLE[1], PEOPLE[2], PEOPLE[4], PEOPLE[3]],
    )?;
    s.event(
        at - Duration::minutes(30),
        approver,
        kind::APPROVAL_GRANTED,
        Some("prod"),
        ApprovalGranted {
            version: v.into(),
            note: Some("LGTM, staging validation complete".into()),
        },
    )?;
    if v == "1.5.1" {
        s.event(
            at - Duration::minutes(1),
            promoter,
            kind::GATE_OVERRIDDEN,
            Some("prod"),
            GateOverridden {
                action: Action::Promote.into(),
                version: v.into(),
                gates: vec![OverriddenGate {
                    name: "freeze".into(),
                    detail: "frozen until Mon 08:00 UTC (Fri 16:00 - Mon 08:00 UTC)".into(),
                }],
                reason: "hotfix for payment outage INC-2291".into(),
            },
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
    s.tick_all(
        at + Duration::hours(1),
        "prod",
        "post-deploy",
        v,
        &POST,
        POST.len(),
        &PEOPLE[..2],
    )?;
    Ok(n)
}

/// 1.9.0 raised the error rate: on-call rolls prod back to `target` (1.7.2)
/// at `at`, which holds promotions until 1.9.1 fixes it.
fn incident_rollback(s: &mut Seeder, at: DateTime<Utc>, target: u64) -> Result<()> {
    let oncall = PEOPLE[3];
    let why = "error rate above 1% after 1.9.0 (INC-2304)";
    s.event(
        at,
        oncall,
        kind::HOLD_SET,
        Some("prod"),
        HoldSet {
            reason: Some(format!("rollback to v{target}: {why}")),
            release: None,
        },
    )?;
    s.deploy(
        at,
        oncall,
        "prod",
        "1.7.2",
        Action::Rollback,
        None,
        Some(target),
        Some(why),
        None,
    )?;
    s.event(
        at + Duration::hours(20),
        PEOPLE[0],
        kind::HOLD_CLEARED,
        Some("prod"),
        HoldCleared {
            reason: Some("fixed in 1.9.1".into()),
        },
    )
}

/// The pending promotion: pre-deploy done and one approval, so staging →
/// prod is ready to go; staging's validation is half walked.
fn pending_promotion(s: &mut Seeder, now: DateTime<Utc>) -> Result<()> {
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
    s.event(
        now - Duration::hours(2),
        PEOPLE[3],
        kind::APPROVAL_GRANTED,
        Some("prod"),
        ApprovalGranted {
            version: pending.into(),
            note: Some("ready when you are".into()),
        },
    )?;
    s.tick_all(
        now - Duration::hours(1),
        "dev",
        "post-deploy",
        "1.12.0",
        &POST,
        1,
        &[CI],
    )
}

/// The customer portal went dark → pilot tenants → 10 %.
fn flag_history(s: &mut Seeder, now: DateTime<Utc>) -> Result<()> {
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
                change: crate::domain::FlagChangeKind::Set,
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
    )
}
