//! Reads of the projection tables.

use chrono::{DateTime, Utc};
use rusqlite::{params, Connection, OptionalExtension, Row};

use crate::config::FlagState;
use crate::domain::checklist::Tick;
use crate::domain::gates::Hold;
use crate::domain::release::StepState;
use crate::domain::{Action, Build, DeploymentStatus, Release};
use crate::error::Result;
use crate::ledger::store::{FlagChange, FlagRecord, StateView};

pub struct ConnView<'c>(pub &'c Connection);

pub fn parse_at(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s)
        .map(|d| d.with_timezone(&Utc))
        .unwrap_or_default()
}

const RELEASE_COLS: &str = "env, number, version, commit_sha, artifact, status, action, actor, started_at, finished_at, reason, from_env, target_release, error, output, pid, host, steps";

fn release_row(r: &Row) -> rusqlite::Result<Release> {
    let status: String = r.get(5)?;
    let action: String = r.get(6)?;
    let started: String = r.get(8)?;
    let finished: Option<String> = r.get(9)?;
    let steps: String = r.get(17)?;
    Ok(Release {
        env: r.get(0)?,
        number: r.get::<_, i64>(1)? as u64,
        version: r.get(2)?,
        commit: r.get(3)?,
        artifact: r.get(4)?,
        status: DeploymentStatus::parse(&status).unwrap_or(DeploymentStatus::Failed),
        action: Action::parse(&action).unwrap_or(Action::Deploy),
        actor: r.get(7)?,
        started_at: parse_at(&started),
        finished_at: finished.as_deref().map(parse_at),
        reason: r.get(10)?,
        from_env: r.get(11)?,
        target_release: r.get::<_, Option<i64>>(12)?.map(|n| n as u64),
        error: r.get(13)?,
        output: r.get(14)?,
        pid: r.get::<_, Option<i64>>(15)?.map(|p| p as u32),
        host: r.get(16)?,
        steps: serde_json::from_str::<Vec<StepState>>(&steps).unwrap_or_default(),
    })
}

fn build_row(r: &Row) -> rusqlite::Result<Build> {
    let at: String = r.get(4)?;
    Ok(Build {
        version: r.get(0)?,
        commit: r.get(1)?,
        artifact: r.get(2)?,
        notes: r.get(3)?,
        created_at: parse_at(&at),
        created_by: r.get(5)?,
    })
}

impl ConnView<'_> {
    fn one_release(&self, where_: &str, p: impl rusqlite::Params) -> Result<Option<Release>> {
        let sql = format!("SELECT {RELEASE_COLS} FROM releases WHERE {where_}");
        Ok(self.0.prepare_cached(&sql)?.query_row(p, release_row).optional()?)
    }
}

