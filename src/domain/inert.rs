//! Text shown to a person is inert (DESIGN §10): a field — a user name, a
//! reason, a health endpoint's text — can never clear the screen, set the
//! title, write the clipboard, reorder a line or start a new (fake) one.
//! Every character that could do so is shown as an escape instead:
//! `\x1b`, `\n`, `\r`, `\t`, `\x07`, `\u{9b}`, `\u{202e}` …
//!
//! `inert` is idempotent (its output has nothing left to escape), so a field
//! escaped once can pass through a line writer that escapes again.
//! Backslashes are left as they are: `--json` is the exact form.

use std::borrow::Cow;
use std::fmt::Write;

/// Whether `c` must not reach a terminal raw: C0 controls and DEL, C1
/// controls (U+0080–U+009F, e.g. the one-byte CSI U+009B), the bidi
/// embeddings, overrides and isolates and the invisible bidi marks, and the
/// Unicode line and paragraph separators.
pub fn is_hazard(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{061C}' | '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{2028}' | '\u{2029}'
        )
}

/// `s` with every hazard escaped; borrowed (no copy) when there is none.
pub fn inert(s: &str) -> Cow<'_, str> {
    if !s.chars().any(is_hazard) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 16);
    for c in s.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if is_hazard(c) && c.is_ascii() => {
                let _ = write!(out, "\\x{:02x}", c as u32);
            }
            c if is_hazard(c) => {
                let _ = write!(out, "\\u{{{:x}}}", c as u32);
            }
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// A line of a hook's output: there, tabs are layout, not data, so they are
/// expanded to 8-column stops (counted in characters) before the line is
/// made inert.
pub fn expand_tabs(s: &str) -> Cow<'_, str> {
    if !s.contains('\t') {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    let mut col = 0;
    for c in s.chars() {
        if c == '\t' {
            let n = 8 - col % 8;
            out.extend(std::iter::repeat_n(' ', n));
            col += n;
        } else {
            out.push(c);
            col += 1;
        }
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_text_is_borrowed_untouched() {
        for s in [
            "",
            "dana.kim@example.com",
            "rollback: 5xx on /checkout ✖ ünïcödé 漢字",
            "a\\x1b",
        ] {
            assert!(matches!(inert(s), Cow::Borrowed(_)), "{s}");
            assert_eq!(inert(s), s);
        }
    }

    #[test]
    fn every_hazard_is_shown_as_an_escape() {
        let cases = [
            ("\u{1b}]0;pwned\u{7}", "\\x1b]0;pwned\\x07"),
            ("\u{1b}[2J", "\\x1b[2J"),
            ("\u{1b}]52;c;cHduZWQ=\u{7}", "\\x1b]52;c;cHduZWQ=\\x07"),
            ("a\nb\rc\td", "a\\nb\\rc\\td"),
            ("nul\u{0}del\u{7f}", "nul\\x00del\\x7f"),
            ("c1 \u{9b}31m \u{85}", "c1 \\u{9b}31m \\u{85}"),
            ("\u{202e}evil\u{202c}", "\\u{202e}evil\\u{202c}"),
            (
                "\u{2066}\u{2069}\u{200f}\u{2028}",
                "\\u{2066}\\u{2069}\\u{200f}\\u{2028}",
            ),
        ];
        for (raw, shown) in cases {
            assert_eq!(inert(raw), shown, "{raw:?}");
        }
    }

    #[test]
    fn output_has_no_hazard_and_escaping_twice_changes_nothing() {
        let all: String = (0u32..0x3000).filter_map(char::from_u32).collect();
        let once = inert(&all).into_owned();
        assert!(!once.chars().any(is_hazard));
        assert_eq!(inert(&once), once.as_str());
    }

    #[test]
    fn tabs_in_hook_output_are_layout() {
        assert_eq!(expand_tabs("a\tbc\td"), "a       bc      d");
        assert_eq!(expand_tabs("none"), "none");
        assert_eq!(inert(&expand_tabs("x\t\u{7}")), "x       \\x07");
    }
}
