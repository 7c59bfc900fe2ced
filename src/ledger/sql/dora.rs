//! What DORA metrics (`ops::metrics`) read from before the events they
//! replay: they replay only the events from a little before their earliest
//! window on, and take what older history decides from the projections
//! (one indexed read each), so `relcon metrics` and the Insights view cost
//! the same on a ledger of a million events as on a new one.
//!
//! Older history decides three things: which build was running when the
//! replay starts (a deployment counts only when it changes the build),
//! whether a commit was deployed before (lead time counts its first
//! deployment), and when a commit was made (registered with its build).
//! A deployment that started before the replay and finished inside it
//! takes its start from its release row.

use std::collections::HashSet;

use chrono::{DateTime, Utc};

use super::view::parse_at;
use super::{vals, Db, Row, Val};
use crate::error::Result;
use crate::ledger::bodies::BuildRegistered;
use crate::ledger::event::format_at;

/// A deployment as its release row records it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Release {
    pub number: u64,
    pub version: String,
    pub commit: String,
    pub rollback: bool,
    pub started_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
}

const COLS: &str = "number, version, commit_sha, action, started_at, finished_at";

fn release(r: &Row) -> Result<Release> {
    Ok(Release {
        number: r.int(0)? as u64,
        version: r.text(1)?,
        commit: r.text(2)?,
        rollback: r.text(3)? == "rollback",
        started_at: parse_at(&r.text(4)?),
        finished_at: r.opt_text(5)?.as_deref().map(parse_at),
    })
}

/// The first event (by seq) written at or after `at`: every event before
/// it is older than `at`, whatever the clocks of the machines that wrote
/// them did. None when no event is that recent.
pub fn first_seq_since(db: &dyn Db, at: DateTime<Utc>) -> Result<Option<u64>> {
    // `+seq`: SQLite would otherwise walk the events by seq for the MIN and
    // test each one's time, reading the whole table when none is that recent.
    let row = db.query_opt("SELECT MIN(+seq) FROM events WHERE at >= ?1", vals![format_at(&at)])?;
    Ok(row.map(|r| r.opt_int(0)).transpose()?.flatten().map(|s| s as u64))
}

/// Release `number` of `env`.
pub fn release_of(db: &dyn Db, env: &str, number: u64) -> Result<Option<Release>> {
    let sql = format!("SELECT {COLS} FROM releases WHERE env = ?1 AND number = ?2");
    db.query_opt(&sql, vals![env, number])?
        .as_ref()
        .map(release)
        .transpose()
}

/// The succeeded deployment of `env` that finished last before `before`
/// (by finish, then number), leaving out those `skip` names.
pub fn last_succeeded_before(
    db: &dyn Db,
    env: &str,
    before: DateTime<Utc>,
    skip: &dyn Fn(u64) -> bool,
) -> Result<Option<Release>> {
    // Walked back by number (`releases_status`); an env deploys one at a
    // time, so the newest numbers finished last: a short look suffices.
    const LOOK: usize = 16;
    let sql = format!(
        "SELECT {COLS} FROM releases WHERE env = ?1 AND status = 'succeeded' AND finished_at < ?2 AND number < ?3
         ORDER BY number DESC LIMIT {LOOK}"
    );
    let (before, mut below) = (format_at(&before), i64::MAX);
    let mut best: Option<Release> = None;
    loop {
        let rows = db.query(&sql, vals![env, &before, below])?;
        let found = rows.len();
        for r in rows {
            let r = release(&r)?;
            below = r.number as i64;
            let key = |r: &Release| (r.finished_at, r.number);
            if !skip(r.number) && best.as_ref().is_none_or(|b| key(&r) > key(b)) {
                best = Some(r);
            }
        }
        // Skipped rows are the replay's own: keep looking past them.
        if best.is_some() || found < LOOK {
            return Ok(best);
        }
    }
}

/// Which of `commits` a succeeded deployment of `env` finished with before
/// `before`. Asked a few hundred at a time: SQLite looks each up in
/// `releases_commit`; PostgreSQL, until a schema step adds that index
/// there, reads the env's succeeded releases once per batch rather than
/// once per commit.
pub fn deployed_before(db: &dyn Db, env: &str, commits: &[&str], before: DateTime<Utc>) -> Result<HashSet<String>> {
    let before = format_at(&before);
    let mut out = HashSet::new();
    for batch in commits.chunks(200) {
        let marks: Vec<String> = (3..3 + batch.len()).map(|i| format!("?{i}")).collect();
        let sql = format!(
            "SELECT DISTINCT commit_sha FROM releases
             WHERE env = ?1 AND status = 'succeeded' AND finished_at < ?2 AND commit_sha IN ({})",
            marks.join(", ")
        );
        let mut params = vec![Val::from(env), Val::from(&before)];
        params.extend(batch.iter().map(|c| Val::from(*c)));
        for r in db.query(&sql, &params)? {
            out.insert(r.text(0)?);
        }
    }
    Ok(out)
}

/// When each of `commits` was made, as the newest build of it registered
/// before event `before_seq` says (a build registered without the time
/// says nothing: an older one's still stands). In batches, like
/// [`deployed_before`].
pub fn commit_times_before(
    db: &dyn Db,
    commits: &[&str],
    before_seq: u64,
) -> Result<std::collections::HashMap<String, DateTime<Utc>>> {
    let mut out = std::collections::HashMap::new();
    for batch in commits.chunks(200) {
        let marks: Vec<String> = (2..2 + batch.len()).map(|i| format!("?{i}")).collect();
        let sql = format!(
            "SELECT b.commit_sha, e.body FROM builds b JOIN events e ON e.seq = b.seq
             WHERE b.seq < ?1 AND b.commit_sha IN ({}) ORDER BY b.seq DESC",
            marks.join(", ")
        );
        let mut params = vec![Val::from(before_seq)];
        params.extend(batch.iter().map(|c| Val::from(*c)));
        for r in db.query(&sql, &params)? {
            let commit = r.text(0)?;
            if out.contains_key(&commit) {
                continue;
            }
            let Ok(b) = serde_json::from_str::<BuildRegistered>(&r.text(1)?) else {
                continue;
            };
            if let Some(t) = b
                .commit_time
                .as_deref()
                .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
            {
                out.insert(commit, t.with_timezone(&Utc));
            }
        }
    }
    Ok(out)
}
