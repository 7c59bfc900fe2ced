//! The one way the CLI writes to stdout and stderr.
//!
//! Human lines go through `inert` as a whole, so whatever a field holds, a
//! line stays one line and no escape sequence reaches the terminal (fields
//! are escaped once more where they are padded, so that widths are counted
//! on what is shown). JSON is written exactly.
//!
//! Writing never panics and never kills relcon: SIGPIPE stays ignored (Rust's
//! default), and the first failed write on a stream marks it lost; later
//! writes to it are skipped while the command carries on, so a deployment
//! whose reader went away (`relcon deploy … | head -1`, a closed terminal, a
//! full disk) still supervises its hook to the end and records the outcome.
//! `exit_code` then turns lost output into a non-zero exit (see there).

use std::io::{self, ErrorKind, Write};
use std::sync::OnceLock;

use crate::domain::inert;

/// The first write error on a stream.
#[derive(Debug, Clone)]
pub struct Lost {
    pub kind: ErrorKind,
    pub message: String,
}

static OUT_LOST: OnceLock<Lost> = OnceLock::new();
static ERR_LOST: OnceLock<Lost> = OnceLock::new();

/// Exit code when the only trouble was a reader that stopped reading: what
/// a shell reports for a command ended by SIGPIPE (128 + 13), as with
/// `… | head` in any pipeline.
pub const EXIT_CLOSED_PIPE: i32 = 141;

#[derive(Clone, Copy)]
enum Stream {
    Out,
    Err,
}

impl Stream {
    fn lost_cell(self) -> &'static OnceLock<Lost> {
        match self {
            Stream::Out => &OUT_LOST,
            Stream::Err => &ERR_LOST,
        }
    }
}

fn write_bytes(s: Stream, bytes: &[u8]) {
    if s.lost_cell().get().is_some() {
        return;
    }
    // Flushed per write, so a full disk is noticed at the line it hits.
    let r = match s {
        Stream::Out => {
            let mut o = io::stdout().lock();
            o.write_all(bytes).and_then(|()| o.flush())
        }
        Stream::Err => {
            let mut e = io::stderr().lock();
            e.write_all(bytes).and_then(|()| e.flush())
        }
    };
    if let Err(e) = r {
        let _ = s.lost_cell().set(Lost {
            kind: e.kind(),
            message: e.to_string(),
        });
    }
}

fn line_bytes(line: &str) -> Vec<u8> {
    let shown = inert(line);
    let mut b = Vec::with_capacity(shown.len() + 1);
    b.extend_from_slice(shown.as_bytes());
    b.push(b'\n');
    b
}

/// One human line on stdout.
pub fn out(line: impl AsRef<str>) {
    write_bytes(Stream::Out, &line_bytes(line.as_ref()));
}

/// A blank line, then `title`: a section of a multi-part report (`out`
/// makes a newline inside a line visible as `\n`, as any control text).
pub fn out_section(title: impl AsRef<str>) {
    out("");
    out(title);
}

/// One human line on stderr.
pub fn err(line: impl AsRef<str>) {
    write_bytes(Stream::Err, &line_bytes(line.as_ref()));
}

/// The lines of text that is multi-line by design. Split on `\n` only, so
/// a stray `\r` is shown (`\r`), not swallowed as part of a line end.
pub(crate) fn split_lines(text: &str) -> impl Iterator<Item = &str> {
    text.strip_suffix('\n').unwrap_or(text).split('\n')
}

/// Several human lines on stdout, each made inert on its own.
pub fn out_lines(text: &str) {
    split_lines(text).for_each(out);
}

/// Several human lines on stderr, each made inert on its own.
pub fn err_lines(text: &str) {
    split_lines(text).for_each(err);
}

/// A prompt on stderr, without a newline (the answer follows on the line).
pub fn prompt(text: &str) {
    write_bytes(Stream::Err, inert(text).as_bytes());
}

/// Exact text on stdout (JSON, which escapes control characters itself).
pub fn out_exact(text: &str) {
    write_bytes(Stream::Out, text.as_bytes());
}

/// Whether stdout can no longer be written: loops that only print stop.
pub fn stdout_lost() -> bool {
    OUT_LOST.get().is_some()
}

/// The exit code of a command that would exit with `code`, given what
/// happened to its output. A failure of the command itself (`code` ≠ 0)
/// wins. Otherwise lost output is an error: 141 when every loss was a
/// closed pipe (the reader stopped reading, as with `| head -1`; quiet),
/// else 1 (a full disk, an I/O error) with a one-line note on stderr
/// while stderr still works.
pub fn exit_code(code: i32) -> i32 {
    decide(code, OUT_LOST.get(), ERR_LOST.get(), &mut |note| err(note))
}

fn decide(code: i32, out: Option<&Lost>, errs: Option<&Lost>, note: &mut dyn FnMut(String)) -> i32 {
    if out.is_none() && errs.is_none() {
        return code;
    }
    if let Some(o) = out.filter(|o| o.kind != ErrorKind::BrokenPipe) {
        note(format!("error: output lost: cannot write to stdout: {}", o.message));
    }
    if code != 0 {
        return code;
    }
    let pipe_only = [out, errs]
        .into_iter()
        .flatten()
        .all(|l| l.kind == ErrorKind::BrokenPipe);
    if pipe_only {
        EXIT_CLOSED_PIPE
    } else {
        1
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lost(kind: ErrorKind) -> Lost {
        Lost {
            kind,
            message: io::Error::from(kind).to_string(),
        }
    }

    #[test]
    fn nothing_lost_keeps_the_code() {
        for c in [0, 1, 3, 4] {
            assert_eq!(decide(c, None, None, &mut |n| panic!("note {n}")), c);
        }
    }

    #[test]
    fn a_closed_pipe_is_141_quietly_and_a_full_disk_is_1_with_a_note() {
        let pipe = lost(ErrorKind::BrokenPipe);
        assert_eq!(decide(0, Some(&pipe), None, &mut |n| panic!("note {n}")), 141);
        assert_eq!(decide(0, None, Some(&pipe), &mut |n| panic!("note {n}")), 141);
        let full = lost(ErrorKind::StorageFull);
        let mut notes = Vec::new();
        assert_eq!(decide(0, Some(&full), None, &mut |n| notes.push(n)), 1);
        assert_eq!(notes.len(), 1);
        assert!(notes[0].contains("stdout"), "{notes:?}");
        assert_eq!(decide(0, None, Some(&full), &mut |_| {}), 1);
    }

    #[test]
    fn the_commands_own_failure_wins() {
        let pipe = lost(ErrorKind::BrokenPipe);
        assert_eq!(decide(4, Some(&pipe), Some(&pipe), &mut |_| {}), 4);
        assert_eq!(decide(3, Some(&lost(ErrorKind::StorageFull)), None, &mut |_| {}), 3);
    }

    #[test]
    fn multi_line_text_keeps_a_stray_carriage_return_visible() {
        assert_eq!(split_lines("a\r\nb\n").collect::<Vec<_>>(), ["a\r", "b"]);
        assert_eq!(split_lines("").collect::<Vec<_>>(), [""]);
    }

    #[test]
    fn a_line_is_one_line_whatever_it_holds() {
        assert_eq!(line_bytes("a\nb\u{1b}[2J\r"), b"a\\nb\\x1b[2J\\r\n");
    }
}
