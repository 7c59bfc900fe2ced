//! What the console's Insights view draws: each environment's DORA metrics
//! over the last weeks, and the same metrics week by week (one read of
//! the ledger for every environment, `metrics::windows_of`).

use chrono::{DateTime, Duration, Utc};

use super::metrics::{self, Report};
use super::Ctx;
use crate::error::Result;

/// Weeks shown, oldest first.
pub const WEEKS: usize = 12;

#[derive(Debug, Clone)]
pub struct EnvInsights {
    pub env: String,
    /// The whole span of `WEEKS` weeks.
    pub total: Report,
    /// One report per week, oldest first.
    pub weeks: Vec<Report>,
}

pub fn load(ctx: &Ctx, now: DateTime<Utc>) -> Result<Vec<EnvInsights>> {
    let start = now - Duration::weeks(WEEKS as i64);
    let mut spans: Vec<(DateTime<Utc>, DateTime<Utc>)> = (0..WEEKS)
        .map(|i| {
            let from = start + Duration::weeks(i as i64);
            (from, from + Duration::weeks(1) - Duration::milliseconds(1))
        })
        .collect();
    spans.push((start, now));
    let envs: Vec<&str> = ctx.config.environments.iter().map(|e| e.name.as_str()).collect();
    let mut out = Vec::new();
    for (env, mut reports) in envs.iter().zip(metrics::windows_of(ctx, &envs, &spans)?) {
        let Some(total) = reports.pop() else { continue };
        out.push(EnvInsights {
            env: env.to_string(),
            total,
            weeks: reports,
        });
    }
    Ok(out)
}
