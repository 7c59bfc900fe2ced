//! The Health view: every env, each with a header (its live light, the
//! running version against the ledger's, the worst reason), then a row per
//! endpoint (state, latency, sparkline, reported version, time since the
//! state changed, last error) with its sub-checks indented below, and a
//! row per metric (value, sparkline, thresholds). Scrolled by line.

use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType};
use ratatui::Frame;

use super::HealthView;
use crate::config::Environment;
use crate::health::board::Series;
use crate::health::{Sample, State};
use crate::tui::render::format::{age, cols, fit, fit_spans, health_state, pad, sparkline, text};
use crate::tui::render::layout;
use crate::tui::render::rows;
use crate::tui::render::theme::Theme;
use crate::tui::views::live::LiveHealth;
use crate::tui::views::Shared;

/// Shown once when no env has a metric.
pub const NO_METRICS: &str = "no metrics: add [prometheus] and [[environment.metric]] (docs/health.md)";

/// Lines the view has at the current size (for scrolling).
pub fn view_lines(sh: &Shared, filter: &str) -> usize {
    let w = layout::screen(sh.view_area()).body.width.saturating_sub(2) as usize;
    lines(sh, w, &Theme::monochrome(), usize::MAX, filter).len()
}

pub(super) fn render(f: &mut Frame, area: Rect, sh: &Shared, h: &HealthView, theme: &Theme) {
    let block = Block::bordered()
        .border_type(BorderType::Rounded)
        .border_style(theme.border(true))
        .title(Span::styled(
            if h.filter.is_empty() {
                " Health · every environment ".to_string()
            } else {
                format!(" Health · filter “{}” ", text(&h.filter))
            },
            theme.accent(),
        ))
        .title_bottom(Line::styled(" j/k scroll · live from the pollers ", theme.muted()).right_aligned());
    let inner = block.inner(area);
    f.render_widget(block, area);
    let top = usize::try_from(h.pos.cursor).unwrap_or(usize::MAX);
    let limit = top.saturating_add(inner.height as usize);
    let mut lines = lines(sh, inner.width as usize, theme, limit, &h.filter);
    if lines.is_empty() {
        lines.push(Line::styled(
            "nothing matches the filter (esc clears it)",
            theme.muted(),
        ));
    }
    f.render_widget(rows::Rows::new(&lines).scroll(top), inner);
}

/// The view's lines, `w` columns wide: all of them, or the first `limit`
/// and a few more (a frame builds only what it shows). With a `filter`
/// (`/`), an env whose name holds every word keeps all its lines; any other
/// keeps its header and the rows that hold every word, or is left out.
pub fn lines(sh: &Shared, w: usize, theme: &Theme, limit: usize, filter: &str) -> Vec<Line<'static>> {
    let words: Vec<String> = filter.split_whitespace().map(str::to_lowercase).collect();
    if !words.is_empty() {
        let all = lines(sh, w, theme, usize::MAX, "");
        return filtered(sh, all, &words);
    }
    let mut out = Vec::new();
    for e in &sh.config.environments {
        if out.len() >= limit {
            return out;
        }
        let live = sh.live_health(&e.name);
        out.push(header(e, &live, w, theme));
        if e.health.is_empty() && e.metrics.is_empty() {
            out.push(Line::styled("  no health checks configured", theme.muted()));
        }
        let rows = Rows {
            sh,
            env: e,
            expected: live.expected.as_deref(),
            cw: Columns::of(sh, e, live.expected.as_deref(), w),
            w,
            theme,
        };
        for c in &e.health {
            if out.len() >= limit {
                return out;
            }
            rows.endpoint(&mut out, &c.name);
        }
        for m in &e.metrics {
            if out.len() >= limit {
                return out;
            }
            rows.metric(&mut out, m);
        }
        out.push(Line::raw(""));
    }
    if sh.config.environments.iter().all(|e| e.metrics.is_empty()) {
        out.push(Line::styled(fit(NO_METRICS, w), theme.muted()));
    }
    out
}

