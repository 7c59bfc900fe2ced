//! DORA metrics from one environment's history (DESIGN §14). Pure: ops
//! gathers the facts from the ledger; this decides what counts.
//!
//! - A **deployment** is a succeeded deployment of a *new build* (a version
//!   other than the one running before it); a rollback is remediation, not a
//!   change, and neither is redeploying the build already running.
//! - **Change lead time**: the commit's time → the first succeeded deployment
//!   of that commit in the environment. Builds without a known commit time
//!   are left out (and named).
//! - A deployment **failed** when its attempt failed, or when, before the
//!   next deployment, the environment was rolled back, a flag was killed in
//!   it, or an incident was opened on it.
//! - **Recovery time** runs from the failure (a failed attempt's end; an
//!   incident's opening; else the bad deployment going live) to the next
//!   good release, a flag kill that mitigated it, or the incident's
//!   resolution — whichever comes first.
//! - **Rework**: deployments started while a failure was not yet recovered
//!   (fixing forward).

use chrono::{DateTime, Utc};
use serde::Serialize;
use std::collections::{HashMap, HashSet};

mod ordered;
mod stats;
mod steps;

use stats::{fail_band, frequency_band, lead_band, median, percentile, ratio, recovery_band, DAY};

/// One deployment attempt that finished (succeeded or failed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attempt {
    /// Seq of the event that finished it.
    pub seq: u64,
    pub number: u64,
    pub version: String,
    pub commit: String,
    pub rollback: bool,
    pub succeeded: bool,
    pub started_at: DateTime<Utc>,
    pub finished_at: DateTime<Utc>,
}

/// Something that marks the running build as bad.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Signal {
    FlagKill { seq: u64, at: DateTime<Utc>, flag: String },
    IncidentOpened { seq: u64, at: DateTime<Utc> },
    IncidentResolved { seq: u64, at: DateTime<Utc>, incident: u64 },
}

impl Signal {
    fn at(&self) -> DateTime<Utc> {
        match self {
            Signal::FlagKill { at, .. } | Signal::IncidentOpened { at, .. } | Signal::IncidentResolved { at, .. } => {
                *at
            }
        }
    }
}

/// Everything the metrics are computed from.
#[derive(Debug, Clone, Default)]
pub struct Input {
    /// Every finished attempt in the environment, any time (history matters
    /// for "new build" and "first deployment of that commit").
    pub attempts: Vec<Attempt>,
    pub signals: Vec<Signal>,
    /// Commit → when it was made.
    pub commit_times: HashMap<String, DateTime<Utc>>,
    /// Commits deployed in the environment before every attempt in
    /// `attempts` (they start late in a long history): a deployment of one
    /// is not its commit's first.
    pub deployed_before: HashSet<String>,
    pub since: DateTime<Utc>,
    pub until: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Frequency {
    pub deployments: u64,
    pub per_week: f64,
    pub band: &'static str,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LeadTime {
    pub median_s: Option<i64>,
    pub p90_s: Option<i64>,
    pub changes: u64,
    pub band: Option<&'static str>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Rate {
    pub failed: u64,
    pub deployments: u64,
    pub rate: Option<f64>,
    pub band: Option<&'static str>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Recovery {
    pub median_s: Option<i64>,
    pub recoveries: u64,
    pub band: Option<&'static str>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Rework {
    pub rework: u64,
    pub deployments: u64,
    pub rate: Option<f64>,
}

/// One fact behind a number, for `--explain`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Because {
    pub metric: &'static str,
    pub seq: u64,
    pub at: DateTime<Utc>,
    pub text: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Metrics {
    pub deployment_frequency: Frequency,
    pub lead_time: LeadTime,
    pub change_fail_rate: Rate,
    pub recovery_time: Recovery,
    pub rework_rate: Rework,
    pub explain: Vec<Because>,
}

/// "1 change", "3 changes": a count with its noun, as the numbers are shown.
pub fn counted(n: u64, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

pub fn compute(input: &Input) -> Metrics {
    let attempts = sorted(input);
    let changes = steps::changes(&attempts, &input.deployed_before);
    window(input, &attempts, &changes, (input.since, input.until))
}

/// [`compute`] for each of several windows over the same input (the
/// Insights view: 13 windows an env). What does not depend on the window
/// (the attempts in order, which were changes) is worked out once: a copy
/// and a sort of every attempt per window were most of that view's load.
pub fn compute_windows(input: &Input, windows: &[(DateTime<Utc>, DateTime<Utc>)]) -> Vec<Metrics> {
    let attempts = sorted(input);
    let changes = steps::changes(&attempts, &input.deployed_before);
    windows.iter().map(|&w| window(input, &attempts, &changes, w)).collect()
}

fn sorted(input: &Input) -> Vec<Attempt> {
    let mut attempts = input.attempts.clone();
    attempts.sort_by_key(|a| (a.finished_at, a.seq));
    attempts
}

/// The metrics of one window (`since`, `until`; `input`'s own are not read).
fn window(
    input: &Input,
    attempts: &[Attempt],
    changes: &[steps::Change<'_>],
    (since, until): (DateTime<Utc>, DateTime<Utc>),
) -> Metrics {
    let inside = |t: DateTime<Utc>| t >= since && t <= until;
    let mut explain = Vec::new();

    let in_window: Vec<&steps::Change> = changes.iter().filter(|(a, _)| inside(a.finished_at)).collect();
    for (a, _) in &in_window {
        explain.push(Because {
            metric: "deployment_frequency",
            seq: a.seq,
            at: a.finished_at,
            text: format!("v{} {} deployed", a.number, a.version),
        });
    }
    let weeks = ((until - since).num_seconds() as f64 / (7.0 * DAY as f64)).max(1.0 / 7.0);
    let deployments = in_window.len() as u64;
    let per_week = ((deployments as f64 / weeks) * 100.0).round() / 100.0;

    let leads = steps::lead_times(&in_window, &input.commit_times, &mut explain);
    let (failures, failed_attempts) = steps::failures(attempts, changes, &input.signals, inside, &mut explain);
    let denominator = deployments + failed_attempts;
    let failed = failures.len() as u64;
    let cfr = ratio(failed, denominator);
    let recoveries = steps::recovery_times(&failures, &mut explain);
    let rework = steps::rework(&in_window, &failures, &mut explain);

    let lead_median = median(&leads);
    let recovery_median = median(&recoveries);
    Metrics {
        deployment_frequency: Frequency {
            deployments,
            per_week,
            band: frequency_band(per_week),
        },
        lead_time: LeadTime {
            median_s: lead_median,
            p90_s: percentile(&leads, 0.9),
            changes: leads.len() as u64,
            band: lead_median.map(lead_band),
        },
        change_fail_rate: Rate {
            failed,
            deployments: denominator,
            rate: cfr,
            band: cfr.map(fail_band),
        },
        recovery_time: Recovery {
            median_s: recovery_median,
            recoveries: recoveries.len() as u64,
            band: recovery_median.map(recovery_band),
        },
        rework_rate: Rework {
            rework,
            deployments,
            rate: ratio(rework, deployments),
        },
        explain,
    }
}
