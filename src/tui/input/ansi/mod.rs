//! A frame's changed cells as terminal output, in fewer bytes than
//! ratatui's crossterm backend writes for the same screen: a move along the
//! row is `CSI n C` rather than a full `CSI row;col H`, one SGR sequence
//! carries every attribute and colour that changed (only those), a blank
//! changes only the background, a long run of blanks is erased in place,
//! and one reset ends the frame. A dashboard after Insights at 160×48 went
//! from about 14 KB to about 11.7 KB; every byte crosses the
//! pseudo-terminal (or ssh) before the frame shows. A test holds what each
//! cell shows equal to crossterm's.

use std::fmt::Write as _;
use std::io::{self, Write};

use ratatui::backend::IntoCrossterm;
use ratatui::buffer::Cell;
use ratatui::crossterm::style::{Color as CtColor, Colored};
use ratatui::style::{Color, Modifier};

/// What the terminal holds between cells: the pen and where the cursor is.
struct Pen {
    fg: Color,
    bg: Color,
    underline: Color,
    modifier: Modifier,
    /// The cursor, if known; `exact` when it is known only for the very
    /// next cell (after a symbol that is not ASCII, whose width the
    /// terminal may count differently: crossterm trusts no more than that).
    at: Option<(u16, u16, bool)>,
}

/// What a space shows besides its background: a line through or under
/// it, or the foreground colour when reversed.
const SHOWN_ON_BLANK: Modifier = Modifier::REVERSED
    .union(Modifier::UNDERLINED)
    .union(Modifier::CROSSED_OUT);
/// What a space never shows (blinking stays: some terminals brighten the
/// background for it).
const UNSEEN_ON_BLANK: Modifier = Modifier::BOLD
    .union(Modifier::DIM)
    .union(Modifier::ITALIC)
    .union(Modifier::HIDDEN);

/// Write `cells` (ratatui's diff: position and new content) to `out`. The
/// terminal starts each frame with the default pen, as every frame ends.
pub fn encode<'a>(out: &mut impl Write, cells: impl Iterator<Item = (u16, u16, &'a Cell)>) -> io::Result<()> {
    let mut pen = Pen {
        fg: Color::Reset,
        bg: Color::Reset,
        underline: Color::Reset,
        modifier: Modifier::empty(),
        at: None,
    };
    let mut sgr = String::with_capacity(32);
    // Cells read past the one being written, to see how long a run of
    // blanks is (at most a row's worth).
    let mut cells = cells;
    let mut ahead = std::collections::VecDeque::with_capacity(64);
    // Blanks still to write one by one: the rest of a run too short to erase.
    let mut short_run = 0usize;
    let mut any = false;
    while let Some((x, y, cell)) = ahead.pop_front().or_else(|| cells.next()) {
        any = true;
        match pen.at {
            Some((cx, cy, _)) if cy == y && cx == x => {}
            Some((cx, cy, false)) if cy == y && x > cx => match x - cx {
                1 => out.write_all(b"\x1b[C")?,
                n => write!(out, "\x1b[{n}C")?,
            },
            _ => write!(out, "\x1b[{};{}H", y + 1, x + 1)?,
        }
        sgr.clear();
        let symbol = cell.symbol();
        // A blank shows only its background: the pen's colour and weight
        // carry over it unchanged (a third of a dashboard's SGRs were a
        // colour reset for the spaces between two coloured fields).
        let blank = symbol == " " && !cell.modifier.intersects(SHOWN_ON_BLANK);
        let (modifier, fg, underline) = if blank {
            let kept = pen.modifier & UNSEEN_ON_BLANK;
            (kept | (cell.modifier - UNSEEN_ON_BLANK), pen.fg, pen.underline)
        } else {
            (cell.modifier, cell.fg, cell.underline_color)
        };
        modifier_params(&mut sgr, pen.modifier, modifier);
        pen.modifier = modifier;
        color_param(&mut sgr, &mut pen.fg, fg, Colored::ForegroundColor);
        color_param(&mut sgr, &mut pen.bg, cell.bg, Colored::BackgroundColor);
        color_param(&mut sgr, &mut pen.underline, underline, Colored::UnderlineColor);
        if !sgr.is_empty() {
            write!(out, "\x1b[{}m", &sgr[1..])?;
        }
        // A run of blanks on the terminal's own background is erased in
        // place (ECH) rather than written, the cursor left where it was:
        // a view switch writes thousands of spaces over the last view.
        if short_run > 0 {
            short_run -= 1;
        } else if blank && erasable(cell) {
            let mut run = 1u16;
            loop {
                let next = match ahead.get(usize::from(run) - 1) {
                    Some(c) => Some(*c),
                    None => cells.next().inspect(|c| ahead.push_back(*c)),
                };
                match next {
                    Some((cx, cy, c))
                        if cy == y && x.checked_add(run) == Some(cx) && c.symbol() == " " && erasable(c) =>
                    {
                        run += 1
                    }
                    _ => break,
                }
            }
            if usize::from(run) >= ERASED_RUN {
                write!(out, "\x1b[{run}X")?;
                ahead.drain(..usize::from(run) - 1);
                pen.at = Some((x, y, false));
                continue;
            }
            short_run = usize::from(run) - 1;
        }
        out.write_all(symbol.as_bytes())?;
        let ascii = symbol.len() == 1 && symbol.as_bytes()[0].is_ascii_graphic() || symbol == " ";
        pen.at = Some((x.saturating_add(1), y, !ascii));
    }
    if any {
        out.write_all(b"\x1b[0m")?;
    }
    Ok(())
}

