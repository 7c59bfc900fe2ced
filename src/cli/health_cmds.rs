//! `relcon health`: one poll, `--watch` (a line per change), or
//! `--until-healthy TIMEOUT` for CI smoke tests.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use super::output::print_json;
use super::term::{self, out};
use crate::domain::inert;
use crate::error::{Error, Result};
use crate::health::{poller, Board, HealthUpdate, State};
use crate::ops::{self, Ctx};

pub fn run(ctx: &Ctx, env: Option<&str>, watch: bool, until: Option<&str>, json: bool) -> Result<i32> {
    if let Some(e) = env {
        ctx.env(e)?;
    }
    let scope: Vec<String> = ctx
        .config
        .environments
        .iter()
        .filter(|e| env.is_none_or(|f| f == e.name))
        .map(|e| e.name.clone())
        .collect();
    let total: usize = ctx
        .config
        .environments
        .iter()
        .filter(|e| scope.contains(&e.name))
        .map(|e| e.health.len() + e.metrics.len())
        .sum();
    if total == 0 {
        return Err(Error::usage(format!(
            "no health checks configured{}: add [[environment.health]] entries (see docs/health.md)",
            env.map(|e| format!(" for {e}")).unwrap_or_default()
        )));
    }
    let deadline = until
        .map(|t| {
            humantime::parse_duration(t)
                .map_err(|_| Error::usage(format!("--until-healthy {t:?}: expected a duration like 5m")))
        })
        .transpose()?;
    if !watch && deadline.is_none() {
        let board = crate::health::once::poll_blocking(&ctx.config, Some(&scope));
        let rows = ops::health::rows(&ctx.config, &board, ctx.store.view(), env)?;
        if json {
            print_json(&rows);
        } else {
            for r in &rows {
                out(row_line(r));
            }
        }
        return Ok(0);
    }
    watch_loop(ctx, env, &scope, total, deadline, json)
}

/// One check as a line. A remote endpoint writes `reason` and `version`:
/// they are made inert here like every field (and again by the writer).
fn row_line(r: &ops::health::HealthRow) -> String {
    let latency = r.latency_ms.map(|l| format!("{l}ms")).unwrap_or_default();
    let value = r.value.map(crate::health::metrics::fmt).unwrap_or_default();
    let version = match (&r.version, &r.expected) {
        (Some(v), Some(e)) if v != e => format!("running {}, expected {} (drift)", inert(v), inert(e)),
        (Some(v), _) => inert(v).into_owned(),
        _ => String::new(),
    };
    let reason = r.reason.as_ref().map(|x| format!("({})", inert(x))).unwrap_or_default();
    format!(
        "{:<10} {:<18} {} {:<9} {:>7} {value} {version} {reason}",
        inert(&r.env),
        inert(&r.check),
        r.symbol,
        r.state,
        latency
    )
}

fn watch_loop(
    ctx: &Ctx,
    env: Option<&str>,
    scope: &[String],
    total: usize,
    deadline: Option<Duration>,
    json: bool,
) -> Result<i32> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Error::runtime(e.to_string()))?;
    let mut cfg = ctx.config.clone();
    cfg.environments.retain(|e| scope.contains(&e.name));
    let started = Instant::now();
    rt.block_on(async {
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<HealthUpdate>();
        let _pollers = poller::spawn(&cfg, tx, poller::DEFAULT_CONCURRENCY);
        let mut board = Board::default();
        let mut last: BTreeMap<(String, String), (State, Option<String>)> = BTreeMap::new();
        loop {
            let wait = match deadline {
                Some(d) => match d.checked_sub(started.elapsed()) {
                    Some(left) => left,
                    None => {
                        term::err(format!("not healthy within {}", humantime::format_duration(d)));
                        return Ok(1);
                    }
                },
                None => Duration::from_secs(3600),
            };
            let u = match tokio::time::timeout(wait, rx.recv()).await {
                Ok(Some(u)) => u,
                Ok(None) => return Err(Error::runtime("health pollers stopped")),
                Err(_) => continue,
            };
            let key = match &u {
                HealthUpdate::Check { env, check, .. } => (env.clone(), check.clone()),
                HealthUpdate::Metric { env, metric, .. } => (env.clone(), metric.clone()),
            };
            board.apply(u);
            let rows = ops::health::rows(&cfg, &board, ctx.store.view(), env)?;
            if let Some(r) = rows.iter().find(|r| r.env == key.0 && r.check == key.1) {
                let now = (r.state, r.version.clone());
                if last.get(&key) != Some(&now) {
                    last.insert(key.clone(), now);
                    if json {
                        term::out_exact(&(serde_json::to_string(r).unwrap_or_default() + "\n"));
                    } else {
                        out(format!("{}  {}", chrono::Utc::now().format("%H:%M:%S"), row_line(r)));
                    }
                }
            }
            // Nobody reads any more (`| head`, a closed terminal): stop watching.
            if term::stdout_lost() {
                return Ok(0);
            }
            if deadline.is_some() && last.len() == total && rows.iter().all(|r| r.state == State::Healthy) {
                if !json {
                    out(format!("all {total} checks healthy"));
                }
                return Ok(0);
            }
        }
    })
}
