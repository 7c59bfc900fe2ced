//! The audit trail as the Audit view shows it: each event with its one-line
//! summary and a lower-case haystack for the filter, built once per snapshot
//! that carries the trail (it is loaded only while the view is open).

use super::app::App;
use crate::ledger::Event;

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

impl App {
    /// Audit rows that match the filter (every word, any case).
    pub fn audit_visible(&self) -> Vec<&AuditRow> {
        let words: Vec<String> = self.audit_filter.split_whitespace().map(str::to_lowercase).collect();
        self.audit_rows
            .iter()
            .filter(|r| words.iter().all(|w| r.haystack.contains(w.as_str())))
            .collect()
    }
}
