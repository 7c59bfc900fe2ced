//! The projections folded in memory: `audit verify`'s fast path.
//!
//! `project::apply` is the one definition of what events project; it runs
//! SQL, about 1.5 statements an event, and replaying a whole ledger through
//! it into a scratch store was most of what `audit verify` cost. This fold
//! computes the same rows in memory, only to digest them
//! ([`compare::add_row`]), and never claims more than it knows: wherever
//! it cannot be sure to do exactly what the SQL does — a body that does not
//! parse, a release it no longer holds, a duplicate key — it gives up
//! ([`Unsure`]) and verify replays through `project::apply` as before. A
//! fold that disagrees with the live tables is not trusted either: verify
//! then replays in SQL to confirm and name the difference. A property test
//! (`tests/fold.rs`) holds the fold equal to the SQL replay.
//!
//! Memory stays bounded: rows that only ever get inserted (builds,
//! approvals, flag changes) are digested at once; releases are kept while
//! they may still change, the newest [`WINDOW`] of them, then digested; the
//! remaining tables are small (one row per env, flag and env, checklist
//! item, incident, rollout or lease).

use std::borrow::Borrow;
use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet, VecDeque};
use std::hash::Hash;

use serde::de::DeserializeOwned;

use super::chain::PROJECTIONS;
use super::compare::{add_row, Digest};
use super::view::parse_at;
use super::{Db, Val};
use crate::domain::release::StepState;
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

type Folded<T> = std::result::Result<T, Unsure>;

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

/// The tables the fold knows, which must be every one of `PROJECTIONS`
/// (a test holds them equal; the fold refuses to judge otherwise).
pub const FOLDED: &[&str] = &[
    "builds",
    "releases",
    "env_state",
    "approvals",
    "checklist_ticks",
    "flag_state",
    "flag_changes",
    "incidents",
    "rollouts",
    "leases",
];

/// Where finished rows go: digested (`audit verify`) or written to a
/// store's emptied projections (`ledger rebuild`).
pub trait Sink {
    fn put(&mut self, table: &'static str, row: &[Val]) -> Folded<()>;
}

/// Each table's rows digested as `compare::digests` digests a store's.
#[derive(Default)]
pub struct Digests(HashMap<&'static str, Digest>);

impl Sink for Digests {
    fn put(&mut self, table: &'static str, row: &[Val]) -> Folded<()> {
        add_row(self.0.entry(table).or_default(), row.iter().map(Val::borrowed));
        Ok(())
    }
}

/// Rows inserted into a store's projection tables, one statement a row.
/// A store error is kept in `failed` (it is no reason to replay: the
/// replay would meet it too).
pub struct Writer<'a> {
    db: &'a dyn Db,
    sql: HashMap<&'static str, String>,
    failed: &'a RefCell<Option<crate::error::Error>>,
}

impl<'a> Writer<'a> {
    pub fn new(db: &'a dyn Db, failed: &'a RefCell<Option<crate::error::Error>>) -> Writer<'a> {
        let sql = PROJECTIONS
            .iter()
            .map(|p| {
                let n = p.cols.split(',').count();
                let marks: Vec<String> = (1..=n).map(|i| format!("?{i}")).collect();
                let sql = format!("INSERT INTO {} ({}) VALUES ({})", p.table, p.cols, marks.join(", "));
                (p.table, sql)
            })
            .collect();
        Writer { db, sql, failed }
    }
}

impl Sink for Writer<'_> {
    fn put(&mut self, table: &'static str, row: &[Val]) -> Folded<()> {
        let Some(sql) = self.sql.get(table) else {
            return Err(Unsure(format!("no projection {table}")));
        };
        self.db.exec(sql, row).map(drop).map_err(|e| {
            let why = e.to_string();
            *self.failed.borrow_mut() = Some(e);
            Unsure(why)
        })
    }
}

/// A small table's rows by key, each with the seq of the event that
/// created it: SQLite keeps a row's place (its rowid) through upserts, so
/// a rebuild writes the rows in the order the SQL would have.
struct Rows<K>(HashMap<K, (u64, Vec<Val>)>);

