//! Live hook output: clean text split into lines for display, each line
//! bounded, and the number of lines bounded by a budget so a hook printing
//! gigabytes cannot flood (or fill the memory of) whatever shows them. The
//! stored output (`Capture`) is not affected by the budget.

use std::time::{Duration, Instant};

use super::capture::floor_char_boundary;

/// Longest line shown, in characters.
const MAX_LINE: usize = 1000;
/// Output without newlines is split into lines of at most this many bytes.
const SPLIT_AT: usize = 4 * MAX_LINE;
/// Lines shown at once before the budget applies, and lines per second after.
const BURST: f64 = 2000.0;
const PER_SECOND: f64 = 500.0;

/// A token bucket of lines; lines over it are counted, not shown.
pub(crate) struct LiveBudget {
    tokens: f64,
    refilled: Instant,
    skipped: u64,
    /// When lines not shown were last reported (at most once a second).
    reported: Instant,
}

impl Default for LiveBudget {
    fn default() -> Self {
        LiveBudget {
            tokens: BURST,
            refilled: Instant::now(),
            skipped: 0,
            reported: Instant::now(),
        }
    }
}

impl LiveBudget {
    /// Called once per chunk of output (not per line: the clock is not free).
    pub fn refill(&mut self) {
        let now = Instant::now();
        let gained = now.duration_since(self.refilled).as_secs_f64() * PER_SECOND;
        self.tokens = (self.tokens + gained).min(BURST);
        self.refilled = now;
    }

    fn admit(&mut self) -> bool {
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            true
        } else {
            self.skipped += 1;
            false
        }
    }

    /// Say how many lines were not shown, if any were and the consumer
    /// takes the note (else the count is kept for the next note).
    pub fn report_skipped(&mut self, emit: &mut dyn FnMut(String) -> bool) {
        if self.skipped > 0 && emit(skipped_note(self.skipped)) {
            self.skipped = 0;
            self.reported = Instant::now();
        }
    }

    /// The lines skipped and not yet reported (the count is reset).
    pub fn take_skipped(&mut self) -> u64 {
        std::mem::take(&mut self.skipped)
    }
}

/// The live line that stands for `n` lines not shown.
pub(crate) fn skipped_note(n: u64) -> String {
    format!("… {n} lines not shown (output faster than it can be displayed; the stored output keeps its first and last 32 KiB)")
}

/// Splits one stream of clean text into lines for live display, bounding
/// line length so output without newlines still flows.
#[derive(Default)]
pub(crate) struct LineSplitter {
    partial: String,
}

impl LineSplitter {
    /// `emit` says whether it took the line; a line it refuses (its queue
    /// is full: the consumer lags) is counted as not shown.
    pub fn push(&mut self, text: &str, budget: &mut LiveBudget, emit: &mut dyn FnMut(String) -> bool) {
        let mut rest = text;
        while !rest.is_empty() {
            let nl = rest.find('\n');
            let piece = nl.unwrap_or(rest.len());
            let room = SPLIT_AT.saturating_sub(self.partial.len());
            if piece > room {
                let cut = floor_char_boundary(rest, room);
                self.partial.push_str(&rest[..cut]);
                self.flush(budget, emit);
                rest = &rest[cut..];
                continue;
            }
            self.partial.push_str(&rest[..piece]);
            match nl {
                Some(i) => {
                    self.flush(budget, emit);
                    rest = &rest[i + 1..];
                }
                None => break,
            }
        }
    }

    /// Hand on the line being built (blank lines are not shown).
    pub fn flush(&mut self, budget: &mut LiveBudget, emit: &mut dyn FnMut(String) -> bool) {
        if self.partial.is_empty() {
            return;
        }
        if budget.admit() {
            if budget.reported.elapsed() >= Duration::from_secs(1) {
                budget.report_skipped(emit);
            }
            let mut line = std::mem::take(&mut self.partial);
            if let Some((cut, _)) = line.char_indices().nth(MAX_LINE) {
                line.truncate(cut);
                line.push('…');
            }
            if !emit(line) {
                budget.skipped += 1;
            }
        } else {
            self.partial.clear();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split(pieces: &[&str], budget: &mut LiveBudget) -> Vec<String> {
        let mut lines = Vec::new();
        let mut s = LineSplitter::default();
        let mut take = |l| {
            lines.push(l);
            true
        };
        for p in pieces {
            s.push(p, budget, &mut take);
        }
        s.flush(budget, &mut take);
        budget.report_skipped(&mut take);
        lines
    }

    #[test]
    fn lines_are_joined_across_pieces_and_blank_lines_dropped() {
        let lines = split(&["one\ntw", "o\n\nthr", "ee"], &mut LiveBudget::default());
        assert_eq!(lines, ["one", "two", "three"]);
    }

    #[test]
    fn long_output_is_split_without_losing_a_byte() {
        let text = "é".repeat(5000);
        let lines = split(&[&text], &mut LiveBudget::default());
        // 2 bytes each: 2000 per split line, shown as 1000 and an ellipsis.
        assert_eq!(lines.len(), 3);
        assert!(lines.iter().all(|l| l.chars().count() <= MAX_LINE + 1));
    }

    #[test]
    fn lines_the_consumer_cannot_take_are_counted() {
        let mut budget = LiveBudget::default();
        let mut s = LineSplitter::default();
        let mut taken = 0;
        let mut full_after_3 = |_l: String| {
            taken += 1;
            taken <= 3
        };
        s.push("1\n2\n3\n4\n5\n", &mut budget, &mut full_after_3);
        assert_eq!(budget.take_skipped(), 2);
        assert_eq!(budget.take_skipped(), 0);
    }

    #[test]
    fn lines_over_the_budget_are_counted_and_reported() {
        let mut budget = LiveBudget::default();
        let text = "x\n".repeat(BURST as usize + 500);
        let lines = split(&[&text], &mut budget);
        // The burst is shown, the rest is one line saying how many.
        assert_eq!(lines.len(), BURST as usize + 1);
        assert!(
            lines.last().is_some_and(|l| l.starts_with("… 500 lines not shown")),
            "{:?}",
            lines.last()
        );
    }
}
