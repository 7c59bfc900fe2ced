//! `[[notify]]`: where relcon tells people what happened. A sink is a
//! webhook (Slack's incoming-webhook JSON, relcon's audit JSON, or a body
//! template) or a shell command that reads the event from environment
//! variables; `events` and `envs` choose what reaches it.
//!
//! ```toml
//! [[notify]]
//! name = "team-slack"
//! webhook = "https://hooks.slack.com/services/T000/B000/XXXX"
//! format = "slack"                      # or "json", or body = '{"text": "{{ summary }}"}'
//! events = ["deployment.*", "flag.changed"]
//! envs = ["prod"]
//!
//! [[notify]]
//! name = "pager-log"
//! run = "echo \"$RELCON_EVENT_KIND $RELCON_ENV\" >> notify.log"
//! ```

use std::path::Path;
use std::time::Duration;
use toml::Spanned;

use super::duration::Positive;
use super::ConfigError;

/// Events a sink hears about when it names none: how deployments end, and incidents.
pub const DEFAULT_EVENTS: &[&str] = &[
    "deployment.succeeded",
    "deployment.failed",
    "deployment.interrupted",
    "incident.opened",
    "incident.resolved",
];

/// How long one delivery may take before it counts as failed.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);

/// The names a body template may use (`{{ name }}`).
pub const BODY_VARS: &[&str] = &[
    "kind", "seq", "at", "env", "version", "number", "actor", "summary", "project", "sink", "text", "event",
];

/// `[announce]`: what announcements say that the ledger does not know.
#[derive(serde::Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct AnnounceRaw {
    /// Who is on call, e.g. "Dana Reyes (@dana)".
    pub on_call: Option<String>,
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NotifyRaw {
    pub name: Spanned<String>,
    pub webhook: Option<Spanned<String>>,
    pub run: Option<Spanned<String>>,
    pub format: Option<Spanned<String>>,
    pub body: Option<Spanned<String>>,
    pub token_env: Option<String>,
    pub events: Option<Vec<Spanned<String>>>,
    #[serde(default)]
    pub envs: Vec<Spanned<String>>,
    pub timeout: Option<Positive>,
}

