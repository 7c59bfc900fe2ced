//! A frame's changed cells as terminal output, in fewer bytes than
//! ratatui's crossterm backend writes for the same screen: a move along the
//! row is `CSI n C` rather than a full `CSI row;col H`, one SGR sequence
//! carries every attribute and colour that changed (only those), and one
//! reset ends the frame. A view switch at 160×48 went from about 14 KB to
//! about 10 KB; every byte crosses the pseudo-terminal (or ssh) before the
//! frame shows. A test holds the screen it leaves equal to crossterm's.

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
mod tests {
    use ratatui::backend::{Backend, CrosstermBackend};
    use ratatui::buffer::Buffer;
    use ratatui::layout::Rect;
    use ratatui::style::Style;

    use super::*;

    /// A little generator, so the test needs no crate and fails the same way twice.
    struct Rng(u64);
    impl Rng {
        fn next(&mut self, n: u64) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0 % n
        }
    }

    const SYMBOLS: [&str; 9] = [" ", "a", "Z", "─", "│", "▸", "漢", "●", "~"];
    const COLORS: [Color; 6] = [
        Color::Reset,
        Color::Cyan,
        Color::Indexed(8),
        Color::Rgb(42, 59, 77),
        Color::LightRed,
        Color::Gray,
    ];
    const MODS: [Modifier; 6] = [
        Modifier::empty(),
        Modifier::BOLD,
        Modifier::DIM,
        Modifier::REVERSED,
        Modifier::UNDERLINED,
        Modifier::ITALIC,
    ];

    /// `base` with about `change` % of its cells drawn anew (as a key's
    /// frame changes some of the last one).
    fn random_buffer(rng: &mut Rng, base: &Buffer, change: u64) -> Buffer {
        let area = base.area;
        let mut b = base.clone();
        for y in 0..area.height {
            let mut x = 0;
            while x < area.width {
                if rng.next(100) >= change {
                    x += 1;
                    continue;
                }
                let s = SYMBOLS[rng.next(SYMBOLS.len() as u64) as usize];
                if s == "漢" && x + 1 >= area.width {
                    x += 1;
                    continue;
                }
                let m = MODS[rng.next(6) as usize] | MODS[rng.next(6) as usize];
                let style = Style::new()
                    .fg(COLORS[rng.next(6) as usize])
                    .bg(COLORS[rng.next(3) as usize])
                    .add_modifier(m);
                b.set_string(x, y, s, style);
                // Bold and dim at once (a style adds to the cell's) read as
                // whichever came last on a terminal with one intensity
                // (vt100 here): crossterm's screen then depends on its
                // pen's history. relcon's styles never ask for both.
                let cell = &mut b[(x, y)];
                if cell.modifier.contains(Modifier::BOLD | Modifier::DIM) {
                    cell.modifier.remove(Modifier::DIM);
                }
                x += if s == "漢" { 2 } else { 1 };
            }
        }
        b
    }

    /// `base` with a blank stretch (the default cell) in about half its
    /// rows, as a view switch leaves where the last view had text.
    fn blanked(rng: &mut Rng, base: &Buffer) -> Buffer {
        let area = base.area;
        let mut b = base.clone();
        for y in 0..area.height {
            if rng.next(2) == 0 {
                continue;
            }
            let from = rng.next(u64::from(area.width)) as u16;
            let to = from + rng.next(u64::from(area.width - from) + 1) as u16;
            for x in from..to {
                b[(x, y)] = Cell::default();
            }
        }
        b
    }

    /// Each frame drawn as a diff against the one before, through `draw`,
    /// into a terminal: its screen after each frame, and the bytes sent.
    fn replay(frames: &[Buffer], draw: &dyn Fn(&Buffer, &Buffer, &mut Vec<u8>)) -> (Vec<vt100::Screen>, usize) {
        let area = frames[0].area;
        let mut parser = vt100::Parser::new(area.height, area.width, 0);
        let (mut screens, mut bytes) = (Vec::new(), 0);
        let mut prev = Buffer::empty(area);
        for f in frames {
            let mut out = Vec::new();
            draw(&prev, f, &mut out);
            bytes += out.len();
            parser.process(&out);
            screens.push(parser.screen().clone());
            prev = f.clone();
        }
        (screens, bytes)
    }

    #[test]
    fn the_screen_is_the_one_crosstermbackend_leaves_in_fewer_bytes() {
        let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
        let mut erased = false;
        for (w, h) in [(40u16, 12u16), (160, 48), (7, 3)] {
            let area = Rect::new(0, 0, w, h);
            // Frames that change little, some, and all of the last one.
            let mut frames = vec![Buffer::empty(area)];
            for c in [3, 30, 100, 8, 60, 1, 100, 2, 15, 0, 100, 5, 0] {
                let last = frames.last().unwrap();
                // 0: blank stretches over the last frame.
                let next = match c {
                    0 => blanked(&mut rng, last),
                    c => random_buffer(&mut rng, last, c),
                };
                frames.push(next);
            }
            let (ours, our_bytes) = replay(&frames, &|prev, next, out| {
                encode(out, prev.diff(next).into_iter()).unwrap();
            });
            let (theirs, their_bytes) = replay(&frames, &|prev, next, out| {
                let mut b = CrosstermBackend::new(&mut *out);
                b.draw(prev.diff(next).into_iter()).unwrap();
            });
            for (i, (a, b)) in ours.iter().zip(&theirs).enumerate() {
                for y in 0..h {
                    for x in 0..w {
                        let (c, d) = (a.cell(y, x).unwrap(), b.cell(y, x).unwrap());
                        let at = format!("{w}x{h}, frame {i}, at {x},{y}");
                        // An erased cell holds nothing where a written one holds a space.
                        fn shown(c: &vt100::Cell) -> &str {
                            match c.contents() {
                                "" if !c.is_wide_continuation() => " ",
                                s => s,
                            }
                        }
                        assert_eq!(shown(c), shown(d), "{at}");
                        assert_eq!(c.bgcolor(), d.bgcolor(), "{at}");
                        assert_eq!((c.underline(), c.inverse()), (d.underline(), d.inverse()), "{at}");
                        // A blank shows its background (and a line under
                        // it, or its colour reversed): nothing else of it.
                        let blank = matches!(d.contents(), " " | "") && !d.underline() && !d.inverse();
                        if blank {
                            continue;
                        }
                        assert_eq!(c.fgcolor(), d.fgcolor(), "{at}");
                        assert_eq!(
                            (c.bold(), c.dim(), c.italic(), c.underline(), c.inverse()),
                            (d.bold(), d.dim(), d.italic(), d.underline(), d.inverse()),
                            "{at}"
                        );
                    }
                }
                // The pen is back to the default after a frame, as crossterm leaves it.
                assert_eq!(a.attributes_formatted(), b.attributes_formatted(), "{w}x{h}, frame {i}");
            }
            erased |= ours_erase(&frames);
            assert!(
                our_bytes < their_bytes,
                "{w}x{h}: {our_bytes} bytes, crossterm {their_bytes}"
            );
        }
        assert!(erased, "no frame erased a run of blanks: the test misses that path");
    }

    /// Whether encoding `frames` erased a run of blanks anywhere.
    fn ours_erase(frames: &[Buffer]) -> bool {
        frames.windows(2).any(|f| {
            let mut out = Vec::new();
            encode(&mut out, f[0].diff(&f[1]).into_iter()).unwrap();
            let text = String::from_utf8_lossy(&out);
            text.split("\x1b[").any(|seq| {
                let digits = seq.bytes().take_while(u8::is_ascii_digit).count();
                digits > 0 && seq.as_bytes().get(digits) == Some(&b'X')
            })
        })
    }

    #[test]
    fn a_frame_with_nothing_changed_writes_nothing() {
        let mut out = Vec::new();
        encode(&mut out, std::iter::empty()).unwrap();
        assert!(out.is_empty());
    }
}
