//! Webhook steps: POST the hook data as JSON (every variable, or the
//! configured body template), bearer token and secret headers from named
//! environment variables, `User-Agent: relcon/<version>`; 2xx means success.

use std::io::Read;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use super::clean::Cleaner;
use super::lines::{LineSplitter, LiveBudget};
use super::{CancelToken, Capture, Redactor, StepEnd};
use crate::config::{format_duration, HeaderValue, Webhook};

/// How much of a webhook's answer is read, shown and stored.
const BODY_LIMIT: u64 = 16 * 1024;

/// The JSON body: the RELCON_* variables with the prefix dropped, lowercased
/// (`RELCON_VERSION` → `version`).
pub fn body(env: &[(String, String)]) -> serde_json::Value {
    let mut map = serde_json::Map::new();
    for (k, v) in env {
        // The output file is the hook's own business, not the receiver's.
        if k == "RELCON_OUTPUT" {
            continue;
        }
        if let Some(name) = k.strip_prefix("RELCON_") {
            map.insert(name.to_ascii_lowercase(), serde_json::Value::String(v.clone()));
        }
    }
    serde_json::Value::Object(map)
}

/// `User-Agent` of every request relcon makes to an API (GitHub refuses
/// requests without one).
pub fn user_agent() -> String {
    format!("relcon/{}", env!("CARGO_PKG_VERSION"))
}

/// The value of hook variable `name` (`version` → `RELCON_VERSION`).
pub fn var<'a>(env: &'a [(String, String)], name: &str) -> Option<&'a str> {
    let key = format!("RELCON_{}", name.to_ascii_uppercase());
    env.iter().find(|(k, _)| *k == key).map(|(_, v)| v.as_str())
}

/// The request body: the rendered template, or every variable.
pub fn render_body(hook: &Webhook, env: &[(String, String)]) -> Result<String, String> {
    match &hook.body {
        Some(t) => crate::domain::body_template::render_json(t, &|n| var(env, n).map(str::to_string)),
        None => Ok(body(env).to_string()),
    }
}

/// The configured headers with secrets read from their variables.
fn headers(hook: &Webhook) -> Result<Vec<(String, String)>, String> {
    hook.headers
        .iter()
        .map(|(name, v)| match v {
            HeaderValue::Literal(s) => Ok((name.clone(), s.clone())),
            HeaderValue::Secret { env } => match std::env::var(env) {
                Ok(s) if !s.is_empty() => Ok((name.clone(), s)),
                _ => Err(format!("header {name}: {env} is not set")),
            },
        })
        .collect()
}

/// How the request thread failed.
enum PostError {
    Timeout,
    Other(String),
}

#[allow(clippy::too_many_arguments)]
pub(crate) fn post(
    hook: &Webhook,
    env: &[(String, String)],
    timeout: Duration,
    cancel: &CancelToken,
    redactor: &Redactor,
    capture: &mut Capture,
    emit: &mut dyn FnMut(String),
) -> StepEnd {
    let url = hook.url.as_str();
    let token = match hook.token_env.as_deref() {
        Some(name) => match std::env::var(name) {
            Ok(t) if !t.is_empty() => Some(t),
            _ => return StepEnd::Failed(format!("token_env {name} is not set")),
        },
        None => None,
    };
    let payload = match render_body(hook, env) {
        Ok(p) => p,
        Err(e) => return StepEnd::Failed(e),
    };
    let extra = match headers(hook) {
        Ok(h) => h,
        Err(e) => return StepEnd::Failed(e),
    };
    let url_owned = url.to_string();
    let body_redactor = redactor.clone();
    let (tx, rx) = mpsc::channel();
    // A thread of its own: reqwest's blocking client must not run on an async
    // runtime thread, and waiting here lets a cancel take effect.
    std::thread::spawn(move || {
        let result = (|| -> Result<(u16, String), PostError> {
            let client = reqwest::blocking::Client::builder()
                .timeout(timeout)
                .build()
                .map_err(|e| PostError::Other(e.to_string()))?;
            let mut req = client
                .post(&url_owned)
                .header(reqwest::header::USER_AGENT, user_agent())
                .header(reqwest::header::CONTENT_TYPE, "application/json");
            for (k, v) in extra {
                req = req.header(k, v);
            }
            let mut req = req.body(payload);
            if let Some(t) = token {
                req = req.bearer_auth(t);
            }
            let resp = req.send().map_err(|e| {
                if e.is_timeout() {
                    PostError::Timeout
                } else {
                    PostError::Other(e.to_string())
                }
            })?;
            let status = resp.status().as_u16();
            // Read a bounded prefix only (a huge answer is not held in
            // memory), and make it safe as a stream: the cut may fall inside
            // a character or a secret.
            let mut raw = Vec::new();
            let _ = resp.take(BODY_LIMIT).read_to_end(&mut raw);
            let mut cleaner = Cleaner::new(&body_redactor);
            let mut text = cleaner.push(&raw);
            text.push_str(&cleaner.finish());
            Ok((status, text))
        })();
        let _ = tx.send(result);
    });
    let deadline = Instant::now() + timeout + Duration::from_secs(1);
    loop {
        match rx.recv_timeout(Duration::from_millis(25)) {
            Ok(Ok((status, text))) => {
                tracing::info!(status, "webhook answered");
                let line = redactor.redact(&format!("POST {url} → HTTP {status}\n{text}\n"));
                capture.push(&line);
                let mut lines = LineSplitter::default();
                let mut budget = LiveBudget::default();
                let mut take = |l| {
                    emit(l);
                    true
                };
                lines.push(&line, &mut budget, &mut take);
                lines.flush(&mut budget, &mut take);
                budget.report_skipped(&mut take);
                return if (200..300).contains(&status) {
                    StepEnd::Ok
                } else {
                    StepEnd::Failed(format!("webhook answered HTTP {status}"))
                };
            }
            Ok(Err(PostError::Timeout)) => {
                return StepEnd::Failed(format!("timed out after {}", format_duration(timeout)))
            }
            Ok(Err(PostError::Other(e))) => return StepEnd::Failed(format!("webhook failed: {e}")),
            Err(mpsc::RecvTimeoutError::Disconnected) => return StepEnd::Failed("webhook failed".into()),
            Err(mpsc::RecvTimeoutError::Timeout) => {
                if cancel.is_cancelled() {
                    return StepEnd::Failed(format!("cancelled by {}", cancel.cancelled_by()));
                }
                if Instant::now() >= deadline {
                    return StepEnd::Failed(format!("timed out after {}", format_duration(timeout)));
                }
            }
        }
    }
}