impl StateView for ConnView<'_> {
    fn build(&self, version: &str) -> Result<Option<Build>> {
        Ok(self
            .0
            .prepare_cached(
                "SELECT version, commit_sha, artifact, notes, created_at, created_by FROM builds WHERE version = ?1",
            )?
            .query_row([version], build_row)
            .optional()?)
    }

    fn builds(&self, limit: usize) -> Result<Vec<Build>> {
        let mut st = self
            .0
            .prepare_cached("SELECT version, commit_sha, artifact, notes, created_at, created_by FROM builds ORDER BY seq DESC LIMIT ?1")?;
        let rows = st.query_map([limit as i64], build_row)?;
        Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
    }

    fn release(&self, env: &str, number: u64) -> Result<Option<Release>> {
        self.one_release("env = ?1 AND number = ?2", params![env, number as i64])
    }

    fn current_release(&self, env: &str) -> Result<Option<Release>> {
        self.one_release(
            "env = ?1 AND number = (SELECT current FROM env_state WHERE env = ?1)",
            params![env],
        )
    }

    fn last_release_number(&self, env: &str) -> Result<Option<u64>> {
        let n: Option<i64> = self
            .0
            .prepare_cached("SELECT MAX(number) FROM releases WHERE env = ?1")?
            .query_row([env], |r| r.get(0))?;
        Ok(n.map(|n| n as u64))
    }

    fn in_flight(&self, env: &str) -> Result<Option<Release>> {
        self.one_release(
            "env = ?1 AND status = 'started' ORDER BY number DESC LIMIT 1",
            params![env],
        )
    }

    fn interrupted(&self, env: &str) -> Result<Option<Release>> {
        self.one_release(
            "env = ?1 AND status = 'interrupted' ORDER BY number DESC LIMIT 1",
            params![env],
        )
    }

    fn all_in_flight(&self) -> Result<Vec<Release>> {
        let sql = format!("SELECT {RELEASE_COLS} FROM releases WHERE status = 'started' ORDER BY env, number");
        let mut st = self.0.prepare_cached(&sql)?;
        let rows = st.query_map([], release_row)?;
        Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
    }

    fn history(&self, env: &str, offset: u64, limit: usize) -> Result<Vec<Release>> {
        // Numbers are dense (every attempt takes one), so the page is a range
        // scan on the key, never an OFFSET walk: smooth at 100 000 releases.
        let Some(last) = self.last_release_number(env)? else {
            return Ok(Vec::new());
        };
        if offset >= last {
            return Ok(Vec::new());
        }
        let top = last - offset;
        let sql = format!(
            "SELECT {RELEASE_COLS} FROM releases WHERE env = ?1 AND number <= ?2 ORDER BY number DESC LIMIT ?3"
        );
        let mut st = self.0.prepare_cached(&sql)?;
        let rows = st.query_map(params![env, top as i64, limit as i64], release_row)?;
        Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
    }

    fn release_count(&self, env: &str) -> Result<u64> {
        // Every attempt takes the next number, so the count is the last one.
        Ok(self.last_release_number(env)?.unwrap_or(0))
    }

    fn hold(&self, env: &str) -> Result<Option<Hold>> {
        let row: Option<(Option<String>, Option<String>, Option<String>)> = self
            .0
            .prepare_cached("SELECT hold_actor, hold_reason, hold_since FROM env_state WHERE env = ?1")?
            .query_row([env], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .optional()?;
        Ok(match row {
            Some((Some(actor), reason, since)) => Some(Hold {
                actor,
                reason,
                since: since.as_deref().map(parse_at).unwrap_or_default(),
            }),
            _ => None,
        })
    }

    fn approvers(&self, env: &str, version: &str) -> Result<Vec<String>> {
        let mut st = self
            .0
            .prepare_cached("SELECT DISTINCT actor FROM approvals WHERE env = ?1 AND version = ?2 ORDER BY actor")?;
        let rows = st.query_map([env, version], |r| r.get(0))?;
        Ok(rows.collect::<rusqlite::Result<Vec<String>>>()?)
    }

    fn checklist_ticks(&self, env: &str, checklist: &str, version: &str) -> Result<Vec<Tick>> {
        let mut st = self.0.prepare_cached(
            "SELECT item, by, at, note, role FROM checklist_ticks WHERE env = ?1 AND checklist = ?2 AND version = ?3 ORDER BY item",
        )?;
        let rows = st.query_map([env, checklist, version], |r| {
            let at: String = r.get(2)?;
            Ok(Tick {
                item: r.get::<_, i64>(0)? as u32,
                by: r.get(1)?,
                at: parse_at(&at),
                note: r.get(3)?,
                role: r.get(4)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
    }

    fn flag_record(&self, flag: &str, env: &str) -> Result<Option<FlagRecord>> {
        let row = self
            .0
            .prepare_cached("SELECT enabled, rollout, targets, killed_from, changed_by, changed_at, reason FROM flag_state WHERE flag = ?1 AND env = ?2")?
            .query_row([flag, env], |r| {
                let targets: String = r.get(2)?;
                let killed: Option<String> = r.get(3)?;
                let at: String = r.get(5)?;
                Ok(FlagRecord {
                    state: FlagState { enabled: r.get(0)?, rollout: r.get::<_, i64>(1)? as u32, targets: serde_json::from_str(&targets).unwrap_or_default() },
                    killed_from: killed.and_then(|k| serde_json::from_str(&k).ok()),
                    changed_by: r.get(4)?,
                    changed_at: parse_at(&at),
                    reason: r.get(6)?,
                })
            })
            .optional()?;
        Ok(row)
    }

    fn flag_history(&self, flag: &str, env: &str, limit: usize) -> Result<Vec<FlagChange>> {
        let mut st = self.0.prepare_cached(
            "SELECT seq, at, actor, change, before, after, reason FROM flag_changes WHERE flag = ?1 AND env = ?2 ORDER BY seq DESC LIMIT ?3",
        )?;
        let rows = st.query_map(params![flag, env, limit as i64], |r| {
            let at: String = r.get(1)?;
            let before: String = r.get(4)?;
            let after: String = r.get(5)?;
            Ok(FlagChange {
                seq: r.get::<_, i64>(0)? as u64,
                at: parse_at(&at),
                actor: r.get(2)?,
                change: r.get(3)?,
                before: serde_json::from_str(&before).unwrap_or_default(),
                after: serde_json::from_str(&after).unwrap_or_default(),
                reason: r.get(6)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
    }
}
