//! One output stream made safe as it arrives: raw bytes are decoded as
//! UTF-8 (a character split across reads is joined), terminal control
//! sequences dropped, and secrets redacted — in that order, so a secret
//! interrupted by an escape sequence is still recognised — before the
//! text is split into lines or cut into a stored head and tail.

use super::redact::{Redactor, StreamRedactor};

/// Where the sanitiser is inside an escape sequence.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
enum Escape {
    #[default]
    None,
    /// After ESC.
    Start,
    /// Inside `ESC [ …`, until a final byte in `@..~`.
    Csi,
}

/// Drops control sequences and control characters (keeping newlines and
/// tabs; other controls become U+FFFD), one character at a time.
#[derive(Debug, Clone, Copy, Default)]
struct Sanitizer {
    escape: Escape,
}

impl Sanitizer {
    fn push(&mut self, text: &str, out: &mut String) {
        // Fast path: text without C0 controls, DEL or C1 controls (UTF-8
        // 0xC2 0x80..0x9F; any 0xC2 takes the slow path) is copied whole.
        if self.escape == Escape::None
            && !text
                .bytes()
                .any(|b| (b < 0x20 && b != b'\n' && b != b'\t') || b == 0x7f || b == 0xc2)
        {
            out.push_str(text);
            return;
        }
        for c in text.chars() {
            match self.escape {
                Escape::Start => {
                    self.escape = if c == '[' { Escape::Csi } else { Escape::None };
                }
                Escape::Csi => {
                    if ('@'..='~').contains(&c) {
                        self.escape = Escape::None;
                    }
                }
                Escape::None => match c {
                    '\u{1b}' => self.escape = Escape::Start,
                    '\n' | '\t' => out.push(c),
                    '\r' => {}
                    c if c.is_control() => out.push('\u{fffd}'),
                    c => out.push(c),
                },
            }
        }
    }
}

/// Drop terminal control sequences and other control characters (keeping
/// newlines and tabs), so output can be shown and stored safely.
pub fn sanitize(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    Sanitizer::default().push(s, &mut out);
    out
}

/// Raw bytes in, clean (decoded, sanitised, redacted) text out.
#[derive(Debug, Clone)]
pub struct Cleaner {
    /// The start of a character whose other bytes have not arrived yet.
    incomplete: Vec<u8>,
    sanitizer: Sanitizer,
    redactor: StreamRedactor,
}

impl Cleaner {
    pub fn new(redactor: &Redactor) -> Cleaner {
        Cleaner {
            incomplete: Vec::new(),
            sanitizer: Sanitizer::default(),
            redactor: StreamRedactor::new(redactor.clone()),
        }
    }

    /// The clean text `bytes` complete (possibly empty: held back for now).
    pub fn push(&mut self, bytes: &[u8]) -> String {
        let mut text = String::with_capacity(bytes.len());
        let joined;
        let mut rest: &[u8] = if self.incomplete.is_empty() {
            bytes
        } else {
            joined = [std::mem::take(&mut self.incomplete).as_slice(), bytes].concat();
            &joined
        };
        loop {
            match std::str::from_utf8(rest) {
                Ok(s) => {
                    self.sanitizer.push(s, &mut text);
                    break;
                }
                Err(e) => {
                    let (good, bad) = rest.split_at(e.valid_up_to());
                    // `good` was just validated: the fallback never happens.
                    self.sanitizer
                        .push(std::str::from_utf8(good).unwrap_or_default(), &mut text);
                    match e.error_len() {
                        Some(n) => {
                            text.push('\u{fffd}');
                            rest = &bad[n..];
                        }
                        None => {
                            self.incomplete = bad.to_vec();
                            break;
                        }
                    }
                }
            }
        }
        self.redactor.push(&text)
    }

    /// The end of the stream: whatever was held back, made safe.
    pub fn finish(&mut self) -> String {
        let mut text = String::new();
        if !std::mem::take(&mut self.incomplete).is_empty() {
            text.push('\u{fffd}');
        }
        let mut out = self.redactor.push(&text);
        out.push_str(&self.redactor.finish());
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn clean(secrets: &[&str], pieces: &[&[u8]]) -> String {
        let r = Redactor::with_secrets(secrets.iter().map(|s| s.to_string()).collect());
        let mut c = Cleaner::new(&r);
        let mut out: String = pieces.iter().map(|p| c.push(p)).collect();
        out.push_str(&c.finish());
        out
    }

    #[test]
    fn strips_escapes_and_controls() {
        assert_eq!(sanitize("\u{1b}[31mred\u{1b}[0m ok\r\n\u{7}"), "red ok\n\u{fffd}");
        // C1 controls (a one-character CSI) and DEL too; Latin-1 text stays.
        assert_eq!(sanitize("a\u{9b}2Jb\u{7f} © é"), "a\u{fffd}2Jb\u{fffd} © é");
    }

    #[test]
    fn characters_and_escapes_split_across_reads_are_joined() {
        let raw = "é€ \u{1b}[31mred\u{1b}[0m!".as_bytes();
        for i in 0..=raw.len() {
            assert_eq!(clean(&[], &[&raw[..i], &raw[i..]]), "é€ red!", "split at {i}");
        }
    }

    #[test]
    fn invalid_bytes_become_replacement_characters() {
        assert_eq!(clean(&[], &[b"a\xffb", b"\xe2\x82"]), "a\u{fffd}b\u{fffd}");
    }

    #[test]
    fn a_secret_split_by_an_escape_sequence_or_a_read_is_redacted() {
        let secret = "pa55-wörd-€-42";
        let raw = "x pa55-w\u{1b}[0mörd-€-42 y".as_bytes();
        for i in 0..=raw.len() {
            assert_eq!(clean(&[secret], &[&raw[..i], &raw[i..]]), "x *** y", "split at {i}");
        }
    }
}
