//! The dialog's words: what a plan will do, every gate, a flag's
//! before → after, and the title.

use ratatui::text::{Line, Span};

use super::dialog::Dialog;
use crate::ops::flags::{FlagOp, FlagPlan};
use crate::ops::intent::{Intent, Step};
use crate::ops::plan::Plan;
use crate::tui::render::format::short;
use crate::tui::render::theme::{State, Theme};

fn build(p: &Plan) -> String {
    let art = p.build.artifact.as_ref().map(|a| format!(", {a}")).unwrap_or_default();
    format!("{} ({}{art})", p.build.version, short(&p.build.commit))
}

fn what(intent: &Intent, p: &Plan) -> Vec<String> {
    let now = match &p.current {
        Some(c) => format!("{} is now at v{} ({})", p.env, c.number, c.version),
        None => format!("{} has no release yet", p.env),
    };
    let mut out = match intent {
        Intent::Rollback { .. } => vec![
            format!(
                "Roll {} back from v{} to v{} — {} — as v{}",
                p.env,
                p.current.as_ref().map_or(0, |c| c.number),
                p.target_release.unwrap_or(0),
                build(p),
                p.next_number
            ),
            format!(
                "Promotions into {} are held afterwards, until someone clears the hold.",
                p.env
            ),
        ],
        Intent::Deploy { .. } => vec![format!("Deploy {} to {} as v{}", build(p), p.env, p.next_number), now],
        _ => vec![
            format!(
                "Ship {} from {} v{} to {} as v{}",
                build(p),
                p.from_env.clone().unwrap_or_default(),
                p.source_release.unwrap_or(0),
                p.env,
                p.next_number
            ),
            now,
        ],
    };
    if !p.steps.is_empty() {
        out.push(format!("hook steps: {}", p.steps.join(" → ")));
    }
    out
}

fn gate_lines<'a>(p: &Plan, theme: &Theme, indent: &str) -> Vec<Line<'a>> {
    gate_lines_of(&p.gates, theme, indent)
}

fn gate_lines_of<'a>(gates: &[crate::domain::Gate], theme: &Theme, indent: &str) -> Vec<Line<'a>> {
    gates
        .iter()
        .map(|g| {
            let (sym, st) = if g.ok {
                ("✔", State::Ok)
            } else {
                ("✖", State::Error)
            };
            Line::from(vec![
                Span::raw(indent.to_string()),
                Span::styled(format!("{sym} {}", g.name), theme.state(st)),
                Span::styled(format!(": {}", g.detail), theme.text()),
            ])
        })
        .collect()
}

pub(super) fn plan_lines<'a>(d: &Dialog, steps: &[Step], theme: &Theme) -> Vec<Line<'a>> {
    let mut out = Vec::new();
    if let Intent::PromoteThrough { target } = &d.intent {
        let chain: Vec<String> = steps
            .first()
            .and_then(|s| s.from.clone())
            .into_iter()
            .chain(steps.iter().map(|s| s.to.clone()))
            .collect();
        out.push(Line::styled(
            format!(
                "Promote through {} up to {target}; each step is gated again as it runs",
                chain.join(" → ")
            ),
            theme.text(),
        ));
        let incoming = d.deciding().and_then(|s| s.plan.as_ref().ok()).map(build);
        for s in steps {
            let from = s.from.clone().unwrap_or_default();
            match (&s.plan, s.skip, s.later) {
                (_, true, _) => out.push(Line::styled(
                    format!("  {} ← {from}: already runs that build (skipped)", s.to),
                    theme.muted(),
                )),
                (Err(e), _, _) => out.push(Line::styled(format!("  {} ← {from}: {e}", s.to), theme.error())),
                (Ok(p), _, true) => {
                    out.push(Line::styled(
                        format!(
                            "  then {} ← {from}: {} as v{}, gated again when it runs; its gates as of now:",
                            s.to,
                            incoming.clone().unwrap_or_default(),
                            p.next_number
                        ),
                        theme.text(),
                    ));
                    // Every step's gates, so nobody is surprised at the last one.
                    out.extend(gate_lines(p, theme, "    "));
                }
                (Ok(p), _, false) => {
                    out.push(Line::styled(
                        format!("  {} ← {from}: {} as v{}", s.to, build(p), p.next_number),
                        theme.accent(),
                    ));
                    out.extend(gate_lines(p, theme, "    "));
                }
            }
        }
        return out;
    }
    for s in steps {
        match &s.plan {
            Err(e) => out.push(Line::styled(format!("✖ {e}"), theme.error())),
            Ok(p) => {
                out.extend(what(&d.intent, p).into_iter().map(|t| Line::styled(t, theme.text())));
                out.push(Line::raw(""));
                out.push(Line::styled("Gates", theme.accent()));
                out.extend(gate_lines(p, theme, " "));
            }
        }
    }
    out
}

