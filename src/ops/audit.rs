//! The audit trail, chain verification and projection rebuild.

use chrono::{DateTime, Utc};

use crate::domain::{FlagChangeKind, FlagState};
use crate::error::Result;
use crate::ledger::{kind, Event, VerifyReport};

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
    let b = Fields(e.body_json());
    match e.kind.as_str() {
        kind::BUILD_REGISTERED => format!("registered build {} ({})", b.s("version"), short(&b.s("commit"))),
        kind::DEPLOYMENT_STARTED => {
            let from = b.s("from_env");
            let from = if from.is_empty() { from } else { format!(" from {from}") };
            let target = b.u("target_release").map(|t| format!(" to v{t}")).unwrap_or_default();
            format!(
                "{} {}{target} {}{from} started",
                b.v("number"),
                b.s("action"),
                b.s("version")
            )
        }
        kind::DEPLOYMENT_STEP => format!("{} step {}: {}", b.v("number"), b.s("step"), b.s("state")),
        kind::DEPLOYMENT_SUCCEEDED | kind::DEPLOYMENT_FAILED | kind::DEPLOYMENT_INTERRUPTED => finished(&e.kind, &b),
        kind::DEPLOYMENT_LATE => format!(
            "{} finished late ({}), not current: {}",
            b.v("number"),
            b.s("outcome"),
            b.s("why")
        ),
        kind::LEASE_ACQUIRED => {
            let ttl = b.u("ttl_ms").unwrap_or(0) / 1000;
            let over = b
                .u("took_over")
                .map(|t| format!(", taking over lease {t}"))
                .unwrap_or_default();
            // A deployment's lease names its release; a rollout step's, its reason.
            let holder = match (b.v("number"), b.s("reason")) {
                (n, _) if !n.is_empty() => n,
                (_, r) if !r.is_empty() => r,
                _ => "a holder".to_string(),
            };
            format!("{holder} holds the lease (ttl {ttl}s{over})")
        }
        kind::LEASE_RELEASED => "lease released".to_string(),
        kind::INCIDENT_OPENED => {
            let summary = b.s("summary");
            let sep = if summary.is_empty() { "" } else { ": " };
            format!("INC-{} opened ({}){sep}{summary}", e.seq, b.s("severity"))
        }
        kind::INCIDENT_NOTED => format!("INC-{} note: {}", b.u("incident").unwrap_or(0), b.s("text")),
        kind::INCIDENT_MITIGATED => format!("INC-{} mitigated: {}", b.u("incident").unwrap_or(0), b.s("detail")),
        kind::INCIDENT_RESOLVED => {
            let why = b.s("text");
            let sep = if why.is_empty() { "" } else { ": " };
            format!("INC-{} resolved{sep}{why}", b.u("incident").unwrap_or(0))
        }
        kind::LEASE_EXPIRED => format!("lease ended: {}", b.s("detail")),
        kind::APPROVAL_GRANTED => format!("approved {}", b.s("version")),
        kind::HOLD_SET => format!("hold set: {}", b.s("reason")),
        kind::HOLD_CLEARED => "hold cleared".to_string(),
        kind::GATE_OVERRIDDEN => {
            let gates: Vec<&str> =
                b.0.get("gates")
                    .and_then(|g| g.as_array())
                    .map(|a| {
                        a.iter()
                            .filter_map(|g| g.get("name").and_then(|n| n.as_str()))
                            .collect()
                    })
                    .unwrap_or_default();
            format!(
                "overrode {} for {}: {}",
                gates.join(", "),
                b.s("version"),
                b.s("reason")
            )
        }
        kind::CHECKLIST_TICKED | kind::CHECKLIST_UNTICKED => format!(
            "{} {} #{} {}",
            if e.kind == kind::CHECKLIST_TICKED {
                "ticked"
            } else {
                "unticked"
            },
            b.s("checklist"),
            b.u("item").unwrap_or(0),
            b.s("text")
        ),
        kind::FLAG_CHANGED => flag_changed(&b),
        k if k.starts_with("rollout.") => rollout(k, &b),
        other => other.to_string(),
    }
}

