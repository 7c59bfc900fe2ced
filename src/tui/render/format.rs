//! Small text helpers shared by the views: ages, times, symbols, truncation.
//!
//! Data is drawn inert (DESIGN §10): ratatui writes a cell's text to the
//! terminal as it is, so every field from the ledger, the config or a
//! health endpoint goes through `text` (or `fit` / `pad`, which escape
//! before they measure, so columns line up on what is shown).

use chrono::{DateTime, Utc};
use ratatui::text::{Line, Span};

use crate::domain::inert::{inert, is_hazard};

use super::theme::State;
use crate::domain::DeploymentStatus;

/// "just now", "12s ago", "3m ago", "2h ago", "5d ago".
pub fn age(now: DateTime<Utc>, at: DateTime<Utc>) -> String {
    let s = (now - at).num_seconds();
    // The label changes when `s` reaches the next step of its unit.
    let (text, next) = match s {
        i64::MIN..=-1 => ("in future".into(), 0),
        0..=4 => ("just now".into(), 5),
        5..=59 => (format!("{s}s ago"), s + 1),
        60..=3599 => (format!("{}m ago", s / 60), (s / 60 + 1) * 60),
        3600..=86_399 => (format!("{}h ago", s / 3600), (s / 3600 + 1) * 3600),
        _ => (format!("{}d ago", s / 86_400), (s / 86_400 + 1) * 86_400),
    };
    super::redraw_at::note(at + chrono::Duration::seconds(next));
    text
}

/// "14:02" today, "Nov 18 14:02" otherwise (UTC, like the ledger).
pub fn when(now: DateTime<Utc>, at: DateTime<Utc>) -> String {
    if now.date_naive() == at.date_naive() {
        // Tomorrow the same time needs its date.
        if let Some(midnight) = now.date_naive().succ_opt().and_then(|d| d.and_hms_opt(0, 0, 0)) {
            super::redraw_at::note(midnight.and_utc());
        }
        at.format("%H:%M").to_string()
    } else {
        at.format("%b %d %H:%M").to_string()
    }
}

pub fn stamp(at: DateTime<Utc>) -> String {
    at.format("%Y-%m-%d %H:%M:%S").to_string()
}

/// "dana.kim@example.com" → "dana.kim": lists show who, the detail shows all.
pub fn who(actor: &str) -> &str {
    actor.split('@').next().filter(|s| !s.is_empty()).unwrap_or(actor)
}

pub fn short(commit: &str) -> &str {
    crate::ops::audit::short(commit)
}

pub fn health_state(s: crate::health::State) -> State {
    match s {
        crate::health::State::Healthy => State::Ok,
        crate::health::State::Degraded => State::Warn,
        crate::health::State::Unhealthy => State::Error,
        crate::health::State::Unknown => State::Unknown,
    }
}

/// A text sparkline of `values` (None = no answer), scaled to the largest.
pub fn sparkline(values: &[Option<u64>]) -> String {
    const BARS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];
    let max = values.iter().flatten().copied().max().unwrap_or(0).max(1);
    values
        .iter()
        .map(|v| match v {
            Some(v) => BARS[((*v * 7) / max).min(7) as usize],
            None => ' ',
        })
        .collect()
}

pub fn release_state(s: DeploymentStatus) -> State {
    match s {
        DeploymentStatus::Succeeded => State::Ok,
        DeploymentStatus::Failed => State::Error,
        DeploymentStatus::Interrupted => State::Warn,
        DeploymentStatus::Started => State::Busy,
    }
}

/// A data field as it is drawn: control characters, escape sequences and
/// bidi overrides shown as escapes (`\x1b`, `\n`, `\u{202e}`).
pub fn text(s: &str) -> String {
    inert(s).into_owned()
}