/// The unfiltered lines kept by `words` (see `lines`): blocks are split at
/// the blank line after each env.
fn filtered(sh: &Shared, all: Vec<Line<'static>>, words: &[String]) -> Vec<Line<'static>> {
    let holds = |l: &Line| {
        let t: String = l
            .spans
            .iter()
            .map(|s| s.content.as_ref())
            .collect::<String>()
            .to_lowercase();
        words.iter().all(|w| t.contains(w.as_str()))
    };
    let mut out = Vec::new();
    let mut it = all.into_iter();
    for e in &sh.config.environments {
        let mut block = Vec::new();
        for l in it.by_ref() {
            if l.spans.is_empty() || l.width() == 0 {
                break;
            }
            block.push(l);
        }
        let name = e.name.to_lowercase();
        if words.iter().all(|w| name.contains(w.as_str())) {
            out.extend(block);
            out.push(Line::raw(""));
            continue;
        }
        let mut block = block.into_iter();
        let Some(header) = block.next() else { continue };
        let rows: Vec<Line> = block.filter(|l| holds(l)).collect();
        if !rows.is_empty() || holds(&header) {
            out.push(header);
            out.extend(rows);
            out.push(Line::raw(""));
        }
    }
    out
}

/// "staging  ✖ unhealthy · runs 1.11.2 · database connection pool exhausted"
fn header(e: &Environment, live: &LiveHealth, w: usize, theme: &Theme) -> Line<'static> {
    let name = if e.protected { theme.env_prod() } else { theme.accent() };
    let mut spans = vec![Span::styled(format!("{}  ", e.name), name)];
    if live.checks == 0 {
        // The line below says so.
        return Line::from(fit_spans(spans, w));
    }
    spans.extend(crate::tui::views::dashboard::health_panel::summary(live, theme));
    if let (Some(s), Some(r)) = (live.board.state.filter(|s| *s != State::Healthy), &live.board.reason) {
        spans.push(Span::styled(" · ", theme.muted()));
        spans.push(Span::styled(text(r), theme.state(health_state(s))));
    }
    Line::from(fit_spans(spans, w))
}

/// Column widths shared by one env's rows, so they line up.
struct Columns {
    name: usize,
    spark: usize,
    /// The version (endpoints) or thresholds (metrics) column.
    middle: usize,
}

impl Columns {
    fn of(sh: &Shared, e: &Environment, expected: Option<&str>, w: usize) -> Columns {
        let names = e.health.iter().map(|c| cols(&c.name));
        let name = names.chain(e.metrics.iter().map(|m| cols(&m.name))).max().unwrap_or(0);
        let versions = e.health.iter().map(|c| {
            let last = sh.health.latest(&e.name, &c.name);
            cols(&version_cell(last, expected).0)
        });
        let limits = e.metrics.iter().map(|m| cols(&thresholds(m)));
        let name = name.clamp(6, 20);
        let spark = if w >= 110 { 24 } else { 12 };
        // Leave room for "  changed 59m ago" after the middle column.
        let before = 4 + name + 1 + 10 + 8 + spark + 1;
        let room = w.saturating_sub(before + 17).max(8);
        Columns {
            name,
            spark,
            middle: versions.chain(limits).max().unwrap_or(0).min(32).min(room),
        }
    }
}

/// The reported version against the expected one: "1.11.2", or
/// "1.10.0 ≠ 1.11.2" (drift), or "—" when the endpoint reports none.
fn version_cell(last: Option<&Sample>, expected: Option<&str>) -> (String, bool) {
    match (last.and_then(|s| s.version.as_deref()), expected) {
        (None, _) => ("—".into(), false),
        (Some(v), Some(e)) if v != e => (format!("{v} ≠ {e}"), true),
        (Some(v), _) => (v.to_string(), false),
    }
}

fn thresholds(m: &crate::config::Metric) -> String {
    let parts: Vec<String> = [("warn", &m.warn), ("fail", &m.fail)]
        .into_iter()
        .filter_map(|(k, t)| t.as_ref().map(|t| format!("{k} {}", t.text)))
        .collect();
    parts.join(" · ")
}

/// The head of a row: indent, symbol, name, state word.
fn lead(state: State, name: &str, cw: &Columns, theme: &Theme) -> Vec<Span<'static>> {
    let st = theme.state(health_state(state));
    vec![
        Span::styled(format!("  {} ", state.symbol()), st),
        Span::styled(pad(name, cw.name + 1), theme.text()),
        Span::styled(pad(state.as_str(), 10), st),
    ]
}

/// What one env's rows share.
struct Rows<'a> {
    sh: &'a Shared,
    env: &'a Environment,
    /// The ledger's current release version here.
    expected: Option<&'a str>,
    cw: Columns,
    w: usize,
    theme: &'a Theme,
}

