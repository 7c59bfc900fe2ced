//! The projections folded in memory, for `audit verify` and `ledger rebuild`.
//!
//! `project::apply` is the one definition of what events project; it runs
//! SQL, about 1.5 statements an event, and replaying a whole ledger through
//! it was most of what verify and rebuild cost. This fold computes the same
//! rows in memory and hands each to a [`Sink`] once it is final: digested
//! for verify (`compare::add_row`, as the live tables are), inserted for
//! rebuild. It never claims more than it knows: wherever it cannot be sure
//! to do exactly what the SQL does — a body that does not parse, a release
//! it no longer holds, a duplicate key — it gives up ([`Unsure`]) and the
//! caller replays through `project::apply` instead. Verify also replays
//! when a digest differs from the live one, to confirm and name the row.
//! `tests.rs` holds the fold equal to the SQL, rows and rowid order.
//!
//! Memory stays bounded: rows that only ever get inserted (builds,
//! approvals, flag changes) go to the sink at once; releases are kept while
//! they may still change, the newest [`WINDOW`] of them (`releases.rs`);
//! the other tables are small (one row per env, flag and env, checklist
//! item, incident, rollout or lease).

use std::collections::BTreeMap;

use serde::de::DeserializeOwned;

use super::chain::PROJECTIONS;
use super::compare::Digest;
use super::view::parse_at;
use super::Val;
use crate::domain::{DeploymentStatus, FlagChangeKind};
use crate::ledger::bodies::*;
use crate::ledger::event::{format_at, is_canonical_at, kind, Event, EventRef};

/// Releases held in full while they may still change. A step, result or
/// late result for an older one makes the fold give up; in a real ledger
/// those come within minutes of the start, thousands of events apart at most.
pub const WINDOW: usize = 8192;

/// The fold cannot vouch for the projections: replay them in SQL instead.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unsure(pub String);

pub type Folded<T> = std::result::Result<T, Unsure>;

fn body<T: DeserializeOwned>(e: &EventRef<'_>) -> Folded<T> {
    serde_json::from_str(e.body).map_err(|err| Unsure(format!("event {}: bad body: {err}", e.seq)))
}

fn env_of<'a>(e: &EventRef<'a>) -> Folded<&'a str> {
    e.env.ok_or_else(|| Unsure(format!("event {} has no env", e.seq)))
}

fn json<T: serde::Serialize>(v: &T) -> Folded<Val> {
    serde_json::to_string(v)
        .map(Val::Text)
        .map_err(|err| Unsure(err.to_string()))
}

mod releases;
mod rows;
mod sink;
mod timeline;
mod writer;

/// The fold's maps: keyed by text from the ledger, hashed millions of
/// times a pass, where SipHash's resistance buys nothing worth its cost
/// (foldhash is still seeded per process).
pub(super) type HashMap<K, V> = std::collections::HashMap<K, V, foldhash::fast::RandomState>;
pub(super) type HashSet<K> = std::collections::HashSet<K, foldhash::fast::RandomState>;

use releases::Releases;
use rows::Rows;
pub use sink::{Digests, Sink, FOLDED};
pub use writer::{Opener, Writer};

/// Every projection, folded from the events in seq order. Rows that
/// only get inserted go to the sink at once, the others when final.
pub struct Fold<S: Sink = Digests> {
    sink: S,
    build_versions: HashSet<String>,
    releases: Releases,
    env_state: Rows<String>,
    ticks: Rows<(String, String, String, i64)>,
    flag_state: Rows<(String, String)>,
    incidents: BTreeMap<i64, Vec<Val>>,
    rollouts: BTreeMap<i64, Vec<Val>>,
    leases: Rows<String>,
}

impl Default for Fold {
    fn default() -> Fold {
        Fold::new()
    }
}

impl Fold {
    pub fn new() -> Fold {
        Fold::with_window(WINDOW)
    }

    /// A fold that holds `window` releases in full (tests let go sooner).
    pub fn with_window(window: usize) -> Fold {
        Fold::with_sink(Digests::default(), window)
    }

