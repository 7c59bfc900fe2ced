//! The Audit view: the trail, newest first, filtered by `/`. It owns the
//! rows (each with its one-line summary and a lower-case haystack for the
//! filter, built once per snapshot that carries the trail — it is loaded
//! only while the view is open), the filter and the cursor.

mod render;

use ratatui::layout::Rect;
use ratatui::Frame;

use super::ListPos;
use crate::ledger::Event;
use crate::tui::render::theme::Theme;

/// An audit event with its one-line summary, computed once per snapshot.
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
        self.rows = events.iter().map(AuditRow::new).collect();
        self.loaded = true;
    }

    /// A new filter starts at the top.
    pub fn set_filter(&mut self, text: String) {
        self.filter = text;
        self.pos = ListPos::default();
    }

    pub fn render(&self, f: &mut Frame, area: Rect, theme: &Theme) {
        render::render(f, area, self, theme);
    }
}
