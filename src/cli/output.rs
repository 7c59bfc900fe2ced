//! Printing: human text or stable JSON (no ANSI codes, ever). Everything
//! goes through `term`, which keeps human text inert and never panics.

use serde::Serialize;
use serde_json::{json, Value};

use super::term;
use crate::domain::{inert, Release};
use crate::error::Error;
use crate::ledger::Event;

pub fn print_json<T: Serialize + ?Sized>(v: &T) {
    match serde_json::to_string_pretty(v) {
        Ok(s) => term::out_exact(&(s + "\n")),
        Err(e) => term::err(format!("error: cannot encode JSON: {e}")),
    }
}

/// An error as the lines printed on stderr. A refusal lists each gate on
/// its own line with the gate's text made inert on its own, so a reason
/// holding a newline cannot add a line; other messages are multi-line only
/// by design (a config error's source line and caret).
pub fn error_lines(e: &Error) -> Vec<String> {
    match e {
        Error::Refused { gates, .. } => {
            let head = e.to_string();
            let first = head.lines().next().unwrap_or_default().to_string();
            std::iter::once(format!("error: {first}"))
                .chain(
                    gates
                        .iter()
                        .map(|g| format!("  ✖ {}: {}", inert(&g.name), inert(&g.detail))),
                )
                .collect()
        }
        _ => {
            let text = e.to_string();
            let mut lines = term::split_lines(&text).map(|l| inert(l).into_owned());
            let first = lines.next().unwrap_or_default();
            std::iter::once(format!("error: {first}")).chain(lines).collect()
        }
    }
}

/// Print an error on stderr (see `error_lines`).
pub fn print_error(e: &Error) {
    for l in error_lines(e) {
        term::err(l);
    }
}

/// A release as `history --json` shows it.
pub fn release_json(r: &Release) -> Value {
    json!({
        "number": r.number,
        "version": r.version,
        "commit": r.commit,
        "artifact": r.artifact,
        "status": r.status.as_str(),
        "action": r.action.as_str(),
        "actor": r.actor,
        "at": r.started_at,
        "finished_at": r.finished_at,
        "description": r.description(),
        "reason": r.reason,
        "from_env": r.from_env,
        "target_release": r.target_release,
        "error": r.error,
        "steps": r.steps,
        "late": r.late.map(|s| s.as_str()),
    })
}

pub fn event_json(e: &Event) -> Value {
    json!({
        "seq": e.seq,
        "at": crate::ledger::event::format_at(&e.at),
        "actor": e.actor,
        "kind": e.kind,
        "env": e.env,
        "body": e.body_json(),
        "hash": e.hash,
    })
}

/// An error as JSON on stdout, for scripts that asked for --json.
pub fn error_json(e: &Error) -> Value {
    let mut v = json!({ "error": e.to_string(), "exit_code": e.exit_code() });
    if let Error::Refused { gates, action, env } = e {
        v["action"] = json!(action);
        v["env"] = json!(env);
        v["gates"] = json!(gates);
    }
    if let Error::HookFailed { env, number, message } = e {
        v["env"] = json!(env);
        v["number"] = json!(number);
        v["hook_error"] = json!(message);
    }
    if let Error::RolloutHookFailed { env, rollout, message } = e {
        v["env"] = json!(env);
        v["rollout"] = json!(rollout);
        v["hook_error"] = json!(message);
    }
    v
}

/// "2m", "3h", "5d" ago.
pub fn age(from: chrono::DateTime<chrono::Utc>, now: chrono::DateTime<chrono::Utc>) -> String {
    let s = (now - from).num_seconds().max(0);
    match s {
        0..=59 => format!("{s}s"),
        60..=3599 => format!("{}m", s / 60),
        3600..=86_399 => format!("{}h", s / 3600),
        _ => format!("{}d", s / 86_400),
    }
}
