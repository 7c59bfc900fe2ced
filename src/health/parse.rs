//! Reading health answers: application/health+json, Spring actuator, or
//! plain HTTP status. Pure: bytes in, state out.

use serde_json::Value;

use super::state::{State, SubCheck};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Interpreted {
    pub state: State,
    pub reason: Option<String>,
    pub version: Option<String>,
    pub checks: Vec<SubCheck>,
}

/// pass/ok/up, warn, fail/down/out_of_service, unknown — health+json and
/// Spring spellings alike.
pub fn status_word(s: &str) -> Option<State> {
    match s.trim().to_ascii_lowercase().as_str() {
        "pass" | "ok" | "up" | "healthy" => Some(State::Healthy),
        "warn" | "degraded" => Some(State::Degraded),
        "fail" | "down" | "out_of_service" | "error" | "unhealthy" => Some(State::Unhealthy),
        "unknown" => Some(State::Unknown),
        _ => None,
    }
}

fn scalar(v: &Value) -> Option<String> {
    match v {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// The running release: `releaseId`, else `version`, else the pointer.
pub fn version_of(doc: &Value, pointer: Option<&str>) -> Option<String> {
    if let Some(p) = pointer {
        if let Some(v) = doc.pointer(p).and_then(scalar) {
            return Some(v);
        }
    }
    doc.get("releaseId")
        .and_then(scalar)
        .or_else(|| doc.get("version").and_then(scalar))
}

fn sub_checks(doc: &Value) -> Vec<SubCheck> {
    let mut out = Vec::new();
    // health+json: "checks": { "db:responseTime": [ { "status": "pass", "output": … } ] }
    if let Some(Value::Object(map)) = doc.get("checks") {
        for (name, list) in map {
            let items: Vec<&Value> = match list {
                Value::Array(a) => a.iter().collect(),
                other => vec![other],
            };
            let state = State::worst(
                items
                    .iter()
                    .filter_map(|i| i.get("status").and_then(Value::as_str).and_then(status_word)),
            )
            .unwrap_or(State::Unknown);
            let detail = items
                .iter()
                .find_map(|i| i.get("output").and_then(Value::as_str).map(str::to_string));
            out.push(SubCheck {
                name: name.clone(),
                state,
                detail,
            });
        }
    }
    // Spring: "components": { "db": { "status": "UP", "details": … } }
    if let Some(Value::Object(map)) = doc.get("components") {
        for (name, c) in map {
            let state = c
                .get("status")
                .and_then(Value::as_str)
                .and_then(status_word)
                .unwrap_or(State::Unknown);
            out.push(SubCheck {
                name: name.clone(),
                state,
                detail: None,
            });
        }
    }
    out
}

/// The state a `status` field claims. A value that is not a known word
/// (`123`, `null`, `"pwned"`) is *unknown* — never healthy — with the value
/// shown in the reason (as JSON, so nothing in it can reach a terminal raw).
fn judge_status(status: &Value, doc: &Value, http_status: u16) -> (State, Option<String>) {
    let http_ok = (200..300).contains(&http_status);
    let Some((word, s)) = status.as_str().and_then(|w| status_word(w).map(|s| (w, s))) else {
        let shown = shown_value(status);
        return if http_ok {
            (State::Unknown, Some(format!("unknown status {shown}")))
        } else {
            (
                State::Unhealthy,
                Some(format!("HTTP {http_status}, unknown status {shown}")),
            )
        };
    };
    // A body that claims "pass" with an error status is not healthy.
    let s = if !http_ok && s == State::Healthy {
        State::Unhealthy
    } else {
        s
    };
    if s == State::Healthy {
        return (s, None);
    }
    let output = doc.get("output").and_then(Value::as_str).map(str::to_string);
    let reason = output.unwrap_or_else(|| {
        if http_ok {
            format!("status {word}")
        } else {
            format!("HTTP {http_status}, status {word}")
        }
    });
    (s, Some(reason))
}

/// A JSON value as compact JSON text, at most 40 characters.
fn shown_value(v: &Value) -> String {
    let text = v.to_string();
    match text.char_indices().nth(40) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text,
    }
}

/// Interpret an answer. `is_json` comes from the Content-Type (or a body
/// that starts like JSON).
pub fn interpret(http_status: u16, content_type: Option<&str>, body: &[u8], pointer: Option<&str>) -> Interpreted {
    let ct = content_type.unwrap_or("").to_ascii_lowercase();
    let trimmed = body
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .map(|i| &body[i..])
        .unwrap_or(&[]);
    let looks_json = ct.contains("json") || trimmed.first() == Some(&b'{');
    let http_ok = (200..300).contains(&http_status);
    let http_state = if http_ok { State::Healthy } else { State::Unhealthy };
    if !looks_json {
        return Interpreted {
            state: http_state,
            reason: (!http_ok).then(|| format!("HTTP {http_status}")),
            version: None,
            checks: vec![],
        };
    }
    let doc: Value = match serde_json::from_slice(body) {
        Ok(v) => v,
        Err(e) if http_ok => {
            return Interpreted {
                state: State::Unknown,
                reason: Some(format!("unreadable body: {e}")),
                version: None,
                checks: vec![],
            };
        }
        Err(_) => {
            return Interpreted {
                state: State::Unhealthy,
                reason: Some(format!("HTTP {http_status}")),
                version: None,
                checks: vec![],
            }
        }
    };
    let version = version_of(&doc, pointer);
    let checks = sub_checks(&doc);
    let (state, reason) = match doc.get("status") {
        // No status at all: a JSON API that is not a health document.
        None => (http_state, (!http_ok).then(|| format!("HTTP {http_status}"))),
        Some(status) => judge_status(status, &doc, http_status),
    };
    Interpreted {
        state,
        reason,
        version,
        checks,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HJ: Option<&str> = Some("application/health+json");

    #[test]
    fn health_json_statuses_and_aliases() {
        let cases = [
            (
                200,
                r#"{"status":"pass","releaseId":"1.4.2","version":"1"}"#,
                State::Healthy,
                Some("1.4.2"),
            ),
            (
                200,
                r#"{"status":"ok","version":"1.4.1"}"#,
                State::Healthy,
                Some("1.4.1"),
            ),
            (200, r#"{"status":"warn","output":"slow disk"}"#, State::Degraded, None),
            (503, r#"{"status":"fail","output":"db down"}"#, State::Unhealthy, None),
            (200, r#"{"status":"down"}"#, State::Unhealthy, None),
            (503, r#"{"status":"pass"}"#, State::Unhealthy, None),
        ];
        for (code, body, want, version) in cases {
            let i = interpret(code, HJ, body.as_bytes(), None);
            assert_eq!(i.state, want, "{body}");
            assert_eq!(i.version.as_deref(), version, "{body}");
        }
        let i = interpret(503, HJ, br#"{"status":"fail","output":"db down"}"#, None);
        assert_eq!(i.reason.as_deref(), Some("db down"));
    }

    #[test]
    fn a_status_that_is_not_a_known_word_is_unknown_never_healthy() {
        let cases = [
            (r#"{"status":123}"#, "unknown status 123"),
            (r#"{"status":null}"#, "unknown status null"),
            (r#"{"status":"pwned"}"#, r#"unknown status "pwned""#),
            (r#"{"status":true}"#, "unknown status true"),
            (r#"{"status":{"ok":1}}"#, r#"unknown status {"ok":1}"#),
            (r#"{"status":""}"#, r#"unknown status """#),
        ];
        for (body, reason) in cases {
            let i = interpret(200, HJ, body.as_bytes(), None);
            assert_eq!((i.state, i.reason.as_deref()), (State::Unknown, Some(reason)), "{body}");
        }
        // An error status stays unhealthy, and says why.
        let i = interpret(503, HJ, br#"{"status":"pwned"}"#, None);
        assert_eq!(
            (i.state, i.reason.as_deref()),
            (State::Unhealthy, Some(r#"HTTP 503, unknown status "pwned""#))
        );
        // Long values are cut; control characters arrive JSON-escaped.
        let long = format!(r#"{{"status":"\u001b[2J{}"}}"#, "x".repeat(100));
        let i = interpret(200, HJ, long.as_bytes(), None);
        let reason = i.reason.unwrap_or_default();
        assert!(reason.ends_with('…') && reason.contains(r"\u001b[2J"), "{reason}");
        assert!(!reason.contains('\u{1b}'), "{reason}");
        // Known words in any case, with the spellings DESIGN §3a lists.
        for (w, want) in [
            ("PASS", State::Healthy),
            ("Ok", State::Healthy),
            ("up", State::Healthy),
            ("WARN", State::Degraded),
            ("fail", State::Unhealthy),
            ("DOWN", State::Unhealthy),
            ("OUT_OF_SERVICE", State::Unhealthy),
            ("UNKNOWN", State::Unknown),
        ] {
            let body = format!(r#"{{"status":"{w}"}}"#);
            assert_eq!(interpret(200, HJ, body.as_bytes(), None).state, want, "{w}");
        }
        // No status field at all: the HTTP status decides, as for plain text.
        assert_eq!(
            interpret(200, Some("application/json"), br#"{"a":1}"#, None).state,
            State::Healthy
        );
    }

    #[test]
    fn spring_actuator() {
        let cases = [
            ("UP", 200, State::Healthy),
            ("DOWN", 503, State::Unhealthy),
            ("OUT_OF_SERVICE", 503, State::Unhealthy),
            ("UNKNOWN", 200, State::Unknown),
        ];
        for (word, code, want) in cases {
            let body = format!(
                r#"{{"status":"{word}","components":{{"db":{{"status":"UP"}},"diskSpace":{{"status":"{word}"}}}}}}"#
            );
            let i = interpret(
                code,
                Some("application/vnd.spring-boot.actuator.v3+json"),
                body.as_bytes(),
                None,
            );
            assert_eq!(i.state, want, "{word}");
            assert_eq!(i.checks.len(), 2);
            assert_eq!(i.checks[0].name, "db");
        }
    }

    #[test]
    fn checks_become_sub_rows() {
        let body = r#"{"status":"warn","checks":{"db:responseTime":[{"status":"warn","output":"250ms"}],"cache":[{"status":"pass"}]}}"#;
        let i = interpret(200, HJ, body.as_bytes(), None);
        assert_eq!(i.checks.len(), 2);
        let db = i.checks.iter().find(|c| c.name == "db:responseTime").unwrap();
        assert_eq!((db.state, db.detail.as_deref()), (State::Degraded, Some("250ms")));
    }

    #[test]
    fn plain_http_and_garbage() {
        assert_eq!(interpret(200, Some("text/plain"), b"OK", None).state, State::Healthy);
        let i = interpret(503, Some("text/html"), b"<h1>down</h1>", None);
        assert_eq!((i.state, i.reason.as_deref()), (State::Unhealthy, Some("HTTP 503")));
        let i = interpret(200, Some("application/json"), b"{not json", None);
        assert_eq!(i.state, State::Unknown);
        assert!(i.reason.unwrap().starts_with("unreadable body"));
        assert_eq!(interpret(204, None, b"", None).state, State::Healthy);
    }

    #[test]
    fn version_pointer() {
        let body = br#"{"status":"UP","build":{"version":"2.0.1"},"git":{"commit":{"id":"abc1234"}}}"#;
        assert_eq!(
            interpret(200, HJ, body, Some("/build/version")).version.as_deref(),
            Some("2.0.1")
        );
        assert_eq!(
            interpret(200, HJ, body, Some("/git/commit/id")).version.as_deref(),
            Some("abc1234")
        );
        assert_eq!(interpret(200, HJ, body, Some("/missing")).version, None);
    }
}