impl Rows<'_> {
    /// "changed 2m ago", then the last error on the same line if it fits
    /// whole, else on a line of its own below.
    fn tail<T: crate::health::board::Spark>(
        &self,
        out: &mut Vec<Line<'static>>,
        mut spans: Vec<Span<'static>>,
        series: Option<&Series<T>>,
        failing: bool,
    ) {
        let (now, theme, w) = (self.sh.now, self.theme, self.w);
        if let Some(at) = series.and_then(|s| s.changed_at) {
            spans.push(Span::styled(format!("  changed {}", age(now, at)), theme.muted()));
        }
        let error = series.and_then(|s| s.last_error.as_ref()).map(|(at, r)| {
            let style = if failing { theme.error() } else { theme.muted() };
            (format!("last error {}: {}", age(now, *at), text(r)), style)
        });
        let used: usize = spans.iter().map(|s| s.width()).sum();
        match error {
            Some((text, style)) if used + 2 + cols(&text) <= w => {
                spans.push(Span::styled(format!("  {text}"), style));
                out.push(Line::from(spans));
            }
            Some((text, style)) => {
                out.push(Line::from(fit_spans(spans, w)));
                out.push(Line::styled(fit(&format!("      {text}"), w), style));
            }
            None => out.push(Line::from(fit_spans(spans, w))),
        }
    }

    /// The row of one endpoint, its last error and its sub-checks.
    fn endpoint(&self, out: &mut Vec<Line<'static>>, check: &str) {
        let (theme, cw) = (self.theme, &self.cw);
        let series = self.sh.health.checks.get(&(self.env.name.clone(), check.to_string()));
        let last = series.and_then(|s| s.latest());
        let state = last.map_or(State::Unknown, |s| s.state);
        let mut spans = lead(state, check, cw, theme);
        let Some(last) = last else {
            spans.push(Span::styled("not polled yet", theme.muted()));
            out.push(Line::from(fit_spans(spans, self.w)));
            return;
        };
        let ms = last.latency_ms.map_or_else(|| "—".into(), |m| format!("{m}ms"));
        let lat: Vec<Option<u64>> = series.map(|s| s.recent(cw.spark)).unwrap_or_default();
        let (version, drift) = version_cell(Some(last), self.expected);
        spans.push(Span::styled(format!("{ms:>7} "), theme.muted()));
        spans.push(Span::styled(pad(&sparkline(&lat), cw.spark + 1), theme.accent()));
        spans.push(Span::styled(
            pad(&version, cw.middle),
            if drift { theme.warn() } else { theme.muted() },
        ));
        self.tail(out, spans, series, state != State::Healthy);
        // health+json checks and Spring components, indented below.
        let sub_w = last.checks.iter().map(|c| cols(&c.name)).max().unwrap_or(0).min(28);
        for c in &last.checks {
            let st = theme.state(health_state(c.state));
            let mut row = vec![
                Span::styled(format!("      {} ", c.state.symbol()), st),
                Span::styled(pad(&c.name, sub_w + 1), theme.text()),
                Span::styled(c.state.as_str(), st),
            ];
            if let Some(d) = &c.detail {
                row.push(Span::styled(format!("  {}", text(d)), theme.muted()));
            }
            out.push(Line::from(fit_spans(row, self.w)));
        }
    }

    /// The row of one metric (value, sparkline of values, thresholds) and its last error.
    fn metric(&self, out: &mut Vec<Line<'static>>, m: &crate::config::Metric) {
        let (theme, cw) = (self.theme, &self.cw);
        let series = self.sh.health.metrics.get(&(self.env.name.clone(), m.name.clone()));
        let last = series.and_then(|s| s.latest());
        let state = last.map_or(State::Unknown, |s| s.state);
        let mut spans = lead(state, &m.name, cw, theme);
        let Some(last) = last else {
            spans.push(Span::styled("not polled yet", theme.muted()));
            out.push(Line::from(fit_spans(spans, self.w)));
            return;
        };
        let value = last.value.map_or_else(|| "—".into(), crate::health::metrics::fmt);
        let values = series.map(|s| s.recent(cw.spark)).unwrap_or_default();
        // Scaled to the largest value seen, like the latency sparkline.
        let max = values.iter().flatten().fold(0.0_f64, |a, b| a.max(*b));
        let scale = |v: f64| {
            if max > 0.0 {
                (v.max(0.0) / max * 1000.0) as u64
            } else {
                0
            }
        };
        let scaled: Vec<Option<u64>> = values.iter().map(|v| v.map(scale)).collect();
        spans.push(Span::styled(format!("{value:>7} "), theme.text()));
        spans.push(Span::styled(pad(&sparkline(&scaled), cw.spark + 1), theme.accent()));
        spans.push(Span::styled(pad(&thresholds(m), cw.middle), theme.muted()));
        self.tail(out, spans, series, state != State::Healthy);
    }
}
