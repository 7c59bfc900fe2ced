//! The steps of `compute`, one per metric, each adding its reasons to
//! `explain`.

use super::ordered::Ordered;
use super::{Attempt, Because, Signal};
use chrono::{DateTime, Utc};
use std::collections::{HashMap, HashSet};

/// A deployment of a new build, and whether it was the first of its commit.
pub(super) type Change<'a> = (&'a Attempt, bool);

/// A failure: when it began, why, and when it was recovered (if yet).
pub(super) struct Failure {
    pub seq: u64,
    pub start: DateTime<Utc>,
    pub end: Option<(DateTime<Utc>, String)>,
    pub why: String,
}

/// Which succeeded attempts (sorted by finish) are deployments of a new
/// build; `before`: commits deployed before the first of them.
pub(super) fn changes<'a>(attempts: &'a [Attempt], before: &'a HashSet<String>) -> Vec<Change<'a>> {
    let mut running: Option<&str> = None;
    let mut deployed_commits: HashSet<&str> = before.iter().map(String::as_str).collect();
    let mut changes = Vec::new();
    for a in attempts.iter().filter(|a| a.succeeded) {
        if !a.rollback && running != Some(a.version.as_str()) {
            changes.push((a, !deployed_commits.contains(a.commit.as_str())));
        }
        deployed_commits.insert(&a.commit);
        running = Some(&a.version);
    }
    changes
}

/// Change lead time of each first deployment of a commit whose time is known.
pub(super) fn lead_times(
    in_window: &[&Change<'_>],
    commit_times: &HashMap<String, DateTime<Utc>>,
    explain: &mut Vec<Because>,
) -> Vec<i64> {
    let mut leads = Vec::new();
    for (a, _) in in_window.iter().filter(|(_, first)| *first) {
        let text = match commit_times.get(&a.commit) {
            Some(t) => {
                let s = (a.finished_at - *t).num_seconds().max(0);
                leads.push(s);
                format!(
                    "{} ({}): committed {}, live after {s}s",
                    a.version,
                    short(&a.commit),
                    t.format("%Y-%m-%d %H:%M")
                )
            }
            None => format!("{} ({}): commit time unknown, left out", a.version, short(&a.commit)),
        };
        explain.push(Because {
            metric: "lead_time",
            seq: a.seq,
            at: a.finished_at,
            text,
        });
    }
    leads.sort_unstable();
    leads
}

/// Failed attempts in the window, and deployments followed by a rollback, a
/// flag kill or an incident before the next deployment; each with its
/// recovery. Also the failed attempts' count, which joins the denominator.
pub(super) fn failures(
    attempts: &[Attempt],
    changes: &[Change<'_>],
    signals: &[Signal],
    inside: impl Fn(DateTime<Utc>) -> bool,
    explain: &mut Vec<Because>,
) -> (Vec<Failure>, u64) {
    let mut failures: Vec<Failure> = attempts
        .iter()
        .filter(|a| !a.succeeded && !a.rollback && inside(a.finished_at))
        .map(|a| Failure {
            seq: a.seq,
            start: a.finished_at,
            end: None,
            why: format!("v{} {} failed", a.number, a.version),
        })
        .collect();
    let failed_attempts = failures.len() as u64;
    let ordered = Ordered::new(attempts, signals);
    for (i, (d, _)) in changes.iter().enumerate() {
        if !inside(d.finished_at) {
            continue;
        }
        let live_until = changes.get(i + 1).map(|(n, _)| n.started_at);
        // The first sign, before the next deployment, that this build was bad.
        let Some((at, incident, why)) = ordered.first_mark(d.finished_at, live_until) else {
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
        f.end = ordered.first_end(f.start, f.seq);
        explain.push(Because {
            metric: "change_fail_rate",
            seq: f.seq,
            at: f.start,
            text: f.why.clone(),
        });
    }
    (failures, failed_attempts)
}

/// Seconds from each failure to its recovery (sorted); open ones are named.
pub(super) fn recovery_times(failures: &[Failure], explain: &mut Vec<Because>) -> Vec<i64> {
    let mut recoveries = Vec::new();
    for f in failures {
        let (at, text) = match &f.end {
            Some((end, how)) => {
                let s = (*end - f.start).num_seconds().max(0);
                recoveries.push(s);
                (*end, format!("{} → {how} after {s}s", f.why))
            }
            None => (f.start, format!("{} → not recovered yet", f.why)),
        };
        explain.push(Because {
            metric: "recovery_time",
            seq: f.seq,
            at,
            text,
        });
    }
    recoveries.sort_unstable();
    recoveries
}

/// Deployments started while a failure was open (fixing forward).
pub(super) fn rework(in_window: &[&Change<'_>], failures: &[Failure], explain: &mut Vec<Because>) -> u64 {
    let mut rework = 0;
    for (a, _) in in_window {
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
    rework
}

fn short(c: &str) -> &str {
    c.get(..7).unwrap_or(c)
}
