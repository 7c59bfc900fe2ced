//! `relcon notify status` and `relcon notify flush`.

use std::time::Duration;

use super::output::print_json;
use super::term::{err, out};
use crate::domain::inert;
use crate::error::{Error, Result};
use crate::ops::notify::{self, Delivery, SinkStatus};
use crate::ops::Ctx;

fn ago(ms: i64, now_ms: i64) -> String {
    let s = ((now_ms - ms) / 1000).max(0);
    if s < 1 {
        return "just now".into();
    }
    format!("{} ago", super::metrics_cmds::span(s))
}

fn print_sink(s: &SinkStatus, now_ms: i64) {
    let st = &s.state;
    let failing = if st.failing > 0 {
        format!(" ({} failing)", st.failing)
    } else {
        String::new()
    };
    let abandoned = if st.abandoned > 0 {
        format!(" · abandoned {}", st.abandoned)
    } else {
        String::new()
    };
    out(format!(
        "{}  {}  pending {}{failing} · delivered {}{abandoned}",
        inert(&s.sink),
        inert(&s.kind),
        st.pending,
        st.delivered
    ));
    if let Some(e) = &st.last_error {
        let when = st
            .last_error_ms
            .map(|t| format!(" ({})", ago(t, now_ms)))
            .unwrap_or_default();
        out(format!("  last error{when}: {}", inert(e)));
    }
    if st.pending > 0 {
        if let Some(next) = st.next_attempt_ms {
            let wait = ((next - now_ms) / 1000).max(0);
            let when = if wait == 0 {
                "now".to_string()
            } else {
                format!("in {}", super::metrics_cmds::span(wait))
            };
            out(format!("  next attempt {when} (or `relcon notify flush`)"));
        }
    }
}

pub fn status(ctx: &Ctx, json: bool) -> Result<i32> {
    let sinks = notify::status(ctx)?;
    if json {
        print_json(&serde_json::json!({ "sinks": sinks }));
        return Ok(0);
    }
    if sinks.is_empty() {
        out("no [[notify]] sinks in the config");
        return Ok(0);
    }
    let now_ms = ctx.store.db().now_ms()?;
    for s in &sinks {
        print_sink(s, now_ms);
    }
    Ok(0)
}

pub fn flush(ctx: &Ctx, timeout: &str, json: bool) -> Result<i32> {
    let budget = humantime::parse_duration(timeout.trim()).map_err(|_| {
        Error::usage(format!(
            "--timeout {timeout:?}: expected a duration like \"30s\" or \"2m\""
        ))
    })?;
    let d: Delivery = notify::flush(ctx, budget.max(Duration::from_millis(100)))?;
    if json {
        print_json(&d);
    } else {
        out(format!(
            "delivered {} · failed {} · pending {}",
            d.delivered, d.failed, d.pending
        ));
        for e in &d.errors {
            err(format!("{} (event {}): {}", inert(&e.sink), e.seq, inert(&e.error)));
        }
    }
    Ok(if d.pending == 0 { 0 } else { 1 })
}
