//! The highlighted release in full: who, when, why, what it ran, the
//! commits since the previous release (when `project.repo` is set) and the
//! last lines of its hook output.

use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Paragraph, Wrap};
use ratatui::Frame;

use super::{Commits, CommitsTarget, Dashboard};
use crate::domain::{Action, Release};
use crate::tui::render::format::{age, cols, fit, inert_lines, output_line, pad, release_state, stamp, text};
use crate::tui::render::rows::Rows;
use crate::tui::render::theme::{State, Theme};
use crate::tui::views::Shared;

/// A labelled fact; the value is data, drawn inert.
fn field(label: &str, value: String, theme: &Theme) -> Line<'static> {
    Line::from(vec![
        Span::styled(format!("{label:<9}"), theme.muted()),
        Span::styled(text(&value), theme.text()),
    ])
}

fn lines(r: &Release, sh: &Shared, theme: &Theme) -> Vec<Line<'static>> {
    let st = release_state(r.status);
    let mut out = vec![Line::styled(
        text(&r.description()),
        theme.text().add_modifier(ratatui::style::Modifier::BOLD),
    )];
    out.push(field("who", r.actor.clone(), theme));
    let took = r
        .finished_at
        .map(|f| format!(" · took {}s", (f - r.started_at).num_seconds().max(0)))
        .unwrap_or_default();
    out.push(field(
        "when",
        format!("{} UTC ({}){took}", stamp(r.started_at), age(sh.now, r.started_at)),
        theme,
    ));
    out.push(field("build", format!("{} · commit {}", r.version, r.commit), theme));
    if let Some(a) = &r.artifact {
        out.push(field("artifact", a.clone(), theme));
    }
    match (r.action, &r.from_env, r.target_release) {
        (Action::Promote, Some(from), _) => out.push(field("from", from.clone(), theme)),
        (Action::Rollback, _, Some(t)) => out.push(field("target", format!("v{t}"), theme)),
        _ => {}
    }
    out.push(field("reason", r.reason.clone().unwrap_or_else(|| "—".into()), theme));
    if let Some(e) = &r.error {
        out.push(Line::from(vec![
            Span::styled(format!("{:<9}", "error"), theme.muted()),
            Span::styled(format!("{} {}", st.symbol(), text(e)), theme.state(st)),
        ]));
    }
    if let Some(late) = r.late {
        // Its result came after it had lost its lease: recorded, never current.
        out.push(Line::from(vec![
            Span::styled(format!("{:<9}", "late"), theme.muted()),
            Span::styled(
                format!(
                    "▲ its hook later {} — after the lease had ended, so it never became current",
                    late.as_str()
                ),
                theme.warn(),
            ),
        ]));
    }
    if !r.steps.is_empty() {
        let mut spans = vec![Span::styled(format!("{:<9}", "steps"), theme.muted())];
        for s in &r.steps {
            let state = match s.state.as_str() {
                "done" => State::Ok,
                "failed" => State::Error,
                "running" => State::Busy,
                _ => State::Unknown,
            };
            let sym = if state == State::Ok { "✔" } else { state.symbol() };
            spans.push(Span::styled(format!("{sym} {} ", text(&s.name)), theme.state(state)));
        }
        out.push(Line::from(spans));
    }
    if let Some(rv) = sh.history_page().and_then(|p| p.reviews.get(&r.number)) {
        out.push(field("review", format!("by {} · {} UTC", rv.by, stamp(rv.at)), theme));
        for a in rv.answers.iter().filter(|a| !a.answer.is_empty()) {
            out.push(field("", format!("{} {}", a.question, a.answer), theme));
        }
    }
    out
}

pub fn render(f: &mut Frame, area: Rect, sh: &Shared, d: &Dashboard, theme: &Theme) {
    let release = d.release(sh, d.history.cursor);
    let title = match release {
        Some(r) => {
            let st = release_state(r.status);
            Line::from(vec![
                Span::styled(format!(" v{} ", r.number), theme.accent()),
                Span::styled(format!("{} {} ", st.symbol(), r.status.as_str()), theme.state(st)),
            ])
        }
        None => Line::styled(" Release ", theme.accent()),
    };
    let block = Block::bordered()
        .border_type(BorderType::Rounded)
        .border_style(theme.border(false))
        .title(title);
    let inner = block.inner(area);
    f.render_widget(block, area);
    let Some(r) = release else {
        let lines = if sh.history_total() == 0 {
            getting_started(sh, theme)
        } else if !d.filter.is_empty() {
            vec![Line::styled(
                "nothing matches the filter (esc clears it)",
                theme.muted(),
            )]
        } else {
            vec![Line::styled(sh.loading("history"), theme.muted())]
        };
        f.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), inner);
        return;
    };
    let top = inert_lines(lines(r, sh, theme));
    // How tall the facts are once wrapped; the output's last lines get the rest.
    let w = inner.width.max(1) as usize;
    let top_h = top
        .iter()
        .map(|l| l.width().max(1).div_ceil(w))
        .sum::<usize>()
        .min(inner.height as usize) as u16;
    f.render_widget(
        Paragraph::new(top).wrap(Wrap { trim: false }),
        Rect { height: top_h, ..inner },
    );
    let mut rest = Rect {
        y: inner.y + top_h,
        height: inner.height - top_h,
        ..inner
    };
    let output = r.output.as_deref().filter(|o| !o.trim().is_empty());
    // Commits first; they leave the output at least half of what is left.
    if let Some(target) = d.commits_target(sh) {
        let room = if output.is_some() {
            (rest.height / 2).max(rest.height.min(3))
        } else {
            rest.height
        };
        let lines = commit_lines(d, &target, theme, w, room as usize);
        let h = (lines.len() as u16).min(rest.height);
        f.render_widget(Rows::new(&lines), Rect { height: h, ..rest });
        rest.y += h;
        rest.height -= h;
    }
    if let Some(output) = output {
        output_lines(f, rest, output, theme);
    }
}

