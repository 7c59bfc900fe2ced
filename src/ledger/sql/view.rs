//! Reads of the projection tables, for any [`Db`].

use chrono::{DateTime, Utc};

use super::{vals, Db, Row};
use crate::domain::checklist::Tick;
use crate::domain::gates::Hold;
use crate::domain::release::StepState;
use crate::domain::FlagState;
use crate::domain::{Action, Build, DeploymentStatus, Release};
use crate::error::Result;
use crate::ledger::store::{FlagChange, FlagRecord, Lease, StateView};

pub fn parse_at(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s)
        .map(|d| d.with_timezone(&Utc))
        .unwrap_or_default()
}

const RELEASE_COLS: &str = "env, number, version, commit_sha, artifact, status, action, actor, started_at, finished_at, reason, from_env, target_release, error, output, pid, host, steps, late_status, seq";

fn release_row(r: &Row) -> Result<Release> {
    let status = r.text(5)?;
    let action = r.text(6)?;
    Ok(Release {
        env: r.text(0)?,
        number: r.int(1)? as u64,
        version: r.text(2)?,
        commit: r.text(3)?,
        artifact: r.opt_text(4)?,
        status: DeploymentStatus::parse(&status).unwrap_or(DeploymentStatus::Failed),
        action: Action::parse(&action).unwrap_or(Action::Deploy),
        actor: r.text(7)?,
        started_at: parse_at(&r.text(8)?),
        finished_at: r.opt_text(9)?.as_deref().map(parse_at),
        reason: r.opt_text(10)?,
        from_env: r.opt_text(11)?,
        target_release: r.opt_int(12)?.map(|n| n as u64),
        error: r.opt_text(13)?,
        output: r.opt_text(14)?,
        pid: r.opt_int(15)?.map(|p| p as u32),
        host: r.opt_text(16)?,
        steps: serde_json::from_str::<Vec<StepState>>(&r.text(17)?).unwrap_or_default(),
        late: r.opt_text(18)?.as_deref().and_then(DeploymentStatus::parse),
        seq: r.int(19)? as u64,
    })
}

const BUILD_COLS: &str = "version, commit_sha, artifact, notes, created_at, created_by";

fn build_row(r: &Row) -> Result<Build> {
    Ok(Build {
        version: r.text(0)?,
        commit: r.text(1)?,
        artifact: r.opt_text(2)?,
        notes: r.opt_text(3)?,
        created_at: parse_at(&r.text(4)?),
        created_by: r.text(5)?,
    })
}

fn releases(db: &(impl Db + ?Sized), where_: &str, p: &[super::Val]) -> Result<Vec<Release>> {
    let sql = format!("SELECT {RELEASE_COLS} FROM releases WHERE {where_}");
    db.query(&sql, p)?.iter().map(release_row).collect()
}

fn one_release(db: &(impl Db + ?Sized), where_: &str, p: &[super::Val]) -> Result<Option<Release>> {
    Ok(releases(db, where_, p)?.into_iter().next())
}

impl<D: Db + ?Sized> StateView for D {
    fn build(&self, version: &str) -> Result<Option<Build>> {
        let sql = format!("SELECT {BUILD_COLS} FROM builds WHERE version = ?1");
        self.query_opt(&sql, vals![version])?
            .as_ref()
            .map(build_row)
            .transpose()
    }

    fn builds(&self, limit: usize) -> Result<Vec<Build>> {
        let sql = format!("SELECT {BUILD_COLS} FROM builds ORDER BY seq DESC LIMIT ?1");
        self.query(&sql, vals![limit as i64])?.iter().map(build_row).collect()
    }

    fn release(&self, env: &str, number: u64) -> Result<Option<Release>> {
        one_release(self, "env = ?1 AND number = ?2", vals![env, number])
    }

    fn current_release(&self, env: &str) -> Result<Option<Release>> {
        one_release(
            self,
            "env = ?1 AND number = (SELECT current FROM env_state WHERE env = ?1)",
            vals![env],
        )
    }

    fn last_release_number(&self, env: &str) -> Result<Option<u64>> {
        let row = self.query_opt("SELECT MAX(number) FROM releases WHERE env = ?1", vals![env])?;
        Ok(match row {
            Some(r) => r.opt_int(0)?.map(|n| n as u64),
            None => None,
        })
    }

    fn in_flight(&self, env: &str) -> Result<Option<Release>> {
        one_release(
            self,
            "env = ?1 AND status = 'started' ORDER BY number DESC LIMIT 1",
            vals![env],
        )
    }

    fn interrupted(&self, env: &str) -> Result<Option<Release>> {
        // One a later deployment settled by finishing (a takeover, a forced
        // deploy) no longer leaves the environment's state unknown.
        one_release(
            self,
            "env = ?1 AND status = 'interrupted' AND number > COALESCE((SELECT MAX(number) FROM releases WHERE env = ?1 AND status IN ('succeeded', 'failed')), 0) ORDER BY number DESC LIMIT 1",
            vals![env],
        )
    }

    fn all_in_flight(&self) -> Result<Vec<Release>> {
        // Text is ordered here, in bytes: PostgreSQL would use the
        // database's collation, SQLite compares bytes.
        let mut all = releases(self, "status = 'started'", &[])?;
        all.sort_by(|a, b| (a.env.as_bytes(), a.number).cmp(&(b.env.as_bytes(), b.number)));
        Ok(all)
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
        releases(
            self,
            "env = ?1 AND number <= ?2 ORDER BY number DESC LIMIT ?3",
            vals![env, top, limit as i64],
        )
    }

