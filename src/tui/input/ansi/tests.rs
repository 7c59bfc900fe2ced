//! The encoder against crossterm's backend, through a terminal emulator.

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
