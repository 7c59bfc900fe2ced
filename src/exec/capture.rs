//! Bounded, sanitised capture of hook output: the first and last 32 KiB are
//! kept, the middle summarised, so a hook printing 5 MB (or binary) neither
//! bloats the ledger nor garbles the terminal.

const KEEP: usize = 32 * 1024;

#[derive(Default)]
pub struct Capture {
    head: Vec<u8>,
    tail: std::collections::VecDeque<u8>,
    total: u64,
}

impl Capture {
    pub fn push(&mut self, bytes: &[u8]) {
        self.total += bytes.len() as u64;
        let room = KEEP.saturating_sub(self.head.len());
        let (h, rest) = bytes.split_at(room.min(bytes.len()));
        self.head.extend_from_slice(h);
        for b in rest {
            if self.tail.len() == KEEP {
                self.tail.pop_front();
            }
            self.tail.push_back(*b);
        }
    }

    pub fn total(&self) -> u64 {
        self.total
    }

    /// The kept text, sanitised; the omitted middle is named by size.
    pub fn text(&self) -> String {
        let mut head: &[u8] = &self.head;
        let tail: Vec<u8> = self.tail.iter().copied().collect();
        let mut tail: &[u8] = &tail;
        let kept = (head.len() + tail.len()) as u64;
        if self.total > kept {
            // Cut at line ends around the gap, so no line (and no secret on
            // it, which redaction could then no longer recognise) is kept
            // in pieces.
            if let Some(i) = head.iter().rposition(|&b| b == b'\n') {
                head = &head[..=i];
            }
            if let Some(i) = tail.iter().position(|&b| b == b'\n') {
                tail = &tail[i + 1..];
            }
        }
        let kept = (head.len() + tail.len()) as u64;
        let mut out = sanitize(&String::from_utf8_lossy(head));
        if self.total > kept {
            out.push_str(&format!("\n… [{} bytes of output omitted] …\n", self.total - kept));
        }
        out.push_str(&sanitize(&String::from_utf8_lossy(tail)));
        out
    }
}

/// Drop terminal control sequences and other control characters (keeping
/// newlines and tabs), so output can be shown and stored safely.
pub fn sanitize(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\u{1b}' => {
                // CSI: ESC [ … final byte in @..~ ; other escapes: drop the next char.
                if chars.peek() == Some(&'[') {
                    chars.next();
                    for n in chars.by_ref() {
                        if ('@'..='~').contains(&n) {
                            break;
                        }
                    }
                } else {
                    chars.next();
                }
            }
            '\n' | '\t' => out.push(c),
            '\r' => {}
            c if c.is_control() => out.push('\u{fffd}'),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_head_and_tail_of_huge_output() {
        let mut c = Capture::default();
        for i in 0..100_000 {
            c.push(format!("line {i}\n").as_bytes());
        }
        let t = c.text();
        assert!(t.starts_with("line 0\n"));
        assert!(t.ends_with("line 99999\n"));
        assert!(t.contains("bytes of output omitted"));
        assert!(t.len() < 3 * KEEP);
    }

    #[test]
    fn strips_escapes_and_controls() {
        assert_eq!(sanitize("\u{1b}[31mred\u{1b}[0m ok\r\n\u{7}"), "red ok\n\u{fffd}");
    }
}
