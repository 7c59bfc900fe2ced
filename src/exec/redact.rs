//! Secrets are read from named environment variables at run time and
//! replaced with `***` in everything relcon shows or stores.
//!
//! Output arrives in pieces (pipe reads, lines, the stored head and tail),
//! so redaction is streaming: [`StreamRedactor`] holds back any tail that
//! could still grow into a secret, and only hands on text in which no secret
//! can straddle the point where it was cut.

const MARK: &str = "***";

#[derive(Debug, Clone, Default)]
pub struct Redactor {
    /// Longest first; every one at least 4 characters.
    secrets: Vec<String>,
}

impl Redactor {
    /// Collect the current values of the named variables. Values shorter than
    /// 4 characters are ignored: redacting "1" would mangle every number.
    pub fn from_env(names: &[String]) -> Redactor {
        Redactor::with_secrets(names.iter().filter_map(|n| std::env::var(n).ok()).collect())
    }

    pub fn with_secrets(values: Vec<String>) -> Redactor {
        let mut secrets = Vec::new();
        for v in values {
            // Output is sanitised before it is redacted, so a secret holding
            // control characters is looked for as it will appear.
            let shown = super::clean::sanitize(&v);
            secrets.push(v);
            secrets.push(shown);
        }
        secrets.retain(|s| s.chars().count() >= 4);
        secrets.sort_by_key(|s| std::cmp::Reverse(s.len()));
        secrets.dedup();
        Redactor { secrets }
    }

    pub fn is_empty(&self) -> bool {
        self.secrets.is_empty()
    }

    /// Every secret replaced. Overlapping secrets are replaced as one span,
    /// so no piece of either survives between two markers.
    pub fn redact(&self, text: &str) -> String {
        let spans = self.spans(text);
        replace(text, &spans)
    }

    /// Byte ranges of every occurrence of every secret, overlapping
    /// occurrences of one secret included (`abcXabc` in `abcXabcXabc`);
    /// overlapping ranges merged (adjacent ones stay two markers).
    fn spans(&self, text: &str) -> Vec<(usize, usize)> {
        let mut found = Vec::new();
        for s in &self.secrets {
            let Some(first) = s.chars().next() else { continue };
            let mut from = 0;
            // Jump from one occurrence of the first character to the next
            // (a memchr), which is much faster on long output than a
            // substring search; every candidate start is tried, so
            // overlapping occurrences are all found.
            while let Some(i) = text[from..].find(first) {
                let at = from + i;
                if text[at..].starts_with(s.as_str()) {
                    found.push((at, at + s.len()));
                }
                from = at + first.len_utf8();
            }
        }
        merge(found)
    }

    /// Where the longest tail of `text` that is the start of some secret
    /// (but not all of it) begins; `text.len()` when there is none.
    fn partial_from(&self, text: &str) -> usize {
        let b = text.as_bytes();
        let mut from = b.len();
        for s in &self.secrets {
            let sb = s.as_bytes();
            let lo = b.len().saturating_sub(sb.len() - 1);
            // Byte-wise is enough: a match starts where the secret's first
            // (UTF-8 leading) byte is, so always on a character boundary.
            if let Some(i) = (lo..from).find(|&i| sb.starts_with(&b[i..])) {
                from = i;
            }
        }
        from
    }
}

fn replace(text: &str, spans: &[(usize, usize)]) -> String {
    emit(text, 0, text.len(), spans)
}

/// `text[from..to]` with every span in it replaced by the marker; a span
/// that began before `from` continues a marker already shown.
fn emit(text: &str, from: usize, to: usize, spans: &[(usize, usize)]) -> String {
    let mut out = String::with_capacity(to - from);
    let mut at = from;
    for &(s, e) in spans {
        if e <= from {
            continue;
        }
        if s >= to {
            break;
        }
        out.push_str(&text[at..s.max(from)]);
        if s >= from {
            out.push_str(MARK);
        }
        at = e.min(to);
    }
    out.push_str(&text[at..to]);
    out
}

