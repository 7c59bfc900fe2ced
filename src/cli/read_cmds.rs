//! Commands that only read: status, history, checklist, audit, verify.

use chrono::{DateTime, Utc};

use super::output::{age, event_json, print_json, release_json};
use super::term::{self, out};
use crate::domain::inert;
use crate::error::{Error, Result};
use crate::ops::{self, Ctx};

pub fn status(ctx: &Ctx, json: bool) -> Result<i32> {
    let has_health = ctx
        .config
        .environments
        .iter()
        .any(|e| !e.health.is_empty() || !e.metrics.is_empty());
    let board = if has_health {
        crate::health::once::poll_blocking(&ctx.config, None)
    } else {
        crate::health::Board::default()
    };
    let st = ops::status::status_with_health(ctx, &board)?;
    if json {
        print_json(&st);
        return Ok(0);
    }
    let now = ctx.now();
    out(&st.project);
    for e in &st.environments {
        let rel = match &e.release {
            Some(r) => format!(
                "v{} {} ({}) {} ago by {}",
                r.number,
                r.version,
                ops::audit::short(&r.commit),
                age(r.deployed_at, now),
                r.deployed_by
            ),
            None => "no release yet".to_string(),
        };
        let badges = if e.badges.is_empty() {
            String::new()
        } else {
            let words: Vec<&str> = e.badges.iter().map(|b| b.as_str()).collect();
            format!("  [{}]", words.join(", "))
        };
        out("");
        out(format!(
            "{}{}  {rel}{badges}",
            e.name,
            e.promote_from.as_ref().map(|f| format!(" ← {f}")).unwrap_or_default()
        ));
        if e.health.checks > 0 {
            let h = &e.health;
            let drift = if h.drift {
                format!(
                    "  drift: expected {}, running {}",
                    h.expected.as_deref().unwrap_or("-"),
                    h.version.as_deref().unwrap_or("-")
                )
            } else {
                String::new()
            };
            out(format!(
                "  health {} {}{}{}{drift}",
                h.symbol,
                h.state,
                h.latency_ms.map(|l| format!(" {l}ms")).unwrap_or_default(),
                h.reason.as_ref().map(|r| format!(" ({r})")).unwrap_or_default()
            ));
        }
        if let Some(i) = &e.incident {
            out(format!(
                "  ▲ {} open ({}, {} ago){}{}",
                i.label(),
                i.severity.as_str(),
                age(i.opened_at, now),
                i.summary
                    .as_deref()
                    .map(|s| format!(": {}", inert(s)))
                    .unwrap_or_default(),
                i.mitigation
                    .as_deref()
                    .map(|m| format!(" — mitigated: {}", inert(m)))
                    .unwrap_or_default()
            ));
        }
        if let Some(d) = &e.deployment {
            out(format!(
                "  deployment v{} {} {} (started by {})",
                d.number, d.version, d.state, d.actor
            ));
        }
        if let Some(p) = &e.pending {
            out(format!(
                "  next: {} ({}){}",
                p.version,
                ops::audit::short(&p.commit),
                p.from.as_ref().map(|f| format!(" from {f}")).unwrap_or_default()
            ));
        }
        for c in &e.checklists {
            out(format!("  checklist {} {}/{} ({})", c.name, c.done, c.total, c.phase));
        }
        for g in &e.gates {
            out(format!("  {} {}: {}", if g.ok { "✔" } else { "✖" }, g.name, g.detail));
        }
    }
    Ok(0)
}

pub fn history(ctx: &Ctx, env: &str, limit: usize, json: bool) -> Result<i32> {
    if limit == 0 {
        return Err(Error::usage("--limit must be at least 1"));
    }
    let rels = ops::status::history(ctx, env, 0, limit)?;
    let since = rels.iter().map(|r| r.seq).min().unwrap_or(u64::MAX);
    let reviews = ops::review::reviews(ctx, env, since)?;
    if json {
        let with_review = |r: &crate::domain::Release| {
            let mut v = release_json(r);
            if let Some(rv) = reviews.get(&r.number) {
                v["review"] = serde_json::json!(rv);
            }
            v
        };
        print_json(&rels.iter().map(with_review).collect::<Vec<_>>());
        return Ok(0);
    }
    if rels.is_empty() {
        out(format!("{env} has no releases yet"));
    }
    // Padded fields are made inert before padding, so columns line up on
    // what is shown.
    for r in &rels {
        out(format!(
            "v{:<5} {:<12} {:<10} {:<11} {:<20} {}",
            r.number,
            inert(&r.version),
            inert(ops::audit::short(&r.commit)),
            r.status.as_str(),
            inert(&r.actor),
            r.description()
        ));
        if let Some(rv) = reviews.get(&r.number) {
            out(format!("       review by {}:", inert(&rv.by)));
            for a in &rv.answers {
                out(format!("         {} {}", a.question, inert(&a.answer)));
            }
        }
        if term::stdout_lost() {
            break;
        }
    }
    Ok(0)
}

