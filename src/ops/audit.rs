//! The audit trail, chain verification and projection rebuild.

use chrono::{DateTime, Utc};

use crate::error::Result;
use crate::ledger::{Event, VerifyReport};

use super::Ctx;

pub fn list(ctx: &Ctx, limit: usize, since: Option<DateTime<Utc>>) -> Result<Vec<Event>> {
    ctx.store.events_newest(limit, since)
}

/// Chain, projections and checkpoint; with `expect`, also that event SEQ
/// has HASH (a head someone anchored outside this machine).
pub fn verify(ctx: &Ctx, expect: Option<&(u64, String)>) -> Result<VerifyReport> {
    let mut report = ctx.store.verify()?;
    if let Some((seq, hash)) = expect {
        let found = ctx.store.events_after(seq.saturating_sub(1), 1)?;
        let problem = match found.first() {
            Some(e) if e.seq == *seq && e.hash == *hash => None,
            Some(e) if e.seq == *seq => Some(format!(
                "event {seq} has hash {}, not the expected {hash}: history was rewritten",
                e.hash
            )),
            _ => Some(format!(
                "the ledger ends at seq {}, before the expected head {seq}: the newest events were removed",
                ctx.store.head_seq()?
            )),
        };
        if problem.is_some() && report.truncated.is_none() {
            report.truncated = problem;
        }
    }
    Ok(report)
}

/// "SEQ:HASH" as `audit head` prints it.
pub fn parse_head(s: &str) -> Result<(u64, String)> {
    let bad = || crate::Error::usage(format!("{s:?}: expected SEQ:HASH as `relcon audit head` prints it"));
    let (seq, hash) = s.trim().split_once(':').ok_or_else(bad)?;
    let seq = seq.parse::<u64>().map_err(|_| bad())?;
    if hash.len() != 64 || !hash.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(bad());
    }
    Ok((seq, hash.to_ascii_lowercase()))
}

pub fn rebuild(ctx: &mut Ctx) -> Result<()> {
    ctx.store.rebuild()
}

/// One line describing an event, for the audit view and `audit` text output.
pub fn summary(e: &Event) -> String {
    let b = e.body_json();
    let s = |k: &str| b.get(k).and_then(|v| v.as_str()).unwrap_or("").to_string();
    let n = |k: &str| {
        b.get(k)
            .and_then(|v| v.as_u64())
            .map(|n| format!("v{n}"))
            .unwrap_or_default()
    };
    match e.kind.as_str() {
        "build.registered" => format!("registered build {} ({})", s("version"), short(&s("commit"))),
        "deployment.started" => {
            let from = s("from_env");
            let act = s("action");
            let extra = if !from.is_empty() {
                format!(" from {from}")
            } else {
                String::new()
            };
            let target = b
                .get("target_release")
                .and_then(|v| v.as_u64())
                .map(|t| format!(" to v{t}"))
                .unwrap_or_default();
            format!("{} {act}{target} {}{extra} started", n("number"), s("version"))
        }
        "deployment.step" => format!("{} step {}: {}", n("number"), s("step"), s("state")),
        "deployment.succeeded" if b.get("resolved").and_then(|v| v.as_bool()) == Some(true) => {
            format!("{} resolved as succeeded", n("number"))
        }
        "deployment.failed" if b.get("resolved").and_then(|v| v.as_bool()) == Some(true) => {
            format!("{} resolved as failed", n("number"))
        }
        "deployment.succeeded" => format!("{} succeeded", n("number")),
        "deployment.failed" => format!("{} failed: {}", n("number"), s("error")),
        "deployment.interrupted" if !s("error").is_empty() => {
            format!("{} interrupted: {}", n("number"), s("error"))
        }
        "deployment.interrupted" => format!("{} interrupted", n("number")),
        "deployment.late" => format!(
            "{} finished late ({}), not current: {}",
            n("number"),
            s("outcome"),
            s("why")
        ),
        "lease.acquired" => {
            let ttl = b.get("ttl_ms").and_then(|v| v.as_u64()).unwrap_or(0) / 1000;
            let over = b
                .get("took_over")
                .and_then(|v| v.as_u64())
                .map(|t| format!(", taking over lease {t}"))
                .unwrap_or_default();
            format!("{} holds the lease (ttl {ttl}s{over})", n("number"))
        }
        "lease.released" => "lease released".to_string(),
        "lease.expired" => format!("lease ended: {}", s("detail")),
        "approval.granted" => format!("approved {}", s("version")),
        "hold.set" => format!("hold set: {}", s("reason")),
        "hold.cleared" => "hold cleared".to_string(),
        "gate.overridden" => {
            let gates: Vec<String> = b
                .get("gates")
                .and_then(|g| g.as_array())
                .map(|a| {
                    a.iter()
                        .filter_map(|g| g.get("name").and_then(|n| n.as_str()).map(str::to_string))
                        .collect()
                })
                .unwrap_or_default();
            format!("overrode {} for {}: {}", gates.join(", "), s("version"), s("reason"))
        }
        "checklist.ticked" => format!(
            "ticked {} #{} {}",
            s("checklist"),
            b.get("item").and_then(|v| v.as_u64()).unwrap_or(0),
            s("text")
        ),
        "checklist.unticked" => format!(
            "unticked {} #{} {}",
            s("checklist"),
            b.get("item").and_then(|v| v.as_u64()).unwrap_or(0),
            s("text")
        ),
        "flag.changed" => {
            let state = |k: &str| {
                b.get(k)
                    .and_then(|v| serde_json::from_value::<crate::config::FlagState>(v.clone()).ok())
                    .map(|st| crate::flags::describe(&st))
                    .unwrap_or_default()
            };
            let change = s("change");
            let label = match change.as_str() {
                "kill" => "KILLED ",
                "restore" => "restored ",
                _ => "",
            };
            let why = b
                .get("reason")
                .and_then(|v| v.as_str())
                .map(|r| format!(": {r}"))
                .unwrap_or_default();
            format!(
                "{label}flag {} {} → {}{why}",
                s("flag"),
                state("before"),
                state("after")
            )
        }
        other => other.to_string(),
    }
}

pub fn short(commit: &str) -> &str {
    commit.get(..7).unwrap_or(commit)
}