    fn release_count(&self, env: &str) -> Result<u64> {
        // Every attempt takes the next number, so the count is the last one.
        Ok(self.last_release_number(env)?.unwrap_or(0))
    }

    fn hold(&self, env: &str) -> Result<Option<Hold>> {
        let row = self.query_opt(
            "SELECT hold_actor, hold_reason, hold_since FROM env_state WHERE env = ?1",
            vals![env],
        )?;
        let Some(r) = row else { return Ok(None) };
        Ok(match r.opt_text(0)? {
            Some(actor) => Some(Hold {
                actor,
                reason: r.opt_text(1)?,
                since: r.opt_text(2)?.as_deref().map(parse_at).unwrap_or_default(),
            }),
            None => None,
        })
    }

    fn approvers(&self, env: &str, version: &str) -> Result<Vec<String>> {
        let mut who = self
            .query(
                "SELECT DISTINCT actor FROM approvals WHERE env = ?1 AND version = ?2",
                vals![env, version],
            )?
            .iter()
            .map(|r| r.text(0))
            .collect::<Result<Vec<_>>>()?;
        // In bytes, as SQLite orders them, whatever the server's collation.
        who.sort_unstable();
        Ok(who)
    }

    fn checklist_ticks(&self, env: &str, checklist: &str, version: &str) -> Result<Vec<Tick>> {
        self.query(
            "SELECT item, \"by\", at, note, role FROM checklist_ticks WHERE env = ?1 AND checklist = ?2 AND version = ?3 ORDER BY item",
            vals![env, checklist, version],
        )?
        .iter()
        .map(|r| {
            Ok(Tick {
                item: r.int(0)? as u32,
                by: r.text(1)?,
                at: parse_at(&r.text(2)?),
                note: r.opt_text(3)?,
                role: r.opt_text(4)?,
            })
        })
        .collect()
    }

    fn flag_record(&self, flag: &str, env: &str) -> Result<Option<FlagRecord>> {
        let row = self.query_opt(
            "SELECT enabled, rollout, targets, killed_from, changed_by, changed_at, reason FROM flag_state WHERE flag = ?1 AND env = ?2",
            vals![flag, env],
        )?;
        let Some(r) = row else { return Ok(None) };
        Ok(Some(FlagRecord {
            state: FlagState {
                enabled: r.int(0)? != 0,
                rollout: r.int(1)? as u32,
                targets: serde_json::from_str(&r.text(2)?).unwrap_or_default(),
            },
            killed_from: r.opt_text(3)?.and_then(|k| serde_json::from_str(&k).ok()),
            changed_by: r.text(4)?,
            changed_at: parse_at(&r.text(5)?),
            reason: r.opt_text(6)?,
        }))
    }

    fn flag_history(&self, flag: &str, env: &str, limit: usize) -> Result<Vec<FlagChange>> {
        self.query(
            "SELECT seq, at, actor, change, before, after, reason FROM flag_changes WHERE flag = ?1 AND env = ?2 ORDER BY seq DESC LIMIT ?3",
            vals![flag, env, limit as i64],
        )?
        .iter()
        .map(|r| {
            Ok(FlagChange {
                seq: r.int(0)? as u64,
                at: parse_at(&r.text(1)?),
                actor: r.text(2)?,
                change: r.text(3)?,
                before: serde_json::from_str(&r.text(4)?).unwrap_or_default(),
                after: serde_json::from_str(&r.text(5)?).unwrap_or_default(),
                reason: r.opt_text(6)?,
            })
        })
        .collect()
    }

    fn lease(&self, env: &str) -> Result<Option<Lease>> {
        let row = self.query_opt(
            "SELECT l.env, l.token, l.holder, l.host, l.pid, l.number, l.reason, l.ttl_ms, l.acquired_ms, b.beat_ms
             FROM leases l LEFT JOIN lease_beats b ON b.env = l.env AND b.token = l.token WHERE l.env = ?1",
            vals![env],
        )?;
        let Some(r) = row else { return Ok(None) };
        let acquired = r.int(8)?;
        Ok(Some(Lease {
            env: r.text(0)?,
            token: r.int(1)? as u64,
            holder: r.text(2)?,
            host: r.opt_text(3)?,
            pid: r.opt_int(4)?.map(|p| p as u32),
            number: r.opt_int(5)?.map(|n| n as u64),
            reason: r.opt_text(6)?,
            ttl_ms: r.int(7)?.max(0) as u64,
            alive_ms: r.opt_int(9)?.map_or(acquired, |b| b.max(acquired)),
            now_ms: self.now_ms()?,
        }))
    }

    fn db_now_ms(&self) -> Result<i64> {
        self.now_ms()
    }

    fn open_incident(&self, env: &str) -> Result<Option<crate::domain::incident::Incident>> {
        super::incident::open(self, env)
    }

    fn incidents(&self, limit: usize) -> Result<Vec<crate::domain::incident::Incident>> {
        super::incident::list(self, limit)
    }

    fn rollouts(&self, active: bool, limit: usize) -> Result<Vec<crate::domain::rollout::Rollout>> {
        super::rollout::list(self, active, limit)
    }

    fn rollout_samples(&self, id: u64) -> Result<Vec<crate::domain::rollout::Sample>> {
        super::rollout::samples(self, id)
    }
}