pub(super) fn title(intent: &Intent) -> String {
    match intent {
        Intent::Deploy { env, .. } => format!(" Deploy to {env} "),
        Intent::Promote { from, to, .. } => format!(" Promote {from} → {to} "),
        Intent::PromoteThrough { target } => format!(" Promote through to {target} "),
        Intent::Rollback { env, .. } => format!(" Roll back {env} "),
        Intent::Approve { version, env, .. } => format!(" Approve {version} into {env} "),
        Intent::HoldClear { env } => format!(" Clear the hold on {env} "),
        Intent::Resolve { env, .. } => format!(" Resolve the interrupted deployment of {env} "),
        Intent::Flag {
            env,
            flag,
            op: FlagOp::Kill,
        } => format!(" Kill {flag} in {env} "),
        Intent::Flag {
            env,
            flag,
            op: FlagOp::Restore,
        } => format!(" Restore {flag} in {env} "),
        Intent::Flag { env, flag, .. } => format!(" Flag {flag} in {env} "),
        Intent::Tick(t) => format!(" Tick {} in {} ", t.checklist, t.env),
        Intent::RolloutStart { env, plan, .. } => format!(" Start rollout {plan} in {env} "),
        Intent::Rollout { env, act } => format!(" Rollout {} in {env} ", act.as_str()),
        Intent::IncidentOpen { env, .. } => format!(" Open an incident on {env} "),
        Intent::IncidentNote { env, .. } => format!(" Note on {env}'s incident "),
        Intent::IncidentResolve { env } => format!(" Resolve {env}'s incident "),
    }
}

/// A flag change in words: before → after, targets, and its gates.
pub(super) fn flag_lines(intent: &Intent, p: &FlagPlan, theme: &Theme) -> Vec<Line<'static>> {
    let state = |s: &crate::config::FlagState| {
        let t = if s.targets.is_empty() {
            String::new()
        } else {
            format!(" + targets {}", s.targets.join(","))
        };
        format!("{}{t}", crate::flags::describe(s))
    };
    let mut out = Vec::new();
    if let Some(d) = &p.description {
        out.push(Line::styled(d.clone(), theme.muted()));
    }
    out.push(Line::from(vec![
        Span::styled(format!("{} in {}: ", p.flag, p.env), theme.text()),
        Span::styled(state(&p.before), theme.muted()),
        Span::styled("  →  ", theme.text()),
        Span::styled(state(&p.after), theme.accent()),
    ]));
    match intent {
        Intent::Flag { op: FlagOp::Kill, .. } => out.push(Line::styled(
            "The kill switch: off for everyone now, targets kept but inactive. Never gated.",
            theme.text(),
        )),
        Intent::Flag {
            op: FlagOp::Restore, ..
        } => out.push(Line::styled("Back to the state before the kill.", theme.text())),
        _ => {}
    }
    if let Some(r) = &p.ends_rollout {
        out.push(Line::styled(
            format!(
                "Ends rollout {} at step {}/{}, {} %: its next step would turn the flag back on.",
                r.plan.name,
                r.step,
                r.steps(),
                r.weight
            ),
            theme.warn(),
        ));
    }
    if !p.gates.is_empty() {
        out.push(Line::raw(""));
        out.push(Line::styled("Gates", theme.accent()));
        out.extend(gate_lines_of(&p.gates, theme, " "));
    }
    out
}