/// An env with no release yet: how one gets there. On a ledger with no
/// release at all (a first launch), the first steps and where help is.
fn getting_started(sh: &Shared, theme: &Theme) -> Vec<Line<'static>> {
    let env = sh.env_name().to_string();
    let key = |c| sh.keymap.key_for("dashboard", c).map(|k| k.to_string());
    let source = sh.config.env(&env).and_then(|e| e.promote_from.clone());
    let empty = sh
        .snap
        .as_ref()
        .is_some_and(|s| s.status.environments.iter().all(|e| e.releases == 0));
    let mut out = vec![Line::styled(
        format!("nothing has been deployed to {env} yet"),
        theme.muted(),
    )];
    if empty {
        let first = sh.config.environments.first().map_or("dev", |e| e.name.as_str());
        out.push(Line::default());
        out.push(Line::styled("To start, register a build and deploy it:", theme.text()));
        out.push(Line::styled(
            "relcon release register 1.0.0 --commit SHA",
            theme.accent(),
        ));
        out.push(Line::styled(format!("relcon deploy {first} 1.0.0"), theme.accent()));
    } else if let (Some(from), Some(p)) = (source, key(crate::config::Command::Promote)) {
        out.push(Line::styled(
            format!("select {from} and press {p} to promote its build here"),
            theme.text(),
        ));
    }
    if let Some(h) = sh.keymap.key_for("global", crate::config::Command::Help) {
        out.push(Line::default());
        out.push(Line::styled(
            format!("{h} shows every key; : runs the same commands as the CLI"),
            theme.muted(),
        ));
    }
    out
}

/// "commits since vK" and one line per commit (short sha, author, subject),
/// at most `room` lines; loading and errors as one muted line.
fn commit_lines(d: &Dashboard, target: &CommitsTarget, theme: &Theme, w: usize, room: usize) -> Vec<Line<'static>> {
    if room == 0 {
        return Vec::new();
    }
    let muted = |text: String| vec![Line::styled(fit(&text, w), theme.muted())];
    let CommitsTarget::Since { prev, rollback, key } = target else {
        return muted("commits: the first release here, nothing earlier to compare with".into());
    };
    let list = match d.commits.get(key) {
        None | Some(Commits::Loading) => return muted(format!("commits since v{prev}: loading…")),
        Some(Commits::Failed(e)) => {
            // "git log in /long/path: fatal: …" → "git: fatal: …": the path is in the config.
            let e = e
                .strip_prefix("git log in ")
                .and_then(|r| r.split_once(": "))
                .map_or(e.clone(), |(_, m)| format!("git: {m}"));
            return muted(format!("commits since v{prev}: ✖ {e}"));
        }
        Some(Commits::Ready(list)) => list,
    };
    let n = list.len();
    let plural = if n == 1 { "" } else { "s" };
    let more = if n >= crate::ops::commits::LIMIT { "+" } else { "" };
    let head = match (rollback, n) {
        (false, 0) => return muted(format!("commits since v{prev}: none (the same commit or an older one)")),
        (true, 0) => return muted(format!("commits rolled back from v{prev}: none")),
        (false, _) => format!("commits since v{prev} ({n}{more})"),
        (true, _) => format!("rolled back: {n}{more} commit{plural} of v{prev} no longer run"),
    };
    let mut out = vec![Line::styled(fit(&head, w), theme.muted())];
    let shown = if n < room { n } else { room.saturating_sub(2) };
    // Narrow panes keep room for the subject: authors shrink first.
    let author_max = if w >= 60 { 14 } else { 8 };
    let author_w = list.iter().map(|c| cols(&c.author)).max().unwrap_or(0).min(author_max);
    for c in list.iter().take(shown) {
        let sha = format!("{} ", pad(crate::tui::render::format::short(&c.sha), 7));
        let author = format!("{} ", pad(&c.author, author_w));
        let subject_w = w.saturating_sub(cols(&sha) + cols(&author));
        out.push(Line::from(vec![
            Span::styled(sha, theme.accent()),
            Span::styled(author, theme.muted()),
            Span::styled(fit(&c.subject, subject_w), theme.text()),
        ]));
    }
    if shown < n {
        out.push(Line::styled(format!("… and {} more", n - shown), theme.muted()));
    }
    out
}

/// The hook output's last lines that fit in `area`, under a header.
fn output_lines(f: &mut Frame, area: Rect, output: &str, theme: &Theme) {
    if area.height < 2 {
        return;
    }
    let room = area.height as usize - 1;
    let all: Vec<&str> = output.lines().collect();
    let mut out = vec![Line::styled(
        format!("output (last {} of {} lines)", room.min(all.len()), all.len()),
        theme.muted(),
    )];
    for l in all.iter().skip(all.len().saturating_sub(room)) {
        out.push(Line::from(vec![
            Span::styled("│ ", theme.muted()),
            Span::styled(output_line(l), theme.text()),
        ]));
    }
    f.render_widget(Rows::new(&out), area);
}
