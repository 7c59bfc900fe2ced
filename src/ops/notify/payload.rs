//! What a sink receives for one event: the variables (RELCON_* for a `run`
//! sink, `{{ name }}` for a body template), Slack's incoming-webhook JSON,
//! or the event as `relcon audit --json` prints it.

use serde_json::{json, Value};

use crate::config::{Config, NotifyFormat, NotifySink};
use crate::error::{Error, Result};
use crate::ledger::event::format_at;
use crate::ledger::{kind, Event};

/// The facts of one event, as named variables.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Vars(pub Vec<(&'static str, String)>);

impl Vars {
    /// `version`: the build the event is about, when its body does not say
    /// (a deployment's end names only its release number).
    pub fn of(config: &Config, sink: &str, e: &Event, version: Option<String>) -> Vars {
        let body = e.body_json();
        let s = |k: &str| match body.get(k) {
            Some(Value::String(s)) => s.clone(),
            Some(Value::Number(n)) => n.to_string(),
            _ => String::new(),
        };
        let text = s("text");
        let version = Some(s("version"))
            .filter(|v| !v.is_empty())
            .or(version)
            .unwrap_or_default();
        Vars(vec![
            ("kind", e.kind.clone()),
            ("seq", e.seq.to_string()),
            ("at", format_at(&e.at)),
            ("env", e.env.clone().unwrap_or_default()),
            ("version", version.clone()),
            ("number", s("number")),
            ("actor", e.actor.clone()),
            ("summary", summary(config, e, &version)),
            ("project", config.project.name.clone()),
            ("sink", sink.to_string()),
            ("text", text),
            ("event", audit_json(e).to_string()),
        ])
    }

    pub fn get(&self, name: &str) -> Option<String> {
        self.0.iter().find(|(k, _)| *k == name).map(|(_, v)| v.clone())
    }

    /// RELCON_EVENT_KIND, RELCON_EVENT_SEQ, RELCON_EVENT_AT, RELCON_EVENT_JSON,
    /// and RELCON_<NAME> for the rest.
    pub fn env(&self) -> Vec<(String, String)> {
        self.0
            .iter()
            .map(|(k, v)| {
                let name = match *k {
                    "kind" | "seq" | "at" => format!("RELCON_EVENT_{}", k.to_ascii_uppercase()),
                    "event" => "RELCON_EVENT_JSON".to_string(),
                    other => format!("RELCON_{}", other.to_ascii_uppercase()),
                };
                (name, v.clone())
            })
            .collect()
    }
}

/// One line for people: "shop · prod: v12 deploy 1.4.2 succeeded (alice)",
/// or an announcement's own text.
pub fn summary(config: &Config, e: &Event, version: &str) -> String {
    let body = e.body_json();
    if e.kind == kind::NOTE_ADDED {
        if let Some(t) = body.get("text").and_then(Value::as_str) {
            if body.get("sink").is_some() {
                return t.to_string();
            }
        }
    }
    let env = e.env.as_deref().map(|e| format!(" · {e}")).unwrap_or_default();
    let what = crate::ops::audit::summary(e);
    let by = if version.is_empty() || what.contains(version) {
        format!("by {}", e.actor)
    } else {
        format!("{version}, by {}", e.actor)
    };
    format!("{}{env}: {what} ({by})", config.project.name)
}

/// The event exactly as `relcon audit --json` shows it.
pub fn audit_json(e: &Event) -> Value {
    json!({
        "seq": e.seq,
        "at": format_at(&e.at),
        "actor": e.actor,
        "kind": e.kind,
        "env": e.env,
        "body": e.body_json(),
        "hash": e.hash,
    })
}

/// Slack's mrkdwn treats these three as control characters.
fn mrkdwn(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
}

/// Slack's section text holds at most 3 000 characters.
fn clip(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_string();
    }
    let mut out: String = s.chars().take(max - 1).collect();
    out.push('…');
    out
}

/// Slack's incoming-webhook message: `text` (the fallback shown in
/// notifications) and `blocks` (a section and a context line).
pub fn slack(vars: &Vars) -> Value {
    let g = |k| vars.get(k).unwrap_or_default();
    let text = g("summary");
    let mut context = format!("{} · seq {} · {} · {}", g("kind"), g("seq"), g("actor"), g("at"));
    if !g("version").is_empty() {
        context = format!("{} · {context}", g("version"));
    }
    json!({
        "text": text,
        "blocks": [
            { "type": "section", "text": { "type": "mrkdwn", "text": clip(&mrkdwn(&text), 3000) } },
            { "type": "context", "elements": [ { "type": "mrkdwn", "text": clip(&mrkdwn(&context), 3000) } ] }
        ]
    })
}

/// The request body a webhook sink posts.
pub fn webhook_body(format: &NotifyFormat, vars: &Vars, e: &Event) -> Result<String> {
    Ok(match format {
        NotifyFormat::Slack => slack(vars).to_string(),
        NotifyFormat::Json => audit_json(e).to_string(),
        NotifyFormat::Body(t) => crate::domain::body_template::render_json(t, &|n| vars.get(n))
            .map_err(|why| Error::runtime(format!("body template: {why}")))?,
    })
}

/// For `notify status` and messages: what kind of sink this is.
pub fn describe(sink: &NotifySink) -> String {
    match &sink.kind {
        crate::config::SinkKind::Webhook { format, .. } => match format {
            NotifyFormat::Slack => "webhook (slack)".into(),
            NotifyFormat::Json => "webhook (json)".into(),
            NotifyFormat::Body(_) => "webhook (body template)".into(),
        },
        crate::config::SinkKind::Run { .. } => "run".into(),
    }
}
