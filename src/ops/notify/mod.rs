//! Notifications: `[[notify]]` sinks hear about events through the outbox
//! in the ledger (`ledger/sql/outbox.rs`). Rows are written with their
//! event; delivery happens after commit, from whichever relcon process
//! runs next (a CLI command that wrote, the console's notifier thread,
//! `notify flush`): at least once, retried with back-off, never failing
//! or blocking the action beyond a small time budget.

mod background;
pub mod payload;
mod send;

use std::collections::HashSet;
use std::time::{Duration, Instant};

use crate::config::{Config, NotifySink, SinkKind};
use crate::error::{Error, Result};
use crate::ledger::sql::outbox::{self, Claimed, Route, SinkState};

use super::Ctx;

pub use background::{spawn, spawn_for_command, spawn_notifier, Notifier};
pub use payload::Vars;

/// What a CLI command that wrote spends delivering, at most, before it exits.
pub const CLI_BUDGET: Duration = Duration::from_secs(2);

/// Back-off after the n-th failed attempt: 5 s, 10 s, 20 s … up to an hour.
pub fn backoff(attempts: u64) -> Duration {
    let secs = 5u64.saturating_mul(1u64 << attempts.saturating_sub(1).min(20));
    Duration::from_secs(secs.min(3_600))
}

/// The filters the store needs to write outbox rows with each event.
pub fn routes(config: &Config) -> Vec<Route> {
    config
        .notify
        .iter()
        .map(|s| Route {
            sink: s.name.clone(),
            events: s.events.clone(),
            envs: s.envs.clone(),
        })
        .collect()
}

/// How one delivery run went.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct Delivery {
    pub delivered: u64,
    pub failed: u64,
    /// Rows still pending when the run ended (all sinks).
    pub pending: u64,
    /// Failures of this run: sink, event seq, why (redacted).
    pub errors: Vec<DeliveryError>,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct DeliveryError {
    pub sink: String,
    pub seq: u64,
    pub error: String,
}

/// Deliver pending rows within `budget`. `flush` also takes rows waiting
/// for their back-off. A sink that fails is not tried again in this run.
pub fn deliver(ctx: &Ctx, budget: Duration, flush: bool) -> Result<Delivery> {
    let mut report = Delivery::default();
    if ctx.config.notify.is_empty() && outbox::pending_count(ctx.store.db())? == 0 {
        return Ok(report);
    }
    let started = Instant::now();
    let db = ctx.store.db();
    let redactor = ctx.redactor();
    let max_timeout = ctx
        .config
        .notify
        .iter()
        .map(|s| s.timeout)
        .max()
        .unwrap_or(crate::config::DEFAULT_NOTIFY_TIMEOUT);
    let lease_ms = (max_timeout.as_millis() as i64) + 30_000;
    let mut down: HashSet<String> = HashSet::new();
    // One pass in (seq, sink) order: a row failed in this run is not tried twice.
    let mut after: (u64, String) = (0, String::new());
    'pages: loop {
        if budget.saturating_sub(started.elapsed()).is_zero() {
            break;
        }
        let now = db.now_ms()?;
        let (claimed, last) = outbox::claim(db, now, now + lease_ms, flush, &after, 32)?;
        let Some(last) = last else { break };
        after = last;
        for (i, c) in claimed.iter().enumerate() {
            let left = budget.saturating_sub(started.elapsed());
            if left.is_zero() {
                for rest in &claimed[i..] {
                    outbox::release(db, rest)?;
                }
                break 'pages;
            }
            if down.contains(&c.sink) {
                outbox::release(db, c)?;
                continue;
            }
            if !ctx.config.notify.iter().any(|s| s.name == c.sink) {
                let why = format!("sink {:?} is no longer in the config: not sent", c.sink);
                outbox::abandon(db, c, db.now_ms()?, &why)?;
                continue;
            }
            let outcome = attempt(ctx, c, left);
            let now = db.now_ms()?;
            match outcome {
                Ok(()) => {
                    outbox::delivered(db, c, now)?;
                    report.delivered += 1;
                }
                Err(why) => {
                    let why = redactor.redact(&why);
                    let next = now + backoff(c.attempts + 1).as_millis() as i64;
                    outbox::failed(db, c, now, next, &why)?;
                    down.insert(c.sink.clone());
                    report.failed += 1;
                    report.errors.push(DeliveryError {
                        sink: c.sink.clone(),
                        seq: c.seq,
                        error: why,
                    });
                }
            }
        }
    }
    report.pending = outbox::pending_count(db)?;
    Ok(report)
}