pub fn checklist(ctx: &Ctx, env: &str, json: bool) -> Result<i32> {
    let runs = ops::checklist::runs(ctx, env)?;
    if json {
        print_json(&runs);
        return Ok(0);
    }
    if runs.is_empty() {
        out(format!("{env} has no open checklist runs"));
    }
    for r in &runs {
        out(format!(
            "{} — {} for {} ({}) {}/{}{}",
            r.name,
            r.title,
            r.build,
            r.phase,
            r.done,
            r.total,
            if r.signed_off { "  signed off" } else { "" }
        ));
        for i in &r.items {
            let who = match (&i.by, &i.at) {
                (Some(b), Some(a)) => format!("  — {b} {}", a.format("%Y-%m-%d %H:%M")),
                _ => String::new(),
            };
            let role = i.role.as_ref().map(|r| format!(" [{r}]")).unwrap_or_default();
            let note = i.note.as_ref().map(|n| format!("  ({n})")).unwrap_or_default();
            out(format!(
                "  {:>2}. [{}] {}{role}{who}{note}",
                i.n,
                if i.done { "x" } else { " " },
                i.text
            ));
        }
    }
    Ok(0)
}

/// RFC 3339, a date (YYYY-MM-DD, UTC midnight), or an age ("2h", "3d").
pub fn parse_since(s: &str, now: DateTime<Utc>) -> Result<DateTime<Utc>> {
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Ok(t.with_timezone(&Utc));
    }
    if let Ok(d) = chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d") {
        return Ok(d.and_time(chrono::NaiveTime::MIN).and_utc());
    }
    if let Ok(d) = humantime::parse_duration(s) {
        if let Ok(d) = chrono::Duration::from_std(d) {
            return Ok(now - d);
        }
    }
    Err(Error::usage(format!(
        "--since {s:?}: expected RFC 3339 (2026-11-20T10:00:00Z), a date (2026-11-20) or an age (2h)"
    )))
}

pub fn audit(ctx: &Ctx, since: Option<&str>, limit: usize, json: bool) -> Result<i32> {
    let since = since.map(|s| parse_since(s, ctx.now())).transpose()?;
    let events = ops::audit::list(ctx, limit, since)?;
    if json {
        print_json(&events.iter().map(event_json).collect::<Vec<_>>());
        return Ok(0);
    }
    for e in &events {
        out(format!(
            "{:>6}  {}  {:<24} {:<8} {}",
            e.seq,
            e.at.format("%Y-%m-%d %H:%M:%S"),
            inert(&e.actor),
            inert(e.env.as_deref().unwrap_or("-")),
            ops::audit::summary(e)
        ));
        if term::stdout_lost() {
            break;
        }
    }
    Ok(0)
}

pub fn verify(ctx: &Ctx, expect_head: Option<&str>, json: bool) -> Result<i32> {
    let expect = expect_head.map(ops::audit::parse_head).transpose()?;
    let report = ops::audit::verify(ctx, expect.as_ref())?;
    let code = if report.ok() { 0 } else { 1 };
    if json {
        print_json(&serde_json::json!({
            "ok": report.ok(),
            "events": report.events,
            "head": report.head.as_ref().map(|(s, h)| format!("{s}:{h}")),
            "first_bad": report.first_bad.as_ref().map(|(s, why)| serde_json::json!({"seq": s, "why": why})),
            "projections": report.projections,
            "truncated": report.truncated,
        }));
        return Ok(code);
    }
    if let Some((seq, why)) = &report.first_bad {
        term::err(format!("ledger tampered: first bad event is seq {seq}: {why}"));
    }
    if let Some(why) = &report.projections {
        term::err(format!("ledger tampered: {why}"));
    }
    if let Some(why) = &report.truncated {
        term::err(format!("ledger tampered: {why}"));
    }
    if report.ok() {
        out(format!(
            "ok: {} events, hash chain intact, projections match the events{}",
            report.events,
            report
                .head
                .as_ref()
                .map(|(s, h)| format!(", head {s}:{h}"))
                .unwrap_or_default()
        ));
    }
    Ok(code)
}

/// `audit head`: the newest event as SEQ:HASH.
pub fn head(ctx: &Ctx, json: bool) -> Result<i32> {
    let (seq, hash) = ctx.store.head()?;
    if json {
        print_json(&serde_json::json!({ "seq": seq, "hash": hash, "head": format!("{seq}:{hash}") }));
    } else {
        out(format!("{seq}:{hash}"));
    }
    Ok(0)
}
