//! Drawing the Insights view: one block per environment, the five numbers
//! with their band and a sparkline each on the left, deployments per week
//! as bars on the right.

use crate::domain::dora::counted;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Bar, BarChart, BarGroup, Block, BorderType, Paragraph};
use ratatui::Frame;

use super::Insights;
use crate::ops::insights::{EnvInsights, WEEKS};
use crate::tui::render::format::text;
use crate::tui::render::rows::Rows;
use crate::tui::render::theme::{State, Theme};
use crate::tui::views::Shared;

/// Rows of one environment's block, borders included.
pub fn block_height() -> u16 {
    9
}

/// A sparkline as text: one of ▁▂▃▄▅▆▇█ per value (blank for none), scaled
/// to the largest value.
pub fn spark(values: &[Option<f64>]) -> String {
    const BARS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];
    let max = values.iter().flatten().fold(0.0_f64, |m, v| m.max(*v));
    values
        .iter()
        .map(|v| match v {
            None => ' ',
            Some(_) if max <= 0.0 => BARS[0],
            Some(v) => BARS[((v / max) * 7.0).round().clamp(0.0, 7.0) as usize],
        })
        .collect()
}

fn band_style(band: Option<&str>, theme: &Theme) -> Style {
    match band {
        Some("elite" | "high") => theme.state(State::Ok),
        Some("medium") => theme.state(State::Warn),
        Some(_) => theme.state(State::Error),
        None => theme.muted(),
    }
}

/// "2d 3h", "45m", "12s".
fn span(s: i64) -> String {
    let (d, h, m) = (s / 86_400, (s % 86_400) / 3_600, (s % 3_600) / 60);
    match (d, h, m) {
        (0, 0, 0) => format!("{s}s"),
        (0, 0, m) => format!("{m}m"),
        (0, h, 0) => format!("{h}h"),
        (0, h, m) => format!("{h}h {m}m"),
        (d, 0, _) => format!("{d}d"),
        (d, h, _) => format!("{d}d {h}h"),
    }
}

fn pct(r: Option<f64>) -> String {
    r.map_or_else(|| "–".into(), |r| format!("{:.1} %", r * 100.0))
}

fn metric_line(label: &str, value: String, band: Option<&str>, spark: String, theme: &Theme) -> Line<'static> {
    let band_text = band.map_or_else(|| "       ".to_string(), |b| format!("[{b}]"));
    Line::from(vec![
        Span::styled(format!("{label:<18}"), theme.muted()),
        Span::styled(format!("{:<34}", text(&value)), theme.text()),
        Span::styled(format!("{band_text:<9}"), band_style(band, theme)),
        Span::styled(spark, theme.accent()),
    ])
}

fn lines(e: &EnvInsights, theme: &Theme) -> Vec<Line<'static>> {
    let m = &e.total.metrics;
    let w = &e.weeks;
    let series = |f: &dyn Fn(&crate::domain::dora::Metrics) -> Option<f64>| -> String {
        spark(&w.iter().map(|r| f(&r.metrics)).collect::<Vec<_>>())
    };
    let f = &m.deployment_frequency;
    let l = &m.lead_time;
    let c = &m.change_fail_rate;
    let r = &m.recovery_time;
    let rw = &m.rework_rate;
    vec![
        metric_line(
            "deployments",
            format!("{} ({} a week)", f.deployments, f.per_week),
            Some(f.band),
            series(&|x| Some(x.deployment_frequency.deployments as f64)),
            theme,
        ),
        metric_line(
            "lead time",
            l.median_s.map_or_else(
                || "– (no commit times)".into(),
                |s| format!("median {} ({})", span(s), counted(l.changes, "change", "changes")),
            ),
            l.band,
            series(&|x| x.lead_time.median_s.map(|s| s as f64)),
            theme,
        ),
        metric_line(
            "change fail rate",
            format!("{} of {} ({})", c.failed, c.deployments, pct(c.rate)),
            c.band,
            series(&|x| x.change_fail_rate.rate),
            theme,
        ),
        metric_line(
            "recovery time",
            r.median_s.map_or_else(
                || "– (nothing to recover)".into(),
                |s| {
                    format!(
                        "median {} ({})",
                        span(s),
                        counted(r.recoveries, "recovery", "recoveries")
                    )
                },
            ),
            r.band,
            series(&|x| x.recovery_time.median_s.map(|s| s as f64)),
            theme,
        ),
        metric_line(
            "rework rate",
            format!("{} of {} ({})", rw.rework, rw.deployments, pct(rw.rate)),
            None,
            series(&|x| x.rework_rate.rate),
            theme,
        ),
    ]
}

