//! The selected env's health panel: one row per endpoint (state, latency,
//! a latency sparkline, the version it reports) and per metric (value).

use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Paragraph};
use ratatui::Frame;

use crate::health::{State, VersionCheck};
use crate::tui::app::App;
use crate::tui::format::{fit, health_state, pad, sparkline};
use crate::tui::theme::Theme;

/// Rows the panel needs for the selected env (0: no panel).
pub fn rows(app: &App) -> u16 {
    app.config
        .environments
        .get(app.env)
        .map_or(0, |e| (e.health.len() + e.metrics.len()) as u16)
}

fn version_title(app: &App) -> Option<(String, crate::tui::theme::State)> {
    use crate::tui::theme::State as S;
    let h = &app.env_status()?.health;
    Some(match &h.version_check {
        VersionCheck::InSync { version } => (format!("● runs {version} "), S::Ok),
        VersionCheck::Verifying { expected, running, .. } => {
            (format!("◌ verifying {expected} (still sees {running}) "), S::Busy)
        }
        VersionCheck::Drift { expected, running } => {
            (format!("≠ drift: runs {running}, ledger says {expected} "), S::Warn)
        }
        VersionCheck::Unreported => return None,
    })
}

pub fn render(f: &mut Frame, area: Rect, app: &App, theme: &Theme) {
    let Some(env) = app.config.environments.get(app.env) else {
        return;
    };
    let mut block = Block::bordered()
        .border_type(BorderType::Rounded)
        .border_style(theme.border(false))
        .title(Span::styled(format!(" Health · {} ", env.name), theme.accent()));
    if let Some((t, st)) = version_title(app) {
        block = block.title(Line::styled(t, theme.state(st)).right_aligned());
    }
    let inner = block.inner(area);
    f.render_widget(block, area);
    f.render_widget(Paragraph::new(env_lines(app, env, inner.width as usize, theme)), inner);
}

/// One line per endpoint and metric of `env`.
pub fn env_lines(app: &App, env: &crate::config::Environment, w: usize, theme: &Theme) -> Vec<Line<'static>> {
    let spark_w = if w > 70 { 24 } else { 12 };
    let mut lines = Vec::new();
    for c in &env.health {
        let series = app.health.checks.get(&(env.name.clone(), c.name.clone()));
        let last = series.and_then(|s| s.samples.back());
        let state = last.map_or(State::Unknown, |s| s.state);
        let st = health_state(state);
        let lat: Vec<Option<u64>> = series
            .map(|s| {
                s.samples
                    .iter()
                    .rev()
                    .take(spark_w)
                    .rev()
                    .map(|x| x.latency_ms)
                    .collect()
            })
            .unwrap_or_default();
        let ms = last
            .and_then(|s| s.latency_ms)
            .map(|m| format!("{m}ms"))
            .unwrap_or_else(|| "—".into());
        let tail = match last {
            None => "not polled yet".to_string(),
            Some(s) if s.state != State::Healthy => s.reason.clone().unwrap_or_default(),
            Some(s) => s.version.clone().map(|v| format!("v {v}")).unwrap_or_default(),
        };
        let spans = vec![
            Span::styled(format!("{} ", state.symbol()), theme.state(st)),
            Span::styled(pad(&c.name, 12), theme.text()),
            Span::styled(pad(state.as_str(), 10), theme.state(st)),
            Span::styled(format!("{ms:>7} "), theme.muted()),
            Span::styled(pad(&sparkline(&lat), spark_w), theme.accent()),
            Span::styled(
                format!(" {}", fit(&tail, w.saturating_sub(33 + spark_w))),
                theme.muted(),
            ),
        ];
        lines.push(Line::from(spans));
    }
    for m in &env.metrics {
        let last = app
            .health
            .metrics
            .get(&(env.name.clone(), m.name.clone()))
            .and_then(|s| s.samples.back());
        let state = last.map_or(State::Unknown, |s| s.state);
        let st = health_state(state);
        let value = last
            .and_then(|s| s.value)
            .map(|v| format!("{v:.4}"))
            .unwrap_or_else(|| "—".into());
        let reason = last.and_then(|s| s.reason.clone()).unwrap_or_else(|| {
            if last.is_none() {
                "not polled yet".into()
            } else {
                String::new()
            }
        });
        lines.push(Line::from(vec![
            Span::styled(format!("{} ", state.symbol()), theme.state(st)),
            Span::styled(pad(&m.name, 12), theme.text()),
            Span::styled(pad(state.as_str(), 10), theme.state(st)),
            Span::styled(format!("{value:>7} "), theme.muted()),
            Span::styled(fit(&reason, w.saturating_sub(31)), theme.muted()),
        ]));
    }
    lines
}

/// Lines the Health view has: a header, the rows and a gap per env.
pub fn view_lines(app: &App) -> usize {
    app.config
        .environments
        .iter()
        .map(|e| (e.health.len() + e.metrics.len()).max(1) + 2)
        .sum()
}

/// The Health view: every env's endpoints and metrics, scrolled by line.
pub fn render_view(f: &mut Frame, area: Rect, app: &App, theme: &Theme) {
    let block = Block::bordered()
        .border_type(BorderType::Rounded)
        .border_style(theme.border(true))
        .title(Span::styled(" Health · every environment ", theme.accent()))
        .title_bottom(Line::styled(" j/k scroll · live from the pollers ", theme.muted()).right_aligned());
    let inner = block.inner(area);
    f.render_widget(block, area);
    let w = inner.width as usize;
    let mut lines = Vec::new();
    for e in &app.config.environments {
        let st = app
            .snap
            .as_ref()
            .and_then(|s| s.status.environments.iter().find(|x| x.name == e.name));
        let mut head = vec![Span::styled(
            e.name.clone(),
            if e.protected { theme.env_prod() } else { theme.accent() },
        )];
        if let Some(h) = st.map(|s| &s.health) {
            let version = match &h.version_check {
                VersionCheck::InSync { version } => format!("  ● runs {version}"),
                VersionCheck::Verifying { expected, running, .. } => {
                    format!("  ◌ verifying {expected} (sees {running})")
                }
                VersionCheck::Drift { expected, running } => {
                    format!("  ≠ drift: runs {running}, ledger says {expected}")
                }
                VersionCheck::Unreported => String::new(),
            };
            head.push(Span::styled(version, theme.muted()));
        }
        lines.push(Line::from(head));
        if e.health.is_empty() && e.metrics.is_empty() {
            lines.push(Line::styled("  no health checks configured", theme.muted()));
        } else {
            lines.extend(env_lines(app, e, w, theme));
        }
        lines.push(Line::raw(""));
    }
    f.render_widget(Paragraph::new(lines).scroll((app.health_pos.cursor as u16, 0)), inner);
}
