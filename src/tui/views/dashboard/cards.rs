//! The row of environment cards, in pipeline order with arrows between.
//! Protected envs wear the theme's `env_prod` colour; the selected card a
//! thick border. Full cards at 160×48, compact ones at 80×24.

use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Paragraph};
use ratatui::Frame;

use super::badges::{badge_line, blocking_symbols};
use crate::health::VersionCheck;
use crate::ops::status::{DeploymentSummary, EnvStatus, LeaseSummary};
use crate::tui::render::format::{age, bar, cols, fit, health_state, short, text, who, SPINNER};
use crate::tui::render::rows::Rows;
use crate::tui::render::theme::Theme;
use crate::tui::views::live::LiveHealth;
use crate::tui::views::shared::interrupted;
use crate::tui::views::Shared;

/// The health light: live state and latency from the pollers.
fn health_line(live: &LiveHealth, theme: &Theme, w: usize) -> Line<'static> {
    if live.checks == 0 {
        return Line::styled("· no health checks", theme.muted());
    }
    let live = &live.board;
    let Some(state) = live.state else {
        return Line::styled("? health not polled yet", theme.muted());
    };
    let mut text = format!("{} {}", state.symbol(), state.as_str());
    if let Some(ms) = live.latency_ms {
        text.push_str(&format!(" {ms}ms"));
    }
    if state != crate::health::State::Healthy {
        if let Some(r) = &live.reason {
            text.push_str(&format!(": {r}"));
        }
    }
    Line::from(Span::styled(fit(&text, w), theme.state(health_state(state))))
}

/// Drift in words: what runs versus what the ledger says (live).
fn drift_line(live: &LiveHealth, theme: &Theme, w: usize) -> Option<Line<'static>> {
    match &live.version {
        VersionCheck::Drift { expected, running } => Some(Line::from(Span::styled(
            fit(&format!("≠ runs {running}, expected {expected}"), w),
            theme.warn(),
        ))),
        _ => None,
    }
}

/// The light alone, for compact cards.
fn health_symbol(live: &LiveHealth, theme: &Theme) -> Option<Span<'static>> {
    if live.checks == 0 {
        return None;
    }
    let state = live.board.state.unwrap_or(crate::health::State::Unknown);
    Some(Span::styled(
        format!("{} ", state.symbol()),
        theme.state(health_state(state)),
    ))
}

fn release_lines(e: &EnvStatus, sh: &Shared, theme: &Theme, w: usize) -> Vec<Line<'static>> {
    match &e.release {
        Some(r) => vec![
            Line::from(vec![
                Span::styled(format!("v{} ", r.number), theme.accent()),
                Span::styled(
                    fit(&r.version, w.saturating_sub(10).max(4)),
                    theme.text().add_modifier(ratatui::style::Modifier::BOLD),
                ),
                Span::styled(format!(" {}", text(short(&r.commit))), theme.muted()),
            ]),
            Line::styled(
                fit(&format!("{} · {}", age(sh.now, r.deployed_at), who(&r.deployed_by)), w),
                theme.muted(),
            ),
        ],
        None => vec![Line::styled("no release yet", theme.muted()), Line::raw("")],
    }
}

fn deployment_line(e: &EnvStatus, sh: &Shared, theme: &Theme, w: usize) -> Option<Line<'static>> {
    let d = e.deployment.as_ref()?;
    let left = sh.lease_left(d);
    // A lease that runs out on this console's clock is interrupted at once;
    // the reader records it (and reloads) shortly after.
    if interrupted(d) || left.is_some_and(|s| s <= 0) {
        return Some(Line::from(Span::styled(
            fit(&format!("✖ v{} {} interrupted — R resolves", d.number, d.version), w),
            theme.error(),
        )));
    }
    let spin = SPINNER[sh.spin % SPINNER.len()];
    let words = match (&d.lease, left) {
        (Some(l), Some(s)) => lease_text(spin, d, l, s, w),
        _ => format!("{spin} v{} {} {} by {}", d.number, d.action, d.version, d.actor),
    };
    Some(Line::from(Span::styled(fit(&words, w), theme.accent())))
}

/// "⠋ v7 promote 1.4.2 · bo@laptop-a · lease 24s", shorter when narrow:
/// the host goes first, then the action, then the version (what goes out
/// matters more to whoever watches than where from); holder and countdown
/// stay.
fn lease_text(spin: &str, d: &DeploymentSummary, l: &LeaseSummary, left: i64, w: usize) -> String {
    let holder = text(&l.holder);
    let who = match &l.host {
        Some(h) => format!("{holder}@{}", text(h)),
        None => holder.clone(),
    };
    let (n, version) = (d.number, text(&d.version));
    let lease = format!("lease {left}s");
    let forms = [
        format!("{spin} v{n} {} {version} · {who} · {lease}", d.action),
        format!("{spin} v{n} {} {version} · {holder} · {lease}", d.action),
        format!("{spin} v{n} {version} · {holder} · {lease}"),
        format!("{spin} v{n} {holder} · {lease}"),
    ];
    forms.iter().find(|f| cols(f) <= w).unwrap_or(&forms[3]).clone()
}

