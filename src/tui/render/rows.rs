//! Lines drawn one per row and inert: what the views draw tables, cards and
//! panels with. The cells are those of `Paragraph::new(inert_lines(lines))`
//! without wrapping (a test holds them equal); the cost is not. A span of
//! printable ASCII — nearly every field relcon shows — goes straight into
//! its cells, without grapheme segmentation, width tables or a reflow pass,
//! which were most of a full-screen frame's time (a key's frame is drawn
//! while the person waits for it).

use ratatui::buffer::{Buffer, CellWidth};
use ratatui::layout::{Alignment, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Widget;

use crate::domain::inert::inert;

/// `lines` from the top of the area (after skipping `scroll` of them), one
/// per row, cut at the right edge.
pub struct Rows<'a> {
    lines: &'a [Line<'a>],
    scroll: usize,
}

impl<'a> Rows<'a> {
    pub fn new(lines: &'a [Line<'a>]) -> Self {
        Rows { lines, scroll: 0 }
    }

    /// Start `n` lines down (a scrolled pane).
    pub fn scroll(self, n: usize) -> Self {
        Rows { scroll: n, ..self }
    }
}

impl Widget for Rows<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let area = area.intersection(buf.area);
        for (line, y) in self.lines.iter().skip(self.scroll).zip(area.top()..area.bottom()) {
            put_line(buf, area.x, y, area.width, line);
        }
    }
}

/// One line into row `y` from column `x`, at most `width` columns: cut
/// where the next character would not fit whole, aligned on what is left.
pub fn put_line(buf: &mut Buffer, x: u16, y: u16, width: u16, line: &Line) {
    if !(buf.area.top()..buf.area.bottom()).contains(&y) || x < buf.area.left() {
        return;
    }
    let width = width.min(buf.area.right().saturating_sub(x));
    let offset = match line.alignment {
        Some(Alignment::Center) => (width / 2).saturating_sub(walk(line, width, |_, _, _| {}) / 2),
        Some(Alignment::Right) => width.saturating_sub(walk(line, width, |_, _, _| {})),
        _ => 0,
    };
    // The cut line fits after the offset (the offset is what it leaves free).
    let start = buf.index_of(x, y) + offset as usize;
    walk(line, width, |col, symbol, style| {
        buf.content[start + col as usize].set_symbol(symbol).set_style(style);
    });
}

/// Walk `line` cut to `width` columns as a `Paragraph` cuts it: each
/// character with its column and style; returns the columns it takes.
/// A span of printable ASCII is one cell per byte, with no grapheme or
/// width lookups; any other span is made inert first.
fn walk(line: &Line, width: u16, mut put: impl FnMut(u16, &str, Style)) -> u16 {
    let mut used = 0u16;
    for span in &line.spans {
        let style = line.style.patch(span.style);
        let text = span.content.as_ref();
        if printable_ascii(text) {
            let n = text.len().min((width - used) as usize);
            for i in 0..n {
                put(used + i as u16, &text[i..=i], style);
            }
            used += n as u16;
            if n < text.len() {
                return used;
            }
            continue;
        }
        for g in Span::raw(inert(text).as_ref()).styled_graphemes(style) {
            let w = g.symbol.cell_width();
            if w == 0 || w > width {
                continue;
            }
            if used + w > width {
                return used;
            }
            put(used, g.symbol, g.style);
            used += w;
        }
    }
    used
}

/// Only printable ASCII: one cell per byte, nothing to segment or make inert.
pub fn printable_ascii(s: &str) -> bool {
    s.bytes().all(|b| (0x20..0x7f).contains(&b))
}

#[cfg(test)]
mod tests {
    use ratatui::style::{Color, Modifier, Style};
    use ratatui::text::Span;
    use ratatui::widgets::{Block, Paragraph};

    use super::*;
    use crate::tui::render::format::inert_lines;

    fn lines() -> Vec<Line<'static>> {
        vec![
            Line::from("plain ascii that is much longer than the area is wide, so it is cut"),
            Line::from(vec![
                Span::styled("▸ ", Style::new().fg(Color::Cyan)),
                Span::styled("v42", Style::new().bold()),
                Span::raw(" · "),
                Span::styled("deployed by ann", Style::new().fg(Color::Gray)),
            ])
            .style(Style::new().bg(Color::Blue)),
            Line::from("evil \u{1b}]0;title\u{7} and \u{202e}rtl\nnext"),
            Line::from(vec![
                Span::raw("wide 漢字漢字漢字漢字漢字漢字漢字漢字漢字漢字漢字漢字"),
                Span::raw("after"),
            ]),
            Line::from("emoji 🚀 and e\u{301} combined"),
            Line::styled(" / filter · esc clear ", Style::new().italic()).right_aligned(),
            Line::from("centred").centered(),
            Line::from(""),
            Line::from(vec![
                Span::raw("a"),
                Span::raw(""),
                Span::styled("b", Modifier::REVERSED),
            ]),
            Line::from("past the bottom"),
        ]
    }

    fn draw(w: u16, h: u16, widget: impl FnOnce(Rect, &mut Buffer)) -> Buffer {
        let area = Rect::new(0, 0, w, h);
        let mut buf = Buffer::empty(area);
        // As in a frame: the view's background first, the text in a block.
        Block::bordered()
            .style(Style::new().bg(Color::Black).fg(Color::White))
            .render(area, &mut buf);
        widget(Rect::new(1, 1, w - 2, h - 2), &mut buf);
        buf
    }

    #[test]
    fn the_same_cells_as_a_paragraph_of_inert_lines() {
        for (w, h, scroll) in [(40u16, 9u16, 0usize), (31, 12, 0), (40, 9, 2), (12, 6, 1), (80, 14, 0)] {
            let l = lines();
            let want = draw(w, h, |a, b| {
                Paragraph::new(inert_lines(l.clone()))
                    .scroll((scroll as u16, 0))
                    .render(a, b)
            });
            let have = draw(w, h, |a, b| Rows::new(&l).scroll(scroll).render(a, b));
            assert_eq!(have, want, "{w}x{h} scrolled {scroll}");
        }
    }

    #[test]
    fn hazards_never_reach_a_cell_raw() {
        let l = lines();
        let buf = draw(60, 8, |a, b| Rows::new(&l).render(a, b));
        let all: String = buf.content.iter().map(|c| c.symbol()).collect();
        assert!(all.contains("\\x1b]0;title\\x07"), "{all}");
        assert!(!all.contains('\u{1b}') && !all.contains('\u{202e}') && !all.contains('\n'));
    }
}