fn env_block(f: &mut Frame, area: Rect, e: &EnvInsights, theme: &Theme) {
    let title = Line::from(vec![
        Span::styled(format!(" {} ", text(&e.env)), theme.accent()),
        Span::styled(
            format!(
                "{} → {} ",
                e.total.since.format("%Y-%m-%d"),
                e.total.until.format("%Y-%m-%d")
            ),
            theme.muted(),
        ),
    ]);
    let block = Block::bordered()
        .border_type(BorderType::Rounded)
        .border_style(theme.border(false))
        .title(title);
    let inner = block.inner(area);
    f.render_widget(block, area);
    // Bars only where there is room for them beside the numbers.
    let bars_w = (WEEKS as u16) * 3 + 2;
    let numbers_w = 18 + 34 + 9 + WEEKS as u16;
    let (left, right) = if inner.width >= numbers_w + bars_w + 2 {
        let [l, _, r] = Layout::horizontal([
            Constraint::Length(numbers_w),
            Constraint::Length(2),
            Constraint::Min(bars_w),
        ])
        .areas(inner);
        (l, Some(r))
    } else {
        (inner, None)
    };
    let mut body = lines(e, theme);
    body.push(Line::styled(
        format!("sparklines: the last {WEEKS} weeks, oldest first"),
        theme.muted(),
    ));
    f.render_widget(Rows::new(&body), left);
    if let Some(r) = right {
        let bars: Vec<Bar> = e
            .weeks
            .iter()
            .map(|w| {
                Bar::default()
                    .value(w.metrics.deployment_frequency.deployments)
                    .label(Line::from(w.since.format("%d").to_string()))
                    .style(theme.accent())
                    .value_style(theme.text())
            })
            .collect();
        let chart = BarChart::default()
            .block(Block::default().title(Line::styled("deployments per week", theme.muted())))
            .data(BarGroup::default().bars(&bars))
            .bar_width(2)
            .bar_gap(1);
        f.render_widget(chart, r);
    }
}

pub fn render(f: &mut Frame, area: Rect, sh: &Shared, v: &Insights, theme: &Theme) {
    let Some(all) = sh.snap.as_ref().and_then(|s| s.insights.as_ref()) else {
        f.render_widget(
            Paragraph::new(Line::styled(sh.loading("insights"), theme.muted())),
            area,
        );
        return;
    };
    if all.is_empty() {
        f.render_widget(Paragraph::new(Line::styled("no environments", theme.muted())), area);
        return;
    }
    let h = block_height();
    let mut y = area.y;
    for e in all.iter().skip(v.pos.cursor as usize) {
        if y + h > area.y + area.height {
            break;
        }
        env_block(f, Rect { y, height: h, ..area }, e, theme);
        y += h;
    }
}

#[cfg(test)]
mod tests {
    use super::spark;

    #[test]
    fn sparks_scale_to_the_largest_value() {
        assert_eq!(spark(&[Some(0.0), Some(1.0), Some(2.0), None, Some(4.0)]), "▁▃▅ █");
        assert_eq!(spark(&[Some(0.0), Some(0.0)]), "▁▁");
        assert_eq!(spark(&[]), "");
    }
}