fn gates_line(e: &EnvStatus, theme: &Theme, w: usize) -> Option<Line<'static>> {
    if e.gates.is_empty() {
        return None;
    }
    let failing: Vec<&str> = e.gates.iter().filter(|g| !g.ok).map(|g| g.name.as_str()).collect();
    Some(if failing.is_empty() {
        Line::styled("✔ gates pass", theme.ok())
    } else {
        Line::styled(fit(&format!("✖ gates: {}", failing.join(", ")), w), theme.error())
    })
}

fn progress_spans(e: &EnvStatus, me: &str, theme: &Theme, compact: bool) -> Vec<(String, Style)> {
    let mut out = Vec::new();
    for c in &e.checklists {
        let st = if c.done == c.total { theme.ok() } else { theme.warn() };
        let line = if compact {
            format!("{} {}/{}", text(&c.name), c.done, c.total)
        } else {
            format!("{} {}/{} {}", text(&c.name), c.done, c.total, bar(c.done, c.total, 5))
        };
        out.push((line, st));
    }
    if e.approvals.required > 0 && e.pending.is_some() {
        // Counted as the gate counts them for whoever looks: their own
        // approval does not count for a deployment they make.
        let mine = e.approvals.by.iter().any(|b| b == me);
        let have = e.approvals.by.len() as u32 - u32::from(mine);
        let st = if have >= e.approvals.required {
            theme.ok()
        } else {
            theme.warn()
        };
        let yours = if mine { " +you" } else { "" };
        out.push((format!("approvals {have}/{}{yours}", e.approvals.required), st));
    }
    out
}

fn pending_line(e: &EnvStatus, theme: &Theme, w: usize) -> Option<Line<'static>> {
    let p = e.pending.as_ref()?;
    let from = match (&p.from, p.from_release) {
        (Some(f), Some(n)) => format!(" ← {f} v{n}"),
        _ => String::new(),
    };
    Some(Line::from(vec![
        Span::styled("next ", theme.muted()),
        Span::styled(
            fit(
                &format!("{} ({}){from}", p.version, short(&p.commit)),
                w.saturating_sub(5),
            ),
            theme.text(),
        ),
    ]))
}

/// "✖ INC-42 critical 5m": the open incident and its age.
fn incident_line(e: &EnvStatus, sh: &Shared, theme: &Theme, w: usize) -> Option<Line<'static>> {
    let i = e.incident.as_ref()?;
    let state = if i.mitigated_at.is_some() { " mitigated" } else { "" };
    let t = format!(
        "✖ {} {}{state} {}",
        i.label(),
        i.severity.as_str(),
        crate::tui::render::format::age(sh.now, i.opened_at)
    );
    Some(Line::styled(fit(&t, w), theme.error()))
}

fn card_lines(e: &EnvStatus, sh: &Shared, theme: &Theme, w: usize, compact: bool) -> Vec<Line<'static>> {
    let live = sh.live_health(&e.name);
    let mut out = release_lines(e, sh, theme, w);
    if compact {
        if let (Some(light), Some(second)) = (health_symbol(&live, theme), out.get_mut(1)) {
            second.spans.insert(0, light);
        }
        let mut third: Vec<Span> = Vec::new();
        if let Some(d) = deployment_line(e, sh, theme, w) {
            third.extend(d.spans);
        } else {
            // The open incident and its age first, then the rollout or the
            // badges in what is left.
            let mut used = 0;
            if let Some(i) = e.incident.as_ref() {
                let t = format!(
                    "✖ {} {} ",
                    i.label(),
                    crate::tui::render::format::age(sh.now, i.opened_at)
                );
                used = cols(&t);
                third.push(Span::styled(fit(&t, w), theme.error()));
            }
            let rest = w.saturating_sub(used);
            // A hold or freeze keeps its symbol beside a rollout's line.
            let blocking = blocking_symbols(e, theme);
            let room = rest.saturating_sub(blocking.iter().map(|s| cols(&s.content)).sum());
            if let Some(r) = crate::tui::views::rollouts::card_line(&e.name, sh, theme, room) {
                third.extend(blocking);
                third.extend(r.spans);
            } else if let Some(b) = badge_line(e, &live, rest, theme, true) {
                third.extend(b.spans);
            }
        }
        out.push(Line::from(third));
        let mut fourth: Vec<(String, Style)> = Vec::new();
        if let Some(p) = &e.pending {
            fourth.push((format!("next {}", text(&p.version)), theme.text()));
        }
        fourth.extend(progress_spans(e, &sh.actor, theme, true));
        let mut used = 0;
        let mut spans = Vec::new();
        for (i, (t, st)) in fourth.into_iter().enumerate() {
            let sep = if i == 0 { "" } else { " · " };
            let t = format!("{sep}{t}");
            if used + cols(&t) > w {
                spans.push(Span::styled(fit(&t, w.saturating_sub(used)), st));
                break;
            }
            used += cols(&t);
            spans.push(Span::styled(t, st));
        }
        out.push(Line::from(spans));
        return out;
    }
    out.push(health_line(&live, theme, w));
    out.extend(incident_line(e, sh, theme, w));
    out.extend(drift_line(&live, theme, w));
    out.extend(deployment_line(e, sh, theme, w));
    out.extend(crate::tui::views::rollouts::card_line(&e.name, sh, theme, w));
    out.extend(badge_line(e, &live, w, theme, false));
    out.extend(
        progress_spans(e, &sh.actor, theme, false)
            .into_iter()
            .map(|(t, st)| Line::styled(fit(&t, w), st)),
    );
    out.extend(pending_line(e, theme, w));
    out.extend(gates_line(e, theme, w));
    out
}