/// Sort `spans` and merge those that overlap (adjacent ones stay apart).
fn merge(mut spans: Vec<(usize, usize)>) -> Vec<(usize, usize)> {
    spans.sort_unstable();
    let mut merged: Vec<(usize, usize)> = Vec::with_capacity(spans.len());
    for (s, e) in spans {
        match merged.last_mut() {
            Some(last) if s < last.1 => last.1 = last.1.max(e),
            _ => merged.push((s, e)),
        }
    }
    merged
}

/// Add `extra` to merged `spans`, keeping them merged.
fn merge_in(mut spans: Vec<(usize, usize)>, extra: (usize, usize)) -> Vec<(usize, usize)> {
    spans.push(extra);
    merge(spans)
}

/// Redaction of one stream that arrives in pieces. Pass every piece to
/// `push` and call `finish` at the end of the stream; the concatenation of
/// what they return is the redacted stream.
///
/// Text is handed on as soon as no secret can still start in it: a tail
/// that is the beginning of a secret is held back (so at most the longest
/// secret's length is ever kept), and the end of a replaced secret is kept
/// as context, so a secret overlapping it is replaced as part of one span.
#[derive(Debug, Clone)]
pub struct StreamRedactor {
    redactor: Redactor,
    /// Text not yet handed on, after `masked` bytes already shown as (part
    /// of) a marker and kept only for matching.
    pending: String,
    masked: usize,
}

impl StreamRedactor {
    pub fn new(redactor: Redactor) -> StreamRedactor {
        StreamRedactor {
            redactor,
            pending: String::new(),
            masked: 0,
        }
    }

    fn spans(&self) -> Vec<(usize, usize)> {
        let spans = self.redactor.spans(&self.pending);
        if self.masked > 0 {
            merge_in(spans, (0, self.masked))
        } else {
            spans
        }
    }

    /// Append `text`; returns what is now safe to show (possibly nothing).
    pub fn push(&mut self, text: &str) -> String {
        if self.redactor.is_empty() {
            return text.to_string();
        }
        self.pending.push_str(text);
        let spans = self.spans();
        // Before `partial` nothing can change any more; a known span that
        // reaches past it is settled too (its bytes are masked whatever follows).
        let partial = self.redactor.partial_from(&self.pending);
        let settled = spans
            .iter()
            .find(|&&(s, e)| s <= partial && partial < e)
            .map_or(partial, |&(_, e)| e);
        let out = emit(&self.pending, self.masked, settled.max(self.masked), &spans);
        self.masked = settled.max(self.masked) - partial;
        self.pending.drain(..partial);
        out
    }