impl<K: Hash + Eq> Rows<K> {
    fn new() -> Rows<K> {
        Rows(HashMap::new())
    }
    fn get<Q: Hash + Eq + ?Sized>(&self, k: &Q) -> Option<&Vec<Val>>
    where
        K: Borrow<Q>,
    {
        self.0.get(k).map(|r| &r.1)
    }
    fn get_mut<Q: Hash + Eq + ?Sized>(&mut self, k: &Q) -> Option<&mut Vec<Val>>
    where
        K: Borrow<Q>,
    {
        self.0.get_mut(k).map(|r| &mut r.1)
    }
    /// Insert, or replace the values of the row with that key in place.
    fn upsert(&mut self, k: K, seq: u64, row: Vec<Val>) {
        match self.0.get_mut(&k) {
            Some(r) => r.1 = row,
            None => {
                self.0.insert(k, (seq, row));
            }
        }
    }
    fn or_insert_with(&mut self, k: K, seq: u64, row: impl FnOnce() -> Vec<Val>) -> &mut Vec<Val> {
        &mut self.0.entry(k).or_insert_with(|| (seq, row())).1
    }
    fn remove<Q: Hash + Eq + ?Sized>(&mut self, k: &Q)
    where
        K: Borrow<Q>,
    {
        self.0.remove(k);
    }
    fn in_order(self) -> Vec<Vec<Val>> {
        let mut rows: Vec<_> = self.0.into_values().collect();
        rows.sort_unstable_by_key(|r| r.0);
        rows.into_iter().map(|r| r.1).collect()
    }
}

// Column positions, in `PROJECTIONS` order.
mod rel {
    pub const STATUS: usize = 5;
    pub const FINISHED_AT: usize = 9;
    pub const ERROR: usize = 13;
    pub const OUTPUT: usize = 14;
    pub const STEPS: usize = 17;
    pub const LATE_STATUS: usize = 19;
}

/// A release row with its steps kept parsed (they change one at a time).
struct Release {
    row: Vec<Val>,
    steps: Vec<StepState>,
}

impl Release {
    fn finish(mut self) -> Folded<Vec<Val>> {
        self.row[rel::STEPS] = json(&self.steps)?;
        Ok(self.row)
    }
}

struct Releases {
    window: usize,
    envs: HashMap<String, u32>,
    /// Every (env, number) ever inserted, to refuse a duplicate as SQL does
    /// and to tell a release that was let go from one that never was.
    seen: HashSet<(u32, i64)>,
    open: HashMap<(u32, i64), Release>,
    order: VecDeque<(u32, i64)>,
    /// Per env id, the numbers whose status is `succeeded`.
    succeeded: Vec<BTreeSet<i64>>,
}

impl Releases {
    fn env_id(&mut self, env: &str) -> u32 {
        if let Some(id) = self.envs.get(env) {
            return *id;
        }
        let id = self.envs.len() as u32;
        self.envs.insert(env.to_string(), id);
        self.succeeded.push(BTreeSet::new());
        id
    }

    /// Hold a new release; the oldest one held, when that is one too many,
    /// is let go and returned (its row is final).
    fn insert(&mut self, key: (u32, i64), r: Release) -> Folded<Option<Release>> {
        if !self.seen.insert(key) {
            return Err(Unsure(format!("release {key:?} inserted twice")));
        }
        self.open.insert(key, r);
        self.order.push_back(key);
        if self.open.len() <= self.window {
            return Ok(None);
        }
        while let Some(old) = self.order.pop_front() {
            if let Some(r) = self.open.remove(&old) {
                return Ok(Some(r));
            }
        }
        Ok(None)
    }

    /// The release at `key`: `None` when it never existed (the SQL update
    /// changes nothing), unsure when it was let go.
    fn get(&mut self, key: (u32, i64)) -> Folded<Option<&mut Release>> {
        match self.open.get_mut(&key) {
            Some(r) => Ok(Some(r)),
            None if self.seen.contains(&key) => Err(Unsure(format!("release {key:?} changed after it was let go"))),
            None => Ok(None),
        }
    }

    fn set_status(&mut self, key: (u32, i64), status: &str) -> Folded<bool> {
        if self.get(key)?.is_none() {
            return Ok(false);
        }
        let Some(r) = self.open.get_mut(&key) else {
            return Ok(false);
        };
        let was = std::mem::replace(&mut r.row[rel::STATUS], Val::Text(status.to_string()));
        let set = &mut self.succeeded[key.0 as usize];
        if was == Val::Text("succeeded".into()) {
            set.remove(&key.1);
        }
        if status == "succeeded" {
            set.insert(key.1);
        }
        Ok(true)
    }

