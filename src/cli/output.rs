//! Printing: human text or stable JSON (no ANSI codes, ever).

use serde::Serialize;
use serde_json::{json, Value};

use crate::domain::Release;
use crate::error::Error;
use crate::ledger::Event;

pub fn print_json<T: Serialize + ?Sized>(v: &T) {
    match serde_json::to_string_pretty(v) {
        Ok(s) => println!("{s}"),
        Err(e) => eprintln!("error: cannot encode JSON: {e}"),
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