/// Lines made inert span by span, styles kept: the net under text built
/// from many fields (a dialog's plan, a card). Escaping twice changes
/// nothing, so fields already drawn with `text` pass unchanged.
pub fn inert_lines(lines: Vec<Line<'static>>) -> Vec<Line<'static>> {
    lines
        .into_iter()
        .map(|mut l| {
            for s in &mut l.spans {
                if s.content.chars().any(is_hazard) {
                    s.content = inert(&s.content).into_owned().into();
                }
            }
            l
        })
        .collect()
}

/// A line of hook output as drawn: tabs expanded (in a hook's output they
/// are layout), everything else made inert.
pub fn output_line(s: &str) -> String {
    text(&crate::domain::inert::expand_tabs(s))
}

/// Cut `s` (made inert) to at most `width` columns, marking the cut with "…".
pub fn fit(s: &str, width: usize) -> String {
    if super::rows::printable_ascii(s) {
        return fit_ascii(s, width).into_owned();
    }
    let s = inert(s);
    if cols(&s) <= width {
        return s.into_owned();
    }
    if width == 0 {
        return String::new();
    }
    let mut out = String::new();
    let mut w = 0;
    for c in s.chars() {
        let mut buf = [0u8; 4];
        let cw = cols(c.encode_utf8(&mut buf));
        if w + cw + 1 > width {
            break;
        }
        out.push(c);
        w += cw;
    }
    out.push('…');
    out
}

/// Spans cut to at most `width` columns in all, the cut marked with "…".
pub fn fit_spans(spans: Vec<Span<'static>>, width: usize) -> Vec<Span<'static>> {
    let mut out = Vec::new();
    let mut used = 0;
    for s in spans {
        let w = s.width();
        if used + w <= width {
            used += w;
            out.push(s);
            continue;
        }
        let cut = fit(&s.content, width - used);
        if !cut.is_empty() {
            out.push(Span::styled(cut, s.style));
        }
        break;
    }
    out
}

/// Display width in terminal columns (ratatui's own measure) of `s` as
/// `text` draws it.
pub fn cols(s: &str) -> usize {
    if super::rows::printable_ascii(s) {
        return s.len();
    }
    Span::raw(inert(s)).width()
}

/// Made inert, then padded or cut to exactly `width` columns.
pub fn pad(s: &str, width: usize) -> String {
    let t = if super::rows::printable_ascii(s) {
        fit_ascii(s, width)
    } else {
        std::borrow::Cow::Owned(fit(s, width))
    };
    let w = cols(&t);
    let mut out = String::with_capacity(t.len() + width.saturating_sub(w));
    out.push_str(&t);
    out.extend(std::iter::repeat_n(' ', width.saturating_sub(w)));
    out
}

/// [`fit`] of printable ASCII (nearly every field: versions, names,
/// times), which is already inert and one column a byte: a key's frame
/// pads hundreds of them.
fn fit_ascii(s: &str, width: usize) -> std::borrow::Cow<'_, str> {
    match width {
        _ if s.len() <= width => std::borrow::Cow::Borrowed(s),
        0 => std::borrow::Cow::Borrowed(""),
        w => std::borrow::Cow::Owned(format!("{}…", &s[..w - 1])),
    }
}

/// A text gauge like `■■■□□` for `done` of `total` in `cells` cells.
pub fn bar(done: usize, total: usize, cells: usize) -> String {
    if total == 0 || cells == 0 {
        return String::new();
    }
    let filled = (done * cells).div_ceil(total).min(cells);
    let filled = if done < total { filled.min(cells - 1) } else { filled };
    format!("{}{}", "■".repeat(filled), "□".repeat(cells - filled))
}

pub const SPINNER: &[&str] = &["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    /// The general path, as `fit`, `cols` and `pad` were before the
    /// printable-ASCII shortcut: the shortcut must give the same text.
    fn fit_general(s: &str, width: usize) -> String {
        let s = inert(s);
        let cols = |t: &str| Span::raw(inert(t)).width();
        if cols(&s) <= width {
            return s.into_owned();
        }
        if width == 0 {
            return String::new();
        }
        let mut out = String::new();
        for c in s.chars() {
            if cols(&out) + cols(c.encode_utf8(&mut [0u8; 4])) + 1 > width {
                break;
            }
            out.push(c);
        }
        out + "…"
    }

    #[test]
    fn printable_ascii_is_cut_and_padded_as_any_text() {
        for s in [
            "",
            "a",
            "v1.4.2",
            "release-candidate-2026-12-04",
            " spaced  out ",
            "~!@#$%^&*()",
        ] {
            for width in 0..32 {
                let general = fit_general(s, width);
                assert_eq!(fit(s, width), general, "fit {s:?} {width}");
                assert_eq!(cols(s), Span::raw(s).width(), "cols {s:?}");
                let w = Span::raw(general.as_str()).width();
                let padded = format!("{general}{}", " ".repeat(width.saturating_sub(w)));
                assert_eq!(pad(s, width), padded, "pad {s:?} {width}");
            }
        }
    }

    #[test]
    fn ages_read_like_a_person_says_them() {
        let now = Utc.with_ymd_and_hms(2026, 11, 18, 12, 0, 0).unwrap();
        let ago = |s: i64| age(now, now - chrono::Duration::seconds(s));
        assert_eq!(ago(0), "just now");
        assert_eq!(ago(12), "12s ago");
        assert_eq!(ago(180), "3m ago");
        assert_eq!(ago(7200), "2h ago");
        assert_eq!(ago(86_400 * 5), "5d ago");
    }

    #[test]
    fn fit_and_bar() {
        assert_eq!(fit("staging", 4), "sta…");
        assert_eq!(fit("dev", 4), "dev");
        assert_eq!(pad("ab", 4), "ab  ");
        assert_eq!(bar(3, 5, 5), "■■■□□");
        assert_eq!(bar(4, 5, 3), "■■□");
        assert_eq!(bar(5, 5, 3), "■■■");
        assert_eq!(bar(0, 5, 3), "□□□");
        assert_eq!(sparkline(&[Some(0), Some(7), None, Some(14)]), "▁▄ █");
    }

    #[test]
    fn data_is_measured_and_cut_as_it_is_shown() {
        let evil = "a\u{1b}[2Jb";
        assert_eq!(text(evil), "a\\x1b[2Jb");
        assert_eq!(cols(evil), 9);
        assert_eq!(pad(evil, 12), "a\\x1b[2Jb   ");
        assert_eq!(fit(evil, 5), "a\\x1…");
        assert_eq!(pad("x\ny", 5), "x\\ny ");
        assert_eq!(output_line("a\tb\u{7}"), "a       b\\x07");
    }
}
