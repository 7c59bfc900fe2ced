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

/// Median of sorted seconds (the mean of the two middle ones when even).
fn median(v: &[i64]) -> Option<i64> {
    let n = v.len();
    match n {
        0 => None,
        _ if n % 2 == 1 => Some(v[n / 2]),
        _ => Some((v[n / 2 - 1] + v[n / 2]) / 2),
    }
}

/// Nearest-rank percentile of sorted seconds.
fn percentile(v: &[i64], p: f64) -> Option<i64> {
    if v.is_empty() {
        return None;
    }
    let rank = ((p * v.len() as f64).ceil() as usize).clamp(1, v.len());
    Some(v[rank - 1])
}

fn ratio(a: u64, b: u64) -> Option<f64> {
    (b > 0).then(|| ((a as f64 / b as f64) * 10_000.0).round() / 10_000.0)
}

const DAY: i64 = 86_400;

fn frequency_band(per_week: f64) -> &'static str {
    match per_week {
        w if w >= 7.0 => "elite",
        w if w >= 1.0 => "high",
        w if w >= 12.0 / 52.0 => "medium",
        _ => "low",
    }
}

fn lead_band(s: i64) -> &'static str {
    match s {
        s if s < DAY => "elite",
        s if s < 7 * DAY => "high",
        s if s < 30 * DAY => "medium",
        _ => "low",
    }
}

fn fail_band(r: f64) -> &'static str {
    match r {
        r if r <= 0.05 => "elite",
        r if r <= 0.10 => "high",
        r if r <= 0.15 => "medium",
        _ => "low",
    }
}

fn recovery_band(s: i64) -> &'static str {
    match s {
        s if s < 3_600 => "elite",
        s if s < DAY => "high",
        s if s < 7 * DAY => "medium",
        _ => "low",
    }
}

/// A failure: when it began, why, and when it was recovered (if yet).
struct Failure {
    seq: u64,
    start: DateTime<Utc>,
    end: Option<(DateTime<Utc>, String)>,
    why: String,
}