    /// Every projection's digest, in `PROJECTIONS` order, as
    /// `compare::digests` reads them from a store.
    pub fn digests(self) -> Folded<Vec<Digest>> {
        let Digests(mut by_table) = self.finish()?;
        Ok(PROJECTIONS
            .iter()
            .map(|p| by_table.remove(p.table).unwrap_or_default())
            .collect())
    }
}

impl<S: Sink> Fold<S> {
    /// A fold whose rows go to `sink`.
    pub fn with_sink(sink: S, window: usize) -> Fold<S> {
        Fold {
            sink,
            build_versions: HashSet::default(),
            releases: Releases::new(window),
            env_state: Rows::new(),
            ticks: Rows::new(),
            flag_state: Rows::new(),
            incidents: BTreeMap::new(),
            rollouts: BTreeMap::new(),
            leases: Rows::new(),
        }
    }

    /// Fold one owned event in (see [`Fold::apply`]).
    pub fn apply_event(&mut self, e: &Event) -> Folded<()> {
        let at = format_at(&e.at);
        self.apply(&e.borrowed(&at))
    }

    /// Fold one event in; mirrors `project::apply`, which sees the time as
    /// the canonical text of what the stored one parses to.
    pub fn apply(&mut self, e: &EventRef<'_>) -> Folded<()> {
        let canonical;
        let at = if is_canonical_at(e.at) {
            e.at
        } else {
            canonical = format_at(&parse_at(e.at));
            canonical.as_str()
        };
        match e.kind {
            kind::BUILD_REGISTERED => self.build_registered(e, at),
            kind::DEPLOYMENT_STARTED => self.deployment_started(e, at),
            kind::DEPLOYMENT_STEP => self.deployment_step(e),
            kind::DEPLOYMENT_SUCCEEDED => self.deployment_finished(e, at, DeploymentStatus::Succeeded),
            kind::DEPLOYMENT_FAILED => self.deployment_finished(e, at, DeploymentStatus::Failed),
            kind::DEPLOYMENT_INTERRUPTED => self.deployment_finished(e, at, DeploymentStatus::Interrupted),
            kind::DEPLOYMENT_LATE => self.deployment_late(e),
            kind::APPROVAL_GRANTED => {
                let a: ApprovalGranted = body(e)?;
                let row = [
                    Val::from(env_of(e)?),
                    a.version.into(),
                    e.actor.into(),
                    at.into(),
                    a.note.into(),
                    e.seq.into(),
                ];
                self.sink.put("approvals", &row)
            }
            kind::HOLD_SET => {
                let h: HoldSet = body(e)?;
                let row = self.env_state_row(env_of(e)?, e.seq);
                row[2] = e.actor.into();
                row[3] = h.reason.into();
                row[4] = at.into();
                Ok(())
            }
            kind::HOLD_CLEARED => {
                if let Some(row) = self.env_state.get_mut(env_of(e)?) {
                    row[2..5].fill(Val::Null);
                }
                Ok(())
            }
            kind::CHECKLIST_TICKED => self.checklist_ticked(e, at),
            kind::CHECKLIST_UNTICKED => {
                let t: ChecklistTick = body(e)?;
                let key = (env_of(e)?.to_string(), t.checklist, t.version, i64::from(t.item));
                self.ticks.remove(&key);
                Ok(())
            }
            kind::FLAG_CHANGED => self.flag_changed(e, at),
            kind::LEASE_ACQUIRED => {
                let l: LeaseAcquired = body(e)?;
                let env = env_of(e)?;
                let row = vec![
                    env.into(),
                    e.seq.into(),
                    e.actor.into(),
                    l.host.into(),
                    l.pid.into(),
                    l.number.into(),
                    l.reason.into(),
                    l.db_ms.into(),
                    l.ttl_ms.into(),
                ];
                self.leases.upsert(env.to_string(), e.seq, row);
                Ok(())
            }
            kind::LEASE_RELEASED | kind::LEASE_EXPIRED => {
                let l: LeaseEnded = body(e)?;
                let env = env_of(e)?;
                if self.leases.get(env).is_some_and(|row| row[1] == Val::from(l.token)) {
                    self.leases.remove(env);
                }
                Ok(())
            }
            k if k.starts_with("incident.") => self.incident(e, at),
            k if k.starts_with("rollout.") => self.rollout(e, at),
            _ => Ok(()),
        }
    }