/// A rollout's event in words (the trail and notifications showed its kind).
fn rollout(kind: &str, b: &Fields) -> String {
    let name = b.s("rollout");
    let t = b.0.get("target");
    let field = |k: &str| t.and_then(|t| t.get(k)).and_then(|v| v.as_str()).unwrap_or("");
    let target = match field("kind") {
        "flag" => format!("flag {}", field("flag")),
        _ => format!("version {}", field("version")),
    };
    let weight = b.u("weight").unwrap_or(0);
    let why = |k: &str| {
        let r = b.s(k);
        if r.is_empty() {
            r
        } else {
            format!(": {r}")
        }
    };
    match kind {
        kind::ROLLOUT_STARTED => format!("rollout {name} of {target} started{}", why("reason")),
        kind::ROLLOUT_STEP => format!(
            "rollout {name} step {}/{}: {} → {weight} % (by the {}){}",
            b.u("step").unwrap_or(0),
            b.u("steps").unwrap_or(0),
            b.u("from_weight").unwrap_or(0),
            b.s("by"),
            why("reason")
        ),
        kind::ROLLOUT_PAUSED => format!("rollout {name} paused at {weight} %{}", why("reason")),
        kind::ROLLOUT_RESUMED => format!("rollout {name} resumed at {weight} %{}", why("reason")),
        kind::ROLLOUT_ABORTED => format!("rollout {name} of {target} ABORTED at {weight} %{}", why("why")),
        kind::ROLLOUT_COMPLETED => format!("rollout {name} of {target} completed at {weight} %"),
        other => other.to_string(),
    }
}

/// An event's body, read leniently: the audit shows what it can of any
/// event, a missing or odd field reads as empty.
struct Fields(serde_json::Value);

impl Fields {
    fn s(&self, k: &str) -> String {
        self.0.get(k).and_then(|v| v.as_str()).unwrap_or("").to_string()
    }
    fn u(&self, k: &str) -> Option<u64> {
        self.0.get(k).and_then(|v| v.as_u64())
    }
    /// A release number as "v12", or "".
    fn v(&self, k: &str) -> String {
        self.u(k).map(|n| format!("v{n}")).unwrap_or_default()
    }
}

/// How a deployment ended (or was settled by a person: `resolved`).
fn finished(kind: &str, b: &Fields) -> String {
    let resolved = b.0.get("resolved").and_then(|v| v.as_bool()) == Some(true);
    let error = b.s("error");
    match kind {
        kind::DEPLOYMENT_SUCCEEDED if resolved => format!("{} resolved as succeeded", b.v("number")),
        kind::DEPLOYMENT_FAILED if resolved => format!("{} resolved as failed", b.v("number")),
        kind::DEPLOYMENT_SUCCEEDED => format!("{} succeeded", b.v("number")),
        kind::DEPLOYMENT_FAILED => format!("{} failed: {error}", b.v("number")),
        _ if error.is_empty() => format!("{} interrupted", b.v("number")),
        _ => format!("{} interrupted: {error}", b.v("number")),
    }
}

fn flag_changed(b: &Fields) -> String {
    let state = |k: &str| {
        b.0.get(k)
            .and_then(|v| serde_json::from_value::<FlagState>(v.clone()).ok())
            .map(|st| crate::flags::describe(&st))
            .unwrap_or_default()
    };
    let change = b.0.get("change").and_then(|v| serde_json::from_value(v.clone()).ok());
    let label = match change {
        Some(FlagChangeKind::Kill) => "KILLED ",
        Some(FlagChangeKind::Restore) => "restored ",
        _ => "",
    };
    let why =
        b.0.get("reason")
            .and_then(|v| v.as_str())
            .map(|r| format!(": {r}"))
            .unwrap_or_default();
    format!(
        "{label}flag {} {} → {}{why}",
        b.s("flag"),
        state("before"),
        state("after")
    )
}

pub fn short(commit: &str) -> &str {
    commit.get(..7).unwrap_or(commit)
}