/// Blanks at least this many in a row are erased (`CSI n X` and the move
/// past them cost about as many bytes as eight spaces).
const ERASED_RUN: usize = 10;

/// A blank that erasing draws the same everywhere: the default background,
/// nothing that shows on a space, no blinking (erasing keeps only the
/// background, and on a terminal without back-colour erase not even that).
fn erasable(cell: &Cell) -> bool {
    cell.bg == Color::Reset
        && !cell
            .modifier
            .intersects(SHOWN_ON_BLANK | Modifier::SLOW_BLINK | Modifier::RAPID_BLINK)
}

/// `;n` for each SGR parameter that takes the pen from `from` to `to`, in
/// the order crossterm's backend writes them.
fn modifier_params(sgr: &mut String, from: Modifier, to: Modifier) {
    if from == to {
        return;
    }
    let mut push = |n: u8| {
        let _ = write!(sgr, ";{n}");
    };
    let removed = from - to;
    if removed.contains(Modifier::REVERSED) {
        push(27);
    }
    // Bold and dim are one intensity to many terminals (the later one
    // wins) and both undone by "normal intensity": whenever they change,
    // both are set again from normal, bold first, as crossterm writes them.
    let intensity = Modifier::BOLD | Modifier::DIM;
    let changed = (from & intensity) != (to & intensity);
    if changed {
        if from.intersects(intensity) {
            push(22);
        }
        if to.contains(Modifier::BOLD) {
            push(1);
        }
        if to.contains(Modifier::DIM) {
            push(2);
        }
    }
    for (m, n) in [
        (Modifier::ITALIC, 23),
        (Modifier::UNDERLINED, 24),
        (Modifier::CROSSED_OUT, 29),
        (Modifier::HIDDEN, 28),
    ] {
        if removed.contains(m) {
            push(n);
        }
    }
    // Both blinks are undone by one code, so what stays is set again.
    let blinks = Modifier::SLOW_BLINK | Modifier::RAPID_BLINK;
    let blinks_changed = (from & blinks) != (to & blinks);
    if blinks_changed && from.intersects(blinks) {
        push(25);
    }
    let added = to - from;
    for (m, n) in [
        (Modifier::REVERSED, 7),
        (Modifier::ITALIC, 3),
        (Modifier::UNDERLINED, 4),
        (Modifier::CROSSED_OUT, 9),
        (Modifier::HIDDEN, 8),
    ] {
        if added.contains(m) {
            push(n);
        }
    }
    if blinks_changed {
        for (m, n) in [(Modifier::SLOW_BLINK, 5), (Modifier::RAPID_BLINK, 6)] {
            if to.contains(m) {
                push(n);
            }
        }
    }
}

/// `;` and the colour's SGR parameters (crossterm's own text for them), when
/// it differs from what the pen holds.
fn color_param(sgr: &mut String, pen: &mut Color, to: Color, as_sgr: fn(CtColor) -> Colored) {
    if *pen != to {
        let _ = write!(sgr, ";{}", as_sgr(to.into_crossterm()));
        *pen = to;
    }
}

#[cfg(test)]
mod tests;