    /// Hand every row still held to the sink (in the order the SQL
    /// would have created them) and return it.
    pub fn finish(self) -> Folded<S> {
        if let Some(p) = PROJECTIONS.iter().find(|p| !FOLDED.contains(&p.table)) {
            return Err(Unsure(format!("the fold does not know projection {}", p.table)));
        }
        let Fold {
            mut sink,
            releases,
            env_state,
            ticks,
            flag_state,
            incidents,
            rollouts,
            leases,
            ..
        } = self;
        for r in releases.drain() {
            sink.put("releases", &r.finish()?)?;
        }
        for (table, rows) in [
            ("env_state", env_state.in_order()),
            ("checklist_ticks", ticks.in_order()),
            ("flag_state", flag_state.in_order()),
            ("incidents", incidents.into_values().collect()),
            ("rollouts", rollouts.into_values().collect()),
            ("leases", leases.in_order()),
        ] {
            for row in rows {
                sink.put(table, &row)?;
            }
        }
        Ok(sink)
    }

    fn build_registered(&mut self, e: &EventRef<'_>, at: &str) -> Folded<()> {
        let b: BuildRegistered = body(e)?;
        if !self.build_versions.insert(b.version.clone()) {
            return Err(Unsure(format!("build {} registered twice", b.version)));
        }
        let row = [
            Val::from(b.version),
            b.commit.into(),
            b.artifact.into(),
            b.notes.into(),
            at.into(),
            e.actor.into(),
            e.seq.into(),
        ];
        self.sink.put("builds", &row)
    }

    /// The env's `env_state` row, inserted empty as the SQL upserts do.
    fn env_state_row(&mut self, env: &str, seq: u64) -> &mut Vec<Val> {
        self.env_state.or_insert_with(env.to_string(), seq, || {
            vec![env.into(), Val::Null, Val::Null, Val::Null, Val::Null]
        })
    }

    fn checklist_ticked(&mut self, e: &EventRef<'_>, at: &str) -> Folded<()> {
        let t: ChecklistTick = body(e)?;
        let env = env_of(e)?;
        let key = (env.to_string(), t.checklist, t.version, i64::from(t.item));
        if t.note_only {
            if let Some(row) = self.ticks.get_mut(&key) {
                row[6] = t.note.into();
            }
            return Ok(());
        }
        let row = vec![
            env.into(),
            (&key.1).into(),
            (&key.2).into(),
            key.3.into(),
            e.actor.into(),
            at.into(),
            t.note.into(),
            t.role.into(),
            e.seq.into(),
        ];
        self.ticks.upsert(key, e.seq, row);
        Ok(())
    }

    fn flag_changed(&mut self, e: &EventRef<'_>, at: &str) -> Folded<()> {
        let f: FlagChanged = body(e)?;
        let env = env_of(e)?;
        let change = [
            Val::from(&f.flag),
            env.into(),
            e.seq.into(),
            at.into(),
            e.actor.into(),
            f.change.as_str().into(),
            json(&f.before)?,
            json(&f.after)?,
            (&f.reason).into(),
        ];
        self.sink.put("flag_changes", &change)?;
        // A kill keeps the state before the first kill (see project.rs).
        let killed_from = if f.change == FlagChangeKind::Kill {
            json(&f.before)?
        } else {
            Val::Null
        };
        let key = (f.flag, env.to_string());
        let killed_from = match self.flag_state.get(&key) {
            Some(old) if killed_from != Val::Null && old[5] != Val::Null => old[5].clone(),
            _ => killed_from,
        };
        let row = vec![
            (&key.0).into(),
            env.into(),
            f.after.enabled.into(),
            f.after.rollout.into(),
            json(&f.after.targets)?,
            killed_from,
            e.actor.into(),
            at.into(),
            f.reason.into(),
            e.seq.into(),
        ];
        self.flag_state.upsert(key, e.seq, row);
        Ok(())
    }
}

#[cfg(test)]
mod stream;
#[cfg(test)]
mod tests;