/// What a webhook sends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Format {
    /// Slack's incoming-webhook shape: `{"text", "blocks"}`.
    Slack,
    /// The event as `relcon audit --json` prints it.
    Json,
    /// A JSON template with `{{ name }}` placeholders.
    Body(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SinkKind {
    Webhook {
        url: String,
        format: Format,
        token_env: Option<String>,
    },
    /// `sh -c RUN`, the event in RELCON_* variables.
    Run { run: String },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotifySink {
    pub name: String,
    pub kind: SinkKind,
    /// Event kinds, `*` matching any run of characters.
    pub events: Vec<String>,
    /// Empty: every environment (and events without one).
    pub envs: Vec<String>,
    pub timeout: Duration,
}

impl NotifySink {
    pub fn token_env(&self) -> Option<&str> {
        match &self.kind {
            SinkKind::Webhook { token_env, .. } => token_env.as_deref(),
            SinkKind::Run { .. } => None,
        }
    }
}

/// `pattern` with `*` as "any run of characters" against `text`.
pub fn glob(pattern: &str, text: &str) -> bool {
    let mut parts = pattern.split('*');
    let first = parts.next().unwrap_or("");
    let Some(mut rest) = text.strip_prefix(first) else {
        return false;
    };
    let parts: Vec<&str> = parts.collect();
    let Some((last, middle)) = parts.split_last() else {
        return rest.is_empty();
    };
    for p in middle {
        match rest.find(p) {
            Some(i) => rest = &rest[i + p.len()..],
            None => return false,
        }
    }
    rest.len() >= last.len() && rest.ends_with(last)
}

pub fn validate(
    raw: Vec<Spanned<NotifyRaw>>,
    path: &Path,
    source: &str,
    env_names: &[String],
) -> Result<Vec<NotifySink>, ConfigError> {
    let err = |span: std::ops::Range<usize>, msg: String| ConfigError::at(path, source, Some(span), msg);
    let mut sinks: Vec<NotifySink> = Vec::new();
    for n in raw {
        let span = n.span();
        let n = n.into_inner();
        let name = n.name.get_ref().trim().to_string();
        if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c)) {
            return Err(err(
                n.name.span(),
                format!("notify name {name:?}: use letters, digits, '-', '_' or '.'"),
            ));
        }
        if sinks.iter().any(|s| s.name == name) {
            return Err(err(n.name.span(), format!("notify sink {name:?} is defined twice")));
        }
        let kind = match (n.webhook, n.run) {
            (Some(url), None) => {
                let u = url.get_ref().trim();
                if !(u.starts_with("http://") || u.starts_with("https://")) {
                    return Err(err(
                        url.span(),
                        format!("webhook {u:?}: expected an http:// or https:// URL"),
                    ));
                }
                let format = match (n.format, n.body) {
                    (Some(_), Some(b)) => {
                        return Err(err(b.span(), "a sink has either `format` or `body`, not both".into()))
                    }
                    (None, Some(b)) => {
                        check_body(b.get_ref()).map_err(|why| err(b.span(), format!("body template: {why}")))?;
                        Format::Body(b.into_inner())
                    }
                    (Some(f), None) => match f.get_ref().as_str() {
                        "slack" => Format::Slack,
                        "json" => Format::Json,
                        other => {
                            return Err(err(
                                f.span(),
                                format!("format {other:?}: expected \"slack\" or \"json\" (or a `body` template)"),
                            ))
                        }
                    },
                    (None, None) => Format::Json,
                };
                SinkKind::Webhook {
                    url: u.to_string(),
                    format,
                    token_env: n.token_env,
                }
            }
            (None, Some(run)) => {
                if let Some(f) = n
                    .format
                    .as_ref()
                    .map(Spanned::span)
                    .or(n.body.as_ref().map(Spanned::span))
                {
                    return Err(err(
                        f,
                        "`format` and `body` belong to a webhook sink, not to `run`".into(),
                    ));
                }
                if n.token_env.is_some() {
                    return Err(err(span, "`token_env` belongs to a webhook sink, not to `run`".into()));
                }
                if run.get_ref().trim().is_empty() {
                    return Err(err(run.span(), "`run` is empty: expected a shell command".into()));
                }
                SinkKind::Run { run: run.into_inner() }
            }
            _ => {
                return Err(err(
                    span,
                    format!(
                        "notify sink {name:?}: give exactly one of `webhook = \"https://…\"` or `run = \"command\"`"
                    ),
                ))
            }
        };
        let events = match n.events {
            None => DEFAULT_EVENTS.iter().map(|s| s.to_string()).collect(),
            Some(list) => {
                let mut out = Vec::new();
                for e in list {
                    let k = e.get_ref();
                    if k.is_empty() || !k.chars().all(|c| c.is_ascii_lowercase() || "._*".contains(c)) {
                        return Err(err(
                            e.span(),
                            format!("event {k:?}: expected an event kind like \"deployment.succeeded\" or a glob like \"deployment.*\""),
                        ));
                    }
                    out.push(e.into_inner());
                }
                out
            }
        };
        let mut envs = Vec::new();
        for e in n.envs {
            if !env_names.iter().any(|n| n == e.get_ref()) {
                return Err(err(
                    e.span(),
                    format!(
                        "unknown environment {:?} in envs: expected one of {}",
                        e.get_ref(),
                        env_names.join(", ")
                    ),
                ));
            }
            envs.push(e.into_inner());
        }
        sinks.push(NotifySink {
            name,
            kind,
            events,
            envs,
            timeout: n.timeout.map_or(DEFAULT_TIMEOUT, |t| t.0),
        });
    }
    Ok(sinks)
}

/// A template must name known placeholders and be JSON once filled in.
fn check_body(body: &str) -> Result<(), String> {
    let filled =
        crate::domain::body_template::render_json(body, &|name| BODY_VARS.contains(&name).then(|| "x".to_string()))
            .map_err(|e| format!("{e} (known: {})", BODY_VARS.join(", ")))?;
    serde_json::from_str::<serde_json::Value>(&filled)
        .map(|_| ())
        .map_err(|e| format!("not JSON once filled in ({e})"))
}

#[cfg(test)]
mod tests {
    use super::glob;

    #[test]
    fn globs() {
        assert!(glob("deployment.*", "deployment.succeeded"));
        assert!(glob("*", "flag.changed"));
        assert!(glob("*.failed", "deployment.failed"));
        assert!(glob("flag.changed", "flag.changed"));
        assert!(glob("d*.*ed", "deployment.succeeded"));
        assert!(!glob("deployment.*", "flag.changed"));
        assert!(!glob("flag.changed", "flag.changed.x"));
        assert!(!glob("*.started", "deployment.step"));
    }
}