    /// Every release still held, oldest first.
    fn drain(mut self) -> impl Iterator<Item = Release> {
        std::mem::take(&mut self.order)
            .into_iter()
            .filter_map(move |k| self.open.remove(&k))
    }
}

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
            build_versions: HashSet::new(),
            releases: Releases {
                window,
                envs: HashMap::new(),
                seen: HashSet::new(),
                open: HashMap::new(),
                order: VecDeque::new(),
                succeeded: Vec::new(),
            },
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
        self.apply(&EventRef {
            seq: e.seq,
            at: &at,
            actor: &e.actor,
            kind: &e.kind,
            env: e.env.as_deref(),
            body: &e.body,
            hash: &e.hash,
        })
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

    fn deployment_started(&mut self, e: &EventRef<'_>, at: &str) -> Folded<()> {
        let d: DeploymentStarted = body(e)?;
        let env = env_of(e)?;
        let steps: Vec<StepState> = d
            .steps
            .iter()
            .map(|s| StepState {
                name: s.clone(),
                state: "pending".into(),
            })
            .collect();
        let number = Val::from(d.number);
        let Val::Int(n) = number else {
            unreachable!("a u64 is bound as an integer")
        };
        let row = vec![
            env.into(),
            number,
            d.version.into(),
            d.commit.into(),
            d.artifact.into(),
            "started".into(),
            d.action.as_str().into(),
            e.actor.into(),
            at.into(),
            Val::Null,
            d.reason.into(),
            d.from_env.into(),
            d.target_release.into(),
            Val::Null,
            Val::Null,
            d.pid.into(),
            d.host.into(),
            Val::Null, // steps: written when digested
            e.seq.into(),
            Val::Null,
        ];
        let key = (self.releases.env_id(env), n);
        match self.releases.insert(key, Release { row, steps })? {
            Some(old) => self.sink.put("releases", &old.finish()?),
            None => Ok(()),
        }
    }

    fn release_key(&mut self, e: &EventRef<'_>, number: u64) -> Folded<(u32, i64)> {
        let env = env_of(e)?;
        Ok((self.releases.env_id(env), number as i64))
    }

    fn deployment_step(&mut self, e: &EventRef<'_>) -> Folded<()> {
        let s: DeploymentStep = body(e)?;
        let key = self.release_key(e, s.number)?;
        if let Some(r) = self.releases.get(key)? {
            match r.steps.iter_mut().find(|x| x.name == s.step) {
                Some(x) => x.state = s.state,
                None => r.steps.push(StepState {
                    name: s.step,
                    state: s.state,
                }),
            }
        }
        Ok(())
    }

    fn deployment_finished(&mut self, e: &EventRef<'_>, at: &str, status: DeploymentStatus) -> Folded<()> {
        let f: DeploymentFinished = body(e)?;
        let key = self.release_key(e, f.number)?;
        if !self.releases.set_status(key, status.as_str())? {
            // The SQL refuses this event (`has no release`): say so there.
            return Err(Unsure(format!("event {}: no release {}", e.seq, f.number)));
        }
        if let Some(r) = self.releases.get(key)? {
            r.row[rel::FINISHED_AT] = at.into();
            r.row[rel::ERROR] = f.error.into();
            if let Some(out) = f.output {
                r.row[rel::OUTPUT] = out.into();
            }
        }
        let current: Val = self.releases.succeeded[key.0 as usize].last().copied().into();
        let env = env_of(e)?;
        self.env_state_row(env, e.seq)[1] = current;
        Ok(())
    }

    fn deployment_late(&mut self, e: &EventRef<'_>) -> Folded<()> {
        let l: DeploymentLate = body(e)?;
        let key = self.release_key(e, l.number)?;
        if let Some(r) = self.releases.get(key)? {
            r.row[rel::LATE_STATUS] = l.outcome.as_str().into();
            if let Some(out) = l.output {
                r.row[rel::OUTPUT] = out.into();
            }
        }
        Ok(())
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

    fn incident(&mut self, e: &EventRef<'_>, at: &str) -> Folded<()> {
        let env = e.env.unwrap_or_default();
        match e.kind {
            kind::INCIDENT_OPENED => {
                let b: IncidentOpened = body(e)?;
                let id = e.seq as i64;
                let row = vec![
                    Val::Int(id),
                    env.into(),
                    b.severity.as_str().into(),
                    b.summary.into(),
                    b.affected.into(),
                    e.actor.into(),
                    at.into(),
                    Val::Null,
                    Val::Null,
                    Val::Null,
                    Val::Null,
                    Val::Null,
                    Val::Null,
                    Val::Int(0),
                ];
                if self.incidents.contains_key(&id) {
                    return Err(Unsure(format!("incident {id} opened twice")));
                }
                self.incidents.insert(id, row);
            }
            kind::INCIDENT_NOTED => {
                let b: IncidentNote = body(e)?;
                if let Some(row) = self.incidents.get_mut(&(b.incident as i64)) {
                    let Val::Int(n) = row[13] else {
                        return Err(Unsure("incident notes is not a number".into()));
                    };
                    row[13] = Val::Int(n + 1);
                }
            }
            kind::INCIDENT_MITIGATED => {
                let b: IncidentMitigated = body(e)?;
                if let Some(row) = self.incidents.get_mut(&(b.incident as i64)) {
                    if row[8] == Val::Null {
                        row[7] = e.actor.into();
                        row[8] = at.into();
                        row[9] = b.detail.into();
                    }
                }
            }
            kind::INCIDENT_RESOLVED => {
                let b: IncidentNote = body(e)?;
                if let Some(row) = self.incidents.get_mut(&(b.incident as i64)) {
                    row[10] = e.actor.into();
                    row[11] = at.into();
                    row[12] = b.text.into();
                }
            }
            _ => {}
        }
        Ok(())
    }

    fn rollout(&mut self, e: &EventRef<'_>, at: &str) -> Folded<()> {
        let env = e.env.unwrap_or_default();
        // Columns: id, env, plan, spec, target, phase, step, weight,
        // started_by, started_at, step_at, soak_from, paused_at, ended_at, reason.
        match e.kind {
            kind::ROLLOUT_STARTED => {
                let b: RolloutStarted = body(e)?;
                let id = e.seq as i64;
                let row = vec![
                    Val::Int(id),
                    env.into(),
                    b.rollout.into(),
                    json(&b.plan)?,
                    json(&b.target)?,
                    "running".into(),
                    Val::Int(0),
                    Val::Int(0),
                    e.actor.into(),
                    at.into(),
                    at.into(),
                    at.into(),
                    Val::Null,
                    Val::Null,
                    b.reason.into(),
                ];
                if self.rollouts.contains_key(&id) {
                    return Err(Unsure(format!("rollout {id} started twice")));
                }
                self.rollouts.insert(id, row);
            }
            kind::ROLLOUT_STEP => {
                let b: RolloutStep = body(e)?;
                if let Some(row) = self.rollouts.get_mut(&(b.id as i64)) {
                    row[6] = b.step.into();
                    row[7] = b.weight.into();
                    row[10] = at.into();
                    row[11] = at.into();
                }
            }
            kind::ROLLOUT_PAUSED => {
                let b: RolloutNote = body(e)?;
                if let Some(row) = self.rollouts.get_mut(&(b.id as i64)) {
                    row[5] = "paused".into();
                    row[12] = at.into();
                    row[14] = b.reason.into();
                }
            }
            kind::ROLLOUT_RESUMED => {
                let b: RolloutNote = body(e)?;
                if let Some(row) = self.rollouts.get_mut(&(b.id as i64)) {
                    // The soak clock stood still while paused.
                    let text = |v: &Val| match v {
                        Val::Null => None,
                        Val::Int(n) => Some(n.to_string()),
                        Val::Text(t) => Some(t.clone()),
                    };
                    let Some(from) = text(&row[11]) else {
                        return Err(Unsure(format!("rollout {} has no soak start", b.id)));
                    };
                    let from = parse_at(&from);
                    let paused = text(&row[12]).map(|p| parse_at(&p));
                    let soak_from = format_at(&(from + paused.map_or(chrono::Duration::zero(), |p| parse_at(at) - p)));
                    row[5] = "running".into();
                    row[11] = soak_from.into();
                    row[12] = Val::Null;
                    row[14] = b.reason.into();
                }
            }
            kind::ROLLOUT_ABORTED => {
                let b: RolloutAborted = body(e)?;
                if let Some(row) = self.rollouts.get_mut(&(b.id as i64)) {
                    row[5] = "aborted".into();
                    row[7] = Val::Int(0);
                    row[13] = at.into();
                    row[12] = Val::Null;
                    row[14] = match &b.reason {
                        Some(r) => format!("{}: {r}", b.why),
                        None => b.why.clone(),
                    }
                    .into();
                }
            }
            kind::ROLLOUT_COMPLETED => {
                let b: RolloutCompleted = body(e)?;
                if let Some(row) = self.rollouts.get_mut(&(b.id as i64)) {
                    row[5] = "completed".into();
                    row[7] = b.weight.into();
                    row[13] = at.into();
                }
            }
            _ => {}
        }
        Ok(())
    }
}