/// One attempt at one row, within `left`.
fn attempt(ctx: &Ctx, c: &Claimed, left: Duration) -> std::result::Result<(), String> {
    let Some(sink) = ctx.config.notify.iter().find(|s| s.name == c.sink) else {
        return Err(format!("no [[notify]] sink named {:?} in the config any more", c.sink));
    };
    let event = ctx
        .store
        .events_after(c.seq.saturating_sub(1), 1)
        .map_err(|e| e.to_string())?
        .into_iter()
        .next()
        .filter(|e| e.seq == c.seq)
        .ok_or_else(|| format!("event {} is not in the ledger", c.seq))?;
    let vars = Vars::of(&ctx.config, &sink.name, &event, release_version(ctx, &event));
    let timeout = sink.timeout.min(left).max(Duration::from_millis(100));
    match &sink.kind {
        SinkKind::Webhook { url, format, token_env } => {
            let body = payload::webhook_body(format, &vars, &event).map_err(|e| e.to_string())?;
            send::post(url, token_env.as_deref(), body, timeout)
        }
        SinkKind::Run { run } => send::run(run, &ctx.config.dir, &vars.env(), timeout),
    }
}

/// The build of the release an event names by number (env + number).
fn release_version(ctx: &Ctx, e: &crate::ledger::Event) -> Option<String> {
    let env = e.env.as_deref()?;
    let number = e.body_json().get("number")?.as_u64()?;
    let r = ctx.store.view().release(env, number).ok()??;
    Some(r.version)
}

/// After a command that wrote: deliver what is due within the CLI's
/// budget. Never fails the command; a word on stderr when something is
/// left pending because a receiver failed.
pub fn after_command(ctx: &Ctx) -> Option<String> {
    if ctx.read_only || ctx.config.notify.is_empty() {
        return None;
    }
    match deliver(ctx, CLI_BUDGET, false) {
        Ok(d) if d.failed > 0 => Some(format!(
            "notification not delivered yet ({} pending; `relcon notify status`): {}",
            d.pending,
            d.errors
                .first()
                .map(|e| format!("{}: {}", e.sink, e.error))
                .unwrap_or_default()
        )),
        Ok(_) => None,
        Err(e) => Some(format!("notifications were not delivered: {e}")),
    }
}

/// `relcon notify status`: one entry per configured sink (and per sink
/// that has rows but left the config).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct SinkStatus {
    pub sink: String,
    /// "webhook (slack)", "run", … or "removed from the config".
    pub kind: String,
    pub events: Vec<String>,
    pub envs: Vec<String>,
    #[serde(flatten)]
    pub state: SinkState,
}

pub fn status(ctx: &Ctx) -> Result<Vec<SinkStatus>> {
    let states = outbox::states(ctx.store.db())?;
    let mut out: Vec<SinkStatus> = ctx
        .config
        .notify
        .iter()
        .map(|s: &NotifySink| SinkStatus {
            sink: s.name.clone(),
            kind: payload::describe(s),
            events: s.events.clone(),
            envs: s.envs.clone(),
            state: states
                .iter()
                .find(|st| st.sink == s.name)
                .cloned()
                .unwrap_or_else(|| SinkState {
                    sink: s.name.clone(),
                    ..SinkState::default()
                }),
        })
        .collect();
    for st in states {
        if !out.iter().any(|s| s.sink == st.sink) {
            out.push(SinkStatus {
                sink: st.sink.clone(),
                kind: "removed from the config".into(),
                events: Vec::new(),
                envs: Vec::new(),
                state: st,
            });
        }
    }
    Ok(out)
}

/// `relcon notify flush`: everything pending, now (each sink's own timeout).
pub fn flush(ctx: &Ctx, budget: Duration) -> Result<Delivery> {
    ctx.writable()?;
    deliver(ctx, budget, true)
}

/// A sink by name, for `announce --send`.
pub fn sink<'a>(config: &'a Config, name: &str) -> Result<&'a NotifySink> {
    config.notify.iter().find(|s| s.name == name).ok_or_else(|| {
        let names: Vec<&str> = config.notify.iter().map(|s| s.name.as_str()).collect();
        Error::usage(if names.is_empty() {
            format!("no [[notify]] sink named {name:?}: the config has none")
        } else {
            format!(
                "no [[notify]] sink named {name:?}: expected one of {}",
                names.join(", ")
            )
        })
    })
}
