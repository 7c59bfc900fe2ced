//! `relcon diff`: what changed between two releases, or between two environments.

use super::output::print_json;
use super::parse_release;
use super::term::{out, out_section};
use crate::domain::inert;
use crate::error::{Error, Result};
use crate::ops::diff::{self, Diff, DiffMode, Entry};
use crate::ops::Ctx;

pub fn diff(ctx: &Ctx, env: &str, a: Option<&str>, b: Option<&str>, json: bool) -> Result<i32> {
    let d = match (a, b) {
        // `diff staging prod`: the second word names an environment.
        (Some(to), None) if ctx.config.env(to).is_some() => diff::environments(ctx, env, to)?,
        (Some(to), Some(_)) if ctx.config.env(to).is_some() => {
            return Err(Error::usage(
                "usage: relcon diff ENV [vA] [vB] | relcon diff FROM_ENV TO_ENV",
            ))
        }
        _ => diff::releases(
            ctx,
            env,
            a.map(parse_release).transpose()?,
            b.map(parse_release).transpose()?,
        )?,
    };
    if json {
        print_json(&d);
    } else {
        print(&d);
    }
    Ok(0)
}

fn print(d: &Diff) {
    let side = |s: &crate::ops::diff::Side| match (&s.version, s.release) {
        (Some(v), Some(n)) => format!("{} v{n} ({v})", s.env),
        _ => format!("{} (no release)", s.env),
    };
    if d.mode == DiffMode::Environments {
        out(format!(
            "promoting {} into {}: {} would become {}",
            d.to.env,
            d.from.env,
            side(&d.from),
            side(&d.to)
        ));
    } else if d.first_release() {
        out(format!(
            "{}: the first release of {}, nothing before it to compare with",
            side(&d.to),
            d.to.env
        ));
    } else {
        out(format!("{} → {}", side(&d.from), side(&d.to)));
    }
    out(&d.summary);
    let c = &d.commits;
    if let Some(note) = &c.note {
        out_section(format!("commits: {note}"));
    } else if !c.list.is_empty() {
        out_section(if c.removed {
            "commits taken out (newest first)"
        } else {
            "commits (newest first)"
        });
        for x in &c.list {
            out(format!(
                "  {:<9} {:<10} {:<18} {}",
                inert(&x.sha),
                inert(x.at.get(..10).unwrap_or(&x.at)),
                inert(&x.author),
                inert(&x.subject)
            ));
        }
        if c.truncated {
            out("  … and older ones");
        }
    }
    if !d.flags_differ.is_empty() {
        out_section("flags that differ");
        for f in &d.flags_differ {
            out(format!("  {}", inert(f)));
        }
    }
    section("flag changes", &d.flag_changes);
    section("approvals", &d.approvals);
    section("checklist", &d.checklist_ticks);
    section("also recorded", &d.other);
}

fn section(title: &str, entries: &[Entry]) {
    if entries.is_empty() {
        return;
    }
    out_section(title);
    for e in entries {
        out(format!(
            "  {:>6}  {}  {:<18} {}",
            e.seq,
            e.at.format("%Y-%m-%d %H:%M"),
            inert(&e.actor),
            inert(&e.summary)
        ));
    }
}
