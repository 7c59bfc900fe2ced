//! Builds the demo's events with back-dated times, then writes them in one
//! transaction through the real Store API.

use chrono::{DateTime, Duration, Utc};
use std::collections::BTreeMap;

use crate::domain::Action;
use crate::error::Result;
use crate::ledger::bodies::*;
use crate::ledger::{kind, NewEvent};

use super::seed::commit_of;

/// Collects the history, then writes it in time order in one transaction.
pub(super) struct Seeder {
    pub(super) pending: Vec<(DateTime<Utc>, String, Vec<NewEvent>)>,
    pub(super) numbers: BTreeMap<String, u64>,
}

impl Seeder {
    pub(super) fn emit(&mut self, at: DateTime<Utc>, actor: &str, events: Vec<NewEvent>) -> Result<()> {
        self.pending.push((at, actor.to_string(), events));
        Ok(())
    }

    /// One event about `env` (or none), by `actor` at `at`.
    pub(super) fn event(
        &mut self,
        at: DateTime<Utc>,
        actor: &str,
        kind: &'static str,
        env: Option<&str>,
        body: impl serde::Serialize,
    ) -> Result<()> {
        self.emit(at, actor, vec![NewEvent::new(kind, env, body)])
    }

    #[allow(clippy::too_many_arguments)]
    pub(super) fn deploy(
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
    pub(super) fn tick_all(
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
