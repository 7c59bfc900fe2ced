//! Facts an action dialog shows from the snapshot when it opens, for the
//! intents that need no preview: the approvals so far, the hold, the
//! interrupted release.

use crate::ops::intent::Intent;
use crate::tui::render::format::{short, when};
use crate::tui::views::Shared;

pub fn facts(sh: &Shared, intent: &Intent) -> Vec<String> {
    match intent {
        Intent::Approve { env, version, .. } => approve(sh, env, version),
        Intent::Rollout { env, act } => crate::tui::views::rollouts::facts(sh, env, *act),
        Intent::HoldClear { env } => match sh.status_of(env).and_then(|e| e.hold.as_ref()) {
            Some(h) => vec![
                format!(
                    "Held by {} since {}: {}",
                    h.actor,
                    when(sh.now, h.since),
                    h.reason.clone().unwrap_or_else(|| "no reason given".into())
                ),
                format!("Clearing it lets promotions into {env} again."),
            ],
            None => vec![format!("{env} has no hold.")],
        },
        Intent::Resolve { env, .. } => match sh.status_of(env).and_then(|e| e.deployment.as_ref()) {
            Some(d) => vec![
                format!(
                    "{env} v{} ({}, {} by {}) was interrupted {}.",
                    d.number,
                    d.version,
                    d.action,
                    d.actor,
                    when(sh.now, d.started_at)
                ),
                d.error.clone().unwrap_or_default(),
                "Mark it succeeded if the version did go out (health shows it), else failed.".into(),
            ],
            None => Vec::new(),
        },
        _ => Vec::new(),
    }
}

fn approve(sh: &Shared, env: &str, version: &str) -> Vec<String> {
    let Some(e) = sh.status_of(env) else { return Vec::new() };
    let mut out = Vec::new();
    if let Some(p) = e.pending.as_ref().filter(|p| p.version == version) {
        let from = match (&p.from, p.from_release) {
            (Some(f), Some(n)) => format!(" from {f} v{n}"),
            _ => String::new(),
        };
        out.push(format!(
            "Build {} ({}){from}, waiting to go into {env}",
            p.version,
            short(&p.commit)
        ));
    }
    let by = if e.approvals.by.is_empty() {
        "nobody yet".to_string()
    } else {
        e.approvals.by.join(", ")
    };
    out.push(format!(
        "approvals {}/{} so far: {by}",
        e.approvals.by.len(),
        e.approvals.required
    ));
    out.push(format!(
        "You approve as {}; the person who promotes cannot approve their own promotion.",
        sh.actor
    ));
    out
}