/// Which cards fit (first index, how many), keeping the selected one in view.
fn window(area: Rect, n: usize, selected: usize, compact: bool) -> (usize, usize) {
    let min_w: u16 = if compact { 20 } else { 26 };
    let fit_n = ((area.width + 3) / (min_w + 3)).max(1) as usize;
    let count = n.min(fit_n);
    let start = if selected < count { 0 } else { selected + 1 - count };
    (start, count)
}

/// The env whose card is at column `x` (a click), as `render` lays them out.
pub fn card_at(area: Rect, sh: &Shared, compact: bool, x: u16) -> Option<usize> {
    let n = sh.snap.as_ref()?.status.environments.len();
    if n == 0 {
        return None;
    }
    let (start, count) = window(area, n, sh.env, compact);
    let mut constraints = Vec::new();
    if start > 0 {
        constraints.push(Constraint::Length(1));
    }
    for i in 0..count {
        if i > 0 {
            constraints.push(Constraint::Length(3));
        }
        constraints.push(Constraint::Fill(1));
    }
    let cells = Layout::horizontal(constraints).split(area);
    let first = usize::from(start > 0);
    (0..count).find_map(|i| {
        let c = cells.get(first + 2 * i)?;
        (x >= c.x && x < c.x + c.width).then_some(start + i)
    })
}

pub fn render(f: &mut Frame, area: Rect, sh: &Shared, theme: &Theme, compact: bool) {
    let Some(snap) = &sh.snap else {
        f.render_widget(Paragraph::new(sh.loading("environments")).style(theme.muted()), area);
        return;
    };
    let envs = &snap.status.environments;
    let n = envs.len();
    if n == 0 {
        return;
    }
    let (start, count) = window(area, n, sh.env, compact);
    let mut constraints = Vec::new();
    let more_left = start > 0;
    let more_right = start + count < n;
    if more_left {
        constraints.push(Constraint::Length(1));
    }
    for i in 0..count {
        if i > 0 {
            constraints.push(Constraint::Length(3));
        }
        constraints.push(Constraint::Fill(1));
    }
    if more_right {
        constraints.push(Constraint::Length(1));
    }
    let cells = Layout::horizontal(constraints).split(area);
    let mut k = 0;
    let mid = Rect {
        y: area.y + area.height / 2,
        height: 1,
        ..area
    };
    if more_left {
        f.render_widget(
            Span::styled("‹", theme.muted()),
            Rect {
                x: cells[0].x,
                width: 1,
                ..mid
            },
        );
        k += 1;
    }
    for (i, e) in envs.iter().enumerate().skip(start).take(count) {
        if i > start {
            f.render_widget(
                Span::styled(" → ", theme.muted()),
                Rect {
                    x: cells[k].x,
                    width: 3,
                    ..mid
                },
            );
            k += 1;
        }
        render_card(f, cells[k], e, sh, theme, compact, i == sh.env);
        k += 1;
    }
    if more_right {
        f.render_widget(
            Span::styled("›", theme.muted()),
            Rect {
                x: cells[k].x,
                width: 1,
                ..mid
            },
        );
    }
}

fn render_card(f: &mut Frame, area: Rect, e: &EnvStatus, sh: &Shared, theme: &Theme, compact: bool, selected: bool) {
    // A skinned env (user config `[skin.ENV]`) draws its whole card in its own theme.
    let theme = sh.skin(&e.name, theme);
    let border = if e.protected {
        theme.env_prod()
    } else {
        theme.border(selected)
    };
    let title_style = if e.protected {
        theme.env_prod()
    } else if selected {
        theme.accent()
    } else {
        theme.text()
    };
    let mark = if selected { "▸ " } else { "" };
    let prot = if e.protected { " ◆" } else { "" };
    let block = Block::bordered()
        .border_type(if selected {
            BorderType::Thick
        } else {
            BorderType::Rounded
        })
        .border_style(border)
        .title(Span::styled(format!(" {mark}{}{prot} ", e.name), title_style));
    let inner = block.inner(area);
    let lines = card_lines(e, sh, theme, inner.width as usize, compact);
    f.render_widget(block, area);
    f.render_widget(Rows::new(&lines), inner);
}
