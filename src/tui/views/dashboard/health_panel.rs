//! The selected env's health panel on the dashboard: one row per endpoint
//! (state, latency, a latency sparkline, the version it reports) and per
//! metric (value); its title carries the env's live light and version
//! check. The Health view with every detail is in `health_view`.

use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType};
use ratatui::Frame;

use crate::health::State;
use crate::tui::render::format::{fit, health_state, pad, sparkline};
use crate::tui::render::rows::Rows;
use crate::tui::render::theme::Theme;
use crate::tui::views::live::{version_text, LiveHealth};
use crate::tui::views::Shared;

/// Rows the panel needs for the selected env (0: no panel).
pub fn rows(sh: &Shared) -> u16 {
    sh.config
        .environments
        .get(sh.env)
        .map_or(0, |e| (e.health.len() + e.metrics.len()) as u16)
}

/// The env's light as of the last sample: "✖ unhealthy", "? not polled yet".
pub fn light(live: &LiveHealth, theme: &Theme) -> Span<'static> {
    if live.checks == 0 {
        return Span::styled("· no health checks", theme.muted());
    }
    match live.board.state {
        None => Span::styled("? not polled yet", theme.muted()),
        Some(s) => Span::styled(format!("{} {}", s.symbol(), s.as_str()), theme.state(health_state(s))),
    }
}

/// The light, then the version check: "✖ unhealthy · runs 1.11.2".
pub fn summary(live: &LiveHealth, theme: &Theme) -> Vec<Span<'static>> {
    let mut out = vec![light(live, theme)];
    if let Some((text, st)) = version_text(&live.version) {
        out.push(Span::styled(" · ", theme.muted()));
        out.push(Span::styled(text, theme.state(st)));
    }
    out
}

pub fn render(f: &mut Frame, area: Rect, sh: &Shared, theme: &Theme) {
    let Some(env) = sh.config.environments.get(sh.env) else {
        return;
    };
    let live = sh.live_health(&env.name);
    let mut title = summary(&live, theme);
    title.insert(0, Span::raw(" "));
    title.push(Span::raw(" "));
    let block = Block::bordered()
        .border_type(BorderType::Rounded)
        .border_style(theme.border(false))
        .title(Span::styled(format!(" Health · {} ", env.name), theme.accent()))
        .title(Line::from(title).right_aligned());
    let inner = block.inner(area);
    f.render_widget(block, area);
    f.render_widget(Rows::new(&env_lines(sh, env, inner.width as usize, theme)), inner);
}

/// One line per endpoint and metric of `env`.
pub fn env_lines(sh: &Shared, env: &crate::config::Environment, w: usize, theme: &Theme) -> Vec<Line<'static>> {
    let spark_w = if w > 70 { 24 } else { 12 };
    let mut lines = Vec::new();
    for c in &env.health {
        let series = sh.health.checks.get(&(env.name.clone(), c.name.clone()));
        let last = series.and_then(|s| s.latest());
        let state = last.map_or(State::Unknown, |s| s.state);
        let st = health_state(state);
        let lat: Vec<Option<u64>> = series.map(|s| s.recent(spark_w)).unwrap_or_default();
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
        let last = sh
            .health
            .metrics
            .get(&(env.name.clone(), m.name.clone()))
            .and_then(|s| s.latest());
        let state = last.map_or(State::Unknown, |s| s.state);
        let st = health_state(state);
        let value = last
            .and_then(|s| s.value)
            .map(crate::health::metrics::fmt)
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
