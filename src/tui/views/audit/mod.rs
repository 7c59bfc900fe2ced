//! The Audit view: the trail, newest first, filtered by `/`. It owns the
//! rows (each with its one-line summary and a lower-case haystack for the
//! filter, built once per event: a snapshot that carries the trail again
//! keeps the rows of the events it already had — the trail is loaded with
//! every snapshot once the view has been opened), the filter and the cursor.

mod render;

use ratatui::layout::Rect;
use ratatui::Frame;

use super::ListPos;
use crate::ledger::Event;
use crate::tui::render::theme::Theme;

/// An audit event with its one-line summary, computed once per event.
#[derive(Debug, Clone)]
pub struct AuditRow {
    pub event: Event,
    pub summary: String,
    haystack: String,
}

impl AuditRow {
    pub fn new(e: &Event) -> AuditRow {
        let summary = crate::ops::audit::summary(e);
        let haystack = format!(
            "{} {} {} {} {}",
            e.seq,
            e.actor,
            e.env.as_deref().unwrap_or("-"),
            e.kind,
            summary
        )
        .to_lowercase();
        AuditRow {
            event: e.clone(),
            summary,
            haystack,
        }
    }
}

#[derive(Debug, Default)]
pub struct Audit {
    pub rows: Vec<AuditRow>,
    /// A snapshot with the trail has arrived (it loads with the view).
    pub loaded: bool,
    pub filter: String,
    pub pos: ListPos,
}

impl Audit {
    /// Rows that match the filter (every word, any case).
    pub fn visible(&self) -> Vec<&AuditRow> {
        let words: Vec<String> = self.filter.split_whitespace().map(str::to_lowercase).collect();
        self.rows
            .iter()
            .filter(|r| words.iter().all(|w| r.haystack.contains(w.as_str())))
            .collect()
    }

    /// A snapshot carrying the trail (one without it keeps the old rows).
    pub fn on_trail(&mut self, events: &[Event]) {
        // Summaries parse each body: on the UI thread, for a trail of
        // hundreds of events, that was most of the frame after `5`. An event
        // already shown (same seq, same hash) keeps its row.
        let mut had: std::collections::HashMap<u64, AuditRow> = self.rows.drain(..).map(|r| (r.event.seq, r)).collect();
        self.rows = events
            .iter()
            .map(|e| match had.remove(&e.seq) {
                Some(row) if row.event.hash == e.hash => row,
                _ => AuditRow::new(e),
            })
            .collect();
        self.loaded = true;
    }

    /// A new filter starts at the top.
    pub fn set_filter(&mut self, text: String) {
        self.filter = text;
        self.pos = ListPos::default();
    }

    pub fn render(&self, f: &mut Frame, area: Rect, sh: &super::Shared, theme: &Theme) {
        render::render(f, area, self, sh, theme);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(seq: u64, hash: &str) -> Event {
        Event {
            seq,
            at: chrono::DateTime::from_timestamp(1_700_000_000 + seq as i64, 0).unwrap_or_default(),
            actor: "ana".into(),
            kind: "hold.set".into(),
            env: Some("prod".into()),
            body: r#"{"reason":"incident"}"#.into(),
            hash: hash.into(),
        }
    }

    #[test]
    fn a_trail_again_keeps_the_rows_of_events_it_had_and_builds_the_new_ones() {
        let mut a = Audit::default();
        a.on_trail(&[event(2, "b"), event(1, "a")]);
        assert_eq!(a.rows.len(), 2);
        let built = a.rows[0].summary.clone();
        assert!(!built.is_empty());
        // Marked, to tell a kept row from a rebuilt one.
        for r in &mut a.rows {
            r.summary = format!("kept {}", r.event.seq);
        }
        // A newer event, seq 2 unchanged, seq 1 with another hash (a
        // rebuilt ledger): only seq 2 is kept.
        a.on_trail(&[event(3, "c"), event(2, "b"), event(1, "other")]);
        let summaries: Vec<&str> = a.rows.iter().map(|r| r.summary.as_str()).collect();
        assert_eq!(summaries, [built.as_str(), "kept 2", built.as_str()]);
        assert_eq!(a.rows[2].event.hash, "other");
        assert!(a.loaded);
    }
}
