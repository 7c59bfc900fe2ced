//! Drawing the Rollouts view: a header, the timeline of steps, and one row
//! per analysis check with its samples as a sparkline against the threshold.

use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Block;
use ratatui::Frame;

use super::of;
use crate::domain::rollout::{Phase, Sample, Verdict};
use crate::ops::rollout::{short_duration, RolloutStatus};
use crate::tui::render::format::{age, fit, pad, sparkline, text};
use crate::tui::render::rows::Rows;
use crate::tui::render::theme::Theme;
use crate::tui::views::Shared;

/// Samples drawn per check: the newest, as many as fit.
const SAMPLES: usize = 40;

fn verdict_style(v: Verdict, theme: &Theme) -> ratatui::style::Style {
    match v {
        Verdict::Pass => theme.ok(),
        Verdict::Fail => theme.error(),
        Verdict::NoData => theme.muted(),
    }
}

/// ●5 % ─ ◉25 % ─ ○50 % confirm ─ ○100 %
fn timeline(st: &RolloutStatus, theme: &Theme) -> Line<'static> {
    let mut spans = Vec::new();
    for (i, w) in st.weights.iter().enumerate() {
        let n = i as u32 + 1;
        if i > 0 {
            spans.push(Span::styled(" ─ ", theme.muted()));
        }
        let (mark, style) = if n < st.step || (n == st.step && st.phase == Phase::Completed) {
            ("●", theme.ok())
        } else if n == st.step && st.phase == Phase::Aborted {
            ("✖", theme.error())
        } else if n == st.step {
            ("◉", theme.accent())
        } else {
            ("○", theme.muted())
        };
        spans.push(Span::styled(format!("{mark}{w} %"), style));
    }
    Line::from(spans)
}

/// One row per check of the step in force: name, last value against its
/// threshold, the verdicts, and the values as a sparkline.
fn check_rows(st: &RolloutStatus, theme: &Theme, w: usize) -> Vec<Line<'static>> {
    let Some(a) = &st.analysis else {
        return vec![Line::styled(
            "no analysis in this plan: the soak alone decides",
            theme.muted(),
        )];
    };
    let here: Vec<&Sample> = st.samples.iter().filter(|s| s.step == st.step).collect();
    let tail = &here[here.len().saturating_sub(SAMPLES)..];
    let mut names: Vec<String> = Vec::new();
    for s in tail {
        for m in &s.measured {
            if !names.contains(&m.check) {
                names.push(m.check.clone());
            }
        }
    }
    let mut out = vec![Line::styled(
        format!(
            "Analysis every {} · abort after {} failures in a row · {}/{} passed",
            short_duration(a.interval_ms as i64),
            a.failure_limit,
            a.passes,
            a.samples
        ),
        theme.muted(),
    )];
    if names.is_empty() {
        out.push(Line::styled("  no sample yet", theme.muted()));
    }
    for name in names {
        let seen: Vec<&crate::domain::rollout::Measured> = tail
            .iter()
            .filter_map(|s| s.measured.iter().find(|m| m.check == name))
            .collect();
        let Some(last) = seen.last() else { continue };
        // Values scaled to thousandths, with the threshold as the ceiling.
        let limit = last
            .threshold
            .as_deref()
            .and_then(|t| crate::domain::threshold::Threshold::parse(t).ok())
            .map(|t| t.value);
        let scale = |v: f64| (v * 1000.0).max(0.0) as u64;
        let mut values: Vec<Option<u64>> = seen.iter().map(|m| m.value.map(scale)).collect();
        if let Some(l) = limit {
            values.push(Some(scale(l)));
        }
        let mut spark = sparkline(&values);
        if limit.is_some() {
            spark.pop();
        }
        let marks: String = seen.iter().map(|m| m.verdict.symbol()).collect();
        let value = match (last.value, &last.threshold) {
            (Some(v), Some(t)) => format!("{} / fail {t}", crate::health::metrics::fmt(v)),
            (Some(v), None) => format!("{} ({})", last.state, crate::health::metrics::fmt(v)),
            (None, _) => format!(
                "{}{}",
                last.state,
                last.reason.as_deref().map(|r| format!(": {r}")).unwrap_or_default()
            ),
        };
        out.push(Line::from(vec![
            Span::styled(
                format!("  {} ", last.verdict.symbol()),
                verdict_style(last.verdict, theme),
            ),
            Span::styled(pad(&fit(&text(&name), 16), 17), theme.text()),
            Span::styled(pad(&fit(&text(&value), 28), 29), verdict_style(last.verdict, theme)),
            Span::styled(spark, theme.accent()),
        ]));
        out.push(Line::styled(fit(&format!("  {:19}{marks}", ""), w), theme.muted()));
    }
    out
}

/// Every line the view shows for the selected environment.
pub fn view_lines(sh: &Shared, theme: &Theme, w: usize) -> Vec<Line<'static>> {
    let env = sh.env_name().to_string();
    let Some(st) = of(sh, &env) else {
        let mut out = vec![Line::styled(format!("{env} has no rollout."), theme.muted())];
        let plans: Vec<String> = sh.config.rollouts.keys().cloned().collect();
        out.push(Line::styled(
            if plans.is_empty() {
                "No [rollout.NAME] plan in the config: see docs/rollouts.md.".to_string()
            } else {
                format!(
                    "Start one: relcon rollout start {env} {} --flag FLAG (plans: {})",
                    plans[0],
                    plans.join(", ")
                )
            },
            theme.muted(),
        ));
        return out;
    };
    let mut out = vec![
        Line::from(vec![
            Span::styled(format!("{} ", text(&st.rollout)), theme.accent()),
            Span::styled(
                format!("of {} · {} · ", text(&st.target.describe()), st.phase.as_str()),
                theme.text(),
            ),
            Span::styled(
                format!("started by {} {}", text(&st.started_by), age(sh.now, st.started_at)),
                theme.muted(),
            ),
        ]),
        timeline(st, theme),
        Line::styled(fit(&super::line_text(st, sh), w), theme.accent()),
        Line::styled(fit(&text(&st.waiting), w), theme.muted()),
    ];
    if let Some(r) = &st.reason {
        out.push(Line::styled(fit(&format!("reason: {}", text(r)), w), theme.muted()));
    }
    out.push(Line::raw(""));
    out.extend(check_rows(st, theme, w));
    out
}

pub fn render(f: &mut Frame, area: Rect, sh: &Shared, theme: &Theme) {
    let block = Block::bordered()
        .border_style(theme.border(true))
        .title(Span::styled(format!(" Rollout · {} ", sh.env_name()), theme.accent()));
    let inner = block.inner(area);
    let lines = view_lines(sh, theme, inner.width as usize);
    f.render_widget(block, area);
    f.render_widget(Rows::new(&lines), inner);
}
