//! Attempts and signals ordered by time, so that "the first rollback, kill
//! or incident after this deployment" and "the first recovery after this
//! failure" are a binary search, not a pass over the whole history per
//! deployment (a year's window of 20 000 deployments took seconds).
//! Ties keep the order a pass would have met them in.

use chrono::{DateTime, Utc};

use super::{Attempt, Signal};

pub(super) struct Ordered<'a> {
    attempts: &'a [Attempt],
    signals: &'a [Signal],
    /// Rollback attempts by start, then their place in `attempts`.
    rollbacks: Vec<(DateTime<Utc>, usize)>,
    /// Flag kills and incidents opened (what marks a build bad), by time.
    marks: Vec<(DateTime<Utc>, usize)>,
    /// Flag kills and incidents resolved (what ends a failure), by time.
    ends: Vec<(DateTime<Utc>, usize)>,
}

/// A sign that a build was bad: when, whether an incident, why.
pub(super) type Mark = (DateTime<Utc>, bool, String);

impl<'a> Ordered<'a> {
    /// `attempts` sorted by finish (then seq), as `compute` sorts them.
    pub fn new(attempts: &'a [Attempt], signals: &'a [Signal]) -> Ordered<'a> {
        let by_time = |mut v: Vec<(DateTime<Utc>, usize)>| {
            v.sort_unstable();
            v
        };
        let rollbacks = attempts
            .iter()
            .enumerate()
            .filter(|(_, a)| a.rollback)
            .map(|(i, a)| (a.started_at, i))
            .collect();
        let pick = |want: fn(&Signal) -> bool| {
            by_time(
                signals
                    .iter()
                    .enumerate()
                    .filter(|(_, s)| want(s))
                    .map(|(i, s)| (s.at(), i))
                    .collect(),
            )
        };
        Ordered {
            attempts,
            signals,
            rollbacks: by_time(rollbacks),
            marks: pick(|s| !matches!(s, Signal::IncidentResolved { .. })),
            ends: pick(|s| !matches!(s, Signal::IncidentOpened { .. })),
        }
    }

    /// The first rollback started, flag killed or incident opened after
    /// `after` and before `until` (a rollback first on a tie).
    pub fn first_mark(&self, after: DateTime<Utc>, until: Option<DateTime<Utc>>) -> Option<Mark> {
        let first = |v: &[(DateTime<Utc>, usize)]| {
            let i = v.partition_point(|(t, _)| *t <= after);
            v.get(i).copied().filter(|(t, _)| until.is_none_or(|u| *t < u))
        };
        let rollback =
            first(&self.rollbacks).map(|(t, i)| (t, false, format!("rolled back (v{})", self.attempts[i].number)));
        let sign = first(&self.marks).and_then(|(t, i)| match &self.signals[i] {
            Signal::FlagKill { flag, .. } => Some((t, false, format!("{flag} killed"))),
            Signal::IncidentOpened { seq, .. } => Some((t, true, format!("incident INC-{seq} opened"))),
            // Not among the marks.
            Signal::IncidentResolved { .. } => None,
        });
        match (rollback, sign) {
            (Some(r), Some(s)) => Some(if r.0 <= s.0 { r } else { s }),
            (r, s) => r.or(s),
        }
    }

    /// The first good release after `start` (not the failure's own
    /// attempt `seq`), mitigating kill at or after it, or incident
    /// resolution after it — a release first on a tie.
    pub fn first_end(&self, start: DateTime<Utc>, seq: u64) -> Option<(DateTime<Utc>, String)> {
        let from = self.attempts.partition_point(|a| a.finished_at <= start);
        let release = self.attempts[from..]
            .iter()
            .find(|a| a.succeeded && a.seq != seq)
            .map(|a| (a.finished_at, format!("v{} {} live", a.number, a.version)));
        let from = self.ends.partition_point(|(t, _)| *t < start);
        let other = self.ends[from..].iter().find_map(|&(t, i)| match &self.signals[i] {
            Signal::FlagKill { flag, .. } => Some((t, format!("{flag} killed"))),
            // Only a resolution after the failure began ends it.
            Signal::IncidentResolved { incident, .. } if t > start => Some((t, format!("INC-{incident} resolved"))),
            _ => None,
        });
        match (release, other) {
            (Some(r), Some(o)) => Some(if r.0 <= o.0 { r } else { o }),
            (r, o) => r.or(o),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    /// What a pass over everything finds (the code these searches replace).
    fn mark_by_pass(o: &Ordered<'_>, after: DateTime<Utc>, until: Option<DateTime<Utc>>) -> Option<Mark> {
        let live = |t: DateTime<Utc>| t > after && until.is_none_or(|u| t < u);
        let rollbacks = o
            .attempts
            .iter()
            .filter(|r| r.rollback && live(r.started_at))
            .map(|r| (r.started_at, false, format!("rolled back (v{})", r.number)));
        let signs = o.signals.iter().filter(|s| live(s.at())).filter_map(|s| match s {
            Signal::FlagKill { at, flag, .. } => Some((*at, false, format!("{flag} killed"))),
            Signal::IncidentOpened { at, seq } => Some((*at, true, format!("incident INC-{seq} opened"))),
            Signal::IncidentResolved { .. } => None,
        });
        rollbacks.chain(signs).min_by_key(|(t, ..)| *t)
    }

    fn end_by_pass(o: &Ordered<'_>, start: DateTime<Utc>, seq: u64) -> Option<(DateTime<Utc>, String)> {
        let release = o
            .attempts
            .iter()
            .filter(|a| a.succeeded && a.finished_at > start && a.seq != seq)
            .map(|a| (a.finished_at, format!("v{} {} live", a.number, a.version)));
        let other = o
            .signals
            .iter()
            .filter(|s| s.at() > start || (s.at() == start && matches!(s, Signal::FlagKill { .. })))
            .filter_map(|s| match s {
                Signal::FlagKill { at, flag, .. } => Some((*at, format!("{flag} killed"))),
                Signal::IncidentResolved { at, incident, .. } => Some((*at, format!("INC-{incident} resolved"))),
                Signal::IncidentOpened { .. } => None,
            });
        release.chain(other).min_by_key(|(t, _)| *t)
    }

    /// Times on a coarse grid (many ties), out of order for signals: every
    /// search equals the pass it replaced.
    #[test]
    fn searches_find_what_a_pass_over_everything_finds() {
        let t0 = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
        let mut rng = crate::test_rng::Rng::new(17);
        let mut roll = |n: u64| rng.below(n);
        let at = |h: u64| t0 + chrono::Duration::hours(h as i64);
        for round in 0..200u64 {
            let mut attempts: Vec<Attempt> = (0..roll(40))
                .map(|i| {
                    let start = roll(60);
                    Attempt {
                        seq: i + 1,
                        number: i + 1,
                        version: format!("1.{i}"),
                        commit: format!("c{}", roll(5)),
                        rollback: roll(4) == 0,
                        succeeded: roll(3) != 0,
                        started_at: at(start),
                        finished_at: at(start + roll(3)),
                    }
                })
                .collect();
            attempts.sort_by_key(|a| (a.finished_at, a.seq));
            let signals: Vec<Signal> = (0..roll(12))
                .map(|i| match roll(3) {
                    0 => Signal::FlagKill {
                        seq: 100 + i,
                        at: at(roll(60)),
                        flag: format!("f{i}"),
                    },
                    1 => Signal::IncidentOpened {
                        seq: 100 + i,
                        at: at(roll(60)),
                    },
                    _ => Signal::IncidentResolved {
                        seq: 100 + i,
                        at: at(roll(60)),
                        incident: i,
                    },
                })
                .collect();
            let o = Ordered::new(&attempts, &signals);
            for h in 0..64 {
                let until = (roll(3) != 0).then(|| at(h + 1 + roll(20)));
                assert_eq!(
                    o.first_mark(at(h), until),
                    mark_by_pass(&o, at(h), until),
                    "round {round} h {h}"
                );
                let seq = roll(45);
                assert_eq!(
                    o.first_end(at(h), seq),
                    end_by_pass(&o, at(h), seq),
                    "round {round} h {h}"
                );
            }
        }
    }
}
