//! Releases in the fold: held in full while they may still change, let go
//! (digested or written) once they are among the oldest; the deployment
//! events that start, step, finish and late-report them.

use std::collections::{BTreeSet, VecDeque};

use super::{HashMap, HashSet};

use super::{body, env_of, json, Fold, Folded, Sink, Unsure};
use crate::domain::release::StepState;
use crate::domain::DeploymentStatus;
use crate::ledger::bodies::{DeploymentFinished, DeploymentLate, DeploymentStarted, DeploymentStep};
use crate::ledger::event::EventRef;
use crate::ledger::sql::Val;

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
pub(super) struct Release {
    row: Vec<Val>,
    steps: Vec<StepState>,
}

impl Release {
    pub(super) fn finish(mut self) -> Folded<Vec<Val>> {
        self.row[rel::STEPS] = json(&self.steps)?;
        Ok(self.row)
    }
}

pub(super) struct Releases {
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
    pub(super) fn new(window: usize) -> Releases {
        Releases {
            window,
            envs: HashMap::default(),
            seen: HashSet::default(),
            open: HashMap::default(),
            order: VecDeque::new(),
            succeeded: Vec::new(),
        }
    }

    pub(super) fn env_id(&mut self, env: &str) -> u32 {
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
    pub(super) fn insert(&mut self, key: (u32, i64), r: Release) -> Folded<Option<Release>> {
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
    pub(super) fn get(&mut self, key: (u32, i64)) -> Folded<Option<&mut Release>> {
        match self.open.get_mut(&key) {
            Some(r) => Ok(Some(r)),
            None if self.seen.contains(&key) => Err(Unsure(format!("release {key:?} changed after it was let go"))),
            None => Ok(None),
        }
    }

    pub(super) fn set_status(&mut self, key: (u32, i64), status: &str) -> Folded<bool> {
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
    pub(super) fn drain(mut self) -> impl Iterator<Item = Release> {
        std::mem::take(&mut self.order)
            .into_iter()
            .filter_map(move |k| self.open.remove(&k))
    }
}

impl<S: Sink> Fold<S> {
    pub(super) fn deployment_started(&mut self, e: &EventRef<'_>, at: &str) -> Folded<()> {
        let d: DeploymentStarted = body(e)?;
        let env = env_of(e)?;
        let steps = StepState::all_pending(&d.steps);
        // Bound as `Val::from(u64)` binds it.
        let n = d.number as i64;
        let row = vec![
            env.into(),
            Val::Int(n),
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

    pub(super) fn deployment_step(&mut self, e: &EventRef<'_>) -> Folded<()> {
        let s: DeploymentStep = body(e)?;
        let key = self.release_key(e, s.number)?;
        if let Some(r) = self.releases.get(key)? {
            StepState::set(&mut r.steps, s.step, s.state);
        }
        Ok(())
    }

    pub(super) fn deployment_finished(&mut self, e: &EventRef<'_>, at: &str, status: DeploymentStatus) -> Folded<()> {
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

    pub(super) fn deployment_late(&mut self, e: &EventRef<'_>) -> Folded<()> {
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
}
