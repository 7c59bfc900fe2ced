//! Bounded capture of hook output: the first and last 32 KiB are kept, the
//! middle summarised, so a hook printing 5 MB (or binary) neither bloats the
//! ledger nor garbles the terminal. It receives text that is already clean
//! (sanitised and redacted, see `clean`), so wherever it cuts, no piece of a
//! secret can be left behind.

use std::collections::VecDeque;

const KEEP: usize = 32 * 1024;

#[derive(Default)]
pub struct Capture {
    head: String,
    /// Once anything went to the tail, the head is closed (order is kept).
    head_closed: bool,
    tail: VecDeque<u8>,
    total: u64,
}

impl Capture {
    pub fn push(&mut self, text: &str) {
        self.total += text.len() as u64;
        let mut rest = text;
        if !self.head_closed {
            let cut = floor_char_boundary(text, KEEP - self.head.len());
            self.head.push_str(&text[..cut]);
            rest = &text[cut..];
            self.head_closed = !rest.is_empty();
        }
        let rest = &rest.as_bytes()[rest.len().saturating_sub(KEEP)..];
        let excess = (self.tail.len() + rest.len()).saturating_sub(KEEP);
        self.tail.drain(..excess);
        self.tail.extend(rest);
    }

    /// The kept text; the omitted middle is named by size.
    pub fn text(&self) -> String {
        let mut head: &str = &self.head;
        let tail_bytes: Vec<u8> = self.tail.iter().copied().collect();
        // The tail may start inside a character: skip its continuation bytes.
        let start = tail_bytes
            .iter()
            .position(|&b| (b & 0xC0) != 0x80)
            .unwrap_or(tail_bytes.len());
        let tail_text = String::from_utf8_lossy(&tail_bytes[start..]);
        let mut tail: &str = &tail_text;
        if self.total > (head.len() + tail_bytes.len()) as u64 {
            // Cut at line ends around the gap, so no line is kept in pieces.
            if let Some(i) = head.rfind('\n') {
                head = &head[..=i];
            }
            if let Some(i) = tail.find('\n') {
                tail = &tail[i + 1..];
            }
        }
        let kept = (head.len() + tail.len()) as u64;
        let mut out = head.to_string();
        if self.total > kept {
            out.push_str(&format!("\n… [{} bytes of output omitted] …\n", self.total - kept));
        }
        out.push_str(tail);
        out
    }
}

/// The largest index ≤ `at` that is a character boundary of `s`.
pub(crate) fn floor_char_boundary(s: &str, at: usize) -> usize {
    if at >= s.len() {
        return s.len();
    }
    (0..=at).rev().find(|&i| s.is_char_boundary(i)).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_head_and_tail_of_huge_output() {
        let mut c = Capture::default();
        for i in 0..100_000 {
            c.push(&format!("line {i}\n"));
        }
        let t = c.text();
        assert!(t.starts_with("line 0\n"));
        assert!(t.ends_with("line 99999\n"));
        assert!(t.contains("bytes of output omitted"));
        assert!(t.len() < 3 * KEEP);
    }

    #[test]
    fn small_output_is_kept_whole_and_in_order() {
        let mut c = Capture::default();
        c.push("é€");
        c.push(" and more");
        assert_eq!(c.text(), "é€ and more");
    }

    #[test]
    fn cuts_never_split_a_character() {
        let mut c = Capture::default();
        for _ in 0..50_000 {
            c.push("€");
        }
        let t = c.text();
        assert!(!t.contains('\u{fffd}'), "a character was cut");
        assert!(t.starts_with('€') && t.ends_with('€'));
    }
}