pub fn compute(input: &Input) -> Metrics {
    let mut attempts = input.attempts.clone();
    attempts.sort_by_key(|a| (a.finished_at, a.seq));
    let inside = |t: DateTime<Utc>| t >= input.since && t <= input.until;
    let mut explain = Vec::new();

    // Which succeeded attempts are deployments of a new build.
    let mut running: Option<String> = None;
    let mut deployed_commits: HashSet<String> = HashSet::new();
    let mut changes: Vec<(&Attempt, bool)> = Vec::new(); // (attempt, first of its commit)
    for a in attempts.iter().filter(|a| a.succeeded) {
        let new_build = !a.rollback && running.as_deref() != Some(a.version.as_str());
        if new_build {
            changes.push((a, !deployed_commits.contains(&a.commit)));
        }
        deployed_commits.insert(a.commit.clone());
        running = Some(a.version.clone());
    }

    // Deployment frequency.
    let in_window: Vec<&(&Attempt, bool)> = changes.iter().filter(|(a, _)| inside(a.finished_at)).collect();
    for (a, _) in &in_window {
        explain.push(Because {
            metric: "deployment_frequency",
            seq: a.seq,
            at: a.finished_at,
            text: format!("v{} {} deployed", a.number, a.version),
        });
    }
    let weeks = ((input.until - input.since).num_seconds() as f64 / (7.0 * DAY as f64)).max(1.0 / 7.0);
    let deployments = in_window.len() as u64;
    let per_week = ((deployments as f64 / weeks) * 100.0).round() / 100.0;

    // Change lead time: first deployment of each commit, commit time known.
    let mut leads = Vec::new();
    for (a, first) in in_window.iter().filter(|(_, first)| *first).map(|(a, f)| (*a, *f)) {
        debug_assert!(first);
        match input.commit_times.get(&a.commit) {
            Some(t) => {
                let s = (a.finished_at - *t).num_seconds().max(0);
                leads.push(s);
                explain.push(Because {
                    metric: "lead_time",
                    seq: a.seq,
                    at: a.finished_at,
                    text: format!(
                        "{} ({}): committed {}, live after {s}s",
                        a.version,
                        short(&a.commit),
                        t.format("%Y-%m-%d %H:%M")
                    ),
                });
            }
            None => explain.push(Because {
                metric: "lead_time",
                seq: a.seq,
                at: a.finished_at,
                text: format!("{} ({}): commit time unknown, left out", a.version, short(&a.commit)),
            }),
        }
    }
    leads.sort_unstable();

    // Failures: failed attempts, and deployments followed by a rollback, a
    // flag kill or an incident before the next deployment.
    let mut failures: Vec<Failure> = Vec::new();
    let mut denominator = deployments;
    for a in attempts
        .iter()
        .filter(|a| !a.succeeded && !a.rollback && inside(a.finished_at))
    {
        denominator += 1;
        failures.push(Failure {
            seq: a.seq,
            start: a.finished_at,
            end: None,
            why: format!("v{} {} failed", a.number, a.version),
        });
    }
    for (i, (d, _)) in changes.iter().enumerate() {
        if !inside(d.finished_at) {
            continue;
        }
        let live_until = changes.get(i + 1).map(|(n, _)| n.started_at);
        let live = |t: DateTime<Utc>| t > d.finished_at && live_until.is_none_or(|u| t < u);
        // The first sign, before the next deployment, that this build was bad.
        let rollbacks = attempts
            .iter()
            .filter(|r| r.rollback && live(r.started_at))
            .map(|r| (r.started_at, false, format!("rolled back (v{})", r.number)));
        let signs = input.signals.iter().filter(|s| live(s.at())).filter_map(|s| match s {
            Signal::FlagKill { at, flag, .. } => Some((*at, false, format!("{flag} killed"))),
            Signal::IncidentOpened { at, seq } => Some((*at, true, format!("incident INC-{seq} opened"))),
            Signal::IncidentResolved { .. } => None,
        });
        let Some((at, incident, why)) = rollbacks.chain(signs).min_by_key(|(t, ..)| *t) else {
            continue;
        };
        // An incident says when the failure was noticed; otherwise it began
        // when the build went live.
        let start = if incident { at } else { d.finished_at };
        failures.push(Failure {
            seq: d.seq,
            start,
            end: None,
            why: format!("v{} {}: {why}", d.number, d.version),
        });
    }
    failures.sort_by_key(|f| (f.start, f.seq));
    for f in &mut failures {
        f.end = recovered(f, &attempts, &input.signals);
        explain.push(Because {
            metric: "change_fail_rate",
            seq: f.seq,
            at: f.start,
            text: f.why.clone(),
        });
    }
    let failed = failures.len() as u64;
    let cfr = ratio(failed, denominator);

    // Recovery time.
    let mut recoveries = Vec::new();
    for f in &failures {
        match &f.end {
            Some((end, how)) => {
                let s = (*end - f.start).num_seconds().max(0);
                recoveries.push(s);
                explain.push(Because {
                    metric: "recovery_time",
                    seq: f.seq,
                    at: *end,
                    text: format!("{} → {how} after {s}s", f.why),
                });
            }
            None => explain.push(Because {
                metric: "recovery_time",
                seq: f.seq,
                at: f.start,
                text: format!("{} → not recovered yet", f.why),
            }),
        }
    }
    recoveries.sort_unstable();

    // Rework: deployments started while a failure was open.
    let mut rework = 0;
    for (a, _) in &in_window {
        let during = failures.iter().find(|f| {
            a.started_at > f.start && f.end.as_ref().is_none_or(|(e, _)| a.started_at < *e) && f.seq != a.seq
        });
        if let Some(f) = during {
            rework += 1;
            explain.push(Because {
                metric: "rework_rate",
                seq: a.seq,
                at: a.finished_at,
                text: format!("v{} {} while {}", a.number, a.version, f.why),
            });
        }
    }

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

/// The first good release, mitigating kill or incident resolution after `f` began.
fn recovered(f: &Failure, attempts: &[Attempt], signals: &[Signal]) -> Option<(DateTime<Utc>, String)> {
    let release = attempts
        .iter()
        .filter(|a| a.succeeded && a.finished_at > f.start && a.seq != f.seq)
        .map(|a| (a.finished_at, format!("v{} {} live", a.number, a.version)));
    let other = signals
        .iter()
        .filter(|s| s.at() > f.start || (s.at() == f.start && matches!(s, Signal::FlagKill { .. })))
        .filter_map(|s| match s {
            Signal::FlagKill { at, flag, .. } => Some((*at, format!("{flag} killed"))),
            Signal::IncidentResolved { at, incident, .. } => Some((*at, format!("INC-{incident} resolved"))),
            Signal::IncidentOpened { .. } => None,
        });
    release.chain(other).min_by_key(|(t, _)| *t)
}

fn short(c: &str) -> &str {
    c.get(..7).unwrap_or(c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn medians_and_percentiles() {
        assert_eq!(median(&[]), None);
        assert_eq!(median(&[5]), Some(5));
        assert_eq!(median(&[1, 3]), Some(2));
        assert_eq!(median(&[1, 2, 9]), Some(2));
        assert_eq!(percentile(&[1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 0.9), Some(9));
        assert_eq!(percentile(&[7], 0.9), Some(7));
        assert_eq!(ratio(1, 4), Some(0.25));
        assert_eq!(ratio(1, 0), None);
    }
}