    /// The end of the stream: the rest, redacted. A tail that is the start
    /// of a secret (4 characters or more) counts as the secret — the stream
    /// was cut off while printing it.
    pub fn finish(&mut self) -> String {
        let mut spans = self.spans();
        let partial = self.redactor.partial_from(&self.pending);
        if self.pending[partial..].chars().count() >= 4 {
            spans = merge_in(spans, (partial, self.pending.len()));
        }
        let out = emit(&self.pending, self.masked, self.pending.len(), &spans);
        self.pending.clear();
        self.masked = 0;
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &str = "Q#7(x]K+9^z$W{2|V?é€.*";

    fn stream(r: &Redactor, pieces: &[&str]) -> String {
        let mut s = StreamRedactor::new(r.clone());
        let mut out: String = pieces.iter().map(|p| s.push(p)).collect();
        out.push_str(&s.finish());
        out
    }

    /// Every 4-character piece of `secret` found in `text`.
    fn leaks(secret: &str, text: &str) -> Vec<String> {
        let c: Vec<char> = secret.chars().collect();
        c.windows(4)
            .map(|w| w.iter().collect::<String>())
            .filter(|p| text.contains(p.as_str()))
            .collect()
    }

    #[test]
    fn replaces_every_occurrence() {
        let r = Redactor::with_secrets(vec!["s3cr3t-token".into()]);
        assert_eq!(r.redact("a s3cr3t-token b s3cr3t-token"), "a *** b ***");
        assert_eq!(r.redact("nothing here"), "nothing here");
    }

    #[test]
    fn values_shorter_than_four_characters_are_not_secrets() {
        let r = Redactor::with_secrets(vec!["abc".into(), "1".into()]);
        assert!(r.is_empty());
        assert_eq!(stream(&r, &["abc 1 abc"]), "abc 1 abc");
    }

    #[test]
    fn a_secret_split_at_every_position_is_redacted() {
        let r = Redactor::with_secrets(vec![SECRET.into()]);
        let text = format!("before {SECRET} between {SECRET}");
        let bounds: Vec<usize> = (0..=text.len()).filter(|&i| text.is_char_boundary(i)).collect();
        for &i in &bounds {
            for &j in bounds.iter().filter(|&&j| j >= i) {
                let out = stream(&r, &[&text[..i], &text[i..j], &text[j..]]);
                assert_eq!(out, "before *** between ***", "split at {i}, {j}");
            }
        }
    }

    #[test]
    fn overlapping_secrets_leave_no_piece() {
        let r = Redactor::with_secrets(vec!["abcdefgh".into(), "efghijkl".into()]);
        assert_eq!(r.redact("xabcdefghijklx"), "x***x");
        let r = Redactor::with_secrets(vec!["abcdXabcd".into()]);
        assert_eq!(r.redact("abcdXabcdXabcd!"), "***!");
        for split in 1..14 {
            let t = "xabcdXabcdXabcd!";
            assert_eq!(stream(&r, &[&t[..split], &t[split..]]), "x***!", "split at {split}");
        }
    }

    #[test]
    fn a_stream_cut_off_inside_a_secret_keeps_no_piece_of_it() {
        let r = Redactor::with_secrets(vec![SECRET.into()]);
        let cut: String = SECRET.chars().take(9).collect();
        let out = stream(&r, &["tail: ", &cut]);
        assert_eq!(out, "tail: ***");
        assert!(leaks(SECRET, &out).is_empty());
        // Three characters are not a secret's piece; they stay.
        let out = stream(&r, &["tail: Q#7"]);
        assert_eq!(out, "tail: Q#7");
    }

    #[test]
    fn text_flows_without_delay_unless_it_may_be_a_secret() {
        let r = Redactor::with_secrets(vec![SECRET.into()]);
        let mut s = StreamRedactor::new(r);
        assert_eq!(s.push("plain line\n"), "plain line\n");
        assert_eq!(s.push("ends with Q#"), "ends with ");
        assert_eq!(s.push("!"), "Q#!");
    }

    #[test]
    fn streaming_gives_the_same_text_as_redacting_the_whole() {
        // Secrets that overlap each other and themselves, over a small
        // alphabet so they occur often; every text cut into random pieces.
        let r = Redactor::with_secrets(vec!["abab".into(), "babba".into(), "aabba".into(), "cabac".into()]);
        let mut rng = crate::test_rng::Rng::new(7);
        let mut next = |n: u64| rng.below(n);
        for _ in 0..3000 {
            let len = 1 + next(40) as usize;
            let mut text: String = (0..len).map(|_| ['a', 'b', 'c'][next(3) as usize]).collect();
            text.push('#');
            let mut cuts: Vec<usize> = (0..next(6)).map(|_| next(text.len() as u64 + 1) as usize).collect();
            cuts.sort_unstable();
            let mut pieces = Vec::new();
            let mut at = 0;
            for c in cuts {
                pieces.push(&text[at..c]);
                at = c;
            }
            pieces.push(&text[at..]);
            assert_eq!(stream(&r, &pieces), r.redact(&text), "{pieces:?}");
        }
    }

    #[test]
    fn control_characters_inside_a_secret_are_matched_as_shown() {
        let r = Redactor::with_secrets(vec!["ab\rcdef".into()]);
        assert_eq!(r.redact("x abcdef y"), "x *** y");
    }
}
