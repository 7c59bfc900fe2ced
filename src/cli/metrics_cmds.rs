//! `relcon metrics`: DORA for one environment, in words or JSON.

use super::output::print_json;
use super::read_cmds::parse_since;
use super::term::{out, out_section};
use crate::domain::dora::counted;
use crate::domain::inert;
use crate::error::Result;
use crate::ops::metrics::{self, Report};
use crate::ops::Ctx;

pub fn metrics(
    ctx: &Ctx,
    env: Option<&str>,
    since: &str,
    until: Option<&str>,
    explain: bool,
    json: bool,
) -> Result<i32> {
    let now = ctx.now();
    let env = match env {
        Some(e) => e.to_string(),
        None => metrics::default_env(ctx)?,
    };
    let since = parse_since(since, now)?;
    let until = until.map(|u| parse_since(u, now)).transpose()?.unwrap_or(now);
    let mut r = metrics::metrics(ctx, &env, since, until)?;
    if json {
        if !explain {
            r.metrics.explain.clear();
        }
        print_json(&r);
        return Ok(0);
    }
    print(&r, explain);
    Ok(0)
}

/// "2d 3h", "45m", "12s".
pub fn span(s: i64) -> String {
    let (d, h, m) = (s / 86_400, (s % 86_400) / 3_600, (s % 3_600) / 60);
    match (d, h, m) {
        (0, 0, 0) => format!("{s}s"),
        (0, 0, m) => format!("{m}m"),
        (0, h, m) if m > 0 => format!("{h}h {m}m"),
        (0, h, _) => format!("{h}h"),
        (d, 0, _) => format!("{d}d"),
        (d, h, _) => format!("{d}d {h}h"),
    }
}

fn pct(r: Option<f64>) -> String {
    r.map(|r| format!("{:.1} %", r * 100.0)).unwrap_or_else(|| "–".into())
}

fn print(r: &Report, explain: bool) {
    let m = &r.metrics;
    let days = (r.until - r.since).num_days();
    out(format!(
        "{} · {} → {} ({days} days)",
        inert(&r.env),
        r.since.format("%Y-%m-%d"),
        r.until.format("%Y-%m-%d")
    ));
    let band = |b: Option<&str>| b.map(|b| format!("  [{b}]")).unwrap_or_default();
    let f = &m.deployment_frequency;
    out(format!(
        "deployment frequency  {} deployment{}, {} a week{}",
        f.deployments,
        if f.deployments == 1 { "" } else { "s" },
        f.per_week,
        band(Some(f.band))
    ));
    let l = &m.lead_time;
    out(match (l.median_s, l.p90_s) {
        (Some(med), Some(p90)) => format!(
            "change lead time      median {}, p90 {} ({}){}",
            span(med),
            span(p90),
            counted(l.changes, "change", "changes"),
            band(l.band)
        ),
        _ => "change lead time      unknown (no commit times: release register --commit-time, or set project.repo)"
            .into(),
    });
    let c = &m.change_fail_rate;
    out(format!(
        "change fail rate      {} of {} ({}){}",
        c.failed,
        c.deployments,
        pct(c.rate),
        band(c.band)
    ));
    let rec = &m.recovery_time;
    out(match rec.median_s {
        Some(med) => format!(
            "recovery time         median {} ({}){}",
            span(med),
            counted(rec.recoveries, "recovery", "recoveries"),
            band(rec.band)
        ),
        None => "recovery time         – (nothing to recover from)".into(),
    });
    let w = &m.rework_rate;
    out(format!(
        "rework rate           {} of {} ({})",
        w.rework,
        w.deployments,
        pct(w.rate)
    ));
    if explain {
        let mut last = "";
        for b in &m.explain {
            if b.metric != last {
                out_section(b.metric.replace('_', " "));
                last = b.metric;
            }
            out(format!(
                "  {:>6}  {}  {}",
                b.seq,
                b.at.format("%Y-%m-%d %H:%M"),
                inert(&b.text)
            ));
        }
    }
}
