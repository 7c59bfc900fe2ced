//! Heartbeats of environment leases. The lease itself is a projection of
//! `lease.acquired` / `lease.released` / `lease.expired` events; heartbeats
//! are not history, so they live in a table of their own that `rebuild`
//! leaves alone.

use super::sql::{vals, Db};
use super::store::{Beat, StateView};
use crate::error::Result;

/// Renew `token`'s lease on `env` with the database clock, unless it has
/// ended, expired or been taken over — an expired lease is never revived,
/// because other consoles already show its deployment as interrupted.
pub fn beat(db: &dyn Db, env: &str, token: u64) -> Result<Beat> {
    let Some(lease) = db.lease(env)? else {
        return Ok(Beat::Lost(format!("the lease on {env} has ended")));
    };
    if lease.token != token {
        return Ok(Beat::Lost(format!(
            "the lease on {env} was taken over by {}{}",
            lease.holder,
            lease.reason.as_deref().map(|r| format!(" ({r})")).unwrap_or_default()
        )));
    }
    if lease.expired() {
        return Ok(Beat::Lost(format!(
            "the lease on {env} expired {}s ago",
            (-lease.remaining_ms()) / 1000
        )));
    }
    db.exec(
        "INSERT INTO lease_beats (env, token, beat_ms) SELECT ?1, ?2, ?3 WHERE EXISTS (SELECT 1 FROM leases WHERE env = ?1 AND token = ?2)
         ON CONFLICT (env) DO UPDATE SET token = excluded.token, beat_ms = excluded.beat_ms",
        vals![env, token, lease.now_ms],
    )?;
    Ok(Beat::Held)
}
